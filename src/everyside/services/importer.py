"""`everyside import FILE.jsonl`: load articles in the format of `shared/data/stories/*.jsonl`.

One JSON object per line, normalised (`domain.text.normalize.clean_value`: controls, lone
surrogates, NFC) and validated against a declared schema (`ImportLine`, pydantic): `id` (string
or integer), `title`, `text`, `date` (ISO 8601), `source`, `domain`, `url`, `lang` (strings or
null; a `lang` that is no language tag is left out with a warning), at least a title or a text,
a URL or an id; any other field (`side`, `topic`, `summary`, ...) is kept in `articles.extra`
when it is plain JSON no deeper than `MAX_EXTRA_DEPTH` levels with finite numbers. The import is
idempotent: the key of an article is its canonical URL, or `urn:everyside:import:<id>` when it
has no URL, and a line whose content is already stored unchanged writes nothing.

A bad line — not JSON, nested too deeply, a field of the wrong type, longer than
`import_max_line_bytes` (read a piece at a time and skipped, never held whole), refused by the
database — is skipped and reported with its line number and the reason (`ImportReport.errors`,
and `on_bad` as found: `everyside import --errors FILE` writes them as JSONL); every good line is
imported. Lines are committed in batches, each batch one transaction, so a killed import leaves
only whole batches behind and a re-run skips them; a batch the database refuses is written
again line by line, so one refused line costs only itself.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, BinaryIO

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from everyside.domain.errors import InputError, StoreError
from everyside.domain.text.normalize import clean_value
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
MAX_EXTRA_DEPTH = 32  # nesting levels of one extra field's value
MAX_KEPT_MESSAGES = 1000  # bad-line messages kept in a report (all are counted and streamed)
RAW_KEPT = 4096  # characters of a bad line kept for the --errors file
DEFAULT_MAX_LINE_BYTES = 10_000_000
# a language tag ("en", "pt-BR", "zh-Hant-TW"); stored whole up to 8 characters, else its
# primary subtag (as the ingest does with a feed's <language>)
_LANG = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_problem(value: Any) -> str | None:
    """Why an extra field's value cannot be stored as JSON (too deep, NaN/inf), else None."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, float) and not math.isfinite(v):
            return "holds a number out of range"
        if isinstance(v, dict | list):
            if depth > MAX_EXTRA_DEPTH:
                return f"is nested deeper than {MAX_EXTRA_DEPTH} levels"
            stack.extend((c, depth + 1) for c in (v.values() if isinstance(v, dict) else v))
    return None


def parse_date(value: Any) -> datetime | None:
    """ISO 8601 → naive UTC (the store's convention). None for null/empty."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"date must be an ISO 8601 string, not {type(value).__name__}")
    return to_db(parse_iso_strict(value))


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    return value


class ImportLine(BaseModel):
    """The declared schema of one line of an import file."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: StrictStr | StrictInt | None = None
    title: StrictStr | None = None
    text: StrictStr | None = None
    date: datetime | None = None  # an ISO 8601 string in the file; naive UTC here
    source: StrictStr | None = None
    domain: Annotated[StrictStr, Field(max_length=253)] | None = None
    url: StrictStr | None = None
    lang: StrictStr | None = None

    @field_validator("title", "text", "source", "domain", "url", "lang", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> datetime | None:
        return parse_date(value)

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _LANG.fullmatch(value):
            raise ValueError("not a language tag (such as 'en' or 'pt-BR')")
        return value if len(value) <= 8 else re.split("[-_]", value)[0].lower()

    @model_validator(mode="after")
    def _whole(self) -> ImportLine:
        if not self.title and not self.text:
            raise ValueError("article has neither title nor text")
        for name, value in (self.model_extra or {}).items():
            problem = _json_problem(value)
            if problem:
                raise ValueError(f"field {name!r} {problem}")
        return self

    @property
    def external_id(self) -> str | None:
        return None if self.id is None else str(self.id)

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def _reason(err: ValidationError) -> str:
    """The first validation error as one line: the field, then what is wrong."""
    e = err.errors(include_url=False)[0]
    name = str(e["loc"][0]) if e["loc"] else ""
    kind = e["type"]
    if kind == "value_error":
        msg = str(e.get("ctx", {}).get("error") or e["msg"])
    elif kind in ("string_type", "int_type"):
        got = "null" if e["input"] is None else type(e["input"]).__name__
        allowed = "a string or an integer" if name == "id" else "a string"
        return f"field {name!r} must be {allowed} or null, not {got}"
    else:
        msg = e["msg"]
    return f"field {name!r}: {msg}" if name else msg


@dataclass(frozen=True)
class BadLine:
    """A skipped line: where, why, its size and (the start of) its text."""

    path: str
    line: int
    reason: str
    size: int  # bytes
    raw: str  # the line, cut at RAW_KEPT characters

    @property
    def message(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "reason": self.reason,
            "bytes": self.size,
            "raw": self.raw,
            "truncated": len(self.raw) < self.size and self.size > RAW_KEPT,
        }


@dataclass
class ImportReport:
    path: str
    lines: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # the first MAX_KEPT_MESSAGES
    warnings: list[str] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)  # inserted or updated


