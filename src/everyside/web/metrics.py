"""Prometheus metrics for /-/metrics: request counts and latency of this process, plus gauges
read from the database at scrape time (articles, stories, feeds in error, ingest and clustering
figures that other parts record in the `state` table)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text

from everyside.store import Store

COUNTS = (
    ("everyside_articles", "Articles stored.", "SELECT count(*) FROM articles"),
    (
        "everyside_stories",
        "Stories (not merged away).",
        "SELECT count(*) FROM stories WHERE merged_into IS NULL",
    ),
    ("everyside_outlets", "Outlets known.", "SELECT count(*) FROM outlets"),
    ("everyside_feeds_active", "Active feeds.", "SELECT count(*) FROM feeds WHERE active"),
    (
        "everyside_feeds_in_error",
        "Feeds whose last poll failed.",
        "SELECT count(*) FROM feeds WHERE last_error IS NOT NULL",
    ),
    (
        "everyside_articles_unclustered",
        "Articles waiting for story assignment.",
        "SELECT count(*) FROM articles WHERE story_id IS NULL",
    ),
    (
        "everyside_feedback_open",
        "Unhandled reader reports.",
        "SELECT count(*) FROM feedback WHERE NOT handled",
    ),
)


class _StoreCollector(Collector):
    def __init__(self, store: Store):
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.store.read() as conn:
            for name, doc, sql in COUNTS:
                g = GaugeMetricFamily(name, doc)
                g.add_metric([], float(conn.execute(text(sql)).scalar() or 0))
                yield g
            yield from _state_metrics(conn)


def _state_metrics(conn: Any) -> Iterator[GaugeMetricFamily]:
    """Numeric values under `metrics.*` keys of the state table (e.g. metrics.cluster_latency_s,
    metrics.ingest_errors), written by the ingest loop and the story engine."""
    rows = conn.execute(text("SELECT key, value FROM state WHERE key LIKE 'metrics.%'"))
    for key, value in rows:
        if isinstance(value, int | float) and not isinstance(value, bool):
            name = "everyside_" + "".join(c if c.isalnum() else "_" for c in key[8:])
            g = GaugeMetricFamily(name, f"state value {key}")
            g.add_metric([], float(value))
            yield g


class Metrics:
    """One registry per app, so several apps (tests) never collide."""

    def __init__(self, store: Store):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "everyside_http_requests", "HTTP requests.", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "everyside_http_request_seconds",
            "Server time per request.",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.errors = Counter("everyside_http_errors", "Unhandled errors.", registry=self.registry)
        self.registry.register(_StoreCollector(store))

    def observe(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
