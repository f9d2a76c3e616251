"""Atom feeds (top stories, blindspots, a topic, an outlet) and exports of a story (CSV and
JSONL of its articles with their outlet's ratings; the coverage document as JSON).

Atom is built with ElementTree, so every outlet-supplied string is escaped by the serialiser;
every text also passes `clean_text`, since XML 1.0 has no escape for the control characters a
row written before the store's cleaning column types (or a path parameter) may hold.
CSV cells that a spreadsheet would run as a formula are prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response

from everyside.domain.text.normalize import clean_text
from everyside.domain.times import iso_z
from everyside.services import read as q
from everyside.web.api import story_detail
from everyside.web.cache import cached
from everyside.web.context import Id, ctx

router = APIRouter(include_in_schema=False)
ATOM = "http://www.w3.org/2005/Atom"
CSV_FIELDS = (
    "id",
    "published_at",
    "outlet_name",
    "outlet_domain",
    "side",
    "bias",
    "bias_tier",
    "bias_spread",
    "factuality",
    "factuality_tier",
    "estimated_bias",  # only for outlets no rater covers, always with its method and error
    "estimated_tier",
    "estimated_bias_method",
    "estimated_factuality",
    "estimated_factuality_tier",
    "estimated_factuality_method",
    "owner",
    "owner_category",
    "country",
    "title",
    "url",
    "copy_of",
    "reposts",
)


def atom(request: Request, title: str, self_path: str, stories: list[dict[str, Any]]) -> Response:
    base = ctx(request).base_url  # the configured one: never the request's Host
    ET.register_namespace("", ATOM)
    self_url = clean_text(base + self_path) or ""
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = clean_text(f"everyside: {title}")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = self_url
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    times = [s["last_published_at"] for s in stories if s["last_published_at"]]
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _atom_time(max(times, default=None))
    for s in stories:
        e = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(e, f"{{{ATOM}}}title").text = clean_text(s["headline"])
        ET.SubElement(e, f"{{{ATOM}}}id").text = f"{base}/story/{s['id']}"
        ET.SubElement(e, f"{{{ATOM}}}link", href=f"{base}/story/{s['id']}")
        ET.SubElement(e, f"{{{ATOM}}}updated").text = _atom_time(s["last_published_at"])
        ET.SubElement(e, f"{{{ATOM}}}summary").text = clean_text(_entry_summary(s))
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _atom_time(v: str | None) -> str:
    return iso_z(v)


def _entry_summary(s: dict[str, Any]) -> str:
    sh = s.get("shares") or {}
    parts = [f"{s['article_count']} articles from {s['outlet_count']} outlets"]
    if any(v is not None for v in sh.values()):
        parts.append(
            " / ".join(
                f"{k.capitalize()} {round((sh.get(k) or 0) * 100)}%"
                for k in ("left", "center", "right")
            )
        )
    if s.get("blindspot"):
        parts.append(f"Blindspot for the {s['blindspot'].capitalize()}")
    return ". ".join(parts) + "."


@router.get("/feeds/top.atom")
def feed_top(request: Request) -> Response:
    return cached(request, lambda: _feed_top(request))


def _feed_top(request: Request) -> Response:
    with ctx(request).store.read() as conn:
        stories = q.list_stories(conn, q.StoryFilter(), limit=50)
    return atom(request, "top stories", "/feeds/top.atom", stories)


@router.get("/feeds/blindspots.atom")
def feed_blindspots(request: Request) -> Response:
    return cached(request, lambda: _feed_blindspots(request))


def _feed_blindspots(request: Request) -> Response:
    with ctx(request).store.read() as conn:
        stories = q.list_stories(conn, q.StoryFilter(blindspot="left"), limit=25)
        stories += q.list_stories(conn, q.StoryFilter(blindspot="right"), limit=25)
    stories.sort(key=lambda s: s["last_published_at"] or "", reverse=True)
    return atom(request, "blindspots", "/feeds/blindspots.atom", stories)


@router.get("/feeds/topics/{topic}.atom")
def feed_topic(request: Request, topic: str) -> Response:
    with ctx(request).store.read() as conn:
        stories = q.list_stories(conn, q.StoryFilter(topic=topic), limit=50)
    return atom(request, f"topic {topic}", f"/feeds/topics/{topic}.atom", stories)


@router.get("/feeds/outlets/{domain}.atom")
def feed_outlet(request: Request, domain: str) -> Response:
    with ctx(request).store.read() as conn:
        found = q.outlet(conn, domain.lower(), recent=50)
    if found is None:
        raise HTTPException(404, f"no outlet with domain {domain!r}")
    name = found["outlet"]["name"]
    return atom(request, f"stories covered by {name}", f"/feeds/outlets/{domain}.atom",
                found["recent_stories"])  # fmt: skip


def _story_cards(request: Request, story_id: int) -> tuple[dict, list[dict[str, Any]]]:
    d = story_detail(request, story_id)
    return d["coverage"], d["articles"]


def _cell(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v  # keep spreadsheets from running outlet-supplied text as a formula
    return v


@router.get("/story/{story_id:int}/articles.csv")
def export_csv(request: Request, story_id: Id) -> Response:
    _, cards = _story_cards(request, story_id)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, extrasaction="ignore")
    w.writeheader()
    for c in cards:
        w.writerow({k: _cell(c.get(k)) for k in CSV_FIELDS})
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="story-{story_id}-articles.csv"'},
    )


@router.get("/story/{story_id:int}/articles.jsonl")
def export_jsonl(request: Request, story_id: Id) -> Response:
    _, cards = _story_cards(request, story_id)
    body = "".join(json.dumps(jsonable_encoder(c), ensure_ascii=False) + "\n" for c in cards)
    return Response(
        body,
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="story-{story_id}-articles.jsonl"'},
    )


@router.get("/story/{story_id:int}/coverage.json")
def export_coverage(request: Request, story_id: Id) -> Response:
    panel, _ = _story_cards(request, story_id)
    return Response(
        json.dumps(jsonable_encoder(panel), ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="story-{story_id}-coverage.json"'},
    )
