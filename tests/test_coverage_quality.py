"""Pinned quality floors of the estimated bias on the bundled directory (may only move up).
Figures and method: docs/quality.md and docs/ratings.md, "Estimated bias"."""

from __future__ import annotations

import pytest

from everyside.domain.estimate import OutletInput, cross_validate, owner_estimates
from everyside.registry import load_directory

pytestmark = pytest.mark.quality


@pytest.fixture(scope="module")
def inputs() -> dict[str, OutletInput]:
    d = load_directory()
    return {o.domain: OutletInput(d.bias(o)[0], tuple(w.owner for w in o.ownership)) for o in d}


def test_owner_estimate_beats_guessing_the_mean(inputs: dict[str, OutletInput]) -> None:
    acc = cross_validate(inputs)
    assert acc is not None
    assert acc.outlets >= 900
    assert acc.mae <= 0.28 and acc.mae < 0.7 * acc.baseline_mae
    assert acc.side_accuracy >= 0.73 and acc.side_accuracy > acc.baseline_side_accuracy + 0.15


def test_estimates_reach_unrated_outlets_only(inputs: dict[str, OutletInput]) -> None:
    est = owner_estimates(inputs)
    assert len(est) >= 600
    assert all(inputs[d].bias is None for d in est)
    assert all(-3.0 <= e.value <= 3.0 and e.method.startswith("owner:") for e in est.values())
