"""Copying the directory into the store: idempotent, versioned, keeps what users added.

Runs on SQLite and on the local PostgreSQL (the `store` fixture is parametrised over both).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from everyside.domain.model import Outlet, Ownership, Rating
from everyside.registry import Directory, load_directory
from everyside.registry.raters import RATERS
from everyside.services.directory import add_outlet, get_outlet, sync_directory
from everyside.services.outlet_files import export_records, import_ratings
from everyside.store import Store, open_store
from everyside.store.schema import feeds, outlet_aliases, outlets, ownership, ratings

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
RATER_ROWS = [
    {
        "name": r.name,
        "title": r.title,
        "family": r.family,
        "rank": r.rank,
        "url": r.url,
        "licence": r.licence,
        "description": r.description,
    }
    for r in RATERS
]


def small(version: str = "v1", cnn_bias: str = "left-center", extra: bool = True) -> Directory:
    value = {"left-center": -1.0, "left": -2.0}[cnn_bias]
    items = [
        Outlet(
            "cnn.com",
            "CNN",
            country="US",
            aliases=["cnn.it", "edition.cnn.com"],
            feeds=["http://rss.cnn.com/rss/cnn_topstories.rss"],
            ratings=[
                Rating("mbfc", "bias", cnn_bias, value, "2026-08-19", "m.jsonl:1"),
                Rating("allsides", "bias", "center", 0.0, "2019-10-18", "a.csv:2"),
                Rating("mbfc", "factuality", "high", 3.0, None, "m.jsonl:1"),
            ],
            ownership=[Ownership("Warner Bros. Discovery", "Media Conglomerate", "hand")],
        ),
        Outlet(
            "foxnews.com",
            "Fox News",
            country="US",
            ratings=[Rating("mbfc", "bias", "right", 2.0, None, "m.jsonl:2")],
        ),
    ]
    if extra:
        items.append(
            Outlet(
                "gone.example",
                "Gone",
                ratings=[
                    Rating("wikipedia_rsp", "factuality", "deprecated", 0.0, None, "w.json#1")
                ],
            )
        )
    return Directory(items, RATER_ROWS, version)


def _count(store: Store, table: object) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _snapshot(store: Store) -> list[dict[str, object]]:
    with store.read() as conn:
        return export_records(conn)


def test_sync_is_idempotent(store: Store) -> None:
    first = sync_directory(store, small(), NOW)
    assert (first.skipped, first.outlets_added, first.ratings) == (False, 3, 5)
    snap = _snapshot(store)
    again = sync_directory(store, small(), NOW, force=True)
    assert (again.skipped, again.outlets_added, again.outlets_updated) == (False, 0, 0)
    assert _snapshot(store) == snap
    assert [_count(store, t) for t in (outlets, ratings, outlet_aliases, ownership, feeds)] == [
        3,
        5,
        2,
        1,
        1,
    ]
    with store.read() as conn:
        row = conn.execute(
            select(outlets.c.bias, outlets.c.bias_spread, outlets.c.factuality).where(
                outlets.c.domain == "cnn.com"
            )
        ).one()
    assert tuple(row) == (-0.5, 1.0, 3.0)


def test_sync_runs_only_when_the_version_changes(store: Store) -> None:
    assert not sync_directory(store, small("v1"), NOW).skipped
    assert sync_directory(store, small("v1"), NOW).skipped
    result = sync_directory(store, small("v2", cnn_bias="left"), NOW)
    assert not result.skipped and result.ratings == 5
    with store.read() as conn:
        found = get_outlet(conn, "https://edition.cnn.com/x")
    assert found is not None
    outlet, row = found
    assert {(r.rater, r.raw) for r in outlet.ratings if r.axis == "bias"} == {
        ("mbfc", "left"),
        ("allsides", "center"),
    }
    assert row.bias == -1.0


def test_user_outlets_and_ratings_survive_a_resync(store: Store, tmp_path: Path) -> None:
    sync_directory(store, small("v1"), NOW)
    add_outlet(
        store,
        "mine.example",
        "My Paper",
        NOW,
        country="de",
        feed_urls=("https://mine.example/feed.xml",),
    )
    add_outlet(store, "foxnews.com", "Fox (my name)", NOW)  # a user edit of a bundled outlet
    pack = tmp_path / "panel.csv"
    pack.write_text(
        "domain,axis,label,value,date\ncnn.com,bias,Right,,2025-01-01\n"
        "mine.example,bias,Lean Left,,\n",
        encoding="utf-8",
    )
    report = import_ratings(store, "panel", pack, NOW)
    assert (report.ok, report.errors) == (2, [])

    sync_directory(store, small("v2", cnn_bias="left", extra=False), NOW)
    with store.read() as conn:
        mine = get_outlet(conn, "mine.example")
        cnn = get_outlet(conn, "cnn.com")
        fox = get_outlet(conn, "foxnews.com")
    assert mine is not None and cnn is not None and fox is not None
    assert mine[1].origin == "user" and mine[0].country == "DE"
    assert mine[0].feeds == ["https://mine.example/feed.xml"]
    assert [(r.rater, r.value) for r in mine[0].ratings] == [("panel", -1.0)]
    assert fox[0].name == "Fox (my name)" and fox[1].origin == "user"
    assert ("panel", 2.0) in {(r.rater, r.value) for r in cnn[0].ratings}
    assert cnn[1].bias == pytest.approx((-2.0 + 0.0 + 2.0) / 3, abs=1e-4)
    assert cnn[1].bias_spread == 4.0


@pytest.mark.slow
def test_full_bundled_sync(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    directory = load_directory()
    start = time.perf_counter()
    result = sync_directory(store, directory, NOW)
    first = time.perf_counter() - start
    start = time.perf_counter()
    assert sync_directory(store, directory, NOW).skipped
    skipped = time.perf_counter() - start
    print(
        f"registry sync: {len(directory)} outlets in {first:.1f} s; unchanged: "
        f"{skipped * 1000:.1f} ms ({store.engine.dialect.name})"
    )
    assert result.outlets_added == _count(store, outlets) == len(directory)
    assert result.ratings == _count(store, ratings)
    with store.read() as conn:
        found = get_outlet(conn, "nyti.ms")
    assert found is not None and found[0].domain == "nytimes.com"
    expected = directory.bias(directory.get("nytimes.com"))  # type: ignore[arg-type]
    assert (found[1].bias, found[1].bias_spread) == expected


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_import_round_trip(store: Store, tmp_path: Path, fmt: str) -> None:
    """export → import into an empty store → export gives the same bytes."""
    from everyside.services.outlet_files import import_records, write_export

    sync_directory(store, small(), NOW)
    add_outlet(
        store,
        "mine.example",
        'My "Paper", Inc.\nLine 2',
        NOW,
        country="FR",
        feed_urls=("https://mine.example/rss?a=1,2",),
    )
    first, second = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    write_export(_snapshot(store), first, fmt)
    empty = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        report = import_records(empty, first, NOW)
        assert (report.ok, report.errors) == (4, [])
        write_export(_snapshot(empty), second, fmt)
    finally:
        empty.close()
    assert first.read_bytes() == second.read_bytes()


def test_ensure_directory_syncs_only_new_bundled_files(store: Store, tmp_path: Path) -> None:
    from everyside.registry.build import dumps_outlets, dumps_raters
    from everyside.services.directory import ensure_directory

    def write(name: str) -> None:
        rec = {
            "domain": "a.example",
            "name": name,
            "country": None,
            "language": None,
            "scope": None,
            "media_type": None,
            "homepage": None,
            "aliases": [],
            "ratings": [["mbfc", "bias", "left", -2.0, None, "x:1"]],
            "ownership": [],
            "sources": ["x"],
        }
        (tmp_path / "outlets.jsonl.gz").write_bytes(dumps_outlets([rec]))
        (tmp_path / "raters.json").write_bytes(dumps_raters())
        (tmp_path / "feeds.csv").write_text(
            "domain,url,title,language,country\n# a comment\n"
            "a.example,https://a.example/feed.xml,A feed,en,US\n"
            "new.example,https://new.example/rss,New Outlet,fr,FR\n",
            encoding="utf-8",
        )

    def ingest_registered_it_first(conn):  # noqa: ANN001, ANN202
        conn.execute(
            feeds.insert().values(
                url="https://new.example/rss",
                origin="bundled",
                active=True,
                error_count=0,
                entries_seen=0,
                created_at=NOW.replace(tzinfo=None),
            )
        )

    store.write(ingest_registered_it_first)
    write("A")
    assert not ensure_directory(store, NOW, tmp_path).skipped
    assert ensure_directory(store, NOW, tmp_path).skipped
    write("A renamed")
    assert not ensure_directory(store, NOW, tmp_path).skipped
    with store.read() as conn:
        a = get_outlet(conn, "a.example")
        new = get_outlet(conn, "new.example")
    assert a is not None and a[0].name == "A renamed" and a[1].bias == -2.0
    assert a[0].feeds == ["https://a.example/feed.xml"]
    assert new is not None and (new[0].name, new[0].country, new[0].language) == (
        "New Outlet",
        "FR",
        "fr",
    )
    assert new[0].feeds == ["https://new.example/rss"]
    with store.read() as conn:
        row = conn.execute(
            select(feeds.c.title, feeds.c.next_check_at, feeds.c.origin).where(
                feeds.c.url == "https://a.example/feed.xml"
            )
        ).one()
    assert (row.title, row.next_check_at, row.origin) == (
        "A feed",
        NOW.replace(tzinfo=None),
        "bundled",
    )


def test_sync_takes_over_outlets_made_for_unknown_domains(store: Store) -> None:
    """Articles imported before the directory create origin='import' outlets; a sync fills them."""

    def seed(conn):  # noqa: ANN001, ANN202
        naive = NOW.replace(tzinfo=None)
        conn.execute(
            outlets.insert().values(
                domain="foxnews.com",
                name="FOX",
                origin="import",
                created_at=naive,
                updated_at=naive,
            )
        )

    store.write(seed)
    sync_directory(store, small(), NOW)
    with store.read() as conn:
        found = get_outlet(conn, "foxnews.com")
    assert found is not None
    assert (found[0].name, found[0].country, found[1].origin, found[1].bias) == (
        "Fox News",
        "US",
        "bundled",
        2.0,
    )
    assert _count(store, outlets) == 3
