"""Who is reading: the signed-in reader (auth = accounts: a server-side session), the local
reader (auth = single, loopback clients only), or nobody; CSRF for the personal forms; the
session cookie.

The session cookie holds 256 random bits; the store keeps their SHA-256. It is HttpOnly,
SameSite=Lax, Path=/, and Secure with the `__Host-` prefix when base_url is https. Signing in
always issues a new token (a token planted before sign-in is never promoted: no session
fixation); signing out deletes the row.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from everyside.services import readers as svc
from everyside.web import security
from everyside.web.context import ctx, error_response, wants_json

_UNSET = object()


def secure(request: Request) -> bool:
    return ctx(request).base_url.startswith("https://")


def session_cookie(request: Request) -> str:
    return "__Host-es_session" if secure(request) else "es_session"


def accounts_mode(request: Request) -> bool:
    return ctx(request).settings.auth == "accounts"


def loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def current_reader(request: Request) -> dict[str, Any] | None:
    """The reader of this request, or None (cached on the request)."""
    cached = getattr(request.state, "reader", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    es = ctx(request)
    reader: dict[str, Any] | None = None
    if accounts_mode(request):
        reader = svc.session_reader(
            es.store, request.cookies.get(session_cookie(request)), es.now()
        )
    elif loopback(request):
        reader = svc.local_reader(es.store, es.now())
    request.state.reader = reader
    return reader


def need_reader(request: Request) -> dict[str, Any] | Response:
    """The reader, or the answer for nobody: sign-in page (HTML) or 401 (JSON)."""
    reader = current_reader(request)
    if reader is not None:
        return reader
    if not accounts_mode(request):
        return error_response(
            request,
            403,
            "personal pages answer only on this machine (auth = single); an instance serving "
            "several people sets auth = accounts",
        )
    if wants_json(request):
        return error_response(request, 401, "sign in first")
    return RedirectResponse("/login?next=" + _safe_next(request.url.path), status_code=303)


def _safe_next(path: str) -> str:
    """A local path to come back to after signing in (never another site)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/me"
    return path[:200]


def safe_next(value: str | None) -> str:
    return _safe_next(value or "/me")


def csrf_token(request: Request) -> tuple[str, bool]:
    """The request's CSRF token (from its cookie when still valid) and whether it is new."""
    es = ctx(request)
    token = request.cookies.get(security.CSRF_COOKIE)
    if token and security.valid_csrf_token(es.key, token, es.now()):
        return token, False
    return security.new_csrf_token(es.key, es.now()), True


def with_csrf(request: Request, render: Callable[[str], Response]) -> Response:
    token, fresh = csrf_token(request)
    response = render(token)
    if fresh:
        response.set_cookie(
            security.CSRF_COOKIE,
            token,
            max_age=security.CSRF_MAX_AGE,
            httponly=True,
            samesite="strict",
            secure=secure(request),
            path="/",
        )
    response.headers["Cache-Control"] = "no-store"
    return response


def csrf_ok(request: Request, form_value: str | None) -> bool:
    es = ctx(request)
    return security.check_csrf(
        es.key, request.cookies.get(security.CSRF_COOKIE), form_value, es.now()
    )


def csrf_refused(request: Request) -> Response:
    return error_response(
        request,
        403,
        "the form expired or did not come from this site; reload the page and send it again",
    )


def set_session(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        session_cookie(request),
        token,
        max_age=int(float(ctx(request).settings.session_days) * 86400),
        httponly=True,
        samesite="lax",
        secure=secure(request),
        path="/",
    )


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(session_cookie(request), path="/", secure=secure(request))


def client(request: Request) -> str:
    return security.client_id(ctx(request).key, request.client.host if request.client else None)
