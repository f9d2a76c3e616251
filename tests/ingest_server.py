"""Local feeds and pages for the ingest tests, generated at test time from
../shared/data/stories/allsides_dev.jsonl (real titles and lead text, never copied into the repo).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

from everyside.bench.localserver import Doc, Routes

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "stories"
ALLSIDES = DATA / "allsides_dev.jsonl"


def load_articles(n: int | None = None) -> list[dict]:
    out = []
    with ALLSIDES.open(encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            if a.get("title") and a.get("text") and len(a["text"]) > 300:
                out.append(a)
            if n is not None and len(out) >= n:
                break
    return out


def page_html(a: dict, canonical: str | None = None) -> bytes:
    paras = "".join(f"<p>{escape(p)}</p>" for p in a["text"].split("\n") if p.strip())
    link = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(a['title'])}</title>{link}"
        f'<meta property="og:site_name" content="{escape(a.get("source") or "")}">'
        '</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>'
        f'<article><h1>{escape(a["title"])}</h1><p class="byline">By Staff</p>{paras}</article>'
        "<footer>Copyright. All rights reserved. Terms. Privacy.</footer></body></html>"
    ).encode()


def rss(title: str, items: list[tuple[str, dict]], now: datetime) -> bytes:
    parts = []
    for i, (link, a) in enumerate(items):
        when = format_datetime(now - timedelta(minutes=10 * i))
        parts.append(
            f"<item><title>{escape(a['title'])}</title><link>{escape(link)}</link>"
            f"<guid>{escape(a['id'])}</guid><pubDate>{when}</pubDate>"
            f"<description>{escape(a['text'][:300])}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://example.org/</link>"
        + "".join(parts)
        + "</channel></rss>"
    ).encode()


def build_site(
    routes: Routes, base: str, articles: list[dict], n_feeds: int, now: datetime | None = None
) -> dict[str, list[str]]:
    """Spread `articles` over n_feeds RSS feeds at /feeds/<i>.xml with pages at /a/<id>.
    Returns feed path -> article ids."""
    now = now or datetime.now(UTC)
    routes["/robots.txt"] = Doc(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    feeds: dict[str, list[str]] = {}
    for i in range(n_feeds):
        mine = articles[i::n_feeds]
        items = []
        for a in mine:
            path = f"/a/{a['id']}"
            routes[path] = Doc(page_html(a), "text/html; charset=utf-8")
            items.append((f"{base}{path}?utm_source=rss&utm_medium=feed", a))
        fpath = f"/feeds/{i}.xml"
        routes[fpath] = Doc(rss(f"Feed {i}", items, now))
        feeds[fpath] = [a["id"] for a in mine]
    return feeds
