"""Issue 16, item 3: one bad import line must not abort the import.

On the audited code a 10,000-deep line raised RecursionError out of `everyside import` (the
whole file lost), a NaN or a 300-character domain made PostgreSQL refuse a batch of 500 good
lines with it, a 50 MB line was read whole, and the command had no way to list the skipped
lines or to fail on them. Now each line is validated against a declared schema
(`services.importer.ImportLine`), bad ones are reported by line number and reason (`--errors
FILE` as JSONL), every good line is imported, and only `--strict` turns skipped lines into a
non-zero exit status. On SQLite and PostgreSQL, through the real command.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from datetime import datetime
from itertools import count
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import func, select

from everyside.errors import InputError
from everyside.registry import load_directory
from everyside.services.articles import ArticleWriter
from everyside.services.directory import sync_directory
from everyside.services.importer import import_jsonl, parse_line
from everyside.services.outlets import OutletResolver
from everyside.settings import load_settings
from everyside.store import Store, open_store
from everyside.store import schema as t

NOW = datetime(2026, 11, 29, 12, 0, 0)
DEEP = 10_000
BIG = 50 * 1024 * 1024


def _writer() -> ArticleWriter:
    return ArticleWriter(load_settings(env={"EVERYSIDE_CONFIG": "/nonexistent"}), OutletResolver())


def _good(i: int, **more: object) -> str:
    return json.dumps(
        {"id": f"good-{i}", "title": f"Council votes on budget {i}", "text": "The council met.",
         "url": f"https://good.example/{i}", "date": "2026-11-28T10:00:00Z", **more}
    )  # fmt: skip


# (line, a piece of the reason): every way of being wrong the audit tried, and some more
BAD: list[tuple[str, str]] = [
    ('{"id": "b1", "title": "t", "lang": 5}', "'lang' must be a string or null, not int"),
    ('{"id": "b2", "title": "t", "domain": []}', "'domain' must be a string or null, not list"),
    ('{"id": "b3", "title": "t", "source": {}}', "'source' must be a string or null, not dict"),
    ('{"id": true, "title": "t"}', "'id' must be a string or an integer or null, not bool"),
    ('{"id": "b5", "title": ["t"]}', "'title' must be a string or null, not list"),
    ('{"id": "b6", "text": 1.5}', "'text' must be a string or null, not float"),
    ('{"id": "b7", "title": "t", "x": ' + "[" * DEEP + "]" * DEEP + "}", "nested too deeply"),
    ("[" * DEEP + "]" * DEEP, "nested too deeply"),
    ('{"id": "b9", "title": "t", "x": ' + "[" * 100 + "]" * 100 + "}", "deeper than 32"),
    ('{"id": "b10", "title": "t", "score": NaN}', "NaN is not a JSON number"),
    ('{"id": "b11", "title": "t", "score": 1e400}', "out of range"),
    ('{"id": "b12", "title": "t", "domain": "' + "d" * 300 + '"}', "at most 253 characters"),
    ('{"id": ' + "9" * 5000 + ', "title": "t"}', "not valid JSON"),
    ('{"id": "b15", "title": "t", "date": "yesterday"}', "Invalid isoformat"),
    ('{"id": "b16", "title": " \\u0000 "}', "neither title nor text"),
    ('"just a string"', "expected a JSON object"),
    ("{broken", "not valid JSON"),
]


def _hostile_file(path: Path) -> tuple[int, dict[int, str]]:
    """Good lines (with a lone surrogate escape, raw undecodable bytes, a BOM-free long tag)
    between every bad one, and a 50 MB line. Returns (good lines, bad line number -> reason)."""
    good, bad = 0, {}
    with path.open("wb") as f:
        n = 0

        def write(raw: bytes) -> int:
            nonlocal n
            f.write(raw + b"\n")
            n += 1
            return n

        for i, (line, reason) in enumerate(BAD):
            write(_good(i).encode())
            bad[write(line.encode())] = reason
        write(_good(100, title="lone \ud800 surrogate").encode())  # as a JSON escape
        write(_good(101).encode().replace(b"Council", b"Counc\xed\xa0\x80il"))  # bytes of one
        write(_good(102, lang="zh-Hant-TW").encode())
        write(_good(104, lang="en_US!!").encode())  # no language tag: left out, line kept
        good = len(BAD) + 4
        f.write(b'{"id": "huge", "title": "')
        f.write(b"a" * BIG)
        f.write(b'"}\n')
        n += 1
        bad[n] = "over import_max_line_bytes"
        write(_good(103).encode())
        good += 1
    return good, bad


def _articles(store: Store) -> dict[str, object]:
    with store.read() as conn:
        rows = conn.execute(select(t.articles.c.external_id, t.articles.c.title)).all()
    return dict(rows)


def test_bad_lines_are_skipped_with_their_reason_and_every_good_line_is_imported(
    store: Store, tmp_path: Path
) -> None:
    f = tmp_path / "hostile.jsonl"
    good, bad = _hostile_file(f)
    found = []
    tracemalloc.start()
    try:
        rep = import_jsonl(store, f, NOW, _writer(), on_bad=found.append)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (rep.inserted, rep.failed, rep.lines) == (good, len(bad), good + len(bad))
    assert {b.line: b.reason for b in found}.keys() == bad.keys()
    for b in found:
        assert bad[b.line] in b.reason, (b.line, b.reason)
        assert b.message in rep.errors
    assert peak < 30 * 1024 * 1024  # the 50 MB line was never held whole (default limit 10 MB)
    huge = next(b for b in found if b.reason.startswith("line of"))
    assert huge.size == BIG + len(b'{"id": "huge", "title": ""}\n')
    stored = _articles(store)
    assert len(stored) == good
    assert stored["good-100"] == "lone \ufffd surrogate"
    assert stored["good-101"] == "Counc\ufffd\ufffd\ufffdil votes on budget 101"
    with store.read() as conn:
        lang = conn.execute(
            select(t.articles.c.lang).where(t.articles.c.external_id == "good-102")
        ).scalar_one()
    assert lang == "zh"
    with store.read() as conn:
        lang = conn.execute(
            select(t.articles.c.lang).where(t.articles.c.external_id == "good-104")
        ).scalar_one()
    assert lang is None
    assert any(":" in w and "not a language tag; left out" in w for w in rep.warnings)


def test_a_batch_the_database_refuses_costs_only_its_bad_line(store: Store, tmp_path: Path) -> None:
    """A line whose values the database refuses although the schema let it through (forced
    here: a foreign key to no feed) costs only itself: its batch is written again line by
    line. On the audited code the whole import stopped."""
    f = tmp_path / "batch.jsonl"
    lines = [_good(i) for i in range(20)]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    writer = _writer()
    original = writer.prepare

    def prepare(draft):  # type: ignore[no-untyped-def]
        p = original(draft)
        if draft.external_id == "good-7":  # values no store accepts: a foreign key to nowhere
            p.draft.feed_id = 10**9
        return p

    writer.prepare = prepare  # type: ignore[method-assign]
    rep = import_jsonl(store, f, NOW, writer)
    assert (rep.inserted, rep.failed) == (19, 1), rep.errors
    assert rep.errors[0].startswith(f"{f}:8: the database refused it")
    assert "good-7" not in _articles(store)


@pytest.fixture(scope="module")
def synced_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database holding the bundled outlet directory (the command syncs it into an
    empty database first, which takes longer than the rest), copied by each test."""
    path = tmp_path_factory.mktemp("import-cli") / "template.db"
    store = open_store(f"sqlite:///{path}")
    sync_directory(store, load_directory(), NOW)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.slow])]
)
def synced_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Store]]:
    """A database with the outlet directory synced, on SQLite (a copy of the template) and on
    PostgreSQL (synced here: slow)."""
    if request.param == "sqlite":
        path = tmp_path / "cli.db"
        shutil.copy(request.getfixturevalue("synced_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_url")
    store = open_store(url, migrate=True)
    if request.param == "postgres":
        sync_directory(store, load_directory(), NOW)
    yield url, store
    store.close()


def _cli(db_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "EVERYSIDE_DATA_DIR": str(tmp_path / "data"),
        "EVERYSIDE_DATABASE_URL": db_url,
        "EVERYSIDE_CONFIG": str(tmp_path / "none.toml"),
    }
    cmd = [sys.executable, "-m", "everyside", "import", "--no-process", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def test_the_import_command_reports_bad_lines_and_is_strict_only_when_asked(
    synced_db: tuple[str, Store], tmp_path: Path
) -> None:
    """The real command: exit 0 with the bad lines in `--errors FILE`; `--strict` exits 1 when
    a line was skipped (on the audited code there was no `--errors`, no `--strict`, and the
    10,000-deep line ended the process with a RecursionError)."""
    db_url, store = synced_db
    f = tmp_path / "hostile.jsonl"
    good, bad = _hostile_file(f)
    errors = tmp_path / "errors.jsonl"
    done = _cli(db_url, tmp_path, "--errors", str(errors), str(f))
    assert done.returncode == 0, done.stderr
    # the summary table: lines, new, updated, unchanged, failed
    assert _counts(done.stdout) == [good + len(bad), good, 0, 0, len(bad)]
    rows = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in rows] == sorted(bad)
    for r in rows:
        assert r["path"] == str(f) and bad[r["line"]] in r["reason"]
        assert len(r["raw"]) <= 4096 and r["bytes"] > 0
    assert rows[-1]["truncated"] is True and rows[-1]["raw"].startswith('{"id": "huge"')
    assert len(_articles(store)) == good
    # --strict: the same file again (nothing new) exits 1 because lines were skipped
    strict = _cli(db_url, tmp_path, "--strict", str(f))
    assert strict.returncode == 1, strict.stderr
    assert _counts(strict.stdout) == [good + len(bad), 0, 0, good, len(bad)]


def _counts(stdout: str) -> list[int]:
    """The numbers of the import's summary table row (a file column, then the counts)."""
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│")]
        nums = [int(c) for c in cells[2:] if c.isdigit()]
        if len(nums) >= 5:
            return nums[:5]
    raise AssertionError(f"no summary table in {stdout!r}")


# -- fuzzing ---------------------------------------------------------------------------------

HOSTILE_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)


