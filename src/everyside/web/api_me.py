"""The personal API under /api/v1/me, with personal access tokens (`Authorization: Bearer
es_pat_...`, created on /me/account, stored as SHA-256). Cookies are not accepted here, so no
cross-site request can use a browser's session against the API. Every call answers only the
token's reader: no route takes a reader id.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from everyside.errors import InputError, LimitError
from everyside.services import readers as svc
from everyside.web.context import Id, ctx

router = APIRouter(prefix="/api/v1/me", tags=["me"])
AUTH = {401: {"description": "Missing or unknown access token: `{error: {...}}`"}}


def token_reader(request: Request) -> dict[str, Any]:
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    es = ctx(request)
    reader = (
        svc.api_reader(es.store, value.strip(), es.now()) if scheme.lower() == "bearer" else None
    )
    if reader is None:
        raise HTTPException(
            401,
            "a personal access token is required: `Authorization: Bearer es_pat_...` "
            "(create one on /me/account)",
            headers={"WWW-Authenticate": 'Bearer realm="everyside"'},
        )
    return reader


Reader = Depends(token_reader)


@router.get("", summary="The token's reader", responses=AUTH)
def whoami(reader: dict = Reader) -> dict:
    return {"reader": svc.public_profile(reader)}


@router.get("/bias", summary="My News Bias over 7, 30 and 365 days", responses=AUTH)
def bias(request: Request, reader: dict = Reader) -> dict:
    es = ctx(request)
    return {"windows": svc.my_news_bias(es.store, reader["id"], es.now())}


@router.get("/for-you", summary="Stories ranked for the reader, with why", responses=AUTH)
def for_you(request: Request, limit: int = Query(30, ge=1, le=100), reader: dict = Reader) -> dict:
    es = ctx(request)
    return {"items": svc.for_you(es.store, reader["id"], es.now(), limit=limit)}


class FollowIn(BaseModel):
    kind: str = Field(max_length=16)
    target: str = Field(max_length=300)


class FollowsIn(BaseModel):
    follows: list[FollowIn] = Field(max_length=100_000)


@router.get("/follows", summary="What the reader follows", responses=AUTH)
def follows(request: Request, reader: dict = Reader) -> dict:
    return {"follows": svc.list_follows(ctx(request).store, reader["id"])}


@router.post(
    "/follows", summary="Follow topics, outlets or stories", status_code=201, responses=AUTH
)
def add_follows(request: Request, body: FollowsIn, reader: dict = Reader) -> dict:
    es = ctx(request)
    try:
        added = svc.follow(
            es.store,
            es.settings,
            reader["id"],
            [(f.kind, f.target) for f in body.follows],
            es.now(),
        )
    except LimitError as e:
        raise HTTPException(409, str(e)) from None
    except InputError as e:
        raise HTTPException(422, str(e)) from None
    return {"added": added}


@router.delete("/follows/{kind}/{target}", summary="Unfollow", responses=AUTH)
def remove_follow(request: Request, kind: str, target: str, reader: dict = Reader) -> dict:
    try:
        removed = svc.unfollow(ctx(request).store, reader["id"], kind, target)
    except InputError as e:
        raise HTTPException(422, str(e)) from None
    return {"removed": removed}


@router.get("/saved", summary="Saved stories", responses=AUTH)
def saved(request: Request, reader: dict = Reader) -> dict:
    return {"stories": svc.saved(ctx(request).store, reader["id"])}


@router.put("/saved/{story_id}", summary="Save a story", responses=AUTH)
def save(request: Request, story_id: Id, reader: dict = Reader) -> dict:
    es = ctx(request)
    if not svc.save(es.store, reader["id"], story_id, es.now()):
        raise HTTPException(404, f"story {story_id} does not exist")
    return {"saved": story_id}


@router.delete("/saved/{story_id}", summary="Unsave a story", responses=AUTH)
def unsave(request: Request, story_id: Id, reader: dict = Reader) -> dict:
    svc.unsave(ctx(request).store, reader["id"], story_id)
    return {"unsaved": story_id}


@router.get("/history", summary="Reading history (newest first)", responses=AUTH)
def history(request: Request, reader: dict = Reader) -> dict:
    es = ctx(request)
    return {"reads": svc.history(es.store, reader["id"], es.now())}


@router.delete("/history", summary="Delete the reading history", responses=AUTH)
def delete_history(request: Request, reader: dict = Reader) -> dict:
    return {"deleted": svc.delete_history(ctx(request).store, reader["id"])}


class RecordingIn(BaseModel):
    on: bool


@router.put("/recording", summary="Pause or resume recording", responses=AUTH)
def recording(request: Request, body: RecordingIn, reader: dict = Reader) -> dict:
    svc.set_preferences(ctx(request).store, reader["id"], recording=body.on)
    return {"recording": body.on}


@router.get("/export", summary="Everything stored about the reader", responses=AUTH)
def export(request: Request, reader: dict = Reader) -> dict:
    es = ctx(request)
    return svc.export(es.store, reader["id"], es.now())
