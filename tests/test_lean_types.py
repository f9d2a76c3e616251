"""The type prior (pure): an outlet's type from its domain name, and the mean rating of rated
outlets of the same type, each rated outlet without its own rating."""

from __future__ import annotations

import pytest

from everyside.domain.lean import BIAS, FACTUALITY, EstimateParams, OutletRecord, estimate_axis
from everyside.domain.lean.outlet_types import outlet_type, split_domain, type_signal


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("kpbs.org", "call sign .org"),
        ("kuow.org", "call sign .org"),
        ("wamu.org", "call sign .org"),
        # commercial call signs, radio names: no better than the mean on rated outlets
        ("kare11.com", None),
        ("wral.com", None),
        ("1010wcsi.com", None),
        ("nwnewsradio.com", None),
        ("conservativeangle.com", "right-wing name"),
        ("democraticaccent.com", "left-wing name"),
        ("occupydemocrats.com", "left-wing name"),
        ("catholicvote.org", "religious name"),
        ("usmagazine.com", None),  # "maga" inside "magazine" is not a slogan
        ("pressdemocrat.com", None),  # an old newspaper title, not a party
        ("timesrepublican.com", None),
        ("islamabadpost.com.pk", None),
        ("nytimes.com", None),
        ("kathimerini.gr", None),
        ("kbc.co.ke", None),  # a K and letters, but not a US .org
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
        "kaaa.org": OutletRecord("kaaa.org", bias=0.0, scope="local", media_type="tv"),
        "kbbb.org": OutletRecord("kbbb.org", bias=0.0, scope="local", media_type="tv"),
        "kccc.org": OutletRecord("kccc.org", bias=2.0),  # rated, not in the station tables
        "kddd.org": OutletRecord("kddd.org"),  # unrated, not in the station tables
        "keee.org": OutletRecord("keee.org", scope="local", media_type="tv"),
        "nytimes.com": OutletRecord("nytimes.com", bias=-1.0),
    }
    truth = {d: r.bias for d, r in recs.items() if r.bias is not None}
    sig = type_signal(recs, truth, prior=0.0)
    assert "nytimes.com" not in sig  # no type: no opinion
    k = 5.0  # ENCODE_SHRINK
    # an unknown scope is not a cell of its own: kddd gets every station, not kccc alone
    assert sig["kddd.org"].value == pytest.approx(2.0 / (3 + k))
    assert sig["kddd.org"].detail == "call sign .org"
    # kccc is rated: its own 2.0 is not in its opinion
    assert sig["kccc.org"].value == pytest.approx(0.0)
    assert sig["kccc.org"].n == 2
    # a local TV station: the type's mean, then its scope's, then its media type's
    level1 = 2.0 / (3 + k)
    assert sig["keee.org"].value == pytest.approx(
        (0.0 + k * (0.0 + k * level1) / (2 + k)) / (2 + k)
    )
    assert sig["keee.org"].detail == "call sign .org local tv"


def test_a_type_that_tells_gives_an_estimate_labelled_with_it() -> None:
    """Rated public radio stations (call sign on .org) lean left, other outlets any way;
    an unrated public station whose name is all that is known is estimated from the type, with
    the error measured on rated outlets with the same evidence; a name that fits no type gives
    nothing to go on."""
    recs: dict[str, OutletRecord] = {}
    letters = "abcdefghijklmnopqrstuvwxyz"
    for i in range(40):
        dom = f"k{letters[i % 26]}{letters[(i // 26) % 26]}{letters[(i * 7) % 26]}.org"
        recs[dom] = OutletRecord(dom, bias=-1.0 + (0.2 if i % 4 == 0 else 0.0))
    for i in range(60):  # outlets of other types, of every lean
        dom = f"freedom{i}.com" if i % 2 else f"progressive{i}.com"
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


def test_factuality_does_not_use_the_type_prior() -> None:
    """On factuality the prior left the combined leave-one-out error unchanged (0.300)."""
    recs = {f"k{c}{c}a.org": OutletRecord(f"k{c}{c}a.org", factuality=3.0) for c in "abcdefgh"}
    recs["kzzz.org"] = OutletRecord("kzzz.org")
    res = estimate_axis(recs, FACTUALITY, params=EstimateParams(folds=2, min_group=4))
    assert "kzzz.org" not in res.estimates
    assert all(s.method != "type" for s in res.scores)
