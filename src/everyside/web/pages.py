"""HTML pages, each with a JSON twin (`.json` suffix or `Accept: application/json`).

Each handler parses input, calls the read model (`everyside.services.read`, the same functions
the API, feeds, exports and CLI call) and renders. The `.json` route is registered before the
HTML one so that `/outlets/bbc.co.uk.json` is the twin, not an outlet called "bbc.co.uk.json".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from everyside.services import read as q
from everyside.services import readers, system
from everyside.services import views as view
from everyside.services.summaries import record_feedback
from everyside.web import personal, security
from everyside.web.cache import cached
from everyside.web.context import Id, ctx, error_response, respond, wants_json
from everyside.web.filters import search_filter

router = APIRouter(include_in_schema=False)


def page(path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    twin = "/index.json" if path == "/" else path + ".json"

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        router.get(twin)(fn)
        router.get(path)(fn)
        return fn

    return register


def _filters(topic: str | None, country: str | None, range_: str | None) -> q.StoryFilter:
    return q.StoryFilter(
        topic=topic or None, country=country or None, range=range_ if range_ in q.RANGES else None
    )


@page("/")
def home(
    request: Request,
    topic: str | None = None,
    country: str | None = None,
    range: str | None = Query(None, pattern="^(day|week|month|all)?$"),
    page: int = Query(1, ge=1, le=1000),
) -> Response:
    return cached(request, lambda: _home(request, _filters(topic, country, range), page))


def _home(request: Request, f: q.StoryFilter, page: int) -> Response:
    es = ctx(request)
    with es.store.read() as conn:
        stories = q.list_stories(conn, f, limit=30, offset=(page - 1) * 30)
        ingestion = system.ingestion(conn, es.settings, es.now())
    data = {
        "stories": stories,
        "filters": {"topic": f.topic, "country": f.country, "range": f.range},
        "page": page,
        "ingestion": ingestion.to_dict(),
    }
    return respond(request, "home.html", data)


def _story_data(request: Request, story_id: int, side: str | None, sort: str) -> dict | None:
    es = ctx(request)
    with es.store.read() as conn:
        data = q.story_detail(conn, story_id, es.settings, es.now())
    if data is None:
        return None
    data["articles"] = view.sort_cards(data["articles"], sort)
    return {**data, "counts": view.side_counts(data["articles"]), "side": side, "sort": sort}


CARDS_PAGE = 25  # article cards shown at a time; "Show 25 more" adds the next ones


def _card_page(cards: list[dict], side: str | None, sort: str, shown: int) -> dict[str, Any]:
    """Which cards a page shows (the first `shown` of the chosen side) and the link to more.
    Every card is in the page, the others `hidden`, so the tabs and "more" work in place with
    JavaScript and by links without it."""
    matching = [c["id"] for c in cards if side is None or c["side"] == side]
    shown = max(CARDS_PAGE, shown)
    visible = set(matching[:shown])
    remaining = len(matching) - len(visible)
    more = None
    if remaining > 0:
        more = "?" + urlencode({"side": side or "all", "sort": sort, "shown": shown + CARDS_PAGE})
        more += f"#article-{matching[shown]}"
    return {"visible": visible, "more_url": more, "remaining": remaining, "page_size": CARDS_PAGE}


@page("/story/{story_id:int}")
def story(
    request: Request,
    story_id: Id,
    side: str | None = Query(None, pattern="^(left|center|right|all)?$"),
    sort: str = Query("time", pattern="^(time|bias|factuality)$"),
    feedback: str | None = None,
    shown: int = Query(CARDS_PAGE, ge=1, le=100_000),
) -> Response:
    data = _story_data(request, story_id, side if side != "all" else None, sort)
    if data is None:
        return error_response(request, 404, f"story {story_id} does not exist")
    merged = data["story"].get("merged_into")
    if merged and not wants_json(request):
        return RedirectResponse(f"/story/{int(merged)}", status_code=301)
    es = ctx(request)
    token = request.cookies.get(security.CSRF_COOKIE)
    fresh = not security.valid_csrf_token(es.key, token, es.now())
    if fresh:
        token = security.new_csrf_token(es.key, es.now())
    extra = {"csrf_token": token, "feedback_state": feedback, "reasons": FEEDBACK_REASONS}
    extra.update(_card_page(data["articles"], data["side"], sort, shown))
    if not wants_json(request):
        extra["me"] = _personal(request, story_id)
    response = respond(request, "story.html", data, extra=extra)
    if wants_json(request):
        return response
    if fresh:
        response.set_cookie(
            security.CSRF_COOKIE,
            token,
            max_age=security.CSRF_MAX_AGE,
            httponly=True,
            samesite="strict",
            path="/",
        )
    _count_reader(request, response, story_id)
    return response


def _personal(request: Request, story_id: int) -> dict[str, Any] | None:
    """The reader's state on a story page (recording the read when recording is on)."""
    reader = personal.current_reader(request)
    if reader is None:
        return None
    es = ctx(request)
    recorded = readers.record_story(es.store, reader, story_id, es.now())
    return {**readers.story_state(es.store, reader["id"], story_id), "recording": recorded}


