"""Transaction-scoped locks for read-then-write statements that must not interleave.

SQLite needs none: every write transaction goes through the single writer (and a statement
holds the database's write lock). PostgreSQL runs writers side by side under READ COMMITTED,
so a delete-then-insert or a count-then-insert takes an advisory lock on its key first; the
lock is released when the transaction ends.
"""

from __future__ import annotations

from sqlalchemy import Connection, text


def advisory_lock(conn: Connection, key: str) -> None:
    """Wait for, then hold until the end of the transaction, the lock named `key`."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
