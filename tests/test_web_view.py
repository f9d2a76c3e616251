"""Table-driven tests of the pure view-model functions (services/views.py, web/charts.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from everyside.services import views as view
from everyside.settings import load_settings
from everyside.web import charts
from everyside.web.filters import day, side_colors

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "published, expected",
    [
        ("2026-03-01T11:59:30", "just now"),
        ("2026-03-01T11:00:00+00:00", "1 hour ago"),
        ("2026-03-01 09:00:00.000000", "3 hours ago"),
        ("2026-02-27T12:00:00Z", "2 days ago"),
        ("2025-03-01T12:00:00", "1 year ago"),
        ("2026-03-02T12:00:00", "in the future"),
        (None, "date unknown"),
        ("garbage", "date unknown"),
    ],
)
def test_relative_time(published: str | None, expected: str) -> None:
    assert view.relative_time(published, NOW) == expected


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://a.example/x", "https://a.example/x"),
        ("HTTP://A.example", "HTTP://A.example"),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//evil.example", None),
        ("urn:everyside:import:1", None),
        (None, None),
    ],
)
def test_only_http_urls_become_links(url: str | None, expected: str | None) -> None:
    assert view.safe_url(url) == expected


def _card(aid: int, bias: float | None, fact: float | None, when: str, **kw: object) -> dict:
    base = {
        "id": aid,
        "bias": bias,
        "factuality": fact,
        "estimated_bias": None,
        "published_at": when,
        "outlet_name": f"Outlet {aid}",
        "outlet_id": aid,
        "country": "US",
        "copy_of": None,
        "url": None,
        "owner_cat": None,
    }
    return view.card({**base, **kw}, NOW)


def test_cards_sides_tiers_and_sorts() -> None:
    cards = [
        _card(1, -2.4, 3.9, "2026-03-01T08:00:00"),
        _card(2, 0.2, None, "2026-03-01T09:00"),
        _card(3, None, 1.0, "2026-03-01T10:00", estimated_bias=2.0),
        _card(4, 2.0, 2.0, "2026-03-01T07:00", owner_cat="Government"),
    ]
    assert [c["side"] for c in cards] == ["left", "center", None, "right"]
    assert [c["bias_tier"] for c in cards] == ["Left", "Center", None, "Right"]
    assert cards[2]["estimated_tier"] == "Right" and cards[0]["estimated_tier"] is None
    assert [c["factuality_tier"] for c in cards] == ["Very High", "Unknown", "Low", "Mixed"]
    assert cards[3]["owner_category"] == "Government" and cards[0]["owner_category"] == "Unknown"
    assert [c["id"] for c in view.sort_cards(cards, "bias")] == [1, 2, 4, 3]
    assert [c["id"] for c in view.sort_cards(cards, "factuality")] == [1, 4, 3, 2]
    assert [c["id"] for c in view.sort_cards(cards, "time")] == [3, 2, 1, 4]
    assert view.side_counts(cards) == {"all": 4, "left": 1, "center": 1, "right": 1}


@pytest.mark.parametrize(
    "shares, expected",
    [
        ({"left": 0.6, "center": 0.2, "right": 0.2}, "60% of the rated sources are Left"),
        ({"left": None, "center": None, "right": None}, None),
        ({"left": 0.0, "center": 0.0, "right": 0.0}, None),
    ],
)
def test_plurality_sentence(shares: dict, expected: str | None) -> None:
    assert view.plurality_sentence(shares) == expected


def test_panel_is_the_coverage_document_reshaped() -> None:
    doc = {
        "sources": {"total": 9, "rated": 7, "unrated": 2},
        "bias": {
            "by_outlet": {
                "counts": {"left": 1, "center": 2, "right": 4},
                "shares": {"left": 0.14, "center": 0.29, "right": 0.57},
            },
            "plurality": "57% of the sources are Right",
        },
        "factuality": {"counts": {"High": 3, "Mixed": 0, "Unknown": 6}},
        "countries": {"sentence": "Sources are mostly out of France"},
        "broke_the_news": {
            "name": "Le Monde",
            "country": "FR",
            "at": "2026-02-28T10:00:00",
            "reason": "earliest plausible publication time",
        },
        "timeline": {"bucket": "hour", "points": [{"t": "2026-02-28T10:00:00", "left": 1}]},
        "blindspot": {"flagged": True, "missed_by": "left", "missing_share": 0.14},
    }
    p = view.coverage_panel(doc, {"shares": {}, "why": None})
    assert (p["outlets"], p["rated_outlets"], p["unrated_outlets"]) == (9, 7, 2)
    assert p["counts"]["right"] == 4 and p["shares"]["right"] == 0.57
    # recomputed from the counts (a stored sentence may predate largest-remainder rounding)
    assert p["plurality"] == "57% of the sources are Right (7 of 9 sources rated)"
    assert p["factuality"] == [("High", 3), ("Unknown", 6)]
    assert p["mostly_from"] == "Sources are mostly out of France"
    assert p["broke_sentence"] == "Le Monde broke the news in FR on 2026-02-28"
    assert p["timeline"] == [("2026-02-28 10", "left", 1)]
    assert p["blindspot"] == "left"
    # nothing is re-derived from the article cards: no document, no numbers (the read model
    # computes a missing document with the coverage service instead, see test_read_model.py)
    bare = view.coverage_panel({}, {"shares": {}, "why": None})
    assert (bare["outlets"], bare["counts"]["left"], bare["broke_sentence"]) == (0, 0, None)


@pytest.mark.parametrize(
    "why, expected",
    [
        ("Same event", ["Same event"]),
        (["a", {"text": "b", "articles": 2}], ["a", "b (2 articles)"]),
        (
            {
                "summary": "3 articles share: x",
                "entities": [{"text": "Senate", "articles": 3}],
                "span_hours": 2.5,
            },
            [
                "3 articles share: x",
                "Shared names: Senate (3 articles)",
                "Hours between the first and the last article: 2.5",
            ],
        ),
        (None, []),
        (42, []),
    ],
)
def test_why_lines(why: object, expected: list[str]) -> None:
    assert view.why_lines(why) == expected


def test_summary_view_resolves_citations_and_falls_back_to_the_lead() -> None:
    cards = [
        _card(1, -2.0, 4.0, "2026-03-01T08:00", url="https://a.example/1", snippet="Lead text.")
    ]
    doc = {
        "mode": "extractive",
        "bullets": [
            {"text": "B", "citations": [{"article_id": 1, "sentence": "S"}, "junk"]},
            "junk",
        ],
    }
    s = view.summary_view(doc, cards)
    assert s["kind"] == "summary" and len(s["bullets"]) == 1
    assert s["bullets"][0]["citations"] == [
        {"article_id": 1, "sentence": "S", "outlet": "Outlet 1", "url": "https://a.example/1"}
    ]
    lead = view.summary_view(None, cards)
    assert lead["kind"] == "lead" and lead["lead"]["text"] == "Lead text."


def test_charts_escape_labels_and_describe_numbers() -> None:
    bar = str(charts.bias_bar("b", {"left": 0.5, "center": 0.25, "right": 0.25}))
    assert 'role="img"' in bar and "Left 50%, Center 25%, Right 25%" in bar
    assert "no rated outlets yet" in str(charts.bias_bar("b", {"left": None}))
    bars = str(charts.hbars("h", "T", [("<b>x</b>", 2)]))
    assert "<b>x" not in bars and "&lt;b&gt;x&lt;/b&gt;: 2" in bars
    assert str(charts.timeline("t", [])) == ""
    assert "2026-01-01: Left 2" in str(charts.timeline("t", [("2026-01-01", "left", 2)]))


@pytest.mark.parametrize(
    "value, expected",
    [("2021-08-04T17:30:00", "AUG 4, 2021"), (None, "date unknown"), ("x", "date unknown")],
)
def test_dateline_day(value: str | None, expected: str) -> None:
    assert day(value) == expected


def test_side_colors_default_and_override() -> None:
    s = load_settings(env={}, cli={"side_colors": "left=#123456"})
    assert side_colors(s) == {"left": "#123456", "center": "#6b6b6b", "right": "#c0392b"}
