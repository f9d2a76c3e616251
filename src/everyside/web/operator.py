"""Operator pages under the reserved /-/ prefix, behind the `operator_token` setting.

`/-/disputes` (and its JSON twin) lists the stories whose summary readers reported: the open
reports (reason, text, time), how many distinct clients sent them against how many the story's
readers require, and the summaries already disputed with the reasons that did it. Reporters are
counted, never shown, not even as hashes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from everyside.services.disputes import overview
from everyside.web import personal, security
from everyside.web.context import ctx, error_response, respond

router = APIRouter(include_in_schema=False)


def _denied(request: Request) -> Response | None:
    token = str(ctx(request).settings.operator_token or "")
    reader = personal.current_reader(request) if personal.accounts_mode(request) else None
    if reader is not None and reader.get("role") == "admin":
        return None  # an admin account (auth = accounts) opens the operator pages
    if not token:
        return error_response(
            request,
            403,
            "the operator pages are closed; set operator_token (EVERYSIDE_OPERATOR_TOKEN) "
            "to open them",
        )
    if not security.operator_allowed(token, request.headers.get("authorization")):
        response = error_response(
            request, 401, "operator pages: give the operator_token as the password"
        )
        response.headers["WWW-Authenticate"] = 'Basic realm="everyside operator"'
        return response
    return None


@router.get("/-/disputes")
@router.get("/-/disputes.json")
def disputes(request: Request) -> Response:
    denied = _denied(request)
    if denied is not None:
        return denied
    es = ctx(request)
    with es.store.read() as conn:
        data = overview(conn, es.settings)
    response = respond(request, "disputes.html", data)
    response.headers["Cache-Control"] = "no-store"
    return response
