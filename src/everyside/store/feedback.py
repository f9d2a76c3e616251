"""Reader reports and story readers (the `feedback` and `story_readers` tables): the
statements the dispute rules need, each atomic.

The per-client rate limit is one `INSERT ... SELECT ... WHERE (recent reports) < limit`: SQLite
holds its write lock for the whole statement, so no second writer (thread or process) slips in
between the count and the insert. PostgreSQL under READ COMMITTED would let two such statements
both count 9 of 10, so there the transaction first takes an advisory lock on the client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from everyside.domain.disputes import distinct_clients
from everyside.domain.times import to_db
from everyside.store.locks import advisory_lock
from everyside.store.schema import feedback, stories, story_readers, summaries


def add_report(conn: Connection, values: dict[str, Any]) -> int:
    """Insert a feedback row (no rate limit: a service call, the CLI); its id."""
    result = conn.execute(insert(feedback).values(**_row(values)))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def insert_report_limited(
    conn: Connection, values: dict[str, Any], limit: int, since: datetime
) -> int | None:
    """Insert a feedback row unless its client sent `limit` rows since `since`; its id, or
    None when the limit refused it."""
    values, since = _row(values), to_db(since)
    client = values["client"]
    advisory_lock(conn, f"feedback:{client}")
    f = feedback.c
    recent = (
        select(func.count())
        .select_from(feedback)
        .where(f.client == client, f.created_at >= since)
        .scalar_subquery()
    )
    cols = list(values)
    row = select(*[literal(values[c], type_=f[c].type) for c in cols]).where(recent < limit)
    result = conn.execute(insert(feedback).from_select(cols, row).returning(f.id))
    found = result.scalar_one_or_none()
    return int(found) if found is not None else None


def open_reports(conn: Connection, story_id: int) -> list[Any]:
    """The unhandled summary reports of a story: id, reason, text, client, browser."""
    f = feedback.c
    return list(
        conn.execute(
            select(f.id, f.reason, f.text, f.client, f.browser, f.created_at)
            .where(f.story_id == story_id, f.kind == "summary", f.handled.is_(False))
            .order_by(f.id)
        ).all()
    )


def mark_handled(conn: Connection, feedback_ids: list[int]) -> None:
    conn.execute(update(feedback).where(feedback.c.id.in_(feedback_ids)).values(handled=True))


def _row(values: dict[str, Any]) -> dict[str, Any]:
    """`values` in the store's form: times naive UTC."""
    created = values.get("created_at")
    return {**values, "created_at": to_db(created)} if created is not None else dict(values)


def record_reader(conn: Connection, story_id: int, reader: str, now: datetime) -> None:
    """Count `reader` (a keyed address hash) among the story's readers, once."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    values = {"story_id": story_id, "reader": reader, "first_seen": to_db(now)}
    stmt = dialect.insert(story_readers).values(**values)
    conn.execute(stmt.on_conflict_do_nothing())


def reader_count(conn: Connection, story_id: int) -> int:
    r = story_readers.c
    n = conn.execute(select(func.count()).where(r.story_id == story_id)).scalar()
    return int(n or 0)


def dispute_overview(conn: Connection, limit: int = 200) -> list[dict[str, Any]]:
    """Stories with open reports or a disputed summary, latest report first: what the operator
    view lists. Reporters are counted (distinct clients), never identified, hashed or not."""
    f, s, m = feedback.c, stories.c, summaries.c
    latest = dict(
        conn.execute(
            select(f.story_id, func.max(f.created_at))
            .where(f.kind == "summary", f.handled.is_(False))
            .group_by(f.story_id)
        ).all()
    )
    disputed = set(conn.execute(select(m.story_id).where(m.disputed.is_(True))).scalars())
    ids = sorted(set(latest) | disputed, key=lambda i: (latest.get(i) or datetime.min, i))
    ids = ids[::-1][:limit]
    rows = conn.execute(
        select(s.id, s.headline, m.disputed, m.data)
        .select_from(stories.outerjoin(summaries, m.story_id == s.id))
        .where(s.id.in_(ids))
    ).all()
    by_id = {r.id: r for r in rows}
    return [_overview_row(conn, by_id[i]) for i in ids if i in by_id]


def _overview_row(conn: Connection, r: Any) -> dict[str, Any]:
    reports = open_reports(conn, r.id)
    return {
        "story_id": r.id,
        "headline": r.headline,
        "disputed": bool(r.disputed),
        "dispute": dict(r.data or {}).get("dispute") if r.disputed else None,
        "readers": reader_count(conn, r.id),
        "clients": distinct_clients((x.client, x.browser) for x in reports),
        "open_reports": [{"reason": x.reason, "text": x.text, "at": x.created_at} for x in reports],
    }
