"""coverage_service on a real database (SQLite and PostgreSQL): hand-built outlets, ratings,
ownership, stories and articles in; coverage rows, blindspots, similar stories, outlet
profiles and reading history out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, insert, select

from everyside.services import coverage as cs
from everyside.services import read
from everyside.settings import load_settings
from everyside.store import Store
from everyside.store import schema as t

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 3, 1, 6, 0)  # naive UTC, as the store keeps times

# domain, bias, factuality, country, owner category
OUTLETS = [
    ("left1.com", -2.0, 3.0, "US", "Corporation"),
    ("left2.com", -1.0, 4.0, "US", None),
    ("center1.com", 0.0, 4.0, "US", "Independent"),
    ("right1.com", 2.0, 1.0, "US", "Wealthy Individual"),
    ("right2.com", 1.2, 2.0, "GB", None),
    ("right3.com", 3.0, 0.0, "US", None),
    ("unrated.com", None, None, None, None),
]


def _seed(conn: Connection) -> dict[str, int]:
    ids: dict[str, int] = {}
    rater = conn.execute(
        insert(t.raters).values(name="testrater", title="Test Rater").returning(t.raters.c.id)
    ).scalar_one()
    for dom, bias, fact, country, cat in OUTLETS:
        oid = conn.execute(
            insert(t.outlets)
            .values(
                domain=dom,
                name=dom.split(".")[0].title(),
                country=country,
                bias=bias,
                bias_spread=0.0 if bias is not None else None,
                factuality=fact,
                created_at=T0,
                updated_at=T0,
                estimated_bias=1.5 if bias is None else None,
                estimated_bias_method="co-coverage" if bias is None else None,
            )
            .returning(t.outlets.c.id)
        ).scalar_one()
        ids[dom] = oid
        if bias is not None:
            conn.execute(
                insert(t.ratings).values(
                    rater_id=rater,
                    outlet_id=oid,
                    axis="bias",
                    raw=str(bias),
                    value=bias,
                    provenance="test",
                )
            )
        if cat:
            conn.execute(
                insert(t.ownership).values(
                    outlet_id=oid, owner=f"{dom} owner", category=cat, provenance="test"
                )
            )
    return ids


def _story(conn: Connection, ids: dict[str, int], headline: str, members: list[tuple]) -> int:
    sid = conn.execute(
        insert(t.stories)
        .values(
            headline=headline,
            article_count=len(members),
            outlet_count=len({m[0] for m in members}),
            created_at=T0,
            updated_at=T0,
            last_published_at=T0,
        )
        .returning(t.stories.c.id)
    ).scalar_one()
    for n, (dom, title, text, hours) in enumerate(members):
        conn.execute(
            insert(t.articles).values(
                key=f"https://{dom}/{sid}/{n}",
                url=f"https://{dom}/{sid}/{n}",
                outlet_id=ids[dom],
                domain=dom,
                title=title,
                text=text,
                published_at=T0 + timedelta(hours=hours),
                fetched_at=T0 + timedelta(hours=hours, minutes=5),
                story_id=sid,
                created_at=T0,
                updated_at=T0,
            )
        )
    return sid


@pytest.fixture
def seeded(store: Store) -> tuple[Store, dict[str, Any]]:
    def seed(conn: Connection) -> dict[str, Any]:
        ids = _seed(conn)
        balanced = _story(
            conn,
            ids,
            "Senate passes budget",
            [
                ("left1.com", "Senate passes budget", "Joe Biden praised the Senate vote.", 2),
                ("center1.com", "Budget clears Senate", "Joe Biden welcomed the budget vote.", 1),
                ("right1.com", "Senate budget vote", "Joe Biden and the Senate budget deal.", 3),
                ("unrated.com", "Budget passes", "Joe Biden budget Senate vote.", 4),
            ],
        )
        spot = _story(
            conn,
            ids,
            "Border wall funding in Texas",
            [
                ("right1.com", "Texas border wall", "Greg Abbott funds the Texas border wall.", 1),
                (
                    "right2.com",
                    "Abbott wall funding",
                    "Greg Abbott signs Texas border wall funds.",
                    2,
                ),
                ("right3.com", "Wall money in Texas", "Greg Abbott Texas border wall plan.", 3),
                ("center1.com", "Texas wall funds", "Greg Abbott approved border wall money.", 4),
                ("left2.com", "Texas wall", "Greg Abbott border wall spending in Texas.", 5),
            ],
        )
        similar = _story(
            conn,
            ids,
            "Senate budget reaction",
            [
                ("left2.com", "Budget reaction", "Joe Biden on the Senate budget.", 1),
                ("right2.com", "Reaction to budget", "Joe Biden hails Senate budget.", 2),
            ],
        )
        return {"ids": ids, "balanced": balanced, "spot": spot, "similar": similar}

    return store, store.write(seed)


def _settings(**kw: Any) -> Any:
    return load_settings(env={}, cli={"blindspot_min_rated": 5, **kw})


def test_update_and_get_coverage(seeded: tuple[Store, dict[str, Any]]) -> None:
    store, s = seeded
    assert cs.update_coverage(store, _settings(), [s["balanced"], s["spot"]], NOW) == 2
    with store.read() as conn:
        doc = cs.get_coverage(conn, s["balanced"])
        row = conn.execute(select(t.coverage).where(t.coverage.c.story_id == s["spot"])).one()
        missing = cs.get_coverage(conn, s["similar"])  # not asked: incremental
    assert doc is not None
    assert doc["sources"] == {
        "total": 4,
        "rated": 3,
        "unrated": 1,
        "estimated": 1,
        "articles": 4,
        "original_articles": 4,
        "copies": 0,
    }
    assert doc["bias"]["by_outlet"]["counts"] == {"left": 1, "center": 1, "right": 1}
    assert doc["estimated_bias"]["counts"] == {"left": 0, "center": 0, "right": 1}
    assert doc["broke_the_news"]["outlet"] == "center1.com"
    assert doc["ownership"]["counts"]["Corporation"] == 1
    assert missing is None
    # the spot story: 5 rated, 1 left of 5 = 20% <= 20% -> left missed it
    assert (row.outlets, row.rated_outlets, row.blindspot) == (5, 5, "left")
    assert row.right_share == pytest.approx(0.6)
    assert row.country == "US" and row.data["location"]["place"] == "Texas"
    assert "Greg Abbott" in row.topics


def test_blindspot_settings_and_listing(seeded: tuple[Store, dict[str, Any]]) -> None:
    store, s = seeded
    spots = read.StoryFilter(blindspot="any")
    cs.update_coverage(store, _settings(blindspot_threshold=0.1), None, NOW)
    with store.read() as conn:
        assert read.list_stories(conn, spots) == []
    cs.update_coverage(store, _settings(), None, NOW)
    with store.read() as conn:
        found = read.list_stories(conn, spots)
        assert read.list_stories(conn, read.StoryFilter(blindspot="right")) == []
        listed = read.list_stories(conn, read.StoryFilter(), limit=10)
        doc = cs.get_coverage(conn, s["spot"])
    assert [b["id"] for b in found] == [s["spot"]] and found[0]["blindspot"] == "left"
    spot = doc["blindspot"]
    assert spot["covered_by"] == "right" and spot["missing_share"] == 0.2
    assert spot["covering_factuality"] == pytest.approx(1.0)
    assert {x["id"] for x in listed} == {s["balanced"], s["spot"], s["similar"]}


def test_similar_stories(seeded: tuple[Store, dict[str, Any]]) -> None:
    store, s = seeded
    cs.update_coverage(store, _settings(), None, NOW)
    with store.read() as conn:
        story = read.get_story(conn, s["balanced"])
        assert story is not None
        sim = read.similar(conn, story, limit=3)
    assert sim and sim[0]["id"] == s["similar"]
    assert all(x["id"] != s["spot"] for x in sim)


def test_outlet_profile(seeded: tuple[Store, dict[str, Any]]) -> None:
    store, s = seeded
    with store.read() as conn:
        prof = cs.outlet_profile(conn, "www.RIGHT1.com")
        est = cs.outlet_profile(conn, "unrated.com")
        none = cs.outlet_profile(conn, "nowhere.example")
    assert prof is not None and none is None
    assert prof["bias"]["value"] == 2.0 and prof["bias"]["tier"] == "Right"
    assert prof["ratings"][0]["rater"] == "testrater" and prof["ratings"][0]["raw"] == "2.0"
    assert prof["owner_category"] == "Wealthy Individual"
    assert prof["articles"] == {"total": 2, "original": 2, "copies": 0, "original_share": 1.0}
    assert len(prof["recent_articles"]) == 2
    assert est is not None and est["bias"]["value"] is None
    assert est["estimated_bias"]["label"] == "estimated"


def test_reading_history(seeded: tuple[Store, dict[str, Any]]) -> None:
    store, s = seeded
    cs.update_coverage(store, _settings(), None, NOW)
    with store.read() as conn:
        left_ids = (
            conn.execute(
                select(t.articles.c.id).where(
                    t.articles.c.domain.in_(["left1.com", "left2.com"]),
                    t.articles.c.story_id != s["spot"],
                )
            )
            .scalars()
            .all()
        )
        prof = read.reading_history(conn, article_ids=left_ids)
        empty = read.reading_history(conn)
    assert prof["side"]["weights"]["left"] == len(left_ids)
    assert prof["leaning"] == "left"
    assert [m["story_id"] for m in prof["missed"]] == [s["spot"]]
    assert empty["reads"] == 0 and empty["missed"] == []


def test_story_without_articles_loses_coverage(seeded: tuple[Store, dict[str, Any]]) -> None:
    store, s = seeded
    with store.read() as conn:
        assert cs.stale_story_ids(conn) == sorted([s["balanced"], s["spot"], s["similar"]])
    cs.update_coverage(store, _settings(), None, NOW)
    with store.read() as conn:
        assert cs.stale_story_ids(conn) == []
    store.write(
        lambda c: c.execute(
            t.articles.update().where(t.articles.c.story_id == s["similar"]).values(story_id=None)
        )
    )
    assert cs.update_coverage(store, _settings(), [s["similar"]], NOW) == 0
    with store.read() as conn:
        assert cs.get_coverage(conn, s["similar"]) is None
        assert s["similar"] not in cs.stale_story_ids(conn)
