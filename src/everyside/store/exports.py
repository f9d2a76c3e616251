"""The export queries: articles, outlets and stories as rows of plain values, streamed in
batches (`everyside.services.exporter` writes them as JSONL, CSV or Parquet)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Float, Integer, Select, func, select

from everyside.domain.percent import tidy_spacing
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
    s, c, m = t.stories, t.coverage, t.summaries
    return (
        select(
            s.c.id,
            s.c.headline,
            s.c.first_article_id,
            s.c.first_published_at,
            s.c.last_published_at,
            s.c.article_count,
            s.c.outlet_count,
            s.c.merged_into,
            c.c.rated_outlets,
            c.c.left_share,
            c.c.center_share,
            c.c.right_share,
            c.c.blindspot,
            c.c.country,
            c.c.data.label("coverage"),
            m.c.data.label("summary_doc"),
        )
        .select_from(s.outerjoin(c, c.c.story_id == s.c.id).outerjoin(m, m.c.story_id == s.c.id))
        .order_by(s.c.id)
    )


# What `export --what stories` adds from the coverage and summary documents: (name, kind), in
# column order after the query's own columns (the two documents themselves are not exported).
STORY_EXTRA = [
    ("unrated_outlets", "int"),
    ("left_outlets", "int"),
    ("center_outlets", "int"),
    ("right_outlets", "int"),
    ("factuality", "text"),  # JSON: {"Very High": n, "High": n, ...}
    ("broke_the_news_outlet", "text"),
    ("broke_the_news_at", "text"),
    ("broke_the_news_country", "text"),
    ("countries", "text"),  # JSON: {"US": n, "GB": n, ...}
    ("summary", "text"),  # the bullets, one a line
]
_DOCS = ("coverage", "summary_doc")


def _doc(v: Any) -> dict[str, Any]:
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except ValueError:
            return {}
    return v if isinstance(v, dict) else {}


def _story_row(row: dict[str, Any]) -> dict[str, Any]:
    cov, summ = _doc(row.pop("coverage", None)), _doc(row.pop("summary_doc", None))
    sources = cov.get("sources") or {}
    counts = ((cov.get("bias") or {}).get("by_outlet") or {}).get("counts") or {}
    broke = cov.get("broke_the_news") or {}
    fact = (cov.get("factuality") or {}).get("counts")
    countries = (cov.get("countries") or {}).get("counts")
    bullets = [b.get("text") for b in summ.get("bullets") or [] if isinstance(b, dict)]
    row.update(
        unrated_outlets=sources.get("unrated") if cov else None,
        left_outlets=counts.get("left") if cov else None,
        center_outlets=counts.get("center") if cov else None,
        right_outlets=counts.get("right") if cov else None,
        factuality=json.dumps(fact, ensure_ascii=False) if fact else None,
        broke_the_news_outlet=broke.get("name") or broke.get("outlet"),
        broke_the_news_at=broke.get("at"),
        broke_the_news_country=broke.get("country"),
        countries=json.dumps(countries, ensure_ascii=False) if countries else None,
        summary="\n".join(tidy_spacing(b) for b in bullets if b) or None,
    )
    return row


QUERIES = {"articles": _articles_query, "outlets": _outlets_query, "stories": _stories_query}


def _plain(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat() + "Z"
    return v


def iter_rows(conn: Connection, what: str) -> Iterator[list[dict[str, Any]]]:
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(QUERIES[what]())
    for part in result.mappings().partitions(BATCH):
        rows = [{k: v if k in _DOCS else _plain(v) for k, v in row.items()} for row in part]
        yield [_story_row(r) for r in rows] if what == "stories" else rows


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
        if str(col.key) not in _DOCS:
            out.append((str(col.key), kind))
    return out + (STORY_EXTRA if what == "stories" else [])
