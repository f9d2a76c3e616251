"""`python tests/poison_worker.py worker …`: `everyside worker` with three more tasks on the
ingest queue, for tests/test_distributed.py. They use the pipeline's own task class
(`tasks.pipeline_task`), so they are counted, retried and dead-lettered like the real ones:

- `everyside.test.die(label)`: ends its own process (`os._exit`) on every delivery, as a crash
  in C code or the out-of-memory killer would; it counts its runs in Redis first;
- `everyside.test.die_once(label)`: ends its process on its first delivery only, then records
  itself done;
- `everyside.test.record(n)`: records `n` done (a set in Redis).

The keys live under the deployment's namespace, so `Cluster` removes them with the rest.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from everyside.distributed import tasks
from everyside.distributed.queues import INGEST

_register = tasks.register


def register(app: Any, settings: Any) -> None:
    _register(app, settings)
    import redis

    base = tasks.pipeline_task(settings)
    ns = tasks.namespace(settings)
    r = redis.Redis.from_url(settings.redis_url, socket_timeout=10)

    @app.task(name="everyside.test.die", base=base, queue=INGEST)
    def die(label: str) -> None:
        r.incr(f"{ns}:test:runs:{label}")
        os._exit(70)

    @app.task(name="everyside.test.die_once", base=base, queue=INGEST)
    def die_once(label: str) -> None:
        r.incr(f"{ns}:test:runs:{label}")
        if r.set(f"{ns}:test:died:{label}", 1, nx=True):
            os._exit(70)
        r.sadd(f"{ns}:test:done", label)

    @app.task(name="everyside.test.record", base=base, queue=INGEST)
    def record(n: int) -> None:
        r.sadd(f"{ns}:test:done", str(n))


tasks.register = register  # make_app imports it when it is called

if __name__ == "__main__":  # not when a spawned process re-imports this module
    from everyside.cli import main

    sys.argv = ["everyside", *sys.argv[1:]]
    main()
