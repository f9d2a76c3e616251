"""Time in one place: aware UTC datetimes in Python, naive UTC in the database, ISO 8601 text.

Every layer passes aware UTC datetimes (`now` is always an argument; nothing here reads the
clock). The store converts at its boundary with `to_db` / `from_db`, because SQLite has no time
zone type and one convention for both databases avoids a class of comparison bugs. Text is read
by `parse_iso` (lenient: None for anything unreadable) or `parse_iso_strict` (raises, for input
files whose errors the user must see).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload


def utc(value: datetime) -> datetime:
    """`value` as an aware UTC datetime; a naive one is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


@overload
def to_db(value: datetime) -> datetime: ...
@overload
def to_db(value: None) -> None: ...
def to_db(value: datetime | None) -> datetime | None:
    """The store's form: naive UTC (an aware value is converted, a naive one kept)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def from_db(value: Any) -> datetime | None:
    """A time read from the store (a naive UTC datetime, or SQLite's text) as aware UTC."""
    if isinstance(value, str):
        return parse_iso(value)
    return utc(value) if isinstance(value, datetime) else None


def parse_iso_strict(value: str) -> datetime:
    """ISO 8601 text ('Z' accepted) as aware UTC; raises ValueError when unreadable."""
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return utc(dt)


def parse_iso(value: Any) -> datetime | None:
    """A datetime or ISO 8601 text as aware UTC; None for None, empty or unreadable values."""
    if isinstance(value, datetime):
        return utc(value)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_iso_strict(value)
    except ValueError:
        return None


def iso(value: Any) -> str | None:
    """ISO 8601 text of a datetime (or of time text, normalised to aware UTC); None if none."""
    dt = parse_iso(value)
    return dt.isoformat() if dt is not None else None


def iso_z(value: Any) -> str:
    """`2026-03-01T12:00:00Z` (Atom's form); the epoch for a missing time."""
    dt = parse_iso(value) or datetime(1970, 1, 1, tzinfo=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
