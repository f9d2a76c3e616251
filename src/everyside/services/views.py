"""The read model's shapes: article cards, the coverage panel and the summary view, built from
query rows and the stored documents (`services.read` calls these; pages, JSON twins, the API,
exports and the CLI all show their output, so they cannot disagree).

Pure functions (no I/O); `now` is an argument. The coverage panel is the coverage document
(`domain.coverage`, computed by `services.coverage`) reshaped for display; nothing here
re-derives a number the document holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from everyside.domain.coverage import plurality_sentence as coverage_plurality
from everyside.domain.model import (
    FACTUALITY_TIERS,
    OWNERSHIP_CATEGORIES,
    bias_side,
    bias_tier,
    factuality_tier,
)
from everyside.domain.percent import percentages, tidy_spacing
from everyside.domain.times import parse_iso
from everyside.domain.urls import registered_domain

SIDES = ("left", "center", "right")
SIDE_LABEL = {"left": "Left", "center": "Center", "right": "Right"}
SORTS = ("time", "bias", "factuality")


def parse_time(v: Any) -> datetime | None:
    """A datetime or ISO 8601 text as aware UTC (None when unreadable)."""
    return parse_iso(v)


def relative_time(v: Any, now: datetime) -> str:
    dt = parse_time(v)
    if dt is None:
        return "date unknown"
    s = (now - dt).total_seconds()
    if s < 0:
        return "in the future"
    for unit, size in (
        ("year", 31536000),
        ("month", 2592000),
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
    ):
        if s >= size:
            n = int(s // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def safe_url(url: Any) -> str | None:
    """Only http(s) URLs become links ("Read full article" never runs javascript: URLs)."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


def card(a: dict[str, Any], now: datetime) -> dict[str, Any]:
    """One article card."""
    bias, est = a.get("bias"), a.get("estimated_bias")
    fact, est_fact = a.get("factuality"), a.get("estimated_factuality")
    side = bias_side(bias).value if bias is not None else None
    # a rater's value always wins: an estimate left from before a rating came is not shown
    stale = {"estimated_bias": None, "estimated_bias_method": None} if bias is not None else {}
    if fact is not None:
        stale.update(estimated_factuality=None, estimated_factuality_method=None)
    return {
        **a,
        **stale,
        "url": safe_url(a.get("url")),
        "side": side,
        "bias_tier": bias_tier(bias) if bias is not None else None,
        "estimated_tier": bias_tier(est) if bias is None and est is not None else None,
        "factuality_tier": factuality_tier(None if fact is None else float(fact)),
        "estimated_factuality_tier": factuality_tier(float(est_fact))
        if fact is None and est_fact is not None
        else None,
        "owner_category": a.get("owner_cat") or "Unknown",
        "initial": (a.get("outlet_name") or "?").strip()[:1].upper() or "?",
        "ago": relative_time(a.get("published_at"), now),
    }


