"""The distributed shape (issue 20) from plain processes against the local services:
PostgreSQL (a fresh schema per test), RabbitMQ (a fresh vhost per test) and Redis.

The end-to-end test runs the topology of compose.yaml without the proxy: two `everyside worker`
processes, `everyside up --distributed` and `everyside serve` as the two web replicas, and a
feed farm of 50 hosts and 2,000 articles that counts every request. Faults happen during the
run: the worker holding the assigner lock is killed with SIGKILL (its process group: a machine
that dies), the broker closes every connection of the vhost, and a replacement worker joins.
Every wait has a timeout, so a bug fails instead of hanging.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from typing import Any

import pytest

from everyside.bench.distributed_run import Cluster, Farm, free_port, wait_http

PG_BASE = os.environ.get("EVERYSIDE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

pytestmark = [pytest.mark.postgres, pytest.mark.distributed]
ARTICLES_DONE = "every article stored, assigned and analysed"


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.status, r.read()


def _json(url: str) -> Any:
    return json.loads(_get(url)[1])


def _done(total: int):  # type: ignore[no-untyped-def]
    return lambda c: (
        c["articles"] >= total
        and c["unassigned"] == 0
        and c["analysis_due"] == 0
        and c["without_coverage"] == 0
    )


def _max_in_window(times: list[float], window: float) -> int:
    """Most requests that arrived within any `window` seconds."""
    times, best, lo = sorted(times), 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def _assigner_pid(cluster: Cluster) -> int | None:
    from everyside.services.workers import assigner_owner
    from everyside.store import open_store

    store = open_store(cluster.db_url)
    try:
        owner = assigner_owner(store)
    finally:
        store.close()
    return int(owner.split(":")[1]) if owner else None


def _worker_of(cluster: Cluster, pid: int) -> str:
    """The cluster process whose process group holds `pid` (a worker's pool child)."""
    group = os.getpgid(pid)
    return next(n for n, p in cluster.procs.items() if p.pid == group)


def _mask(html: bytes) -> str:
    """A page without what differs between two responses of one replica: CSRF tokens, and
    relative times ("3 minutes ago", which tick between two requests; their datetime
    attribute is kept)."""
    page = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html.decode())
    return re.sub(r"(<time [^>]*>)[^<]*(</time>)", r"\1\2", page)