@dataclass(frozen=True)
class Row:
    line: int
    draft: ArticleDraft

    @property
    def values(self) -> dict[str, Any]:
        return asdict(self.draft)


def parse_line(raw: str, path: str, lineno: int, now: datetime) -> tuple[Row, list[str]]:
    """One JSONL line → an article draft (keyed; outlet and dedupe are the write path's job).
    Raises InputError naming the file and line."""
    try:
        obj = json.loads(raw, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise InputError(
            f"not valid JSON ({e.msg} at column {e.colno})", path=path, line=lineno
        ) from e
    except RecursionError as e:
        raise InputError("not valid JSON (nested too deeply)", path=path, line=lineno) from e
    except ValueError as e:  # NaN/Infinity, an integer of more than 4300 digits
        raise InputError(f"not valid JSON ({e})", path=path, line=lineno) from e
    if not isinstance(obj, dict):
        raise InputError("expected a JSON object", path=path, line=lineno)
    # the one normalisation first (controls, lone surrogates, NFC), then the schema
    obj = clean_value(obj)
    notes = []
    lang = obj.get("lang")
    if isinstance(lang, str) and lang.strip() and not _LANG.fullmatch(lang.strip()):
        # optional metadata: a value that is no language tag is left out, not the article
        notes.append(f"{path}:{lineno}: lang {lang[:20]!r} is not a language tag; left out")
        obj["lang"] = None
    try:
        line = ImportLine.model_validate(obj)
    except ValidationError as e:
        raise InputError(_reason(e), path=path, line=lineno) from e
    except RecursionError as e:  # pragma: no cover - json.loads refuses such depth first
        raise InputError("nested too deeply", path=path, line=lineno) from e
    warnings = notes + [
        f"{path}:{lineno}: unknown field {k!r} kept in extra"
        for k in line.extra
        if k not in EXTRA_FIELDS
    ]
    try:
        url = unescape_url(line.url) if line.url else line.url  # `\?`, `&amp;` of scraped files
        key = article_key(url, line.external_id)
    except InputError as e:
        raise InputError(str(e), path=path, line=lineno) from e
    draft = ArticleDraft(
        key=key,
        url=url,
        domain=line.domain,
        source=line.source,
        outlet_name=line.source,
        external_id=line.external_id,
        title=line.title,
        text=line.text,
        lang=line.lang,
        published_at=line.date,
        fetched_at=now,
        extraction="import",
        extra=line.extra or None,
    )
    return Row(lineno, draft), warnings


@dataclass(frozen=True)
class Line:
    """One line of a file as read: its text, or None when it is over the size limit."""

    number: int
    text: str | None
    size: int  # bytes, newline included
    head: str  # the start of the line (all of it when it was read)


def _skip_rest(fh: BinaryIO) -> int:
    """Read past the rest of an over-long line a MiB at a time; the bytes skipped."""
    skipped = 0
    while True:
        part = fh.readline(1 << 20)
        skipped += len(part)
        if not part or part.endswith(b"\n"):
            return skipped


def iter_lines(path: Path, max_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[Line]:
    """The non-blank lines of `path`, each read with at most `max_bytes` + 1 bytes in memory:
    a longer line is skipped a piece at a time and yielded without its text. Undecodable
    bytes (invalid UTF-8, encoded lone surrogates) become U+FFFD."""
    with path.open("rb") as fh:
        number = 0
        while True:
            data = fh.readline(max_bytes + 1)
            if not data:
                return
            number += 1
            if len(data) > max_bytes and not data.endswith(b"\n"):
                size = len(data) + _skip_rest(fh)
                yield Line(number, None, size, data[:RAW_KEPT].decode("utf-8", "replace"))
                continue
            text = data.decode("utf-8", "replace")
            if number == 1:
                text = text.removeprefix("\ufeff")  # a byte order mark
            if text.strip():
                yield Line(number, text, len(data), text)


def import_jsonl(
    store: Store,
    path: str | Path,
    now: datetime,
    writer: ArticleWriter,
    progress: Callable[[int], None] | None = None,
    *,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    on_bad: Callable[[BadLine], None] | None = None,
) -> ImportReport:
    """Import one JSONL file through the write path; never raises for a bad line (see
    report.errors, and `on_bad` called for each as it is found). The writer's duplicate index
    should hold the store's window (`writer.rebuild`), as `everyside.services.pipeline.
    import_files` makes sure."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file; give the path of a .jsonl file", path=str(path))
    report = ImportReport(str(path))
    seen: dict[str, int] = {}
    batch: list[tuple[Line, Prepared]] = []

    def bad(line: Line, reason: str) -> None:
        found = BadLine(str(path), line.number, reason, line.size, line.head[:RAW_KEPT])
        report.failed += 1
        if len(report.errors) < MAX_KEPT_MESSAGES:
            report.errors.append(found.message)
        log.warning("%s", found.message)
        if on_bad is not None:
            on_bad(found)

    def count(result: Any) -> None:
        report.inserted += len(result.inserted)
        report.updated += len(result.updated)
        report.unchanged += result.unchanged
        report.article_ids.extend(result.article_ids)

    def flush() -> None:
        if not batch:
            return
        try:
            count(writer.write_batch(store, [p for _, p in batch], now))
        except StoreError as e:
            # one line the database refuses must not cost the others: write them one by one
            log.warning("%s: batch refused (%s); writing its lines one at a time", path, e)
            for line, prepared in batch:
                try:
                    count(writer.write_batch(store, [prepared], now))
                except StoreError as one:
                    seen.pop(str(prepared.draft.key), None)
                    bad(line, f"the database refused it: {_first_line(one)}")
        batch.clear()

    for line in iter_lines(path, max_line_bytes):
        report.lines += 1
        if progress:
            progress(line.size)
        if line.text is None:
            bad(line, f"line of {line.size} bytes is over import_max_line_bytes ({max_line_bytes})")
            continue
        try:
            row, warns = parse_line(line.text, str(path), line.number, now)
            prepared = writer.prepare(row.draft)
        except InputError as e:
            bad(line, str(e).removeprefix(f"{path}:{line.number}: "))
            continue
        report.warnings.extend(warns[: max(0, MAX_KEPT_MESSAGES - len(report.warnings))])
        key = str(prepared.draft.key)
        if key in seen:
            bad(line, f"duplicate of line {seen[key]} (same canonical URL/id {key}); skipped")
            continue
        seen[key] = line.number
        batch.append((line, prepared))
        if len(batch) >= BATCH:
            flush()
    flush()
    return report


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
