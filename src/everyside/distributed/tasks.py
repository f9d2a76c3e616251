"""The pipeline's tasks and the per-process runtime that runs them.

Each pool process (Celery's prefork child) opens its own `Runtime` when it starts: the
store, an event loop in a thread, and one `Ingestor` (the single-process ingest engine: its
fetcher, with the politeness turns shared in Redis; robots.txt; the extractor in process; the
one write path with its duplicate index rebuilt from the store). The tasks call that engine's
own steps:

- `poll_feed(feed_id)`: `Ingestor._poll` — conditional GET, parse, the entries not stored yet,
  the feed's validators and schedule, failures recorded on the feed — except that the new
  entries are handed to `fetch_article` tasks (one message each) instead of read in process.
  The messages are published before the feed's validators are written: a poll killed between
  the two is redelivered and publishes them again, which the next step makes harmless.
- `fetch_article(feed_id, feed_title, key, entry)`: robots.txt, the page, extraction
  (`PageReader.read_many`), then the one write path (`ArticleWriter`). The unique canonical
  key makes a redelivered message a no-op: a stored key is skipped before fetching, and a
  concurrent duplicate loses on the unique index, is retried and then finds the key stored.
  Story assignment is not a task: the assigner process (`distributed/assigner.py`, one lock
  holder in the system) picks up what has no story and publishes the `analyse` tasks.
- `analyse(story_ids)`: coverage and summaries (`pipeline.analyse`), any worker, in parallel.

Every task has `pipeline_task`'s class: retried when it raises, counted before each try so a
message that kills its process is dead-lettered too (`deliveries`), `task_max_tries` in all.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
from collections.abc import Coroutine
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, TypeVar

from celery import Celery, Task
from celery.exceptions import Reject

from everyside.distributed.deliveries import Deliveries, Tries, died_reason
from everyside.distributed.queues import ANALYSE, DEAD_QUEUE, DLX, INGEST
from everyside.ingest.articles import Candidate
from everyside.ingest.extract import Extractor
from everyside.ingest.feeds import Entry
from everyside.ingest.round import Ingestor, RoundResult
from everyside.services import feeds as storage
from everyside.services import pipeline
from everyside.services import workers as svc
from everyside.settings import Settings
from everyside.store import Store, open_store

log = logging.getLogger(__name__)
T = TypeVar("T")
ANALYSE_CHUNK = 25  # stories per analysis task
TASK_TIMEOUT_S = 600.0  # the longest one step of a task may take on the runtime's loop


def utcnow() -> datetime:
    return datetime.now(UTC)


def namespace(settings: Settings) -> str:
    """Redis keys of one deployment (its broker), so two deployments never share turns."""
    return "everyside:" + hashlib.sha1(settings.broker_url.encode()).hexdigest()[:10]


def entry_json(e: Entry) -> dict[str, Any]:
    d = asdict(e)
    d["published"] = e.published.isoformat() if e.published else None
    return d


def entry_from_json(d: dict[str, Any]) -> Entry:
    d = dict(d)
    if d.get("published"):
        d["published"] = datetime.fromisoformat(d["published"])
    return Entry(**d)


class Runtime:
    """What one pool process keeps between tasks: made when the process starts
    (`worker_process_init`, so the first task does not wait for the models), else on its
    first task; never before the fork."""

    def __init__(self, settings: Settings, app: Celery):
        import redis

        from everyside.distributed.politeness import SharedHostGate

        self.settings = settings.replace(extract_workers=1)  # Celery's processes are the pool
        self.app = app
        self.pid = os.getpid()
        self.ns = namespace(settings)
        self.store: Store = open_store(settings.db_url, migrate=False)
        if self.store.is_sqlite:
            raise RuntimeError("the distributed shape needs PostgreSQL (database_url)")
        self.redis = redis.Redis.from_url(settings.redis_url, socket_timeout=10)
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True, name="everyside-io").start()
        s = self.settings
        gate = SharedHostGate(
            s.redis_url, s.per_host_concurrency, s.politeness_delay, namespace=self.ns
        )
        self.ingestor = Ingestor(self.store, s, extractor=Extractor(1), gate=gate)
        self.run(self.ingestor.__aenter__())
        self.run(self.ingestor.rebuild_index(utcnow()))
        log.info("worker process %d ready", self.pid)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(TASK_TIMEOUT_S)

    # -- the steps ---------------------------------------------------------------------------
    def poll(self, feed_id: int, fetch: Any) -> RoundResult:
        with self.store.read() as conn:
            feed = storage.get_feed(conn, feed_id)
        result = RoundResult(feeds=1)
        if feed is None or not feed.active:
            return result
        now = utcnow()
        ing = self.ingestor

        class Deferred:  # stands for the PageReader: one fetch task per new entry
            async def read_many(self, cands: list[Candidate], title: str | None, _now: Any) -> list:
                for c in cands:
                    fetch.apply_async(args=[feed_id, title, c.key, entry_json(c.entry)])
                return []

        async def go() -> None:
            await ing._poll(feed, now, result, pages=Deferred())
            while not ing._commits.empty():
                c = ing._commits.get_nowait()
                if c is not None:
                    await ing._write_batch([c], result)
            await ing._flush()

        self.run(go())
        pipeline.record_round(self.store, result, now)
        return result

    def fetch(self, feed_id: int, title: str | None, key: str, entry: dict[str, Any]) -> int:
        """Returns the number of articles inserted (0 for a redelivered message)."""
        cand = Candidate(key, entry_from_json(entry))
        with self.store.read() as conn:
            feed = storage.get_feed(conn, feed_id)
            known = storage.existing_articles(conn, [key])
        if feed is None or key in known:
            return 0
        now = utcnow()
        ing = self.ingestor
        drafts = self.run(ing.pages.read_many([cand], title, now))
        rows = [p for p in (ing._prepare(d, fp, feed) for d, fp in drafts) if p is not None]
        if not rows:
            return 0
        assert ing.writer is not None
        ing.writer.catch_up(self.store, now)  # near-duplicates other workers stored meanwhile
        written = ing.writer.write_batch(self.store, rows, now)
        return len(written.inserted)

    def analyse(self, story_ids: list[int]) -> int:
        return svc.analyse(self.store, self.settings, [int(i) for i in story_ids], utcnow())

    def mark_ready(self, hostname: str) -> None:
        """Count this pool process as loaded (`{namespace}:ready:{node}`, for benchmarks)."""
        self.redis.incr(f"{self.ns}:ready:{hostname}")

    def count_done(self, hostname: str | None) -> None:
        try:
            self.redis.incr(f"{self.ns}:done:{hostname}")
        except Exception:  # bookkeeping only
            log.debug("could not count a finished task", exc_info=True)


_RUNTIME: Runtime | None = None
_RUNTIME_LOCK = threading.Lock()


def runtime(settings: Settings, app: Celery) -> Runtime:
    global _RUNTIME
    with _RUNTIME_LOCK:
        if _RUNTIME is None or _RUNTIME.pid != os.getpid():  # made after the fork
            _RUNTIME = Runtime(settings, app)
        return _RUNTIME


_DELIVERIES: Deliveries | None = None
_DELIVERIES_PID = 0


def deliveries(settings: Settings) -> Deliveries:
    """This process's poison-message guard (its own Redis client, made after the fork)."""
    global _DELIVERIES, _DELIVERIES_PID
    with _RUNTIME_LOCK:
        if _DELIVERIES is None or os.getpid() != _DELIVERIES_PID:
            _DELIVERIES = Deliveries.from_url(settings.redis_url, namespace(settings))
            _DELIVERIES_PID = os.getpid()
        return _DELIVERIES


