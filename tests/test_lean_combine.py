"""Combining the signals (pure): weights learned on rated outlets, an expected error from outlets
with the same evidence, a rater's value always wins, and "not enough evidence" for the bad
inputs of issue 19 (one article, only wire copies, a new outlet with no history)."""

from __future__ import annotations

import random

import pytest

from everyside.domain.lean import (
    BIAS,
    FACTUALITY,
    Abstain,
    EstimateParams,
    OutletRecord,
    StoryEvidence,
    TextEvidence,
    estimate_axis,
)
from everyside.domain.lean.evidence import sentence

PARAMS = EstimateParams(folds=5, min_group=20)


def directory(n: int = 120, seed: int = 7) -> dict[str, OutletRecord]:
    """Rated outlets whose lean follows their country (DE leans left, PL right, noise ±0.5) and
    their owner; some unrated outlets to estimate."""
    rnd = random.Random(seed)
    recs: dict[str, OutletRecord] = {}
    for i in range(n):
        country = ("DE", "PL", "FR")[i % 3]
        base = {"DE": -1.5, "PL": 1.5, "FR": 0.0}[country]
        owner = ("Chain A",) if i % 5 == 0 else ()
        bias = max(-3.0, min(3.0, base + rnd.uniform(-0.5, 0.5)))
        fact = 3.0 if country != "PL" else 1.0
        recs[f"r{i}.{country.lower()}"] = OutletRecord(
            f"r{i}.{country.lower()}",
            bias=bias,
            factuality=fact,
            owners=owner,
            country=country,
            scope="local",
        )
    recs["new.pl"] = OutletRecord("new.pl", country="PL", scope="local")
    recs["new.de"] = OutletRecord("new.de", country="DE", scope="local")
    recs["nothing.example"] = OutletRecord("nothing.example")
    recs["wire.example"] = OutletRecord("wire.example")
    recs["single.example"] = OutletRecord("single.example")
    return recs


def test_estimates_follow_the_evidence_and_quote_an_honest_error() -> None:
    res = estimate_axis(directory(), BIAS, params=PARAMS)
    pl, de = res.estimates["new.pl"], res.estimates["new.de"]
    assert pl.label == "right" and de.label == "left"
    assert pl.methods == ("profile",)
    assert 0 < pl.expected_error < pl.baseline_error  # measured on rated outlets like it
    assert pl.accuracy > 0.8
    assert pl.sentence.startswith("estimated from") and "of its kind (PL local)" in pl.sentence
    combined = next(s for s in res.scores if s.method == "combined")
    assert combined.mae < 0.6 * combined.baseline_mae
    assert {s.method for s in res.scores} >= {"owner", "profile", "labels", "combined"}


def test_a_raters_value_always_wins() -> None:
    recs = directory()
    res = estimate_axis(recs, BIAS, params=PARAMS)
    assert not any(recs[d].bias is not None for d in res.estimates)
    assert not any(recs[d].bias is not None for d in res.abstained)
    # rated on bias, not on factuality: estimated on factuality only
    recs["half.pl"] = OutletRecord("half.pl", bias=1.0, country="PL", scope="local")
    assert "half.pl" not in estimate_axis(recs, BIAS, params=PARAMS).estimates
    assert "half.pl" in estimate_axis(recs, FACTUALITY, params=PARAMS).estimates


def test_bad_inputs_get_a_deliberate_answer() -> None:
    recs = directory()
    texts = TextEvidence(
        texts={"single.example": ["The one article it ever published."]},
        wire_only=frozenset({"wire.example"}),
        articles={"single.example": 1, "wire.example": 4},
    )
    stories = StoryEvidence({1: ("single.example",), 2: ("wire.example",)})
    res = estimate_axis(
        recs,
        BIAS,
        stories,
        texts,
        PARAMS,
        report={"nothing.example", "wire.example", "single.example"},
    )
    # a new outlet with no history and no known facts
    assert isinstance(res.abstained["nothing.example"], Abstain)
    assert res.abstained["nothing.example"].reason.startswith("no articles yet")
    # only wire copies: wording abstains, nothing else is known
    assert "copies of other outlets" in res.abstained["wire.example"].reason
    assert res.abstained["wire.example"].evidence["articles"] == 4
    # one article (below the wording minimum), alone in its story
    assert res.abstained["single.example"].reason.startswith("too few articles")
    assert res.abstained["single.example"].evidence["own_articles"] == 1


def test_a_signal_no_better_than_guessing_gives_no_estimate() -> None:
    rnd = random.Random(3)
    recs = {
        f"r{i}": OutletRecord(f"r{i}", bias=rnd.choice([-2.0, 0.0, 2.0]), country=f"C{i % 40}")
        for i in range(400)
    }
    recs["u"] = OutletRecord("u", country="C1")
    res = estimate_axis(recs, BIAS, params=PARAMS)
    assert "u" not in res.estimates
    assert "no better than the mean" in res.abstained["u"].reason


def test_too_few_rated_outlets_to_learn_from() -> None:
    recs = {f"r{i}": OutletRecord(f"r{i}", bias=1.0, country="US") for i in range(5)}
    recs["u"] = OutletRecord("u", country="US")
    res = estimate_axis(recs, BIAS, params=PARAMS)
    assert res.abstained["u"].reason.startswith("too few rated outlets")
    assert res.scores == []


def test_a_misleading_signal_is_left_out() -> None:
    """Wording that says the opposite of the truth for this store is not used when the
    profile alone does better on the rated outlets with both."""
    recs = directory()
    texts: dict[str, list[str]] = {}
    for d, r in recs.items():
        if r.bias is not None:  # rated outlets write the opposite of their lean, randomly
            word = "alpha" if random.Random(d).random() < 0.5 else "omega"
            texts[d] = [f"{word} text {j}" for j in range(3)]
    texts["new.pl"] = ["alpha text 1", "alpha text 2", "alpha text 3"]
    res = estimate_axis(recs, BIAS, texts=TextEvidence(texts), params=PARAMS)
    assert res.estimates["new.pl"].methods == ("profile",)


def test_sentence_names_the_evidence_of_the_methods_used() -> None:
    ev = {
        "cocoverage": 41,
        "owner": 3,
        "owner_detail": "Sinclair",
        "wording": 1,
        "profile": 812,
        "profile_detail": "US local tv",
    }
    assert sentence(ev, ("owner", "cocoverage")) == (
        "estimated from 41 stories it covered and 3 sibling outlets (Sinclair)"
    )
    assert sentence(ev, ("wording", "profile")) == (
        "estimated from the wording of 1 own article and 812 rated outlets of its kind "
        "(US local tv)"
    )
    assert sentence(ev, ()) == "not enough evidence"


@pytest.mark.parametrize("axis", [BIAS, FACTUALITY])
def test_estimates_stay_on_the_scale(axis) -> None:  # noqa: ANN001
    res = estimate_axis(directory(), axis, params=PARAMS)
    assert res.estimates
    assert all(axis.low <= e.value <= axis.high for e in res.estimates.values())
    assert all(e.label == axis.to_class(e.value) for e in res.estimates.values())
