"""The export queries: articles, outlets and stories as rows of plain values, streamed in
batches (`everyside.services.exporter` writes them as JSONL, CSV or Parquet)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Float, Integer, Select, func, select

from everyside.store import schema as t

BATCH = 2000


def _articles_query() -> Select[Any]:
    a, o = t.articles, t.outlets
    return (
        select(
            a.c.id,
            a.c.key,
            a.c.url,
            a.c.title,
            a.c.text,
            a.c.summary,
            a.c.author,
            a.c.lang,
            a.c.published_at,
            a.c.fetched_at,
            a.c.domain,
            a.c.source,
            o.c.domain.label("outlet_domain"),
            o.c.name.label("outlet_name"),
            a.c.story_id,
            a.c.copy_of,
            a.c.content_hash,
            a.c.extraction,
            a.c.external_id,
        )
        .select_from(a.outerjoin(o, a.c.outlet_id == o.c.id))
        .order_by(a.c.id)
    )


def _outlets_query() -> Select[Any]:
    o, e = t.outlets, t.outlet_estimates
    return select(
        o.c.id,
        o.c.domain,
        o.c.name,
        o.c.country,
        o.c.language,
        o.c.scope,
        o.c.media_type,
        o.c.homepage,
        o.c.origin,
        o.c.bias,
        o.c.bias_spread,
        o.c.factuality,
        o.c.estimated_bias,
        o.c.estimated_bias_method,
        o.c.estimated_factuality,
        o.c.estimated_factuality_method,
        select(func.max(e.c.computed_at))
        .where(e.c.outlet_id == o.c.id, e.c.status == "estimated")
        .scalar_subquery()
        .label("estimated_at"),
    ).order_by(o.c.id)


def _stories_query() -> Select[Any]:
    s = t.stories
    return select(
        s.c.id,
        s.c.headline,
        s.c.first_article_id,
        s.c.first_published_at,
        s.c.last_published_at,
        s.c.article_count,
        s.c.outlet_count,
        s.c.merged_into,
    ).order_by(s.c.id)


QUERIES = {"articles": _articles_query, "outlets": _outlets_query, "stories": _stories_query}


def _plain(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat() + "Z"
    return v


def iter_rows(conn: Connection, what: str) -> Iterator[list[dict[str, Any]]]:
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(QUERIES[what]())
    for part in result.mappings().partitions(BATCH):
        yield [{k: _plain(v) for k, v in row.items()} for row in part]


def columns(what: str) -> list[tuple[str, str]]:
    """(name, kind) of each exported column: kind is int, float or text (times as ISO text)."""
    out = []
    for col in QUERIES[what]().selected_columns:
        kind = (
            "int"
            if isinstance(col.type, Integer)
            else "float"
            if isinstance(col.type, Float)
            else "text"
        )
        out.append((str(col.key), kind))
    return out
