"""The `state` table: small named values of long-running parts (metrics totals, checkpoints).

`/-/metrics` exposes every numeric `metrics.*` value as a gauge.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update
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
