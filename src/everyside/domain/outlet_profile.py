"""An outlet's profile for its page: every rater's raw and mapped rating, the combined values
with the raters' disagreement, factuality, owner, country, and how much of its output in the
store is original reporting rather than syndicated copies. Pure: rows in, one dict out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from everyside.domain.model import bias_side, bias_tier, factuality_tier


def _tier(axis: str, value: float | None) -> str | None:
    if value is None:
        return None
    return bias_tier(value) if axis == "bias" else factuality_tier(value)


def _combined(
    cached: float | None, spread: float | None, values: Sequence[float]
) -> dict[str, Any]:
    """The stored combination (one vote per rater family) or, if absent, the plain mean."""
    if cached is None and values:
        cached = round(sum(values) / len(values), 4)
        spread = round(max(values) - min(values), 4)
    return {"value": cached, "spread": spread, "raters": len(values)}


def build_profile(
    outlet: Mapping[str, Any],
    ratings: Sequence[Mapping[str, Any]],
    owners: Sequence[Mapping[str, Any]],
    articles: int,
    copies: int,
    recent: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """`outlet` has the outlets-table columns; `ratings` rows have rater, rater_title, axis,
    raw, value, rated_on, provenance; `owners` rows have owner, category, provenance."""
    rows = sorted(ratings, key=lambda r: (r["axis"], r["rater"]))
    bias_vals = [float(r["value"]) for r in rows if r["axis"] == "bias" and r["value"] is not None]
    fact_vals = [
        float(r["value"]) for r in rows if r["axis"] == "factuality" and r["value"] is not None
    ]
    bias = _combined(outlet.get("bias"), outlet.get("bias_spread"), bias_vals)
    bias["tier"] = _tier("bias", bias["value"])
    bias["side"] = bias_side(bias["value"]).value if bias["value"] is not None else None
    fact = _combined(outlet.get("factuality"), None, fact_vals)
    fact["tier"] = _tier("factuality", fact["value"]) or "Unknown"
    est = outlet.get("estimated_bias") if bias["value"] is None else None
    return {
        "domain": outlet["domain"],
        "name": outlet.get("name") or outlet["domain"],
        "country": outlet.get("country"),
        "language": outlet.get("language"),
        "scope": outlet.get("scope"),
        "media_type": outlet.get("media_type"),
        "homepage": outlet.get("homepage"),
        "ratings": [{**dict(r), "tier": _tier(r["axis"], r["value"])} for r in rows],
        "bias": bias,
        "factuality": fact,
        "estimated_bias": None
        if est is None
        else {
            "label": "estimated",
            "value": est,
            "tier": bias_tier(est),
            "side": bias_side(est).value,
            "method": outlet.get("estimated_bias_method"),
        },
        "owners": [dict(o) for o in owners],
        "owner": owners[0]["owner"] if owners else None,
        "owner_category": owners[0]["category"] if owners else "Unknown",
        "articles": {
            "total": articles,
            "original": articles - copies,
            "copies": copies,
            "original_share": round((articles - copies) / articles, 4) if articles else None,
        },
        "recent_articles": [dict(r) for r in recent],
    }
