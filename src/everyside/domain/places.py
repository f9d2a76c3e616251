"""Where a story happens: place names found in titles and texts, matched against the bundled
gazetteer (countries, demonyms, capitals, US states and cities, Washington, D.C. and the federal
institutions that imply it), with the covering outlets' countries as the fallback. Pure and
deterministic; no language model.

Matching is case-sensitive on whole words, longest name first ("New York" before "York"), so
"turkey" (the bird) and "us" (the pronoun) never match. Evidence is weighed by position: a
headline or an all-caps dateline ("WASHINGTON (AP) —") counts 3, the lead 2, the rest of the
text 1, once per article (once per outlet when outlets are given). A place needs that weight
from more than one article (outlet). Names that are also personal names ("Lisa Monaco", "Jim
Jordan", "George Washington") do not count inside a person name, nor anywhere else in that
article. "Washington" alone is the capital; the state is
"Washington State", "state of Washington" or one of its cities. The White House, Congress and
the like imply Washington, D.C. only when no more specific place qualifies. When in doubt the
answer is the country alone: a wrong state is worse than none.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from everyside.domain.gazetteer import COUNTRIES, DC_NAMES, FEDERAL, US_CITIES, US_STATES


def _words(*lines: str) -> frozenset[str]:
    return frozenset(" ".join(lines).split())


PERSON_LIKE = _words(
    "Jordan Chad Georgia Israel Lincoln Santiago Lima Monaco Washington Virginia Carolina "
    "Houston Austin Dallas Phoenix Victoria Paris Florence Sydney Orlando Denver Madison Cuba "
    "India Kenya Jackson Charlotte Columbus Cleveland Tyler Regina",
)
NOT_FIRST_NAMES = _words(
    "The A An In On At For And But Of From To By With As North South East West Northern "
    "Southern Eastern Western Central Upstate Downstate Rural Greater Democratic Republican "
    "Democrats Republicans GOP State Federal US U.S. New Old Nation Across Says Said After "
    "Inside Outside Watch Why How What When Where Breaking Exclusive Opinion",
)
ORG_AFTER_WASHINGTON = re.compile(r"\s+[A-Z][a-z]")  # "Washington Post", "Washington Examiner"
DATELINE = re.compile(r"^\s*([A-Z][A-Z.'\- ]+?[A-Z.])\s*(?:,[^—(\n]{0,30})?\s*(?:\(|—|–|--)")
TITLE_WEIGHT = 3  # a headline or dateline mention
LEAD_WEIGHT = 2  # a mention in the first LEAD_CHARS of the text
LEAD_CHARS = 400
TEXT_CHARS = 3000  # leads say where; the long tail of an article adds noise
MIN_SHARE = 0.3  # a country must be named by this share of the story's articles
MIN_ARTICLES = 2  # ... and by at least two articles when the story has two or more
PLACE_WEIGHT = 5  # a specific place needs this weight (a title, or leads of two articles + 1)
MAX_DOCS = 60  # a big story's first 60 articles (by id) are enough to place it
DC = "Washington, D.C."


@dataclass(frozen=True)
class Place:
    country: str  # ISO 3166-1 alpha-2
    name: str  # the specific place (state, capital, city) or the country's display name
    specific: bool  # True for a state/city/capital, False for a country/demonym
    federal: bool = False  # a US federal institution: implies Washington, D.C. only weakly


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
    for name in DC_NAMES.split(";"):
        names[name] = Place("US", DC, True)
    for name in FEDERAL.split(";"):
        names[name] = Place("US", DC, True, federal=True)
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    pattern = re.compile(rf"(?<![\w.])(?=[A-Z]|state )({alternatives})(?![\w])")
    return names, display, pattern


def country_name(code: str | None) -> str:
    """Display name of an ISO code ("US" -> "United States"); the code itself if unknown."""
    if not code:
        return "Unknown"
    return _tables()[1].get(code.upper(), code.upper())


def country_code(text: str | None) -> str | None:
    """The ISO code of a country given by code ("gb"), name or another name of the gazetteer
    ("United Kingdom", "Britain", "British"; any case), else None (cities and states are not
    countries)."""
    if not text or not text.strip():
        return None
    t = " ".join(text.split())
    if len(t) == 2 and t.isalpha() and t.upper() in _tables()[1]:
        return t.upper()
    folded = t.casefold()
    for code, name in _tables()[1].items():
        if name.casefold() == folded:
            return code
    for name, place in _tables()[0].items():
        if not place.specific and name.casefold() == folded:
            return place.country
    return None


def find_places(text: str | None) -> list[Place]:
    """Every gazetteer place named in `text`, in order of appearance.

    A person-like name ("Monaco", "Jordan") inside a person name is dropped, and so are its
    other mentions in the same text ("Lisa Monaco ... Monaco said").
    """
    if not text:
        return []
    names, _, pattern = _tables()
    hits = [(m.group(1), m.start(), m.end()) for m in pattern.finditer(text)]
    persons = {w for w, s, e in hits if w in PERSON_LIKE and _in_person_name(text, s, e)}
    found = []
    for word, _start, end in hits:
        if word in persons:
            continue
        if word == "Washington" and ORG_AFTER_WASHINGTON.match(text, end):
            continue
        found.append(names[word])
    return found


def _in_person_name(text: str, start: int, end: int) -> bool:
    before = text[:start]
    if not before.endswith(" "):  # no space: part of a longer token or line start
        return False
    prev = before.rstrip().rsplit(None, 1)[-1] if before.strip() else ""
    if not prev or not prev[0].isupper() or prev in NOT_FIRST_NAMES:
        return False
    return prev.isalpha() or (len(prev) == 2 and prev.endswith("."))  # "Lisa", "J."


def dateline(text: str | None) -> list[Place]:
    """The place of an all-caps dateline opening the text ("NEW YORK (AP) —"), if any."""
    m = DATELINE.match(text or "")
    if not m:
        return []
    return find_places(m.group(1).title())  # "NEW YORK" -> "New York", "D.C." stays


def _evidence(title: str | None, text: str | None) -> dict[Place, int]:
    """One article's weight per place: the strongest position it is named in."""
    body = (text or "")[:TEXT_CHARS]
    weight: dict[Place, int] = {}
    for places, w in (
        (find_places(body[LEAD_CHARS:]), 1),
        (find_places(body[:LEAD_CHARS]), LEAD_WEIGHT),
        (find_places(title) + dateline(text), TITLE_WEIGHT),
    ):
        for p in places:
            weight[p] = max(weight.get(p, 0), w)
    return weight


