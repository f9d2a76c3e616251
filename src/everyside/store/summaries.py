"""Summary rows and reader reports (the `summaries` and `feedback` tables).

A story's summary is one JSON document (`domain.summarize`); saving it also makes the summary's
neutral headline the story's headline (`stories.headline`), so every list, page and API shows
the one headline (see `everyside.services.read`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from everyside.domain.times import to_db
from everyside.store import schema as t

# summaries.mode is VARCHAR(16): the document says "abstractive+extractive" in full.
_MODE_COLUMN = {"abstractive+extractive": "mixed"}


def source_articles(conn: Connection, story_id: int) -> list[Any]:
    """The story's original articles (no syndicated copies), oldest first, with their outlet's
    domain, bias and factuality."""
    a, o = t.articles.c, t.outlets.c
    q = (
        select(
            a.id,
            a.title,
            a.text,
            a.summary,
            a.domain,
            a.source,
            a.published_at,
            o.domain.label("outlet_domain"),
            o.bias,
            o.factuality,
        )
        .select_from(t.articles.outerjoin(t.outlets, a.outlet_id == o.id))
        .where(a.story_id == story_id, a.copy_of.is_(None))
        .order_by(a.published_at, a.id)
    )
    return list(conn.execute(q).all())


def summary_row(conn: Connection, story_id: int) -> Any:
    return conn.execute(select(t.summaries).where(t.summaries.c.story_id == story_id)).first()


def save_summary(
    conn: Connection, story_id: int, doc: dict[str, Any], count: int, now: datetime
) -> None:
    """Replace the story's summary; its neutral headline becomes the story's headline."""
    conn.execute(delete(t.summaries).where(t.summaries.c.story_id == story_id))
    conn.execute(
        insert(t.summaries).values(
            story_id=story_id,
            mode=_MODE_COLUMN.get(doc["mode"], doc["mode"]),
            data=doc,
            article_count=count,
            disputed=bool(doc.get("disputed")),
            generated_at=to_db(now),
        )
    )
    headline = (doc.get("headline") or {}).get("neutral")
    if headline:
        s = t.stories.c
        conn.execute(update(t.stories).where(s.id == story_id).values(headline=headline))


def mark_disputed(conn: Connection, story_id: int) -> None:
    conn.execute(
        update(t.summaries).where(t.summaries.c.story_id == story_id).values(disputed=True)
    )


def summarisable_story_ids(conn: Connection, min_articles: int) -> list[int]:
    s = t.stories.c
    q = select(s.id).where(s.merged_into.is_(None), s.article_count >= min_articles)
    return [int(x) for x in conn.execute(q.order_by(s.id)).scalars()]


def story_exists(conn: Connection, story_id: int) -> bool:
    return bool(conn.execute(select(func.count()).where(t.stories.c.id == story_id)).scalar())


def add_feedback(conn: Connection, story_id: int, values: dict[str, Any], now: datetime) -> int:
    result = conn.execute(
        insert(t.feedback).values(story_id=story_id, handled=False, created_at=to_db(now), **values)
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def open_reports(conn: Connection, story_id: int) -> list[Any]:
    f = t.feedback.c
    q = select(f.id, f.reason, f.text).where(
        f.story_id == story_id, f.kind == "summary", f.handled.is_(False)
    )
    return list(conn.execute(q).all())


def mark_handled(conn: Connection, feedback_ids: list[int]) -> None:
    f = t.feedback
    conn.execute(update(f).where(f.c.id.in_(feedback_ids)).values(handled=True))


def recent_reports_from(conn: Connection, client: str, now: datetime) -> int:
    """Reports a client (hashed address) sent in the hour before `now` (the rate limit)."""
    f = t.feedback.c
    since = to_db(now - timedelta(hours=1))
    q = select(func.count()).where(f.client == client, f.created_at >= since)
    return int(conn.execute(q).scalar() or 0)
