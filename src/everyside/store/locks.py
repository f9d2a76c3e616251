"""Transaction-scoped locks for read-then-write statements that must not interleave.

SQLite needs none: every write transaction goes through the single writer (and a statement
holds the database's write lock). PostgreSQL runs writers side by side under READ COMMITTED,
so a delete-then-insert or a count-then-insert takes an advisory lock on its key first; the
lock is released when the transaction ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Connection, Engine, text


def advisory_lock(conn: Connection, key: str) -> None:
    """Wait for, then hold until the end of the transaction, the lock named `key`."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})


class HeldLock:
    """What `session_lock` yields: whether the lock was taken, and a check that it still is
    (its connection answers: a connection PostgreSQL closed took the lock with it)."""

    def __init__(self, conn: Connection, held: bool):
        self.conn = conn
        self.held = held

    def alive(self) -> bool:
        if not self.held:
            return False
        try:
            self.conn.execute(text("SELECT 1"))
            self.conn.commit()
        except Exception:
            self.held = False
        return self.held


@contextmanager
def session_lock(engine: Engine, name: str) -> Iterator[HeldLock]:
    """Try to take the PostgreSQL advisory lock `name` for as long as the block runs, on a
    connection of its own (so the lock outlives the block's transactions); never waits. The
    lock is namespaced by the current schema, so stores in different schemas of one database
    never share it. If the process dies, PostgreSQL releases the lock with its connection."""
    if engine.dialect.name != "postgresql":
        raise RuntimeError("session_lock needs PostgreSQL")
    with engine.connect() as conn:
        h = conn.execute(
            text("SELECT hashtext(:k || current_schema())"), {"k": name + ":"}
        ).scalar()
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:h)"), {"h": h}).scalar())
        conn.commit()
        lock = HeldLock(conn, got)
        try:
            yield lock
        finally:
            if lock.held:
                with suppress(Exception):  # a dead connection has released it already
                    conn.execute(text("SELECT pg_advisory_unlock(:h)"), {"h": h})
                    conn.commit()
