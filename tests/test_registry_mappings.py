"""Every rater's label mapping onto everyside's scales, and the combination of ratings."""

from __future__ import annotations

import pytest

from everyside.domain.model import Rating
from everyside.domain.ratings import RaterInfo, combine, combined_bias, one_per_family
from everyside.registry import raters as R


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("left", -2.0),
        ("left-center", -1.0),
        ("center", 0.0),
        ("right-center", 1.0),
        ("right", 2.0),
        ("fake-news", None),
        ("conspiracy-pseudoscience", None),
        ("pro-science", None),
        ("satire", None),
        ("", None),
        ("LEFT-CENTER", -1.0),
    ],
)
def test_mbfc_bias(label: str, value: float | None) -> None:
    assert R.map_mbfc_bias(label) == value


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("least biased", 0.0),
        ("left-center", -1.0),
        ("left center", -1.0),
        ("right-center", 1.0),
        ("left", -2.0),
        ("left biased", -2.0),
        ("right", 2.0),
        ("extreme right", 3.0),
        ("far right", 3.0),
        ("far-right", 3.0),
        ("extreme left", -3.0),
        ("far-left", -3.0),
        ("right conspiracy-pseudoscience", 2.0),
        ("right conspiracy – pseudoscience", 2.0),
        ("far right conspiracy-pseusdoscience", 3.0),
        ("alt-right conspiracy", 3.0),
        ("left-conspiracy/pseudoscience", -2.0),
        ("pro-science (left-leaning)", -1.0),
        ("pro-science", None),
        ("pseudoscience", None),
        ("conspiracy-pseudoscience", None),
        ("not rated", None),
        ("unrated", None),
        ("", None),
    ],
)
def test_mbfc_2023_bias(label: str, value: float | None) -> None:
    assert R.map_mbfc_2023_bias(label) == value


@pytest.mark.parametrize(
    ("label", "dataset", "value"),
    [
        ("extreme-left", "emnlp18", -3.0),
        ("left", "emnlp18", -2.0),
        ("left-center", "emnlp18", -1.0),
        ("center", "emnlp18", 0.0),
        ("right-center", "emnlp18", 1.0),
        ("right", "emnlp18", 2.0),
        ("extreme-right", "emnlp18", 3.0),
        ("left", "acl2020", -2.0),
        ("center", "acl2020", 0.0),
        ("right", "acl2020", 2.0),
        ("left-center", "acl2020", None),
    ],
)
def test_baly_bias(label: str, dataset: str, value: float | None) -> None:
    assert R.map_baly_bias(label, dataset) == value


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("left", -2.0),
        ("left-center", -1.0),
        ("center", 0.0),
        ("right-center", 1.0),
        ("right", 2.0),
        ("allsides", None),
        ("Lean Left", -1.0),
        ("Lean Right", 1.0),
        ("Left", -2.0),
        ("Center", 0.0),
        ("Mixed", None),
    ],
)
def test_allsides_bias(label: str, value: float | None) -> None:
    assert R.map_allsides_bias(label) == value


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("left_bias", -2.0),
        ("left_center_bias", -1.0),
        ("least_biased", 0.0),
        ("right_center_bias", 1.0),
        ("right_bias", 2.0),
        ("questionable_source", None),
        ("conspiracy_pseudoscience", None),
        ("satire", None),
    ],
)
def test_nela_mbfc_bias(label: str, value: float | None) -> None:
    assert R.map_nela_mbfc_bias(label) == value


@pytest.mark.parametrize(("label", "value"), [("left", -2.0), ("right", 2.0), ("x", None)])
def test_buzzfeed_bias(label: str, value: float | None) -> None:
    assert R.map_buzzfeed_bias(label) == value


@pytest.mark.parametrize(
    ("score", "value"),
    [
        (-1.0, -3.0),
        (-0.76, -3.0),
        (-0.75, -2.0),
        (-0.64, -2.0),
        (-0.45, -1.0),
        (-0.3, -1.0),
        (-0.1, 0.0),
        (0.0, 0.0),
        (0.12, 0.0),
        (0.549, 0.0),
        (0.55, 1.0),
        (0.69, 1.0),
        (0.7, 2.0),
        (0.89, 2.0),
        (0.9, 3.0),
        (1.0, 3.0),
    ],
)
def test_audience_ideology(score: float, value: float) -> None:
    assert R.map_audience_ideology(score) == value


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("very-high", 4.0),
        ("very high", 4.0),
        ("high", 3.0),
        ("mostly-factual", 2.5),
        ("mostly factual", 2.5),
        ("mixed", 2.0),
        ("low", 1.0),
        ("very-low", 0.0),
        ("very low", 0.0),
        ("n/a", None),
    ],
)
def test_factuality_labels(label: str, value: float | None) -> None:
    assert R.map_factuality(label) == value


