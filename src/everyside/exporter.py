"""`everyside export`: articles, outlets (with ratings) and stories as JSONL, CSV or Parquet.

Rows are streamed in batches, so exporting a million articles needs no more memory than a batch.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Select, func, select

from everyside.errors import InputError
from everyside.store import Store
from everyside.store import schema as t

FORMATS = ("jsonl", "csv", "parquet")
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


def export(store: Store, what: str, fmt: str, out: Path) -> int:
    """Write every row of `what` to `out` in `fmt`; return the number of rows."""
    if what not in QUERIES:
        raise InputError(f"cannot export {what!r}; choose one of {', '.join(QUERIES)}")
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    with store.read() as conn:
        rows = iter_rows(conn, what)
        if fmt == "jsonl":
            n = _write_jsonl(rows, tmp)
        elif fmt == "csv":
            n = _write_csv(rows, tmp, list(QUERIES[what]().selected_columns.keys()))
        else:
            n = _write_parquet(rows, tmp, what)
    tmp.replace(out)  # never leave half a file under the final name
    return n


def _write_jsonl(batches: Iterator[list[dict[str, Any]]], path: Path) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for batch in batches:
            for row in batch:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
    return n


def _write_csv(batches: Iterator[list[dict[str, Any]]], path: Path, cols: list[str]) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols)
        writer.writeheader()
        for batch in batches:
            writer.writerows(batch)
            n += len(batch)
    return n


def _arrow_schema(what: str) -> Any:
    import pyarrow as pa
    from sqlalchemy import Float, Integer

    fields = []
    for col in QUERIES[what]().selected_columns:
        if isinstance(col.type, Integer):
            typ = pa.int64()
        elif isinstance(col.type, Float):
            typ = pa.float64()
        else:  # text, and datetimes as ISO 8601 strings
            typ = pa.string()
        fields.append(pa.field(col.key, typ))
    return pa.schema(fields)


def _write_parquet(batches: Iterator[list[dict[str, Any]]], path: Path, what: str) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schema(what)
    n = 0
    with pq.ParquetWriter(path, schema) as writer:
        for batch in batches:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
    return n
