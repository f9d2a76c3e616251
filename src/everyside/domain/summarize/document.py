"""The extractive summary document of one story, and the decision to (re)generate it.

`summarize_story` turns a story's articles into the stored summary document (shape in the
package docstring). `is_eligible` says whether a story gets a summary at all, and
`regeneration_reason` whether a stored summary must be recomputed (material change only).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np

from everyside.domain.summarize.headline import earliest, neutral_headline
from everyside.domain.summarize.model import (
    SIDES,
    Candidate,
    SourceArticle,
    SummaryParams,
    candidates,
)
from everyside.domain.summarize.select import (
    StoryGraph,
    build_graph,
    repeats,
    select_main,
    select_side,
)
from everyside.domain.summarize.support import check_support
from everyside.domain.summarize.text import has_negation, numbers
from everyside.domain.summarize.trim import trim_sentence

MIN_ARTICLES = 2  # every story of two articles or more has a summary (issue 18)
MIN_OUTLETS = 1
GROWTH_FOR_REFRESH = 0.25  # regenerate once a story grew by a quarter (and >= 2 articles)


def outlets_of(articles: list[SourceArticle]) -> set[str]:
    return {a.outlet_key for a in articles}


def sides_of(articles: list[SourceArticle]) -> list[str]:
    present = {a.side for a in articles if a.side}
    return [s for s in SIDES if s in present]


def is_eligible(articles: list[SourceArticle], members: int | None = None) -> bool:
    """A story gets a summary once it has MIN_ARTICLES articles (`members` counts its
    syndicated copies too: twelve copies of one wire report are summarised from the one
    original) from MIN_OUTLETS outlets."""
    n = max(len(articles), members or 0)
    return bool(articles) and n >= MIN_ARTICLES and len(outlets_of(articles)) >= MIN_OUTLETS


def regeneration_reason(
    stored: Mapping[str, Any] | None, article_count: int, sides: list[str], mode: str
) -> str | None:
    """Why a stored summary must be regenerated, or None to keep it.

    `stored` holds the stored row's article_count and its document's "basis"."""
    if stored is None:
        return "no summary yet"
    old_count = int(stored.get("article_count") or 0)
    basis = stored.get("basis") or {}
    new_sides = set(sides) - set(basis.get("sides") or [])
    if new_sides:
        return "new side(s): " + ", ".join(sorted(new_sides))
    if article_count - old_count >= max(2, GROWTH_FOR_REFRESH * old_count):
        return f"grew from {old_count} to {article_count} articles"
    if mode != basis.get("requested_mode", mode):
        return f"summary mode changed to {mode}"
    return None


def _corroborations(graph: StoryGraph, i: int, bullet: str, params: SummaryParams) -> list[dict]:
    """Sentences of other outlets that report the same thing (close, same polarity, and no
    number of the bullet missing from them when they give numbers)."""
    best: dict[str, tuple[float, Candidate]] = {}
    own = graph.cands[i].article.outlet_key
    for j in np.flatnonzero(graph.sim[i] >= params.corroboration_similarity):
        c, s = graph.cands[j], float(graph.sim[i, j])
        key = c.article.outlet_key
        if key == own:
            continue
        if has_negation(c.text) != has_negation(bullet):
            continue
        if numbers(c.text) and not numbers(bullet) <= numbers(c.text):
            continue
        if key not in best or s > best[key][0]:
            best[key] = (s, c)
    ranked = sorted(best.values(), key=lambda t: -t[0])[:4]
    return [{**c.citation(), "role": "corroboration", "similarity": round(s, 3)} for s, c in ranked]


def make_bullet(graph: StoryGraph, i: int, params: SummaryParams) -> dict[str, Any]:
    cand = graph.cands[i]
    trimmed = trim_sentence(cand.text, params.max_words)
    support = check_support(trimmed.text, [cand.text], params.support_threshold)
    source = {**cand.citation(), "role": "source", "support": support.score}
    return {
        "text": trimmed.text,
        "trimmed": trimmed.trimmed,
        "citations": [source, *_corroborations(graph, i, trimmed.text, params)],
    }


def summarize_story(
    articles: list[SourceArticle], now: datetime, params: SummaryParams | None = None
) -> dict[str, Any]:
    """The extractive summary document of a story (see the package docstring for its shape)."""
    params = params or SummaryParams()
    cands = candidates(articles)
    doc: dict[str, Any] = {
        "mode": "extractive",
        "headline": {"neutral": "", "earliest": earliest(articles)},
        "bullets": [],
        "sides": {},
        "disputed": False,
        "generated_at": now.isoformat(),
        "basis": {"article_count": len(articles), "sides": sides_of(articles)},
    }
    if not cands:
        doc["headline"]["neutral"] = neutral_headline(articles, [])
        return doc
    graph = build_graph(cands, params)
    n_outlets = len(outlets_of(articles))
    main = select_main(graph, params, n_outlets)
    doc["bullets"] = []
    for i in main:  # trimming can make two picks closer: check the bullets as shown
        bullet = make_bullet(graph, i, params)
        if not any(repeats(bullet["text"], b["text"], params) for b in doc["bullets"]):
            doc["bullets"].append(bullet)
    leads = [c.text for c in cands if c.position == 0]  # what each article opens with
    doc["headline"]["neutral"] = neutral_headline(articles, leads)
    if len(doc["basis"]["sides"]) >= 2:
        for side in doc["basis"]["sides"]:
            picked = select_side(graph, params, side, main, n_outlets)
            doc["sides"][side] = [make_bullet(graph, i, params) for i in picked]
    return doc
