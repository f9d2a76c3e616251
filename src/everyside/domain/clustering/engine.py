"""The online story engine: assigns each arriving article to an open story or opens a new one.

Articles are read one at a time in arrival order, so the result does not depend on how a
caller batches them. State is the active window only: stories not updated for
`window_days` of *stream* time (the latest trustworthy published time seen; never the wall
clock) are evicted, and a hard cap on open stories bounds memory for undated streams.
`repair()` (see repair.py) merges stories that are one event and splits drifted ones.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from everyside.domain.clustering.decision import (
    CROWD_HOURS,
    FEATURES,
    JoinModel,
    alone,
    channels,
)
from everyside.domain.clustering.index import CandidateIndex
from everyside.domain.clustering.story import (
    ArticleVecs,
    DocFreq,
    Member,
    Story,
    article_vecs,
    norm,
    weights,
)
from everyside.domain.clustering.text import MAX_TITLE_CHARS, Features, NewsItem, extract
from everyside.domain.clustering.view import StoryView, story_view

if TYPE_CHECKING:
    import numpy as np

    from everyside.domain.clustering.repair import RepairResult

# text -> unit-length sentence embedding (the optional dense channel; see embed_text)
Embedder = Callable[[str], "np.ndarray"]
EMBED_CHARS = 600  # of body text given to the embedder, after the headline

# The stream's timing regime (see StoryEngine._note_gap): how many articles arrived between an
# article and the last update of the most similar open story it meets, over the last GAP_SAMPLES
# articles that met one
GAP_SAMPLES = 400
GAP_MIN_SAMPLES = 40  # fewer: the stream counts as bursty (the shipped default)
GAP_EVERY = 20  # the regime is re-decided after this many new gaps
MATCH_COS = 0.5  # "most similar": a title+body cosine of at least this
SPREAD_GAP = 3  # a median of this many articles or more makes the stream "spread"
ACTIVE_SECONDS = CROWD_HOURS * 3600  # only stories updated within a day count as met
TEXT_COS = FEATURES.index("text_cos")

MIN_YEAR = 1990  # earlier dates are placeholders (1970 epoch zero), not publication times
FUTURE_JUMP_DAYS = 30  # without `now`: a date this far past the stream clock is bogus


@dataclass(frozen=True)
class EngineParams:
    window_days: float = 7.0
    max_date_skew_hours: float = 24.0
    max_active_stories: int = 300_000
    query_terms: int = 10
    scan: int = 40
    candidates: int = 8
    # repair: probability from which two stories are one (None: the merge model's own)
    merge_threshold: float | None = None
    split_min_part: int = 3  # repair: smallest part a split may cut off
    repair_every: int = 200  # run the repair pass after every N assigned articles (0: never)
    # document frequencies kept (then the rarest keys of no open story are forgotten, down to
    # three quarters of this): ~100 bytes a key; 1,000,000 stored articles of `bench cluster`
    # make ~540,000
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


def trusted_time(
    published: datetime | None, clock: datetime | None, now: datetime | None, skew_h: float
) -> datetime | None:
    """The published time if it is believable, else None (the article counts as undated)."""
    if published is None:
        return None
    t = published if published.tzinfo else published.replace(tzinfo=UTC)
    if t.year < MIN_YEAR:
        return None
    if now is not None and t > now + timedelta(hours=skew_h):
        return None
    if now is None and clock is not None and t > clock + timedelta(days=FUTURE_JUMP_DAYS):
        return None
    return t


def embed_text(item: NewsItem) -> str:
    """What the dense channel reads of an article: the headline and the start of the lead."""
    title = (item.title or "").strip()[:MAX_TITLE_CHARS]
    body = (item.text or "").strip()[:EMBED_CHARS]
    return f"{title}. {body}" if title and body else title or body


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
        self.params = params or EngineParams()
        self.embedder = embedder
        dense = embedder is not None
        # the shipped (join, merge) models of each timing regime, unless the caller brings its
        # own (then nothing switches, and no shipped weights are read that it does not need:
        # the fit tool runs while weights.py may still be fitted for other features)
        self._regimes: dict[str, tuple[JoinModel, JoinModel]] | None = None
        if model is None and merge_model is None:
            self._regimes = {
                r: (
                    JoinModel.default(dense=dense, regime=r),
                    JoinModel.default(dense=dense, kind="merge", regime=r),
                )
                for r in ("burst", "spread")
            }
            model, merge_model = self._regimes["burst"]
        self.model = model or JoinModel.default(dense=dense)
        self.merge_model = merge_model or JoinModel.default(dense=dense, kind="merge")
        self.regime = "burst"
        self._gaps: deque[int] = deque(maxlen=GAP_SAMPLES)
        self._gaps_new = 0
        self.outlet_factuality = dict(outlet_factuality or {})
        self.dfs = DocFreq()
        self._prune_at = self.params.max_vocabulary  # table size that triggers dfs.prune
        self.index = CandidateIndex(
            query_terms=self.params.query_terms,
            scan=self.params.scan,
            candidates=self.params.candidates,
        )
        self.stories: dict[int, Story] = {}
        self.story_of: dict[int | str, int] = {}  # article id -> story id (window only)
        self.clock: datetime | None = None
        self.seq = 0
        self.next_id = first_story_id
        self.touched: set[int] = set()  # stories changed since the last repair
        # open stories, least recently updated first (an OrderedDict: a plain dict that is
        # popped at the front and appended at the back makes `next(iter(...))` walk the
        # holes left at its front, which cost ~40 us an article at 18,000 open stories)
        self._recent: OrderedDict[int, None] = OrderedDict()
        # trusted times of the dated articles of the last CROWD_HOURS, in arrival order (one that
        # arrives late with an old time counts until it reaches the head: exact for date order)
        self._crowd: deque[float] = deque()
        # views of stories evicted since the caller last drained this (opt-in: adapters that
        # write stories in batches need the final view of a story evicted mid-batch)
        self.keep_evicted_views = keep_evicted_views
        self.evicted_views: dict[int, StoryView] = {}

    # -- the public verbs ------------------------------------------------------------------
    def add(self, item: NewsItem, now: datetime | None = None) -> Assignment:
        """Assign one article (in arrival order) to a story."""
        t = trusted_time(item.published_at, self.clock, now, self.params.max_date_skew_hours)
        f = extract(item)
        self._advance(t)
        if item.copy_of is not None and item.copy_of in self.story_of:
            sid = self.story_of[item.copy_of]
            if sid in self.stories:
                self._join(sid, item, f, t, self._vecs(f, item))
                return Assignment(item.id, sid, False, 1.0, "copy")
        if f.empty:
            sid = self._open(item, f, t, None, index=False)
            return Assignment(item.id, sid, True, 0.0, "no_content")
        vecs = self._vecs(f, item)
        best, p = self._best(vecs, t, _lang(item.lang))
        if best is not None and p >= self.model.threshold:
            self._join(best, item, f, t, vecs)
            return Assignment(item.id, best, False, p, "joined")
        sid = self._open(item, f, t, vecs)
        return Assignment(item.id, sid, True, p, "new")

    def add_many(self, items: Iterable[NewsItem], now: datetime | None = None) -> list[Assignment]:
        return [self.add(i, now) for i in items]

    def load(self, item: NewsItem, story_id: int) -> Assignment:
        """Seed the window with an article whose story is already known (rebuild from a store)."""
        t = trusted_time(item.published_at, self.clock, None, self.params.max_date_skew_hours)
        f = extract(item)
        self._advance(t)
        vecs = self._vecs(f, item)
        if story_id in self.stories:
            self._join(story_id, item, f, t, vecs)
        else:
            self._open(item, f, t, vecs, story_id=story_id, index=not f.empty)
        self.next_id = max(self.next_id, story_id + 1)
        self.touched.discard(story_id)
        return Assignment(item.id, story_id, False, 1.0, "loaded")

    def view(self, story_id: int) -> StoryView:
        """Headline, first article, members and why-grouped of an open story."""
        return story_view(self.stories[story_id], self.dfs, self.outlet_factuality)

    def repair(self) -> RepairResult:
        """Merge open stories that are one event and split drifted ones (see repair.py)."""
        from everyside.domain.clustering.repair import repair

        return repair(self)

    def candidates(self, vecs: ArticleVecs) -> list[int]:
        return self.index.query(vecs)

    # -- internals -------------------------------------------------------------------------
    def _vecs(self, f: Features, item: NewsItem) -> ArticleVecs:
        if len(self.dfs.df) > self._prune_at:  # before this article's keys go in
            cap = self.params.max_vocabulary
            self.dfs.prune(cap * 3 // 4, keep=self.index.postings)
            # if the open stories alone hold more keys, wait until the table grew by a quarter
            self._prune_at = max(cap, len(self.dfs.df) + cap // 4)
        self.dfs.add(f.text.keys() | {"@" + e for e in f.ents})
        dense = None
        if self.embedder is not None and not f.empty:
            dense = self.embedder(embed_text(item))
        return article_vecs(f, self.dfs, dense)

    def _best(
        self, vecs: ArticleVecs, t: datetime | None, lang: str | None
    ) -> tuple[int | None, float]:
        ts = t.timestamp() if t is not None else None
        solo = self.solo()
        best, best_p = None, 0.0
        alike: Story | None = None
        for sid in self.candidates(vecs):
            s = self.stories[sid]
            if lang and s.lang and lang != s.lang:
                continue  # lexical signals cannot compare languages: never glue across them
            x = channels(vecs, ts, s, solo)
            p = self.model.prob(x)
            if p > best_p:
                best, best_p = sid, p
            if (
                x[TEXT_COS] >= MATCH_COS
                and (alike is None or s.seq > alike.seq)
                and (ts is None or s.last_ts is None or ts - s.last_ts <= ACTIVE_SECONDS)
            ):
                alike = s
        if alike is not None:
            self._note_gap(self.seq - alike.seq)
        return best, best_p

    def _note_gap(self, gap: int) -> None:
        """Keep the stream's timing regime current. In every labelled file a story's reports
        arrive together (a crawl batch, one day stamp, undated file order: the next report of
        the most similar story follows its last one directly, a median gap of 1 article), and
        the shipped "burst" model relies on it. In a real feed stream a story's reports arrive
        hours apart with other stories' articles in between; there that model splits stories,
        and the "spread" model (fitted on re-dated copies whose articles are delayed by hours,
        `tools/fit_clustering.py --regime spread`) takes over. `gap` is the number of articles
        since the last update of the most recently updated open story an article met with a
        title+body cosine >= MATCH_COS, among those published within the last day (a copy of
        an old story is no evidence of how this stream's stories unfold)."""
        self._gaps.append(gap)
        self._gaps_new += 1
        if self._regimes is None or len(self._gaps) < GAP_MIN_SAMPLES:
            return
        if self._gaps_new < GAP_EVERY:
            return
        self._gaps_new = 0
        median = sorted(self._gaps)[len(self._gaps) // 2]
        regime = "spread" if median >= SPREAD_GAP else "burst"
        if regime != self.regime:
            self.regime = regime
            self.model, self.merge_model = self._regimes[regime]

    def _member(
        self, item: NewsItem, f: Features, t: datetime | None, vecs: ArticleVecs | None
    ) -> Member:
        tvec = vecs.title if vecs is not None else weights(f.title, self.dfs)
        return Member(
            item.id,
            (item.title or "").strip()[:400],
            item.domain,
            t,
            f,
            tvec,
            norm(tvec) if vecs is None else vecs.title_norm,
            vecs.dense if vecs is not None else None,
        )

    def _open(
        self,
        item: NewsItem,
        f: Features,
        t: datetime | None,
        vecs: ArticleVecs | None,
        *,
        story_id: int | None = None,
        index: bool = True,
    ) -> int:
        sid = story_id if story_id is not None else self.next_id
        self.next_id = max(self.next_id, sid + 1)
        s = Story(sid)
        self.stories[sid] = s
        self._update(s, item, f, t, vecs, index=index)
        return sid

    def _join(
        self, sid: int, item: NewsItem, f: Features, t: datetime | None, vecs: ArticleVecs
    ) -> None:
        self._update(self.stories[sid], item, f, t, vecs, index=True)

    def _update(
        self,
        s: Story,
        item: NewsItem,
        f: Features,
        t: datetime | None,
        vecs: ArticleVecs | None,
        *,
        index: bool,
    ) -> None:
        dropped = s.add(self._member(item, f, t, vecs), _lang(item.lang))
        if dropped is not None:
            self.story_of.pop(dropped.id, None)
        s.update_vecs(f, self.dfs)
        s.clock, s.seq = self.clock, self.seq
        self.story_of[item.id] = s.id
        self._recent[s.id] = None
        self._recent.move_to_end(s.id)
        self.touched.add(s.id)
        if index:
            self.index.index(s.id, s.index_keys(f.text.keys(), f.ents.keys()))
        f.release()
        self._evict()

    def _advance(self, t: datetime | None) -> None:
        self.seq += 1
        if t is None:
            return
        if self.clock is None or t > self.clock:
            self.clock = t
        self._crowd.append(t.timestamp())
        start = self.clock.timestamp() - CROWD_HOURS * 3600
        while self._crowd and self._crowd[0] < start:
            self._crowd.popleft()

    def solo(self) -> float:
        """`decision.alone()` of the stream's density now (dated articles of the last day)."""
        return alone(len(self._crowd))

    def _evict(self) -> None:
        horizon = self.clock - timedelta(days=self.params.window_days) if self.clock else None
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
        self.index.remove(sid)
        self.touched.discard(sid)
        for m in s.members:
            if self.story_of.get(m.id) == sid:
                del self.story_of[m.id]
        return s
