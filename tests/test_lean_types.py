"""The type prior (pure): an outlet's type from its domain name, and the mean rating of rated
outlets of the same type, each rated outlet without its own rating."""

from __future__ import annotations

import pytest

from everyside.domain.lean import BIAS, EstimateParams, OutletRecord, estimate_axis
from everyside.domain.lean.outlet_types import outlet_type, split_domain, type_signal


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("kare11.com", "call sign"),
        ("wral.com", "call sign"),
        ("kxan.com", "call sign"),
        ("1010wcsi.com", "call sign"),
        ("mykxlg.com", "call sign"),
        ("kpbs.org", "call sign .org"),
        ("nwnewsradio.com", "radio"),
        ("connectradio.fm", "radio"),
        ("conservativeangle.com", "right-wing name"),
        ("democraticaccent.com", "left-wing name"),
        ("catholicvote.org", "religious name"),
        ("usmagazine.com", None),  # "maga" inside "magazine" is not a slogan
        ("islamabadpost.com.pk", None),
        ("nytimes.com", None),
        ("kathimerini.gr", None),  # a K and letters, but not a US call-sign domain
        ("wikipedia.org", None),
    ],
)
def test_outlet_type_from_the_name(domain: str, expected: str | None) -> None:
    assert outlet_type(domain) == expected


def test_split_domain() -> None:
    assert split_domain("kare11.com") == ("kare11", "com")
    assert split_domain("alquds.co.uk") == ("alquds", "co.uk")
    assert split_domain("news.ro") == ("news", "ro")
    assert split_domain("www.wral.com") == ("wral", "com")


def test_type_prior_leaves_the_outlet_out_and_ignores_unknown_scope() -> None:
    recs = {
        "kaaa.com": OutletRecord("kaaa.com", bias=0.0, scope="local", media_type="tv"),
        "kbbb.com": OutletRecord("kbbb.com", bias=0.0, scope="local", media_type="tv"),
        "kccc.com": OutletRecord("kccc.com", bias=2.0),  # rated, not in the station tables
        "kddd.com": OutletRecord("kddd.com"),  # unrated, not in the station tables
        "keee.com": OutletRecord("keee.com", scope="local", media_type="tv"),
        "nytimes.com": OutletRecord("nytimes.com", bias=-1.0),
    }
    truth = {d: r.bias for d, r in recs.items() if r.bias is not None}
    sig = type_signal(recs, truth, prior=0.0)
    assert "nytimes.com" not in sig  # no type: no opinion
    k = 5.0  # ENCODE_SHRINK
    # an unknown scope is not a cell of its own: kddd gets every call sign, not kccc alone
    assert sig["kddd.com"].value == pytest.approx(2.0 / (3 + k))
    assert sig["kddd.com"].detail == "call sign"
    # kccc is rated: its own 2.0 is not in its opinion
    assert sig["kccc.com"].value == pytest.approx(0.0)
    assert sig["kccc.com"].n == 2
    # a local TV station: the type's mean, then its scope's, then its media type's
    level1 = 2.0 / (3 + k)
    assert sig["keee.com"].value == pytest.approx(
        (0.0 + k * (0.0 + k * level1) / (2 + k)) / (2 + k)
    )
    assert sig["keee.com"].detail == "call sign local tv"


def test_a_type_that_tells_gives_an_estimate_labelled_with_it() -> None:
    """Rated public radio stations (call sign on .org) lean left, other radio stations any way;
    an unrated public station whose name is all that is known is estimated from the type, with
    the error measured on rated outlets with the same evidence; a name that fits no type gives
    nothing to go on."""
    recs: dict[str, OutletRecord] = {}
    letters = "abcdefghijklmnopqrstuvwxyz"
    for i in range(40):
        dom = f"k{letters[i % 26]}{letters[(i // 26) % 26]}{letters[(i * 7) % 26]}.org"
        recs[dom] = OutletRecord(dom, bias=-1.0 + (0.2 if i % 4 == 0 else 0.0))
    for i in range(60):  # rated radio stations of every lean
        dom = f"news{i}radio.com"
        recs[dom] = OutletRecord(dom, bias=float(i % 7 - 3))
    recs["kzzz.org"] = OutletRecord("kzzz.org")
    recs["unknown.com"] = OutletRecord("unknown.com")
    res = estimate_axis(recs, BIAS, params=EstimateParams(folds=5, min_group=20))
    est = res.estimates["kzzz.org"]
    assert est.label == "left" and est.methods == ("type",)
    assert est.expected_error < est.baseline_error
    assert "of its type (call sign .org)" in est.sentence
    assert "unknown.com" not in res.estimates and "unknown.com" not in res.abstained
    typ = next(s for s in res.scores if s.method == "type")
    assert typ.outlets == 100 and typ.mae < typ.baseline_mae
    assert typ.accuracy > typ.baseline_accuracy
