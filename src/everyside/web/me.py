"""Readers' pages: sign-up, sign-in, sign-out, password reset, My News Bias, For You, follows
and saved stories, account settings (recording switch, e-mail, access tokens, feeds, export,
deletion), the unsubscribe link, the secret Atom feeds and `/go/<article>` (opening an article
records it). Every form carries a CSRF token (web/security.py's signed double submit).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from everyside.errors import AuthError, InputError, LimitError, RateLimitedError
from everyside.services import mail
from everyside.services import readers as svc
from everyside.web import personal as me
from everyside.web.context import Id, ctx, error_response, respond, wants_json
from everyside.web.exports import atom

router = APIRouter(include_in_schema=False)
WINDOWS = (7, 30, 365)


def _form_page(
    request: Request, template: str, data: dict[str, Any], status: int = 200
) -> Response:
    return me.with_csrf(
        request,
        lambda token: respond(request, template, data, status=status, extra={"csrf_token": token}),
    )


def _auth_page(
    request: Request, mode: str, message: str | None = None, status: int = 200, **kw: Any
) -> Response:
    es = ctx(request)
    data = {
        "mode": mode,
        "message": message,
        "signup": es.settings.signup,
        "accounts": me.accounts_mode(request),
        "smtp": mail.configured(es.settings),
        **kw,
    }
    return _form_page(request, "auth.html", data, status)


def _no_accounts(request: Request) -> Response | None:
    if not me.accounts_mode(request):
        return RedirectResponse("/me", status_code=303)
    return None


# -- sign-up, sign-in, sign-out --------------------------------------------------------------
@router.get("/signup")
def signup_page(request: Request, invitation: str = Query("", max_length=100)) -> Response:
    return _no_accounts(request) or _auth_page(request, "signup", invitation=invitation)


@router.post("/signup")
def signup(
    request: Request,
    email: str = Form("", max_length=1000),
    username: str = Form("", max_length=1000),
    password: str = Form("", max_length=4096),
    invitation: str = Form("", max_length=100),
    csrf_token: str = Form(""),
) -> Response:
    if (r := _no_accounts(request)) is not None:
        return r
    if not me.csrf_ok(request, csrf_token):
        return me.csrf_refused(request)
    es = ctx(request)
    if es.settings.signup == "closed":
        return _auth_page(request, "signup", "sign-up is closed on this instance", 403)
    if es.settings.signup == "invite" and not invitation:
        return _auth_page(request, "signup", "sign-up needs an invitation code", 403)
    try:
        rid = svc.create_account(
            es.store, email, username, password, es.now(), invitation=invitation or None
        )
    except InputError as e:
        return _auth_page(
            request,
            "signup",
            str(e),
            422,
            invitation=invitation,
            email=email[:254],
            username=username[:64],
        )
    return _signed_in(request, rid, "/me")


def _signed_in(request: Request, reader_id: int, to: str) -> Response:
    es = ctx(request)
    old = request.cookies.get(me.session_cookie(request))
    svc.end_session(es.store, old)  # whatever session this browser had ends here
    token = svc.start_session(es.store, es.settings, reader_id, es.now())
    response = RedirectResponse(me.safe_next(to), status_code=303)
    me.set_session(request, response, token)
    return response


@router.get("/login")
def login_page(request: Request, next: str = Query("/me", max_length=200)) -> Response:
    return _no_accounts(request) or _auth_page(request, "login", next=me.safe_next(next))


@router.post("/login")
def login(
    request: Request,
    email: str = Form("", max_length=1000),
    password: str = Form("", max_length=4096),
    next: str = Form("/me", max_length=200),
    csrf_token: str = Form(""),
) -> Response:
    if (r := _no_accounts(request)) is not None:
        return r
    if not me.csrf_ok(request, csrf_token):
        return me.csrf_refused(request)
    es = ctx(request)
    try:
        rid = svc.authenticate(
            es.store, es.settings, es.key, email, password, me.client(request), es.now()
        )
    except RateLimitedError as e:
        return _auth_page(request, "login", str(e), 429, next=me.safe_next(next))
    except AuthError as e:
        return _auth_page(request, "login", str(e), 401, next=me.safe_next(next), email=email[:254])
    return _signed_in(request, rid, next)


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")) -> Response:
    if not me.csrf_ok(request, csrf_token):
        return me.csrf_refused(request)
    svc.end_session(ctx(request).store, request.cookies.get(me.session_cookie(request)))
    response = RedirectResponse("/", status_code=303)
    me.clear_session(request, response)
    return response


# -- password reset --------------------------------------------------------------------------
@router.get("/reset")
def reset_page(request: Request) -> Response:
    return _no_accounts(request) or _auth_page(request, "reset")


@router.post("/reset")
def reset_request(
    request: Request, email: str = Form("", max_length=1000), csrf_token: str = Form("")
) -> Response:
    if (r := _no_accounts(request)) is not None:
        return r
    if not me.csrf_ok(request, csrf_token):
        return me.csrf_refused(request)
    es = ctx(request)
    found = svc.request_reset(es.store, email, es.now())
    if found is not None:
        from everyside.domain.readers import mailtext

        reader, token = found
        link = f"{es.base_url}/reset/{token}"
        mail.queue(
            es.store,
            es.settings,
            es.now(),
            "reset",
            reader["email"],
            mailtext.reset(link, svc.RESET_HOURS),
            reader["id"],
        )
    # the same answer whether or not the address has an account
    return _auth_page(
        request,
        "reset",
        "if that address has an account, a link to reset its password is on its way",
    )


@router.get("/reset/{token}")
def reset_form(request: Request, token: str) -> Response:
    if (r := _no_accounts(request)) is not None:
        return r
    es = ctx(request)
    if len(token) > 100 or not svc.reset_valid(es.store, token, es.now()):
        return _auth_page(request, "reset", "this reset link is unknown, used or expired", 404)
    response = _auth_page(request, "newpassword", token=token)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/reset/{token}")
def reset_done(
    request: Request,
    token: str,
    password: str = Form("", max_length=4096),
    csrf_token: str = Form(""),
) -> Response:
    if (r := _no_accounts(request)) is not None:
        return r
    if not me.csrf_ok(request, csrf_token):
        return me.csrf_refused(request)
    es = ctx(request)
    try:
        svc.reset_password(es.store, token[:100], password, es.now())
    except AuthError as e:
        return _auth_page(request, "reset", str(e), 404)
    except InputError as e:
        return _auth_page(request, "newpassword", str(e), 422, token=token)
    return _auth_page(request, "login", "your password is changed; sign in with it", next="/me")


# -- My News Bias ------------------------------------------------------------------------------
@router.get("/me.json")
@router.get("/me")
def dashboard(request: Request, days: int = Query(30)) -> Response:
    reader = me.need_reader(request)
    if isinstance(reader, Response):
        return reader
    es = ctx(request)
    days = days if days in WINDOWS else 30
    bias = svc.my_news_bias(es.store, reader["id"], es.now())
    data = {
        "reader": svc.public_profile(reader),
        "days": days,
        "windows": list(WINDOWS),
        "bias": bias,
    }
    return _form_page(request, "me.html", data)


@router.get("/me/for-you.json")
@router.get("/me/for-you")
def for_you(request: Request) -> Response:
    reader = me.need_reader(request)
    if isinstance(reader, Response):
        return reader
    es = ctx(request)
    items = svc.for_you(es.store, reader["id"], es.now())
    return _form_page(
        request, "foryou.html", {"items": items, "reader": svc.public_profile(reader)}
    )


@router.get("/me/follows.json")
@router.get("/me/follows")
def follows_page(request: Request) -> Response:
    reader = me.need_reader(request)
    if isinstance(reader, Response):
        return reader
    es = ctx(request)
    data = {
        "follows": svc.list_follows(es.store, reader["id"]),
        "saved": svc.saved(es.store, reader["id"]),
        "max_follows": es.settings.max_follows,
        "reader": svc.public_profile(reader),
    }
    return _form_page(request, "follows.html", data)


def _back(request: Request, to: str, default: str) -> Response:
    return RedirectResponse(me.safe_next(to or default), status_code=303)


def _personal_post(request: Request, csrf_token: str) -> dict[str, Any] | Response:
    if not me.csrf_ok(request, csrf_token):
        return me.csrf_refused(request)
    return me.need_reader(request)


@router.post("/me/follow")
def follow(
    request: Request,
    kind: str = Form(..., max_length=16),
    target: str = Form(..., max_length=300),
    back: str = Form("", max_length=200),
    csrf_token: str = Form(""),
) -> Response:
    reader = _personal_post(request, csrf_token)
    if isinstance(reader, Response):
        return reader
    es = ctx(request)
    try:
        svc.follow(es.store, es.settings, reader["id"], [(kind, target)], es.now())
    except LimitError as e:
        return error_response(request, 409, str(e))
    except InputError as e:
        return error_response(request, 422, str(e))
    return _back(request, back, "/me/follows")


@router.post("/me/unfollow")
def unfollow(
    request: Request,
    kind: str = Form(..., max_length=16),
    target: str = Form(..., max_length=300),
    back: str = Form("", max_length=200),
    csrf_token: str = Form(""),
) -> Response:
    reader = _personal_post(request, csrf_token)
    if isinstance(reader, Response):
        return reader
    try:
        svc.unfollow(ctx(request).store, reader["id"], kind, target)
    except InputError as e:
        return error_response(request, 422, str(e))
    return _back(request, back, "/me/follows")


@router.post("/me/save")
def save(
    request: Request,
    story_id: int = Form(..., ge=0, le=2**63 - 1),
    saved: bool = Form(True),
    back: str = Form("", max_length=200),
    csrf_token: str = Form(""),
) -> Response:
    reader = _personal_post(request, csrf_token)
    if isinstance(reader, Response):
        return reader
    es = ctx(request)
    if saved:
        if not svc.save(es.store, reader["id"], story_id, es.now()):
            return error_response(request, 404, f"story {story_id} does not exist")
    else:
        svc.unsave(es.store, reader["id"], story_id)
    return _back(request, back, "/me/follows")


@router.post("/me/recording")
def recording(
    request: Request,
    on: bool = Form(...),
    back: str = Form("", max_length=200),
    csrf_token: str = Form(""),
) -> Response:
    reader = _personal_post(request, csrf_token)
    if isinstance(reader, Response):
        return reader
    svc.set_preferences(ctx(request).store, reader["id"], recording=on)
    return _back(request, back, "/me")


@router.post("/me/history/delete")
def delete_history(request: Request, csrf_token: str = Form("")) -> Response:
    reader = _personal_post(request, csrf_token)
    if isinstance(reader, Response):
        return reader
    svc.delete_history(ctx(request).store, reader["id"])
    return RedirectResponse("/me?deleted=1", status_code=303)


# -- account -----------------------------------------------------------------------------------
@router.get("/me/account")
def account(request: Request, new_token: str | None = None) -> Response:
    reader = me.need_reader(request)
    if isinstance(reader, Response):
        return reader
    es = ctx(request)
    secret = svc.feed_secret(es.key, reader)
    data = {
        "reader": svc.public_profile(reader),
        "tokens": svc.list_api_tokens(es.store, reader["id"]),
        "feeds": {
            "for_you": f"{es.base_url}/feeds/me/{secret}/for-you.atom",
            "follows": f"{es.base_url}/feeds/me/{secret}/follows.atom",
        },
        "smtp": mail.configured(es.settings),
        "accounts": me.accounts_mode(request),
    }
    return _form_page(request, "account.html", data, 200)


@router.post("/me/email")
def email_prefs(
    request: Request,
    briefing: bool = Form(False),
    alerts: bool = Form(False),
    csrf_token: str = Form(""),
) -> Response:
    reader = _personal_post(request, csrf_token)
    if isinstance(reader, Response):
        return reader
    svc.set_preferences(
        ctx(request).store, reader["id"], email_briefing=briefing, email_alerts=alerts
    )
    return RedirectResponse("/me/account", status_code=303)


@router.post("/me/tokens")
def new_token(
    request: Request, name: str = Form("", max_length=100), csrf_token: str = Form("")
) -> Response:
    reader = _personal_post(request, csrf_token)
    if isinstance(reader, Response):
        return reader
    es = ctx(request)
    token = svc.create_api_token(es.store, reader["id"], name, es.now())
    # shown once, on this response only (never in a URL)
    response = _form_page(
        request,
        "account.html",
        {
            "reader": svc.public_profile(reader),
            "tokens": svc.list_api_tokens(es.store, reader["id"]),
            "new_token": token,
            "feeds": {},
            "smtp": mail.configured(es.settings),
            "accounts": me.accounts_mode(request),
        },
        201 if wants_json(request) else 200,
    )
    return response


@router.post("/me/tokens/{token_id}/delete")
def revoke_token(request: Request, token_id: Id, csrf_token: str = Form("")) -> Response:
    reader = _personal_post(request, csrf_token)
    if isinstance(reader, Response):
        return reader
    svc.revoke_api_token(ctx(request).store, reader["id"], token_id)
    return RedirectResponse("/me/account", status_code=303)


@router.post("/me/feeds/reset")
def reset_feeds(request: Request, csrf_token: str = Form("")) -> Response:
    reader = _personal_post(request, csrf_token)
    if isinstance(reader, Response):
        return reader
    svc.new_feed_secret(ctx(request).store, reader["id"])
    return RedirectResponse("/me/account", status_code=303)


@router.get("/me/export.json")
def export_json(request: Request) -> Response:
    reader = me.need_reader(request)
    if isinstance(reader, Response):
        return reader
    es = ctx(request)
    from fastapi.encoders import jsonable_encoder

    body = jsonable_encoder(svc.export(es.store, reader["id"], es.now()))
    return JSONResponse(
        body,
        headers={
            "Content-Disposition": 'attachment; filename="everyside-my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/me/export.csv")
def export_csv(request: Request) -> Response:
    reader = me.need_reader(request)
    if isinstance(reader, Response):
        return reader
    es = ctx(request)
    return PlainTextResponse(
        svc.export_csv(es.store, reader["id"], es.now()),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="everyside-reading-history.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/me/delete")
def delete_account(
    request: Request, password: str = Form("", max_length=4096), csrf_token: str = Form("")
) -> Response:
    reader = _personal_post(request, csrf_token)
    if isinstance(reader, Response):
        return reader
    es = ctx(request)
    if reader["kind"] == "account":
        try:
            svc.authenticate(
                es.store,
                es.settings,
                es.key,
                reader["email"],
                password,
                me.client(request),
                es.now(),
            )
        except AuthError as e:
            return error_response(request, 403, f"account not deleted: {e}")
    svc.delete_account(es.store, reader["id"])
    response = RedirectResponse("/", status_code=303)
    me.clear_session(request, response)
    return response


# -- links from outside: unsubscribe, feeds, articles -------------------------------------------
@router.get("/unsubscribe")
def unsubscribe_page(request: Request, t: str = Query("", max_length=200)) -> Response:
    return _form_page(request, "unsubscribe.html", {"token": t, "done": None})


@router.post("/unsubscribe")
def unsubscribe(request: Request, t: str = Query("", max_length=200)) -> Response:
    """RFC 8058 one-click (a mail client's POST) and the page's button: the signed token is the
    only authority, and it grants this one change (so no CSRF token: a forged request could
    only do what the token's holder can)."""
    done = mail.unsubscribe(ctx(request).store, ctx(request).key, t)
    if done is None:
        return error_response(request, 404, "this unsubscribe link is not valid (any more)")
    return respond(request, "unsubscribe.html", {"token": "", "done": done})


@router.get("/feeds/me/{secret}/for-you.atom")
def feed_for_you(request: Request, secret: str) -> Response:
    es = ctx(request)
    reader = svc.feed_reader(es.store, es.key, secret[:80])
    if reader is None:
        return error_response(request, 404, "no such feed")
    items = svc.for_you(es.store, reader["id"], es.now(), limit=50)
    stories = [i["story"] for i in items]
    response = atom(request, "For You", f"/feeds/me/{secret}/for-you.atom", stories)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/feeds/me/{secret}/follows.atom")
def feed_follows(request: Request, secret: str) -> Response:
    es = ctx(request)
    reader = svc.feed_reader(es.store, es.key, secret[:80])
    if reader is None:
        return error_response(request, 404, "no such feed")
    stories = svc.follows_stories(es.store, reader["id"])
    response = atom(request, "what you follow", f"/feeds/me/{secret}/follows.atom", stories)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/go/{article_id}")
def go(request: Request, article_id: Id) -> Response:
    """Open an article at its outlet (recording the read for a reader who records). Only
    stored article URLs: never an open redirect."""
    es = ctx(request)
    url = svc.open_article(es.store, me.current_reader(request), article_id, es.now())
    if url is None:
        return error_response(request, 404, f"article {article_id} has no link")
    response = RedirectResponse(url, status_code=303)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
