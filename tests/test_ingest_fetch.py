"""The fetcher against a local server: per-host limit, headers, conditional GET, decoding."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time

import brotli
import pytest

from everyside.bench.localserver import Doc, LocalServer, Routes
from everyside.errors import FetchError
from everyside.ingest.fetch import Fetcher, HTTPStatusError
from everyside.settings import load_settings

BASE = load_settings(env={}).replace(allow_private_addresses=True, politeness_delay=0.0)


class Tracker:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = self.peak = 0
        self.headers: list[dict[str, str]] = []

    def handler(self, h) -> None:  # type: ignore[no-untyped-def]
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self.headers.append(dict(h.headers))
        time.sleep(0.1)
        with self.lock:
            self.now -= 1
        h.send_plain(200, b"ok")


@pytest.mark.parametrize("per_host", [1, 3])
def test_per_host_limit_and_headers(per_host: int) -> None:
    tr = Tracker()
    routes = Routes()
    for i in range(9):
        routes[f"/p/{i}"] = tr.handler
    with LocalServer(routes) as srv:

        async def go() -> list[bytes]:
            s = BASE.replace(per_host_concurrency=per_host, fetch_concurrency=16)
            async with Fetcher(s) as f:
                return [
                    r.body
                    for r in await asyncio.gather(*(f.get(srv.url(f"/p/{i}")) for i in range(9)))
                ]

        assert asyncio.run(go()) == [b"ok"] * 9
    assert 1 <= tr.peak <= per_host  # never more in flight to one host than allowed
    h = tr.headers[0]
    assert h["User-Agent"].startswith("everyside/")
    assert "br" in h["Accept-Encoding"] and "gzip" in h["Accept-Encoding"]


def test_conditional_get_and_decoding() -> None:
    routes = Routes()
    routes["/feed"] = Doc(b"<rss>" + b"x" * 5000 + b"</rss>")  # > 1 KB: served gzipped
    routes["/br"] = lambda h: h.send_plain(
        200, brotli.compress(b"brotli body"), {"Content-Encoding": "br"}
    )
    routes["/gz"] = lambda h: h.send_plain(
        200, gzip.compress(b"gzip body"), {"Content-Encoding": "gzip"}
    )
    routes["/bad"] = lambda h: h.send_plain(200, b"not gzip at all", {"Content-Encoding": "gzip"})
    routes["/busy"] = lambda h: h.send_plain(429, b"", {"Retry-After": "30"})
    with LocalServer(routes) as srv:

        async def go() -> None:
            async with Fetcher(BASE) as f:
                first = await f.get(srv.url("/feed"))
                assert first.status == 200 and len(first.body) == 5011
                again = await f.get(srv.url("/feed"), etag=first.headers["etag"])
                assert again.not_modified and again.body == b""
                assert (await f.get(srv.url("/br"))).body == b"brotli body"
                assert (await f.get(srv.url("/gz"))).body == b"gzip body"
                with pytest.raises(FetchError, match="cannot be decompressed"):
                    await f.get(srv.url("/bad"))
                with pytest.raises(HTTPStatusError) as e:
                    await f.get(srv.url("/busy"))
                assert (e.value.status, e.value.retry_after) == (429, 30.0)
                with pytest.raises(FetchError, match="max_response_bytes=100"):
                    await f.get(srv.url("/feed"), max_bytes=100)

        asyncio.run(go())


def test_extraction_pool_survives_a_dead_worker() -> None:
    import os
    import signal

    from everyside.ingest.extract import Extractor

    page = (
        b"<html><body><article><p>"
        + b"Words of a real article body. " * 20
        + b"</p></article></body></html>"
    )

    async def go() -> None:
        ex = Extractor(2)
        try:
            assert (await ex.extract(page, "http://x/a")).usable
            for pid in list(ex.pool._processes):  # type: ignore[attr-defined]
                os.kill(pid, signal.SIGKILL)  # what a segfault in a C parser looks like
            lost = await ex.extract(page, "http://x/b")
            assert not lost.usable and ex.restarts == 1  # this page falls back ...
            assert (await ex.extract(page, "http://x/c")).usable  # ... the next one works
        finally:
            ex.close()

    asyncio.run(go())


def test_one_keep_alive_pool_per_host() -> None:
    """Requests to one host reuse one connection; each host has its own pool, and idle pools
    beyond `max_pools` are closed (a round over many hosts keeps few sockets open)."""
    from everyside.ingest.fetch import HostPools

    ports: dict[str, list[int]] = {}

    def handler(h) -> None:  # type: ignore[no-untyped-def]
        ports.setdefault(h.server.server_address[0], []).append(h.client_address[1])
        h.send_plain(200, h.server.server_address[0].encode())

    servers = []
    for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
        routes = Routes()
        routes["/x"] = handler
        servers.append(LocalServer(routes, host=host))
    for srv in servers:
        srv.__enter__()
    try:

        async def go() -> None:
            async with Fetcher(BASE.replace(per_host_concurrency=2)) as f:
                pools = f.client._transport
                assert isinstance(pools, HostPools)
                pools.max_pools = 2
                for srv in servers:
                    for _ in range(4):
                        host = srv.base.split("//")[1].split(":")[0]
                        assert (await f.get(srv.url("/x"))).body == host.encode()
                    assert len(pools.pools) <= 2 and not pools.busy
                again = await asyncio.gather(*(f.get(servers[2].url("/x")) for _ in range(6)))
                assert {r.body for r in again} == {b"127.0.0.3"}

        asyncio.run(go())
    finally:
        for srv in servers:
            srv.__exit__(None, None, None)
    assert [len(set(ports[h])) for h in ("127.0.0.1", "127.0.0.2")] == [1, 1]  # keep-alive
    assert len(set(ports["127.0.0.3"])) <= 2  # per_host_concurrency connections at most
