"""`everyside worker`: a Celery worker of the pipeline's queues, with heartbeats and a sweep.

Besides Celery's own worker, the main process starts the assigner candidate (a process of
its own, `distributed/assigner.py`, unless `--queues` leaves `assign` out) and runs a
heartbeat thread: every `worker_heartbeat_seconds` it reads the queue depths from the broker
and rewrites the worker's row in `worker_heartbeats` (what /-/health.json and /-/metrics
report). A worker that stops cleanly
removes its row; one that was killed keeps it, shown as not alive once it is stale.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from celery import Celery, signals

from everyside.distributed.app import (
    ASSIGN,
    QUEUE_NAMES,
    check_broker,
    make_app,
    queue_depths,
)
from everyside.distributed.tasks import namespace, runtime
from everyside.errors import ConfigError
from everyside.services import workers as svc
from everyside.settings import Settings
from everyside.store import Store, open_store

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Heartbeat:
    def __init__(self, app: Celery, settings: Settings, store: Store, name: str, queues: str):
        import redis

        self.app, self.settings, self.store = app, settings, store
        self.name, self.queues = name, queues
        self.redis = redis.Redis.from_url(settings.redis_url, socket_timeout=10)
        self.started_at = utcnow()
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="everyside-heartbeat")

    def start(self, **_: Any) -> None:
        if not self.thread.is_alive():
            self.thread.start()

    def stop(self, **_: Any) -> None:
        self.stop_event.set()
        self.thread.join(timeout=10)
        try:
            svc.forget_worker(self.store, self.name)
        except Exception:
            log.warning("could not remove the heartbeat of %s", self.name, exc_info=True)

    def beat(self) -> None:
        depths = queue_depths(self.app)
        done = int(self.redis.get(f"{namespace(self.settings)}:done:{self.name}") or 0)
        svc.heartbeat(
            self.store,
            self.name,
            utcnow(),
            host=socket.gethostname(),
            pid=os.getpid(),
            queues=self.queues,
            started_at=self.started_at,
            tasks_done=done,
            queue_depths=depths,
        )

    def _run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.beat()
            except Exception as e:  # the broker or the store is away: say so, keep beating
                log.warning("heartbeat of %s failed: %s: %s", self.name, type(e).__name__, e)
            self.stop_event.wait(float(self.settings.worker_heartbeat_seconds))


def queue_list(spec: str) -> list[str]:
    """`ingest,assign,analyse` (short names) to queue names; raises ConfigError."""
    names = [q.strip() for q in spec.split(",") if q.strip()]
    bad = [q for q in names if q not in QUEUE_NAMES]
    if bad or not names:
        raise ConfigError(
            f"unknown queue(s) {', '.join(bad) or spec!r}; use any of " + ", ".join(QUEUE_NAMES)
        )
    return [QUEUE_NAMES[q] for q in names]


def run_worker(settings: Settings, queues: str, concurrency: int, name: str | None = None) -> int:
    """Run a worker until it is stopped (SIGTERM, Ctrl-C); returns its exit code."""
    qnames = queue_list(queues)
    assigner = ASSIGN in qnames
    qnames = [q for q in qnames if q != ASSIGN]
    store = open_store(settings.db_url, migrate=False)
    if store.is_sqlite:
        raise ConfigError(
            "`everyside worker` needs PostgreSQL: set database_url (EVERYSIDE_DATABASE_URL) to "
            "the postgresql:// URL every worker and web replica shares"
        )
    app = make_app(settings)
    check_broker(app, settings)
    nodename = name or f"everyside-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
    beat = Heartbeat(app, settings, store, nodename, ",".join(qnames + [ASSIGN] * assigner))
    signals.worker_ready.connect(beat.start, weak=False)
    # each pool process loads its runtime (outlet directory, language and embedding models,
    # the duplicate index) when it starts, not on its first task
    signals.worker_process_init.connect(
        lambda **_: runtime(settings, app).mark_ready(nodename), weak=False
    )
    signals.worker_shutdown.connect(beat.stop, weak=False)
    candidate = None
    if assigner:
        import multiprocessing

        from everyside.distributed.assigner import assigner_main

        ctx = multiprocessing.get_context("spawn")
        candidate = ctx.Process(target=assigner_main, args=(settings,), name="everyside-assigner")
        candidate.start()
    if not qnames:  # an assigner only
        return _assigner_only(candidate, beat)
    worker = app.Worker(
        hostname=nodename,
        queues=qnames,
        concurrency=max(1, concurrency),
        pool="prefork",
        loglevel=settings.log_level,
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
        optimization="fair",
    )
    try:
        worker.start()
    finally:
        if candidate is not None:
            candidate.terminate()
            candidate.join(30)
    return int(getattr(worker, "exitcode", 0) or 0)


def _assigner_only(candidate: Any, beat: Heartbeat) -> int:
    """`--queues assign`: the assigner process and the heartbeat, no Celery pool."""
    import signal

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    beat.start()
    try:
        while not stop.wait(1.0) and candidate.is_alive():
            pass
    except KeyboardInterrupt:
        pass
    finally:
        candidate.terminate()
        candidate.join(30)
        beat.stop()
    return 0
