"""The signals that need only the outlet directory: owner, audience, labels, profile.

Each signal maps an outlet's domain to an `Opinion`: a value on the axis and how much evidence
it rests on. For a *rated* outlet the opinion is always computed without its own rating (its
siblings without it, its country's mean without it, ...), so the same numbers serve both to
estimate unrated outlets and to measure, honestly, how well each signal does on rated ones.

Categorical facts (country, scope, media type, a rater's "questionable" label) become
*target encodings*: the mean rating of the rated outlets that share the fact, shrunk toward the
coarser level (country → country + scope → country + scope + type) by `k` pseudo-outlets, so a
cell of three outlets moves the estimate less than a cell of three hundred.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from everyside.domain.lean.axes import Axis, OutletRecord
from everyside.domain.model import bias_tier, factuality_tier

OWNER_SHRINK = 0.5  # pseudo-outlets at the global mean (docs/ratings.md: LOO chose 0.5)
ENCODE_SHRINK = 5.0  # pseudo-outlets of the coarser level in a target encoding
AUDIENCE_BINS = (4.0, 10.0)  # audience score cells: 0.25 wide, then 0.1 wide


@dataclass(frozen=True)
class Opinion:
    """One signal's view of one outlet: a value on the axis, the evidence behind it (sibling
    outlets, stories, articles, rated outlets in the same cell), a detail for the sentence, and
    the strength class of that evidence (outlets are compared with rated ones of the same)."""

    value: float
    n: float
    detail: str = ""
    strength: str = "*"  # kind of evidence within the signal (e.g. "direct 1-2" stories)


Signal = dict[str, Opinion]


def truths(records: Mapping[str, OutletRecord], axis: Axis) -> dict[str, float]:
    return {d: v for d, r in records.items() if (v := r.truth(axis)) is not None}


def global_mean(truth: Mapping[str, float]) -> float:
    return sum(truth.values()) / len(truth) if truth else 0.0


def hier_encode(
    keys: Mapping[str, tuple[str, ...]],
    truth: Mapping[str, float],
    prior: float,
    k: float = ENCODE_SHRINK,
) -> Signal:
    """Leave-one-out target encoding over nested keys (coarse to fine). `n` is the number of
    rated outlets (other than the outlet itself) in the finest cell that has any."""
    sums: list[dict[tuple[str, ...], list[float]]] = []
    for dom, key in keys.items():
        y = truth.get(dom)
        if y is None:
            continue
        for i in range(len(key)):
            while len(sums) <= i:
                sums.append(defaultdict(lambda: [0.0, 0.0]))
            cell = sums[i][key[: i + 1]]
            cell[0] += y
            cell[1] += 1
    out: Signal = {}
    for dom, key in keys.items():
        y = truth.get(dom)
        est, n = prior, 0.0
        for i in range(len(key)):
            s, c = sums[i].get(key[: i + 1], (0.0, 0.0)) if i < len(sums) else (0.0, 0.0)
            if y is not None:
                s, c = s - y, c - 1
            if c > 0:
                est, n = (s + k * est) / (c + k), c
        out[dom] = Opinion(est, n)
    return out


def owner_signal(
    records: Mapping[str, OutletRecord], truth: Mapping[str, float], prior: float
) -> Signal:
    """Mean rating of the rated outlets that share an owner, shrunk toward the global mean by
    OWNER_SHRINK pseudo-outlets. Chains share editorial direction (opinion pages, must-run
    segments), which is why this is the strongest signal where it exists."""
    by_owner: dict[str, set[str]] = defaultdict(set)
    for dom, r in records.items():
        for owner in r.owners:
            if dom in truth:
                by_owner[owner].add(dom)
    out: Signal = {}
    for dom, r in records.items():
        sibs: set[str] = set()
        groups = []
        for owner in sorted(set(r.owners)):
            mine = by_owner.get(owner, set()) - {dom}
            if mine:
                groups.append(owner)
                sibs |= mine
        if sibs:
            total = sum(truth[s] for s in sibs)
            value = (total + OWNER_SHRINK * prior) / (len(sibs) + OWNER_SHRINK)
            out[dom] = Opinion(value, len(sibs), ", ".join(groups))
    return out


def audience_signal(
    records: Mapping[str, OutletRecord], truth: Mapping[str, float], prior: float
) -> Signal:
    """Rated outlets whose audience ideology score is in the same cell. The score says who
    shares an outlet, not what it says, so it is a signal here and not a rating."""
    keys = {
        d: tuple(str(round(r.audience * b)) for b in AUDIENCE_BINS)
        for d, r in records.items()
        if r.audience is not None
    }
    out = hier_encode(keys, truth, prior)
    return {d: Opinion(o.value, o.n, f"{records[d].audience:+.2f}") for d, o in out.items()}


def labels_signal(
    records: Mapping[str, OutletRecord], axis: Axis, truth: Mapping[str, float], prior: float
) -> Signal:
    """Rated outlets with the same labels that carry no value on this axis: a rater's
    category without a lean ("questionable source", "satire") and the tier on the other axis
    (a Low-factuality outlet leans right more often than a High one)."""
    other_tier = factuality_tier if axis.name == "bias" else bias_tier
    keys = {}
    for d, r in records.items():
        other = r.other(axis)
        if r.labels or other is not None:
            tier = "-" if other is None else other_tier(other)
            keys[d] = ("|".join(sorted(set(r.labels))) or "-", tier)
    out = hier_encode(keys, truth, prior)
    return {d: Opinion(o.value, o.n, _label_detail(keys[d])) for d, o in out.items()}


def _label_detail(key: tuple[str, ...]) -> str:
    return " and ".join(k.replace("|", ", ") for k in key if k != "-")


def profile_signal(
    records: Mapping[str, OutletRecord], truth: Mapping[str, float], prior: float
) -> Signal:
    """Rated outlets of the same country, then scope, then media type."""
    keys = {
        d: (r.country or "?", r.scope or "?", r.media_type or "?")
        for d, r in records.items()
        if r.country or r.scope or r.media_type
    }
    out = hier_encode(keys, truth, prior)
    return {
        d: Opinion(o.value, o.n, " ".join(k for k in keys[d] if k != "?")) for d, o in out.items()
    }
