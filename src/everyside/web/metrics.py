"""Prometheus metrics for /-/metrics: request counts and latency of this process, plus gauges
read from the database at scrape time (articles, stories, feeds in error, ingest and clustering
figures that other parts record in the `state` table)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from everyside.services.system import gauges
from everyside.store import Store


class _StoreCollector(Collector):
    def __init__(self, store: Store):
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.store.read() as conn:
            values = gauges(conn)
        for name, doc, value in values:
            g = GaugeMetricFamily(name, doc)
            g.add_metric([], value)
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
