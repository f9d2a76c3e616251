"""`everyside outlets/ratings/registry` commands: browse, add, export → import round trip,
rating packs with bad rows, coverage stats."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from everyside.cli import app
from everyside.errors import EverysideError
from everyside.registry import load_directory
from everyside.services.directory import sync_directory
from everyside.store import open_store
from test_registry_sync import NOW

ROOT = Path(__file__).resolve().parents[1]
STORIES = ROOT.parent / "shared" / "data" / "stories"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database holding the synced bundled directory, copied by each test."""
    path = tmp_path_factory.mktemp("registry") / "template.db"
    store = open_store(f"sqlite:///{path}")
    sync_directory(store, load_directory(), NOW)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


def _db(template: Path, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


def run(url: str, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["--database-url", url, *args], env={"COLUMNS": "200"})
    if isinstance(res.exception, EverysideError):  # run_app prints these and exits 1
        return 1, res.output + f"error: {res.exception}"
    if res.exception and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res.exit_code, res.output


def test_show_list_search(template: Path, tmp_path: Path) -> None:
    url = _db(template, tmp_path, "a")
    code, out = run(url, "outlets", "show", "https://money.cnn.com/2014/03/x")
    assert code == 0
    assert "cnn.com" in out and "mbfc" in out and "left-center" in out
    assert "Warner Bros. Discovery" in out and "nyti.ms" not in out
    code, out = run(url, "outlets", "list", "--country", "FR", "--rated", "--limit", "3")
    assert code == 0 and "3 outlets" in out
    code, out = run(url, "outlets", "search", "guardian", "--limit", "5")
    assert code == 0 and "theguardian.com" in out
    code, out = run(url, "outlets", "show", "no-such-outlet.invalid")
    assert code == 1


@pytest.mark.slow
def test_export_import_round_trip(template: Path, tmp_path: Path) -> None:
    """The whole directory plus user additions, through the CLI (CSV: test_registry_sync)."""
    fmt = "json"
    a = _db(template, tmp_path, "a")
    code, _ = run(
        a,
        "outlets",
        "add",
        "mine.example",
        "--name",
        "My Paper",
        "--country",
        "de",
        "--language",
        "de",
        "--feed",
        "https://mine.example/rss.xml",
    )
    assert code == 0
    pack = tmp_path / "pack.csv"
    pack.write_text(
        "domain,axis,label,value,date\nmine.example,bias,Center,,2025-05-01\n"
        "https://www.cnn.com/x,factuality,Very High,,\n",
        encoding="utf-8",
    )
    assert run(a, "ratings", "import", "--rater", "panel", str(pack))[0] == 0
    first = tmp_path / f"first.{fmt}"
    assert run(a, "outlets", "export", "--format", fmt, str(first))[0] == 0

    b = _db(template, tmp_path, "b")
    code, out = run(b, "outlets", "import", str(first))
    assert code == 0, out
    second = tmp_path / f"second.{fmt}"
    assert run(b, "outlets", "export", "--format", fmt, str(second))[0] == 0
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert "mine.example" in text and "panel" in text and "https://mine.example/rss.xml" in text


def test_import_into_a_store_without_bundled_data(tmp_path: Path) -> None:
    """Importing an export into a completely empty database rebuilds the same content."""
    from everyside.services.outlet_files import export_records, import_records, write_export

    src = tmp_path / "src.json"
    src.write_text(
        '[{"domain": "a.example", "name": "A", "origin": "user", "aliases": ["a.link"],'
        ' "feeds": ["https://a.example/feed"], "ownership": [{"owner": "Ann", "category":'
        ' "Wealthy Individual", "provenance": "x"}], "ratings": [{"rater": "panel", "axis":'
        ' "bias", "raw": "Right", "value": 2.0, "rated_on": null, "provenance": "p:2"}],'
        ' "country": "US", "homepage": null, "language": "en", "media_type": null,'
        ' "scope": null}]',
        encoding="utf-8",
    )
    store = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        report = import_records(store, src, NOW)
        assert (report.ok, report.errors) == (1, [])
        out = tmp_path / "out.json"
        with store.read() as conn:
            write_export(export_records(conn), out, "json")
            bias = conn.exec_driver_sql("select bias from outlets").scalar()
    finally:
        store.close()
    import json

    assert json.loads(out.read_text()) == json.loads(src.read_text())
    assert bias == 2.0


def test_ratings_import_reports_bad_rows_and_keeps_good_ones(
    template: Path, tmp_path: Path
) -> None:
    url = _db(template, tmp_path, "a")
    pack = tmp_path / "bad.csv"
    pack.write_text(
        "domain,axis,label,value,date\n"
        "nytimes.com,bias,Lean Left,,2024-01-01\n"  # line 2: good
        "nytimes.com,colour,Blue,,\n"  # line 3: bad axis
        "foxnews.com,bias,Right,9,\n"  # line 4: out of range
        "nowhere.invalid,bias,Left,,\n"  # line 5: unknown outlet
        "foxnews.com,factuality,Mixed,,03/05/2024\n"  # line 6: bad date
        "foxnews.com,bias,weird label,,\n"  # line 7: good, raw kept, no value
        ",bias,Left,,\n",  # line 8: no domain
        encoding="utf-8",
    )
    code, out = run(url, "ratings", "import", "--rater", "panel", str(pack))
    assert code == 1
    for line in (3, 4, 5, 6, 8):
        assert f"bad.csv:{line}:" in out.replace("\n", "")
    assert "2 ratings imported, 5 skipped" in out.replace("\n", " ")
    code, out = run(url, "outlets", "show", "nytimes.com")
    assert "panel" in out and "Lean Left" in out
    code, out = run(url, "ratings", "import", "--rater", "mbfc", str(pack))
    assert code == 1 and "bundled rater" in out
    missing = tmp_path / "nope.csv"
    code, out = run(url, "ratings", "import", "--rater", "panel", str(missing))
    assert code == 1 and "no such file" in out


def test_outlets_import_reports_bad_records(template: Path, tmp_path: Path) -> None:
    url = _db(template, tmp_path, "a")
    bad = tmp_path / "bad.json"
    bad.write_text(
        '[{"domain": "ok.example", "name": "OK"}, {"name": "no domain"},'
        ' {"domain": "x.example", "name": "X", "ratings": "nope"},'
        ' {"domain": "y.example", "name": "Y", "ownership": [{"owner": "Z",'
        ' "category": "Aliens"}]}]',
        encoding="utf-8",
    )
    code, out = run(url, "outlets", "import", str(bad))
    flat = out.replace("\n", "")
    assert code == 1
    assert "bad.json:2:" in flat and "bad.json:3:" in flat and "bad.json:4:" in flat
    assert "1 outlets imported, 3 skipped" in out.replace("\n", " ")
    assert run(url, "outlets", "show", "ok.example")[0] == 0
    assert run(url, "outlets", "show", "y.example")[0] == 1


def test_registry_stats(tmp_path: Path) -> None:
    bad = tmp_path / "mixed.jsonl"
    bad.write_text(
        '{"domain": "cnn.com"}\nnot json\n{"url": "https://unknown.invalid/"}\n', encoding="utf-8"
    )
    code, out = run(
        f"sqlite:///{tmp_path / 'x.db'}",
        "registry",
        "stats",
        str(STORIES / "allsides_dev.jsonl"),
        str(bad),
    )
    assert code == 0, out
    assert "882" in out and "99.4%" in out
    assert "50.0%" in out and "1 malformed lines skipped" in out


def test_estimate_show_and_eval_lean(template: Path, tmp_path: Path) -> None:
    """`outlets estimate` fills the estimates of the bundled directory; `outlets show` prints
    one with its method, expected error and evidence; `eval lean` prints the figures."""
    url = _db(template, tmp_path, "lean")
    code, out = run(url, "outlets", "estimate")
    assert code == 0 and "outlets estimated" in out
    code, out = run(url, "outlets", "show", "kten.com")  # a local TV station no rater covers
    assert code == 0
    assert "estimated bias: center" in out and "expected error ±" in out
    assert "rated outlets of its kind (US local tv)" in out
    code, out = run(url, "outlets", "show", "nytimes.com")  # rated: no estimate
    assert code == 0 and "estimated bias" not in out
    code, out = run(url, "eval", "lean", "--json")
    assert code == 0
    doc = json.loads(out.strip().splitlines()[-1])
    methods = {m["method"]: m for m in doc["leave_one_out"]["bias"]["methods"]}
    assert methods["owner"]["mae"] < methods["owner"]["baseline_mae"]
    assert doc["articles"]["bias"]["articles"] == 0
