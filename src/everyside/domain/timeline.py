"""When a story's articles appeared: trustworthy article times, who broke the news, and the
articles-per-hour/day series by side for the coverage chart.

Feeds lie about dates: some publish far-future times, some the Unix epoch, some re-date old
pieces. An article's *effective* time is its published time when that is plausible (not after
its fetch time or `now` by more than `max_date_skew_hours`, not before 1995), else its fetch
time. "Broke the news" also ignores a published time far earlier than the rest of the story
(more than `story_window_days` before the story's median): a stale page, not a scoop.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from everyside.domain.times import utc, utc_or_none

EARLIEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)


class _Article(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def outlet(self) -> str: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def fetched_at(self) -> datetime | None: ...


class _Outlet(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def country(self) -> str | None: ...


def effective_time(art: _Article, skew_hours: float, now: datetime) -> tuple[datetime | None, str]:
    """(time, basis): basis is published | fetched:<why the published time was not used>."""
    pub, fetched = utc_or_none(art.published_at), utc_or_none(art.fetched_at)
    limit = min(t for t in (fetched, utc(now)) if t is not None) + timedelta(hours=skew_hours)
    if pub is None:
        why = "missing"
    elif pub > limit:
        why = "future"
    elif pub < EARLIEST_PLAUSIBLE:
        why = "implausible"
    else:
        return pub, "published"
    return fetched, "fetched:" + why


def first_publisher(
    arts: Sequence[_Article],
    outlets: Mapping[str, _Outlet],
    skew_hours: float,
    window_days: float,
    now: datetime,
) -> dict[str, Any] | None:
    """Who broke the news, when, and a `reason` that explains the choice."""
    if not arts:
        return None
    timed = [(a, *effective_time(a, skew_hours, now)) for a in arts]
    excluded = {"missing": 0, "future": 0, "implausible": 0, "outlier": 0}
    trusted = []
    for a, t, basis in timed:
        if basis == "published" and t is not None:
            trusted.append((t, a.id, a))
        else:
            excluded[basis.split(":", 1)[1]] += 1
    if trusted:
        median = statistics.median_low([t for t, _, _ in trusted])
        floor = median - timedelta(days=window_days)
        kept = [x for x in trusted if x[0] >= floor]
        excluded["outlier"] = len(trusted) - len(kept)
        t, _, first = min(kept, key=lambda x: (x[0], x[1]))
        basis = "published"
    else:
        fetched = [(t, a.id, a) for a, t, _ in timed if t is not None]
        if not fetched:
            return None
        t, _, first = min(fetched, key=lambda x: (x[0], x[1]))
        basis = "fetched"
    outlet = outlets[first.outlet]
    return {
        "outlet": first.outlet,
        "name": outlet.name or first.outlet,
        "country": outlet.country,
        "article_id": first.id,
        "at": t.isoformat(),
        "basis": basis,
        "excluded": excluded,
        "reason": _reason(basis, excluded, skew_hours, window_days),
    }


def _reason(basis: str, excluded: Mapping[str, int], skew: float, window: float) -> str:
    if basis == "fetched":
        return "no article has a plausible publication time, so the earliest fetch time is used"
    parts = ["earliest plausible publication time"]
    notes = {
        "future": f"dated more than {skew:g} h after it was fetched",
        "implausible": "dated before 1995",
        "missing": "without a publication time",
        "outlier": f"dated more than {window:g} days before the rest of the story",
    }
    for key, text in notes.items():
        n = excluded.get(key, 0)
        if n:
            parts.append(f"ignoring {n} article{'s' if n > 1 else ''} {text}")
    return "; ".join(parts)


def timeline(
    arts: Sequence[_Article], sides: Mapping[int, str | None], skew_hours: float, now: datetime
) -> dict[str, Any]:
    """Articles per hour (stories spanning up to 48 h) or per day, by side ('unrated' apart)."""
    points: list[tuple[datetime, str]] = []
    for a in arts:
        t, _ = effective_time(a, skew_hours, now)
        if t is not None:
            points.append((t, sides.get(a.id) or "unrated"))
    if not points:
        return {"bucket": "hour", "points": []}
    span = max(t for t, _ in points) - min(t for t, _ in points)
    bucket = "hour" if span <= timedelta(hours=48) else "day"
    series: dict[datetime, dict[str, int]] = {}
    for t, side in points:
        key = t.replace(minute=0, second=0, microsecond=0)
        if bucket == "day":
            key = key.replace(hour=0)
        row = series.setdefault(key, {"left": 0, "center": 0, "right": 0, "unrated": 0})
        row[side] += 1
    return {
        "bucket": bucket,
        "points": [{"t": k.isoformat(), **v} for k, v in sorted(series.items())],
    }
