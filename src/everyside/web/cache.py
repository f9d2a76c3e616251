"""A small in-memory cache for pages that are the same for every reader (home, blindspots,
topics, feeds): a front page is read far more often than the pipeline changes it. Entries live
`page_cache_seconds`; per process, bounded, never shared between readers' personal pages.

The key is what the response depends on and nothing a client can bend: the path, the query and
the representation the app chose (`wants_json`, the very function the handler uses; keying on a
substring of Accept let `Accept: application/json, text/html` store HTML under the JSON key).
Absolute links come from `base_url`, never from Host, so Host is rightly not in the key. A
cookie the response sets is never replayed to another reader."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from everyside.web.negotiation import wants_json

MAX_ENTRIES = 512


class PageCache:
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._entries: OrderedDict[tuple, tuple[float, int, bytes, list]] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, request: Request) -> tuple:
        return (request.url.path, request.url.query, wants_json(request))

    def get(self, request: Request) -> Response | None:
        if self.ttl <= 0:
            return None
        with self._lock:
            hit = self._entries.get(self.key(request))
        if hit is None or hit[0] < self.clock():
            return None
        _, status, body, headers = hit
        response = Response(body, status_code=status)
        response.raw_headers = list(headers)
        return response

    def put(self, request: Request, response: Response) -> Response:
        if self.ttl <= 0 or response.status_code != 200 or not hasattr(response, "body"):
            return response
        headers = [(k, v) for k, v in response.raw_headers if k.lower() != b"set-cookie"]
        entry = (self.clock() + self.ttl, 200, bytes(response.body), headers)
        with self._lock:
            self._entries[self.key(request)] = entry
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
        return response


def cached(request: Request, build: Callable[[], Response]) -> Response:
    """The cached response for this URL, or build it and keep it."""
    cache: PageCache = request.app.state.es.cache
    hit = cache.get(request)
    return hit if hit is not None else cache.put(request, build())
