"""The staged round: extraction in worker processes (batches of pages) stores exactly what
in-process extraction stores, and per-host politeness still holds with the stages."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import select

from everyside.bench.localserver import Doc, LocalServer, Routes
from everyside.ingest import run_round
from everyside.ingest.service import register_feeds
from everyside.store import open_store
from everyside.store import schema as t
from ingest_server import build_site, load_articles
from test_ingest_round import NOW, local_settings

COLUMNS = ("key", "url", "domain", "source", "title", "text", "summary", "author", "lang")
MORE = ("published_at", "content_hash", "extraction", "extra", "outlet_id")


def _stored(url: str) -> list[tuple]:
    store = open_store(url)
    try:
        with store.read() as conn:
            rows = conn.execute(select(t.articles).order_by(t.articles.c.key)).all()
            copies = {r.key: r.copy_of is not None for r in rows}
    finally:
        store.close()
    return [tuple(getattr(r, c) for c in COLUMNS + MORE) + (copies[r.key],) for r in rows]


def test_process_pool_stores_the_same_articles_as_in_process(tmp_path: Path) -> None:
    arts = load_articles(60)
    routes = Routes()
    with LocalServer(routes) as srv:
        feeds = build_site(routes, srv.base, arts[:50], 5, NOW)
        # a page without main text and one that is not HTML: both fall back to the feed
        routes[f"/a/{arts[0]['id']}"] = Doc(b"<html><body><p>Subscribe.</p></body></html>")
        routes[f"/a/{arts[1]['id']}"] = Doc(b"%PDF-1.4 binary", "application/pdf")
        results = {}
        for name, workers in (("pool", 2), ("inline", 1), ("thread", -1)):
            url = f"sqlite:///{tmp_path / name}.db"
            store = open_store(url)
            register_feeds(store, [(srv.url(p), None, None) for p in feeds], NOW, "user")
            results[name] = run_round(store, local_settings().replace(extract_workers=workers), NOW)
            store.close()
    counts = {k: (r.feeds, r.new, r.failed, r.fallbacks) for k, r in results.items()}
    assert counts["pool"] == (5, 50, 0, 2), counts
    assert counts["pool"] == counts["inline"] == counts["thread"]
    pool = _stored(f"sqlite:///{tmp_path / 'pool'}.db")
    assert len(pool) == 50 and sum(r[COLUMNS.index("lang")] == "en" for r in pool) >= 48
    assert pool == _stored(f"sqlite:///{tmp_path / 'inline'}.db")
    assert pool == _stored(f"sqlite:///{tmp_path / 'thread'}.db")


def test_politeness_per_host_holds_with_the_stages(tmp_path: Path) -> None:
    """Eight feeds of one host polled at once with the process pool: never more than
    `per_host_concurrency` requests in flight to the host, and no faster than one per
    `politeness_delay`."""
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}
    starts: list[float] = []
    routes = Routes()
    with LocalServer(routes) as srv:
        build_site(routes, srv.base, load_articles(32), 8, NOW)
        for path, doc in list(routes.docs.items()):

            def slow(h, doc=doc) -> None:  # type: ignore[no-untyped-def]
                with lock:
                    starts.append(time.monotonic())
                    state["now"] += 1
                    state["peak"] = max(state["peak"], state["now"])
                time.sleep(0.02)
                with lock:
                    state["now"] -= 1
                h.send_doc(doc)

            routes[path] = slow
        store = open_store(f"sqlite:///{tmp_path / 'polite'}.db")
        register_feeds(store, [(srv.url(f"/feeds/{i}.xml"), None, None) for i in range(8)],
                       NOW, "user")  # fmt: skip
        s = local_settings().replace(
            extract_workers=2, per_host_concurrency=2, politeness_delay=0.05, fetch_concurrency=16
        )
        result = run_round(store, s, NOW)
        store.close()
    assert (result.new, result.failed) == (32, 0)
    assert 1 <= state["peak"] <= 2
    # feeds, pages, robots.txt; the client spaces its sends `politeness_delay` apart, which
    # the server sees with the network's jitter: judged over the whole round
    assert len(starts) == 8 + 32 + 1
    assert starts[-1] - starts[0] >= (len(starts) - 2) * 0.05


def test_feeds_parsed_in_a_worker_as_in_process() -> None:
    import asyncio

    import pytest

    from everyside.ingest.extract import Extractor
    from everyside.ingest.feeds import FeedParseError, parse_feed
    from ingest_server import rss

    body = rss("Feed", [(f"https://example.org/a/{a['id']}", a) for a in load_articles(20)], NOW)
    bad = b"<html><body>" + b"<p>not a feed</p>" * 400 + b"</body></html>"
    url = "https://example.org/feed.xml"
    with pytest.raises(FeedParseError) as inline:
        parse_feed(bad, url, "text/html")

    async def go() -> None:
        ex = Extractor(2)
        try:
            assert await ex.parse_feed(body, url, "application/rss+xml") == parse_feed(body, url)
            with pytest.raises(FeedParseError) as e:
                await ex.parse_feed(bad, url, "text/html")
            assert str(e.value) == str(inline.value) and e.value.url == url
        finally:
            ex.close()

    asyncio.run(go())
