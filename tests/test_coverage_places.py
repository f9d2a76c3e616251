"""Table-driven tests of the story location rules (domain/places.py): person names that are
also places, Washington D.C. versus Washington State, datelines, federal institutions as a
last resort, multi-article support and headline weight."""

from __future__ import annotations

import pytest

from everyside.domain.places import dateline, find_places, locate

DC = "Washington, D.C."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Deputy Attorney General Lisa Monaco said. Monaco added", []),
        ("The Grand Prix in Monaco", [("MC", "Monaco")]),
        ("George Washington slept here", []),
        ("Lawmakers in Washington argued", [("US", DC)]),
        ("The Washington Post reported", []),
        ("Fires in Washington state and Seattle", [("US", "Washington State")] * 2),
        ("Sen. Jon Ossoff of Georgia said", [("US", "Georgia")]),
        ("Atlanta, Georgia votes", [("US", "Georgia"), ("US", "Georgia")]),
        ("The Georgia law and Southern California", [("US", "Georgia"), ("US", "California")]),
        ("J. Jordan spoke in Amman", [("JO", "Amman")]),
        ("The White House and Congress", [("US", DC), ("US", DC)]),
    ],
)
def test_find_places(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(p.country, p.name) for p in find_places(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WASHINGTON (AP) — The Senate voted", [DC]),
        ("NEW YORK — Stocks fell", ["New York"]),
        ("TULSA, Okla. (AP) — Survivors", ["Oklahoma"]),
        ("The Senate voted", []),
        (None, []),
    ],
)
def test_dateline(text: str | None, expected: list[str]) -> None:
    assert [p.name for p in dateline(text)] == expected


def us(*docs: tuple[str, str]) -> str | None:
    loc = locate(list(docs), ["US"] * len(docs))
    return None if loc is None else str(loc["label"])


CASES = [
    # one article's body alone never places a story
    (
        [("Senate votes", "In Iraq, troops wait."), ("Bill passes", "x"), ("Vote", "y")],
        "United States",
    ),
    # a state in two headlines beats the Capitol; the Capitol alone gives D.C.
    (
        [("Ohio primary", "The Senate race."), ("Ohio votes", "Capitol Hill"), ("Vote", "z")],
        "Ohio, United States",
    ),
    (
        [("Senate passes bill", "The Senate voted."), ("Senate vote", "In Congress today.")],
        "Washington, D.C., United States",
    ),
    # a home state named in two bodies is not the story's place
    (
        [
            ("Pelosi rejects picks", "x " * 300 + "Rep. Jim Banks of Indiana"),
            ("Committee fight", "y " * 300 + "Banks (R-Indiana) said"),
            ("Panel", "z"),
        ],
        "United States",
    ),
    # a person named like a place
    (
        [("Watchdog probe", "Lisa Monaco said."), ("IG probe", "Lisa Monaco, deputy")],
        "United States",
    ),
]


@pytest.mark.parametrize(("docs", "label"), CASES)
def test_locate(docs: list[tuple[str, str]], label: str) -> None:
    assert us(*docs) == label


def test_one_outlet_is_one_vote() -> None:
    docs = [("Ohio primary", "x"), ("Ohio vote", "y"), ("Budget", "z"), ("Budget talks", "w")]
    by_article = locate(docs, ["US"] * 4)
    by_outlet = locate(docs, ["US"] * 4, ["a.com", "a.com", "b.com", "c.com"])
    assert by_article is not None and by_article["place"] == "Ohio"
    assert by_outlet is not None and by_outlet["place"] is None
    two_outlets = locate(docs, ["US"] * 4, ["a.com", "b.com", "b.com", "c.com"])
    assert two_outlets is not None and two_outlets["place"] == "Ohio"
