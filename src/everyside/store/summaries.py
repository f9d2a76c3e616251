"""Summary rows (the `summaries` table); reader reports are `store/feedback.py`'s.

A story's summary is one JSON document (`domain.summarize`); saving it also makes the summary's
neutral headline the story's headline (`stories.headline`), so every list, page and API shows
the one headline (see `everyside.services.read`). Saving takes the story's summary lock first
(`store/locks.py`): on PostgreSQL two writers of one summary (a regeneration and a dispute)
would otherwise both delete, then both insert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from everyside.domain.times import to_db
from everyside.store import schema as t
from everyside.store.locks import advisory_lock

# summaries.mode is VARCHAR(16): the document says "abstractive+extractive" in full.
_MODE_COLUMN = {"abstractive+extractive": "mixed"}


def source_articles(conn: Connection, story_id: int) -> list[Any]:
    """The story's original articles, oldest first, with their outlet's domain, bias and
    factuality. A syndicated copy is left out when its original is in the same story; a copy of
    an article of another story stays (it may be all the text this story has)."""
    a, o = t.articles.c, t.outlets.c
    orig = t.articles.alias("orig")
    original_here = (
        select(orig.c.id).where(orig.c.id == a.copy_of, orig.c.story_id == story_id).exists()
    )
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
        .where(a.story_id == story_id, a.copy_of.is_(None) | ~original_here)
        .order_by(a.published_at, a.id)
    )
    return list(conn.execute(q).all())


def summary_row(conn: Connection, story_id: int) -> Any:
    return conn.execute(select(t.summaries).where(t.summaries.c.story_id == story_id)).first()


def save_summary(
    conn: Connection, story_id: int, doc: dict[str, Any], count: int, now: datetime
) -> None:
    """Replace the story's summary; its neutral headline becomes the story's headline."""
    advisory_lock(conn, f"summary:{story_id}")  # two writers of one summary wait their turn
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


def story_article_count(conn: Connection, story_id: int) -> int:
    """Every article of the story, syndicated copies included."""
    q = select(func.count()).select_from(t.articles).where(t.articles.c.story_id == story_id)
    return int(conn.execute(q).scalar() or 0)


def story_exists(conn: Connection, story_id: int) -> bool:
    return bool(conn.execute(select(func.count()).where(t.stories.c.id == story_id)).scalar())
