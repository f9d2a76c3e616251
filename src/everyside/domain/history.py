""" "My News Bias": what a reader has read, by side, factuality, ownership and country, and the
stories they missed that the other side covered. Pure: the adapter supplies the outlet facts
of what was read and candidate stories; storage of accounts and history is a later issue.

Weights: an article read counts 1 for its outlet; a story read (its page, without a specific
article) counts 1 spread evenly over the story's covering outlets, so a 20-outlet story does not
outweigh an article. Sides are counted over rated outlets only; unrated weight is reported apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

SIDES = ("left", "center", "right")


def _distribution(weights: Mapping[str, float]) -> dict[str, Any]:
    total = sum(weights.values())
    ordered = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "weights": {k: round(v, 4) for k, v in ordered},
        "shares": {k: round(v / total, 4) for k, v in ordered} if total else {},
    }


def reading_profile(reads: Iterable[tuple[float, Mapping[str, Any]]]) -> dict[str, Any]:
    """Distributions over (weight, outlet row) pairs; outlet rows as in the coverage document
    (`side`, `factuality_tier`, `owner_category`, `country`)."""
    side: dict[str, float] = defaultdict(float)
    fact: dict[str, float] = defaultdict(float)
    owner: dict[str, float] = defaultdict(float)
    country: dict[str, float] = defaultdict(float)
    unrated = total = 0.0
    for w, o in reads:
        total += w
        if o.get("side") in SIDES:
            side[o["side"]] += w
        else:
            unrated += w
        fact[o.get("factuality_tier") or "Unknown"] += w
        owner[o.get("owner_category") or "Unknown"] += w
        country[o.get("country") or "Unknown"] += w
    sides = _distribution({s: side.get(s, 0.0) for s in SIDES})
    return {
        "reads": round(total, 4),
        "unrated_weight": round(unrated, 4),
        "side": sides,
        "leaning": leaning(sides["shares"]),
        "factuality": _distribution(fact),
        "ownership": _distribution(owner),
        "country": _distribution(country),
    }


def leaning(shares: Mapping[str, float]) -> str | None:
    """The side (left | right) the reader reads more of, or None when balanced/unknown."""
    left, right = shares.get("left", 0.0), shares.get("right", 0.0)
    if abs(left - right) < 0.1:
        return None
    return "left" if left > right else "right"


def missed_stories(
    candidates: Sequence[Mapping[str, Any]],
    read_story_ids: set[int],
    reader_side: str | None,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """Unread stories the other side covered and the reader's side missed (blindspots)."""
    if reader_side is None:
        return []
    other = "right" if reader_side == "left" else "left"
    out = [
        dict(c)
        for c in candidates
        if c["story_id"] not in read_story_ids
        and c.get("blindspot") == reader_side
        and (c.get(f"{other}_share") or 0) > 0
    ]
    return out[:limit]
