"""Coverage of one story in numbers: who covered it, from which side, how factual, owned by
whom, who broke it, whether one side missed it.

Pure: `compute_coverage(articles, outlets, params, now)` takes plain values (no store, no clock)
and returns a `Coverage` whose `to_dict()` is the JSON document stored in `coverage.data` and
read whole by the web. Shares are always over *rated* outlets (real ratings only); outlets with
only an estimated bias are counted in a separate, labelled block and never as a side.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from everyside.domain.blindspot import blindspot, side_factuality
from everyside.domain.model import (
    BIAS_TIERS,
    FACTUALITY_TIERS,
    bias_side,
    bias_tier,
    counts_in_order,
    factuality_tier,
)
from everyside.domain.percent import largest_remainder
from everyside.domain.places import country_name, locate
from everyside.domain.timeline import first_publisher, timeline
from everyside.domain.topics import extract_topics

SIDES: tuple[str, ...] = ("left", "center", "right")
SIDE_LABELS = {"left": "Left", "center": "Center", "right": "Right"}
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class OutletFacts:
    """What coverage needs to know about one outlet; `bias` is the combined *real* rating."""

    domain: str
    name: str = ""
    country: str | None = None
    bias: float | None = None  # mean of raters' mapped values, -3..+3
    bias_spread: float | None = None  # max - min of raters' values
    bias_raters: int = 0
    factuality: float | None = None  # 0..4
    estimated_bias: float | None = None  # only used when bias is None; always labelled
    estimated_bias_method: str | None = None
    owner: str | None = None
    owner_category: str | None = None


@dataclass(frozen=True)
class ArticleFacts:
    """One member article. `outlet` is the outlet's domain (key into the outlets mapping)."""

    id: int
    outlet: str
    title: str | None = None
    text: str | None = None
    published_at: datetime | None = None
    fetched_at: datetime | None = None
    copy_of: int | None = None


@dataclass(frozen=True)
class CoverageParams:
    blindspot_min_rated: int = 5
    blindspot_threshold: float = 0.2
    max_date_skew_hours: float = 24.0
    story_window_days: float = 7.0

    @classmethod
    def from_settings(cls, settings: Any) -> CoverageParams:
        """Take the four numbers from a Settings-like object (attribute access)."""
        return cls(
            blindspot_min_rated=int(settings.blindspot_min_rated),
            blindspot_threshold=float(settings.blindspot_threshold),
            max_date_skew_hours=float(settings.max_date_skew_hours),
            story_window_days=float(settings.story_window_days),
        )


@dataclass(frozen=True)
class Coverage:
    story_id: int | None
    total_outlets: int
    rated_outlets: int
    total_articles: int
    side_outlets: dict[str, int]
    side_shares: dict[str, float | None]
    blindspot: dict[str, Any]
    country: str | None
    topics: list[dict[str, Any]]
    sections: dict[str, Any] = field(default_factory=dict)
    computed_at: datetime | None = None

    @property
    def missed_by(self) -> str | None:
        value = self.blindspot.get("missed_by")
        return value if isinstance(value, str) else None

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "version": SCHEMA_VERSION,
            "story_id": self.story_id,
            "computed_at": _iso(self.computed_at),
        }
        doc.update(self.sections)
        doc["blindspot"] = self.blindspot
        doc["topics"] = self.topics
        return doc


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def share(count: int, total: int) -> float | None:
    return round(count / total, 4) if total else None


# -- per-outlet facts -------------------------------------------------------------------------
def side_of(outlet: OutletFacts) -> str | None:
    return bias_side(outlet.bias).value if outlet.bias is not None else None


def _resolve(ids: Mapping[int, ArticleFacts], art: ArticleFacts) -> int:
    """Id of the original an article is (transitively) a copy of, within the story."""
    seen = {art.id}
    cur = art
    while cur.copy_of is not None and cur.copy_of in ids and cur.copy_of not in seen:
        seen.add(cur.copy_of)
        cur = ids[cur.copy_of]
    return cur.id


def _article_rows(arts: Sequence[ArticleFacts], outlets: Mapping[str, OutletFacts]) -> list[dict]:
    ids = {a.id: a for a in arts}
    root = {a.id: _resolve(ids, a) for a in arts}
    reposts = Counter(r for a_id, r in root.items() if r != a_id)
    rows = []
    for a in arts:
        is_copy = root[a.id] != a.id or (a.copy_of is not None and a.copy_of not in ids)
        rows.append(
            {
                "id": a.id,
                "outlet": a.outlet,
                "side": side_of(outlets[a.outlet]),
                "published_at": _iso(a.published_at),
                "copy_of": a.copy_of,
                "original": not is_copy,
                "reposted_by": reposts.get(a.id, 0),
            }
        )
    return rows


def _outlet_rows(arts: Sequence[dict], outlets: Mapping[str, OutletFacts]) -> list[dict]:
    per: dict[str, list[dict]] = {}
    for row in arts:
        per.setdefault(row["outlet"], []).append(row)
    rows = []
    for dom in sorted(per):
        o = outlets[dom]
        members = per[dom]
        rows.append(
            {
                "domain": dom,
                "name": o.name or dom,
                "country": o.country,
                "articles": len(members),
                "original_articles": sum(1 for m in members if m["original"]),
                "article_ids": [m["id"] for m in members],
                "bias": o.bias,
                "bias_tier": bias_tier(o.bias) if o.bias is not None else None,
                "side": side_of(o),
                "bias_spread": o.bias_spread,
                "bias_raters": o.bias_raters,
                "estimated_bias": o.estimated_bias if o.bias is None else None,
                "estimated_side": _estimated_side(o),
                "estimated_bias_method": o.estimated_bias_method if o.bias is None else None,
                "factuality": o.factuality,
                "factuality_tier": factuality_tier(o.factuality),
                "owner": o.owner,
                "owner_category": o.owner_category or "Unknown",
            }
        )
    return rows


def _estimated_side(o: OutletFacts) -> str | None:
    if o.bias is not None or o.estimated_bias is None:
        return None
    return bias_side(o.estimated_bias).value


# -- distributions ----------------------------------------------------------------------------
def _bias_section(outlet_rows: list[dict], article_rows: list[dict]) -> dict[str, Any]:
    rated = [r for r in outlet_rows if r["side"] is not None]
    by_outlet = counts_in_order((r["side"] for r in rated), SIDES)
    rated_arts = [a for a in article_rows if a["side"] is not None]
    by_article = counts_in_order((a["side"] for a in rated_arts), SIDES)
    orig = [r for r in rated if r["original_articles"] > 0]
    by_original = counts_in_order((r["side"] for r in orig), SIDES)
    tiers = counts_in_order((r["bias_tier"] for r in rated), BIAS_TIERS)
    return {
        "by_outlet": {"counts": by_outlet, "shares": _shares(by_outlet, len(rated))},
        "by_article": {
            "counts": by_article,
            "shares": _shares(by_article, len(rated_arts)),
            "rated_articles": len(rated_arts),
        },
        "by_original_outlet": {"counts": by_original, "shares": _shares(by_original, len(orig))},
        "tiers": {"counts": tiers, "shares": _shares(tiers, len(rated))},
        "plurality": plurality_sentence(by_outlet, len(rated), len(outlet_rows)),
    }


def _shares(counts: Mapping[str, int], total: int) -> dict[str, float | None]:
    return {k: share(v, total) for k, v in counts.items()}


def plurality_sentence(counts: Mapping[str, int], rated: int, total: int) -> str:
    """ "60% of the sources are Center" (over rated sources; says so when not all are rated)."""
    if rated == 0:
        return f"None of the {total} sources has a bias rating yet"
    top = max(counts.values())
    leaders = [s for s in SIDES if counts.get(s, 0) == top]
    # the same whole percentages as the bar's legend (largest remainder: they sum to 100)
    whole = dict(zip(SIDES, largest_remainder([counts.get(s, 0) for s in SIDES]), strict=True))
    if len(leaders) == 1:
        text = f"{whole[leaders[0]]}% of the sources are {SIDE_LABELS[leaders[0]]}"
    else:
        names = [SIDE_LABELS[s] for s in leaders]
        listed = ", ".join(names[:-1]) + " and " + names[-1]
        if len({whole[s] for s in leaders}) == 1:
            text = f"Coverage is split evenly: {whole[leaders[0]]}% each of {listed}"
        else:  # 34/33/33: no one number is true of every side
            text = f"Coverage is split evenly between {listed}"
    if rated < total:
        text += f" ({rated} of {total} sources rated)"
    return text


def _estimated_section(outlet_rows: list[dict]) -> dict[str, Any]:
    est = [r for r in outlet_rows if r["estimated_side"] is not None]
    return {
        "label": "estimated",
        "outlets": len(est),
        "counts": counts_in_order((r["estimated_side"] for r in est), SIDES),
        "methods": sorted({r["estimated_bias_method"] for r in est if r["estimated_bias_method"]}),
    }


