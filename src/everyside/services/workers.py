"""The store side of the distributed shape (issue 20): the one story assigner at a time, and
the workers' heartbeats.

`run_assigner` runs the pipeline's own clustering step (`pipeline.process_pending`, with
analysis handed to tasks) under a PostgreSQL advisory lock held on a connection of its own:
one assigner at a time in the whole system. Every worker runs a candidate; the one holding
the lock keeps it while it lives, so its engine state never goes stale; when it dies,
PostgreSQL releases the lock and another candidate takes it, rebuilding the engine from the
store first (the `assigner.owner` state value names the current one).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from everyside.services import pipeline
from everyside.services.stories import forget
from everyside.settings import Settings
from everyside.store import Store
from everyside.store import workers as rows
from everyside.store.articles import count_unassigned
from everyside.store.locks import session_lock
from everyside.store.state import get_value, set_value
from everyside.store.stories import due_stories

log = logging.getLogger(__name__)
ASSIGNER_LOCK = "everyside.assigner"
OWNER_KEY = "assigner.owner"


def run_assigner(
    store: Store,
    settings: Settings,
    now: Callable[[], datetime],
    owner: str,
    analyse_later: Callable[[set[int]], None],
    stop: threading.Event,
    analysis_idle: Callable[[], bool],
    *,
    poll_s: float = 0.5,
    retry_s: float = 2.0,
    due_check_s: float = 10.0,
) -> None:
    """Be the assigner when the lock is free, until `stop`.

    Without the lock: try again every `retry_s` seconds (the holder died: PostgreSQL released
    its lock with its connection). With it: the engine is rebuilt from the store (another
    process may have assigned before), then every `poll_s` seconds whatever has no story is
    assigned in one go (batching what arrived) and the changed stories handed to
    `analyse_later`; stories still marked for analysis are handed again every `due_check_s`
    when `analysis_idle()` says no analysis is queued (their messages were lost). The lock is
    held as long as this process lives, so the engine never goes stale and is never rebuilt
    while the same process assigns."""
    if store.is_sqlite:
        raise RuntimeError("the distributed shape needs PostgreSQL (database_url)")
    while not stop.is_set():
        try:
            with session_lock(store.engine, ASSIGNER_LOCK) as lock:
                if not lock.held:
                    stop.wait(retry_s)
                    continue
                log.info("assigner: this process (%s) holds the assigner lock", owner)
                forget(store)  # rebuilt from the store on first use
                store.write(lambda conn: set_value(conn, OWNER_KEY, owner, now()))
                checked = 0.0
                while not stop.is_set() and lock.alive():
                    unassigned, due = pending_work(store)
                    due_turn = due and time.monotonic() - checked > due_check_s
                    if unassigned or (due_turn and analysis_idle()):
                        checked = time.monotonic()
                        pipeline.process_pending(
                            store, settings, now(), analyse_later=analyse_later
                        )
                    else:
                        stop.wait(poll_s)
        except Exception:
            log.exception("assigner: failed; releasing the lock and retrying")
            stop.wait(retry_s)
        finally:
            forget(store)


def assigner_owner(store: Store) -> str | None:
    with store.read() as conn:
        value = get_value(conn, OWNER_KEY)
    return str(value) if value is not None else None


def pending_work(store: Store) -> tuple[int, int]:
    """(articles without a story, stories waiting for analysis)."""
    with store.read() as conn:
        return count_unassigned(conn), len(due_stories(conn))


def analyse(store: Store, settings: Settings, story_ids: list[int], now: datetime) -> int:
    """Coverage and summaries of those stories still marked `analysis_due` (the analysis
    task): the pipeline's own step. A story analysed by an earlier task since its last change
    has no mark any more and is skipped, so the tasks queued while a story grew collapse into
    one analysis of its latest state. Returns how many stories were analysed."""
    with store.read() as conn:
        due = sorted(due_stories(conn, story_ids))
    if due:
        pipeline.analyse(store, settings, due, now, pipeline.ProcessReport())
    return len(due)


def heartbeat(store: Store, name: str, now: datetime, **values: Any) -> None:
    store.write(lambda conn: rows.beat(conn, name, now=now, **values))


def forget_worker(store: Store, name: str) -> None:
    store.write(lambda conn: rows.forget(conn, name))


def pipeline_counts(store: Store) -> dict[str, int]:
    with store.read() as conn:
        return rows.pipeline_counts(conn)
