"""Hostile servers and documents: each failure is recorded on its feed, the round goes on."""

from __future__ import annotations

import gzip
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from everyside.bench.localserver import Doc, LocalServer, Routes
from everyside.ingest import run_round
from everyside.ingest.service import register_feeds
from everyside.settings import Settings, load_settings
from everyside.store import Store
from everyside.store import schema as t
from ingest_server import build_site, load_articles, rss

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><rss version="2.0"><channel><title>&lol9;</title></channel></rss>'
)


def hostile_settings() -> Settings:
    return load_settings(env={}).replace(
        allow_private_addresses=True,
        bundled_feeds=False,
        politeness_delay=0.0,
        per_host_concurrency=16,
        extract_workers=-1,
        read_timeout=1.0,
        total_timeout=3.0,
        max_response_bytes=1_000_000,
        max_redirects=5,
        respect_robots=False,
    )


def _stall(h) -> None:  # type: ignore[no-untyped-def]
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", "5000")
    h.end_headers()
    h.wfile.write(b"<?xml version='1.0'?><rss")
    h.wfile.flush()
    time.sleep(5)


def _drip(h) -> None:  # type: ignore[no-untyped-def]
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    for _ in range(20):
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.4)


def _endless(h) -> None:  # type: ignore[no-untyped-def]
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    chunk = b"<item>" + b"x" * 65536 + b"</item>"
    try:
        for _ in range(10_000):  # ~650 MB if nobody stops reading
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except OSError:
        pass


BOMB: list[bytes] = []  # built once per session: ~200 KB that inflate to 200 MB


def _gzip_bomb(h) -> None:  # type: ignore[no-untyped-def]
    h.send_plain(200, BOMB[0], {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"})


def _storm(h) -> None:  # type: ignore[no-untyped-def]
    h.send_plain(503, b"overloaded", {"Retry-After": "7200"})


STORM = 15


def _status(code: int):  # type: ignore[no-untyped-def]
    return lambda h: h.send_plain(code, b"<html>error</html>", {"Content-Type": "text/html"})


def _redirect(to: str):  # type: ignore[no-untyped-def]
    return lambda h: h.send_plain(302, b"", {"Location": to})


# path -> (handler or doc, expected fragment of feeds.last_error)
HOSTILE = {
    "/malformed.xml": (Doc(b"<?xml version='1.0'?><<rss>></channel"), "not a feed"),
    "/laughs.xml": (Doc(LAUGHS), "entity declarations refused"),
    "/html.xml": (
        Doc(b"<!DOCTYPE html><html><body><p>hello</p></body></html>", "text/html"),
        "HTML page, not a feed",
    ),
    "/bomb.xml": (_gzip_bomb, "max_response_bytes"),
    "/endless.xml": (_endless, "max_response_bytes"),
    "/stall.xml": (_stall, "read_timeout"),
    "/drip.xml": (_drip, "total_timeout"),
    "/storm.xml": (_storm, "HTTP 503; server asks to retry after 7200s"),
    "/loop1.xml": (_redirect("/loop2.xml"), "redirect loop"),
    "/loop2.xml": (_redirect("/loop1.xml"), "redirect loop"),
    "/chain0.xml": (_redirect("/chain1.xml"), "more than 5 redirects"),
    "/empty.xml": (Doc(b""), "empty document"),
    "/json.xml": (Doc(b'{"version": "1", "items": 3}', "application/json"), "not a JSON Feed"),
    "/missing.xml": (None, "HTTP 404"),
}


@pytest.fixture
def hostile_site():  # type: ignore[no-untyped-def]
    if not BOMB:
        BOMB.append(gzip.compress(b"\0" * 200_000_000, compresslevel=6))
    routes = Routes()
    for path, (doc, _) in HOSTILE.items():
        if doc is not None:
            routes[path] = doc
    for i in range(1, 10):
        routes[f"/chain{i}.xml"] = _redirect(f"/chain{i + 1}.xml")
    for i in range(STORM):  # a 5xx storm: many feeds of one server failing at once
        routes[f"/5xx/{i}.xml"] = _status(500 + i % 5)
    with LocalServer(routes) as srv:
        good = build_site(routes, srv.base, load_articles(12), 2, NOW)
        # lying encoding: header says utf-8, the bytes are latin-1 and the XML says so too
        latin = rss(
            "Latin",
            [(srv.url("/a/latin"), {"id": "l1", "title": "Café à Paris", "text": "Élysée " * 60})],
            NOW,
        )
        routes["/latin.xml"] = Doc(
            latin.replace(b'encoding="utf-8"', b'encoding="iso-8859-1"').decode().encode("latin-1"),
            "application/rss+xml; charset=utf-8",
        )
        yield srv, good


def test_hostile_feeds_are_recorded_and_the_round_goes_on(store: Store, hostile_site) -> None:
    srv, good = hostile_site
    storm = [f"/5xx/{i}.xml" for i in range(STORM)]
    paths = [p for p in HOSTILE if p != "/loop2.xml"] + storm + list(good) + ["/latin.xml"]
    register_feeds(store, [(srv.url(p), None, None) for p in paths], NOW, "user")
    started = time.monotonic()
    result = run_round(store, hostile_settings(), NOW)
    assert result.failed == len(HOSTILE) - 1 + STORM
    assert result.new == 12 + 1  # the good feeds and the lying-encoding one
    with store.read() as conn:
        feeds = {f.url: f for f in conn.execute(select(t.feeds))}
        titles = [a.title for a in conn.execute(select(t.articles))]
    for path, (_, expected) in HOSTILE.items():
        if path == "/loop2.xml":
            continue
        f = feeds[srv.url(path)]
        assert f.error_count == 1, path
        assert expected in (f.last_error or ""), (path, f.last_error)
        assert f.next_check_at > NOW.replace(tzinfo=None)
    for i, p in enumerate(storm):
        assert feeds[srv.url(p)].last_error.endswith(f"HTTP {500 + i % 5}")
    storm = feeds[srv.url("/storm.xml")]
    assert storm.next_check_at >= (NOW + timedelta(seconds=7200)).replace(tzinfo=None)
    assert "Café à Paris" in titles or any("Caf" in (x or "") for x in titles)
    for p in good:
        assert feeds[srv.url(p)].last_error is None
    assert time.monotonic() - started < 120  # a sanity bound on hangs, not a speed claim


def test_errors_back_off_exponentially(store: Store, hostile_site) -> None:
    srv, _ = hostile_site
    register_feeds(store, [(srv.url("/missing.xml"), None, None)], NOW, "user")
    s = hostile_settings()
    delays = []
    now = NOW
    for _ in range(3):
        run_round(store, s, now)
        with store.read() as conn:
            f = conn.execute(select(t.feeds)).one()
        nxt = f.next_check_at.replace(tzinfo=UTC)
        delays.append((nxt - now).total_seconds())
        now = nxt
    assert f.error_count == 3
    assert delays[0] < delays[1] < delays[2]
