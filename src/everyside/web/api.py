"""The JSON API under /api/v1 (documented by the OpenAPI document at /api/v1/openapi.json).

Thin handlers over the read model the pages use (`everyside.services.read`), so the API and the
pages can never disagree. Errors use the app's one error shape.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from everyside.services import read as q
from everyside.web.context import MAX_ID, Id, ctx
from everyside.web.filters import search_filter

router = APIRouter(prefix="/api/v1", tags=["v1"])
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found: `{error: {status, code, message}}`"},
    422: {"description": "Invalid parameters: `{error: {status, code, message}}`"},
}


@router.get("/stories", summary="Top stories", responses=ERRORS)
def stories(
    request: Request,
    topic: str | None = None,
    country: str | None = Query(
        None, max_length=60, description="ISO code or name of the country: GB, United Kingdom"
    ),
    range: str | None = Query(None, pattern="^(day|week|month|all)$"),
    blindspot: str | None = Query(None, pattern="^(left|right)$"),
    limit: int = Query(30, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> dict:
    f = q.StoryFilter(topic=topic, country=country, range=range, blindspot=blindspot)
    with ctx(request).store.read() as conn:
        return {"stories": q.list_stories(conn, f, limit=limit, offset=offset)}


def story_detail(request: Request, story_id: int) -> dict[str, Any]:
    """Story, coverage panel, summary, article cards and similar stories (the read model)."""
    es = ctx(request)
    with es.store.read() as conn:
        detail = q.story_detail(conn, story_id, es.settings, es.now())
    if detail is None:
        raise HTTPException(404, f"story {story_id} does not exist")
    return detail


@router.get("/stories/{story_id}", summary="One story with coverage and summary", responses=ERRORS)
def story(request: Request, story_id: Id) -> dict:
    d = story_detail(request, story_id)
    d.pop("articles")
    return d


@router.get("/stories/{story_id}/articles", summary="Articles of a story", responses=ERRORS)
def story_articles(request: Request, story_id: Id) -> dict:
    return {"articles": story_detail(request, story_id)["articles"]}


@router.get("/blindspots", summary="Blindspot stories by the side that missed them")
def blindspots(
    request: Request,
    side: str | None = Query(None, pattern="^(left|right)$"),
    limit: int = Query(30, ge=1, le=200),
) -> dict:
    out: dict[str, Any] = {}
    with ctx(request).store.read() as conn:
        for s in [side] if side else ["left", "right"]:
            out[s] = q.list_stories(conn, q.StoryFilter(blindspot=s), limit=limit)
    return {"blindspots": out}


@router.get("/outlets", summary="Outlet directory")
def outlets(
    request: Request,
    q_: str = Query("", alias="q", max_length=100),
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> dict:
    with ctx(request).store.read() as conn:
        return {"outlets": q.list_outlets(conn, q_, limit=limit, offset=offset)}


def _outlet(request: Request, domain: str) -> dict[str, Any]:
    with ctx(request).store.read() as conn:
        found = q.outlet(conn, domain.lower(), recent=0)
    if found is None:
        raise HTTPException(404, f"no outlet with domain {domain!r}")
    return dict(found["outlet"])


@router.get("/outlets/{domain}", summary="One outlet with ratings and owners", responses=ERRORS)
def outlet(request: Request, domain: str) -> dict:
    return {"outlet": _outlet(request, domain)}


@router.get(
    "/outlets/{domain}/ratings", summary="Every rater's rating of an outlet", responses=ERRORS
)
def ratings(request: Request, domain: str) -> dict:
    o = _outlet(request, domain)
    return {
        "domain": o["domain"],
        "combined_bias": o["bias"],
        "bias_spread": o["bias_spread"],
        "factuality": o["factuality"],
        "estimated_bias": o["estimated_bias"],
        "estimated_factuality": o["estimated_factuality"],
        "estimates": o["estimates"],  # method, expected error, evidence and date, by axis
        "ratings": o["ratings"],
    }


@router.get("/articles/{article_id}", summary="One article", responses=ERRORS)
def article(request: Request, article_id: Id) -> dict:
    with ctx(request).store.read() as conn:
        found = q.article(conn, article_id, ctx(request).now())
    if found is None:
        raise HTTPException(404, f"article {article_id} does not exist")
    return {"article": found}


@router.get("/search", summary="Full-text search over stories and articles", responses=ERRORS)
def search(
    request: Request,
    q_: str = Query(..., alias="q", min_length=1, max_length=200),
    sort: str = Query("relevance", pattern="^(relevance|date)$"),
    side: str | None = Query(None, pattern="^(left|center|right)$"),
    outlet: str | None = Query(None, max_length=253, description="domain of a covering outlet"),
    since: date | None = Query(None, alias="from", description="first day (YYYY-MM-DD)"),
    until: date | None = Query(None, alias="to", description="last day (YYYY-MM-DD)"),
    limit: int = Query(30, ge=1, le=100),
    cursor: str | None = Query(None, max_length=40, description="next_cursor of the last page"),
) -> dict:
    """`total` counts every matching story; `next_cursor` (null on the last page) asks for
    the next `limit` of them."""
    offset = 0
    if cursor:
        try:
            offset = q.decode_cursor(cursor)
        except ValueError as e:
            raise HTTPException(422, f"cursor {cursor!r} is not a cursor of this API") from e
    f = search_filter(side, outlet, since, until)
    with ctx(request).store.read() as conn:
        found = q.search(conn, q_, sort=sort, f=f, limit=limit, offset=offset)
    nxt = found["next_offset"]
    return {
        "q": q_,
        "sort": sort,
        "total": found["total"],
        "stories": found["stories"],
        "next_cursor": None if nxt is None else q.encode_cursor(nxt),
    }
