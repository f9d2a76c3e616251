"""The periodic repair pass: merge open stories that are one event, split drifted ones.

Only stories changed since the last pass are examined. A merge needs the learned decision to be
very sure (`EngineParams.merge_threshold`, applied to the story-vs-story channels); a split
needs two groups of at least `split_min_part` members with no lexical link at all between them.
Both are deliberately conservative: a wrong merge makes every downstream number wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from everyside.domain.clustering.decision import channels
from everyside.domain.clustering.story import ArticleVecs, Story, cosine, norm, text_counts, weights

if TYPE_CHECKING:
    from everyside.domain.clustering.engine import StoryEngine

SPLIT_LINK = 0.08  # members with a title+body cosine at least this are linked


@dataclass
class RepairResult:
    merges: list[tuple[int, int]] = field(default_factory=list)  # (absorbed, into)
    splits: list[tuple[int, int, tuple[int | str, ...]]] = field(default_factory=list)
    # (story, new story, ids of the articles moved to the new story)

    @property
    def changed(self) -> set[int]:
        out = {a for a, _ in self.merges} | {b for _, b in self.merges}
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
    )


def repair(engine: StoryEngine) -> RepairResult:
    result = RepairResult()
    for sid in sorted(engine.touched):
        if sid in engine.stories:
            _try_merge(engine, sid, result)
    for sid in sorted(engine.touched):
        if sid in engine.stories:
            _try_split(engine, sid, result)
    engine.touched.clear()
    return result


def _try_merge(engine: StoryEngine, sid: int, result: RepairResult) -> None:
    s = engine.stories[sid]
    vecs = _story_vecs(s)
    ts = s.last_time.timestamp() if s.last_time else None
    for other in engine.candidates(vecs):
        o = engine.stories.get(other)
        if other == sid or o is None or (s.lang and o.lang and s.lang != o.lang):
            continue
        p = engine.model.prob(channels(vecs, ts, o))
        if p >= engine.params.merge_threshold:
            into, gone = (o, s) if o.id < s.id else (s, o)
            _absorb(engine, into, gone)
            result.merges.append((gone.id, into.id))
            return


def _absorb(engine: StoryEngine, into: Story, gone: Story) -> None:
    engine.drop(gone.id)
    extra = gone.n - len(gone.members)
    for m in gone.members:
        into.add(m, gone.lang)
        engine.story_of[m.id] = into.id
    into.n += extra
    into.refresh(engine.dfs)
    engine.index.index(into.id, into.all_index_keys())
    engine.touched.add(into.id)


def _components(engine: StoryEngine, s: Story) -> list[list[int]]:
    vecs = [weights(text_counts(m.features), engine.dfs) for m in s.members]
    norms = [norm(v) for v in vecs]
    parent = list(range(len(vecs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(vecs)):
        for j in range(i + 1, len(vecs)):
            if find(i) != find(j) and cosine(vecs[i], norms[i], vecs[j], norms[j]) >= SPLIT_LINK:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(vecs)):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=len, reverse=True)


def _try_split(engine: StoryEngine, sid: int, result: RepairResult) -> None:
    s = engine.stories[sid]
    part = engine.params.split_min_part
    if s.n != len(s.members) or s.n < 2 * part:
        return  # members beyond the cap are not in memory: never split what we cannot see
    groups = _components(engine, s)
    big = [g for g in groups if len(g) >= part]
    if len(big) < 2:
        return
    keep = set(range(len(s.members))) - {i for g in big[1:] for i in g}
    members = s.members
    _rebuild(engine, s, [members[i] for i in sorted(keep)])
    for g in big[1:]:
        # the new story inherits the stream time of the one it split from: a story without a
        # clock at the head of the eviction order would block every eviction behind it
        new = Story(engine.next_id, clock=s.clock, seq=s.seq, lang=s.lang)
        engine.next_id += 1
        engine.stories[new.id] = new
        moved = [members[i] for i in g]
        _rebuild(engine, new, moved)
        engine._recent[new.id] = None
        result.splits.append((sid, new.id, tuple(m.id for m in moved)))


def _rebuild(engine: StoryEngine, s: Story, members: list) -> None:
    engine.index.remove(s.id)
    fresh = Story(s.id, clock=s.clock, seq=s.seq, lang=s.lang)
    for m in members:
        fresh.add(m, s.lang)
        engine.story_of[m.id] = s.id
    fresh.refresh(engine.dfs)
    engine.stories[s.id] = fresh
    engine.index.index(s.id, fresh.all_index_keys())
