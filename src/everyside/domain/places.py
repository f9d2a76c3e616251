"""Where a story happens: place names found in titles and texts, matched against the bundled
gazetteer (countries, demonyms, capitals, US states and big US cities), with the covering
outlets' countries as the fallback. Pure and deterministic; no language model.

Matching is case-sensitive on whole words, longest name first ("New York" before "York"), so
"turkey" (the bird) and "us" (the pronoun) never match. Names that are also common surnames
("Jordan", "Chad", "Georgia") do not count when a capitalised word precedes them ("Jim Jordan").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from everyside.domain.gazetteer import COUNTRIES, US_CITIES, US_STATES

SURNAME_LIKE = frozenset({"Jordan", "Chad", "Georgia", "Israel", "Lincoln", "Santiago", "Lima"})
TITLE_WEIGHT = 2  # a place in the headline counts twice a place in the text
TEXT_CHARS = 3000  # leads say where; the long tail of an article adds noise
MIN_SHARE = 0.3  # a place must be named by this share of the story's articles
PLACE_SHARE = 0.5  # a state/city must be named by half the articles to be the place
MAX_DOCS = 60  # a big story's first 60 articles (by id) are enough to place it


@dataclass(frozen=True)
class Place:
    country: str  # ISO 3166-1 alpha-2
    name: str  # the specific place (state, capital, city) or the country's display name
    specific: bool  # True for a state/city/capital, False for a country/demonym


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, Place], dict[str, str], re.Pattern[str]]:
    names: dict[str, Place] = {}
    display: dict[str, str] = {}
    for line in COUNTRIES.splitlines():
        code, name, others, capitals = line.split("|")
        display.setdefault(code, name.split(" (")[0])
        for alias in [name, *others.split(";")]:
            if alias and "(" not in alias:
                names[alias] = Place(code, display[code], False)
        for cap in capitals.split(";"):
            if cap:
                names.setdefault(cap, Place(code, cap, True))
    for state in US_STATES.split(";"):
        names[state] = Place("US", state, True)
    for pair in US_CITIES.split(";"):
        city, state = pair.split("=")
        names[city] = Place("US", state, True)
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    pattern = re.compile(rf"(?<![\w.])({alternatives})(?![\w])")
    return names, display, pattern


def country_name(code: str | None) -> str:
    """Display name of an ISO code ("US" -> "United States"); the code itself if unknown."""
    if not code:
        return "Unknown"
    return _tables()[1].get(code.upper(), code.upper())


def find_places(text: str | None) -> list[Place]:
    """Every gazetteer place named in `text`, in order of appearance."""
    if not text:
        return []
    names, _, pattern = _tables()
    found = []
    for m in pattern.finditer(text):
        word = m.group(1)
        if word in SURNAME_LIKE and _after_capitalised(text, m.start()):
            continue
        found.append(names[word])
    return found


def _after_capitalised(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    if len(before) == len(text[:start]):  # no space: part of a longer token
        return False
    prev = before.rsplit(None, 1)[-1] if before else ""
    return bool(prev) and prev[0].isupper() and not prev.endswith((".", ":", "!", "?"))


def locate(
    docs: Sequence[tuple[str | None, str | None]], outlet_countries: Sequence[str | None]
) -> dict[str, Any] | None:
    """The story's location: the country (and most named specific place) most articles name.

    Each article votes once per country (title mentions weigh double). Falls back to the
    countries of the covering outlets when no place is named by enough of the articles.
    """
    docs = docs[:MAX_DOCS]
    weights: Counter[str] = Counter()
    articles: Counter[str] = Counter()
    specific: Counter[tuple[str, str]] = Counter()
    for title, text in docs:
        in_title = find_places(title)
        in_text = find_places((text or "")[:TEXT_CHARS])
        for code in {p.country for p in in_title + in_text}:
            articles[code] += 1
            weights[code] += TITLE_WEIGHT if any(p.country == code for p in in_title) else 1
        for p in {p for p in in_title + in_text if p.specific}:
            specific[(p.country, p.name)] += 1
    need = max(1.0, MIN_SHARE * len(docs))
    ranked = sorted(weights, key=lambda c: (-weights[c], -articles[c], c))
    if ranked and articles[ranked[0]] >= need:
        code = ranked[0]
        place_need = max(need, PLACE_SHARE * len(docs))
        places = sorted(
            ((n, name) for (c, name), n in specific.items() if c == code and n >= place_need),
            key=lambda x: (-x[0], x[1]),
        )
        place = places[0][1] if places else None
        return _location(code, place, "text", articles[code])
    known = Counter(c for c in outlet_countries if c)
    if not known:
        return None
    code = sorted(known, key=lambda c: (-known[c], c))[0]
    return _location(code, None, "outlets", 0)


def _location(code: str, place: str | None, basis: str, articles: int) -> dict[str, Any]:
    name = country_name(code)
    return {
        "country": code,
        "country_name": name,
        "place": place,
        "label": f"{place}, {name}" if place and place != name else name,
        "basis": basis,
        "articles": articles,
    }
