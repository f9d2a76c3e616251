"""Property-based tests (hypothesis) of coverage invariants: shares sum to 1 over rated outlets,
unrated outlets are never a side, counts equal the member list, the blindspot flag agrees with
its settings, and the result does not depend on the order of the articles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from everyside.domain.coverage import ArticleFacts, CoverageParams, OutletFacts, compute_coverage

NOW = datetime(2026, 5, 1, tzinfo=UTC)
DOMAINS = [f"o{i}.com" for i in range(12)]

outlet_st = st.builds(
    OutletFacts,
    domain=st.sampled_from(DOMAINS),
    bias=st.one_of(st.none(), st.floats(-3, 3)),
    factuality=st.one_of(st.none(), st.floats(0, 4)),
    country=st.one_of(st.none(), st.sampled_from(["US", "GB", "FR"])),
    estimated_bias=st.one_of(st.none(), st.floats(-3, 3)),
)
time_st = st.one_of(
    st.none(),
    st.integers(-2000, 60).map(lambda h: NOW + timedelta(hours=h)),
    st.just(datetime(1970, 1, 1, tzinfo=UTC)),
)


@st.composite
def story(draw: st.DrawFn) -> tuple[list[ArticleFacts], dict[str, OutletFacts], CoverageParams]:
    outlets = {o.domain: o for o in draw(st.lists(outlet_st, max_size=12))}
    n = draw(st.integers(1, 25))
    arts = []
    for i in range(n):
        copy_of = draw(st.one_of(st.none(), st.integers(0, n + 2)))
        arts.append(
            ArticleFacts(
                id=i,
                outlet=draw(st.sampled_from(DOMAINS)),
                published_at=draw(time_st),
                fetched_at=draw(st.one_of(st.none(), st.just(NOW - timedelta(hours=1)))),
                copy_of=copy_of if copy_of != i else None,
            )
        )
    params = CoverageParams(
        blindspot_min_rated=draw(st.integers(0, 8)),
        blindspot_threshold=draw(st.sampled_from([0.0, 0.1, 0.2, 0.34, 0.5])),
    )
    return arts, outlets, params


@settings(max_examples=150, deadline=None)
@given(story())
def test_invariants(data: tuple) -> None:
    arts, outlets, params = data
    c = compute_coverage(arts, outlets, params, NOW)
    doc = c.to_dict()
    members = {a.outlet for a in arts}
    rated = {d for d in members if d in outlets and outlets[d].bias is not None}
    # counts equal the member list
    assert c.total_outlets == len(members) == len(doc["outlets"])
    assert c.total_articles == len(arts) == len(doc["articles"])
    assert doc["sources"]["unrated"] == len(members) - len(rated)
    assert sum(o["articles"] for o in doc["outlets"]) == len(arts)
    # unrated never a side; shares over rated outlets sum to 1
    assert c.rated_outlets == len(rated) == sum(c.side_outlets.values())
    for row in doc["outlets"]:
        assert (row["side"] is None) == (row["domain"] not in rated)
    if rated:
        assert abs(sum(v for v in c.side_shares.values() if v is not None) - 1) < 1e-3
        tiers = doc["bias"]["tiers"]["shares"].values()
        assert abs(sum(tiers) - 1) < 1e-3
    else:
        assert all(v is None for v in c.side_shares.values())
    # blindspot consistent with its settings
    left, right = c.side_outlets["left"], c.side_outlets["right"]
    if c.missed_by is not None:
        missed = c.side_outlets[c.missed_by]
        assert len(rated) >= params.blindspot_min_rated
        assert missed / len(rated) <= params.blindspot_threshold + 1e-9
        assert missed < max(left, right)
    elif len(rated) >= max(1, params.blindspot_min_rated) and left != right:
        assert min(left, right) / len(rated) > params.blindspot_threshold
    assert doc["sources"]["original_articles"] + doc["sources"]["copies"] == len(arts)


@settings(max_examples=60, deadline=None)
@given(story(), st.randoms(use_true_random=False))
def test_independent_of_article_order(data: tuple, rnd) -> None:  # noqa: ANN001
    arts, outlets, params = data
    shuffled = list(arts)
    rnd.shuffle(shuffled)
    one = compute_coverage(arts, outlets, params, NOW).to_dict()
    two = compute_coverage(shuffled, outlets, params, NOW).to_dict()
    assert one == two
