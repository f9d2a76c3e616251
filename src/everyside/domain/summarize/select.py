"""Choosing sentences: relevance scores, corroboration, MMR, and contrastive per-side picks.

Relevance of a sentence mixes four signals (weights in SummaryParams, tuned on NeuS train):
centrality in the story's similarity graph, its position in its article (news leads carry the
event), its similarity to the story's headlines, and corroboration: how many *other* outlets
have a sentence close to it, with a bonus when those outlets sit on more than one side.
A sentence from a low-factuality outlet that no other (non-low) outlet corroborates is never
picked unless nothing else is left. Maximal Marginal Relevance then removes redundancy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from everyside.domain.summarize.graph import centrality, similarity_matrix
from everyside.domain.summarize.model import Candidate, SourceArticle, SummaryParams
from everyside.domain.text import analyzer

CORROBORATION_CAP = 4  # outlets beyond this many add nothing more


@dataclass(frozen=True)
class StoryGraph:
    cands: list[Candidate]
    sim: np.ndarray  # sentence x sentence cosine
    title_sim: np.ndarray  # each sentence vs all the story's headlines
    cent: np.ndarray  # continuous LexRank, max 1
    corroborating: list[frozenset[str]]  # other non-low-factuality outlets reporting it
    sides: list[frozenset[str]]  # known sides of the sentence's outlet and its corroborators


def build_graph(cands: list[Candidate], params: SummaryParams) -> StoryGraph:
    titles = " ".join(dict.fromkeys(c.article.title for c in cands if c.article.title))
    full = similarity_matrix([c.text for c in cands] + [titles])
    sim, title_sim = full[:-1, :-1], full[:-1, -1]
    corroborating, sides = _corroboration(cands, sim, params)
    return StoryGraph(cands, sim, title_sim, centrality(sim), corroborating, sides)


def _is_low(article: SourceArticle, params: SummaryParams) -> bool:
    return article.factuality is not None and article.factuality < params.low_factuality


def _corroboration(
    cands: list[Candidate], sim: np.ndarray, params: SummaryParams
) -> tuple[list[frozenset[str]], list[frozenset[str]]]:
    close = sim >= params.corroboration_similarity
    outlets_of: list[frozenset[str]] = []
    sides_of: list[frozenset[str]] = []
    for i, c in enumerate(cands):
        own = c.article.outlet_key
        others = [
            cands[j].article
            for j in np.flatnonzero(close[i])
            if cands[j].article.outlet_key != own and not _is_low(cands[j].article, params)
        ]
        outlets_of.append(frozenset(a.outlet_key for a in others))
        sides_of.append(frozenset(a.side for a in [c.article, *others] if a.side))
    return outlets_of, sides_of


def relevance(graph: StoryGraph, outlet_count: int, params: SummaryParams) -> np.ndarray:
    """Relevance of each candidate (higher is better)."""
    position = np.array([1.0 / (1 + c.position) for c in graph.cands])
    cap = max(1, min(outlet_count - 1, CORROBORATION_CAP))
    corroboration = np.array([min(len(o), cap) / cap for o in graph.corroborating])
    multi_side = np.array([1.0 if len(s) >= 2 else 0.0 for s in graph.sides])
    return (
        params.w_centrality * graph.cent
        + params.w_position * position
        + params.w_title * graph.title_sim
        + params.w_corroboration * corroboration
        + params.w_sides * multi_side
    )


def allowed(graph: StoryGraph, params: SummaryParams, pool: list[int]) -> list[int]:
    """Drop single-outlet sentences of low-factuality outlets (and, when strict, every
    uncorroborated sentence), unless that would leave nothing."""
    keep = [
        i
        for i in pool
        if not (_is_low(graph.cands[i].article, params) and not graph.corroborating[i])
    ]
    if params.strict:
        keep = [i for i in keep if graph.corroborating[i]] or keep
    return keep or pool


def mmr(
    graph: StoryGraph,
    scores: np.ndarray,
    pool: list[int],
    k: int,
    params: SummaryParams,
    avoid: list[int] | None = None,
    fill_to: int = 0,
) -> list[int]:
    """Maximal Marginal Relevance over `pool`. A candidate too close to one already picked is
    skipped, unless that leaves fewer than `fill_to` picks (then the closest-to-novel skipped
    ones fill in); `avoid` (sentences shown elsewhere) only lowers a candidate's value."""
    picked: list[int] = []
    skipped: list[int] = []
    remaining = list(pool)
    while remaining and len(picked) < k:

        def value(i: int) -> float:
            overlap = max((graph.sim[i, j] for j in [*picked, *(avoid or [])]), default=0.0)
            return params.mmr_lambda * scores[i] - (1 - params.mmr_lambda) * overlap

        best = max(remaining, key=value)
        remaining.remove(best)
        if any(repeats(graph.cands[best].text, graph.cands[j].text, params) for j in picked):
            continue  # the same sentence in other words: never a bullet, not even a filler
        if any(graph.sim[best, j] > params.duplicate_similarity for j in picked):
            skipped.append(best)
            continue
        picked.append(best)
    for i in skipped:  # the closest-to-novel first, each checked against everything kept
        if len(picked) >= min(fill_to, k):
            break
        if not any(repeats(graph.cands[i].text, graph.cands[j].text, params) for j in picked):
            picked.append(i)
    return picked


def token_overlap(a: str, b: str) -> float:
    """Shared word stems over the shorter sentence's stems (the overlap coefficient)."""
    ta, tb = set(analyzer.tokens(a)), set(analyzer.tokens(b))
    if not ta or not tb:
        return 1.0 if a.strip().lower() == b.strip().lower() else 0.0
    return len(ta & tb) / min(len(ta), len(tb))


def repeats(a: str, b: str, params: SummaryParams) -> bool:
    return token_overlap(a, b) > params.max_bullet_overlap


def bullet_count(outlet_count: int, params: SummaryParams) -> int:
    extra = max(0, outlet_count - 1) // max(1, params.bullets_per_outlets)
    return min(params.max_bullets, params.min_bullets + extra)


def select_main(graph: StoryGraph, params: SummaryParams, outlet_count: int) -> list[int]:
    scores = relevance(graph, outlet_count, params)
    pool = allowed(graph, params, list(range(len(graph.cands))))
    k = bullet_count(outlet_count, params)
    return mmr(graph, scores, pool, k, params, fill_to=params.min_bullets)


def select_side(
    graph: StoryGraph, params: SummaryParams, side: str, shown: list[int], outlet_count: int
) -> list[int]:
    """Contrastive picks for one side: relevant sentences of that side's articles that are
    least like anything the other sides wrote (no other side has a sentence corroborating
    them), preferring ones the main bullets do not already show. A side with nothing
    distinctive still gets its single most relevant sentence."""
    mine = [i for i, c in enumerate(graph.cands) if c.article.side == side]
    theirs = [i for i, c in enumerate(graph.cands) if c.article.side not in (None, side)]
    if not mine:
        return []
    closest = graph.sim[:, theirs].max(axis=1) if theirs else np.zeros(len(graph.cands))
    scores = relevance(graph, outlet_count, params) * np.clip(1.0 - closest, 0.0, 1.0)
    pool = allowed(graph, params, mine)
    distinct = [i for i in pool if closest[i] < params.corroboration_similarity]
    if not distinct:
        return mmr(graph, relevance(graph, outlet_count, params), pool, 1, params, shown)
    return mmr(graph, scores, distinct, params.side_bullets, params, shown)
