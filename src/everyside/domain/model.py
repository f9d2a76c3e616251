"""Plain value types shared by every layer (the store maps rows to these).

Times are timezone-aware UTC datetimes. Bias values are on the -3..+3 scale of DESIGN.md,
factuality values on 0 (Very Low) .. 4 (Very High).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Side(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


BIAS_TIERS: tuple[str, ...] = (
    "Far Left",
    "Left",
    "Lean Left",
    "Center",
    "Lean Right",
    "Right",
    "Far Right",
)
FACTUALITY_TIERS: tuple[str, ...] = ("Very Low", "Low", "Mixed", "High", "Very High")
OWNERSHIP_CATEGORIES: tuple[str, ...] = (
    "Independent",
    "Media Conglomerate",
    "Private Equity",
    "Wealthy Individual",
    "Government",
    "Telecom",
    "Corporation",
    "Other",
    "Unknown",
)


def bias_tier(value: float) -> str:
    """Name of the 7-tier bucket for a mean bias value in -3..+3 (rounded half away from 0)."""
    v = max(-3.0, min(3.0, value))
    idx = int(abs(v) + 0.5) * (1 if v >= 0 else -1)
    return BIAS_TIERS[idx + 3]


def bias_side(value: float) -> Side:
    """Left = the three left tiers, Right = the three right tiers."""
    tier = bias_tier(value)
    if tier == "Center":
        return Side.CENTER
    return Side.LEFT if "Left" in tier else Side.RIGHT


def factuality_tier(value: float | None) -> str:
    """Name of the 5-tier bucket for a mean factuality in 0..4; "Unknown" for None."""
    if value is None:
        return "Unknown"
    v = max(0.0, min(4.0, value))
    return FACTUALITY_TIERS[int(v + 0.5)]


def counts_in_order(keys: Iterable[str | None], order: Sequence[str]) -> dict[str, int]:
    """How often each of `order` occurs in keys (zeros kept, other keys ignored), in order."""
    c = Counter(keys)
    return {k: c.get(k, 0) for k in order}


@dataclass(frozen=True)
class Rating:
    rater: str
    axis: str  # "bias" | "factuality"
    raw: str  # the rater's own label or score, as published
    value: float | None  # mapped to everyside's scale; None when the raw label has no mapping
    rated_on: str | None = None  # ISO date of the rating, when known
    provenance: str = ""  # file and row (or URL) it came from


@dataclass(frozen=True)
class Ownership:
    owner: str
    category: str  # one of OWNERSHIP_CATEGORIES
    provenance: str = ""


@dataclass
class Outlet:
    domain: str  # registered domain, e.g. "bbc.co.uk"
    name: str
    country: str | None = None  # ISO 3166-1 alpha-2 where known
    language: str | None = None  # ISO 639-1
    scope: str | None = None  # local | national | international
    media_type: str | None = None  # newspaper, tv, radio, digital, magazine, agency, ...
    homepage: str | None = None
    aliases: list[str] = field(default_factory=list)  # other registered domains (nyti.ms)
    feeds: list[str] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    ownership: list[Ownership] = field(default_factory=list)
    id: int | None = None


@dataclass
class Article:
    key: str  # canonical URL, or "urn:everyside:<source>:<id>" when there is no URL
    title: str | None
    text: str | None = None
    url: str | None = None
    domain: str | None = None  # registered domain of the outlet
    source: str | None = None  # outlet name as given by the feed/file
    lang: str | None = None
    published_at: datetime | None = None
    fetched_at: datetime | None = None
    summary: str | None = None  # feed description / snippet
    author: str | None = None
    external_id: str | None = None
    content_hash: str | None = None
    copy_of: int | None = None  # id of the earlier article this one is a syndicated copy of
    outlet_id: int | None = None
    story_id: int | None = None
    extraction: str | None = None  # page | feed | import
    id: int | None = None
