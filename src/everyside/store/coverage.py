"""Coverage rows and the inputs of the coverage analysis: member articles of stories, the facts
of their outlets, the stored documents. `everyside.services.coverage` runs the pure analysis
(`domain.coverage`) between these reads and writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select

from everyside.domain.times import to_db
from everyside.store import schema as t
from everyside.store.outlets import bias_rater_counts, first_owners, outlet_rows

CHUNK = 1000  # outlet ids per IN list


def outlet_facts(conn: Connection, outlet_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Per outlet id: its row, its number of bias raters and its first owner (owner, category)."""
    ids = sorted(set(outlet_ids))
    out: dict[int, dict[str, Any]] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        raters = bias_rater_counts(conn, chunk)
        owners = first_owners(conn, chunk)
        for r in outlet_rows(conn, chunk):
            oid = int(r["id"])
            out[oid] = {"row": r, "raters": raters.get(oid, 0), "owner": owners.get(oid)}
    return out


def member_articles(conn: Connection, story_ids: Sequence[int]) -> list[Any]:
    """The articles of these stories (the columns the coverage analysis reads)."""
    a = t.articles.c
    q = select(
        a.id,
        a.story_id,
        a.outlet_id,
        a.domain,
        a.source,
        a.title,
        a.text,
        a.published_at,
        a.fetched_at,
        a.copy_of,
    ).where(a.story_id.in_(list(story_ids)))
    return list(conn.execute(q).all())


def live_story_ids(conn: Connection) -> list[int]:
    q = select(t.stories.c.id).where(t.stories.c.merged_into.is_(None))
    return [int(x) for x in conn.execute(q).scalars()]


def replace_coverage(conn: Connection, story_ids: list[int], rows: list[dict[str, Any]]) -> int:
    """Replace the coverage rows of these stories (delete + insert works on both databases)."""
    conn.execute(delete(t.coverage).where(t.coverage.c.story_id.in_(story_ids)))
    if rows:
        conn.execute(
            insert(t.coverage), [{**r, "computed_at": to_db(r["computed_at"])} for r in rows]
        )
    return len(rows)


def stale_story_ids(conn: Connection) -> list[int]:
    """Stories with members whose coverage is missing or older than their last change."""
    s, c = t.stories.c, t.coverage.c
    has_members = select(t.articles.c.id).where(t.articles.c.story_id == s.id).exists()
    q = (
        select(s.id)
        .select_from(t.stories.outerjoin(t.coverage, c.story_id == s.id))
        .where(
            s.merged_into.is_(None),
            has_members,
            or_(c.story_id.is_(None), c.computed_at < s.updated_at),
        )
        .order_by(s.id)
    )
    return list(conn.execute(q).scalars())


def coverage_document(conn: Connection, story_id: int) -> dict[str, Any] | None:
    data = conn.execute(select(t.coverage.c.data).where(t.coverage.c.story_id == story_id)).scalar()
    return dict(data) if data is not None else None


# -- the outlet page's profile ------------------------------------------------------------
def outlet_ratings(conn: Connection, outlet_id: int) -> list[dict[str, Any]]:
    r, rt = t.ratings.c, t.raters.c
    q = (
        select(
            rt.name.label("rater"),
            rt.title.label("rater_title"),
            r.axis,
            r.raw,
            r.value,
            r.rated_on,
            r.provenance,
        )
        .select_from(t.ratings.join(t.raters, rt.id == r.rater_id))
        .where(r.outlet_id == outlet_id)
    )
    return [dict(m) for m in conn.execute(q).mappings()]


def outlet_owners(conn: Connection, outlet_id: int) -> list[dict[str, Any]]:
    w = t.ownership.c
    q = select(w.owner, w.category, w.provenance).where(w.outlet_id == outlet_id).order_by(w.id)
    return [dict(m) for m in conn.execute(q).mappings()]


def outlet_article_counts(conn: Connection, outlet_id: int) -> tuple[int, int]:
    a = t.articles.c
    total, copies = conn.execute(
        select(func.count(), func.count(a.copy_of)).where(a.outlet_id == outlet_id)
    ).one()
    return int(total), int(copies)


def outlet_latest(conn: Connection, outlet_id: int, limit: int) -> list[dict[str, Any]]:
    a = t.articles.c
    q = (
        select(a.id, a.title, a.url, a.published_at, a.story_id, a.copy_of)
        .where(a.outlet_id == outlet_id)
        .order_by(a.published_at.desc().nulls_last(), a.id.desc())
        .limit(limit)
    )
    return [dict(m) for m in conn.execute(q).mappings()]


def articles_of(conn: Connection, article_ids: Iterable[int]) -> list[Any]:
    a = t.articles.c
    ids = list(article_ids)
    if not ids:
        return []
    return list(conn.execute(select(a.id, a.story_id, a.outlet_id).where(a.id.in_(ids))).all())
