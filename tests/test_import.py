"""`everyside import`: parsing, bad input, idempotence, and surviving SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from everyside.errors import InputError
from everyside.services.articles import ArticleWriter
from everyside.services.importer import import_jsonl, parse_date, parse_line
from everyside.services.outlets import OutletResolver
from everyside.settings import load_settings
from everyside.store import schema as t


def _writer() -> ArticleWriter:
    """The one write path, with default settings and registered-domain outlets."""
    return ArticleWriter(load_settings(env={"EVERYSIDE_CONFIG": "/nonexistent"}), OutletResolver())


NOW = datetime(2026, 11, 29, 12, 0, 0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("2014-03-10T16:52:50Z", datetime(2014, 3, 10, 16, 52, 50)),
        ("2021-08-04T10:30:00-07:00", datetime(2021, 8, 4, 17, 30, 0)),
        ("2021-08-04", datetime(2021, 8, 4)),
    ],
)
def test_parse_date_to_naive_utc(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (
            '{"id": "1", "title": null, "text": null, "url": "https://a.example/x"}',
            "neither title nor text",
        ),
        ('{"title": "t"}', "neither url nor id"),
        ('{"id": "1", "title": "t", "date": "yesterday"}', "Invalid isoformat"),
        ('{"id": "1", "title": 5}', "must be a string"),
        ('{"id": "1", "title": "t", "date": 12}', "ISO 8601"),
    ],
)
def test_bad_lines_name_file_and_line(line, message):
    with pytest.raises(InputError) as err:
        parse_line(line, "f.jsonl", 7, NOW)
    assert str(err.value).startswith("f.jsonl:7: ")
    assert message in str(err.value)


def test_key_is_canonical_url_or_id():
    row, _ = parse_line(
        json.dumps({"id": "9", "title": "T", "url": "HTTPS://WWW.Example.com/a?utm_source=x"}),
        "f",
        1,
        NOW,
    )
    assert row.values["key"] == "https://example.com/a"
    row, _ = parse_line(json.dumps({"id": "neus-1", "title": "T", "url": None}), "f", 1, NOW)
    assert row.values["key"] == "urn:everyside:import:neus-1"


def test_unknown_field_is_a_warning_and_kept():
    row, warns = parse_line(json.dumps({"id": "1", "title": "T", "mood": "x"}), "f", 3, NOW)
    assert warns == ["f:3: unknown field 'mood' kept in extra"]
    assert row.values["extra"] == {"mood": "x"}


def _write(path: Path, rows: list[dict | str]) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
        encoding="utf-8",
    )
    return path


def _count(store) -> int:
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(t.articles)).scalar_one()


def test_import_continues_past_bad_lines_and_is_idempotent(store, tmp_path):
    rows = [
        {"id": "1", "title": "One", "url": "https://a.example/1", "domain": "a.example"},
        "{broken",
        {"id": "2", "title": "Two", "url": "https://a.example/2?utm_medium=rss"},
        {"id": "3", "title": "Dup", "url": "https://a.example/2"},
        {"id": "4", "title": "No url", "text": "body", "side": "left", "story": "s1"},
    ]
    f = _write(tmp_path / "in.jsonl", rows)
    rep = import_jsonl(store, f, NOW, _writer())
    assert (rep.lines, rep.inserted, rep.failed) == (5, 3, 2)
    assert any(":2: not valid JSON" in e for e in rep.errors)
    assert any(":4: duplicate of line 3" in e for e in rep.errors)
    again = import_jsonl(store, f, datetime(2026, 12, 1), _writer())
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert _count(store) == 3
    with store.read() as conn:
        extra = conn.execute(
            select(t.articles.c.extra).where(t.articles.c.external_id == "4")
        ).scalar_one()
        domains = set(conn.execute(select(t.outlets.c.domain)).scalars())
    assert extra == {"side": "left", "story": "s1"}
    assert domains == {"a.example"}


def test_changed_line_updates_in_place(store, tmp_path):
    f = _write(tmp_path / "a.jsonl", [{"id": "1", "title": "Old", "url": "https://b.example/1"}])
    import_jsonl(store, f, NOW, _writer())
    _write(f, [{"id": "1", "title": "New", "url": "https://b.example/1"}])
    rep = import_jsonl(store, f, NOW, _writer())
    assert (rep.inserted, rep.updated) == (0, 1)
    with store.read() as conn:
        assert conn.execute(select(t.articles.c.title)).scalar_one() == "New"


def test_missing_file_is_a_clear_error(store, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        import_jsonl(store, tmp_path / "nope.jsonl", NOW, _writer())


@pytest.mark.slow
def test_sigkill_mid_import_leaves_a_consistent_db_and_rerun_completes(tmp_path, shared_data):
    """Really kill an `everyside import` subprocess half-way, then finish with a re-run."""
    src = shared_data / "stories" / "neus_train.jsonl"
    big = tmp_path / "big.jsonl"
    with src.open(encoding="utf-8") as fin, big.open("w", encoding="utf-8") as fout:
        lines = fin.readlines()
        for copy in range(4):  # ~29k distinct articles: long enough to kill mid-way
            for raw in lines:
                obj = json.loads(raw)
                obj["id"] = f"{obj['id']}-{copy}"
                fout.write(json.dumps(obj) + "\n")
    total = 4 * len(lines)
    db = tmp_path / "kill.db"
    env = {
        **os.environ,
        "EVERYSIDE_DATA_DIR": str(tmp_path),
        "EVERYSIDE_DATABASE_URL": f"sqlite:///{db}",
        "EVERYSIDE_CONFIG": str(tmp_path / "none.toml"),
        "COLUMNS": "250",  # the summary table on one line per file
    }
    cmd = [sys.executable, "-m", "everyside", "import", "--no-process", str(big)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    engine = create_engine(f"sqlite:///{db}")
    seen = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            with engine.connect() as conn:
                seen = conn.execute(select(func.count()).select_from(t.articles)).scalar_one()
        except Exception:
            continue  # the schema is not there yet
        if seen >= 1000:
            break
    assert proc.poll() is None, f"import finished before it could be killed ({seen} rows)"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        partial = conn.execute(select(func.count()).select_from(t.articles)).scalar_one()
    assert 0 < partial < total
    engine.dispose()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        n = conn.execute(select(func.count()).select_from(t.articles)).scalar_one()
        keys = conn.execute(select(func.count(t.articles.c.key.distinct()))).scalar_one()
    engine.dispose()
    assert n == keys == total
    row = next(line for line in done.stdout.splitlines() if big.name in line)
    cells = [c.strip() for c in row.split("│")]  # file, lines, new, updated, unchanged, ...
    assert cells[3] == str(total - partial), done.stdout


def test_wire_copies_are_marked_as_copies_of_the_first(store, tmp_path):
    wire = " ".join(f"word{i} of the wire story about the council vote" for i in range(12))
    rows = [
        {"id": "1", "title": "Council votes", "text": wire, "url": "https://first.example/a"},
        {
            "id": "2",
            "title": "Council votes!",
            "text": wire + " Updated.",
            "url": "https://second.example/b",
        },
        {"id": "3", "title": "Council votes", "text": wire, "url": "https://third.example/c"},
        {
            "id": "4",
            "title": "Other",
            "text": "A different story entirely " * 10,
            "url": "https://fourth.example/d",
        },
        {"id": "5", "title": "Same outlet", "text": wire, "url": "https://first.example/e"},
    ]
    import_jsonl(store, _write(tmp_path / "w.jsonl", rows), NOW, _writer())
    with store.read() as conn:
        got = dict(conn.execute(select(t.articles.c.external_id, t.articles.c.copy_of)).all())
        first = conn.execute(
            select(t.articles.c.id).where(t.articles.c.external_id == "1")
        ).scalar_one()
    # the same outlet's repost resolves through the other copies to the first original too
    assert got == {"1": None, "2": first, "3": first, "4": None, "5": first}


@pytest.mark.slow
def test_import_prints_a_table_and_logs_only_with_verbose(tmp_path, shared_data):
    """One progress bar and a summary table; the per-story log lines and every warning with -v
    (issue 18: an import used to log a line per story)."""
    src = shared_data / "stories" / "allsides_dev.jsonl"
    part = tmp_path / "part.jsonl"
    lines = src.read_text(encoding="utf-8").splitlines(True)[:60]
    part.write_text("".join(lines) + "not json\n", encoding="utf-8")
    env = {
        **os.environ,
        "EVERYSIDE_DATA_DIR": str(tmp_path / "quiet"),
        "EVERYSIDE_CONFIG": str(tmp_path / "none.toml"),
        "COLUMNS": "250",
    }
    cmd = [sys.executable, "-m", "everyside", "import", str(part)]
    quiet = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert quiet.returncode == 0, quiet.stderr
    row = next(line for line in quiet.stdout.splitlines() if part.name in line)
    cells = [c.strip() for c in row.split("│")]
    assert cells[2:7] == ["61", "60", "0", "0", "1"], quiet.stdout
    assert "stories changed" in quiet.stdout and "summaries updated" in quiet.stdout
    assert " INFO " not in quiet.stderr and "summarised" not in quiet.stderr, quiet.stderr
    assert quiet.stderr.count("skipped") == 1  # the bad line, once
    env["EVERYSIDE_DATA_DIR"] = str(tmp_path / "verbose")
    loud = subprocess.run([*cmd, "-v"], env=env, capture_output=True, text=True, timeout=600)
    assert loud.returncode == 0, loud.stderr
    assert " INFO " in loud.stderr and "summarised" in loud.stderr


def test_imported_urls_are_unescaped(store, tmp_path):
    """Scraped files escape `?` for a shell and `&` for HTML (uci_dev.jsonl has 190 such URLs:
    `article.aspx\\?feed=OBR&amp;date=...`): stored URLs and keys are the real ones."""
    rows = [
        {"id": "1", "title": "One", "url": "http://main.omanobserver.om/\\?p=63376"},
        {"id": "2", "title": "Two", "url": "http://money.example/a.aspx\\?feed=OBR&amp;id=17"},
    ]
    rep = import_jsonl(store, _write(tmp_path / "in.jsonl", rows), NOW, _writer())
    assert rep.inserted == 2, rep.errors
    with store.read() as conn:
        got = conn.execute(select(t.articles.c.url, t.articles.c.key).order_by(t.articles.c.id))
        urls, keys = zip(*got.all(), strict=True)
    assert urls == (
        "http://main.omanobserver.om/?p=63376",
        "http://money.example/a.aspx?feed=OBR&id=17",
    )
    assert all("\\" not in k and "&amp;" not in k for k in keys)
    assert keys[0].endswith("?p=63376")
