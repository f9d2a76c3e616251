"""Article rows: what the one write path (`everyside.services.articles`) reads and writes.

Keys are unique (`articles.key`: the canonical URL, or `urn:everyside:import:<id>`), times are
aware UTC in and out (naive UTC in the table). These functions run inside the caller's
transaction (`store.write(fn)`), so a feed's articles and its new validators commit together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from everyside.domain.times import to_db
from everyside.store import schema as t
from everyside.store.stories import mark_due

# Columns whose change makes a re-read article an update (fetched_at is not one of them).
COMPARED = (
    "url",
    "domain",
    "source",
    "external_id",
    "title",
    "text",
    "summary",
    "author",
    "lang",
    "published_at",
    "content_hash",
    "extra",
    "outlet_id",
)
_TIMES = ("published_at", "fetched_at", "created_at", "updated_at")


def _db_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (to_db(v) if k in _TIMES else v) for k, v in values.items()}


def existing(conn: Connection, keys: Iterable[str]) -> dict[str, Any]:
    """key -> row (id and the COMPARED columns, times naive UTC) for the keys already stored."""
    keys = list(dict.fromkeys(keys))
    a = t.articles.c
    out: dict[str, Any] = {}
    for i in range(0, len(keys), 500):
        q = select(a.id, a.key, *(a[c] for c in COMPARED)).where(a.key.in_(keys[i : i + 500]))
        out.update({r.key: r for r in conn.execute(q)})
    return out


_INSERT = insert(t.articles).returning(t.articles.c.id)


def insert_article(conn: Connection, values: dict[str, Any]) -> int:
    """Insert one article; returns its id (the caller made sure its key is new).

    One statement for every call, the values as parameters: SQLAlchemy compiles it once per
    set of columns instead of building and caching a new statement for each article."""
    return int(conn.execute(_INSERT, _db_values(values)).scalar_one())


def update_article(conn: Connection, article_id: int, values: dict[str, Any]) -> None:
    a = t.articles
    conn.execute(update(a).where(a.c.id == article_id).values(**_db_values(values)))


def dedupe_window(conn: Connection, since: datetime) -> Sequence[Any]:
    """Articles stored since `since`, oldest first, to refill the near-duplicate index."""
    a = t.articles.c
    q = (
        select(a.id, a.outlet_id, a.domain, a.text, a.copy_of, a.created_at)
        .where(a.created_at >= to_db(since))
        .order_by(a.id)
    )
    return conn.execute(q).all()


def ids_above(conn: Connection, low: int) -> list[int]:
    """Ids of the articles with an id above `low` (what other writers stored lately)."""
    a = t.articles.c
    return [int(i) for i in conn.execute(select(a.id).where(a.id > low).order_by(a.id)).scalars()]


def max_id(conn: Connection) -> int:
    return int(conn.execute(select(func.max(t.articles.c.id))).scalar() or 0)


def dedupe_rows(conn: Connection, ids: list[int]) -> Sequence[Any]:
    """`dedupe_window`'s columns for these articles."""
    a = t.articles.c
    q = select(a.id, a.outlet_id, a.domain, a.text, a.copy_of, a.created_at)
    return conn.execute(q.where(a.id.in_(ids)).order_by(a.id)).all() if ids else []


# -- the story engine's queue -------------------------------------------------------------
ENGINE_COLUMNS = (
    t.articles.c.id,
    t.articles.c.title,
    t.articles.c.text,
    t.articles.c.published_at,
    t.articles.c.source,
    t.articles.c.domain,
    t.articles.c.url,
    t.articles.c.lang,
    t.articles.c.copy_of,
    t.articles.c.summary,
)


def unassigned_times(conn: Connection) -> list[tuple[int, datetime | None]]:
    """(id, published time) of every article without a story, in arrival (id) order."""
    a = t.articles.c
    rows = conn.execute(select(a.id, a.published_at).where(a.story_id.is_(None)).order_by(a.id))
    return [(int(r.id), r.published_at) for r in rows]


def engine_rows(conn: Connection, ids: list[int]) -> list[Any]:
    """What the story engine reads of these articles, in the order of `ids`."""
    if not ids:
        return []
    rows = {r.id: r for r in conn.execute(select(*ENGINE_COLUMNS).where(t.articles.c.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def assigned_since(conn: Connection, since_days: float) -> tuple[list[Any], int]:
    """Assigned articles of the last `since_days` of stream time (by the newest assigned
    published time), oldest first, with their story id; and the highest story id."""
    a = t.articles.c
    top = conn.execute(select(func.max(t.stories.c.id))).scalar() or 0
    clock = conn.execute(select(func.max(a.published_at)).where(a.story_id.is_not(None))).scalar()
    if clock is None:
        return [], int(top)
    from datetime import timedelta

    since = clock - timedelta(days=since_days)
    rows = conn.execute(
        select(*ENGINE_COLUMNS, a.story_id)
        .where(a.story_id.is_not(None), a.published_at >= since)
        .order_by(a.published_at, a.id)
    ).all()
    return list(rows), int(top)


def set_story(conn: Connection, pairs: list[dict[str, int]], now: datetime) -> None:
    """articles.story_id for {"aid", "sid"} pairs; the stories are marked for analysis."""
    conn.execute(
        update(t.articles)
        .where(t.articles.c.id == bindparam("aid"))
        .values(story_id=bindparam("sid"), updated_at=to_db(now)),
        pairs,
    )
    mark_due(conn, {p["sid"] for p in pairs})


def count_unassigned(conn: Connection) -> int:
    a = t.articles.c
    return int(conn.execute(select(func.count()).where(a.story_id.is_(None))).scalar() or 0)