def _count_reader(request: Request, response: Response, story_id: int) -> None:
    """A reader of the page (the audience disputes are weighed against); a browser without
    the per-browser cookie gets one."""
    es = ctx(request)
    reader = security.client_id(es.key, request.client.host if request.client else None)
    es.readers.saw(story_id, reader, es.now())
    if security.browser_id(es.key, request.cookies.get(security.BROWSER_COOKIE)) is None:
        response.set_cookie(
            security.BROWSER_COOKIE,
            security.new_browser_token(),
            max_age=security.BROWSER_MAX_AGE,
            httponly=True,
            samesite="lax",
            path="/",
        )


FEEDBACK_REASONS = {
    "wrong_event": "It describes a different event",
    "inaccurate": "A bullet is inaccurate or not supported by its source",
    "one_sided": "It is one-sided",
    "unclear": "It is unclear or badly written",
    "other": "Something else",
}


@router.post("/story/{story_id:int}/feedback")
def feedback(
    request: Request,
    story_id: Id,
    reason: str = Form(..., max_length=64),
    text: str = Form("", max_length=2000),
    csrf_token: str = Form("", alias=security.CSRF_FIELD),
) -> Response:
    es = ctx(request)
    now = es.now()
    if not security.check_csrf(es.key, request.cookies.get(security.CSRF_COOKIE), csrf_token, now):
        return error_response(
            request,
            403,
            "the form expired or did not come from this site; "
            "reload the story page and send it again",
        )
    if reason not in FEEDBACK_REASONS:
        return error_response(
            request,
            422,
            f"unknown reason {reason[:64]!r}; choose one of " + ", ".join(FEEDBACK_REASONS),
        )
    client = security.client_id(es.key, request.client.host if request.client else None)
    browser = security.browser_id(es.key, request.cookies.get(security.BROWSER_COOKIE))
    with es.store.read() as conn:
        if q.get_story(conn, story_id) is None:
            return error_response(request, 404, f"story {story_id} does not exist")
    outcome = record_feedback(
        es.store,
        es.settings,
        story_id,
        reason,
        text.strip() or None,
        client,
        now,
        browser=browser,
        rate_limit=es.settings.feedback_rate_limit,
    )
    if outcome["rate_limited"]:
        return error_response(
            request,
            429,
            "too many reports from your address in the last "
            "hour; thank you, please try again later",
        )
    if wants_json(request):
        return JSONResponse({"status": "recorded", "story_id": story_id}, status_code=201)
    return RedirectResponse(f"/story/{story_id}?feedback=thanks#summary", status_code=303)


@page("/blindspots")
def blindspots(request: Request) -> Response:
    return cached(request, lambda: _blindspots(request))


def _blindspots(request: Request) -> Response:
    with ctx(request).store.read() as conn:
        left = q.list_stories(conn, q.StoryFilter(blindspot="left"), limit=30)
        right = q.list_stories(conn, q.StoryFilter(blindspot="right"), limit=30)
    return respond(request, "blindspots.html", {"left": left, "right": right})


