"""Country and language names of the source tables -> ISO codes (build time, via pycountry).

The tables spell countries many ways ("usa", "United States of America", "People's Republic
of China") and ABYZ gives a state or province instead of a country for large countries
("Illinois", "Ontario"). Lookups are cached; an unknown name gives None, never a guess.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from everyside.domain.hosts import GENERIC_CCTLDS
from everyside.errors import EverysideError

OVERRIDES = {
    "usa": "US",
    "us": "US",
    "united states": "US",
    "united states of america": "US",
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "russia": "RU",
    "south korea": "KR",
    "north korea": "KP",
    "iran": "IR",
    "syria": "SY",
    "taiwan": "TW",
    "vietnam": "VN",
    "laos": "LA",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "palestine": "PS",
    "czech republic": "CZ",
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "macedonia": "MK",
    "people's republic of china": "CN",
    "kingdom of the netherlands": "NL",
    "kingdom of denmark": "DK",
    "state of palestine": "PS",
    "kosovo": "XK",
    "turkey": "TR",
    "the bahamas": "BS",
    "the gambia": "GM",
    "congo kinshasa": "CD",
    "congo brazzaville": "CG",
    "democratic republic of the congo": "CD",
    "republic of the congo": "CG",
    "east timor": "TL",
    "brunei": "BN",
    "micronesia": "FM",
    "washington dc": "US",
    "washington d.c.": "US",
    "district of columbia": "US",
    "puerto rico": "PR",
    "holy see vatican city": "VA",
    "congo democratic republic": "CD",
    "congo republic": "CG",
    "cote d ivoire": "CI",
    "korea south": "KR",
    "korea north": "KP",
    "kiev": "UA",
    "kyiv": "UA",
    "hong kong": "HK",
    "macau": "MO",
    "european union": None,
    "unknown": None,
    "": None,
    "international": None,
    "worldwide": None,
}


def _pycountry():  # type: ignore[no-untyped-def]
    try:
        import pycountry
    except ImportError as e:  # pragma: no cover - depends on the install
        raise EverysideError(
            "registry build needs pycountry: pip install 'everyside[build]'"
        ) from e
    return pycountry


def _fold(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.lower().replace("-", " ").replace(",", " ").split())


@lru_cache(maxsize=1)
def _places() -> dict[str, str]:
    """Folded subdivision, capital and big-city names -> country, when unambiguous."""
    from everyside.domain import gazetteer

    seen: dict[str, set[str]] = {}
    for sub in _pycountry().subdivisions:
        seen.setdefault(_fold(sub.name), set()).add(sub.country_code)
    for row in gazetteer.COUNTRIES.strip().splitlines():
        code, _name, _others, capitals = (row.split("|") + ["", "", ""])[:4]
        for capital in filter(None, capitals.split(";")):
            seen.setdefault(_fold(capital), set()).add(code)
    for pair in gazetteer.US_CITIES.replace("\\", "").split(";"):
        if "=" in pair:
            seen.setdefault(_fold(pair.split("=")[0]), set()).add("US")
    return {name: next(iter(codes)) for name, codes in seen.items() if len(codes) == 1}


@lru_cache(maxsize=4096)
def names_country(name: str | None) -> bool:
    """Whether `name` is a country itself (a code, a country name, "X National"), not a place
    in one ("Savannah" is a city in Georgia, US, and a region of Ghana)."""
    if not name:
        return False
    text = " ".join(name.strip().lower().split())
    if text in OVERRIDES or (len(text) == 2 and text.isalpha()):
        return True
    return any(_country(p.strip()) for p in text.removesuffix(" national").split(" - "))


@lru_cache(maxsize=4096)
def country_code(name: str | None) -> str | None:
    """ISO 3166-1 alpha-2 for a country, state/province, capital or big-city name, else None.

    Tried in order: overrides, a two-letter code, the country name ("X National" counts as X),
    each " - "-separated part as a country or an unambiguous place name (accents ignored).
    """
    if not name:
        return None
    text = " ".join(name.strip().lower().split())
    if text in OVERRIDES:
        return OVERRIDES[text]
    if len(text) == 2 and text.isalpha():
        return text.upper()
    for part in text.removesuffix(" national").split(" - "):
        found = _country(part.strip()) or _places().get(_fold(part))
        if found:
            return found
    return None


def _country(text: str) -> str | None:
    if text in OVERRIDES:
        return OVERRIDES[text]
    try:
        return str(_pycountry().countries.lookup(text).alpha_2)
    except LookupError:
        return None


def country_from_domain(domain: str) -> str | None:
    """The country of a domain's ccTLD (`lemonde.fr` -> FR, `bbc.co.uk` -> GB), else None."""
    tld = domain.rsplit(".", 1)[-1].lower()
    if len(tld) != 2 or tld in GENERIC_CCTLDS or not tld.isalpha():
        return None
    if tld == "uk":
        return "GB"
    if tld == "eu":
        return None
    try:
        return str(_pycountry().countries.get(alpha_2=tld.upper()).alpha_2)
    except (AttributeError, KeyError, LookupError):
        return None


LANGUAGE_OVERRIDES = {
    "greek": "el",
    "modern greek": "el",
    "dari": "fa",
    "swahili": "sw",
    "nepali": "ne",
    "punjabi": "pa",
    "malay": "ms",
    "simplified chinese": "zh",
    "traditional chinese": "zh",
    "montenegrin": "sr",
    "american english": "en",
    "british english": "en",
    "indian english": "en",
    "odia": "or",
    "bokmal": "nb",
    "bokmål": "nb",
    "nynorsk": "nn",
    "slovene": "sl",
    "gallegan": "gl",
    "sinhalese": "si",
    "kyrgyz": "ky",
    "valencian": "ca",
    "brazilian portuguese": "pt",
    "uyghur": "ug",
    "haitian creole": "ht",
    "sesotho": "st",
    "pashto": "ps",
    "filipino": "tl",
    "tongan": "to",
}


@lru_cache(maxsize=1024)
def language_code(name: str | None) -> str | None:
    """ISO 639-1 for a language name ("Spanish", "Modern Greek"), else None."""
    if not name:
        return None
    text = name.strip()
    if len(text) == 2 and text.isalpha():
        return text.lower()
    text = text.split("(")[0].split(",")[0].split("/")[0].strip()
    if text.lower() in LANGUAGE_OVERRIDES:
        return LANGUAGE_OVERRIDES[text.lower()]
    pc = _pycountry()
    for candidate in (text, text.removeprefix("Modern ").strip()):
        try:
            lang = pc.languages.lookup(candidate)
        except LookupError:
            continue
        return getattr(lang, "alpha_2", None)
    return None
