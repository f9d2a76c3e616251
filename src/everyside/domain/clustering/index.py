"""Candidate retrieval: an inverted index from terms and entities to the open stories.

Postings are insertion-ordered dicts, so a story touched again moves to the end and a scan
can stop after the `scan` most recent stories of a very common term. Stories leave the index
when the engine evicts them, so memory follows the active window, not history.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from everyside.domain.clustering.story import ArticleVecs


class CandidateIndex:
    def __init__(self, *, query_terms: int = 16, scan: int = 400, candidates: int = 12):
        self.query_terms = query_terms
        self.scan = scan
        self.candidates = candidates
        # key -> {story: the story's normalised weight of the key when it was last indexed}
        self.postings: dict[str, dict[int, float]] = {}
        self.keys_of: dict[int, set[str]] = {}

    def __len__(self) -> int:
        return len(self.keys_of)

    def index(self, story_id: int, keyed: Iterable[tuple[str, float]]) -> None:
        """(Re)index a story under (key, weight) pairs; it moves to the recent end of each."""
        mine = self.keys_of.setdefault(story_id, set())
        for k, w in keyed:
            p = self.postings.get(k)
            if p is None:
                p = self.postings[k] = {}
            else:
                p.pop(story_id, None)
            p[story_id] = w
            mine.add(k)

    def remove(self, story_id: int) -> None:
        for k in self.keys_of.pop(story_id, ()):
            p = self.postings.get(k)
            if p is not None:
                p.pop(story_id, None)
                if not p:
                    del self.postings[k]

    def query(self, a: ArticleVecs) -> list[int]:
        """The stories sharing the most informative terms with an article, best first.

        The ranking approximates the cosine over the article's heaviest terms, with each
        story's weights as they were when the story last changed.
        """
        weighted: dict[str, float] = dict(a.text)
        for e, w in a.ents.items():
            weighted["@" + e] = w
        # sorted(...)[:n] is what heapq.nlargest returns (same ties), and faster at these sizes
        top = sorted(weighted, key=weighted.__getitem__, reverse=True)[: self.query_terms]
        score: dict[int, float] = {}
        get = score.get
        postings, scan = self.postings, self.scan
        for key in top:
            w = weighted[key]
            p = postings.get(key)
            if not p:
                continue
            for sid, sw in p.items() if len(p) <= scan else islice(reversed(p.items()), scan):
                score[sid] = get(sid, 0.0) + w * sw
        # ties keep insertion order, which is deterministic
        return sorted(score, key=score.__getitem__, reverse=True)[: self.candidates]
