"""The Celery application of the distributed shape, built from the settings.

Delivery is at least once and effects are idempotent: `task_acks_late` acknowledges a message
only after its task returned, `task_reject_on_worker_lost` puts it back when the worker process
died under it (kill -9, out of memory), and `worker_prefetch_multiplier = 1` keeps a worker
from holding messages it is not working on. A task that raises is retried (`task_max_tries`
tries in all, with a growing pause); after the last, its message goes to the dead-letter queue
with its error (`tasks.PipelineTask.on_failure`), acknowledged on the work queue so it never
blocks it. A message whose tries kill their worker process instead of raising (a crash, the
out-of-memory killer) is counted in Redis before each try (`deliveries`) and dead-lettered
unrun once `task_max_tries` are spent. The work queues also name the dead-letter exchange
(`x-dead-letter-exchange`), so a message the broker or Celery rejects (undecodable, unknown
task) lands there too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from celery import Celery

from everyside.distributed.queues import (  # noqa: F401  (re-exported)
    ANALYSE,
    ASSIGN,
    DEAD,
    DEAD_QUEUE,
    DLX,
    EXCHANGE,
    INGEST,
    QUEUE_NAMES,
    WORK_QUEUES,
    work_queue,
)
from everyside.errors import ConfigError
from everyside.settings import Settings


def make_app(settings: Settings) -> Celery:
    """A Celery app for these settings, with the pipeline's tasks registered."""
    app = Celery("everyside", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_queues=[work_queue(q) for q in WORK_QUEUES],
        task_default_queue=INGEST,
        task_default_exchange=EXCHANGE.name,
        task_default_routing_key=INGEST,
        task_serializer="json",
        accept_content=["json"],
        result_backend=None,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,  # a failed task has gone to the dead letters
        worker_prefetch_multiplier=1,
        worker_proc_alive_timeout=180.0,  # a pool process loads its models when it starts
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_send_sent_event=False,
        # at start, fail with our own message (check_broker) instead of retrying silently;
        # once running, reconnect (the broker restarted or closed the connection)
        broker_connection_retry_on_startup=False,
        broker_connection_retry=True,
        broker_connection_max_retries=None,
        broker_connection_timeout=5.0,
        broker_heartbeat=30,
        task_publish_retry=True,
        task_publish_retry_policy={
            "max_retries": 10,
            "interval_start": 0.2,
            "interval_step": 0.5,
            "interval_max": 3.0,
        },
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    from everyside.distributed.tasks import register

    register(app, settings)
    return app


def redacted(url: str) -> str:
    """`url` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def check_broker(app: Celery, settings: Settings, timeout: float = 5.0) -> None:
    """Connect to the broker and to Redis once, within `timeout` seconds, and declare the
    queues; raise ConfigError saying what is unreachable (never hang at start)."""
    conn = app.connection_for_write()
    try:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
        with conn.channel() as ch:
            for q in (*[work_queue(n) for n in WORK_QUEUES], DEAD_QUEUE):
                q.bind(ch).declare()
    except Exception as e:
        raise ConfigError(
            f"cannot reach the message broker at {redacted(settings.broker_url)} "
            f"({type(e).__name__}: {e}); start RabbitMQ or set broker_url "
            "(EVERYSIDE_BROKER_URL)"
        ) from None
    finally:
        conn.release()
    import redis

    try:
        redis.Redis.from_url(
            settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
        ).ping()
    except Exception as e:
        raise ConfigError(
            f"cannot reach Redis at {redacted(settings.redis_url)} ({type(e).__name__}: {e}); "
            "start Redis or set redis_url (EVERYSIDE_REDIS_URL)"
        ) from None


def queue_depths(app: Celery) -> dict[str, int]:
    """Messages ready in each queue (the dead-letter queue included), read from the broker."""
    out: dict[str, int] = {}
    with app.connection_for_write() as conn, conn.channel() as ch:
        for name in (*WORK_QUEUES, DEAD):
            try:
                _, count, _ = ch.queue_declare(queue=name, passive=True)
            except Exception:  # not declared yet: the channel is closed by the broker
                ch = conn.channel()
                count = 0
            out[name] = int(count)
    return out


def dead_letters(app: Celery, limit: int = 1000) -> list[dict[str, Any]]:
    """Take up to `limit` messages off the dead-letter queue (tests and operators)."""
    out: list[dict[str, Any]] = []
    with app.connection_for_write() as conn:
        q = DEAD_QUEUE.bind(conn.default_channel)
        q.declare()
        while len(out) < limit:
            msg = q.get(no_ack=False)
            if msg is None:
                break
            out.append({"body": msg.decode() if msg.body else None, "headers": msg.headers})
            msg.ack()
    return out
