"""Combining raters' ratings of one outlet into the values everyside shows.

Pure functions over `Rating` values: an outlet's bias is the mean of its raters' mapped bias
values and its spread is max − min, so the raters' disagreement is always visible. Several
datasets re-publish the same rater's judgement (MBFC scraped in 2018, 2020, 2023 and 2026);
counting each copy would give that rater several votes, so ratings are first reduced to one per
*family* (the most authoritative member, by rank), then averaged. No I/O, no globals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from everyside.domain.model import Rating


@dataclass(frozen=True)
class Combined:
    """The combination of one axis: mean, spread (max − min) and the ratings that counted."""

    value: float
    spread: float
    count: int
    used: tuple[Rating, ...]


@dataclass(frozen=True)
class RaterInfo:
    """What `combine` needs to know about a rater: its family and rank inside the family
    (lower rank wins), and whether it counts at all. Raters missing from the mapping are their
    own family, rank 0, and count. A rater that does not count (audience ideology: who shares
    an outlet, not what it says) keeps its ratings visible and feeds the estimates only."""

    family: str
    rank: int = 0
    counts: bool = True


def one_per_family(
    ratings: Iterable[Rating], raters: Mapping[str, RaterInfo] | None = None
) -> list[Rating]:
    """Keep, for each rater family, the mapped rating of the best-ranked rater that counts."""
    raters = raters or {}
    best: dict[str, tuple[int, str, Rating]] = {}
    for r in ratings:
        if r.value is None:
            continue
        info = raters.get(r.rater, RaterInfo(r.rater))
        if not info.counts:
            continue
        key = (info.rank, r.rater)
        held = best.get(info.family)
        if held is None or key < held[:2]:
            best[info.family] = (info.rank, r.rater, r)
    return [best[f][2] for f in sorted(best)]


def combine(
    ratings: Iterable[Rating],
    axis: str,
    raters: Mapping[str, RaterInfo] | None = None,
) -> Combined | None:
    """Mean and spread of the mapped values on `axis`, one rating per family; None if none."""
    used = one_per_family((r for r in ratings if r.axis == axis), raters)
    if not used:
        return None
    values = [float(r.value) for r in used if r.value is not None]
    mean = sum(values) / len(values)
    return Combined(round(mean, 4), round(max(values) - min(values), 4), len(values), tuple(used))


def combined_bias(
    ratings: Iterable[Rating], raters: Mapping[str, RaterInfo] | None = None
) -> tuple[float | None, float | None]:
    """(bias, spread) of an outlet, or (None, None) when no rater maps its bias."""
    c = combine(ratings, "bias", raters)
    return (c.value, c.spread) if c else (None, None)


def combined_factuality(
    ratings: Iterable[Rating], raters: Mapping[str, RaterInfo] | None = None
) -> float | None:
    """Mean mapped factuality (0..4), or None."""
    c = combine(ratings, "factuality", raters)
    return c.value if c else None
