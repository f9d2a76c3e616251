"""Worker heartbeats (the scale-out shape, issue 20): each Celery worker rewrites its row every
few seconds with the queue depths it read from the broker; the system pages read them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy import insert as sa_insert

from everyside.domain.times import from_db, to_db
from everyside.store import schema as t


def beat(
    conn: Connection,
    name: str,
    *,
    host: str,
    pid: int,
    queues: str,
    started_at: datetime,
    now: datetime,
    tasks_done: int,
    queue_depths: dict[str, int] | None,
) -> None:
    """Insert or rewrite the row of worker `name`."""
    w = t.worker_heartbeats
    values = dict(
        host=host,
        pid=pid,
        queues=queues[:500],
        started_at=to_db(started_at),
        seen_at=to_db(now),
        tasks_done=tasks_done,
        queue_depths=queue_depths,
    )
    done = conn.execute(update(w).where(w.c.name == name).values(**values))
    if done.rowcount == 0:
        conn.execute(sa_insert(w).values(name=name, **values))


def forget(conn: Connection, name: str) -> None:
    """A worker that stops cleanly removes its row."""
    conn.execute(delete(t.worker_heartbeats).where(t.worker_heartbeats.c.name == name))


def workers(conn: Connection) -> list[dict[str, Any]]:
    """Every row, most recently seen first, times as aware UTC."""
    w = t.worker_heartbeats
    rows = conn.execute(select(w).order_by(w.c.seen_at.desc(), w.c.name)).mappings()
    out = []
    for r in rows:
        d = dict(r)
        d["started_at"] = from_db(d["started_at"])
        d["seen_at"] = from_db(d["seen_at"])
        out.append(d)
    return out


def pipeline_counts(conn: Connection) -> dict[str, int]:
    """Where the pipeline stands (the distributed tests and benchmark wait on these):
    articles; those without a story; live stories with members; those without coverage; those
    of two articles or more (the summaries' threshold) without a summary; stories waiting for
    analysis; keys stored more than once (always 0: the unique index; counted to show it);
    articles left in a story merged away (0)."""
    a, s, c = t.articles.c, t.stories.c, t.coverage.c
    n = func.count()
    with_members = (
        select(s.id)
        .where(s.merged_into.is_(None))
        .where(select(a.id).where(a.story_id == s.id).exists())
    )
    live = with_members.subquery()
    no_cov = (
        select(n)
        .select_from(live)
        .where(~select(c.story_id).where(c.story_id == live.c.id).exists())
    )
    multi = (
        select(a.story_id.label("id"))
        .join(t.stories, a.story_id == s.id)
        .where(s.merged_into.is_(None))
        .group_by(a.story_id)
        .having(func.count() >= 2)
        .subquery()
    )
    no_sum = (
        select(n)
        .select_from(multi)
        .where(~select(t.summaries.c.story_id).where(t.summaries.c.story_id == multi.c.id).exists())
    )
    dup = select(n).select_from(select(a.key).group_by(a.key).having(func.count() > 1).subquery())
    return {
        "articles": int(conn.execute(select(n).select_from(t.articles)).scalar() or 0),
        "unassigned": int(conn.execute(select(n).where(a.story_id.is_(None))).scalar() or 0),
        "stories": int(conn.execute(select(n).select_from(live)).scalar() or 0),
        "without_coverage": int(conn.execute(no_cov).scalar() or 0),
        "without_summary": int(conn.execute(no_sum).scalar() or 0),
        "analysis_due": int(conn.execute(select(n).where(s.analysis_due > 0)).scalar() or 0),
        "duplicate_keys": int(conn.execute(dup).scalar() or 0),
        "in_merged_story": int(
            conn.execute(
                select(n)
                .select_from(t.articles.join(t.stories, a.story_id == s.id))
                .where(s.merged_into.is_not(None))
            ).scalar()
            or 0
        ),
    }
