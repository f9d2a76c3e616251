"""robots.txt: fetched once per host per round (and per expiry), however many feeds and pages
of that host the round reads at once; its rules still hold for every page."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from everyside.bench.localserver import Doc, LocalServer, Routes
from everyside.ingest import run_round
from everyside.ingest.fetch import Fetcher
from everyside.ingest.robots import RobotsCache
from everyside.ingest.service import register_feeds
from everyside.store import Store
from ingest_server import build_site, load_articles
from test_ingest_round import NOW, _articles, local_settings


def test_one_robots_request_per_host_per_round(store: Store) -> None:
    """Two hosts, six feeds on the first and two on the second, all polled concurrently:
    each host's robots.txt is requested once per round, and its Disallow rule holds."""
    arts = load_articles(96)
    ra, rb = Routes(), Routes()
    with LocalServer(ra) as a, LocalServer(rb, host="127.0.0.2") as b:
        feeds_a = build_site(ra, a.base, arts[:36], 6, NOW)
        feeds_b = build_site(rb, b.base, arts[36:48], 2, NOW)
        private = arts[0]["id"]  # one page of host A is disallowed
        ra["/robots.txt"] = Doc(f"User-agent: *\nDisallow: /a/{private}\n".encode(), "text/plain")
        urls = [a.url(p) for p in feeds_a] + [b.url(p) for p in feeds_b]
        register_feeds(store, [(u, None, None) for u in urls], NOW, "user")
        s = local_settings(fetch_concurrency=16)
        first = run_round(store, s, NOW)
        assert (first.feeds, first.new, first.failed) == (8, 48, 0)
        assert (ra.hits["/robots.txt"], rb.hits["/robots.txt"]) == (1, 1)
        assert f"/a/{private}" not in ra.hits  # the rule held
        assert sum(1 for p in ra.hits if p.startswith("/a/")) == 35
        rows = {r.url.split("?")[0]: r for r in _articles(store)}
        assert rows[f"{a.base}/a/{private}"].extraction == "feed-fallback"
        assert sum(r.extraction == "page" for r in rows.values()) == 47
        # the next round (a new ingestor, as `ingest --once` runs it) asks again, once per host
        build_site(ra, a.base, arts[48:84], 6, NOW)  # the same feeds with new articles
        build_site(rb, b.base, arts[84:96], 2, NOW)
        second = run_round(store, s, NOW + timedelta(days=3))
        assert (second.failed, second.new) == (0, 48)
        assert (ra.hits["/robots.txt"], rb.hits["/robots.txt"]) == (2, 2)


def test_robots_cache_expires_and_waiters_share_one_request() -> None:
    routes = Routes()
    routes["/robots.txt"] = Doc(b"User-agent: *\nDisallow: /no\n", "text/plain")
    with LocalServer(routes) as srv:

        async def go() -> None:
            async with Fetcher(local_settings()) as f:
                cache = RobotsCache(f, "everyside/1", ttl=3600)
                said = await asyncio.gather(
                    *(cache.allowed(srv.url(f"/{p}/{i}")) for i in range(20) for p in ("a", "no"))
                )
                assert said == [True, False] * 20
                assert cache.fetched == 1 and routes.hits["/robots.txt"] == 1
                cache.ttl = 0.0  # every later lookup finds the rules expired
                cache._rules = {k: (0.0, v) for k, v in cache._rules.items()}
                assert await cache.allowed(srv.url("/a/x"))
                assert cache.fetched == 2 and routes.hits["/robots.txt"] == 2

        asyncio.run(go())
