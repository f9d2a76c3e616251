"""What a story shows: representative headline, first article, members, "why grouped".

The headline is a real member headline: the one closest to the story's headline centroid,
nudged towards outlets with high factuality (0..4 by domain; unknown counts as the middle).
"Why grouped" lists the entities and terms most members share, weighted by rarity.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from everyside.domain.clustering.story import DocFreq, Story, cosine
from everyside.domain.clustering.text import _WORD, _normalise, stem

WHY_ITEMS = 6


@dataclass(frozen=True)
class StoryView:
    id: int
    headline: str
    headline_article_id: int | str | None
    first_article_id: int | str | None
    first_time: datetime | None
    last_time: datetime | None
    members: tuple[int | str, ...]  # member ids kept in memory (all but the middle of huge ones)
    article_count: int
    outlet_count: int
    why: dict[str, Any]


def story_view(s: Story, dfs: DocFreq, factuality: Mapping[str, float]) -> StoryView:
    hid, headline = _headline(s, factuality)
    first = _first(s)
    return StoryView(
        id=s.id,
        headline=headline,
        headline_article_id=hid,
        first_article_id=first,
        first_time=s.first_time,
        last_time=s.last_time,
        members=tuple(m.id for m in s.members),
        article_count=s.n,
        outlet_count=len(s.domains),
        why=why(s, dfs),
    )


def _first(s: Story) -> int | str | None:
    dated = [m for m in s.members if m.time is not None]
    if dated:
        return min(dated, key=lambda m: m.time).id  # type: ignore[arg-type,return-value]
    return s.members[0].id if s.members else None


def _headline(s: Story, factuality: Mapping[str, float]) -> tuple[int | str | None, str]:
    best: tuple[float, int] | None = None
    for i, m in enumerate(s.members):
        if not m.title:
            continue
        centrality = cosine(m.tvec, m.tnorm, s.vec_title, s.norm_title) if m.tvec else 0.0
        fact = factuality.get(m.domain or "", 2.0)
        score = centrality * (0.6 + 0.1 * max(0.0, min(4.0, fact)))
        if best is None or score > best[0]:
            best = (score, i)
    if best is None:
        return (s.members[0].id if s.members else None), ""
    m = s.members[best[1]]
    return m.id, m.title


def why(s: Story, dfs: DocFreq) -> dict[str, Any]:
    """The "why grouped" explanation: JSON-ready, shown on the story page."""
    ent_docs: Counter[str] = Counter()
    term_docs: Counter[str] = Counter()
    surface: dict[str, str] = {}
    for m in s.members:
        ent_docs.update(set(m.features.ents))
        term_docs.update(set(m.features.title) | set(m.features.body))
        for w in _WORD.findall(m.title):
            surface.setdefault(stem(_normalise(w)), w)
    need = 2 if len(s.members) > 1 else 1
    ents = _top(ent_docs, need, lambda e: dfs.idf("@" + e))
    taken = {stem(e) for e, _ in ents}
    terms = [(t, c) for t, c in _top(term_docs, need, dfs.idf) if t not in taken]
    span = None
    if s.first_time and s.last_time:
        span = round((s.last_time - s.first_time).total_seconds() / 3600, 1)
    shown = [_display(e, surface) for e, _ in ents[:3]] + [surface.get(t, t) for t, _ in terms[:3]]
    return {
        "summary": (f"{s.n} articles from {len(s.domains)} outlets share: " + ", ".join(shown))
        if s.n > 1 and shown
        else "a single article so far",
        "entities": [{"text": _display(e, surface), "articles": c} for e, c in ents],
        "terms": [{"text": surface.get(t, t), "articles": c} for t, c in terms[:WHY_ITEMS]],
        "articles": s.n,
        "outlets": len(s.domains),
        "span_hours": span,
    }


def _top(docs: Counter[str], need: int, idf: Any) -> list[tuple[str, int]]:
    ranked = sorted(((c * idf(k), k, c) for k, c in docs.items() if c >= need), reverse=True)
    return [(k, c) for _, k, c in ranked[:WHY_ITEMS]]


def _display(entity: str, surface: Mapping[str, str]) -> str:
    s = surface.get(stem(entity))
    if s and s.lower().replace("’", "'").removesuffix("'s") == entity:
        return s
    return entity if entity[:1].isdigit() else entity.title()
