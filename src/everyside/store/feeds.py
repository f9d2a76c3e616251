"""Feed rows: what the ingest engine reads and writes about feeds (its articles go through the
one write path, `everyside.services.articles`).

Crash safety rests on one rule: a feed's validators (ETag/Last-Modified) and its schedule are
written in the *same* transaction as the articles found in it. A round killed before that
commit leaves the feed as it was, so the restart re-reads it; the unique `articles.key` makes
re-storing idempotent. Times are aware UTC in Python and naive UTC in the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from everyside.domain.feed_health import FeedOutcome
from everyside.domain.times import from_db, to_db
from everyside.domain.times import utc as aware
from everyside.store import schema as t

__all__ = ["FeedRow", "aware", "from_db", "to_db"]


@dataclass
class FeedRow:
    id: int
    url: str
    title: str | None
    kind: str | None
    origin: str
    active: bool
    outlet_id: int | None
    etag: str | None
    last_modified: str | None
    last_checked_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    error_count: int
    next_check_at: datetime | None
    interval_s: float | None
    entries_seen: int

    @classmethod
    def from_row(cls, row: Any) -> FeedRow:
        m = row._mapping
        vals = {f.name: m[f.name] for f in fields(cls)}
        for k in ("last_checked_at", "last_success_at", "next_check_at"):
            vals[k] = from_db(vals[k])
        return cls(**vals)


def _insert(conn: Connection, table: t.Table) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def insert_feed(
    conn: Connection,
    url: str,
    now: datetime,
    *,
    title: str | None = None,
    kind: str | None = None,
    origin: str = "user",
    outlet_id: int | None = None,
    next_check_at: datetime | None = None,
    interval_s: float | None = None,
) -> int:
    """Insert a feed unless its URL is known; return its id either way."""
    stmt = (
        _insert(conn, t.feeds)
        .values(
            url=url,
            title=title,
            kind=kind,
            origin=origin,
            outlet_id=outlet_id,
            active=True,
            error_count=0,
            entries_seen=0,
            created_at=to_db(now),
            next_check_at=to_db(next_check_at or now),
            interval_s=interval_s,
        )
        .on_conflict_do_nothing(index_elements=["url"])
    )
    conn.execute(stmt)
    return int(conn.execute(select(t.feeds.c.id).where(t.feeds.c.url == url)).scalar_one())


def get_feed(conn: Connection, id_or_url: int | str) -> FeedRow | None:
    col = t.feeds.c.id if isinstance(id_or_url, int) else t.feeds.c.url
    row = conn.execute(select(t.feeds).where(col == id_or_url)).first()
    return FeedRow.from_row(row) if row else None


def list_feeds(conn: Connection) -> list[FeedRow]:
    return [FeedRow.from_row(r) for r in conn.execute(select(t.feeds).order_by(t.feeds.c.id))]


def due_feeds(
    conn: Connection, now: datetime, limit: int | None = None, bundled: bool = True
) -> list[FeedRow]:
    """Active feeds whose next check has come; without the bundled ones when `bundled` is off."""
    q = (
        select(t.feeds)
        .where(t.feeds.c.active.is_(True))
        .where((t.feeds.c.next_check_at.is_(None)) | (t.feeds.c.next_check_at <= to_db(now)))
        .order_by(t.feeds.c.next_check_at, t.feeds.c.id)
    )
    if not bundled:
        q = q.where(t.feeds.c.origin != "bundled")
    if limit:
        q = q.limit(limit)
    return [FeedRow.from_row(r) for r in conn.execute(q)]


def next_due_at(conn: Connection) -> datetime | None:
    q = select(func.min(t.feeds.c.next_check_at)).where(t.feeds.c.active.is_(True))
    return from_db(conn.execute(q).scalar())


def delete_feed(conn: Connection, id_or_url: int | str) -> bool:
    col = t.feeds.c.id if isinstance(id_or_url, int) else t.feeds.c.url
    return bool(conn.execute(t.feeds.delete().where(col == id_or_url)).rowcount)


def update_feed(conn: Connection, feed_id: int, **values: Any) -> None:
    for k in ("last_checked_at", "last_success_at", "next_check_at"):
        if k in values:
            values[k] = to_db(values[k])
    conn.execute(update(t.feeds).where(t.feeds.c.id == feed_id).values(**values))


def existing_articles(conn: Connection, keys: Iterable[str]) -> dict[str, tuple[int, Any, Any]]:
    """key -> (id, title, summary) for the keys already stored."""
    keys = list(keys)
    out: dict[str, tuple[int, Any, Any]] = {}
    a = t.articles.c
    for i in range(0, len(keys), 500):
        q = select(a.key, a.id, a.title, a.summary).where(a.key.in_(keys[i : i + 500]))
        out.update({r.key: (r.id, r.title, r.summary) for r in conn.execute(q)})
    return out


def deactivate_feeds(conn: Connection, url_prefix: str) -> int:
    """Stop polling the feeds whose URL starts with `url_prefix`; returns how many."""
    f = t.feeds.c
    like = url_prefix.replace("%", r"\%").replace("_", r"\_") + "%"
    done = conn.execute(update(t.feeds).where(f.url.like(like, escape="\\")).values(active=False))
    return int(done.rowcount or 0)


def make_all_due(conn: Connection) -> None:
    """Every feed is due at once (the next round polls them all)."""
    conn.execute(update(t.feeds).values(next_check_at=None))


def feed_outcomes(conn: Connection, bundled: bool = True) -> list[FeedOutcome]:
    """Every active feed's stored outcome (without the bundled feeds when they are not polled)."""
    c = t.feeds.c
    q = select(c.last_checked_at, c.last_success_at, c.last_error, c.error_count).where(
        c.active.is_(True)
    )
    if not bundled:
        q = q.where(c.origin != "bundled")
    return [
        FeedOutcome(
            last_checked_at=from_db(r[0]),
            last_success_at=from_db(r[1]),
            last_error=r[2],
            error_count=int(r[3] or 0),
        )
        for r in conn.execute(q)
    ]
