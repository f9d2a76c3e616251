"""The HTTP fetcher: one pooled httpx.AsyncClient with everything a polite, safe crawler needs.

Per-host concurrency limit and politeness delay, a global concurrency limit, connect/read/total
timeouts, bounded decompression (decode.py: the raw bytes are decoded here, a step at a time,
under a running cap on decoded bytes and on the compression ratio, so a brotli or `gzip, gzip`
bomb stops at the cap), manual redirects with the SSRF guard on every hop (by the URL before
anything, by the resolved address at connect time: ssrf.py) and loop detection, conditional
GET, and `Retry-After` surfaced on the error so the scheduler can honour it. It does not retry:
backing off is the scheduler's job.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from everyside.errors import FetchError
from everyside.ingest.decode import BoundedDecoder, DecodeRefused
from everyside.ingest.ssrf import Guard, GuardedTransport
from everyside.settings import Settings

REDIRECTS = (301, 302, 303, 307, 308)
SMALL_BODY = 65536  # most we read of a redirect or 304 body


class HTTPStatusError(FetchError):
    def __init__(self, url: str, status: int, retry_after: float | None = None):
        hint = f"; server asks to retry after {retry_after:.0f}s" if retry_after else ""
        super().__init__(url, f"HTTP {status}{hint}")
        self.status = status
        self.retry_after = retry_after


@dataclass
class Response:
    url: str  # after redirects
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    ref = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - ref)


class HostGate:
    """Per-host concurrency and politeness: at most N in flight, `delay` s between starts."""

    def __init__(self, per_host: int, delay: float):
        self.per_host = max(1, per_host)
        self.delay = delay
        self._sems: dict[str, asyncio.Semaphore] = {}
        self._next: dict[str, float] = {}

    def semaphore(self, host: str) -> asyncio.Semaphore:
        if host not in self._sems:
            self._sems[host] = asyncio.Semaphore(self.per_host)
        return self._sems[host]

    async def wait_turn(self, host: str) -> None:
        now = time.monotonic()
        start = max(now, self._next.get(host, 0.0))
        self._next[host] = start + self.delay
        if start > now:
            await asyncio.sleep(start - now)


class Fetcher:
    """`async with Fetcher(settings) as f: resp = await f.get(url, etag=...)`."""

    def __init__(
        self,
        settings: Settings,
        transport: httpx.AsyncBaseTransport | None = None,
        guard: Guard | None = None,
        gate: HostGate | None = None,
    ):
        self.s = settings
        self.guard = guard or Guard(settings.allow_private_addresses)
        # `gate`: a HostGate whose turns are shared with other processes (distributed/)
        self.gate = gate or HostGate(settings.per_host_concurrency, settings.politeness_delay)
        self.slots = asyncio.Semaphore(max(1, settings.fetch_concurrency))
        timeout = httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.total_timeout,
        )
        limits = httpx.Limits(
            max_connections=max(1, settings.fetch_concurrency),
            max_keepalive_connections=max(1, settings.fetch_concurrency),
        )
        # Environment proxies resolve names themselves: with one, the guard can only check the
        # address before the request (a rebinding window remains); without, it pins it.
        self.proxied = transport is None and bool(httpx_env_proxies())
        if transport is None and not self.proxied:
            per_host = max(1, min(settings.per_host_concurrency, settings.fetch_concurrency))
            per_host_limits = httpx.Limits(
                max_connections=per_host, max_keepalive_connections=per_host
            )
            transport = HostPools(self.guard, per_host_limits, max(8, settings.fetch_concurrency))
        self.client = httpx.AsyncClient(
            timeout=timeout,
            limits=limits,
            follow_redirects=False,
            transport=transport,
            headers={
                "User-Agent": settings.user_agent,
                "Accept-Encoding": "gzip, deflate, br",
            },
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
        max_bytes: int | None = None,
    ) -> Response:
        """GET `url` following redirects; raises FetchError (or a subclass) on any failure."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._follow(url, headers, max_bytes or self.s.max_response_bytes)

    async def _follow(self, url: str, headers: dict[str, str], cap: int) -> Response:
        seen = {url}
        current = url
        for _ in range(self.s.max_redirects + 1):
            resp = await self._one(current, headers, cap)
            location = resp.headers.get("location")
            if resp.status not in REDIRECTS or not location:
                return resp
            nxt = urljoin(current, location.strip())
            if urlsplit(nxt).scheme not in ("http", "https"):
                raise FetchError(url, f"redirect to a non-http URL {nxt!r}")
            if nxt in seen:
                raise FetchError(url, f"redirect loop at {nxt}")
            seen.add(nxt)
            current = nxt
        raise FetchError(url, f"more than {self.s.max_redirects} redirects (max_redirects)")

    async def _one(self, url: str, headers: dict[str, str], cap: int) -> Response:
        self.guard.check_literal(url)  # every hop, redirects included, before any DNS query
        if self.proxied:
            await self.guard.check_url(url)
        host = urlsplit(url).netloc.lower()
        async with self.gate.semaphore(host):
            await self.gate.wait_turn(host)
            async with self.slots:
                # the total timeout counts from the request, not from our own queues
                try:
                    async with asyncio.timeout(self.s.total_timeout):
                        return await self._stream(url, headers, cap)
                except TimeoutError as e:
                    raise FetchError(
                        url,
                        f"response not complete after {self.s.total_timeout:g}s (total_timeout)",
                    ) from e

    async def _stream(self, url: str, headers: dict[str, str], cap: int) -> Response:
        try:
            async with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code in REDIRECTS or r.status_code == 304:
                    # drain the (tiny) body so the connection goes back to the pool
                    await self._read(r, SMALL_BODY)
                    return Response(str(r.url), r.status_code, r.headers, b"")
                if r.status_code >= 400:
                    retry = parse_retry_after(r.headers.get("retry-after"))
                    raise HTTPStatusError(url, r.status_code, retry)
                declared = r.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise FetchError(
                        url, f"response of {declared} bytes exceeds max_response_bytes={cap}"
                    )
                body = await self._read(r, cap)
                return Response(str(r.url), r.status_code, r.headers, body)
        except httpx.ConnectTimeout as e:
            raise FetchError(
                url, f"no connection after {self.s.connect_timeout:g}s (connect_timeout)"
            ) from e
        except httpx.ReadTimeout as e:
            raise FetchError(
                url, f"server sent nothing for {self.s.read_timeout:g}s (read_timeout)"
            ) from e
        except DecodeRefused as e:
            raise FetchError(url, str(e)) from e
        except FetchError as e:
            if e.url == url:
                raise
            # from the guard at connect time, which knows only host:port: name the URL
            raise type(e)(url, e.message) from None
        except httpx.HTTPError as e:
            raise FetchError(url, f"{type(e).__name__}: {e or 'connection failed'}") from e

    async def _read(self, r: httpx.Response, cap: int) -> bytes:
        """The body, decoded here from the raw bytes under the caps (see decode.py)."""
        decoder = BoundedDecoder(
            r.headers.get("content-encoding", ""), cap, float(self.s.max_compression_ratio)
        )
        chunks: list[bytes] = []
        async for raw in r.aiter_raw():
            chunks.extend(decoder.feed(raw))
        chunks.extend(decoder.finish())
        return b"".join(chunks)


