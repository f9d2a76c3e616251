"""What the system pages report: the database's health and the gauges of /-/metrics (stored
counts and the `metrics.*` values the pipeline and the ingest loop record)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from everyside.domain.feed_health import IngestionStatus, ingestion_status
from everyside.store import Store
from everyside.store.feeds import feed_outcomes
from everyside.store.state import gauges
from everyside.store.workers import workers as worker_rows

__all__ = ["gauges", "health", "ingestion", "worker_gauges", "worker_report"]
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
    if settings is not None and now is not None and _workers_reported(store, settings):
        # the distributed shape: the workers' heartbeats and the queue depths they read
        stale = 3 * float(settings.worker_heartbeat_seconds)
        try:
            report["workers"] = worker_report(store, now, stale)
        except Exception as e:  # an older schema: report it, never raise
            report["workers"] = {"error": f"{type(e).__name__}: {e}"}
        else:
            if settings.distributed and not report["workers"]["alive"]:
                report["status"] = "degraded"
                report["workers"]["summary"] = "no worker has sent a heartbeat recently"
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


def _workers_reported(store: Store, settings: Any) -> bool:
    """Workers are reported in the distributed shape, or whenever a worker has beaten."""
    if getattr(settings, "distributed", False):
        return True
    try:
        with store.read() as conn:
            return bool(worker_rows(conn))
    except Exception:
        return False


def worker_report(store: Store, now: datetime, stale_after_s: float) -> dict[str, Any]:
    """{"workers": [...], "alive": n, "queues": {...}, "queues_read_at": iso}: the workers'
    rows (alive = seen within `stale_after_s`) and the queue depths of the freshest beat."""
    with store.read() as conn:
        found = worker_rows(conn)
    out: list[dict[str, Any]] = []
    depths: dict[str, int] = {}
    read_at = None
    limit = now - timedelta(seconds=stale_after_s)
    for w in found:
        alive = w["seen_at"] is not None and w["seen_at"] >= limit
        out.append(
            {
                "name": w["name"],
                "host": w["host"],
                "pid": w["pid"],
                "queues": w["queues"],
                "started_at": w["started_at"].isoformat() if w["started_at"] else None,
                "seen_at": w["seen_at"].isoformat() if w["seen_at"] else None,
                "tasks_done": w["tasks_done"],
                "alive": alive,
            }
        )
        if read_at is None and w["queue_depths"]:
            depths = {str(k): int(v) for k, v in dict(w["queue_depths"]).items()}
            read_at = w["seen_at"].isoformat() if w["seen_at"] else None
    return {
        "workers": out,
        "alive": sum(1 for w in out if w["alive"]),
        "queues": depths,
        "queues_read_at": read_at,
    }


def worker_gauges(
    store: Store, now: datetime, stale_after_s: float
) -> list[tuple[str, str, dict[str, str], float]]:
    """(name, help, labels, value) for /-/metrics: workers alive, queue depths, each worker's
    tasks done and seconds since its last heartbeat."""
    rep = worker_report(store, now, stale_after_s)
    out: list[tuple[str, str, dict[str, str], float]] = [
        ("everyside_workers_alive", "Workers with a recent heartbeat.", {}, float(rep["alive"]))
    ]
    for q, n in sorted(rep["queues"].items()):
        out.append(
            (
                "everyside_queue_messages",
                "Messages ready in a queue (last heartbeat).",
                {"queue": q},
                float(n),
            )
        )
    with store.read() as conn:
        rows = worker_rows(conn)
    for w in rows:
        labels = {"worker": str(w["name"])}
        out.append(
            (
                "everyside_worker_tasks_done",
                "Tasks a worker finished.",
                labels,
                float(w["tasks_done"] or 0),
            )
        )
        if w["seen_at"] is not None:
            age = max(0.0, (now - w["seen_at"]).total_seconds())
            out.append(
                (
                    "everyside_worker_heartbeat_age_seconds",
                    "Seconds since a worker's last heartbeat.",
                    labels,
                    age,
                )
            )
    return out
