"""`everyside import FILE.jsonl`: load articles in the format of `shared/data/stories/*.jsonl`.

One JSON object per line with `id, title, text, date, source, domain, url, lang` (and optional
extras such as `side`, `topic`, `summary`, which are kept in `articles.extra`). The import is
idempotent: the key of an article is its canonical URL, or `urn:everyside:import:<id>` when it
has no URL, and a line whose content is already stored unchanged writes nothing.

Lines are committed in batches, each batch one transaction, so a killed import leaves only whole
batches behind and a re-run skips them. A bad line is reported with file and line number and the
import goes on; a summary is returned at the end.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from everyside.domain.dedupe import DuplicateIndex, content_hash
from everyside.domain.urls import canonicalize_url
from everyside.errors import InputError
from everyside.services.outlets import OutletResolver
from everyside.store import Store
from everyside.store import schema as t

log = logging.getLogger(__name__)

KNOWN_FIELDS = frozenset({"id", "title", "text", "date", "source", "domain", "url", "lang"})
# Fields some labelled sets carry; kept in `extra`, never used to cluster.
EXTRA_FIELDS = frozenset(
    {"story", "side", "story_title", "topic", "summary", "category", "headline"}
)
BATCH = 500


@dataclass
class ImportReport:
    path: str
    lines: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)  # inserted or updated

    @property
    def failed(self) -> int:
        return len(self.errors)


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, Any]


def parse_date(value: Any) -> datetime | None:
    """ISO 8601 → naive UTC (the store's convention). None for null/empty."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"date must be an ISO 8601 string, not {type(value).__name__}")
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def _text(obj: dict[str, Any], name: str) -> str | None:
    v = obj.get(name)
    if v is None:
        return None
    if not isinstance(v, str):
        raise ValueError(f"field {name!r} must be a string or null")
    v = v.strip()
    return v or None


def parse_line(raw: str, path: str, lineno: int, now: datetime) -> tuple[Row, list[str]]:
    """One JSONL line → a row for `articles` (without outlet/ids). Raises InputError."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as e:
        raise InputError(
            f"not valid JSON ({e.msg} at column {e.colno})", path=path, line=lineno
        ) from e
    if not isinstance(obj, dict):
        raise InputError("expected a JSON object", path=path, line=lineno)
    warnings = [
        f"{path}:{lineno}: unknown field {k!r} kept in extra"
        for k in obj
        if k not in KNOWN_FIELDS and k not in EXTRA_FIELDS
    ]
    try:
        ext_id = obj.get("id")
        ext_id = None if ext_id is None else str(ext_id)
        url = _text(obj, "url")
        title, text = _text(obj, "title"), _text(obj, "text")
        published = parse_date(obj.get("date"))
    except ValueError as e:
        raise InputError(str(e), path=path, line=lineno) from e
    if not title and not text:
        raise InputError("article has neither title nor text", path=path, line=lineno)
    if url:
        try:
            key = canonicalize_url(url.replace("\\", ""))
        except InputError as e:
            raise InputError(f"bad url {url!r}: {e}", path=path, line=lineno) from e
    elif ext_id:
        key = f"urn:everyside:import:{ext_id}"
    else:
        raise InputError("article has neither url nor id", path=path, line=lineno)
    extra = {k: v for k, v in obj.items() if k not in KNOWN_FIELDS}
    values = {
        "key": key,
        "url": url,
        "domain": _text(obj, "domain"),
        "source": _text(obj, "source"),
        "external_id": ext_id,
        "title": title,
        "text": text,
        "lang": _text(obj, "lang"),
        "published_at": published,
        "fetched_at": now,
        "content_hash": content_hash(text or title),
        "extraction": "import",
        "extra": extra or None,
    }
    return Row(lineno, values), warnings


# Columns whose change makes a re-imported line an update (fetched_at is not one of them).
COMPARED = (
    "url",
    "domain",
    "source",
    "external_id",
    "title",
    "text",
    "lang",
    "published_at",
    "content_hash",
    "extra",
    "outlet_id",
)


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for lineno, raw in enumerate(fh, 1):
            if raw.strip():
                yield lineno, raw


def _write_batch(
    conn: Connection,
    rows: list[Row],
    report: ImportReport,
    now: datetime,
    copies: DuplicateIndex,
) -> None:
    keys = [r.values["key"] for r in rows]
    existing = {
        rec.key: rec
        for rec in conn.execute(
            select(t.articles.c.id, t.articles.c.key, *[t.articles.c[c] for c in COMPARED]).where(
                t.articles.c.key.in_(keys)
            )
        )
    }
    new = []
    for row in rows:
        v = row.values
        old = existing.get(v["key"])
        if old is None:
            new.append({**v, "created_at": now, "updated_at": now})
            continue
        changed = {c: v[c] for c in COMPARED if getattr(old, c) != v[c] and v[c] is not None}
        if not changed:
            report.unchanged += 1
            continue
        conn.execute(
            update(t.articles).where(t.articles.c.id == old.id).values(**changed, updated_at=now)
        )
        report.updated += 1
        report.article_ids.append(old.id)
    if new:
        ids = (
            conn.execute(
                insert(t.articles).returning(t.articles.c.id, sort_by_parameter_order=True), new
            )
            .scalars()
            .all()
        )
        _mark_copies(conn, copies, list(zip(ids, new, strict=True)), now)
        report.inserted += len(new)
        report.article_ids.extend(ids)


def _mark_copies(
    conn: Connection,
    copies: DuplicateIndex,
    inserted: list[tuple[int, dict[str, Any]]],
    now: datetime,
) -> None:
    """Syndicated copies: (nearly) the same text as an earlier article of another outlet.

    Done after the insert, in file order and in the same transaction, so that copies within
    one batch find each other by their real ids."""
    marks = []
    for aid, v in inserted:
        fp = copies.fingerprint(v["text"])
        original = copies.find_original(v["text"], _outlet_key(v), fp)
        copies.add(aid, _outlet_key(v), now, v["text"], original, fp)
        if original is not None:
            marks.append({"aid": aid, "orig": original})
    if marks:
        a = t.articles
        conn.execute(
            update(a).where(a.c.id == bindparam("aid")).values(copy_of=bindparam("orig")), marks
        )


def _outlet_key(values: dict[str, Any]) -> str:
    return str(values.get("outlet_id") or values.get("domain") or "")


def _duplicate_index(store: Store, now: datetime, window_days: float) -> DuplicateIndex:
    """The near-duplicate index, seeded with the stored articles of the window."""
    index = DuplicateIndex(window=timedelta(days=window_days))
    a = t.articles.c
    with store.read() as conn:
        rows = conn.execute(
            select(a.id, a.outlet_id, a.domain, a.text, a.copy_of)
            .where(a.created_at >= now - index.window)
            .order_by(a.id)
        )
        for r in rows:
            key = str(r.outlet_id or r.domain or "")
            index.add(r.id, key, now, r.text, r.copy_of)
    return index


def import_jsonl(
    store: Store,
    path: str | Path,
    now: datetime,
    resolver: OutletResolver,
    progress: Callable[[int], None] | None = None,
    dedupe_window_days: float = 3.0,
) -> ImportReport:
    """Import one JSONL file; never raises for a bad line (see report.errors)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file; give the path of a .jsonl file", path=str(path))
    report = ImportReport(str(path))
    copies = _duplicate_index(store, now, dedupe_window_days)
    seen: dict[str, int] = {}
    batch: list[Row] = []

    def flush() -> None:
        if batch:
            rows = list(batch)
            store.write(lambda conn: _resolve_and_write(conn, rows))
            batch.clear()

    def _resolve_and_write(conn: Connection, rows: list[Row]) -> None:
        for row in rows:
            row.values["outlet_id"] = resolver.outlet_id(
                conn, row.values["url"], row.values["domain"], row.values["source"], now
            )
        _write_batch(conn, rows, report, now, copies)

    for lineno, raw in iter_lines(path):
        report.lines += 1
        try:
            row, warns = parse_line(raw, str(path), lineno, now)
        except InputError as e:
            report.errors.append(str(e))
            log.warning("%s", e)
        else:
            report.warnings.extend(warns)
            key = row.values["key"]
            if key in seen:
                report.errors.append(
                    f"{path}:{lineno}: duplicate of line {seen[key]} (same canonical URL/id "
                    f"{key}); skipped"
                )
            else:
                seen[key] = lineno
                batch.append(row)
                if len(batch) >= BATCH:
                    flush()
        if progress:
            progress(len(raw.encode("utf-8")))
    flush()
    return report
