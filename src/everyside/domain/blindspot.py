"""The blindspot rule and the covering side's factuality.

A story is a blindspot when it has enough rated outlets and one side (Left or Right) has at most
a threshold share of them; both numbers are settings. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from everyside.domain.model import FACTUALITY_TIERS, counts_in_order, factuality_tier

SIDES: tuple[str, ...] = ("left", "center", "right")
FACT_ORDER: tuple[str, ...] = (*reversed(FACTUALITY_TIERS), "Unknown")


class _Params(Protocol):
    @property
    def blindspot_min_rated(self) -> int: ...
    @property
    def blindspot_threshold(self) -> float: ...


def blindspot(
    counts: Mapping[str, int],
    rated: int,
    params: _Params,
    factuality_by_side: Mapping[str, float | None] | None = None,
) -> dict[str, Any]:
    """Flag a story one side (Left or Right) missed.

    Flagged when rated >= blindspot_min_rated and the smaller of the Left and Right shares is
    <= blindspot_threshold; the side with the smaller share missed it. Equal Left and Right
    shares are never a blindspot (a Center-only story is no side's blindspot).
    """
    left, right = counts.get("left", 0), counts.get("right", 0)
    out: dict[str, Any] = {
        "flagged": False,
        "missed_by": None,
        "covered_by": None,
        "missing_share": None,
        "covering_factuality": None,
        "min_rated": params.blindspot_min_rated,
        "threshold": params.blindspot_threshold,
    }
    if rated < params.blindspot_min_rated or rated == 0 or left == right:
        return out
    missed, covering = ("left", "right") if left < right else ("right", "left")
    missing_share = counts.get(missed, 0) / rated
    if missing_share > params.blindspot_threshold + 1e-9:
        return out
    out.update(
        flagged=True,
        missed_by=missed,
        covered_by=covering,
        missing_share=round(missing_share, 4),
        covering_factuality=(factuality_by_side or {}).get(covering),
    )
    return out


def side_factuality(outlet_rows: list[dict]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for side in SIDES:
        rows = [r for r in outlet_rows if r["side"] == side]
        vals = [r["factuality"] for r in rows if r["factuality"] is not None]
        mean = round(sum(vals) / len(vals), 3) if vals else None
        out[side] = {
            "mean": mean,
            "tier": factuality_tier(mean) if mean is not None else "Unknown",
            "rated": len(vals),
            "counts": counts_in_order(
                (r["factuality_tier"] for r in rows), (*reversed(FACTUALITY_TIERS), "Unknown")
            ),
        }
    return out
