"""The distributed shape run from plain processes against the local services: a feed farm
(many hosts on 127.0.0.1 ports, counting every request), a fresh PostgreSQL schema, a fresh
RabbitMQ vhost, `everyside worker` and `everyside up --distributed` / `serve` processes.

Used by `everyside bench distributed` and by tests/test_distributed.py (the same topology the
compose file describes, minus the reverse proxy).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from everyside.bench.ingest_run import WORDS
from everyside.bench.localserver import Doc, LocalServer, Routes

COMMON = tuple(WORDS)  # the ingest benchmark's common words
SYLLABLES = tuple(
    [
        "ka",
        "lo",
        "mi",
        "ra",
        "te",
        "su",
        "vo",
        "ne",
        "di",
        "pa",
        "zo",
        "qui",
        "ba",
        "fe",
        "ru",
        "xo",
        "lan",
        "dor",
        "mek",
        "sil",
    ]
)


# -- the feed farm ---------------------------------------------------------------------------
class CountingRoutes(Routes):
    """Routes that also keep the arrival time of every request (time.monotonic)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def hit(self, path: str) -> None:
        now = time.monotonic()
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            self.times.append(now)


def _word(rnd: random.Random) -> str:
    return "".join(rnd.choice(SYLLABLES) for _ in range(3))


