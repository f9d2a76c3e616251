"""`everyside export`: articles, outlets (with ratings) and stories as JSONL, CSV or Parquet.

Rows are streamed in batches, so exporting a million articles needs no more memory than a batch.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from everyside.errors import InputError
from everyside.store import Store
from everyside.store.exports import QUERIES, columns, iter_rows

FORMATS = ("jsonl", "csv", "parquet")


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
            n = _write_csv(rows, tmp, [name for name, _ in columns(what)])
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

    kinds = {"int": pa.int64(), "float": pa.float64(), "text": pa.string()}
    return pa.schema([pa.field(name, kinds[kind]) for name, kind in columns(what)])


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
