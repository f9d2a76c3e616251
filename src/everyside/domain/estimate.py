"""Estimated bias for outlets no rater covers — always labelled "estimated", never a rating.

Method "owner": an unrated outlet owned by a group that also owns rated outlets gets the mean
bias of those rated siblings, shrunk toward the mean of all rated outlets (`shrink` pseudo-
outlets), so one rated sibling moves the estimate less than ten. Local newspapers and TV stations
of the same chain share editorial direction (opinion pages, "must-run" segments), which is why
this works where co-coverage and wording did not (see docs/ratings.md, "Estimated bias").

`cross_validate` measures it honestly: every rated outlet that has a rated sibling is hidden in
turn and estimated from the others; errors are compared with always guessing the global mean.
Pure: plain mappings in, values out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from everyside.domain.model import bias_side

DEFAULT_SHRINK = 0.5  # tools/fit_estimated_bias.py: best side accuracy, MAE near the best
METHOD = "owner"


@dataclass(frozen=True)
class Estimate:
    value: float
    method: str  # human-readable: how the value was estimated
    support: int  # rated outlets it rests on


@dataclass(frozen=True)
class OutletInput:
    bias: float | None  # the combined real rating, None when unrated
    owners: Sequence[str]


def _siblings(outlets: Mapping[str, OutletInput]) -> dict[str, set[str]]:
    by_owner: dict[str, set[str]] = defaultdict(set)
    for dom, o in outlets.items():
        for owner in o.owners:
            by_owner[owner].add(dom)
    return by_owner


def global_mean(outlets: Mapping[str, OutletInput]) -> float:
    vals = [o.bias for o in outlets.values() if o.bias is not None]
    return sum(vals) / len(vals) if vals else 0.0


def _estimate_one(
    dom: str,
    o: OutletInput,
    outlets: Mapping[str, OutletInput],
    by_owner: Mapping[str, set[str]],
    prior: float,
    shrink: float,
) -> Estimate | None:
    rated: dict[str, float] = {}
    groups: list[str] = []
    for owner in sorted(o.owners):
        sibs = {s for s in by_owner.get(owner, ()) if s != dom and outlets[s].bias is not None}
        if sibs:
            groups.append(owner)
            rated.update({s: float(outlets[s].bias) for s in sibs})  # type: ignore[arg-type]
    if not rated:
        return None
    value = (sum(rated.values()) + shrink * prior) / (len(rated) + shrink)
    label = (
        f"{METHOD}: mean of {len(rated)} rated outlet{'s' if len(rated) > 1 else ''} of "
        + ", ".join(groups)
    )
    return Estimate(round(value, 4), label, len(rated))


def owner_estimates(
    outlets: Mapping[str, OutletInput], shrink: float = DEFAULT_SHRINK
) -> dict[str, Estimate]:
    """Estimates for the unrated outlets that have at least one rated sibling."""
    by_owner = _siblings(outlets)
    prior = global_mean(outlets)
    out: dict[str, Estimate] = {}
    for dom in sorted(outlets):
        o = outlets[dom]
        if o.bias is None and o.owners:
            est = _estimate_one(dom, o, outlets, by_owner, prior, shrink)
            if est is not None:
                out[dom] = est
    return out


@dataclass(frozen=True)
class Accuracy:
    outlets: int
    mae: float
    baseline_mae: float  # always guessing the mean of the rated outlets
    side_accuracy: float  # Left / Center / Right agreement
    baseline_side_accuracy: float


def cross_validate(
    outlets: Mapping[str, OutletInput], shrink: float = DEFAULT_SHRINK
) -> Accuracy | None:
    """Leave-one-out over rated outlets with a rated sibling; None when there are none."""
    by_owner = _siblings(outlets)
    rated = [o.bias for o in outlets.values() if o.bias is not None]
    total, count = sum(rated), len(rated)
    pairs: list[tuple[float, float, float]] = []  # estimate, truth, prior without the outlet
    for dom in sorted(outlets):
        o = outlets[dom]
        if o.bias is None or not o.owners or count < 2:
            continue
        prior = (total - o.bias) / (count - 1)
        hidden = {**outlets, dom: OutletInput(None, o.owners)}
        est = _estimate_one(dom, hidden[dom], hidden, by_owner, prior, shrink)
        if est is not None:
            pairs.append((est.value, o.bias, prior))
    if not pairs:
        return None
    n = len(pairs)
    return Accuracy(
        outlets=n,
        mae=round(sum(abs(e - t) for e, t, _ in pairs) / n, 4),
        baseline_mae=round(sum(abs(p - t) for _, t, p in pairs) / n, 4),
        side_accuracy=round(sum(bias_side(e) == bias_side(t) for e, t, _ in pairs) / n, 4),
        baseline_side_accuracy=round(sum(bias_side(p) == bias_side(t) for _, t, p in pairs) / n, 4),
    )