def locate(
    docs: Sequence[tuple[str | None, str | None]],
    outlet_countries: Sequence[str | None],
    doc_outlets: Sequence[str] | None = None,
) -> dict[str, Any] | None:
    """The story's location: the country (and best supported specific place) the articles name.

    `doc_outlets` (the outlet of each doc, optional) makes support count outlets rather than
    articles: an outlet's several articles give one vote, its strongest. Falls back to the
    countries of the covering outlets when no place is named by enough of the sources.
    """
    docs = docs[:MAX_DOCS]
    keys: list[object] = list(doc_outlets[: len(docs)]) if doc_outlets else []
    keys += list(range(len(keys), len(docs)))  # docs without an outlet count alone
    articles: Counter[str] = Counter()
    sources: dict[object, dict[Place, int]] = {}
    for key, (title, text) in zip(keys, docs, strict=True):
        evidence = _evidence(title, text)
        articles.update({p.country for p in evidence})
        merged = sources.setdefault(key, {})
        for p, w in evidence.items():
            merged[p] = max(merged.get(p, 0), w)
    weights: Counter[str] = Counter()
    support: Counter[str] = Counter()
    specific: dict[tuple[str, str, bool], list[int]] = defaultdict(list)
    for evidence in sources.values():
        for code in {p.country for p in evidence}:
            support[code] += 1
            weights[code] += max(w for p, w in evidence.items() if p.country == code)
        for p, w in evidence.items():
            if p.specific:
                specific[(p.country, p.name, p.federal)].append(w)
    n = len(sources)
    need = max(min(MIN_ARTICLES, n), MIN_SHARE * n)
    ranked = sorted(weights, key=lambda c: (-weights[c], -support[c], c))
    if ranked and support[ranked[0]] >= need:
        code = ranked[0]
        return _location(code, _best_place(specific, code, need, n), "text", articles[code])
    known = Counter(c for c in outlet_countries if c)
    if not known:
        return None
    code = sorted(known, key=lambda c: (-known[c], c))[0]
    return _location(code, None, "outlets", 0)


def _best_place(
    specific: dict[tuple[str, str, bool], list[int]], code: str, need: float, n_docs: int
) -> str | None:
    """The best supported specific place of `code`; federal institutions only as a last resort."""
    enough = max(PLACE_WEIGHT, n_docs) if n_docs > 1 else TITLE_WEIGHT
    scored: dict[tuple[bool, str], int] = {}
    for (country, name, federal), ws in specific.items():
        if country == code and len(ws) >= need and sum(ws) >= enough:
            key = (federal, name)
            scored[key] = max(scored.get(key, 0), sum(ws))
    direct = {name: s for (federal, name), s in scored.items() if not federal}
    if direct:
        return sorted(direct, key=lambda n: (-direct[n], n))[0]
    return DC if (True, DC) in scored else None


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
