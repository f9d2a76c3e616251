"""Story rows as the story engine's adapter (`everyside.services.stories`) writes them.

Counts and first/last times are computed by SQL from the member articles, so they are right
even for stories whose older members are outside the engine's window. A story's outlet count is
its number of distinct outlets (the outlet, else the domain, else the source name of each
member): the rule the coverage analysis counts by, so lists and story pages agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    String,
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
        .values(article_count=0, outlet_count=0, created_at=ts, updated_at=ts)
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


def move_articles(conn: Connection, article_ids: Iterable[int], story_id: int) -> None:
    a = t.articles.c
    conn.execute(update(t.articles).where(a.id.in_(list(article_ids))).values(story_id=story_id))


def max_story_id(conn: Connection) -> int:
    return int(conn.execute(select(func.max(t.stories.c.id))).scalar() or 0)
