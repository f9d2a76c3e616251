"""The assigner process a worker starts beside Celery's (with `--queues` including `assign`).

Every such process is a candidate; the one holding the PostgreSQL advisory lock is the
assigner of the whole system (`services.workers.run_assigner`), the others wait to take over.
It is a process of its own, not a task in the pool: it keeps the lock and its engine between
batches (a task would give the lock up after each batch, and the next batch could land on
another process, which would rebuild the engine from the store every time), and it never
holds a pool slot or an unacknowledged message. It lives in the worker's process group, so
whatever kills the worker kills it too, and it stops when its parent is gone.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from datetime import UTC, datetime

from everyside.settings import Settings

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def assigner_main(settings: Settings) -> None:
    """Entry point of the assigner process (multiprocessing target)."""
    from everyside.distributed.app import make_app, queue_depths
    from everyside.distributed.queues import ANALYSE
    from everyside.distributed.tasks import ANALYSE_CHUNK
    from everyside.services.workers import run_assigner
    from everyside.store import open_store

    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    parent = os.getppid()

    def orphaned() -> None:  # the worker is gone (killed alone): stop too
        while not stop.wait(1.0):
            if os.getppid() != parent:
                stop.set()

    threading.Thread(target=orphaned, daemon=True).start()
    app = make_app(settings)
    store = open_store(settings.db_url, migrate=False)
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def analyse_later(ids: set[int]) -> None:
        ordered = sorted(ids)
        for i in range(0, len(ordered), ANALYSE_CHUNK):
            app.send_task(
                "everyside.analyse",
                args=[ordered[i : i + ANALYSE_CHUNK]],
                queue=ANALYSE,
                routing_key=ANALYSE,
            )

    def analysis_idle() -> bool:
        try:
            return queue_depths(app).get(ANALYSE, 0) == 0
        except Exception:
            return False

    try:
        run_assigner(store, settings, utcnow, owner, analyse_later, stop, analysis_idle)
    finally:
        store.close()
