"""The `state` table: small named values of long-running parts (metrics totals, checkpoints),
and the counts `/-/metrics` reports (every numeric `metrics.*` value becomes a gauge).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy import insert as sa_insert

from everyside.store import schema as t
from everyside.store.db import Store


def _upsert(conn: Connection, key: str, value: Any, now: datetime) -> None:
    done = conn.execute(
        update(t.state).where(t.state.c.key == key).values(value=value, updated_at=now)
    )
    if done.rowcount == 0:
        conn.execute(sa_insert(t.state).values(key=key, value=value, updated_at=now))


def set_value(conn: Connection, key: str, value: Any, now: datetime) -> None:
    """Write one named value inside the caller's transaction."""
    _upsert(conn, key, value, now)


def get_value(conn: Connection, key: str) -> Any:
    return conn.execute(select(t.state.c.value).where(t.state.c.key == key)).scalar()


def set_metrics(store: Store, now: datetime, values: Mapping[str, float]) -> None:
    """Overwrite gauges (latest latency, queue sizes)."""

    def write(conn: Connection) -> None:
        for key, value in values.items():
            _upsert(conn, key, value, now)

    store.write(write)


def add_metrics(store: Store, now: datetime, deltas: Mapping[str, float]) -> None:
    """Add to running totals (articles ingested, feeds failed)."""

    def write(conn: Connection) -> None:
        for key, delta in deltas.items():
            old = get_value(conn, key)
            base = old if isinstance(old, int | float) else 0
            _upsert(conn, key, base + delta, now)

    store.write(write)


# name -> (help, query) of the gauges /-/metrics reads from the database at scrape time
def _counts() -> dict[str, tuple[str, Any]]:
    a, s, f, fb = t.articles.c, t.stories.c, t.feeds.c, t.feedback.c
    n = func.count()
    return {
        "everyside_articles": ("Articles stored.", select(n).select_from(t.articles)),
        "everyside_stories": (
            "Stories (not merged away).",
            select(n).where(s.merged_into.is_(None)),
        ),
        "everyside_outlets": ("Outlets known.", select(n).select_from(t.outlets)),
        "everyside_feeds_active": ("Active feeds.", select(n).where(f.active.is_(True))),
        "everyside_feeds_in_error": (
            "Feeds whose last poll failed.",
            select(n).where(f.last_error.is_not(None)),
        ),
        "everyside_articles_unclustered": (
            "Articles waiting for story assignment.",
            select(n).where(a.story_id.is_(None)),
        ),
        "everyside_feedback_open": (
            "Unhandled reader reports.",
            select(n).where(fb.handled.is_(False)),
        ),
    }


def gauges(conn: Connection) -> list[tuple[str, str, float]]:
    """(name, help, value) of the stored counts and of every numeric `metrics.*` state value."""
    out = [
        (name, doc, float(conn.execute(q).scalar() or 0)) for name, (doc, q) in _counts().items()
    ]
    rows = conn.execute(
        select(t.state.c.key, t.state.c.value).where(t.state.c.key.like("metrics.%"))
    )
    for key, value in rows:
        if isinstance(value, int | float) and not isinstance(value, bool):
            name = "everyside_" + "".join(c if c.isalnum() else "_" for c in key[8:])
            out.append((name, f"state value {key}", float(value)))
    return out
