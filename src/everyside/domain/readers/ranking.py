"""For You: stories ranked by a reader's follows and reading history, each with the reasons it
is shown ("why shown"), and the blindspots of the reader's own reading highlighted.

Score of a candidate story (every term explained in its `why`):
- a followed story 5; each followed topic 3 (at most two); followed outlets that covered it 2;
- topics the reader read in the window: up to 1.5 by their share of the reader's reading;
- a blindspot of the reader's reading (the side the reader reads more of missed the story,
  the other side covered it): 1.5, and it is highlighted;
- a base of 0.3·ln(1 + outlets) so that among equals the more covered comes first;
then times a freshness factor exp(-age / 48 h) and 0.3 for a story already read.
Stories with no personal reason are kept after the others as "a top story".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SIDE_NAME = {"left": "the left", "right": "the right", "center": "the center"}


@dataclass(frozen=True)
class Follows:
    topics: frozenset[str] = frozenset()
    outlets: frozenset[str] = frozenset()  # domains
    stories: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Taste:
    topic_shares: Mapping[str, float] = field(default_factory=dict)  # of the reader's reads
    read_stories: frozenset[int] = frozenset()
    leaning: str | None = None  # the side the reader reads more of


def rank(
    candidates: Sequence[Mapping[str, Any]],
    follows: Follows,
    taste: Taste,
    now: datetime,
    limit: int = 30,
) -> list[dict[str, Any]]:
    """Candidates carry id, topics, domains (covering outlets), outlet_count, blindspot,
    shares and last_published (an aware datetime or None)."""
    scored = []
    for c in candidates:
        score, why, highlight = _score(c, follows, taste)
        personal = score > 0
        score += 0.3 * math.log1p(c.get("outlet_count") or 0)
        last = c.get("last_published")
        if last is not None:
            age_h = max(0.0, (now - last).total_seconds() / 3600)
            score *= math.exp(-age_h / 48)
        if c["id"] in taste.read_stories:
            score *= 0.3
            why.append("you read it already")
        if not personal:
            why.insert(0, "a top story")
        scored.append((personal, score, c["id"], why, highlight, c))
    scored.sort(key=lambda t: (not t[0], -t[1], -t[2]))
    return [
        {
            "story": dict(c),
            "score": round(score, 4),
            "why": "; ".join(why),
            "reasons": why,
            "highlight": highlight,
        }
        for _, score, _, why, highlight, c in scored[:limit]
    ]


def _score(c: Mapping[str, Any], follows: Follows, taste: Taste) -> tuple[float, list[str], bool]:
    score, why = 0.0, []
    if c["id"] in follows.stories:
        score += 5
        why.append("you follow this story")
    topics = [t for t in c.get("topics") or [] if t in follows.topics][:2]
    if topics:
        score += 3 * len(topics)
        why.append("you follow " + " and ".join(topics))
    outlets = sorted(d for d in c.get("domains") or [] if d in follows.outlets)
    if outlets:
        score += 2
        shown = ", ".join(outlets[:3]) + (
            f" and {len(outlets) - 3} more" if len(outlets) > 3 else ""
        )
        why.append(f"covered by {shown}, which you follow")
    liked = sorted(
        ((taste.topic_shares.get(t, 0.0), t) for t in c.get("topics") or [] if t not in topics),
        reverse=True,
    )
    if liked and liked[0][0] > 0:
        score += 1.5 * min(1.0, liked[0][0] * 2)
        why.append(f"you often read about {liked[0][1]}")
    highlight = False
    side = taste.leaning
    if side and c.get("blindspot") == side:
        other = "right" if side == "left" else "left"
        if ((c.get("shares") or {}).get(other) or 0) > 0:
            score += 1.5
            highlight = True
            why.append(
                f"a blindspot of your reading: you read mostly {SIDE_NAME[side]}, "
                f"which barely covered it"
            )
    return score, why, highlight
