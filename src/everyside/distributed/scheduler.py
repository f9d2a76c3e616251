"""What `everyside up --distributed` runs beside the web server instead of the ingest loop:
the due feeds become `poll_feed` messages.

Each due feed is leased first (its next check moved `LEASE_S` ahead, in one transaction for
the batch), then published; the poll task writes the real schedule when it is done. A poll
lost with its worker is redelivered by the broker (acks_late); one whose message never left
is polled again when the lease ends.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from everyside.distributed.app import INGEST, check_broker, make_app
from everyside.services import feeds as storage
from everyside.services import pipeline
from everyside.settings import Settings
from everyside.store import Store

log = logging.getLogger(__name__)
LEASE_S = 600.0
IDLE_MAX_S = 5.0


def enqueue_due(store: Store, settings: Settings, app: Any, now: datetime) -> int:
    """Lease and publish every due feed; returns how many."""
    with store.read() as conn:
        due = storage.due_feeds(conn, now, bundled=settings.bundled_feeds)
    if not due:
        return 0
    until = now + timedelta(seconds=LEASE_S)

    def lease(conn: Any) -> None:
        for f in due:
            storage.update_feed(conn, f.id, next_check_at=until)

    store.write(lease)
    for f in due:
        app.send_task("everyside.poll_feed", args=[f.id], queue=INGEST, routing_key=INGEST)
    return len(due)


def run_scheduler(
    store: Store, settings: Settings, stop: threading.Event, clock: Callable[[], datetime]
) -> None:
    """Publish due feeds until `stop` (the broker is checked first: ConfigError if away)."""
    if store.is_sqlite:
        raise RuntimeError("the distributed shape needs PostgreSQL (database_url)")
    app = make_app(settings)
    check_broker(app, settings)
    if settings.bundled_feeds:
        from everyside.ingest.service import sync_bundled_feeds

        sync_bundled_feeds(store, clock())
    if pipeline.ensure_directory(store, clock()):
        pipeline.refresh_ratings(store, settings, clock())
    pause = 1.0
    while not stop.is_set():
        try:
            n = enqueue_due(store, settings, app, storage.aware(clock()))
            if n:
                log.info("scheduler: %d feeds due, published", n)
            pause = 1.0
        except Exception:
            log.exception("scheduler: publishing due feeds failed; retrying in %.0f s", pause)
            pause = min(60.0, pause * 2)
        stop.wait(min(pause, IDLE_MAX_S))
