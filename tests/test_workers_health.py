"""Worker heartbeats (migration 0007) in /-/health.json and /-/metrics, on SQLite and
PostgreSQL, without a broker: the web replicas read the workers' rows, never the broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from everyside.services.workers import heartbeat, pipeline_counts
from everyside.settings import load_settings
from everyside.store import Store
from everyside.web import create_app


def _beat(store: Store, name: str, at: datetime, depths: dict[str, int] | None) -> None:
    heartbeat(
        store,
        name,
        at,
        host="h",
        pid=42,
        queues="everyside.ingest",
        started_at=at - timedelta(minutes=5),
        tasks_done=7,
        queue_depths=depths,
    )


def _client(store: Store, tmp_path: Path, **cli: object) -> TestClient:
    settings = load_settings(
        env={}, cli={"data_dir": str(tmp_path), "base_url": "http://testserver", **cli}
    )
    return TestClient(create_app(settings, store))


def test_health_and_metrics_report_workers_and_queues(store: Store, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    _beat(store, "old@x", now - timedelta(minutes=10), {"everyside.ingest": 99})
    _beat(store, "w1@x", now, {"everyside.ingest": 12, "everyside.dead": 1})
    _beat(store, "w1@x", now, {"everyside.ingest": 3, "everyside.dead": 1})  # rewritten
    with _client(store, tmp_path) as c:
        h = c.get("/-/health.json").json()
        m = c.get("/-/metrics").text
    w = h["workers"]
    assert w["alive"] == 1
    assert {x["name"]: x["alive"] for x in w["workers"]} == {"w1@x": True, "old@x": False}
    assert w["queues"] == {"everyside.ingest": 3, "everyside.dead": 1}  # the freshest beat
    assert "everyside_workers_alive 1.0" in m
    assert 'everyside_queue_messages{queue="everyside.ingest"} 3.0' in m
    assert 'everyside_worker_tasks_done{worker="w1@x"} 7.0' in m
    assert 'everyside_worker_heartbeat_age_seconds{worker="old@x"}' in m


def test_distributed_without_a_live_worker_is_degraded(store: Store, tmp_path: Path) -> None:
    with _client(store, tmp_path, distributed=True) as c:
        h = c.get("/-/health.json").json()
    assert h["status"] == "degraded"
    assert h["workers"]["alive"] == 0 and "no worker" in h["workers"]["summary"]


def test_single_process_shape_reports_no_workers(store: Store, tmp_path: Path) -> None:
    with _client(store, tmp_path) as c:
        h = c.get("/-/health.json").json()
    assert "workers" not in h
    assert pipeline_counts(store)["articles"] == 0
