"""`everyside bench distributed`: articles per second end to end for 1, 2, ... worker
processes against the local feed farm, and the assigner's throughput alone (the serial part).

Each run gets a fresh PostgreSQL schema and RabbitMQ vhost (`distributed_run.Cluster`); the
clock starts when the due feeds are published and stops when every article is stored,
assigned to a story and analysed (coverage and summary).
"""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime
from typing import Any

import typer

from everyside.bench.commands import bench_app as app
from everyside.bench.commands import console, err_console

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TICK = os.sysconf("SC_CLK_TCK")


def _cpu(match: object) -> float:
    """CPU seconds (user + system) of the live processes `match(pid, pgid, name)` accepts."""
    total = 0.0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if match(int(d), int(fields[2]), name):  # type: ignore[operator]
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def _cpu_split(worker_groups: set[int], farm_pid: int) -> dict[str, float]:
    return {
        "workers": _cpu(lambda pid, pgid, name: pgid in worker_groups),
        "postgres": _cpu(lambda pid, pgid, name: name.startswith("postgres")),
        "farm": _cpu(lambda pid, pgid, name: pid == farm_pid),
        "machine": sum(float(x) for x in open("/proc/stat").readline().split()[1:4]) / TICK,
    }


def _publish(cluster: object) -> int:
    from everyside.distributed.app import make_app
    from everyside.distributed.scheduler import enqueue_due
    from everyside.settings import load_settings
    from everyside.store import open_store

    env = cluster.env()  # type: ignore[attr-defined]
    settings = load_settings(env=env)
    store = open_store(settings.db_url)
    try:
        return enqueue_due(store, settings, make_app(settings), datetime.now(UTC))
    finally:
        store.close()


def _ready(cluster: Any, names: list[str], timeout: float = 300) -> None:
    """Wait until every pool process of these workers has loaded its runtime (the outlet
    directory, the models, the duplicate index), so that the clock measures the pipeline."""
    import redis

    from everyside.distributed.tasks import namespace
    from everyside.settings import load_settings

    settings = load_settings(env=cluster.env())
    r = redis.Redis.from_url(settings.redis_url)
    ns = namespace(settings)
    deadline = time.monotonic() + timeout
    while any(int(r.get(f"{ns}:ready:{n}@everyside") or 0) < 1 for n in names):
        if time.monotonic() > deadline:
            raise TimeoutError(f"workers {names} did not load within {timeout:.0f}s")
        time.sleep(0.5)


@app.command("distributed")
def bench_distributed(
    workers: str = typer.Option("1,2", help="Worker process counts to measure, e.g. 1,2,4."),
    hosts: int = typer.Option(50, help="Hosts of the feed farm (one port each)."),
    per_host: int = typer.Option(20, help="Articles per host's feed."),
    delay: float = typer.Option(0.0, help="politeness_delay of the run (seconds per host)."),
    pg: str = typer.Option(PG, help="PostgreSQL database for the scratch schemas."),
    assigner: bool = typer.Option(True, help="Also measure the assigner alone."),
) -> None:
    """Run the distributed shape from plain processes and print articles/s per worker count."""
    from everyside.bench.distributed_run import Cluster, Farm

    say = lambda m: err_console.print(m, highlight=False)  # noqa: E731
    counts = [int(x) for x in workers.split(",") if x.strip()]
    env = {"EVERYSIDE_POLITENESS_DELAY": str(delay), "EVERYSIDE_LOG_LEVEL": "WARNING"}
    results: dict[int, float] = {}
    with Farm(hosts, per_host) as farm:
        total = farm.articles
        for n in counts:
            with Cluster(pg, env=env, say=say) as cluster:
                cluster.register_feeds(farm.feeds)
                names = [f"b{i}" for i in range(n)]
                for name in names:
                    cluster.start_worker(name)
                _ready(cluster, names)
                say(f"{n} worker(s): {total} articles from {hosts} hosts ...")
                groups = {p.pid for p in cluster.procs.values()}
                before = _cpu_split(groups, farm.proc.pid)
                start = time.monotonic()
                _publish(cluster)
                cluster.wait_for(
                    lambda c: (
                        c["articles"] >= total and c["unassigned"] == 0 and c["analysis_due"] == 0
                    ),
                    1800,
                    "the run",
                    every=0.5,
                )
                secs = time.monotonic() - start
                after = _cpu_split(groups, farm.proc.pid)
                used = {k: after[k] - before[k] for k in after}
                results[n] = total / secs
                console.print(
                    f"{n} worker process(es): {total} articles in {secs:.1f}s = "
                    f"{results[n]:.1f} articles/s end to end (poll, fetch, extract, write, "
                    f"assign, coverage, summary); load average {os.getloadavg()[0]:.1f}"
                )
                console.print(
                    f"  CPU during the run: workers {used['workers']:.1f}s "
                    f"({used['workers'] / total * 1000:.1f} ms/article), PostgreSQL "
                    f"{used['postgres']:.1f}s (every backend on the machine), feed farm "
                    f"{used['farm']:.1f}s; the whole machine {used['machine']:.1f}s of "
                    f"{secs * (os.cpu_count() or 1):.1f}s available; "
                    f"{total / max(used['workers'], 1e-9):.1f} articles per worker CPU second"
                )
        if assigner:
            with Cluster(pg, env=env, say=say) as cluster:
                cluster.register_feeds(farm.feeds)
                cluster.start_worker("ingest-only", queues="ingest")
                _ready(cluster, ["ingest-only"])
                _publish(cluster)
                cluster.wait_for(lambda c: c["articles"] >= total, 1800, "ingest", every=0.5)
                cluster.stop("ingest-only")
                rate, changed = _assign_alone(cluster.db_url)
                console.print(
                    f"assigner alone (the serial part: one at a time system-wide): {total} "
                    f"articles in {total / rate:.1f}s = {rate:.1f} articles/s "
                    f"({changed} stories; engine rebuild, assignment, repair, writes)"
                )
    base = results.get(min(results)) if results else None
    for n, r in sorted(results.items()):
        if base and n != min(results):
            console.print(f"speed-up {n} vs {min(results)}: {r / base:.2f}x")
    console.print(
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end; "
        "the clock starts once every worker process has loaded its models"
    )


def _assign_alone(db_url: str) -> tuple[float, int]:
    """The assigner over every stored article without a story, in this process."""
    from everyside.services import pipeline
    from everyside.settings import load_settings
    from everyside.store import open_store

    settings = load_settings(env={})
    store = open_store(db_url)
    try:
        start = time.monotonic()
        rep = pipeline.process_pending(
            store, settings, datetime.now(UTC), analyse_later=lambda ids: None
        )
        secs = time.monotonic() - start
        from everyside.services.workers import pipeline_counts

        n = pipeline_counts(store)["articles"]
        return n / max(secs, 1e-9), rep.stories_changed
    finally:
        store.close()
