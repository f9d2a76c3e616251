"""The online story engine: assigns each arriving article to an open story or opens a new one.

Articles are read one at a time in arrival order, so the result does not depend on how a
caller batches them. An article is compared with the earlier articles themselves (the index
finds the nearest members by terms, names and embedding) and with the stories they belong to
(centroids); one monotone model decides (decision.py) for every arrival order: a file's own
order, an interleaved stream, a real feed stream. State is the active window only: stories not
updated for `window_days` of *stream* time (the stream clock's robust present; never the wall
clock) are evicted with their members' postings, and a hard cap on open stories bounds memory
for undated streams. `repair()` (see repair.py) merges stories that are one event and splits
drifted ones.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from everyside.domain.clustering.boiler import BoilerplateFilter
from everyside.domain.clustering.clock import StreamClock
from everyside.domain.clustering.decision import (
    DENSE_FLOOR,
    JoinModel,
    MemberEvidence,
    channels,
    dense_scale,
    rival_offset,
)
from everyside.domain.clustering.index import SMALL_WALK, MemberIndex
from everyside.domain.clustering.repair import MergedAway
from everyside.domain.clustering.story import (
    ArticleVecs,
    DocFreq,
    Member,
    Story,
    article_vecs,
    norm,
    weights,
)
from everyside.domain.clustering.text import (
    Features,
    NewsItem,
    display_headline,
    extract,
    freeze,
    headline_source,
    terms,
)
from everyside.domain.clustering.view import StoryView, story_view

# text -> unit-length sentence embedding (the optional dense channel; see embed_text)
Embedder = Callable[[str], "np.ndarray"]
EMBED_CHARS = 600  # of body text given to the embedder, after the headline
MEMBER_PROBES = 40  # members (most like the article first) whose matches are read


@dataclass(frozen=True)
class EngineParams:
    window_days: float = 7.0
    max_date_skew_hours: float = 24.0
    max_active_stories: int = 300_000
    max_indexed_members: int = 500_000  # members searchable one by one (undated streams)
    query_terms: int = 16  # heaviest signature terms an article looks up
    query_ents: int = 8  # heaviest names it looks up
    scan: int = 64  # most recent members read per key
    ring: int = 4096  # recent embeddings searched for the nearest
    dense_k: int = 12  # nearest embeddings taken from the ring
    candidates: int = 8  # stories scored with the full model per article
    # repair: probability from which two stories are one (None: the merge model's own)
    merge_threshold: float | None = None
    split_min_part: int = 3  # repair: smallest part a split may cut off
    repair_every: int = 200  # run the repair pass after every N assigned articles (0: never)
    # document frequencies kept (then the rarest keys of no open story are forgotten, down to
    # three quarters of this): ~100 bytes a key
    max_vocabulary: int = 2_000_000

    @classmethod
    def from_settings(cls, settings: Any) -> EngineParams:
        return cls(
            window_days=float(settings.story_window_days),
            max_date_skew_hours=float(settings.max_date_skew_hours),
            repair_every=int(settings.story_repair_every),
        )


@dataclass(frozen=True)
class Assignment:
    article_id: int | str
    story_id: int
    new_story: bool
    probability: float  # of the chosen story (0 for a new story with no candidate)
    reason: str  # joined | new | copy | no_content | loaded


def embed_text(item: NewsItem, head: str, boilerplate: bool) -> str:
    """What the dense channel reads of an article: the headline and the start of the lead."""
    body = "" if boilerplate else (item.text or "").strip()[:EMBED_CHARS]
    return f"{head}. {body}" if head and body else head or body


def _lang(code: str | None) -> str | None:
    return code.strip().lower()[:2] or None if code else None


class StoryEngine:
    """Online clustering of a news stream into stories."""

    def __init__(
        self,
        params: EngineParams | None = None,
        *,
        model: JoinModel | None = None,
        merge_model: JoinModel | None = None,
        outlet_factuality: Mapping[str, float] | None = None,
        first_story_id: int = 1,
        keep_evicted_views: bool = False,
        embedder: Embedder | None = None,
    ):
        self.params = p = params or EngineParams()
        self.embedder = embedder
        dense = embedder is not None
        self.model = model or JoinModel.default(dense=dense)
        self.merge_model = merge_model or JoinModel.default(dense=dense, kind="merge")
        self.outlet_factuality = dict(outlet_factuality or {})
        self.dfs = DocFreq()
        self._prune_at = p.max_vocabulary  # table size that triggers dfs.prune
        self.index = MemberIndex(
            query_terms=p.query_terms,
            query_ents=p.query_ents,
            scan=p.scan,
            ring=p.ring,
            dense_k=p.dense_k,
        )
        self.clock = StreamClock(p.max_date_skew_hours)
        self.boiler = BoilerplateFilter()
        self.stories: dict[int, Story] = {}
        self.story_of: dict[Hashable, int] = {}  # article id -> story id (window only)
        self.members: dict[Hashable, Member] = {}  # indexed members of open stories
        # indexed members in arrival order with the stream time they came at: a member older
        # than the window leaves the index even while its story goes on (the story stays
        # findable through its recent members), so the index follows the window
        self._indexed: deque[tuple[Hashable, float | None]] = deque()
        self.seq = 0
        self.next_id = first_story_id
        self.touched: set[int] = set()  # stories changed since the last repair
        # stories the repair pass merged away, by member: a split undoing a merge revives one
        self.merged_away = MergedAway()
        # open stories, least recently updated first
        self._recent: OrderedDict[int, None] = OrderedDict()
        # views of stories evicted since the caller last drained this (opt-in: adapters that
        # write stories in batches need the final view of a story evicted mid-batch)
        self.keep_evicted_views = keep_evicted_views
        self.evicted_views: dict[int, StoryView] = {}

    # -- the public verbs ------------------------------------------------------------------
    def add(self, item: NewsItem, now: datetime | None = None) -> Assignment:
        """Assign one article (in arrival order) to a story."""
        t = self.clock.trusted(item.published_at, now)
        head, boiler, f = self._features(item)
        self._advance(t)
        # a copy (the store's near-duplicate text) joins its original's story, unless the
        # shared text is boilerplate: a placeholder under unrelated headlines is no copy
        if item.copy_of is not None and item.copy_of in self.story_of and not boiler:
            sid = self.story_of[item.copy_of]
            if sid in self.stories:
                self._update(self.stories[sid], item, f, t, self._vecs(f, head, boiler, item))
                return Assignment(item.id, sid, False, 1.0, "copy")
        if f.empty:
            sid = self._open(item, f, t, None)
            return Assignment(item.id, sid, True, 0.0, "no_content")
        return self._place(item, f, t, self._vecs(f, head, boiler, item))

    def add_many(self, items: Iterable[NewsItem], now: datetime | None = None) -> list[Assignment]:
        return [self.add(i, now) for i in items]

    def load(self, item: NewsItem, story_id: int) -> Assignment:
        """Seed the window with an article whose story is already known (rebuild from a store)."""
        t = self.clock.trusted(item.published_at, None)
        head, boiler, f = self._features(item)
        self._advance(t)
        vecs = None if f.empty else self._vecs(f, head, boiler, item)
        if story_id in self.stories:
            self._update(self.stories[story_id], item, f, t, vecs)
        else:
            self._open(item, f, t, vecs, story_id=story_id)
        self.next_id = max(self.next_id, story_id + 1)
        self.touched.discard(story_id)
        return Assignment(item.id, story_id, False, 1.0, "loaded")

    def reread(self) -> tuple[list[tuple[int, int]], list[int]]:
        """Read again the articles whose text was found to be boilerplate after they were
        assigned (`BoilerplateFilter.take_revealed`): the first report under a placeholder
        was read with the placeholder as its text, so its story is headed by it and matched
        on its words. Each such article that is still a story of its own is assigned again
        without the text: it joins the story it now matches (returned as a merge, absorbed ->
        into) or keeps its story id with the headline and features it should have had
        (returned in the second list). An article that had joined a larger story stays."""
        merges: list[tuple[int, int]] = []
        kept: list[int] = []
        for ref in self.boiler.take_revealed():
            if not isinstance(ref, NewsItem):
                continue
            sid = self.story_of.get(ref.id)
            s = self.stories.get(sid) if sid is not None else None
            if s is None or s.n != 1:
                continue
            t = s.members[0].time
            self.drop(s.id)
            head, boiler, f = self._features(ref)
            if f.empty:
                kept.append(self._open(ref, f, t, None, story_id=s.id))
                continue
            # its words were counted in the document frequencies when it first came
            a = self._place(ref, f, t, self._vecs(f, head, boiler, ref, count=False), s.id)
            if a.new_story:
                kept.append(a.story_id)
            else:
                merges.append((s.id, a.story_id))
        return merges, kept

    def view(self, story_id: int) -> StoryView:
        """Headline, first article, members and why-grouped of an open story."""
        return story_view(self.stories[story_id], self.dfs, self.outlet_factuality)

    # -- scoring ---------------------------------------------------------------------------
    def evidence(self, vecs: ArticleVecs, exclude: int | None = None) -> dict[int, MemberEvidence]:
        """Per candidate story, the best matches of `vecs` with its individual members."""
        index = self.index
        t_slots, t_cos = index.read(vecs.text_sig, index.query_terms)
        e_slots, e_cos = index.read(vecs.ent_sig, index.query_ents)
        d_slots, d_cos = index.nearest_slots(vecs.dense)
        nt, ne = len(t_slots), len(e_slots)
        found = np.concatenate((t_slots, e_slots, d_slots))
        size = len(found)
        if not size:
            return {}
        # one row per member found by text, names or embedding; `first`: where it was first
        # found (the text postings, then the names', then the embedding neighbours). What
        # `np.unique(found, return_index=True, return_inverse=True)` computes, by the same
        # steps without its wrapper's copies and checks (this runs for every article)
        perm = found.argsort(kind="stable")
        aux = found[perm]
        new_slot = np.empty(size, dtype=bool)
        new_slot[0] = True
        np.not_equal(aux[1:], aux[:-1], out=new_slot[1:])
        slots, first = aux[new_slot], perm[new_slot]
        row = np.empty(size, dtype=np.intp)
        row[perm] = np.cumsum(new_slot) - 1
        k = len(slots)
        # summed in posting order, as MemberIndex.walk sums them
        text = np.bincount(row[:nt], weights=t_cos, minlength=k)
        ents = np.bincount(row[nt : nt + ne], weights=e_cos, minlength=k)
        d_rows = row[nt + ne :]
        # dense_scale of each cosine (the same float operations, on arrays)
        d_scaled = np.maximum((d_cos.astype(np.float64) - DENSE_FLOOR) / (1.0 - DENSE_FLOOR), 0.0)
        dense = np.bincount(d_rows, weights=d_scaled, minlength=k)
        has_dense = np.zeros(k, dtype=bool)
        has_dense[d_rows] = True
        # the members most like the article, by text, names and embedding together; equal
        # scores keep the order of the first design's dicts: members found by text first, then
        # by names, then by embedding, each by slot (or as found, for a short walk)
        score = text + 0.5 * ents + dense
        tier = (first >= nt).astype(np.int64) + (first >= nt + ne)
        within = first.copy()
        for level, n in ((0, nt), (1, ne)):
            if n >= SMALL_WALK:
                at = tier == level
                within[at] = slots[at]
        if k > MEMBER_PROBES:  # only scores from the MEMBER_PROBES-th best on are ranked
            cut = np.partition(score, k - MEMBER_PROBES)[k - MEMBER_PROBES]
            pick = np.flatnonzero(score >= cut)
        else:
            pick = np.arange(k)
        ranked = pick[np.lexsort((within[pick], tier[pick], -score[pick]))][:MEMBER_PROBES]
        out: dict[int, MemberEvidence] = {}
        members, story_of, member = self.members, self.story_of, index.member
        a_dense = vecs.dense
        limit = self.params.candidates
        for slot, t, e, d, near in zip(
            slots[ranked].tolist(),
            text[ranked].tolist(),
            ents[ranked].tolist(),
            dense[ranked].tolist(),
            has_dense[ranked].tolist(),
            strict=True,
        ):
            m = member(slot)
            sid = story_of.get(m)
            if sid is None or sid == exclude:
                continue
            ev = out.get(sid)
            if ev is None:
                if len(out) >= limit:
                    continue
                ev = out[sid] = MemberEvidence()
            if not near:
                d = 0.0
                if a_dense is not None:
                    mem = members.get(m)
                    if mem is not None and mem.dense is not None:
                        # `.dot`: the BLAS dot of `@`, the same float, half the call's cost
                        d = dense_scale(float(mem.dense.dot(a_dense)))
            ev.update(t, d, e)
        return out

    def score(
        self,
        vecs: ArticleVecs,
        t: datetime | None,
        seq: int,
        lang: str | None,
        exclude: int | None = None,
    ) -> list[tuple[float, int]]:
        """(probability, story) of every candidate story, best first. A candidate's odds are
        lowered by how far its best embedding match falls short of the best among all of them
        (`decision.DENSE_RIVAL`)."""
        ts = t.timestamp() if t is not None else None
        found = self.evidence(vecs, exclude)
        best_dense = max((ev.dense for ev in found.values()), default=0.0)
        out = []
        for sid, ev in found.items():
            s = self.stories[sid]
            if lang and s.lang and lang != s.lang:
                continue  # lexical signals cannot compare languages: never glue across them
            x = channels(vecs, ev, s, seq - s.seq, ts)
            out.append((self.model.prob(x, rival_offset(ev.dense, best_dense)), sid))
        out.sort(reverse=True)
        return out

    def _best(
        self, vecs: ArticleVecs, t: datetime | None, lang: str | None
    ) -> tuple[int | None, float]:
        scored = self.score(vecs, t, self.seq, lang)
        if not scored:
            return None, 0.0
        p, sid = scored[0]
        return sid, p

    # -- internals -------------------------------------------------------------------------
    def _place(
        self,
        item: NewsItem,
        f: Features,
        t: datetime | None,
        vecs: ArticleVecs,
        story_id: int | None = None,
    ) -> Assignment:
        """Join the most probable story if the model is sure enough, else open one (with
        `story_id`, if given)."""
        best, p = self._best(vecs, t, _lang(item.lang))
        if best is not None and p >= self.model.threshold:
            self._update(self.stories[best], item, f, t, vecs)
            return Assignment(item.id, best, False, p, "joined")
        sid = self._open(item, f, t, vecs, story_id=story_id)
        return Assignment(item.id, sid, True, p, "new")

    def _features(self, item: NewsItem) -> tuple[str, bool, Features]:
        head, _ = headline_source(item)
        # the article without its text, should the text turn out to be boilerplate later
        ref = replace(item, text=None, copy_of=None) if item.text else None
        boiler = self.boiler.check(item.text, item.domain, set(terms(head)), ref)
        return head, boiler, extract(item, boilerplate=boiler, seen=self.dfs.df)

    def _vecs(
        self, f: Features, head: str, boiler: bool, item: NewsItem, *, count: bool = True
    ) -> ArticleVecs:
        if len(self.dfs.df) > self._prune_at:  # before this article's keys go in
            cap = self.params.max_vocabulary
            self.dfs.prune(cap * 3 // 4, keep=self.index.postings)
            # if the open stories alone hold more keys, wait until the table grew by a quarter
            self._prune_at = max(cap, len(self.dfs.df) + cap // 4)
        if count:
            self.dfs.add(f.text.keys() | {"@" + e for e in f.ents})
        dense = None
        if self.embedder is not None and not f.empty:
            text = embed_text(item, head, boiler)
            if text:
                dense = self.embedder(text)
        return article_vecs(f, self.dfs, dense)

    def _member(
        self, item: NewsItem, f: Features, t: datetime | None, vecs: ArticleVecs | None
    ) -> Member:
        tvec = vecs.title if vecs is not None else weights(f.title, self.dfs)
        return Member(
            item.id,
            display_headline(item, boilerplate=not f.has_body and bool(item.text)),
            item.domain,
            t,
            f,
            freeze(tvec, "d"),
            norm(tvec) if vecs is None else vecs.title_norm,
            vecs.dense if vecs is not None else None,
            self.seq,
        )

    def _open(
        self,
        item: NewsItem,
        f: Features,
        t: datetime | None,
        vecs: ArticleVecs | None,
        *,
        story_id: int | None = None,
    ) -> int:
        sid = story_id if story_id is not None else self.next_id
        self.next_id = max(self.next_id, sid + 1)
        s = Story(sid)
        self.stories[sid] = s
        self._update(s, item, f, t, vecs)
        return sid

    def _update(
        self, s: Story, item: NewsItem, f: Features, t: datetime | None, vecs: ArticleVecs | None
    ) -> None:
        m = self._member(item, f, t, vecs)
        dropped = s.add(m, _lang(item.lang))
        if dropped is not None:
            self.story_of.pop(dropped.id, None)
            self._unindex(dropped.id)
        s.update_vecs(f, self.dfs, vecs.idfs if vecs is not None else None)
        s.clock, s.seq = self.clock.time, self.seq
        self.story_of[item.id] = s.id
        self._recent[s.id] = None
        self._recent.move_to_end(s.id)
        self.touched.add(s.id)
        if vecs is not None and not f.empty:
            self.index.add(item.id, vecs.text_sig, vecs.ent_sig, vecs.dense)
            self.members[item.id] = m
            now = self.clock.time
            self._indexed.append((item.id, now.timestamp() if now else None))
        f.release()
        self._evict()

    def _unindex(self, member: Hashable) -> None:
        self.index.remove(member)
        self.members.pop(member, None)

    def _advance(self, t: datetime | None) -> None:
        self.seq += 1
        if t is not None:
            self.clock.observe(t)
            self._evict()  # before scoring: a story past the window is no candidate

    def _evict(self) -> None:
        now = self.clock.time
        horizon = now - timedelta(days=self.params.window_days) if now else None
        cutoff = horizon.timestamp() if horizon else None
        indexed, cap = self._indexed, self.params.max_indexed_members
        while indexed:
            mid, at = indexed[0]
            if len(indexed) <= cap and (cutoff is None or (at is not None and at >= cutoff)):
                break
            indexed.popleft()
            self._unindex(mid)
        while self._recent:
            sid = next(iter(self._recent))
            s = self.stories[sid]
            # a story last updated before the stream had any date counts as old once the
            # stream has one; otherwise it would sit at the head and block every eviction
            old = horizon is not None and (s.clock is None or s.clock < horizon)
            if not old and len(self._recent) <= self.params.max_active_stories:
                break
            if self.keep_evicted_views:
                self.evicted_views[sid] = self.view(sid)
            self.drop(sid)

    def drop(self, sid: int) -> Story:
        """Forget a story (evicted or merged away)."""
        s = self.stories.pop(sid)
        self._recent.pop(sid, None)
        self.touched.discard(sid)
        for m in s.members:
            if self.story_of.get(m.id) == sid:
                del self.story_of[m.id]
            self._unindex(m.id)
        return s
