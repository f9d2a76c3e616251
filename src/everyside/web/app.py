"""The app factory: wires settings, store, templates, security headers, trusted hosts, metrics,
the one error shape, and the routers (pages, API, feeds/exports, system pages). Handlers live
elsewhere.

Every error, expected or not, answers with the one shape; an unexpected one is answered by
`CatchAll` without re-raising, so the server keeps the connection alive (Starlette's own
catch-all re-raises after answering, and uvicorn then closes the connection). Path and query
values are checked before any handler: ids beyond 64-bit integers and NUL characters (which
SQLite and PostgreSQL refuse) are 422s, not 500s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from everyside.errors import EverysideError
from everyside.settings import Settings
from everyside.store import Store
from everyside.web import hosts, security
from everyside.web.cache import PageCache
from everyside.web.context import WebContext, ctx, error_response
from everyside.web.metrics import Metrics
from everyside.web.readers import Readers

__all__ = ["create_app", "create_app_from_environment"]

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


def _messages(exc: RequestValidationError) -> str:
    parts = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
    return "invalid parameters: " + "; ".join(parts)


def _printable(value: str, limit: int = 200) -> str:
    """A request value safe to echo in a message: control characters escaped, length bounded."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value[:limit])
    return shown + ("..." if len(value) > limit else "")


def no_control_characters(request: Request) -> None:
    """Refuse NUL in path and query values before any handler: no database stores it."""
    values = [*request.path_params.values(), *request.query_params.values()]
    for value in values:
        if isinstance(value, str) and "\x00" in value:
            raise HTTPException(
                422, f"invalid parameters: '{_printable(value, 80)}' contains a NUL character"
            )


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        msg = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and msg == "Not Found":
            msg = f"nothing at {_printable(request.url.path)}; see / or /api/v1/openapi.json"
        return error_response(request, exc.status_code, msg)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, _messages(exc))

    @app.exception_handler(EverysideError)
    async def ours(request: Request, exc: EverysideError) -> Response:
        return error_response(request, 503, str(exc))


class CatchAll:
    """Answer an unexpected exception with the one error shape (500) and keep the connection:
    the exception stops here instead of reaching Starlette's ServerErrorMiddleware."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:  # half a response is out: nothing sensible can follow it
                raise
            request = Request(scope, receive)
            ctx(request).metrics.errors.inc()
            log.error("web: unable to serve %s: %r", scope.get("path"), exc, exc_info=exc)
            response = error_response(
                request, 500, "internal error; the server log has the details"
            )
            await response(scope, receive, send)


class HeadersAndTiming:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware on every request): adds the
    security headers and `Server-Timing`, and records the request in the metrics."""

    def __init__(self, app: Any, metrics: Metrics):
        self.app = app
        self.metrics = metrics
        self.headers = [(k.lower().encode(), v.encode()) for k, v in security.HEADERS.items()]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                elapsed = time.perf_counter() - start
                have = {k for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in have]
                timing = (b"server-timing", f"app;dur={elapsed * 1000:.1f}".encode())
                message["headers"] = [*message.get("headers", []), *extra, timing]
                route = getattr(scope.get("route"), "path", "unmatched")
                self.metrics.observe(route, message["status"], elapsed)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def build_templates(settings: Settings) -> Jinja2Templates:
    from everyside.web import filters

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True  # every template, whatever its extension
    templates.env.auto_reload = False  # templates ship with the package: no stat per render
    filters.install(templates.env, settings)
    return templates


# Handlers are CPU-bound Python plus short database reads: a few threads per process keep the
# GIL from being shared by dozens of requests at once (which stretches every one of them and
# blows up tail latency); more concurrency comes from more worker processes.
HANDLER_THREADS = 4


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = HANDLER_THREADS
    yield


def create_app(settings: Settings, store: Store) -> FastAPI:
    """The web app and JSON API over `store`. Serve it with uvicorn."""
    from everyside.web import api, api_me, exports, me, operator, pages, system

    app = FastAPI(
        lifespan=_lifespan,
        dependencies=[Depends(no_control_characters)],
        title="everyside API",
        version="1",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        description="Stories, coverage, outlets and ratings. Every HTML page also "
        "answers as JSON (`.json` suffix or `Accept: application/json`).",
    )
    app.state.es = WebContext(
        settings,
        store,
        build_templates(settings),
        security.secret_key(settings),
        Metrics(store, 3 * float(settings.worker_heartbeat_seconds)),
        PageCache(float(settings.page_cache_seconds)),
        hosts.base_url(settings),
        Readers(store),
    )
    hosts.warn_if_guessed(settings)
    _install_errors(app)
    app.add_middleware(CatchAll)  # innermost: its 500 still gets the headers below
    app.add_middleware(hosts.TrustedHosts, allowed=hosts.allowed_hosts(settings))
    app.add_middleware(HeadersAndTiming, metrics=app.state.es.metrics)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (system, operator, api_me, api, me, exports, pages):
        app.include_router(module.router)
    app.add_route("/favicon.ico", lambda r: Response(status_code=204), include_in_schema=False)
    return app


def create_app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory --workers N everyside.web.app:create_app_from_environment`:
    settings from the usual layers (config file, EVERYSIDE_* environment), one store per worker."""
    from everyside.settings import load_settings
    from everyside.store import open_store

    settings = load_settings()
    return create_app(settings, open_store(settings.db_url))