def _json(floats: st.SearchStrategy[float]) -> st.SearchStrategy[object]:
    return st.recursive(
        st.none() | st.booleans() | st.integers() | floats | HOSTILE_TEXT,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_TEXT, inner, max_size=4)
        ),
        max_leaves=20,
    )


JSON_VALUES = _json(st.floats())  # NaN and infinities included
JSON_STORABLE = _json(st.floats(allow_nan=False, allow_infinity=False))
FUZZ = hsettings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(value=JSON_VALUES, raw=HOSTILE_TEXT)
def test_parse_line_raises_only_input_error(value: object, raw: str) -> None:
    """Any JSON value (NaN, huge numbers, hostile keys and texts, any shape) and any text at
    all: a draft or an InputError naming the line, nothing else."""
    for line in (json.dumps(value), json.dumps({"id": "1", "title": "t", "x": value}), raw):
        try:
            parse_line(line, "f.jsonl", 3, NOW)
        except InputError as e:
            assert str(e).startswith("f.jsonl:3: ")


_IDS = count()
GOOD_LINE = st.builds(
    lambda title, text, extra: json.dumps(
        {
            "id": f"fuzz-{next(_IDS)}",
            "title": "Story " + title,
            "text": text,
            "lang": "en",
            "extra": extra,
        }  # fmt: skip
    ),
    HOSTILE_TEXT,
    HOSTILE_TEXT,
    JSON_STORABLE,
)
BAD_LINE = st.one_of(
    JSON_VALUES.filter(lambda v: not isinstance(v, dict)).map(json.dumps),
    st.builds(
        lambda v: json.dumps({"id": "x", "title": "t", "lang": v}),
        st.integers() | st.booleans() | st.lists(st.integers(), max_size=2) | st.just({}),
    ),
    st.integers(1_000, 20_000).map(lambda d: '{"title": "t", "x": ' + "[" * d + "]" * d + "}"),
    HOSTILE_TEXT.map(lambda s: "x" + s.replace("\n", " ")),
)


