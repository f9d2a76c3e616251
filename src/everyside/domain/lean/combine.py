"""Estimates for unrated outlets on one axis, and the figures that say how good they are.

`estimate_axis` computes every signal (for rated outlets without their own rating), lets
`stacking.Models` pick and weigh them per kind of evidence by cross-validation on the rated
outlets, and returns for every unrated outlet either an `Estimate` (value, side or tier,
expected error, the methods used, the evidence) or an `Abstain` with the reason: no signal at
all, or outlets with its kind of evidence are estimated no better than by guessing the mean
(by at least `margin` of the guess's error, and more often on the right side or tier). The
figures (`MethodScore`) are out of fold: per method alone, combined over every rated outlet,
and combined over those that appear in stories.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from everyside.domain.lean.axes import Axis, OutletRecord
from everyside.domain.lean.cocoverage import StoryEvidence, cocoverage_signal
from everyside.domain.lean.evidence import METHODS, evidence, nothing_known, sentence
from everyside.domain.lean.outlet_types import type_signal
from everyside.domain.lean.signals import (
    Signal,
    audience_signal,
    global_mean,
    labels_signal,
    owner_signal,
    profile_signal,
    truths,
)
from everyside.domain.lean.stacking import ANY, Models
from everyside.domain.lean.wording import TextEvidence, wording_signal


@dataclass(frozen=True)
class EstimateParams:
    min_articles: int = 3  # wording abstains for an outlet with fewer own articles
    folds: int = 10  # cross-validation folds of the stackers
    ridge: float = 1.0  # the stackers' ridge penalty
    min_group: int = 30  # rated outlets needed to learn (and quote the error of) a kind
    margin: float = 0.05  # an estimate must beat guessing the mean by this share of its error


@dataclass(frozen=True)
class Estimate:
    domain: str
    value: float
    label: str  # side (bias) or tier (factuality) of the value
    expected_error: float  # out-of-fold MAE of rated outlets with the same evidence
    baseline_error: float  # ... when guessing the mean for them
    accuracy: float  # ... share of them whose side / tier came out right
    methods: tuple[str, ...]
    evidence: dict[str, float | str]
    sentence: str  # "estimated from 41 stories it covered and 3 sibling outlets (Gannett)"


@dataclass(frozen=True)
class Abstain:
    domain: str
    reason: str
    evidence: dict[str, float | str] = field(default_factory=dict)


@dataclass(frozen=True)
class MethodScore:
    """Out-of-fold accuracy on the rated outlets a method reaches, beside guessing the mean."""

    method: str
    outlets: int
    mae: float
    baseline_mae: float
    accuracy: float  # same side (bias) / tier (factuality)
    baseline_accuracy: float


@dataclass
class AxisResult:
    axis: Axis
    rated: int
    estimates: dict[str, Estimate]
    abstained: dict[str, Abstain]
    scores: list[MethodScore]
    oof: dict[str, float]  # out-of-fold prediction of each rated outlet that has a signal


def compute_signals(
    records: Mapping[str, OutletRecord],
    axis: Axis,
    stories: StoryEvidence | None,
    texts: TextEvidence | None,
    min_articles: int,
) -> dict[str, Signal]:
    truth = truths(records, axis)
    prior = global_mean(truth)
    return {
        "owner": owner_signal(records, truth, prior),
        "audience": audience_signal(records, truth, prior),
        "labels": labels_signal(records, axis, truth, prior),
        "profile": profile_signal(records, truth, prior),
        # the type prior helps the lean only: on factuality it left the leave-one-out error
        # unchanged (0.300), docs/ratings.md
        "type": type_signal(records, truth, prior) if axis.name == "bias" else {},
        "cocoverage": cocoverage_signal(stories, truth, prior) if stories else {},
        "wording": wording_signal(texts, truth, min_articles) if texts else {},
    }


def _score(
    method: str, axis: Axis, rated: list[str], pred: Mapping[str, float], models: Models
) -> MethodScore:
    y = np.array([models.truth[d] for d in rated])
    p = np.array([pred[d] for d in rated])
    b = np.array([models.base[d] for d in rated])

    def agree(values: np.ndarray) -> float:
        return round(float(np.mean(axis.class_ids(values) == axis.class_ids(y))), 4)

    return MethodScore(
        method,
        len(rated),
        round(float(np.abs(p - y).mean()), 4),
        round(float(np.abs(b - y).mean()), 4),
        agree(p),
        agree(b),
    )


def scores(
    axis: Axis, models: Models, oof: Mapping[str, float], in_stories: set[str]
) -> list[MethodScore]:
    out = []
    for m in METHODS:
        model = models.fit(((m, ANY),))
        if model is not None:
            out.append(_score(m, axis, sorted(model.oof), model.oof, models))
    seen = [d for d in sorted(oof) if d in in_stories]
    for name, rated in (("combined", sorted(oof)), ("combined, outlets in stories", seen)):
        if rated:
            out.append(_score(name, axis, rated, oof, models))
    return out


def estimate_axis(
    records: Mapping[str, OutletRecord],
    axis: Axis,
    stories: StoryEvidence | None = None,
    texts: TextEvidence | None = None,
    params: EstimateParams | None = None,
    report: set[str] | None = None,
) -> AxisResult:
    """Estimates for every unrated outlet with enough evidence; `Abstain` for the other unrated
    outlets that a signal reaches or that are in `report` (e.g. those with articles)."""
    params = params or EstimateParams()
    truth = truths(records, axis)
    signals = compute_signals(records, axis, stories, texts, params.min_articles)
    models = Models(axis, signals, truth, params.folds, params.ridge, params.min_group)
    oof = models.combined_oof()
    reached = set().union(*(s.keys() for s in signals.values()))
    targets = {d for d in reached | (report or set()) if d in records and d not in truth}
    estimates: dict[str, Estimate] = {}
    abstained: dict[str, Abstain] = {}
    for dom in sorted(targets):
        ev = evidence(dom, signals, texts)
        kind = models.kind_of(dom)
        choice = models.choose(kind) if kind else None
        if not kind:
            abstained[dom] = Abstain(dom, nothing_known(dom, texts), ev)
        elif choice is None:
            reason = "too few rated outlets with this kind of evidence to learn from"
            abstained[dom] = Abstain(dom, reason, ev)
        elif (
            choice.mae >= (1.0 - params.margin) * choice.baseline_mae
            or choice.accuracy <= choice.baseline_accuracy
        ):
            kinds = ", ".join(m for m, _ in kind)
            reason = f"outlets with this evidence ({kinds}) are estimated no better than the mean"
            abstained[dom] = Abstain(dom, reason, ev)
        else:
            value = models.predict(dom, choice)
            methods = tuple(m for m, _ in choice.used)
            estimates[dom] = Estimate(
                dom,
                round(value, 4),
                axis.to_class(value),
                round(choice.mae, 2),
                round(choice.baseline_mae, 2),
                round(choice.accuracy, 2),
                methods,
                ev,
                sentence(ev, methods),
            )
    in_stories = set(stories.covers()) if stories else set()
    figures = scores(axis, models, oof, in_stories)
    return AxisResult(axis, len(truth), estimates, abstained, figures, oof)
