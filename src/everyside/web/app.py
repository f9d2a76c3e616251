"""The app factory: wires settings, store, templates, security headers, metrics, the one error
shape, and the routers (pages, API, feeds/exports, system pages). Handlers live elsewhere."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from everyside.errors import EverysideError
from everyside.settings import Settings
from everyside.store import Store
from everyside.web import security
from everyside.web.cache import PageCache
from everyside.web.context import WebContext, ctx, error_response
from everyside.web.metrics import Metrics

__all__ = ["create_app", "create_app_from_environment"]

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


def _messages(exc: RequestValidationError) -> str:
    parts = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
    return "invalid parameters: " + "; ".join(parts)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        msg = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and msg == "Not Found":
            msg = f"nothing at {request.url.path}; see / or /api/v1/openapi.json"
        return error_response(request, exc.status_code, msg)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, _messages(exc))

    @app.exception_handler(EverysideError)
    async def ours(request: Request, exc: EverysideError) -> Response:
        return error_response(request, 503, str(exc))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        ctx(request).metrics.errors.inc()
        log.error("web: unable to serve %s: %r", request.url.path, exc, exc_info=exc)
        return error_response(request, 500, "internal error; the server log has the details")


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
    from everyside.web import api, exports, pages, system

    app = FastAPI(
        lifespan=_lifespan,
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
        Metrics(store),
        PageCache(float(settings.page_cache_seconds)),
    )
    _install_errors(app)
    app.add_middleware(HeadersAndTiming, metrics=app.state.es.metrics)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (system, api, exports, pages):
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
