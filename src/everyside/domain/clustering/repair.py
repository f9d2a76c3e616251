"""The periodic repair pass: merge open stories that are one event, split drifted ones.

Only stories changed since the last pass are examined. A story merges into its most probable
candidate when the learned decision, applied to the story-vs-story channels (the story's
centroid, mean embedding and time span read like one article), reaches the merge
threshold (the join model with a merge threshold of its own, both fitted by
tools/fit_clustering.py; `EngineParams.merge_threshold` may override it); a split
needs two groups of at least `split_min_part` members with no link between them (a
title+body cosine of `SPLIT_LINK` or more, supported by a common neighbour: `_components`).
Merges are deliberately conservative: a wrong merge makes every downstream number wrong.
First, the articles whose text turned out to be boilerplate after they came are read again
without it (`StoryEngine.reread`).
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from everyside.domain.clustering.decision import channels
from everyside.domain.clustering.index import (
    ENT_SIGNATURE,
    SIGNATURE,
    one_blas_thread,
    signature,
)
from everyside.domain.clustering.story import ArticleVecs, Story

if TYPE_CHECKING:
    from everyside.domain.clustering.engine import StoryEngine

# Members are linked when their title+body cosine reaches SPLIT_LINK; a link between two
# members with text also needs a third member linked to both (below), so one report that
# shares a few words with two events ("crackdown on protests": Minneapolis and Iran) no longer
# holds them together. 0.25 (was 0.08, "no link at all", until 2026-12-07): on interleaved
# political streams the online decision glues stories about the same people into one of dozens
# of events, every member linked to some other by a cosine of 0.1. 0.3 since 2026-12-07, with
# the common-neighbour rule: alone, 0.3 split real excerpt-only stories (Feb 0.911 -> 0.885),
# whose reports hang together through many weak links and a few strong ones; with the rule the
# strong ones form triangles and the story stays whole. Chosen on the mix of files and orders
# (docs/design-notes/clustering.md).
SPLIT_LINK = 0.3
# Two reports that are headlines only share a handful of words, and a story told in short
# headlines is a chain (uci_dev): their links keep the lower cosine and need no common
# neighbour.
SPLIT_LINK_TITLES = 0.25
# Below these sizes the split check computes with a few numpy calls what scipy's sparse product
# and graph search compute (the same numbers: see _member_sims and _labels); scipy's fixed cost
# per call (~10 sparse matrices built and validated) is most of a small story's check.
SMALL_PRODUCT = 20_000  # pairs of entries that share a term
SMALL_GRAPH = 128  # members


# How much of its merge history the engine keeps to give a split-off part its old id back
# (`MergedAway`): member ids over all remembered merges.
MERGED_MEMORY = 200_000


class MergedAway:
    """The stories merged away by the repair pass, remembered by their members, so that a
    split that undoes a merge gives the part its old story id back (`revive`): on interleaved
    streams the repair pass may merge two stories and split them apart again a few passes
    later, and without this the part would take a new id each time (a new story URL, the old
    one redirecting to the story it no longer belongs to).

    A member is remembered under the first story it was merged away with, so after a chain of
    merges (G into I, I into J) each part still finds its own story. Bounded: the oldest merges
    are forgotten first once more than `limit` member ids are held."""

    def __init__(self, limit: int = MERGED_MEMORY) -> None:
        self.limit = limit
        self._members: OrderedDict[int, tuple[Hashable, ...]] = OrderedDict()
        self._of: dict[Hashable, int] = {}  # member -> the first story it was merged away with
        self._held = 0

    def __len__(self) -> int:
        return len(self._members)

    def record(self, gone: int, members: Iterable[Hashable]) -> None:
        self._drop(gone)
        ids = tuple(members)
        self._members[gone] = ids
        self._held += len(ids)
        of = self._of
        for m in ids:
            of.setdefault(m, gone)
        while self._held > self.limit and self._members:
            self._drop(next(iter(self._members)))

    def revive(self, part: Sequence[Hashable], alive: Mapping[int, object]) -> int | None:
        """The story merged away that `part` (the member ids of a split-off part) is: at least
        half of the part was that story's when it was merged away, and at least half of that
        story is in the part. The story is forgotten (it is alive again)."""
        of = self._of
        counts = Counter(g for m in part if (g := of.get(m)) is not None)
        for gone, n in counts.most_common(2):
            size = len(self._members[gone])
            if gone not in alive and 2 * n >= len(part) and 2 * n >= size:
                self._drop(gone)
                return gone
        return None

    def _drop(self, gone: int) -> None:
        ids = self._members.pop(gone, None)
        if ids is None:
            return
        self._held -= len(ids)
        of = self._of
        for m in ids:
            if of.get(m) == gone:
                del of[m]


@dataclass
class RepairResult:
    merges: list[tuple[int, int]] = field(default_factory=list)  # (absorbed, into)
    splits: list[tuple[int, int, tuple[int | str, ...]]] = field(default_factory=list)
    # (story, new story, ids of the articles moved to the new story)
    revived: set[int] = field(default_factory=set)
    # the new stories of `splits` that are stories merged away earlier, back under their id
    # (`MergedAway`): the store un-merges them
    reread: list[int] = field(default_factory=list)
    # stories of one article read again without its boilerplate text (`StoryEngine.reread`):
    # same id and article, a new headline

    @property
    def changed(self) -> set[int]:
        out = {a for a, _ in self.merges} | {b for _, b in self.merges} | set(self.reread)
        for s, new, _ in self.splits:
            out |= {s, new}
        return out


def _story_vecs(s: Story) -> ArticleVecs:
    return ArticleVecs(
        s.vec_title,
        s.vec_text,
        s.vec_ents,
        s.norm_title,
        s.norm_text,
        s.norm_ents,
        s.body_members > 0,
        s.dense_unit(),
        signature(s.vec_text, SIGNATURE),
        signature(s.vec_ents, ENT_SIGNATURE, "@"),
    )


def _meeting_time(s: Story, o: Story) -> float | None:
    """A time of story `s` as close as it gets to story `o`'s span (inside it when they
    overlap), for the time closeness of the pair."""
    if s.first_ts is None or s.last_ts is None:
        return None
    if o.first_ts is None or o.last_ts is None:
        return s.last_ts
    if s.first_ts <= o.last_ts and o.first_ts <= s.last_ts:
        return max(s.first_ts, o.first_ts)
    return s.last_ts if s.last_ts < o.first_ts else s.first_ts


def repair(engine: StoryEngine) -> RepairResult:
    result = RepairResult()
    merges, result.reread = engine.reread()
    result.merges.extend(merges)
    for sid in sorted(engine.touched):
        if sid in engine.stories:
            _try_merge(engine, sid, result)
    for sid in sorted(engine.touched):
        if sid in engine.stories:
            _try_split(engine, sid, result)
    engine.touched.clear()
    return result


def _try_merge(engine: StoryEngine, sid: int, result: RepairResult) -> None:
    """Merge the story into its most probable candidate, if the model is sure enough."""
    s = engine.stories[sid]
    vecs = _story_vecs(s)
    best: Story | None = None
    model = engine.merge_model
    best_p = engine.params.merge_threshold
    if best_p is None:
        best_p = model.threshold
    for other, ev in engine.evidence(vecs, exclude=sid).items():
        o = engine.stories.get(other)
        if o is None or (s.lang and o.lang and s.lang != o.lang):
            continue
        p = model.prob(channels(vecs, ev, o, abs(s.seq - o.seq), _meeting_time(s, o)))
        if p >= best_p:
            best, best_p = o, p
    if best is not None:
        into, gone = (best, s) if best.id < s.id else (s, best)
        _absorb(engine, into, gone)
        result.merges.append((gone.id, into.id))


def _absorb(engine: StoryEngine, into: Story, gone: Story) -> None:
    members = list(gone.members)
    extra = gone.n - len(members)
    engine.merged_away.record(gone.id, (m.id for m in members))
    engine.stories.pop(gone.id)
    engine._recent.pop(gone.id, None)
    engine.touched.discard(gone.id)
    story_of = engine.story_of
    for m in members:
        story_of[m.id] = into.id
    for dropped in into.extend(members, gone.lang):
        story_of.pop(dropped.id, None)
        engine._unindex(dropped.id)
    into.n += extra
    into.seq = max(into.seq, gone.seq)
    if gone.clock is not None and (into.clock is None or gone.clock > into.clock):
        into.clock = gone.clock
    into.refresh(engine.dfs)
    engine.touched.add(into.id)


def _components(engine: StoryEngine, s: Story) -> list[list[int]]:
    """Groups of linked members (connected components), largest first; equal sizes keep
    member order.

    Two members are linked when their title+body cosine reaches `SPLIT_LINK`
    (`SPLIT_LINK_TITLES` when both are headlines only). A link between members one of which
    has text needs support: a third member linked to both, unless one of the two has no other
    link (a report attached to the story by a single match stays attached)."""
    n = len(s.members)
    # every member's title+body vector (sublinear TF x the current IDF, unit length), built
    # for all members at once: one IDF lookup per distinct term of the story, not per member
    sizes: list[int] = []
    found: list[str] = []  # each member's terms, member by member
    counts: list[int] = []
    for m in s.members:
        body, title = m.features.body, m.features.title
        # `Features.merged()`: the body's terms, then the headline's others; the headline's
        # terms count twice
        merged: Mapping[str, int]
        if title:
            merged = dict(body.items())
            get = merged.get
            for term, c in title.items():
                merged[term] = get(term, 0) + 2 * c
        else:
            merged = body
        sizes.append(len(merged))
        found += merged
        counts += merged.values()
    # columns in order of first appearance
    vocab = {term: i for i, term in enumerate(dict.fromkeys(found))}
    idf = np.asarray(engine.dfs.idfs(vocab), dtype=np.float64)
    col = np.fromiter(map(vocab.__getitem__, found), dtype=np.int64, count=len(found))
    row = np.repeat(np.arange(n, dtype=np.int64), sizes)
    n_terms = np.asarray(counts, dtype=np.float64)
    keep = n_terms > 0  # a Counter may hold zero counts
    row, col, n_terms = row[keep], col[keep], n_terms[keep]
    vals = (1.0 + np.log(n_terms)) * idf[col]
    norms = np.sqrt(np.bincount(row, weights=vals * vals, minlength=n))
    norms[norms == 0] = 1.0
    sims = _member_sims(row, col, vals / norms[row], n, len(vocab))
    text = np.fromiter((m.features.has_body for m in s.members), dtype=bool, count=n)
    with_text = text[:, None] | text[None, :]
    links = sims >= np.where(with_text, SPLIT_LINK, SPLIT_LINK_TITLES)
    np.fill_diagonal(links, False)
    as_float = links.astype(np.float32)
    with one_blas_thread():  # too small to gain from BLAS threads (see index.py)
        common = as_float @ as_float  # members linked to both ends (exact in float32)
    degree = links.sum(axis=1)
    lone = (degree[:, None] <= 1) | (degree[None, :] <= 1)
    kept = links & (~with_text | (common > 0) | lone)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(_labels(kept).tolist()):
        groups.setdefault(label, []).append(i)
    return sorted(groups.values(), key=len, reverse=True)


def _member_sims(
    row: np.ndarray, col: np.ndarray, data: np.ndarray, n: int, n_cols: int
) -> np.ndarray:
    """`x @ x.T` as a dense n x n array, for the CSR matrix x whose entries are listed row by
    row (member order; a term at most once per member).

    Small products are summed with `np.bincount`, in the order scipy's sparse product sums
    them, so the floats are the same: entry (i, k) accumulates, from 0.0, x[i, j] * x[k, j] over
    the terms j of row i in their stored order (scipy walks row i's entries and, for each, the
    members sharing its term; bincount adds its weights in input order)."""
    df = np.bincount(col, minlength=n_cols)
    reps = df[col]  # for each entry, the entries sharing its term (itself included)
    total = int(reps.sum())
    if total > SMALL_PRODUCT:
        # rows are in member order and a term occurs once per member: CSR as it stands
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
        x = csr_matrix((data, col, indptr), shape=(n, max(n_cols, 1)))
        return (x @ x.T).toarray()  # n <= MEMBER_CAP: dense is cheaper than sparse bookkeeping
    by_term = np.argsort(col, kind="stable")  # entries term by term, members ascending
    first = np.cumsum(df) - df  # where each term starts in by_term
    entry = np.repeat(np.arange(len(col)), reps)
    ends = np.cumsum(reps)
    partner = by_term[np.arange(total) - np.repeat(ends - reps - first[col], reps)]
    flat = row[entry] * n + row[partner]
    return np.bincount(flat, weights=data[entry] * data[partner], minlength=n * n).reshape(n, n)


def _labels(linked: np.ndarray) -> np.ndarray:
    """A label per member, equal within each connected component of the symmetric boolean
    adjacency matrix `linked` (components are all the caller reads; labels differ from
    scipy's numbering). Small graphs: each member takes the smallest label among itself and
    its neighbours, then its label's label, until nothing changes (every label stays a member of
    the same component and only decreases, so this ends with each component's first member)."""
    n = len(linked)
    if n > SMALL_GRAPH:
        return connected_components(csr_matrix(linked), directed=False)[1]
    labels = np.arange(n)
    while True:
        new = np.minimum(labels, np.where(linked, labels, n).min(axis=1))
        new = new[new]
        if np.array_equal(new, labels):
            return labels
        labels = new


def _try_split(engine: StoryEngine, sid: int, result: RepairResult) -> None:
    s = engine.stories[sid]
    part = engine.params.split_min_part
    if s.n != len(s.members) or s.n < 2 * part:
        return  # members beyond the cap are not in memory: never split what we cannot see
    if s.n < s.split_checked + max(part, s.split_checked // 4):
        return  # checked recently: wait until it grew by a quarter (or by one smallest part)
    s.split_checked = s.n
    groups = _components(engine, s)
    big = [g for g in groups if len(g) >= part]
    if len(big) < 2:
        return
    keep = set(range(len(s.members))) - {i for g in big[1:] for i in g}
    members = s.members
    _rebuild(engine, s, [members[i] for i in sorted(keep)])
    for g in big[1:]:
        moved = [members[i] for i in g]
        ids = tuple(m.id for m in moved)
        # a part that is a story merged away earlier takes its id back (a split undoing a merge)
        nid = engine.merged_away.revive(ids, engine.stories)
        if nid is None:
            nid = engine.next_id
            engine.next_id += 1
        else:
            result.revived.add(nid)
        # the new story inherits the stream time of the one it split from: a story without a
        # clock at the head of the eviction order would block every eviction behind it
        new = Story(nid, clock=s.clock, seq=s.seq, lang=s.lang)
        engine.stories[new.id] = new
        _rebuild(engine, new, moved)
        engine._recent[new.id] = None
        result.splits.append((sid, new.id, ids))


def _rebuild(engine: StoryEngine, s: Story, members: list) -> None:
    fresh = Story(s.id, clock=s.clock, seq=s.seq, lang=s.lang)
    fresh.extend(members, s.lang)
    story_of = engine.story_of
    for m in members:
        story_of[m.id] = s.id
    fresh.refresh(engine.dfs)
    fresh.split_checked = fresh.n
    engine.stories[s.id] = fresh