class HostPools(httpx.AsyncBaseTransport):
    """One keep-alive connection pool per origin (scheme, host, port), made on first use.

    httpcore's single pool looks through all of its connections for every request, so with
    one pool for every host the cost of a request grew with the number of hosts and
    connections; per origin it is bounded by `per_host_concurrency`. The pools share one TLS
    context (loading the CA bundle takes ~50 ms) and the SSRF guard. At most `max_pools` are
    kept: beyond that the least recently used idle pool is closed, so a round over hundreds
    of hosts does not keep hundreds of idle sockets open."""

    def __init__(self, guard: Guard, limits: httpx.Limits, max_pools: int = 64):
        self.guard = guard
        self.limits = limits
        self.max_pools = max(1, max_pools)
        self.ssl_context = httpx.create_ssl_context()
        self.pools: OrderedDict[tuple[bytes, bytes, int | None], GuardedTransport] = OrderedDict()
        self.busy: Counter[tuple[bytes, bytes, int | None]] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self.pools.get(key)
        if pool is None:
            pool = GuardedTransport(self.guard, self.limits, verify=self.ssl_context)
            self.pools[key] = pool
            await self._evict()
        self.pools.move_to_end(key)
        self.busy[key] += 1
        try:
            resp = await pool.handle_async_request(request)
        except BaseException:
            self._release(key)
            raise
        # the pool is in use until the body is read or the response closed
        resp.stream = _Released(resp.stream, lambda: self._release(key))  # type: ignore[arg-type]
        return resp

    def _release(self, key: tuple[bytes, bytes, int | None]) -> None:
        self.busy[key] -= 1
        if self.busy[key] <= 0:
            del self.busy[key]

    async def _evict(self) -> None:
        for key in list(self.pools)[: max(0, len(self.pools) - self.max_pools)]:
            if key not in self.busy:
                pool = self.pools.pop(key)
                await pool.aclose()

    async def aclose(self) -> None:
        pools, self.pools = list(self.pools.values()), OrderedDict()
        for pool in pools:
            await pool.aclose()


class _Released(httpx.AsyncByteStream):
    """A response body that calls `done` once when closed."""

    def __init__(self, stream: Any, done: Callable[[], None]):
        self.stream = stream
        self.done: Callable[[], None] | None = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self.stream.aclose()
        finally:
            done, self.done = self.done, None
            if done is not None:
                done()


def httpx_env_proxies() -> dict[str, str | None]:
    """The proxies httpx would take from the environment (HTTP(S)_PROXY, ALL_PROXY)."""
    from httpx._utils import get_environment_proxies

    return {k: v for k, v in get_environment_proxies().items() if v}
