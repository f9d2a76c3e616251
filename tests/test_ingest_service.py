"""The facade: add_feed with discovery, the feeds CLI, OPML, run_forever."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from everyside.bench.localserver import Doc, LocalServer, Routes
from everyside.cli import app
from everyside.errors import FetchError
from everyside.ingest import FeedNotFoundError, RoundResult, add_feed, run_forever
from everyside.services.feeds import list_feeds
from everyside.settings import load_settings
from everyside.store import Store, open_store
from ingest_server import build_site, load_articles

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
SETTINGS = load_settings(env={}).replace(
    allow_private_addresses=True,
    bundled_feeds=False,
    politeness_delay=0.0,
    per_host_concurrency=8,
    extract_workers=-1,
)


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    routes = Routes()
    with LocalServer(routes) as srv:
        build_site(routes, srv.base, load_articles(6), 2, NOW)
        routes["/"] = Doc(
            b'<!DOCTYPE html><html><head><link rel="alternate" '
            b'type="application/rss+xml" href="/feeds/1.xml"></head>'
            b"<body>home</body></html>",
            "text/html",
        )
        routes["/blog/"] = Doc(b"<!DOCTYPE html><html><body>no links</body></html>", "text/html")
        routes["/feed"] = Doc(routes.docs["/feeds/0.xml"].body)  # type: ignore[union-attr]
        routes["/nothing/"] = Doc(b"<!DOCTYPE html><html><body>x</body></html>", "text/html")
        yield srv


def test_add_feed_direct_discovered_and_common_path(store: Store, site) -> None:
    direct = add_feed(store, SETTINGS, site.url("/feeds/0.xml"), NOW)
    assert (direct.url, direct.kind, direct.title) == (site.url("/feeds/0.xml"), "rss", "Feed 0")
    found = add_feed(store, SETTINGS, site.url("/"), NOW)
    assert found.url == site.url("/feeds/1.xml")
    common = add_feed(store, SETTINGS, site.url("/blog/"), NOW)  # falls back to /feed
    assert common.url == site.url("/feed")
    again = add_feed(store, SETTINGS, site.url("/feeds/0.xml"), NOW)
    assert again.id == direct.id  # idempotent
    with store.read() as conn:
        feeds = list_feeds(conn)
    assert len(feeds) == 3 and all(f.next_check_at is not None for f in feeds)


def test_add_feed_errors(sqlite_store: Store, site) -> None:
    routes = site.routes
    routes.docs.pop("/feed")
    with pytest.raises(FeedNotFoundError, match="no feed found"):
        add_feed(sqlite_store, SETTINGS, site.url("/nothing/"), NOW)
    with pytest.raises(FetchError, match="HTTP 404"):
        add_feed(sqlite_store, SETTINGS, site.url("/gone"), NOW)


def _cli(tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    env = {
        "EVERYSIDE_ALLOW_PRIVATE_ADDRESSES": "1",
        "EVERYSIDE_BUNDLED_FEEDS": "0",
        "EVERYSIDE_POLITENESS_DELAY": "0",
        "EVERYSIDE_EXTRACT_WORKERS": "1",
    }
    return CliRunner().invoke(
        app, ["--data-dir", str(tmp_path), *args], env=env, catch_exceptions=False
    )


def test_feeds_cli_and_opml(tmp_path: Path, site) -> None:
    r = _cli(tmp_path, "feeds", "add", site.url("/"))
    assert r.exit_code == 0 and "/feeds/1.xml" in r.output
    opml = tmp_path / "in.opml"
    opml.write_text(
        f'<opml version="2.0"><body><outline text="F0" xmlUrl="'
        f'{site.url("/feeds/0.xml")}"/></body></opml>'
    )
    r = _cli(tmp_path, "feeds", "import-opml", str(opml))
    assert "1 feeds, 1 new" in r.output
    r = _cli(tmp_path, "ingest", "--once", "--no-process")
    assert r.exit_code == 0 and "6 new articles" in r.output and "0 failed" in r.output
    r = _cli(tmp_path, "feeds", "status")
    assert r.exit_code == 0 and "last success" in r.output
    out = tmp_path / "out.opml"
    r = _cli(tmp_path, "feeds", "export-opml", str(out))
    assert "wrote 2 feeds" in r.output and site.url("/feeds/0.xml") in out.read_text()
    r = _cli(tmp_path, "feeds", "remove", "1")
    assert r.exit_code == 0 and "removed feed 1" in r.output
    r = _cli(tmp_path, "feeds", "export-opml", str(out))
    assert "wrote 1 feeds" in r.output and site.url("/feeds/1.xml") not in out.read_text()
    assert _cli(tmp_path, "feeds", "list").exit_code == 0


def test_run_forever_stops_and_reports(tmp_path: Path, site) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'e.db'}")
    add_feed(store, SETTINGS, site.url("/feeds/0.xml"), NOW)
    stop = threading.Event()
    rounds: list[RoundResult] = []

    def done(r: RoundResult) -> None:
        rounds.append(r)
        stop.set()

    t = threading.Thread(target=run_forever, args=(store, SETTINGS, stop, done))
    t.start()
    t.join(timeout=120)
    assert not t.is_alive()
    assert rounds and rounds[0].new == 3
    store.close()