@pytest.mark.parametrize(
    ("code", "value"), [(1.0, 0.0), (2.0, 1.0), (3.0, 2.0), (4.0, 3.0), (5.0, 4.0), (0.0, None)]
)
def test_nela_mbfc_factuality(code: float, value: float | None) -> None:
    assert R.map_nela_mbfc_factuality(code) == value


@pytest.mark.parametrize(
    ("score", "value"),
    [
        (0, 0.0),
        (19.9, 0.0),
        (20, 1.0),
        (39, 1.0),
        (40, 2.0),
        (59.5, 2.0),
        (60, 3.0),
        (89.5, 3.0),
        (90, 4.0),
        (100, 4.0),
    ],
)
def test_newsguard(score: float, value: float) -> None:
    assert R.map_newsguard(score) == value


@pytest.mark.parametrize(
    ("tags", "value"),
    [
        ({"reliable": 2}, 3.0),
        ({"fake": 1, "bias": 1}, 0.0),
        ({"unreliable": 2}, 1.0),
        ({"clickbait": 1, "political": 1}, 1.0),
        ({"bias": 1, "political": 1}, None),
        ({"satire": 1}, None),
        ({"conspiracy": 1, "unreliable": 2}, 0.0),
    ],
)
def test_opensources(tags: dict[str, int], value: float | None) -> None:
    assert R.map_opensources(tags) == value


def test_wikipedia_rsp_covers_every_code() -> None:
    assert {k: v[1] for k, v in R.WIKIPEDIA_RSP.items()} == {1: 3.0, 0: 2.0, -1: 1.0, -2: 0.0}


def test_every_rater_has_a_family_and_unique_name() -> None:
    names = [r.name for r in R.RATERS]
    assert len(names) == len(set(names))
    ranks = [(r.family, r.rank) for r in R.RATERS]
    assert len(ranks) == len(set(ranks)), "two raters of one family share a rank"


def _r(rater: str, value: float | None, axis: str = "bias") -> Rating:
    return Rating(rater, axis, str(value), value)


INFO = {
    "mbfc": RaterInfo("mbfc", 0),
    "baly": RaterInfo("mbfc", 1),
    "as": RaterInfo("as", 0),
    "aud": RaterInfo("aud", 0, counts=False),  # a signal for the estimates, not a rating
}


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([], (None, None)),
        ([_r("mbfc", None)], (None, None)),
        ([_r("mbfc", -1.0)], (-1.0, 0.0)),
        ([_r("mbfc", -1.0), _r("as", 1.0)], (0.0, 2.0)),
        # one vote per family: baly repeats MBFC and is ignored while mbfc maps
        ([_r("mbfc", -1.0), _r("baly", -3.0), _r("as", -2.0)], (-1.5, 1.0)),
        # ...but stands in when mbfc's label has no mapping
        ([_r("mbfc", None), _r("baly", 2.0)], (2.0, 0.0)),
        # unknown (user) raters are their own family
        ([_r("mine", 3.0), _r("as", 0.0)], (1.5, 3.0)),
        # factuality ratings never count for bias
        ([_r("mbfc", 4.0, "factuality"), _r("as", 1.0)], (1.0, 0.0)),
        # a rater that does not count (audience ideology) never moves the combined value
        ([_r("aud", 3.0), _r("as", 1.0)], (1.0, 0.0)),
        ([_r("aud", 3.0)], (None, None)),
    ],
)
def test_combined_bias(ratings: list[Rating], expected: tuple[float | None, float | None]) -> None:
    assert combined_bias(ratings, INFO) == expected


def test_combine_is_independent_of_order() -> None:
    rs = [_r("mbfc", -1.0), _r("baly", -3.0), _r("as", 2.0), _r("x", 1.0)]
    a = combine(rs, "bias", INFO)
    b = combine(list(reversed(rs)), "bias", INFO)
    assert a is not None and b is not None
    assert (a.value, a.spread, a.count) == (b.value, b.spread, b.count) == (0.6667, 3.0, 3)
    assert [r.rater for r in one_per_family(rs, INFO)] == ["as", "mbfc", "x"]
