"""Story rows as the story engine's adapter (`everyside.services.stories`) writes them.

Counts and first/last times are computed by SQL from the member articles, so they are right
even for stories whose older members are outside the engine's window. A story's outlet count is
its number of distinct outlets (the outlet, else the domain, else the source name of each
member): the rule the coverage analysis counts by, so lists and story pages agree.

Every function here that changes a story's members also increments its `analysis_due`, in the
same transaction: the durable mark that its coverage and summary must be redone, which
`due_stories` lists and `clear_due` resets once the analysis is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    bindparam,
    case,
    cast,
    exists,
    func,
    insert,
    select,
    update,
)

from everyside.domain.times import to_db
from everyside.store import schema as t


def new_story(conn: Connection, now: datetime) -> int:
    ts = to_db(now)
    stmt = (
        insert(t.stories)
        .values(article_count=0, outlet_count=0, analysis_due=1, created_at=ts, updated_at=ts)
        .returning(t.stories.c.id)
    )
    return int(conn.execute(stmt).scalar_one())


def _outlet_key() -> Any:
    a = t.articles.c
    return func.coalesce(cast(a.outlet_id, String), a.domain, a.source)


def refresh(conn: Connection, story_id: int, now: datetime, headline: str | None, why: Any) -> None:
    """Recount a story from its articles; set the engine's headline and "why" when given (the
    headline only while the story has no summary: the summary's neutral headline wins)."""
    a = t.articles.c
    agg = conn.execute(
        select(
            func.count(),
            func.count(func.distinct(_outlet_key())),
            func.min(a.published_at),
            func.max(a.published_at),
        ).where(a.story_id == story_id)
    ).one()
    first = conn.execute(
        select(a.id)
        .where(a.story_id == story_id)
        .order_by(case((a.published_at.is_(None), 1), else_=0), a.published_at, a.id)
        .limit(1)
    ).scalar()
    values: dict[str, Any] = dict(
        article_count=agg[0],
        outlet_count=agg[1],
        first_published_at=agg[2],
        last_published_at=agg[3],
        first_article_id=first,
        updated_at=to_db(now),
        analysis_due=t.stories.c.analysis_due + 1,
    )
    if why is not None:
        values["why"] = why
    if headline is not None:
        summarised = exists().where(t.summaries.c.story_id == story_id)
        values["headline"] = case((summarised, t.stories.c.headline), else_=headline or None)
    conn.execute(update(t.stories).where(t.stories.c.id == story_id).values(**values))


def merge(conn: Connection, gone: int, into: int, now: datetime) -> None:
    """Move the articles of `gone` to `into`; `gone` remains as a pointer (merged_into)."""
    a, s = t.articles.c, t.stories.c
    conn.execute(update(t.articles).where(a.story_id == gone).values(story_id=into))
    conn.execute(
        update(t.stories)
        .where(s.id == gone)
        .values(merged_into=into, article_count=0, outlet_count=0, updated_at=to_db(now))
    )
    mark_due(conn, [gone, into])


def revive(conn: Connection, story_id: int, now: datetime) -> None:
    """A story merged away is a story again (the repair pass split its articles back out):
    its id, URL and history are kept; `move_articles` gives it its articles back."""
    s = t.stories.c
    conn.execute(
        update(t.stories).where(s.id == story_id).values(merged_into=None, updated_at=to_db(now))
    )


def move_articles(conn: Connection, article_ids: Iterable[int], story_id: int) -> None:
    a = t.articles.c
    ids = list(article_ids)
    sources = set(conn.execute(select(a.story_id).where(a.id.in_(ids)).distinct()).scalars())
    conn.execute(update(t.articles).where(a.id.in_(ids)).values(story_id=story_id))
    mark_due(conn, [*(x for x in sources if x is not None), story_id])


# -- the analysis queue -------------------------------------------------------------------
def mark_due(conn: Connection, story_ids: Iterable[int]) -> None:
    """Mark stories whose coverage and summary must be redone (in the caller's transaction)."""
    ids = sorted(set(story_ids))
    for i in range(0, len(ids), 500):
        conn.execute(
            update(t.stories)
            .where(t.stories.c.id.in_(ids[i : i + 500]))
            .values(analysis_due=t.stories.c.analysis_due + 1)
        )


def due_stories(conn: Connection, story_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Story id -> its mark, for the marked stories (all of them, or among `story_ids`)."""
    s = t.stories.c
    q = select(s.id, s.analysis_due).where(s.analysis_due > 0)
    if story_ids is None:
        return {int(i): int(n) for i, n in conn.execute(q.order_by(s.id))}
    ids, out = sorted(set(story_ids)), {}
    for i in range(0, len(ids), 500):
        out.update({int(k): int(n) for k, n in conn.execute(q.where(s.id.in_(ids[i : i + 500])))})
    return out


def clear_due(conn: Connection, marks: dict[int, int]) -> int:
    """Reset the marks of analysed stories, unless a writer marked them again meanwhile."""
    if not marks:
        return 0
    s = t.stories.c
    stmt = (
        update(t.stories)
        .where(s.id == bindparam("sid"), s.analysis_due == bindparam("mark"))
        .values(analysis_due=0)
    )
    result = conn.execute(stmt, [{"sid": k, "mark": v} for k, v in marks.items()])
    return int(result.rowcount or 0)


def max_story_id(conn: Connection) -> int:
    return int(conn.execute(select(func.max(t.stories.c.id))).scalar() or 0)
