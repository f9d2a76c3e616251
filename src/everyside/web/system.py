"""System pages under the reserved /-/ prefix: health, metrics, and the side-colour theme."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from everyside.services import system
from everyside.web.context import ctx
from everyside.web.filters import side_colors

router = APIRouter(include_in_schema=False)


@router.get("/-/health")
@router.get("/-/health.json")
def health(request: Request) -> Response:
    es = ctx(request)
    report = system.health(es.store, es.settings, es.now())
    # degraded still serves pages: 200, so that a load balancer keeps the instance
    return JSONResponse(report, status_code=503 if report["status"] == "error" else 200)


@router.get("/-/metrics")
def metrics(request: Request) -> Response:
    return Response(ctx(request).metrics.render(), media_type=CONTENT_TYPE_LATEST)


@router.get("/-/theme.css")
def theme(request: Request) -> Response:
    """Side colours come from settings; a stylesheet (not inline styles) keeps the CSP strict."""
    colors = side_colors(ctx(request).settings)
    body = ":root{" + "".join(f"--{k}:{v};" for k, v in colors.items()) + "}\n"
    return Response(body, media_type="text/css", headers={"Cache-Control": "public, max-age=300"})
