"""robots.txt for article pages (Protego: RFC 9309 with wildcards and longest-match
precedence, which the standard library's parser lacks), fetched once per host and cached.

RFC 9309: a 4xx robots.txt allows everything; a 5xx or an unreachable one disallows everything
for now (the article then falls back to its feed content). Feeds themselves are not checked:
publishing a feed is an invitation to poll it.
"""

from __future__ import annotations

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

    async def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        cached = self._rules.get(origin)
        if cached is None or cached[0] < time.monotonic():
            cached = (time.monotonic() + self.ttl, await self._load(origin))
            self._rules[origin] = cached
        return bool(cached[1].can_fetch(url, self.agent))

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
