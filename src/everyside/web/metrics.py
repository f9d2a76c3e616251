"""Prometheus metrics for /-/metrics: request counts and latency of this process, plus gauges
read from the database at scrape time (articles, stories, feeds in error, ingest and clustering
figures that other parts record in the `state` table), and in the distributed shape the
workers' heartbeats and the queue depths they read (`worker_heartbeats`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from everyside.services.system import gauges, worker_gauges
from everyside.store import Store


class _StoreCollector(Collector):
    def __init__(self, store: Store, stale_after_s: float):
        self.store = store
        self.stale_after_s = stale_after_s

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.store.read() as conn:
            values = gauges(conn)
        for name, doc, value in values:
            g = GaugeMetricFamily(name, doc)
            g.add_metric([], value)
            yield g
        yield from self._workers()

    def _workers(self) -> Iterator[GaugeMetricFamily]:
        """The distributed shape's workers and queues (from the heartbeats table)."""
        families: dict[str, GaugeMetricFamily] = {}
        try:
            found = worker_gauges(self.store, datetime.now(UTC), self.stale_after_s)
        except Exception:  # an older schema: no worker figures, the rest still served
            return
        for name, doc, labels, value in found:
            if name not in families:
                families[name] = GaugeMetricFamily(name, doc, labels=list(labels))
            families[name].add_metric(list(labels.values()), value)
        yield from families.values()


class Metrics:
    """One registry per app, so several apps (tests) never collide."""

    def __init__(self, store: Store, stale_after_s: float = 15.0):
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
        self.registry.register(_StoreCollector(store, stale_after_s))

    def observe(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
