"""Outlets in and out of the store as files: `outlets export/import` (JSON or CSV, lossless
round trip) and `ratings import --rater NAME FILE` (a rating pack as CSV).

A bad line never stops an import: each one becomes a message naming the file and line, the
good lines are written, and the caller prints a summary. Formats are documented in
docs/ratings.md.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from everyside.domain.model import BIAS_TIERS, FACTUALITY_TIERS
from everyside.domain.times import to_db
from everyside.errors import InputError
from everyside.registry.raters import BY_NAME as BUNDLED_RATERS
from everyside.registry.raters import RATER_INFO
from everyside.store import Store
from everyside.store.catalog import find_outlet_id
from everyside.store.directory import refresh_outlet_cache
from everyside.store.outlet_records import (
    FIELDS,
    LISTS,
    export_records,
    rater_id,
    upsert_rating,
    upsert_records,
    validate,
)

__all__ = ["ImportReport", "export_records", "import_ratings", "import_records", "write_export"]
Connection = Any  # an open store connection (inside `store.write(fn)`)


@dataclass
class ImportReport:
    path: str
    ok: int = 0
    errors: list[str] = field(default_factory=list)


# -- export -------------------------------------------------------------------------------
def write_export(records: list[dict[str, Any]], path: Path, fmt: str) -> None:
    if fmt == "json":
        path.write_text(
            json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        return
    if fmt != "csv":
        raise InputError(f"unknown format {fmt!r}; use csv or json")
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(FIELDS + LISTS)
        for r in records:
            w.writerow(
                [r[k] if r[k] is not None else "" for k in FIELDS]
                + [json.dumps(r[k], ensure_ascii=False, sort_keys=True) for k in LISTS]
            )


# -- import -------------------------------------------------------------------------------
def read_export(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line, record) pairs from an export file, JSON (list) or CSV (by extension/content)."""
    if not path.exists():
        raise InputError("no such file", path=str(path))
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        try:
            return list(enumerate(json.loads(text), 1))
        except json.JSONDecodeError as e:
            raise InputError(f"not valid JSON: {e}", path=str(path)) from e
    rows = []
    for line, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), 2):
        rec: dict[str, Any] = {k: (row.get(k) or None) for k in FIELDS}
        for k in LISTS:
            try:
                rec[k] = json.loads(row.get(k) or "[]")
            except json.JSONDecodeError:
                rec[k] = "not JSON"  # reported by validate()
        rows.append((line, rec))
    return rows


def import_records(store: Store, path: Path, now: datetime) -> ImportReport:
    """Upsert the outlets of an export file; bad records are reported and skipped."""
    report = ImportReport(str(path))
    good = []
    for line, rec in read_export(path):
        try:
            good.append(validate(rec))
        except InputError as e:
            report.errors.append(f"{path}:{line}: {e}")

    def write(conn: Connection) -> None:
        touched = upsert_records(conn, good, to_db(now))
        refresh_outlet_cache(conn, touched, RATER_INFO)

    store.write(write)
    report.ok = len(good)
    return report


# -- rating packs -------------------------------------------------------------------------
LABELS = {
    "bias": {t.lower(): float(i - 3) for i, t in enumerate(BIAS_TIERS)},
    "factuality": {t.lower(): float(i) for i, t in enumerate(FACTUALITY_TIERS)},
}
RANGES = {"bias": (-3.0, 3.0), "factuality": (0.0, 4.0)}


def parse_rating_row(row: dict[str, str]) -> tuple[str, str, str, float | None, str | None]:
    """(domain, axis, label, value, date) of one rating-pack row, or InputError."""
    domain, axis = (row.get("domain") or "").strip(), (row.get("axis") or "").strip().lower()
    label = (row.get("label") or "").strip()
    if not domain or not label:
        raise InputError("domain and label are required")
    if axis not in RANGES:
        raise InputError(f"axis {axis!r} is not bias or factuality")
    text = (row.get("value") or "").strip()
    try:
        value = float(text) if text else LABELS[axis].get(label.lower())
    except ValueError:
        raise InputError(f"value {text!r} is not a number") from None
    low, high = RANGES[axis]
    if value is not None and not low <= value <= high:
        raise InputError(f"{axis} value {value} is outside {low:g}..{high:g}")
    rated_on = (row.get("date") or "").strip() or None
    if rated_on:
        try:
            date.fromisoformat(rated_on)
        except ValueError:
            raise InputError(f"date {rated_on!r} is not YYYY-MM-DD") from None
    return domain, axis, label, value, rated_on


def import_ratings(store: Store, rater: str, path: Path, now: datetime) -> ImportReport:
    """Load a rating pack (CSV `domain,axis,label[,value,date]`) as rater `rater`."""
    if rater in BUNDLED_RATERS:
        raise InputError(
            f"rater {rater!r} is a bundled rater (its ratings are replaced on "
            "every sync); import under another name, e.g. my-{rater}"
        )
    if not path.exists():
        raise InputError("no such file", path=str(path))
    report = ImportReport(str(path))
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(enumerate(csv.DictReader(f), 2))
    if rows and not {"domain", "axis", "label"} <= set(rows[0][1]):
        raise InputError(
            "the header must name the columns domain,axis,label[,value,date]",
            path=str(path),
            line=1,
        )

    def write(conn: Connection) -> None:
        rid = rater_id(conn, rater)
        touched = set()
        for line, row in rows:
            try:
                domain, axis, label, value, rated_on = parse_rating_row(row)
                oid = find_outlet_id(conn, domain)
                if oid is None:
                    raise InputError(
                        f"no outlet {domain!r}; add it first with `everyside outlets add`"
                    )
                upsert_rating(conn, rid, oid, axis, label, value, rated_on, f"{path}:{line}")
                touched.add(oid)
                report.ok += 1
            except InputError as e:
                report.errors.append(f"{path}:{line}: {e}")
        refresh_outlet_cache(conn, sorted(touched), RATER_INFO)

    store.write(write)
    return report
