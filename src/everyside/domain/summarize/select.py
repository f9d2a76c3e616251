"""Choosing sentences: relevance scores, corroboration, MMR, and contrastive per-side picks.

Relevance of a sentence mixes four signals (weights below, tuned on NeuS *train* only):
centrality in the story's similarity graph, its position in its article (news leads carry the
event), its similarity to the story's headlines, and corroboration: how many *other* outlets
have a sentence close to it, with a bonus when those outlets sit on more than one side.
A sentence from a low-factuality outlet that no other (non-low) outlet corroborates is never
picked unless nothing else is left. Maximal Marginal Relevance then removes redundancy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from everyside.domain.summarize.graph import centrality, similarity_matrix
from everyside.domain.summarize.model import Candidate, SourceArticle, SummaryParams

W_CENTRALITY = 0.3
W_POSITION = 0.3
W_TITLE = 0.2
W_CORROBORATION = 0.15
W_SIDES = 0.05
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


def relevance(graph: StoryGraph, outlet_count: int) -> np.ndarray:
    """Relevance of each candidate (higher is better)."""
    position = np.array([1.0 / (1 + c.position) for c in graph.cands])
    cap = max(1, min(outlet_count - 1, CORROBORATION_CAP))
    corroboration = np.array([min(len(o), cap) / cap for o in graph.corroborating])
    multi_side = np.array([1.0 if len(s) >= 2 else 0.0 for s in graph.sides])
    return (
        W_CENTRALITY * graph.cent
        + W_POSITION * position
        + W_TITLE * graph.title_sim
        + W_CORROBORATION * corroboration
        + W_SIDES * multi_side
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
) -> list[int]:
    """Maximal Marginal Relevance over `pool`; `avoid` are sentences already shown elsewhere."""
    picked: list[int] = []
    shown = list(avoid or [])
    remaining = list(pool)
    while remaining and len(picked) < k:
        def value(i: int) -> float:
            overlap = max((graph.sim[i, j] for j in shown), default=0.0)
            return params.mmr_lambda * scores[i] - (1 - params.mmr_lambda) * overlap

        best = max(remaining, key=value)
        remaining.remove(best)
        if any(graph.sim[best, j] > params.duplicate_similarity for j in shown):
            continue
        picked.append(best)
        shown.append(best)
    return picked


def bullet_count(outlet_count: int, params: SummaryParams) -> int:
    extra = max(0, outlet_count - 1) // max(1, params.bullets_per_outlets)
    return min(params.max_bullets, params.min_bullets + extra)


def select_main(graph: StoryGraph, params: SummaryParams, outlet_count: int) -> list[int]:
    scores = relevance(graph, outlet_count)
    pool = allowed(graph, params, list(range(len(graph.cands))))
    return mmr(graph, scores, pool, bullet_count(outlet_count, params), params)


def select_side(
    graph: StoryGraph, params: SummaryParams, side: str, shown: list[int], outlet_count: int
) -> list[int]:
    """Contrastive picks for one side: relevant sentences of that side's articles that are
    least like anything the other sides wrote, and not a repeat of the main bullets."""
    mine = [i for i, c in enumerate(graph.cands) if c.article.side == side]
    theirs = [i for i, c in enumerate(graph.cands) if c.article.side not in (None, side)]
    if not mine:
        return []
    base = relevance(graph, outlet_count)
    contrast = 1.0 - (graph.sim[:, theirs].max(axis=1) if theirs else np.zeros(len(base)))
    scores = base * np.clip(contrast, 0.0, 1.0)
    return mmr(graph, scores, allowed(graph, params, mine), params.side_bullets, params, shown)


def order(picked: list[int], key: Callable[[int], float]) -> list[int]:
    return sorted(picked, key=key)
