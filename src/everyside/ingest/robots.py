"""robots.txt for article pages (Protego: RFC 9309 with wildcards and longest-match
precedence, which the standard library's parser lacks), fetched once per origin per expiry.

One cache per `Ingestor`, shared by every feed of a round and by the rounds that follow: the
first page of an origin starts the robots.txt request, the pages that come meanwhile wait for
that same request (no second fetch while one is in flight), and the rules are kept for
`ttl` seconds (24 h, RFC 9309's upper bound for caching).

RFC 9309: a 4xx robots.txt allows everything; a 5xx or an unreachable one disallows everything
for now (the article then falls back to its feed content). Feeds themselves are not checked:
publishing a feed is an invitation to poll it.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

from protego import Protego

from everyside.errors import FetchError
from everyside.ingest.fetch import Fetcher, HTTPStatusError

ROBOTS_MAX_BYTES = 500_000
ROBOTS_TTL_S = 24 * 3600.0
ALLOW_ALL = Protego.parse("")
DISALLOW_ALL = Protego.parse("User-agent: *\nDisallow: /\n")


class RobotsCache:
    def __init__(self, fetcher: Fetcher, user_agent: str, ttl: float = ROBOTS_TTL_S):
        self.fetcher = fetcher
        self.agent = user_agent.split("/")[0]
        self.ttl = ttl
        self._rules: dict[str, tuple[float, Protego]] = {}
        self._loading: dict[str, asyncio.Future[Protego]] = {}
        self.fetched = 0  # robots.txt requests made (for the bench and the tests)

    async def allowed(self, url: str) -> bool:
        return bool((await self.rules(url)).can_fetch(url, self.agent))

    async def rules(self, url: str) -> Protego:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc.lower()}"
        while True:
            cached = self._rules.get(origin)
            if cached is not None and cached[0] >= time.monotonic():
                return cached[1]
            pending = self._loading.get(origin)
            if pending is None:
                return await self._fetch(origin)
            try:  # another page of this origin is fetching it: wait for that request
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # we are cancelled ourselves
                # the fetching task was cancelled: try again (maybe fetch it ourselves)

    async def _fetch(self, origin: str) -> Protego:
        fut: asyncio.Future[Protego] = asyncio.get_running_loop().create_future()
        self._loading[origin] = fut
        try:
            self.fetched += 1
            rules = await self._load(origin)
        except BaseException:
            fut.cancel()
            raise
        finally:
            self._loading.pop(origin, None)
        self._rules[origin] = (time.monotonic() + self.ttl, rules)
        fut.set_result(rules)
        return rules

    async def _load(self, origin: str) -> Protego:
        try:
            resp = await self.fetcher.get(
                origin + "/robots.txt", accept="text/plain", max_bytes=ROBOTS_MAX_BYTES
            )
        except HTTPStatusError as e:
            return ALLOW_ALL if 400 <= e.status < 500 else DISALLOW_ALL
        except FetchError:
            return DISALLOW_ALL
        return Protego.parse(resp.body.decode("utf-8", "replace"))
