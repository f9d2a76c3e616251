"""`everyside export`: every format holds every row and reads back."""

from __future__ import annotations

import csv
import json
from datetime import datetime

import pyarrow.parquet as pq
import pytest

from everyside.errors import InputError
from everyside.services.articles import ArticleWriter
from everyside.services.exporter import export
from everyside.services.importer import import_jsonl
from everyside.services.outlets import OutletResolver
from everyside.settings import load_settings


def _writer() -> ArticleWriter:
    """The one write path, with default settings and registered-domain outlets."""
    return ArticleWriter(load_settings(env={"EVERYSIDE_CONFIG": "/nonexistent"}), OutletResolver())


NOW = datetime(2026, 11, 29, 12, 0, 0)


@pytest.fixture
def filled(store, tmp_path):
    rows = [
        {
            "id": str(i),
            "title": f"Title {i}",
            "text": 'Body, with "quotes"\nand lines',
            "url": f"https://news{i % 3}.example/a/{i}",
            "date": "2021-08-04T10:30:00Z",
            "source": f"News {i % 3}",
            "domain": f"news{i % 3}.example",
        }
        for i in range(2500)  # more than one export batch
    ]
    rows.append({"id": "x", "title": "No date", "url": "https://news0.example/x"})
    f = tmp_path / "in.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    import_jsonl(store, f, NOW, _writer())
    return store


def test_jsonl(filled, tmp_path):
    out = tmp_path / "a.jsonl"
    assert export(filled, "articles", "jsonl", out) == 2501
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["title"] == "Title 0" and rows[0]["published_at"] == "2021-08-04T10:30:00Z"
    assert rows[0]["outlet_domain"] == "news0.example"
    assert rows[-1]["published_at"] is None


def test_csv(filled, tmp_path):
    out = tmp_path / "a.csv"
    export(filled, "articles", "csv", out)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2501 and rows[1]["text"] == 'Body, with "quotes"\nand lines'


def test_parquet(filled, tmp_path):
    out = tmp_path / "a.parquet"
    export(filled, "articles", "parquet", out)
    table = pq.read_table(out)
    assert table.num_rows == 2501
    assert table.column("id").type.bit_width == 64
    assert table.column("title")[2].as_py() == "Title 2"


def test_outlets_and_stories(filled, tmp_path):
    assert export(filled, "outlets", "parquet", tmp_path / "o.parquet") == 3
    assert export(filled, "stories", "parquet", tmp_path / "s.parquet") == 0
    assert pq.read_table(tmp_path / "s.parquet").num_rows == 0


@pytest.mark.parametrize(
    ("what", "fmt", "msg"),
    [("things", "csv", "cannot export"), ("articles", "xlsx", "unknown format")],
)
def test_bad_arguments(store, tmp_path, what, fmt, msg):
    with pytest.raises(InputError, match=msg):
        export(store, what, fmt, tmp_path / "x")


@pytest.mark.slow
def test_stories_carry_their_coverage_and_summary(sqlite_url, tmp_path, shared_data):
    """`export --what stories` holds what a story page shows: sides, rated and unrated outlets,
    factuality, blindspot, who broke the news, countries and the summary (issue 18)."""
    from datetime import UTC

    from everyside.services import read
    from everyside.services.pipeline import import_files
    from everyside.store import open_store

    src = shared_data / "stories" / "allsides_dev.jsonl"
    part = tmp_path / "part.jsonl"
    part.write_text("".join(src.read_text(encoding="utf-8").splitlines(True)[:120]))
    settings = load_settings(env={}, cli={"data_dir": str(tmp_path), "database_url": sqlite_url})
    store = open_store(sqlite_url)
    now = datetime(2021, 9, 1, tzinfo=UTC)
    import_files(store, settings, [part], now)
    n = export(store, "stories", "jsonl", tmp_path / "s.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert n == len(rows) > 10
    export(store, "stories", "csv", tmp_path / "s.csv")
    with (tmp_path / "s.csv").open(encoding="utf-8", newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    table = pq.read_table(_parquet(store, tmp_path))
    assert [r["id"] for r in rows] == [int(r["id"]) for r in csv_rows] == table["id"].to_pylist()
    summaries = 0
    with store.read() as conn:
        for row in rows:
            if row["merged_into"]:
                continue
            d = read.story_detail(conn, row["id"], settings, now)
            cov = d["coverage"]
            assert (row["left_outlets"], row["center_outlets"], row["right_outlets"]) == (
                cov["counts"]["left"],
                cov["counts"]["center"],
                cov["counts"]["right"],
            )
            assert (row["rated_outlets"], row["unrated_outlets"]) == (
                cov["rated_outlets"],
                cov["unrated_outlets"],
            )
            assert row["blindspot"] == d["story"]["blindspot"]
            doc = read.coverage_document(conn, row["id"], settings, now) or {}
            assert json.loads(row["factuality"]) == doc["factuality"]["counts"]
            assert json.loads(row["countries"] or "{}") == doc["countries"]["counts"]
            assert row["broke_the_news_outlet"] == (cov["broke"] or {}).get("name")
            bullets = [b["text"] for b in d["summary"]["bullets"]]
            assert (row["summary"] or "") == "\n".join(bullets)
            summaries += bool(bullets)
    assert summaries > 3
    store.close()


def _parquet(store, tmp_path):
    export(store, "stories", "parquet", tmp_path / "s.parquet")
    return tmp_path / "s.parquet"