def sort_cards(cards: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    if sort == "bias":  # left to right, unrated last
        return sorted(cards, key=lambda c: (c["bias"] is None, c["bias"] or 0.0, c["id"]))
    if sort == "factuality":  # most factual first, unknown last
        return sorted(cards, key=lambda c: (c["factuality"] is None, -(c["factuality"] or 0)))
    return sorted(cards, key=lambda c: (c["published_at"] or "", c["id"]), reverse=True)


def side_counts(cards: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"all": len(cards), "left": 0, "center": 0, "right": 0}
    for c in cards:
        if c["side"]:
            counts[c["side"]] += 1
    return counts


def plurality_sentence(shares: dict[str, float | None]) -> str | None:
    known = {s: v for s, v in shares.items() if v is not None}
    if not known or not any(known.values()):
        return None
    side = max(SIDES, key=lambda s: known.get(s) or 0.0)
    whole = percentages({s: shares.get(s) for s in SIDES})
    return f"{whole[side]}% of the rated sources are {SIDE_LABEL[side]}"


def _plurality(counts: dict[str, Any], src: dict[str, Any]) -> str | None:
    if not counts or not isinstance(src.get("rated"), int) or not isinstance(src.get("total"), int):
        return None
    return coverage_plurality(
        {s: int(counts.get(s) or 0) for s in SIDES}, src["rated"], src["total"]
    )


def coverage_panel(doc: dict[str, Any], story: dict[str, Any]) -> dict[str, Any]:
    """Everything the "Coverage details" panel shows, from the coverage document
    (docs/design-notes/coverage.md) and the story row's "why grouped" explanation."""
    src, bias = _get(doc, "sources"), _get(doc, "bias")
    by_outlet = _get(bias, "by_outlet")
    shares = by_outlet.get("shares") if isinstance(by_outlet.get("shares"), dict) else {}
    counts = by_outlet.get("counts") if isinstance(by_outlet.get("counts"), dict) else {}
    spot = _get(doc, "blindspot")
    broke = _get(doc, "broke_the_news")
    return {
        "outlets": int(src.get("total") or 0),
        "rated_outlets": int(src.get("rated") or 0),
        "unrated_outlets": int(src.get("unrated") or 0),
        "counts": {s: int(counts.get(s) or 0) for s in SIDES},
        "shares": {s: shares.get(s) for s in SIDES},
        # from the counts, not the stored sentence: documents stored before issue 18 said
        # "33% each" where the legend now says 34/33/33
        "plurality": _plurality(counts, src) or bias.get("plurality") or plurality_sentence(shares),
        "factuality": _in_order(_get(doc, "factuality").get("counts"), FACTUALITY_ORDER),
        "ownership": _in_order(_get(doc, "ownership").get("counts"), OWNERSHIP_CATEGORIES),
        "mostly_from": _get(doc, "countries").get("sentence"),
        "broke": broke or None,
        "broke_sentence": _broke(broke),
        "broke_reason": broke.get("reason"),
        "timeline": _timeline(_get(doc, "timeline").get("points")),
        "blindspot": spot.get("missed_by"),
        "blindspot_detail": spot if spot.get("flagged") else None,
        "estimated": _get(doc, "estimated_bias") or None,
        "location": _get(doc, "location") or None,
        "computed_at": doc.get("computed_at"),
        "why": why_lines(story.get("why")),
    }


FACTUALITY_ORDER = (*FACTUALITY_TIERS[::-1], "Unknown")


def _in_order(counts: Any, order: tuple[str, ...]) -> list[tuple[str, int]]:
    """The non-zero counts, in the scale's order (then any other key)."""
    if not isinstance(counts, dict):
        return []
    keys = [k for k in order if k in counts] + [k for k in counts if k not in order]
    return [(str(k), int(counts[k])) for k in keys if isinstance(counts[k], int) and counts[k] > 0]


def _timeline(points: Any) -> list[tuple[str, str, int]]:
    if not isinstance(points, list):
        return []
    return [
        (str(p.get("t", ""))[:13].replace("T", " "), s, int(p.get(s) or 0))
        for p in points
        if isinstance(p, dict)
        for s in (*SIDES, "unrated")
        if p.get(s)
    ]


def _get(doc: Any, key: str) -> dict[str, Any]:
    v = doc.get(key) if isinstance(doc, dict) else None
    return v if isinstance(v, dict) else {}


def _broke(b: dict | None) -> str | None:
    if not b:
        return None
    name = b.get("name") or b.get("outlet")
    when = str(b.get("at") or b.get("time") or "")[:10]
    if not name:
        return None
    where = f" in {b['country']}" if b.get("country") else ""
    return f"{name} broke the news{where}" + (f" on {when}" if when else "")


WHY_LABELS = {
    "entities": "Shared names",
    "terms": "Shared words",
    "span_hours": "Hours between the first and the last article",
}


def why_lines(why: Any) -> list[str]:
    """ "Why these articles are one story", whatever shape the story engine stored
    (a sentence, a list, or a dict of a summary sentence plus lists of shared features)."""
    if isinstance(why, str):
        return [why]
    if isinstance(why, list):
        return [_feature(w) for w in why][:8]
    if not isinstance(why, dict):
        return []
    out = [why["summary"]] if isinstance(why.get("summary"), str) else []
    for k, v in why.items():
        label = WHY_LABELS.get(k, k.replace("_", " ").capitalize())
        if isinstance(v, list) and v:
            out.append(f"{label}: " + ", ".join(_feature(x) for x in v[:8]))
        elif k == "span_hours" and isinstance(v, int | float):
            out.append(f"{label}: {v:g}")
    return out[:8]


def _feature(x: Any) -> str:
    if isinstance(x, dict):
        name = x.get("text") or x.get("term") or x.get("name") or ""
        n = x.get("articles")
        return f"{name} ({n} articles)" if isinstance(n, int) else str(name)
    return str(x)


def summary_view(doc: dict | None, cards: list[dict[str, Any]]) -> dict[str, Any]:
    """Bullets with citations resolved to their outlet; the lead of the first article otherwise."""
    by_id = {c["id"]: c for c in cards}
    if doc and isinstance(doc.get("bullets"), list) and doc["bullets"]:
        sides = doc.get("sides") if isinstance(doc.get("sides"), dict) else {}
        return {
            "kind": "summary",
            "mode": doc.get("mode") or "extractive",
            "disputed": bool(doc.get("disputed")),
            "headline": doc.get("headline") if isinstance(doc.get("headline"), dict) else None,
            "bullets": [_bullet(b, by_id) for b in doc["bullets"] if isinstance(b, dict)],
            "sides": {
                s: [_bullet(b, by_id) for b in sides.get(s) or [] if isinstance(b, dict)]
                for s in SIDES
                if sides.get(s)
            },
        }
    lead = next((c for c in cards if c.get("snippet")), None)
    return {
        "kind": "lead",
        "mode": None,
        "disputed": False,
        "headline": None,
        "bullets": [],
        "sides": {},
        "lead": lead
        and {"text": lead["snippet"], "outlet": lead["outlet_name"], "article_id": lead["id"]},
    }


def _bullet(b: dict[str, Any], by_id: dict[int, dict[str, Any]]) -> dict[str, Any]:
    cites = []
    for c in b.get("citations") or []:
        if not isinstance(c, dict):
            continue
        art = by_id.get(c.get("article_id"))  # type: ignore[arg-type]
        cites.append(
            {
                "article_id": c.get("article_id"),
                "sentence": c.get("sentence") or "",
                "outlet": art["outlet_name"] if art else None,
                "url": art["url"] if art else None,
            }
        )
    return {"text": tidy_spacing(str(b.get("text") or "")), "citations": cites}


def website(domain: str | None, homepage: str | None) -> str | None:
    """The outlet's homepage as a link: only http(s), only on the outlet's own registered
    domain, and only the site's root (a directory's "homepage" is often a section page such as
    /news/local/atwater/ or /index.php?id_seccion=10); else the root of the outlet's domain."""
    if not domain:
        return None
    own = registered_domain(domain)
    if homepage:
        try:
            parts = urlsplit(homepage.strip())
            host = (parts.hostname or "").lower()
        except ValueError:
            parts, host = None, ""
        ok = parts is not None and parts.scheme in ("http", "https") and host
        if ok and parts is not None and registered_domain(host) == own:
            return f"{parts.scheme}://{host}/"
    return f"https://{domain.removeprefix('www.')}/"
