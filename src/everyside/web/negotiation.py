"""Which representation a request gets: the JSON twin or the HTML page.

One function, used by the handlers (`context.respond`) and by the page cache's key alike, so
the cache can never store one representation under the other's key. It imports nothing of the
web package, so both can import it.
"""

from __future__ import annotations

from starlette.requests import Request


def wants_json(request: Request) -> bool:
    if request.url.path.endswith(".json") or request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept
