"""The store side of the distributed shape (issue 20): the one story assigner at a time, and
the workers' heartbeats.

`assign_exclusive` runs the pipeline's own clustering step (`pipeline.process_pending`, with
analysis handed to tasks) under a PostgreSQL advisory lock held on a connection of its own:
one assigner at a time in the whole system, whichever worker runs it. The engine state lives
in the process that assigns; when another process assigned since (the `assigner.owner` state
value names the last one), the engine is rebuilt from the store first, so a moved assigner
never works from a stale window.
"""

from __future__ import annotations

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

ASSIGNER_LOCK = "everyside.assigner"
OWNER_KEY = "assigner.owner"


def assign_exclusive(
    store: Store,
    settings: Settings,
    now: Callable[[], datetime],
    owner: str,
    analyse_later: Callable[[set[int]], None],
) -> int | None:
    """Assign every article without a story if no other process is assigning; returns the
    number of stories changed, or None when another process holds the assigner lock.

    After releasing the lock it looks again: articles written while it held the lock, whose
    own trigger found the lock taken, are assigned by this call (loop), not stranded."""
    if store.is_sqlite:
        raise RuntimeError("the distributed shape needs PostgreSQL (database_url)")
    total = 0
    while True:
        with session_lock(store.engine, ASSIGNER_LOCK) as got:
            if not got:
                return None if total == 0 else total
            with store.read() as conn:
                last = get_value(conn, OWNER_KEY)
            if last != owner:  # another process assigned since: rebuild the engine from the store
                forget(store)
                store.write(lambda conn: set_value(conn, OWNER_KEY, owner, now()))
            report = pipeline.process_pending(store, settings, now(), analyse_later=analyse_later)
            total += report.stories_changed
        if pending_work(store)[0] == 0:
            return total


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
