""" "My News Bias" over a window of days, from a reader's recorded reads.

A read is one event: a story page (weight 1 spread over the story's covering outlets, as in
`domain/history.py`) or an article (weight 1 for its outlet). The profile adds to
`reading_profile` the outlets read most and the reader's own blindspots: for the stories whose
articles the reader opened, the sides that covered the story but of which the reader opened
nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from everyside.domain.history import SIDES, reading_profile

WINDOWS = (7, 30, 365)


@dataclass(frozen=True)
class Read:
    at: datetime
    story_id: int | None
    # (weight, outlet row) pairs: outlet rows carry side, factuality_tier, owner_category,
    # country, domain, name
    outlets: Sequence[tuple[float, Mapping[str, Any]]] = field(default_factory=tuple)
    article: bool = False  # an article opened (else a story page)


def in_window(reads: Iterable[Read], now: datetime, days: int) -> list[Read]:
    since = now - timedelta(days=days)
    return [r for r in reads if since <= r.at <= now]


def profile(
    reads: Sequence[Read], story_sides: Mapping[int, set[str]], top: int = 10
) -> dict[str, Any]:
    """The dashboard's numbers for `reads` (already limited to a window)."""
    pairs = [p for r in reads for p in r.outlets]
    out = reading_profile(pairs)
    outlets: dict[str, float] = defaultdict(float)
    names: dict[str, str] = {}
    for w, o in pairs:
        if o.get("domain"):
            outlets[o["domain"]] += w
            names[o["domain"]] = o.get("name") or o["domain"]
    ranked = sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    out["top_outlets"] = [{"domain": d, "name": names[d], "weight": round(w, 4)} for d, w in ranked]
    out["stories_read"] = len({r.story_id for r in reads if r.story_id is not None})
    out["events"] = len(reads)
    out["own_blindspots"] = own_blindspots(reads, story_sides)
    return out


def own_blindspots(reads: Iterable[Read], story_sides: Mapping[int, set[str]]) -> dict[str, Any]:
    """Per side: the stories whose articles the reader opened, that side covered, and the
    reader opened none of that side's articles."""
    read_sides: dict[int, set[str]] = defaultdict(set)
    for r in reads:
        if r.article and r.story_id is not None:
            read_sides[r.story_id] |= {str(o["side"]) for _, o in r.outlets if o.get("side")}
    missed: dict[str, list[int]] = {s: [] for s in SIDES}
    for sid, sides in sorted(read_sides.items()):
        for s in SIDES:
            if s in story_sides.get(sid, set()) and s not in sides:
                missed[s].append(sid)
    never = [s for s in SIDES if not any(s in v for v in read_sides.values())]
    return {
        "stories_with_articles_read": len(read_sides),
        "missed": {s: len(v) for s, v in missed.items()},
        "missed_stories": {s: v[:20] for s, v in missed.items()},
        "sides_never_read": never if read_sides else [],
    }


def dashboard(
    reads: Sequence[Read], story_sides: Mapping[int, set[str]], now: datetime
) -> dict[str, Any]:
    """The profile for each window of WINDOWS (7, 30, 365 days)."""
    return {str(d): profile(in_window(reads, now, d), story_sides) for d in WINDOWS}