def _stable(doc: Any) -> Any:
    """A JSON document without its relative times ("ago")."""
    if isinstance(doc, dict):
        return {k: _stable(v) for k, v in doc.items() if k != "ago"}
    if isinstance(doc, list):
        return [_stable(v) for v in doc]
    return doc


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_two_workers_two_replicas_survive_kill_and_broker_cut() -> None:
    """… and a poisoned message, published first, ends in the dead-letter queue after 3 tries
    with its error while the 2,000 articles behind it go through."""
    from everyside.distributed.app import dead_letters, make_app
    from everyside.distributed.queues import INGEST
    from everyside.settings import load_settings

    hosts, per_host, delay = 50, 40, 0.05
    total = hosts * per_host
    env = {"EVERYSIDE_POLITENESS_DELAY": str(delay), "EVERYSIDE_PAGE_CACHE_SECONDS": "1"}
    with Farm(hosts, per_host, run=4) as farm, Cluster(PG_BASE, env=env) as cluster:
        assert cluster.register_feeds(farm.feeds) == hosts
        app = make_app(load_settings(env=cluster.env()))
        # a message whose processing raises every time (an entry no feed parser makes)
        poison = [1, "t", "https://example.org/x", {"no such field": 1}]
        app.send_task("everyside.fetch_article", args=poison, queue=INGEST, routing_key=INGEST)
        cluster.start_worker("w1")
        cluster.start_worker("w2")
        web1, web2 = free_port(), free_port()
        cluster.start_web("web1", web1, scheduler=True)  # up --distributed: publishes polls
        cluster.start_web("web2", web2, scheduler=False)  # serve: a second replica

        # 1. kill -9 the worker that holds the assigner, mid-run
        t0 = time.monotonic()
        cluster.wait_for(lambda c: c["articles"] >= 300, 180, "300 articles")
        print(f"300 articles after {time.monotonic() - t0:.0f}s")
        cluster.wait_for(lambda c: _assigner_pid(cluster) is not None, 60, "an assigner")
        first = _assigner_pid(cluster)
        assert first is not None
        victim = _worker_of(cluster, first)
        cluster.kill(victim)
        cluster.start_worker("w3")  # its replacement

        # 2. the broker closes every connection of the vhost (workers, the scheduler)
        cluster.wait_for(lambda c: c["articles"] >= 1000, 180, "1,000 articles")
        print(f"1,000 articles after {time.monotonic() - t0:.0f}s")
        assert cluster.close_broker_connections() >= 2

        final = cluster.wait_for(_done(total), 240, ARTICLES_DONE)
        print(f"done after {time.monotonic() - t0:.0f}s: {final}")

        # another worker's assigner took the lock, with an engine rebuilt from the store
        assert _assigner_pid(cluster) not in (None, first)
        # 0 lost, 0 duplicated, each article in exactly one (live) story, every story analysed
        assert final["articles"] == total
        assert final["duplicate_keys"] == 0
        assert final["unassigned"] == 0 and final["in_merged_story"] == 0
        assert final["without_coverage"] == 0 and final["without_summary"] == 0
        assert final["stories"] > 50  # the farm's events, not one heap

        dead = dead_letters(app)
        assert len(dead) == 1, dead
        body = dead[0]["body"]
        assert body["task"] == "everyside.fetch_article" and body["args"] == poison
        assert body["tries"] == 3
        assert "TypeError" in body["error"] and "no such field" in body["error"]
        # it raised 3 times and never died (a retry that starts at once is no death)
        assert body["died"] == 0 and body["reason"] == "failed 3 times: TypeError"

        stats = farm.stats()
        pages = [p for h in stats.values() for p in h["hits"] if p.startswith("/a/")]
        assert len(pages) == total  # every page was fetched (some maybe twice: redelivery)
        for host, h in stats.items():  # politeness across all workers, the robots.txt included
            # at most 1/delay + 1 starts in a second; +1 for arrival jitter under load
            assert _max_in_window(h["times"], 1.0) <= 1 / delay + 2, host

        # both replicas serve the same stories
        wait_http(f"http://127.0.0.1:{web2}/-/health.json")
        time.sleep(1.5)  # page_cache_seconds = 1: what either cached before the end expired
        top = _stable(_json(f"http://127.0.0.1:{web1}/api/v1/stories?limit=10"))
        assert top == _stable(_json(f"http://127.0.0.1:{web2}/api/v1/stories?limit=10"))
        ids = [s["id"] for s in (top["stories"] if isinstance(top, dict) else top)][:5]
        assert ids
        for sid in ids:
            a = _get(f"http://127.0.0.1:{web1}/story/{sid}")[1]
            b = _get(f"http://127.0.0.1:{web2}/story/{sid}")[1]
            assert _mask(a) == _mask(b)
            one = _json(f"http://127.0.0.1:{web1}/api/v1/stories/{sid}")
            assert _stable(one) == _stable(_json(f"http://127.0.0.1:{web2}/api/v1/stories/{sid}"))

        # health and metrics report the workers and the queues
        health = _json(f"http://127.0.0.1:{web2}/-/health.json")
        alive = {w["name"] for w in health["workers"]["workers"] if w["alive"]}
        survivors = {f"{n}@everyside" for n in ("w1", "w2", "w3") if n != victim}
        assert survivors <= alive and f"{victim}@everyside" not in alive
        assert set(health["workers"]["queues"]) >= {"everyside.ingest", "everyside.analyse"}
        metrics = _get(f"http://127.0.0.1:{web1}/-/metrics")[1].decode()
        assert 'everyside_queue_messages{queue="everyside.ingest"}' in metrics
        assert re.search(r"^everyside_workers_alive [2-9]", metrics, re.M)


POISON_WORKER = [sys.executable, os.path.join(os.path.dirname(__file__), "poison_worker.py")]