def farm_articles(hosts: int, per_host: int, seed: int = 7) -> list[list[dict[str, str]]]:
    """hosts × per_host articles about events (about six articles each, from several hosts),
    so that stories have several outlets: each event has its own vocabulary, which makes most
    of an article's words."""
    rnd = random.Random(seed)
    total = hosts * per_host
    events = [[_word(rnd) for _ in range(10)] for _ in range(max(1, total // 6))]
    out: list[list[dict[str, str]]] = []
    for h in range(hosts):
        arts = []
        for j in range(per_host):
            ev = events[(h * per_host + j) * 7919 % len(events)]
            title = " ".join(rnd.sample(ev, 5) + rnd.sample(COMMON, 2)).capitalize()
            paras = []
            for _ in range(4):
                words = rnd.choices(ev, k=30) + rnd.choices(COMMON, k=10)
                rnd.shuffle(words)
                paras.append(" ".join(words).capitalize() + ".")
            arts.append({"title": title, "text": "\n".join(paras)})
        out.append(arts)
    return out


def _page(a: dict[str, str]) -> bytes:
    paras = "".join(f"<p>{escape(p)}</p>" for p in a["text"].split("\n"))
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{escape(a['title'])}</title></head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{escape(a['title'])}</h1>"
        f"{paras}</article><footer>All rights reserved.</footer></body></html>"
    ).encode()


def _rss(items: list[tuple[str, dict[str, str]]], pub: str) -> bytes:
    body = "".join(
        f"<item><title>{escape(a['title'])}</title><link>{escape(u)}</link>"
        f"<guid>{escape(u)}</guid><pubDate>{pub}</pubDate>"
        f"<description>{escape(a['text'][:200])}</description></item>"
        for u, a in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Farm"
        f"</title>{body}</channel></rss>"
    ).encode()


def serve_farm(spec: dict[str, Any], ready: Any) -> None:
    """Subprocess: `hosts` servers (one port each: one host each for politeness), each with a
    robots.txt, one feed and its pages; a control server answers /stats with the arrival
    times and paths of every host's requests."""
    arts = farm_articles(spec["hosts"], spec["per_host"], spec.get("seed", 7))
    pub = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    run = max(1, int(spec.get("run", 1)))  # consecutive items of a feed on one host
    servers: list[tuple[LocalServer, CountingRoutes]] = []
    for _ in range(spec["hosts"]):
        routes = CountingRoutes()
        srv = LocalServer(routes)
        routes["/robots.txt"] = Doc(
            b"User-agent: *\nDisallow: /private/\n", "text/plain", etag=False
        )
        servers.append((srv, routes))
    n = spec["hosts"]
    for h, (_srv, routes) in enumerate(servers):
        items = []
        for j, a in enumerate(arts[h]):
            # the feed of host h, like an aggregator's, lists pages of several hosts
            page_host, page_routes = servers[(h + j // run) % n]
            path = f"/a/{h}/{j}"
            page_routes[path] = Doc(_page(a), "text/html; charset=utf-8")
            items.append((page_host.url(path), a))
        routes["/feed.xml"] = Doc(_rss(items, pub))

    def stats(handler: Any) -> None:
        data = {srv.base: {"times": list(r.times), "hits": dict(r.hits)} for srv, r in servers}
        handler.send_plain(200, json.dumps(data).encode(), {"Content-Type": "application/json"})

    control_routes = Routes()
    control_routes["/stats"] = stats
    control = LocalServer(control_routes)
    for srv, _ in servers:
        srv.__enter__()
    with control:
        ready.put({"feeds": [srv.url("/feed.xml") for srv, _ in servers], "control": control.base})
        while True:
            time.sleep(3600)


class Farm:
    """`with Farm(hosts, per_host) as farm: farm.feeds, farm.stats()`."""

    def __init__(self, hosts: int, per_host: int, seed: int = 7, run: int = 1):
        self.spec = {"hosts": hosts, "per_host": per_host, "seed": seed, "run": run}
        self.feeds: list[str] = []
        self.control = ""

    def __enter__(self) -> Farm:
        ctx = multiprocessing.get_context("spawn")
        ready = ctx.Queue()
        self.proc = ctx.Process(target=serve_farm, args=(self.spec, ready), daemon=True)
        self.proc.start()
        info = None
        for _ in range(240):
            try:
                info = ready.get(timeout=0.5)
                break
            except Exception:
                if not self.proc.is_alive():
                    break
        if info is None:
            raise RuntimeError("the feed farm did not start")
        self.feeds, self.control = info["feeds"], info["control"]
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.join(10)

    @property
    def articles(self) -> int:
        return int(self.spec["hosts"] * self.spec["per_host"])

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.control + "/stats", timeout=30) as r:
            return dict(json.loads(r.read()))


# -- the cluster -----------------------------------------------------------------------------
def _rabbitmqctl(*args: str, timeout: float = 60) -> str:
    exe = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    done = subprocess.run(
        [exe, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A fresh schema and vhost, and the processes of the distributed shape on this machine."""

    def __init__(
        self,
        pg_base: str,
        *,
        amqp_base: str = "amqp://guest:guest@127.0.0.1:5672",
        redis_url: str = "redis://127.0.0.1:6379/0",
        env: dict[str, str] | None = None,
        say: Callable[[str], None] = lambda m: None,
    ):
        self.pg_base, self.amqp_base, self.redis_url = pg_base, amqp_base, redis_url
        self.extra_env = dict(env or {})
        self.say = say
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="everyside-dist-"))

    def __enter__(self) -> Cluster:
        from everyside.store import open_store
        from everyside.store.scratch import create_schema

        self.vhost = f"everyside-{uuid.uuid4().hex[:10]}"
        _rabbitmqctl("add_vhost", self.vhost)
        _rabbitmqctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
        self.schema, self.db_url = create_schema(self.pg_base, "dist")
        open_store(self.db_url, migrate=True).close()
        self.broker_url = f"{self.amqp_base}/{self.vhost}"
        return self

    def __exit__(self, *exc: object) -> None:
        from everyside.store.scratch import drop_schema

        for name in list(self.procs):
            self.stop(name, timeout=10)
        try:
            self._forget_redis_keys()
            _rabbitmqctl("delete_vhost", self.vhost)
        except Exception as e:  # leave no error behind the real one
            self.say(f"could not delete vhost {self.vhost}: {e}")
        drop_schema(self.pg_base, self.schema)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _forget_redis_keys(self) -> None:
        import redis

        from everyside.distributed.tasks import namespace
        from everyside.settings import load_settings

        ns = namespace(load_settings(env=self.env()))
        r = redis.Redis.from_url(self.redis_url)
        for key in r.scan_iter(f"{ns}:*"):
            r.delete(key)

    # -- processes ---------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EVERYSIDE_")}
        env.update(
            EVERYSIDE_DATABASE_URL=self.db_url,
            EVERYSIDE_BROKER_URL=self.broker_url,
            EVERYSIDE_REDIS_URL=self.redis_url,
            EVERYSIDE_DATA_DIR=str(self.tmp / "data"),
            EVERYSIDE_SECRET_KEY="distributed-test-key-shared-by-every-replica",
            EVERYSIDE_ALLOW_PRIVATE_ADDRESSES="1",
            EVERYSIDE_BUNDLED_FEEDS="0",
            EVERYSIDE_WORKER_HEARTBEAT_SECONDS="1",
            EVERYSIDE_LOG_LEVEL="INFO",
            EVERYSIDE_CONFIG=str(self.tmp / "none.toml"),
        )
        env.update(self.extra_env)
        return env

    def _start(
        self, name: str, args: list[str], command: list[str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{name}.log").open("ab")
        env = self.env()
        (self.tmp / "none.toml").write_text("")
        proc = subprocess.Popen(
            [*(command or [sys.executable, "-m", "everyside"]), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group: kill -9 takes its children too
        )
        self.procs[name] = proc
        return proc

    def start_worker(
        self, name: str, concurrency: int = 1, queues: str = "", command: list[str] | None = None
    ) -> Any:
        """`everyside worker` (or `command` given the same arguments, for tests)."""
        args = ["worker", "--concurrency", str(concurrency), "--name", f"{name}@everyside"]
        if queues:
            args += ["--queues", queues]
        return self._start(name, args, command)

    def start_web(self, name: str, port: int, *, scheduler: bool) -> Any:
        cmd = ["up", "--distributed"] if scheduler else ["serve"]
        return self._start(name, [*cmd, "--port", str(port)])

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self, name: str) -> None:
        """kill -9 the process and its children (a machine or container that dies)."""
        proc = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)

    def stop(self, name: str, timeout: float = 30) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
        except ProcessLookupError:
            pass

    def close_broker_connections(self) -> int:
        """Close every connection of this vhost from the server side (as a broker restart
        or a network cut does); returns how many."""
        out = _rabbitmqctl("list_connections", "-q", "--no-table-headers", "pid", "vhost")
        pids = [
            line.split()[0]
            for line in out.splitlines()
            if line.strip() and line.split()[-1] == self.vhost
        ]
        for pid in pids:
            _rabbitmqctl("close_connection", pid, "everyside test: connection closed by server")
        return len(pids)

    # -- the store ---------------------------------------------------------------------------
    def register_feeds(self, urls: list[str]) -> int:
        from datetime import UTC, datetime

        from everyside.ingest.service import register_feeds
        from everyside.store import open_store

        store = open_store(self.db_url)
        try:
            return register_feeds(store, [(u, None, None) for u in urls], datetime.now(UTC), "user")
        finally:
            store.close()

    def counts(self) -> dict[str, int]:
        from everyside.services.workers import pipeline_counts
        from everyside.store import open_store

        store = open_store(self.db_url)
        try:
            return pipeline_counts(store)
        finally:
            store.close()

    def wait_for(
        self,
        done: Callable[[dict[str, int]], bool],
        timeout: float,
        what: str,
        every: float = 1.0,
    ) -> dict[str, int]:
        """Poll the counts until `done(counts)`; TimeoutError (with the counts and the tail of
        every log) after `timeout` seconds, so that a bug fails instead of hanging."""
        deadline = time.monotonic() + timeout
        while True:
            c = self.counts()
            if done(c):
                return c
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            if time.monotonic() > deadline or dead:
                tails = "\n".join(f"--- {n}\n{self.log(n)[-3000:]}" for n in self.procs)
                why = f"processes exited: {dead}" if dead else f"not after {timeout:.0f}s"
                raise TimeoutError(f"waiting for {what}: {why}; counts {c}\n{tails}")
            time.sleep(every)


def wait_http(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout:.0f}s")
        time.sleep(0.5)


def run_in_thread(fn: Callable[[], Any]) -> threading.Thread:
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    return t
