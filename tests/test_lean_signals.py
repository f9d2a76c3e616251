"""The estimate's signals one by one (pure): every value a rated outlet gets is computed without
its own rating; co-coverage reaches fragments; wording reads only an outlet's own words."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from everyside.domain.lean import BIAS, FACTUALITY, OutletRecord, StoryEvidence, own_texts
from everyside.domain.lean.cocoverage import cocoverage_signal, story_neighbours
from everyside.domain.lean.signals import (
    hier_encode,
    labels_signal,
    owner_signal,
    profile_signal,
    truths,
)
from everyside.domain.lean.wording import ArticleText, TextEvidence, wording_signal


def test_target_encoding_leaves_the_outlet_out() -> None:
    keys = {"a": ("US",), "b": ("US",), "c": ("US",), "d": ("FR",)}
    truth = {"a": 2.0, "b": 0.0, "d": -1.0}
    enc = hier_encode(keys, truth, prior=0.0, k=1.0)
    assert enc["a"].value == pytest.approx((0.0 + 1 * 0.0) / (1 + 1))  # only b, not itself
    assert enc["a"].n == 1
    assert enc["c"].value == pytest.approx((2.0 + 0.0) / (2 + 1))  # unrated: both
    assert enc["d"].n == 0 and enc["d"].value == 0.0  # alone in its cell: the prior


def test_nested_encoding_backs_off_to_the_coarser_cell() -> None:
    keys = {"a": ("US", "local"), "b": ("US", "national"), "c": ("US", "national")}
    enc = hier_encode(keys, {"a": 3.0, "b": -3.0}, prior=0.0, k=1.0)
    country = (3.0 + -3.0) / (2 + 1)  # 0: US without c
    assert enc["c"].value == pytest.approx((-3.0 + country) / (1 + 1))


OWNED = {
    "a.com": OutletRecord("a.com", bias=2.0, owners=("Chain",)),
    "b.com": OutletRecord("b.com", bias=3.0, owners=("Chain",)),
    "c.com": OutletRecord("c.com", owners=("Chain",)),
    "d.com": OutletRecord("d.com", owners=("Lonely",)),
    "g.com": OutletRecord("g.com", bias=-1.0, owners=("Other", "Chain")),
    "h.com": OutletRecord("h.com", owners=("Other",)),
}


def test_owner_siblings_shrunk_toward_the_mean() -> None:
    truth = truths(OWNED, BIAS)
    sig = owner_signal(OWNED, truth, prior=0.0)
    assert sig["c.com"].value == pytest.approx((2 + 3 - 1) / (3 + 0.5))
    assert sig["c.com"].n == 3 and "Chain" in sig["c.com"].detail
    assert sig["a.com"].value == pytest.approx((3 - 1) / (2 + 0.5))  # without itself
    assert "d.com" not in sig  # no rated sibling


def test_labels_use_the_other_axis_and_valueless_labels() -> None:
    recs = {
        "q1": OutletRecord("q1", bias=2.0, factuality=1.0, labels=("mbfc:fake-news",)),
        "q2": OutletRecord("q2", bias=3.0, factuality=0.0, labels=("mbfc:fake-news",)),
        "n1": OutletRecord("n1", bias=-1.0, factuality=3.0),
        "u": OutletRecord("u", labels=("mbfc:fake-news",)),
    }
    sig = labels_signal(recs, BIAS, truths(recs, BIAS), prior=0.0)
    assert sig["u"].value > 0.5 and sig["u"].detail == "mbfc:fake-news"
    fact = labels_signal(recs, FACTUALITY, truths(recs, FACTUALITY), prior=1.0)
    assert "u" in fact  # the same label says something about factuality too


def test_profile_needs_a_known_fact() -> None:
    recs = {
        "x": OutletRecord("x", bias=1.0, country="US", scope="local"),
        "y": OutletRecord("y", country="US", scope="local"),
        "z": OutletRecord("z"),
    }
    sig = profile_signal(recs, truths(recs, BIAS), prior=0.0)
    assert "z" not in sig and sig["y"].value > 0 and sig["y"].detail == "US local"


def _stories() -> StoryEvidence:
    # r1..r3 rated right, l1..l3 rated left; "u" covers the right's stories, "v" the left's
    return StoryEvidence(
        {
            1: ("r1", "r2", "u"),
            2: ("r2", "r3", "u"),
            3: ("l1", "l2", "v"),
            4: ("l2", "l3", "v", "u"),
            5: ("lonely",),
            6: ("r1", "r3"),
        }
    )


RATED = {"r1": 2.0, "r2": 2.0, "r3": 1.0, "l1": -2.0, "l2": -2.0, "l3": -1.0}


def test_cocoverage_follows_the_rated_outlets_of_the_same_stories() -> None:
    sig = cocoverage_signal(_stories(), RATED, prior=0.0)
    assert sig["u"].value > 0 > sig["v"].value
    assert sig["u"].n == 3 and sig["u"].strength == "3+"
    assert "lonely" not in sig  # nobody rated shares its story


def test_cocoverage_leaves_the_outlets_own_rating_out() -> None:
    ev = StoryEvidence({1: ("a", "b")})
    sig = cocoverage_signal(ev, {"a": 3.0, "b": -3.0}, prior=0.0)
    assert sig["a"].value < 0 < sig["b"].value  # each sees only the other


def test_cocoverage_reaches_a_fragment_through_its_neighbours() -> None:
    ev = StoryEvidence({1: ("r1", "r2"), 2: ("frag",)}, neighbours={2: ((1, 0.8),), 1: ((2, 0.8),)})
    sig = cocoverage_signal(ev, {"r1": 2.0, "r2": 2.0}, prior=0.0)
    assert sig["frag"].value > 0 and sig["frag"].strength == "fragments"


def test_story_neighbours_link_fragments_by_rare_tags() -> None:
    tags = {
        1: ["Armenia", "civil nuclear", "JD Vance"],
        2: ["armenia", "Civil Nuclear"],
        3: ["Gaza", "JD Vance"],
        4: ["Gaza", "hospital"],
        **{10 + i: ["common"] for i in range(5)},
    }
    nb = story_neighbours(tags, min_similarity=0.3, max_tag_stories=3)
    assert nb[1][0][0] == 2 and nb[2][0][0] == 1  # case-insensitive tags
    assert 3 in [s for s, _ in nb[4]]
    assert 10 not in nb  # a tag on more than max_tag_stories stories links nothing


def test_own_texts_leave_out_copies_shared_texts_and_wire_datelines() -> None:
    rows = [
        ArticleText("a", "Own headline", "Our reporter writes about the council vote."),
        ArticleText("a", None, "Excerpt unavailable from publisher metadata."),
        ArticleText("b", None, "Excerpt unavailable from publisher metadata."),
        ArticleText("b", "Copy", "Same text", is_copy=True),
        ArticleText("c", "Storm", "MIAMI (AP) — A storm hit the coast on Monday."),
        ArticleText("d", "Another own", "Words of its own about the school board."),
    ]
    ev = own_texts(rows)
    assert ev.texts == {
        "a": ["Own headline\nOur reporter writes about the council vote."],
        "d": ["Another own\nWords of its own about the school board."],
    }
    assert ev.wire_only == frozenset({"b", "c"})
    assert ev.articles == {"a": 2, "b": 2, "c": 1, "d": 1}


def _corpus(per_outlet: int) -> tuple[TextEvidence, dict[str, float]]:
    """30 rated outlets (left ones write about 'workers', right ones about 'taxes'), 2 unrated."""
    texts: dict[str, list[str]] = {}
    truth: dict[str, float] = {}
    for i in range(30):
        left = i % 2 == 0
        words = "workers unions wages" if left else "taxes border freedom"
        texts[f"o{i}"] = [f"story {j} about {words} and the city {i}" for j in range(per_outlet)]
        truth[f"o{i}"] = -2.0 if left else 2.0
    texts["new-left"] = ["the workers and unions want wages"] * per_outlet
    texts["new-right"] = ["lower taxes and a closed border for freedom"] * per_outlet
    return TextEvidence(texts), truth


def test_wording_learns_from_rated_outlets_and_predicts_out_of_fold() -> None:
    ev, truth = _corpus(per_outlet=4)
    sig = wording_signal(ev, truth, min_articles=3)
    assert sig["new-left"].value < 0 < sig["new-right"].value
    rated_left = [sig[f"o{i}"].value for i in range(0, 30, 2)]
    rated_right = [sig[f"o{i}"].value for i in range(1, 30, 2)]
    assert max(rated_left) < min(rated_right)  # cross-fitted, and still separated
    assert sig["o0"].n == 4 and sig["o0"].strength == "<10"


def test_wording_abstains_below_the_minimum_and_without_enough_rated_outlets() -> None:
    ev, truth = _corpus(per_outlet=2)
    assert wording_signal(ev, truth, min_articles=3) == {}
    few = {k: v for k, v in list(truth.items())[:5]}
    assert wording_signal(_corpus(4)[0], few, min_articles=1) == {}


@given(st.floats(min_value=-5, max_value=5, allow_nan=False))
def test_vectorised_classes_match_the_scalar_ones(v: float) -> None:
    for axis in (BIAS, FACTUALITY):
        others = np.array([v, 0.0, axis.low, axis.high])
        ids = axis.class_ids(others)
        names = [axis.to_class(x) for x in others]
        assert (ids[0] == ids[1]) == (names[0] == names[1])
        assert (ids[0] == ids[2]) == (names[0] == names[2])
        assert (ids[0] == ids[3]) == (names[0] == names[3])