@hsettings(FUZZ, max_examples=50)
@given(lines=st.lists(st.tuples(st.booleans(), GOOD_LINE, BAD_LINE), min_size=1, max_size=8))
def test_fuzzed_files_lose_no_good_line(
    sqlite_store: Store, tmp_path: Path, lines: list[tuple[bool, str, str]]
) -> None:
    """Files mixing good lines with hostile texts and bad lines of every kind: no exception,
    every good line stored, every bad line reported by its number."""
    f = tmp_path / "fuzz.jsonl"
    chosen = [g if ok else b for ok, g, b in lines]
    f.write_bytes(
        b"\n".join(c.encode("utf-8", "surrogatepass").replace(b"\r", b" ") for c in chosen)
    )
    bad_numbers = {i + 1 for i, (ok, _, _) in enumerate(lines) if not ok}
    with sqlite_store.read() as conn:
        before = conn.execute(select(func.count()).select_from(t.articles)).scalar_one()
    found = []
    rep = import_jsonl(sqlite_store, f, NOW, _writer(), on_bad=found.append)
    good = sum(ok for ok, _, _ in lines)
    assert rep.inserted == good, rep.errors
    assert {b.line for b in found} == bad_numbers
    assert rep.failed == len(found) == rep.lines - good
    with sqlite_store.read() as conn:
        after = conn.execute(select(func.count()).select_from(t.articles)).scalar_one()
    assert after - before == good
