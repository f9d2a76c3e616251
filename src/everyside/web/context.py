"""What every handler shares: the per-app context (settings, store, templates, ...), and the
two ways to answer, `respond` (the HTML page or its JSON twin from the same data) and
`error_response` (the one error shape). Handlers import this; the app factory (`app.py`)
imports the handlers, so nothing imports back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path as PathParam
from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates

from everyside.settings import Settings
from everyside.store import Store
from everyside.web.cache import PageCache
from everyside.web.metrics import Metrics
from everyside.web.negotiation import wants_json
from everyside.web.readers import Readers

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_parameters",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
MAX_ID = 2**63 - 1  # the largest integer either database stores
Id = Annotated[int, PathParam(ge=0, le=MAX_ID, description="A numeric id.")]


@dataclass
class WebContext:
    """What every handler needs, stored on app.state.es."""

    settings: Settings
    store: Store
    templates: Jinja2Templates
    key: bytes
    metrics: Metrics
    cache: PageCache
    base_url: str  # absolute links are built from this, never from the request's Host
    readers: Readers  # distinct readers of each story page, for disputes

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


def ctx(request: Request) -> WebContext:
    es = request.app.state.es
    assert isinstance(es, WebContext)
    return es


def respond(
    request: Request,
    template: str,
    data: dict[str, Any],
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The same data as JSON (the twin) or rendered as HTML (`extra`: HTML-only context)."""
    if wants_json(request):
        return JSONResponse(jsonable_encoder(data), status_code=status)
    es = ctx(request)
    context = {**data, **(extra or {}), "now": es.now()}
    return es.templates.TemplateResponse(request, template, context, status_code=status)


def error_body(status: int, message: str) -> dict[str, Any]:
    """The one error shape, for every JSON error of the app."""
    return {
        "error": {"status": status, "code": ERROR_CODES.get(status, "error"), "message": message}
    }


def error_response(request: Request, status: int, message: str) -> Response:
    if wants_json(request):
        return JSONResponse(error_body(status, message), status_code=status)
    es = ctx(request)
    return es.templates.TemplateResponse(
        request, "error.html", {**error_body(status, message), "now": es.now()}, status_code=status
    )
