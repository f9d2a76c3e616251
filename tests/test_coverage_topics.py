"""Table-driven tests of topic tags (domain/topics.py): whole names rather than fragments,
no month abbreviations or titles as tags, lower-case key phrases only."""

from __future__ import annotations

import pytest

from everyside.domain.topics import SLUG, entities, extract_topics, phrases, quality


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Officials at the Centers for Disease Control and Prevention said so.",
            {"Centers for Disease Control and Prevention"},
        ),
        ("Mayor Bill de Blasio said it.", {"Bill de Blasio"}),
        ("Senate Majority Leader Chuck Schumer spoke.", {"Chuck Schumer"}),
        ("The Justice Department sued.", {"Justice Department"}),
        ("On Oct. 1 the rule ends.", set()),
        ("Florida Gov. Ron DeSantis signed it.", {"Ron DeSantis"}),
        ("Biden and Trump met.", {"Trump"}),  # "Biden" starts the sentence; "and" joins nothing
        ("Then Republican Susan Wright lost.", {"Susan Wright"}),
        ("Georgia Secretary of State Brad Raffensperger said", {"Brad Raffensperger"}),
        (
            "The State Department and Democratic Party agreed.",
            {"State Department", "Democratic Party"},
        ),
    ],
)
def test_entities(text: str, expected: set[str]) -> None:
    assert entities(text) == expected


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("House Minority Leader Kevin McCarthy spoke", "leader kevin"),
        ("said the former president on Friday", "former president"),
        ("Germany’s Ahrweiler district flooded", "germany’s ahrweiler"),
        ("They met on Friday", "friday"),
    ],
)
def test_phrases_skip_names_and_titles(text: str, absent: str) -> None:
    assert absent not in phrases(text)


def test_full_name_wins_over_surname() -> None:
    docs = [
        ("Vaccine rule in NYC", "Mayor Bill de Blasio announced a vaccine mandate. Blasio said."),
        ("Mandate", "Bill de Blasio defended the vaccine mandate; Blasio added more."),
        ("NYC mandate", "Critics of Blasio questioned the vaccine mandate."),
    ]
    tags = [t["tag"] for t in extract_topics(docs)]
    assert "Bill de Blasio" in tags and "Blasio" not in tags
    assert "vaccine mandate" in tags


def test_surname_folds_into_full_name_seen_once() -> None:
    docs = [
        ("Biden speaks", "President Joe Biden said the plan works. Biden added more."),
        ("Plan", "Critics said Biden was wrong about the plan."),
        ("Plan", "The plan, Biden said, is ready."),
    ]
    tags = [t["tag"] for t in extract_topics(docs)]
    assert "Joe Biden" in tags and "Biden" not in tags


def test_institution_prefix_does_not_fold() -> None:
    docs = [
        ("Senate vote", "The Senate voted. Senate Republicans objected."),
        ("Senate passes", "The Senate passed it after a long debate."),
    ]
    tags = [t["tag"] for t in extract_topics(docs)]
    assert "Senate" in tags


def test_run_on_names_are_no_home() -> None:
    docs = [
        ("Wall", "Greg Abbott funds the wall in Texas."),
        ("Wall", "Greg Abbott Texas border wall plan."),
        ("Wall", "Greg Abbott spends on the wall in Texas."),
    ]
    tags = [t["tag"] for t in extract_topics(docs)]
    assert "Greg Abbott" in tags and "Texas" in tags and "Greg Abbott Texas" not in tags


@pytest.mark.parametrize(
    ("titles", "present", "absent"),
    [
        (
            [
                "Weak China data hits stocks",
                "Weak China data weighs",
                "Stocks fall on weak China data",
            ],
            "China",
            "Weak China",
        ),
        (
            ["UPDATE 3-Libyan navy attacks ship", "GLOBAL MARKETS-World stocks dip", "Stocks"],
            None,
            "GLOBAL MARKETS-World",
        ),
    ],
)
def test_headline_only_stories(titles: list[str], present: str | None, absent: str | None) -> None:
    tags = [t["tag"] for t in extract_topics([(t, None) for t in titles])]
    assert present is None or present in tags
    assert absent is None or absent not in tags


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("UPDATE 3-Libyan navy attacks", "Libyan navy attacks"),
        ("EXCLUSIVE-Bank cuts jobs", "Bank cuts jobs"),
        ("US-China talks resume", "US-China talks resume"),
        ("NATO-Russia council", "NATO-Russia council"),
        ("COVID-19 cases rise", "COVID-19 cases rise"),
    ],
)
def test_wire_slug(title: str, expected: str) -> None:
    assert SLUG.sub("", title) == expected


@pytest.mark.parametrize(
    "tag, ok",
    [
        ("Joe Biden", True),
        ("NATO", True),
        ("Centers for Disease Control and Prevention", True),
        ("MILLION Bitcoins", False),  # a quantity in capitals
        ("million", False),
        ("two dozen", False),
        ("Jos", False),  # a cut name
        ("Fla", False),  # an abbreviation
        ("J.D", False),
        ("I’m", False),
        ("MARY CLARE JALONICK", False),  # a byline
        ("ORIGINALLY PUBLISHED JANUARY", False),
        ("OCTOBER", False),
        ("COVID-19", False),
        ("2026 budget", False),
    ],
)
def test_topic_quality(tag: str, ok: bool) -> None:
    assert quality(tag) is ok


def test_a_topic_needs_two_outlets_not_two_articles() -> None:
    """An outlet's own recurring word ("Bitcoins" in its two articles) is not a topic; a name
    two outlets write is; tags differing only in case are one."""
    docs = [
        ("Bitcoin slides", "Traders sold Bitcoins as Jerome Powell spoke in Washington."),
        ("Bitcoin falls", "More Bitcoins were sold after Jerome Powell's remarks."),
        ("Markets", "Stocks fell as Jerome Powell warned about INFLATION and inflation."),
    ]
    tags = [t["tag"] for t in extract_topics(docs, ["a.example", "a.example", "b.example"])]
    assert "Jerome Powell" in tags and "Bitcoins" not in tags
    alone = [t["tag"] for t in extract_topics(docs[:2], ["a.example", "a.example"])]
    assert "Bitcoins" in alone  # one outlet: its own words are all there is
    assert not any(t.isupper() and len(t) > 6 for t in tags)
