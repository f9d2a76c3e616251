"""The stream clock: which published times to believe, and what time the stream is at.

Feeds carry wrong dates: epoch placeholders (1970), dates in the future, and the odd genuine
article from a year ago that a feed republishes. One such date must never change how the rest
are read. The reference is therefore a robust statistic, the median of the last `RECENT`
believed dates, not the newest date seen: with a newest-date clock one article dated a year
ahead (or a first article dated a year back, with every later date then looking like a jump
into the future) froze the whole stream into "undated".
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

MIN_YEAR = 1990  # earlier dates are placeholders (1970 epoch zero), not publication times
FUTURE_JUMP_DAYS = 30  # without `now`: this far past the stream's reference is not believed
RECENT = 64  # dates the reference is the median of
MIN_REFERENCE = 3  # fewer believed dates: no reference yet (every plausible date is believed)


def aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


class StreamClock:
    """Judges published times against `now` (when the caller knows it) and the stream's own
    recent dates; `time` is the stream's present (eviction is measured from it)."""

    def __init__(self, max_date_skew_hours: float = 24.0) -> None:
        self.skew = timedelta(hours=max_date_skew_hours)
        self._recent: deque[float] = deque(maxlen=RECENT)
        self._reference: float | None = None

    def trusted(self, published: datetime | None, now: datetime | None) -> datetime | None:
        """The published time if it is believable, else None (the article counts as undated)."""
        if published is None:
            return None
        t = aware(published)
        if t.year < MIN_YEAR:
            return None
        if now is not None and t > aware(now) + self.skew:
            return None
        ref = self._reference
        if ref is not None and t.timestamp() > ref + FUTURE_JUMP_DAYS * 86400:
            return None
        return t

    def observe(self, t: datetime) -> None:
        """Count a believed date towards the reference."""
        self._recent.append(t.timestamp())
        if len(self._recent) >= MIN_REFERENCE:
            ordered = sorted(self._recent)
            self._reference = ordered[len(ordered) // 2]

    @property
    def reference(self) -> float | None:
        return self._reference

    @property
    def time(self) -> datetime | None:
        """The stream's present: the median of its recent dates (None before any date)."""
        if self._reference is not None:
            return datetime.fromtimestamp(self._reference, UTC)
        if self._recent:
            ordered = sorted(self._recent)
            return datetime.fromtimestamp(ordered[len(ordered) // 2], UTC)
        return None


def arrival_order(times: Sequence[datetime | None]) -> list[int]:
    """Indices of articles (given in arrival order, with their published times) in the order
    the engine reads them: by published time, an undated article right after the dated one
    that arrived before it (it has no time of its own; where it arrived is the best guess),
    ties in arrival order. The evaluation's replay and the product's queue both use this, so
    stored stories are the evaluated ones."""
    keys: list[tuple[float, int]] = []
    carry = float("-inf")
    for i, t in enumerate(times):
        if t is not None:
            carry = aware(t).timestamp()
        keys.append((carry, i))
    return [i for _, i in sorted(keys)]