def _wait(cluster: Cluster, done: Any, timeout: float, what: str) -> None:
    """Poll `done()` until true; fail with the logs after `timeout` s or if a process exits."""
    deadline = time.monotonic() + timeout
    while not done():
        exited = [n for n, p in cluster.procs.items() if p.poll() is not None]
        if exited or time.monotonic() > deadline:
            tails = "\n".join(f"--- {n}\n{cluster.log(n)[-4000:]}" for n in cluster.procs)
            why = f"processes exited: {exited}" if exited else f"not after {timeout:.0f}s"
            raise AssertionError(f"waiting for {what}: {why}\n{tails}")
        time.sleep(0.5)


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_a_message_that_kills_its_worker_goes_to_the_dead_letters() -> None:
    """Two messages whose task ends its own process (os._exit, as a segfault or the OOM killer
    would) are each run `task_max_tries` (3) times, then dead-lettered unrun with the reason;
    the 40 messages around them and one that kills its process once all complete, on a
    single pool process (a message that came back for ever would block every other)."""
    import redis

    from everyside.distributed.app import dead_letters, make_app, queue_depths
    from everyside.distributed.queues import DEAD, INGEST
    from everyside.distributed.tasks import namespace
    from everyside.settings import load_settings

    with Cluster(PG_BASE) as cluster:
        settings = load_settings(env=cluster.env())
        assert settings.task_max_tries == 3
        app, ns = make_app(settings), namespace(settings)
        r = redis.Redis.from_url(settings.redis_url)

        def send(task: str, arg: Any) -> str:
            res = app.send_task(f"everyside.test.{task}", args=[arg], queue=INGEST,
                                routing_key=INGEST)  # fmt: skip
            return str(res.id)

        poison = {"first": send("die", "first")}  # at the head of the queue
        for i in range(20):
            send("record", i)
        send("die_once", "flaky")
        poison["second"] = send("die", "second")
        for i in range(20, 40):
            send("record", i)
        expected = {str(i) for i in range(40)} | {"flaky"}

        t0 = time.monotonic()
        cluster.start_worker("k1", concurrency=1, queues="ingest", command=POISON_WORKER)

        def settled() -> bool:
            depths = queue_depths(app)
            return (
                depths[DEAD] >= 2
                and depths[INGEST] == 0
                and r.scard(f"{ns}:test:done") >= len(expected)
            )

        _wait(cluster, settled, 360, "2 dead letters and 41 messages done")
        print(f"settled {time.monotonic() - t0:.0f}s after the worker started")
        done = {m.decode() for m in r.smembers(f"{ns}:test:done")}
        assert done == expected
        dead = dead_letters(app)
        assert sorted(d["body"]["args"][0] for d in dead) == ["first", "second"], dead
        for d in dead:
            body, label = d["body"], d["body"]["args"][0]
            assert body["task"] == "everyside.test.die" and body["id"] == poison[label]
            assert body["reason"] == "worker died while processing it 3 times"
            assert body["error"] == "WorkerLostError: worker died while processing it 3 times"
            assert body["tries"] == 3 and body["died"] == 3
            # run exactly 3 times: the 4th delivery was dead-lettered before its work
            assert int(r.get(f"{ns}:test:runs:{label}") or 0) == 3
        assert int(r.get(f"{ns}:test:runs:flaky") or 0) == 2  # one death is no poison
        assert not list(r.scan_iter(f"{ns}:tries:*"))  # no count left behind
        log = cluster.log("k1")
        assert log.count("exited with 'exitcode 70'") == 2 * 3 + 1, log[-4000:]


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_politeness_holds_across_workers() -> None:
    """Two hosts whose feeds list 30 pages each of one host: both workers fetch from the same
    host at once, and the shared turns keep every request `delay` apart at the server."""
    delay = 0.25
    env = {"EVERYSIDE_POLITENESS_DELAY": str(delay)}
    with Farm(2, 30, run=30) as farm, Cluster(PG_BASE, env=env) as cluster:
        cluster.register_feeds(farm.feeds)
        cluster.start_worker("p1")
        cluster.start_worker("p2")
        cluster.start_web("web", free_port(), scheduler=True)
        cluster.wait_for(_done(60), 180, ARTICLES_DONE)
        from everyside.services.system import worker_report
        from everyside.store import open_store

        store = open_store(cluster.db_url)
        try:
            from datetime import UTC, datetime

            rep = worker_report(store, datetime.now(UTC), 60)
        finally:
            store.close()
        done = {w["name"]: w["tasks_done"] for w in rep["workers"]}
        assert done["p1@everyside"] > 5 and done["p2@everyside"] > 5  # both fetched
        for host, h in farm.stats().items():
            times = sorted(h["times"])
            assert len(times) >= 30
            gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
            # starts are `delay` apart; arrival jitter on a loaded machine is tens of ms, while
            # two unshared gates overlap (a gap of 0.03 s measured with per-process turns)
            assert min(gaps) >= 0.4 * delay, (host, min(gaps))
            assert _max_in_window(times, 1.0) <= 1 / delay + 2, host


@pytest.mark.timeout(120)
def test_broker_down_at_start_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from everyside.store.scratch import create_schema, drop_schema

    schema, url = create_schema(PG_BASE, "dist")
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EVERYSIDE_")}
        port = free_port()  # nothing listens there
        env.update(
            EVERYSIDE_DATABASE_URL=url,
            EVERYSIDE_BROKER_URL=f"amqp://guest:guest@127.0.0.1:{port}//",
            EVERYSIDE_DATA_DIR=str(tmp_path),
            EVERYSIDE_CONFIG=str(tmp_path / "none.toml"),
        )
        (tmp_path / "none.toml").write_text("")
        cli = [sys.executable, "-m", "everyside"]
        subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True, timeout=90)
        for args in (["worker"], ["up", "--distributed", "--port", str(free_port())]):
            done = subprocess.run([*cli, *args], env=env, capture_output=True, text=True,
                                  timeout=60)  # fmt: skip
            out = done.stdout + done.stderr
            assert done.returncode != 0, out
            assert "cannot reach the message broker" in out, out
            assert f"127.0.0.1:{port}" in out and "guest:guest" not in out
    finally:
        drop_schema(PG_BASE, schema)


def test_the_default_shape_imports_no_celery() -> None:
    # (redis is left out: datasketch imports it whenever it is installed)
    code = (
        "import sys, everyside, everyside.cli; from everyside.web import create_app; "
        "import everyside.ingest, everyside.services.pipeline; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('celery', 'kombu', 'amqp', 'billiard') "
        "or m.startswith('everyside.distributed')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
