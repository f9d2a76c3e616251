"""When to poll a feed next: pure decision functions (time and limits passed in, a reason given
for every branch, in the manner of lemon24/reader's Decider).

- A feed that published new entries is polled again after about half its mean gap between
  entries (frequent publishers speed up), never sooner than `min_interval`.
- An unchanged feed (304 or nothing new) backs off by x1.5 up to `max_interval`.
- A failing feed backs off exponentially (min_interval x 2^errors) and honours Retry-After.
- Every delay gets a deterministic jitter of up to ±10 % from the feed id, so feeds added
  together spread out instead of polling in lock-step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

UNCHANGED_FACTOR = 1.5
JITTER = 0.10


@dataclass(frozen=True)
class Limits:
    min_interval: float
    max_interval: float


@dataclass(frozen=True)
class Decision:
    next_check_at: datetime
    interval_s: float
    reason: str


def jitter(feed_id: int, interval: float) -> float:
    """Deterministic offset in [-10 %, +10 %] of `interval` for this feed."""
    h = int.from_bytes(hashlib.blake2b(str(feed_id).encode(), digest_size=4).digest(), "big")
    return interval * JITTER * (2 * (h / 0xFFFFFFFF) - 1)


def _clamp(value: float, limits: Limits) -> float:
    return max(limits.min_interval, min(limits.max_interval, value))


def publish_interval(published: Sequence[datetime]) -> float | None:
    """Mean gap in seconds between the entries' publication times, None with < 2 dates."""
    times = sorted(published)
    if len(times) < 2:
        return None
    span = (times[-1] - times[0]).total_seconds()
    return span / (len(times) - 1) if span > 0 else None


def _decide(
    feed_id: int, now: datetime, interval: float, limits: Limits, reason: str, floor_s: float = 0.0
) -> Decision:
    interval = _clamp(interval, limits)
    delay = max(floor_s, interval + jitter(feed_id, interval))
    return Decision(now + timedelta(seconds=delay), interval, reason)


def after_success(
    feed_id: int,
    now: datetime,
    previous: float | None,
    new_entries: int,
    published: Sequence[datetime],
    limits: Limits,
) -> Decision:
    """Next poll after a successful fetch that found `new_entries` new entries."""
    prev = previous or limits.min_interval * 4
    if new_entries == 0:
        return _decide(
            feed_id,
            now,
            prev * UNCHANGED_FACTOR,
            limits,
            f"nothing new: interval x{UNCHANGED_FACTOR}",
        )
    gap = publish_interval(published)
    if gap is None:
        return _decide(feed_id, now, prev, limits, f"{new_entries} new, no publish rate: keep")
    return _decide(
        feed_id,
        now,
        min(prev, gap / 2),
        limits,
        f"{new_entries} new, mean gap {gap:.0f}s: poll at half the gap",
    )


def after_not_modified(
    feed_id: int, now: datetime, previous: float | None, limits: Limits
) -> Decision:
    prev = previous or limits.min_interval * 4
    return _decide(
        feed_id,
        now,
        prev * UNCHANGED_FACTOR,
        limits,
        f"304 not modified: interval x{UNCHANGED_FACTOR}",
    )


def after_error(
    feed_id: int, now: datetime, error_count: int, retry_after: float | None, limits: Limits
) -> Decision:
    """Next poll after the `error_count`-th consecutive failure (1 for the first)."""
    backoff = limits.min_interval * 2 ** max(0, min(error_count - 1, 20))
    floor = min(retry_after or 0.0, limits.max_interval)
    reason = f"error #{error_count}: exponential backoff"
    if retry_after:
        reason += f", Retry-After {retry_after:.0f}s"
    return _decide(feed_id, now, backoff, limits, reason, floor_s=floor)


def first_check(feed_id: int, now: datetime, limits: Limits) -> Decision:
    """A new feed is due at once; the jitter of later intervals spreads a bulk import out."""
    return Decision(now, limits.min_interval * 4, "new feed: due now")