def _factuality_section(outlet_rows: list[dict]) -> dict[str, Any]:
    order = (*reversed(FACTUALITY_TIERS), "Unknown")
    counts = counts_in_order((r["factuality_tier"] for r in outlet_rows), order)
    known = [r["factuality"] for r in outlet_rows if r["factuality"] is not None]
    return {
        "counts": counts,
        "rated": len(known),
        "mean": round(sum(known) / len(known), 3) if known else None,
    }


def _ownership_section(outlet_rows: list[dict]) -> dict[str, Any]:
    cats = Counter(r["owner_category"] for r in outlet_rows)
    owners = Counter(r["owner"] for r in outlet_rows if r["owner"])
    return {
        "counts": dict(sorted(cats.items(), key=lambda kv: (-kv[1], kv[0]))),
        "owners": [
            {"owner": o, "outlets": n}
            for o, n in sorted(owners.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        ],
    }


def _countries_section(outlet_rows: list[dict]) -> dict[str, Any]:
    c = Counter(r["country"] for r in outlet_rows if r["country"])
    known = sum(c.values())
    ranked = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
    majority = ranked[0][0] if ranked and ranked[0][1] * 2 > known else None
    top = [k for k, _ in ranked[:3]]
    if majority:
        sentence = f"Sources are mostly out of {country_name(majority)}"
    elif top:
        sentence = "Sources are mostly out of " + ", ".join(country_name(k) for k in top)
    else:
        sentence = None
    return {
        "counts": dict(ranked),
        "known": known,
        "unknown": len(outlet_rows) - known,
        "majority": majority,
        "top": top,
        "sentence": sentence,
    }


# -- the whole document -----------------------------------------------------------------------
def compute_coverage(
    articles: Iterable[ArticleFacts],
    outlets: Mapping[str, OutletFacts],
    params: CoverageParams,
    now: datetime,
    story_id: int | None = None,
) -> Coverage:
    """Coverage of one story. Outlets missing from `outlets` count as unrated, unknown ones.

    The result does not depend on the order of `articles` (they are sorted by id first).
    """
    arts = sorted(articles, key=lambda a: a.id)
    known = dict(outlets)
    for a in arts:
        known.setdefault(a.outlet, OutletFacts(domain=a.outlet))
    article_rows = _article_rows(arts, known)
    outlet_rows = _outlet_rows(article_rows, known)
    bias = _bias_section(outlet_rows, article_rows)
    rated = sum(bias["by_outlet"]["counts"].values())
    side_fact = side_factuality(outlet_rows)
    spot = blindspot(
        bias["by_outlet"]["counts"], rated, params, {s: v["mean"] for s, v in side_fact.items()}
    )
    if spot["covered_by"]:
        spot["covering_factuality_tier"] = side_fact[spot["covered_by"]]["tier"]
    countries = _countries_section(outlet_rows)
    location = locate(
        [(a.title, a.text) for a in arts],
        [r["country"] for r in outlet_rows],
        [a.outlet for a in arts],
    )
    broke = first_publisher(arts, known, params.max_date_skew_hours, params.story_window_days, now)
    if broke is not None:
        broke["country_name"] = country_name(broke["country"]) if broke["country"] else None
    sides = {a["id"]: a["side"] for a in article_rows}
    sections = {
        "sources": {
            "total": len(outlet_rows),
            "rated": rated,
            "unrated": len(outlet_rows) - rated,
            "estimated": sum(1 for r in outlet_rows if r["estimated_side"]),
            "articles": len(arts),
            "original_articles": sum(1 for a in article_rows if a["original"]),
            "copies": sum(1 for a in article_rows if not a["original"]),
        },
        "bias": bias,
        "estimated_bias": _estimated_section(outlet_rows),
        "factuality": _factuality_section(outlet_rows),
        "factuality_by_side": side_fact,
        "ownership": _ownership_section(outlet_rows),
        "countries": countries,
        "broke_the_news": broke,
        "location": location,
        "timeline": timeline(arts, sides, params.max_date_skew_hours, now),
        "outlets": outlet_rows,
        "articles": article_rows,
    }
    return Coverage(
        story_id=story_id,
        total_outlets=len(outlet_rows),
        rated_outlets=rated,
        total_articles=len(arts),
        side_outlets=bias["by_outlet"]["counts"],
        side_shares=bias["by_outlet"]["shares"],
        blindspot=spot,
        country=(location or {}).get("country") or countries["majority"],
        topics=extract_topics([(a.title, a.text) for a in arts], [a.outlet for a in arts]),
        sections=sections,
        computed_at=now,
    )
