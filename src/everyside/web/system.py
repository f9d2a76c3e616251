"""System pages under the reserved /-/ prefix: health, metrics, and the side-colour theme."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from everyside.web.app import ctx
from everyside.web.filters import side_colors

router = APIRouter(include_in_schema=False)


@router.get("/-/health")
@router.get("/-/health.json")
def health(request: Request) -> Response:
    es = ctx(request)
    try:
        revision = es.store.ping()
    except Exception as e:  # the point of a health check is to report, not to raise
        return JSONResponse(
            {"status": "error", "database": f"unreachable: {type(e).__name__}"}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": "ok", "schema": revision})


@router.get("/-/metrics")
def metrics(request: Request) -> Response:
    return Response(ctx(request).metrics.render(), media_type=CONTENT_TYPE_LATEST)


@router.get("/-/theme.css")
def theme(request: Request) -> Response:
    """Side colours come from settings; a stylesheet (not inline styles) keeps the CSP strict."""
    colors = side_colors(ctx(request).settings)
    body = ":root{" + "".join(f"--{k}:{v};" for k, v in colors.items()) + "}\n"
    return Response(body, media_type="text/css", headers={"Cache-Control": "public, max-age=300"})
