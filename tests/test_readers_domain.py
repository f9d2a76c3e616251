"""The pure parts of readers: My News Bias windows and own blindspots, the For You ranking and
its "why shown" line, followed-story alerts, signed tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from everyside.domain.readers import alerts, ranking, tokens
from everyside.domain.readers.bias import Read, dashboard

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
LEFT = {"domain": "l.example", "name": "L", "side": "left", "factuality_tier": "High"}
RIGHT = {"domain": "r.example", "name": "R", "side": "right", "factuality_tier": "Mixed"}


def test_windows_count_only_their_reads_and_own_blindspots() -> None:
    reads = [
        Read(NOW - timedelta(days=1), 1, ((1.0, LEFT),), article=True),
        Read(NOW - timedelta(days=20), 2, ((0.5, LEFT), (0.5, RIGHT))),
        Read(NOW - timedelta(days=200), 3, ((1.0, RIGHT),), article=True),
    ]
    d = dashboard(reads, {1: {"left", "right"}, 3: {"right"}}, NOW)
    assert d["7"]["events"] == 1 and d["7"]["side"]["shares"]["left"] == 1.0
    assert d["30"]["side"]["shares"] == {"left": 0.75, "right": 0.25, "center": 0.0}
    assert d["365"]["events"] == 3 and d["365"]["side"]["shares"]["left"] == 0.5
    assert d["7"]["own_blindspots"]["missed"] == {"left": 0, "center": 0, "right": 1}
    assert d["7"]["own_blindspots"]["sides_never_read"] == ["center", "right"]
    assert d["365"]["top_outlets"][0]["domain"] in ("l.example", "r.example")


def _story(i: int, **kw: object) -> dict:
    return {
        "id": i,
        "topics": [],
        "domains": [],
        "outlet_count": 3,
        "blindspot": None,
        "shares": {"left": 0.3, "center": 0.4, "right": 0.3},
        "last_published": NOW - timedelta(hours=2),
        **kw,
    }


def test_ranking_explains_every_reason() -> None:
    cands = [
        _story(1, outlet_count=40),
        _story(2, topics=["Economy"]),
        _story(3, domains=["r.example"]),
        _story(4, blindspot="left", shares={"left": 0.0, "center": 0.3, "right": 0.7}),
        _story(5),
    ]
    follows = ranking.Follows(
        topics=frozenset({"Economy"}), outlets=frozenset({"r.example"}), stories=frozenset({5})
    )
    taste = ranking.Taste(leaning="left", read_stories=frozenset({5}))
    out = ranking.rank(cands, follows, taste, NOW)
    whys = {o["story"]["id"]: o["why"] for o in out}
    assert whys[2] == "you follow Economy"
    assert whys[3] == "covered by r.example, which you follow"
    assert (
        "blindspot of your reading" in whys[4]
        and out[[o["story"]["id"] for o in out].index(4)]["highlight"]
    )
    assert whys[5] == "you follow this story; you read it already"
    assert whys[1] == "a top story"
    # personal reasons first; the top story without one comes last despite its 40 outlets
    assert out[-1]["story"]["id"] == 1


def test_alerts_fire_once_for_a_new_side() -> None:
    assert alerts.new_sides(None, {"left"}) == []  # first check records, no alert
    assert alerts.new_sides({"left", "center"}, {"left", "center", "right"}) == ["right"]
    assert alerts.new_sides({"left"}, {"left"}) == []
    assert alerts.decode(alerts.encode({"right", "left"})) == {"left", "right"}


def test_unsubscribe_tokens_are_bound_to_reader_address_and_list() -> None:
    key = b"secret" * 6
    tok = tokens.unsubscribe_token(key, 7, "a@example.org", "briefing")
    assert tokens.unsubscribe_valid(key, tok, "a@example.org")
    assert not tokens.unsubscribe_valid(b"other" * 6, tok, "a@example.org")
    assert not tokens.unsubscribe_valid(key, tok, "b@example.org")
    assert not tokens.unsubscribe_valid(key, tok.replace("briefing", "alerts"), "a@example.org")
    assert tokens.parse_unsubscribe("x.briefing.y") is None
    assert tokens.parse_unsubscribe("1" * 30 + ".briefing.y") is None