def pipeline_task(settings: Settings) -> type[Task]:
    """The base class of the pipeline's tasks: acks late, retried on any error, and
    dead-lettered after `task_max_tries` tries, whether they raised or killed their process."""
    max_tries = max(1, int(settings.task_max_tries))

    class PipelineTask(Task):  # type: ignore[misc]
        acks_late = True
        reject_on_worker_lost = True
        autoretry_for = (Exception,)
        max_retries = max_tries - 1
        retry_backoff = 1
        retry_backoff_max = 30
        retry_jitter = True

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            """Count the try before its work (`deliveries`); a message whose earlier tries
            killed their process until none is left goes to the dead letters unrun."""
            if self.request.called_directly or not self.request.id:  # no message: no count
                return super().__call__(*args, **kwargs)
            guard = deliveries(settings)
            task_id = str(self.request.id)
            tries = guard.start(task_id)
            if tries is None:  # Redis is away: run uncounted (logged)
                return super().__call__(*args, **kwargs)
            if tries.died and tries.spent >= max_tries:
                self.dead_letter_lost(tries, args, kwargs)
                guard.forget(task_id)
                return None
            self.request.everyside_died = tries.died
            self.request.everyside_ended = False
            returned = False
            try:
                result = super().__call__(*args, **kwargs)
                returned = True
                return result
            finally:
                if returned:
                    guard.forget(task_id)
                else:
                    self.end_try()

        def end_try(self) -> None:
            """The try raised and its process lives: spent, not died (once per try)."""
            if not getattr(self.request, "everyside_ended", True):
                self.request.everyside_ended = True
                deliveries(settings).finished(str(self.request.id))

        def retry(self, *args: Any, **kwargs: Any) -> Any:
            # before the retry is published: its try may start elsewhere at once, and must
            # not take this one for a death
            self.end_try()
            return super().retry(*args, **kwargs)

        def dead_letter(self, body: dict[str, Any]) -> None:
            with self.app.producer_or_acquire() as producer:
                producer.publish(
                    body,
                    exchange=DLX,
                    routing_key="dead",
                    declare=[DEAD_QUEUE],
                    serializer="json",
                    delivery_mode=2,
                    retry=True,
                )

        def dead_letter_lost(self, tries: Tries, args: Any, kwargs: Any) -> None:
            reason = died_reason(tries.died)
            body = {
                "task": self.name,
                "id": self.request.id,
                "args": list(args or []),
                "kwargs": dict(kwargs or {}),
                "error": f"WorkerLostError: {reason}",
                "reason": reason,
                "traceback": "",
                "tries": tries.spent,
                "died": tries.died,
                "failed_at": utcnow().isoformat(),
            }
            log.error("task %s %s dead-lettered unrun: %s (%d tries spent)",
                      self.name, self.request.id, reason, tries.spent)  # fmt: skip
            try:
                self.dead_letter(body)
            except Exception as e:  # the broker is away: deliver it again, decide again
                raise Reject(f"could not dead-letter: {type(e).__name__}: {e}", requeue=True) from e

        def on_failure(
            self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
        ) -> None:
            """The last try failed: the message goes to the dead-letter queue with its error
            (the work queue acknowledges it: it never blocks the queue)."""
            tries = int(self.request.retries or 0) + 1
            died = int(getattr(self.request, "everyside_died", 0) or 0)
            reason = f"failed {tries} time{'' if tries == 1 else 's'}: {type(exc).__name__}"
            if died:
                reason += f"; {died_reason(died)}"
            body = {
                "task": self.name,
                "id": task_id,
                "args": list(args or []),
                "kwargs": dict(kwargs or {}),
                "error": f"{type(exc).__name__}: {exc}",
                "reason": reason,
                "traceback": str(einfo)[-4000:],
                "tries": tries,
                "died": died,
                "failed_at": utcnow().isoformat(),
            }
            log.error("task %s %s failed after %d tries: %s", self.name, task_id,
                      body["tries"], body["error"])  # fmt: skip
            self.dead_letter(body)
            deliveries(settings).forget(task_id)

        def after_return(self, *args: Any, **kwargs: Any) -> None:
            if _RUNTIME is not None:
                _RUNTIME.count_done(self.request.hostname)

    return PipelineTask


def register(app: Celery, settings: Settings) -> None:
    """Register the tasks on `app` (their settings are the app's)."""
    PipelineTask = pipeline_task(settings)

    def rt() -> Runtime:
        return runtime(settings, app)

    @app.task(name="everyside.fetch_article", base=PipelineTask, queue=INGEST)
    def fetch_article(feed_id: int, title: str | None, key: str, entry: dict[str, Any]) -> int:
        return rt().fetch(feed_id, title, key, entry)

    @app.task(name="everyside.poll_feed", base=PipelineTask, queue=INGEST)
    def poll_feed(feed_id: int) -> int:
        return rt().poll(feed_id, fetch_article).failed

    @app.task(name="everyside.analyse", base=PipelineTask, queue=ANALYSE)
    def analyse(story_ids: list[int]) -> int:
        return rt().analyse(story_ids)
