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
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from everyside.domain.errors import InputError
from everyside.domain.times import parse_iso_strict, to_db
from everyside.domain.urls import article_key, unescape_url
from everyside.services.articles import ArticleDraft, ArticleWriter, Prepared
from everyside.store import Store

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
    draft: ArticleDraft

    @property
    def values(self) -> dict[str, Any]:
        return asdict(self.draft)


def parse_date(value: Any) -> datetime | None:
    """ISO 8601 → naive UTC (the store's convention). None for null/empty."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"date must be an ISO 8601 string, not {type(value).__name__}")
    return to_db(parse_iso_strict(value))


def _text(obj: dict[str, Any], name: str) -> str | None:
    v = obj.get(name)
    if v is None:
        return None
    if not isinstance(v, str):
        raise ValueError(f"field {name!r} must be a string or null")
    v = v.strip()
    return v or None


def parse_line(raw: str, path: str, lineno: int, now: datetime) -> tuple[Row, list[str]]:
    """One JSONL line → an article draft (keyed; outlet and dedupe are the write path's job).
    Raises InputError naming the file and line."""
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
        url = unescape_url(url) if url else url  # `\?` and `&amp;` of scraped files
        title, text = _text(obj, "title"), _text(obj, "text")
        published = parse_date(obj.get("date"))
        domain, source, lang = _text(obj, "domain"), _text(obj, "source"), _text(obj, "lang")
    except ValueError as e:
        raise InputError(str(e), path=path, line=lineno) from e
    if not title and not text:
        raise InputError("article has neither title nor text", path=path, line=lineno)
    try:
        key = article_key(url, ext_id)
    except InputError as e:
        raise InputError(str(e), path=path, line=lineno) from e
    extra = {k: v for k, v in obj.items() if k not in KNOWN_FIELDS}
    draft = ArticleDraft(
        key=key,
        url=url,
        domain=domain,
        source=source,
        outlet_name=source,
        external_id=ext_id,
        title=title,
        text=text,
        lang=lang,
        published_at=published,
        fetched_at=now,
        extraction="import",
        extra=extra or None,
    )
    return Row(lineno, draft), warnings


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for lineno, raw in enumerate(fh, 1):
            if raw.strip():
                yield lineno, raw


def import_jsonl(
    store: Store,
    path: str | Path,
    now: datetime,
    writer: ArticleWriter,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import one JSONL file through the write path; never raises for a bad line (see
    report.errors). The writer's duplicate index should hold the store's window
    (`writer.rebuild`), as `everyside.services.pipeline.import_files` makes sure."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file; give the path of a .jsonl file", path=str(path))
    report = ImportReport(str(path))
    seen: dict[str, int] = {}
    batch: list[Prepared] = []

    def flush() -> None:
        if batch:
            result = writer.write_batch(store, list(batch), now)
            report.inserted += len(result.inserted)
            report.updated += len(result.updated)
            report.unchanged += result.unchanged
            report.article_ids.extend(result.article_ids)
            batch.clear()

    for lineno, raw in iter_lines(path):
        report.lines += 1
        try:
            row, warns = parse_line(raw, str(path), lineno, now)
            prepared = writer.prepare(row.draft)
        except InputError as e:
            msg = str(e) if e.line else f"{path}:{lineno}: {e}"
            report.errors.append(msg)
            log.warning("%s", msg)
        else:
            report.warnings.extend(warns)
            key = str(prepared.draft.key)
            if key in seen:
                report.errors.append(
                    f"{path}:{lineno}: duplicate of line {seen[key]} (same canonical URL/id "
                    f"{key}); skipped"
                )
            else:
                seen[key] = lineno
                batch.append(prepared)
                if len(batch) >= BATCH:
                    flush()
        if progress:
            progress(len(raw.encode("utf-8")))
    flush()
    return report
