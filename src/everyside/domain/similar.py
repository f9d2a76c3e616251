"""Similar stories (pure): stories that share a named entity or key term with a story *and*
whose centroids are close.

A story's centroid is the length-normalised sum of its articles' term vectors (the text
analyzer's stems, log-scaled counts, weighted by inverse document frequency over the story and
its candidates). Candidates are the stories that share at least one of the story's topic tags
(entities and key phrases, compared case-insensitively); a candidate is shown only when the
cosine of the two centroids reaches `min_similarity`: no similar stories rather than noise.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from everyside.domain.text import analyzer

MIN_SIMILARITY = 0.25  # cosine of the centroids; measured on the dev files: below it, noise
TEXT_CHARS = 1500  # of each article: its lead says what it is about


@dataclass(frozen=True)
class Similar:
    story_id: int
    similarity: float
    shared: tuple[str, ...]  # the tags both stories have


def term_counts(texts: Iterable[str | None]) -> Counter[str]:
    """Stem counts of a story's texts (titles and leads), each article's text cut short."""
    counts: Counter[str] = Counter()
    for t in texts:
        if t:
            counts.update(analyzer.tokens(t[:TEXT_CHARS]))
    return counts


def _vector(counts: Counter[str], idf: Mapping[str, float]) -> dict[str, float]:
    v = {t: (1.0 + math.log(n)) * idf.get(t, 0.0) for t, n in counts.items() if n > 0}
    norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
    return {t: x / norm for t, x in v.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(t, 0.0) for t, x in a.items())


def rank_similar(
    story_id: int,
    tags: Sequence[str],
    counts: Mapping[int, Counter[str]],
    candidate_tags: Mapping[int, Sequence[str]],
    min_similarity: float = MIN_SIMILARITY,
    limit: int = 5,
) -> list[Similar]:
    """The candidates that share a tag with the story and whose centroid is within
    `min_similarity` of its own, most similar first. `counts` holds term counts of the story
    and its candidates (from `term_counts`)."""
    mine = {t.casefold() for t in tags}
    if story_id not in counts or not mine:
        return []
    docs = [c for c in counts.values() if c]
    df: Counter[str] = Counter()
    for c in docs:
        df.update(c.keys())
    n = len(docs)
    idf = {t: math.log((1 + n) / (1 + k)) + 1.0 for t, k in df.items()}
    own = _vector(counts[story_id], idf)
    out: list[Similar] = []
    for sid, their_tags in candidate_tags.items():
        if sid == story_id or sid not in counts:
            continue
        shared = tuple(sorted({t for t in their_tags if t.casefold() in mine}, key=str.casefold))
        if not shared:
            continue
        sim = cosine(own, _vector(counts[sid], idf))
        if sim >= min_similarity:
            out.append(Similar(sid, round(sim, 4), shared))
    out.sort(key=lambda s: (-s.similarity, -s.story_id))
    return out[:limit]
