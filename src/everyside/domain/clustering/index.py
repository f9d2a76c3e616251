"""Candidate retrieval: an inverted index from terms and entities to the open stories.

Postings are insertion-ordered dicts, so a story touched again moves to the end and a scan
can stop after the `scan` most recent stories of a very common term. Stories leave the index
when the engine evicts them, so memory follows the active window, not history.
"""

from __future__ import annotations

import heapq
from itertools import islice
from collections.abc import Iterable

from everyside.domain.clustering.story import ArticleVecs, DocFreq


class CandidateIndex:
    def __init__(self, *, query_terms: int = 16, scan: int = 400, candidates: int = 12):
        self.query_terms = query_terms
        self.scan = scan
        self.candidates = candidates
        self.postings: dict[str, dict[int, None]] = {}
        self.keys_of: dict[int, set[str]] = {}

    def __len__(self) -> int:
        return len(self.keys_of)

    def index(self, story_id: int, keys: Iterable[str]) -> None:
        """(Re)index a story under keys; it moves to the recent end of each posting."""
        mine = self.keys_of.setdefault(story_id, set())
        for k in keys:
            p = self.postings.get(k)
            if p is None:
                p = self.postings[k] = {}
            else:
                p.pop(story_id, None)
            p[story_id] = None
            mine.add(k)

    def remove(self, story_id: int) -> None:
        for k in self.keys_of.pop(story_id, ()):
            p = self.postings.get(k)
            if p is not None:
                p.pop(story_id, None)
                if not p:
                    del self.postings[k]

    def query(self, a: ArticleVecs, dfs: DocFreq) -> list[int]:
        """The stories sharing the most informative terms with an article, best first."""
        weighted: dict[str, float] = dict(a.text)
        for e, w in a.ents.items():
            weighted["@" + e] = w
        top = heapq.nlargest(self.query_terms, weighted.items(), key=lambda kv: kv[1])
        score: dict[int, float] = {}
        for key, w in top:
            p = self.postings.get(key)
            if not p:
                continue
            ids = p if len(p) <= self.scan else islice(reversed(p), self.scan)
            for sid in ids:
                score[sid] = score.get(sid, 0.0) + w
        best = heapq.nlargest(self.candidates, score.items(), key=lambda kv: (kv[1], kv[0]))
        return [sid for sid, _ in best]
