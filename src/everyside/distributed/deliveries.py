"""The poison-message guard: tries of a message that began and never ended, counted in Redis.

A task that raises is retried and then dead-lettered by Celery's own machinery (`tasks.py`).
A message whose processing *kills* its worker process never raises: a crash in C code,
`os._exit`, the kernel's out-of-memory killer, a container killed whole. With `acks_late` and
`task_reject_on_worker_lost` the broker delivers it again, and without a count it would come
back for ever, taking a pool process down each time.

So every try of a task is counted before its work starts, and marked finished when it raised
(the message is retried) or forgotten when it returned: one Redis hash per task id (Celery
keeps the id across retries), with `started` and `finished`. When a message arrives, the tries
spent on it are `started - 1`, and those that began and never finished (`started - 1 -
finished`) died with their process. Once the tries spent reach `task_max_tries` and at least one
of them died, the delivery is not run: the message goes to the dead-letter queue with the
reason ("worker died while processing it 3 times") and is acknowledged.

The count lives in Redis, not in a pool's parent process, so it holds whichever process died:
the pool child, the whole worker, or the machine, and whichever worker gets the message next.
A try whose broker connection was cut while it ran and whose message was delivered elsewhere
before it finished counts as a death too; it takes `task_max_tries` such cuts on one message to
dead-letter it. If Redis cannot be reached the try runs uncounted (logged): the guard is a
safety net, never a reason to drop or stall work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
TTL_S = 7 * 24 * 3600  # a count outlives any retry pause and a long broker outage


@dataclass(frozen=True)
class Tries:
    """What Redis knew when a delivery started (this delivery included in `started`)."""

    started: int
    finished: int

    @property
    def spent(self) -> int:
        """Tries before this one (raised or died)."""
        return max(0, self.started - 1)

    @property
    def died(self) -> int:
        """Tries before this one that began and never finished: their process died."""
        return max(0, self.started - 1 - self.finished)


def died_reason(died: int) -> str:
    return f"worker died while processing it {died} time{'' if died == 1 else 's'}"


class Deliveries:
    """The counts of one deployment (`{namespace}:tries:{task id}`)."""

    def __init__(self, redis_client: Any, namespace: str, ttl_s: int = TTL_S):
        self.redis = redis_client
        self.prefix = f"{namespace}:tries:"
        self.ttl_s = ttl_s

    @classmethod
    def from_url(cls, url: str, namespace: str) -> Deliveries:
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5), namespace)

    def start(self, task_id: str) -> Tries | None:
        """Count one more try of `task_id` (before its work); None if Redis is away."""
        key = self.prefix + task_id
        try:
            pipe = self.redis.pipeline()  # MULTI/EXEC: one round trip, atomic
            pipe.hincrby(key, "started", 1)
            pipe.hget(key, "finished")
            pipe.expire(key, self.ttl_s)
            started, finished, _ = pipe.execute()
        except Exception as e:
            log.warning("cannot count the try of task %s (%s: %s): it runs uncounted",
                        task_id, type(e).__name__, e)  # fmt: skip
            return None
        return Tries(int(started), int(finished or 0))

    def finished(self, task_id: str) -> None:
        """The try raised (its process lived): it is spent but did not die."""
        try:
            self.redis.hincrby(self.prefix + task_id, "finished", 1)
        except Exception as e:
            log.warning("cannot mark the try of task %s finished (%s: %s)",
                        task_id, type(e).__name__, e)  # fmt: skip

    def forget(self, task_id: str) -> None:
        """The message is done with (returned, or dead-lettered)."""
        try:
            self.redis.delete(self.prefix + task_id)
        except Exception as e:
            log.warning("cannot forget the tries of task %s (%s: %s)",
                        task_id, type(e).__name__, e)  # fmt: skip
