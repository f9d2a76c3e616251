"""End-to-end rounds against a local feed server: fetch → parse → extract → dedupe → store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from everyside.bench.localserver import LocalServer, Routes
from everyside.ingest import run_round
from everyside.ingest.service import register_feeds
from everyside.settings import Settings, load_settings
from everyside.store import Store
from everyside.store import schema as t
from ingest_server import build_site, load_articles

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def local_settings(**more: object) -> Settings:
    """Settings for local servers: SSRF guard off (127.0.0.1), no politeness delay."""
    return load_settings(env={}).replace(
        allow_private_addresses=True,
        bundled_feeds=False,
        politeness_delay=0.0,
        per_host_concurrency=8,
        extract_workers=-1,
        **more,
    )


@pytest.fixture
def site() -> Iterator[tuple[LocalServer, dict[str, list[str]]]]:
    routes = Routes()
    with LocalServer(routes) as srv:
        feeds = build_site(routes, srv.base, load_articles(40), 4, NOW)
        yield srv, feeds


def _articles(store: Store) -> list:
    with store.read() as conn:
        return conn.execute(select(t.articles).order_by(t.articles.c.id)).all()


def test_round_stores_every_article_once(store: Store, site) -> None:
    srv, feeds = site
    register_feeds(store, [(srv.url(p), None, None) for p in feeds], NOW, "user")
    s = local_settings()
    first = run_round(store, s, NOW)
    assert (first.feeds, first.new, first.failed) == (4, 40, 0)
    rows = _articles(store)
    assert len(rows) == 40
    assert {r.extraction for r in rows} == {"page"}
    assert all(r.story_id is None and r.lang == "en" and r.text for r in rows)
    assert all("utm_" not in r.key and r.key.startswith("https://127.0.0.1:") for r in rows)
    assert all(r.published_at is not None and r.content_hash for r in rows)
    # a second round, due later, sends conditional GETs and stores nothing new
    later = NOW + timedelta(days=3)
    second = run_round(store, s, later)
    assert (second.feeds, second.not_modified, second.new) == (4, 4, 0)
    assert len(_articles(store)) == 40
    with store.read() as conn:
        feeds_rows = conn.execute(select(t.feeds)).all()
    assert all(f.etag and f.error_count == 0 and f.last_success_at for f in feeds_rows)
    assert all(f.next_check_at > later.replace(tzinfo=None) for f in feeds_rows)


def test_feed_content_fallback_when_page_fails(store: Store, site) -> None:
    srv, feeds = site
    path = next(iter(feeds))
    for aid in feeds[path]:
        srv.routes.docs.pop(f"/a/{aid}")  # pages 404: fall back to the feed's description
    register_feeds(store, [(srv.url(path), None, None)], NOW, "user")
    result = run_round(store, local_settings(), NOW)
    assert result.new == len(feeds[path]) and result.fallbacks == len(feeds[path])
    rows = _articles(store)
    assert {r.extraction for r in rows} == {"feed-fallback"}
    assert all(r.text and "HTTP 404" in r.extra["fallback_reason"] for r in rows)


def test_robots_disallow_uses_feed_content(store: Store, site) -> None:
    from everyside.bench.localserver import Doc

    srv, feeds = site
    srv.routes["/robots.txt"] = Doc(b"User-agent: *\nDisallow: /a/\n", "text/plain")
    path = next(iter(feeds))
    register_feeds(store, [(srv.url(path), None, None)], NOW, "user")
    run_round(store, local_settings(), NOW)
    rows = _articles(store)
    assert rows and all(r.extraction == "feed-fallback" for r in rows)
    assert not any(p.startswith("/a/") for p in srv.routes.hits)


def test_pages_off_uses_feed_content(store: Store, site) -> None:
    srv, feeds = site
    register_feeds(store, [(srv.url(p), None, None) for p in feeds], NOW, "user")
    result = run_round(store, local_settings(fetch_pages=False), NOW)
    assert result.new == 40
    assert {r.extraction for r in _articles(store)} == {"feed"}
    assert not any(p.startswith("/a/") for p in srv.routes.hits)


def test_syndicated_copy_on_another_outlet_is_marked(store: Store) -> None:
    """Outlet A (127.0.0.1) publishes; outlet B (127.0.0.2) reposts the same text a round
    later: B's article is stored too, marked as a copy of A's (index rebuilt from the store)."""
    from everyside.bench.localserver import Doc

    wire = load_articles(3)
    routes_a, routes_b = Routes(), Routes()
    with LocalServer(routes_a) as a, LocalServer(routes_b, host="127.0.0.2") as b:
        build_site(routes_a, a.base, wire[:1], 1, NOW)
        build_site(routes_b, b.base, wire, 1, NOW)  # the wire story plus two of its own
        # B's copy has its own URL and a different headline, same body
        body = routes_b.docs.pop(f"/a/{wire[0]['id']}")
        assert isinstance(body, Doc)
        routes_b[f"/a/{wire[0]['id']}"] = Doc(
            body.body.replace(b"<h1>", b"<h1>Wire: "), "text/html"
        )
        register_feeds(store, [(a.url("/feeds/0.xml"), None, None)], NOW, "user")
        assert run_round(store, local_settings(), NOW).new == 1
        register_feeds(store, [(b.url("/feeds/0.xml"), None, None)], NOW, "user")
        assert run_round(store, local_settings(), NOW + timedelta(minutes=5)).new == 3
    rows = _articles(store)
    original = next(r for r in rows if r.key.startswith("https://127.0.0.1:"))
    copies = [r for r in rows if r.copy_of is not None]
    assert [c.copy_of for c in copies] == [original.id]
    assert copies[0].key.startswith("https://127.0.0.2:")
    assert copies[0].content_hash != original.content_hash  # near, not exact: MinHash found it
