"""What the system pages report: the database's health and the gauges of /-/metrics (stored
counts and the `metrics.*` values the pipeline and the ingest loop record)."""

from __future__ import annotations

from typing import Any

from everyside.store import Store
from everyside.store.state import gauges

__all__ = ["gauges", "health"]


def health(store: Store) -> dict[str, Any]:
    """{"status", "database", "schema"}: "ok" with the schema revision, or the error's type."""
    try:
        revision = store.ping()
    except Exception as e:  # the point of a health check is to report, not to raise
        return {"status": "error", "database": f"unreachable: {type(e).__name__}"}
    return {"status": "ok", "database": "ok", "schema": revision}