@page("/outlets")
def outlets(
    request: Request,
    q_: str = Query("", alias="q", max_length=100),
    page: int = Query(1, ge=1, le=10000),
) -> Response:
    with ctx(request).store.read() as conn:
        rows = q.list_outlets(conn, q_, limit=100, offset=(page - 1) * 100)
    for o in rows:
        o.update(view.card({**o, "id": o["id"], "outlet_name": o["name"]}, ctx(request).now()))
    return respond(request, "outlets.html", {"outlets": rows, "q": q_, "page": page})


@page("/outlets/{domain}")
def outlet(request: Request, domain: str) -> Response:
    es = ctx(request)
    with es.store.read() as conn:
        found = q.outlet(conn, domain.lower())
    if found is None:
        return error_response(
            request, 404, f"no outlet with domain {domain!r}; search the directory at /outlets"
        )
    o = found["outlet"]
    o.update(
        {
            k: v
            for k, v in view.card({**o, "outlet_name": o["name"]}, es.now()).items()
            if k in ("side", "bias_tier", "estimated_tier", "factuality_tier", "initial")
        }
    )
    return personal.with_csrf(
        request, lambda t: respond(request, "outlet.html", found, extra={"csrf_token": t})
    )


@page("/topics")
def topics(request: Request) -> Response:
    return cached(request, lambda: _topics(request))


def _topics(request: Request) -> Response:
    with ctx(request).store.read() as conn:
        counts = q.topic_counts(conn)
    return respond(
        request, "topics.html", {"topics": [{"name": n, "stories": c} for n, c in counts]}
    )


@page("/topics/{topic}")
def topic(request: Request, topic: str, page: int = Query(1, ge=1, le=1000)) -> Response:
    with ctx(request).store.read() as conn:
        name = q.topic_pages(conn).get(topic.casefold())
        if name is None:
            return error_response(
                request,
                404,
                f"no topic page for {topic!r}: a topic gets one when {q.TOPIC_PAGE_MIN} stories "
                "share it; see /topics or search for it",
            )
        stories = q.list_stories(conn, q.StoryFilter(topic=name), limit=30, offset=(page - 1) * 30)
    data = {"topic": name, "stories": stories, "page": page}
    return personal.with_csrf(
        request, lambda t: respond(request, "topic.html", data, extra={"csrf_token": t})
    )


SEARCH_PAGE = 30
DAY = r"^(\d{4}-\d{2}-\d{2})?$"


@page("/search")
def search(
    request: Request,
    q_: str = Query("", alias="q", max_length=200),
    sort: str = Query("relevance", pattern="^(relevance|date)$"),
    side: str = Query("", pattern="^(left|center|right)?$"),
    outlet: str = Query("", max_length=253),
    since_: str = Query("", alias="from", pattern=DAY),  # an empty form field is no filter
    until_: str = Query("", alias="to", pattern=DAY),
    page: int = Query(1, ge=1, le=10000),
) -> Response:
    try:
        since = date.fromisoformat(since_) if since_ else None
        until = date.fromisoformat(until_) if until_ else None
    except ValueError as e:
        return error_response(request, 422, f"not a date: {e}")
    found: dict[str, Any] = {"total": 0, "stories": [], "next_offset": None}
    if q_.strip():
        f = search_filter(side, outlet, since, until)
        with ctx(request).store.read() as conn:
            found = q.search(
                conn, q_, sort=sort, f=f, limit=SEARCH_PAGE, offset=(page - 1) * SEARCH_PAGE
            )
    params = {
        "q": q_,
        "sort": sort,
        "side": side,
        "outlet": outlet,
        "from": since.isoformat() if since else "",
        "to": until.isoformat() if until else "",
    }
    keep = {k: v for k, v in params.items() if v and not (k == "sort" and v == "relevance")}

    def link(n: int) -> str:
        return "/search?" + urlencode({**keep, **({"page": n} if n > 1 else {})})

    first = (page - 1) * SEARCH_PAGE + 1
    data = {
        **params,
        "total": found["total"],
        "results": found["stories"],
        "page": page,
        "shown": [first, first + len(found["stories"]) - 1] if found["stories"] else None,
        "prev_url": link(page - 1) if page > 1 else None,
        "next_url": link(page + 1) if found["next_offset"] is not None else None,
    }
    extra = {"this_from": params["from"], "this_to": params["to"]}  # `from` is a Jinja keyword
    return respond(request, "search.html", data, extra=extra)
