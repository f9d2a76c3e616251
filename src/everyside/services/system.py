"""What the system pages report: the database's health and the gauges of /-/metrics (stored
counts and the `metrics.*` values the pipeline and the ingest loop record)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from everyside.domain.feed_health import IngestionStatus, ingestion_status
from everyside.store import Store
from everyside.store.feeds import feed_outcomes
from everyside.store.state import gauges

__all__ = ["gauges", "health", "ingestion"]
# ingestion is degraded when feeds were tried and none has succeeded for this long
STALE_AFTER = timedelta(hours=1)


def ingestion(conn: Any, settings: Any, now: datetime) -> IngestionStatus:
    """How fetching the feeds goes: tried, failing, last success, most common error, next steps."""
    return ingestion_status(
        feed_outcomes(conn, bundled=bool(settings.bundled_feeds)), now, STALE_AFTER
    )


def health(store: Store, settings: Any = None, now: datetime | None = None) -> dict[str, Any]:
    """{"status", "database", "schema", "ingestion"}: "ok", "degraded" (the database answers but
    no feed has succeeded for STALE_AFTER) or "error" (the database does not answer)."""
    try:
        revision = store.ping()
    except Exception as e:  # the point of a health check is to report, not to raise
        return {"status": "error", "database": f"unreachable: {type(e).__name__}"}
    report: dict[str, Any] = {"status": "ok", "database": "ok", "schema": revision}
    if settings is not None and now is not None:
        try:
            with store.read() as conn:
                status = ingestion(conn, settings, now)
        except Exception as e:  # an older schema or a broken table: report it, never raise
            report["ingestion"] = {"state": "unknown", "summary": f"{type(e).__name__}: {e}"}
            return report
        report["ingestion"] = status.to_dict()
        if status.state == "degraded":
            report["status"] = "degraded"
    return report
