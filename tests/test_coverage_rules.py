"""Table-driven tests of every coverage rule (domain/coverage.py, timeline.py, places.py,
topics.py): sides and shares, plurality sentence, syndicated copies, factuality and ownership,
first publisher and its date guards, countries, blindspot, location, topics, timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from everyside.domain.coverage import (
    ArticleFacts,
    CoverageParams,
    OutletFacts,
    blindspot,
    compute_coverage,
    plurality_sentence,
)
from everyside.domain.places import country_name, find_places, locate
from everyside.domain.timeline import effective_time, first_publisher
from everyside.domain.topics import entities, extract_topics, title_case

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
P = CoverageParams()


def out(dom: str, bias: float | None = None, **kw: object) -> OutletFacts:
    return OutletFacts(domain=dom, name=dom.upper(), bias=bias, **kw)  # type: ignore[arg-type]


def art(i: int, dom: str, pub: datetime | None = None, **kw: object) -> ArticleFacts:
    fetched = kw.pop("fetched", (pub or NOW - 2 * H) + 0.1 * H)
    return ArticleFacts(id=i, outlet=dom, published_at=pub, fetched_at=fetched, **kw)  # type: ignore[arg-type]


def cov(arts: list[ArticleFacts], outlets: list[OutletFacts], params: CoverageParams = P):
    return compute_coverage(arts, {o.domain: o for o in outlets}, params, NOW)


@pytest.mark.parametrize(
    ("biases", "expected_counts"),
    [
        ([-3, -2, -1, 0, 1, 2, 3], {"left": 3, "center": 1, "right": 3}),
        ([-0.4, 0.4, 0.5, -0.5], {"left": 1, "center": 2, "right": 1}),  # tier rounding
        ([None, None, 2], {"left": 0, "center": 0, "right": 1}),  # unrated never a side
        ([None], {"left": 0, "center": 0, "right": 0}),
    ],
)
def test_side_counts_by_outlet(biases: list, expected_counts: dict) -> None:
    outlets = [out(f"o{i}.com", b) for i, b in enumerate(biases)]
    c = cov([art(i, o.domain, NOW - H) for i, o in enumerate(outlets)], outlets)
    assert c.side_outlets == expected_counts
    assert c.rated_outlets == sum(expected_counts.values())
    assert c.total_outlets == len(biases)


def test_by_outlet_and_by_article_differ() -> None:
    outlets = [out("l.com", -2), out("r.com", 2), out("u.com")]
    arts = [
        art(1, "l.com", NOW - H),
        art(2, "l.com", NOW - H),
        art(3, "l.com", NOW - H),
        art(4, "r.com", NOW - H),
        art(5, "u.com", NOW - H),
    ]
    doc = cov(arts, outlets).to_dict()
    assert doc["bias"]["by_outlet"]["shares"] == {"left": 0.5, "center": 0.0, "right": 0.5}
    assert doc["bias"]["by_article"]["shares"] == {"left": 0.75, "center": 0.0, "right": 0.25}
    assert doc["bias"]["by_article"]["rated_articles"] == 4
    assert doc["bias"]["tiers"]["counts"]["Left"] == 1
    assert doc["bias"]["tiers"]["counts"]["Right"] == 1


@pytest.mark.parametrize(
    ("counts", "rated", "total", "sentence"),
    [
        ({"left": 1, "center": 3, "right": 1}, 5, 5, "60% of the sources are Center"),
        (
            {"left": 2, "center": 0, "right": 1},
            3,
            10,
            "67% of the sources are Left (3 of 10 sources rated)",
        ),
        ({"left": 0, "center": 0, "right": 0}, 0, 4, "None of the 4 sources has a bias rating yet"),
        (
            {"left": 2, "center": 0, "right": 2},
            4,
            4,
            "Coverage is split evenly: 50% each of Left and Right",
        ),
        (  # 34/33/33 with largest remainder: no one number fits every side
            {"left": 1, "center": 1, "right": 1},
            3,
            3,
            "Coverage is split evenly between Left, Center and Right",
        ),
        (
            {"left": 2, "center": 2, "right": 1},
            5,
            5,
            "Coverage is split evenly: 40% each of Left and Center",
        ),
        ({"left": 1, "center": 1, "right": 4}, 6, 6, "67% of the sources are Right"),
    ],
)
def test_plurality_sentence(counts: dict, rated: int, total: int, sentence: str) -> None:
    assert plurality_sentence(counts, rated, total) == sentence


def test_syndicated_copies_count_once_and_reposted_by() -> None:
    outlets = [out("wire.com", 0), out("a.com", -2), out("b.com", 2)]
    arts = [
        art(1, "wire.com", NOW - 3 * H),
        art(2, "a.com", NOW - 2 * H, copy_of=1),
        art(3, "b.com", NOW - H, copy_of=2),
    ]  # a copy of a copy resolves to the original
    doc = cov(arts, outlets).to_dict()
    rows = {a["id"]: a for a in doc["articles"]}
    assert rows[1]["reposted_by"] == 2 and rows[1]["original"]
    assert not rows[2]["original"] and not rows[3]["original"]
    assert doc["sources"]["original_articles"] == 1 and doc["sources"]["copies"] == 2
    assert doc["bias"]["by_original_outlet"]["counts"] == {"left": 0, "center": 1, "right": 0}
    assert doc["bias"]["by_outlet"]["counts"] == {"left": 1, "center": 1, "right": 1}


def test_copy_of_an_article_outside_the_story_is_a_copy() -> None:
    doc = cov([art(5, "a.com", NOW - H, copy_of=99)], [out("a.com", 0)]).to_dict()
    assert doc["articles"][0]["original"] is False


def test_factuality_and_ownership_distributions() -> None:
    outlets = [
        out("a.com", 0, factuality=4.0, owner="X", owner_category="Corporation"),
        out("b.com", 1, factuality=2.6, owner="X", owner_category="Corporation"),
        out("c.com", factuality=None, owner_category="Government"),
    ]
    doc = cov([art(i, o.domain, NOW - H) for i, o in enumerate(outlets)], outlets).to_dict()
    assert doc["factuality"]["counts"] == {
        "Very High": 1,
        "High": 1,
        "Mixed": 0,
        "Low": 0,
        "Very Low": 0,
        "Unknown": 1,
    }
    assert doc["factuality"]["mean"] == pytest.approx(3.3)
    assert doc["ownership"]["counts"] == {"Corporation": 2, "Government": 1}
    assert doc["ownership"]["owners"] == [{"owner": "X", "outlets": 2}]


@pytest.mark.parametrize(
    ("pub", "fetched", "basis"),
    [
        (NOW - 5 * H, NOW - 4 * H, "published"),
        (NOW + 48 * H, NOW - H, "fetched:future"),  # published after fetch + skew
        (NOW - H + 23 * H, NOW - H, "published"),  # inside the 24 h skew window
        (datetime(1970, 1, 1, tzinfo=UTC), NOW - H, "fetched:implausible"),
        (None, NOW - H, "fetched:missing"),
        (datetime(2021, 1, 1), NOW - H, "published"),  # naive = UTC; old import is fine
    ],
)
def test_effective_time(pub: datetime | None, fetched: datetime, basis: str) -> None:
    t, how = effective_time(ArticleFacts(1, "a", published_at=pub, fetched_at=fetched), 24, NOW)
    assert how == basis
    assert t == (fetched if basis != "published" else pub.replace(tzinfo=UTC))  # type: ignore[union-attr]


def test_first_publisher_skips_future_epoch_and_stale_dates() -> None:
    outlets = {d: out(d, country="US") for d in ("fut", "epoch", "stale", "real", "late")}
    arts = [
        art(1, "fut", NOW + 30 * H, fetched=NOW - 10 * H),  # claims the future
        art(2, "epoch", datetime(1970, 1, 1, tzinfo=UTC), fetched=NOW - 9 * H),
        art(3, "stale", NOW - timedelta(days=30)),  # a month before the rest
        art(4, "real", NOW - 8 * H),
        art(5, "late", NOW - 2 * H),
    ]
    first = first_publisher(arts, outlets, 24, 7, NOW)
    assert first is not None
    assert (first["outlet"], first["article_id"], first["basis"]) == ("real", 4, "published")
    assert first["excluded"] == {"missing": 0, "future": 1, "implausible": 1, "outlier": 1}
    assert "after it was fetched" in first["reason"] and "before 1995" in first["reason"]


def test_first_publisher_falls_back_to_fetch_time() -> None:
    arts = [art(1, "a", None, fetched=NOW - 2 * H), art(2, "b", None, fetched=NOW - 3 * H)]
    first = first_publisher(arts, {"a": out("a"), "b": out("b")}, 24, 7, NOW)
    assert first is not None and first["outlet"] == "b" and first["basis"] == "fetched"
    assert "earliest fetch time" in first["reason"]


def test_first_publisher_tie_breaks_by_id() -> None:
    arts = [art(9, "a", NOW - H), art(3, "b", NOW - H)]
    first = first_publisher(arts, {"a": out("a"), "b": out("b")}, 24, 7, NOW)
    assert first is not None and first["article_id"] == 3


@pytest.mark.parametrize(
    ("countries", "majority", "sentence"),
    [
        (["US", "US", "GB"], "US", "Sources are mostly out of United States"),
        (
            ["US", "GB", "FR", None],
            None,
            "Sources are mostly out of France, United Kingdom, United States",
        ),
        (["US", "GB"], None, "Sources are mostly out of United Kingdom, United States"),
        ([None, None], None, None),
    ],
)
def test_countries(countries: list, majority: str | None, sentence: str | None) -> None:
    outlets = [out(f"o{i}", 0, country=c) for i, c in enumerate(countries)]
    doc = cov([art(i, o.domain, NOW - H) for i, o in enumerate(outlets)], outlets).to_dict()
    assert doc["countries"]["majority"] == majority
    assert doc["countries"]["sentence"] == sentence


@pytest.mark.parametrize(
    ("counts", "rated", "min_rated", "threshold", "missed"),
    [
        ({"left": 1, "center": 1, "right": 3}, 5, 5, 0.2, "left"),  # 20% <= 20%
        ({"left": 4, "center": 1, "right": 0}, 5, 5, 0.2, "right"),
        ({"left": 1, "center": 1, "right": 2}, 4, 5, 0.2, None),  # too few rated
        ({"left": 2, "center": 1, "right": 7}, 10, 5, 0.1, None),  # 20% > 10%
        ({"left": 0, "center": 6, "right": 0}, 6, 5, 0.2, None),  # centre-only: no side
        ({"left": 0, "center": 3, "right": 3}, 6, 3, 0.2, "left"),
        ({"left": 0, "center": 0, "right": 0}, 0, 0, 0.2, None),
    ],
)
def test_blindspot_rule(
    counts: dict, rated: int, min_rated: int, threshold: float, missed: str | None
) -> None:
    params = CoverageParams(blindspot_min_rated=min_rated, blindspot_threshold=threshold)
    spot = blindspot(counts, rated, params, {"left": 3.0, "right": 1.0})
    assert spot["missed_by"] == missed and spot["flagged"] == (missed is not None)
    if missed:
        assert spot["covered_by"] != missed
        assert spot["covering_factuality"] == (1.0 if missed == "left" else 3.0)


def test_blindspot_shows_covering_side_factuality() -> None:
    outlets = [out(f"r{i}", 2, factuality=1.0) for i in range(4)] + [out("c", 0, factuality=4.0)]
    c = cov([art(i, o.domain, NOW - H) for i, o in enumerate(outlets)], outlets)
    assert c.missed_by == "left"
    assert c.blindspot["covering_factuality"] == 1.0
    assert c.blindspot["covering_factuality_tier"] == "Low"


def test_estimated_bias_is_never_a_side() -> None:
    outlets = [
        out("e1", estimated_bias=-2.0, estimated_bias_method="co-coverage"),
        out("e2", estimated_bias=2.0),
        out("real", 0.0, estimated_bias=2.5),
    ]
    doc = cov([art(i, o.domain, NOW - H) for i, o in enumerate(outlets)], outlets).to_dict()
    assert doc["bias"]["by_outlet"]["counts"] == {"left": 0, "center": 1, "right": 0}
    assert doc["estimated_bias"]["counts"] == {"left": 1, "center": 0, "right": 1}
    assert doc["estimated_bias"]["label"] == "estimated"
    real = next(r for r in doc["outlets"] if r["domain"] == "real")
    assert real["estimated_bias"] is None and real["estimated_side"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Protests in Kabul as Taliban advance", [("AF", "Kabul")]),
        ("Rep. Jim Jordan questions the FBI", []),  # a surname, not the country
        ("King Abdullah of Jordan visits", [("JO", "Jordan")]),
        ("New York and Texas sue", [("US", "New York"), ("US", "Texas")]),
        ("the turkey dinner; talk to us", []),  # case-sensitive
        ("Chinese navy near Taiwan", [("CN", "China"), ("TW", "Taiwan")]),
        ("Wildfires near Los Angeles", [("US", "California")]),
    ],
)
def test_find_places(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(p.country, p.name) for p in find_places(text)] == expected


def test_locate_prefers_text_then_outlets() -> None:
    docs = [
        ("Earthquake hits Japan", "Tokyo shook."),
        ("Quake in Japan", None),
        ("Markets react", None),
    ]
    loc = locate(docs, ["US", "US", "US"])
    assert loc is not None and (loc["country"], loc["basis"]) == ("JP", "text")
    fallback = locate([("Markets react", None), ("Stocks fall", None)], ["GB", "GB", "US"])
    assert fallback is not None and (fallback["country"], fallback["basis"]) == ("GB", "outlets")
    assert locate([("Nothing", None)], [None]) is None
    assert country_name("gb") == "United Kingdom" and country_name("ZZ") == "ZZ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("President Joe Biden met Sen. Joe Manchin.", {"Joe Biden", "Joe Manchin"}),
        ("The vote failed, Reuters reported on Monday.", set()),
        ("Officials said the Federal Reserve held rates.", {"Federal Reserve"}),
    ],
)
def test_entities(text: str, expected: set[str]) -> None:
    assert entities(text) == expected


def test_topics_shared_across_articles() -> None:
    docs = [
        ("Fed holds rates steady", "The Federal Reserve kept interest rates unchanged."),
        ("Rates unchanged", "Jerome Powell said the Federal Reserve will wait on rates."),
        ("Powell speaks", "Jerome Powell spoke about interest rates and the Federal Reserve."),
    ]
    tags = extract_topics(docs)
    names = [x["tag"] for x in tags]
    assert names[0] == "Federal Reserve" and "Jerome Powell" in names
    assert any(x["kind"] == "phrase" and "rates" in x["tag"] for x in tags)
    assert all(x["articles"] >= 2 for x in tags)
    assert title_case("Biden Signs Big Infrastructure Bill Into Law")
    assert not title_case("Biden signs big infrastructure bill into law")


def test_timeline_buckets() -> None:
    outlets = [out("l", -2), out("r", 2), out("u")]
    arts = [
        art(1, "l", NOW - 3 * H),
        art(2, "r", NOW - 3 * H + timedelta(minutes=20)),
        art(3, "u", NOW - H),
    ]
    doc = cov(arts, outlets).to_dict()
    assert doc["timeline"]["bucket"] == "hour"
    assert [(p["left"], p["right"], p["unrated"]) for p in doc["timeline"]["points"]] == [
        (1, 1, 0),
        (0, 0, 1),
    ]
    long = cov([art(1, "l", NOW - 80 * H), art(2, "r", NOW - H)], outlets).to_dict()
    assert long["timeline"]["bucket"] == "day" and len(long["timeline"]["points"]) == 2


def test_document_shape() -> None:
    doc = cov([art(1, "a.com", NOW - H, title="Hello")], [out("a.com", 0)]).to_dict()
    assert set(doc) == {
        "version",
        "story_id",
        "computed_at",
        "sources",
        "bias",
        "estimated_bias",
        "factuality",
        "factuality_by_side",
        "ownership",
        "countries",
        "broke_the_news",
        "location",
        "timeline",
        "outlets",
        "articles",
        "blindspot",
        "topics",
    }
    assert doc["computed_at"] == NOW.isoformat()
