"""Country and language names of the source tables -> ISO codes (build time, via pycountry).

The tables spell countries many ways ("usa", "United States of America", "People's Republic
of China") and ABYZ gives a state or province instead of a country for large countries
("Illinois", "Ontario"). Lookups are cached; an unknown name gives None, never a guess.
"""

from __future__ import annotations

from functools import lru_cache

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


@lru_cache(maxsize=4096)
def country_code(name: str | None) -> str | None:
    """ISO 3166-1 alpha-2 for a country (or state/province) name, else None."""
    if not name:
        return None
    text = " ".join(name.strip().lower().split())
    if text in OVERRIDES:
        return OVERRIDES[text]
    if len(text) == 2 and text.isalpha():
        return text.upper()
    pc = _pycountry()
    try:
        return str(pc.countries.lookup(text).alpha_2)
    except LookupError:
        pass
    try:
        return str(pc.subdivisions.lookup(text).country_code)
    except LookupError:
        return None


@lru_cache(maxsize=1024)
def language_code(name: str | None) -> str | None:
    """ISO 639-1 for a language name ("Spanish", "Modern Greek"), else None."""
    if not name:
        return None
    text = name.strip()
    if len(text) == 2 and text.isalpha():
        return text.lower()
    text = text.split("(")[0].split(",")[0].split("/")[0].strip()
    pc = _pycountry()
    for candidate in (text, text.removeprefix("Modern ").strip()):
        try:
            lang = pc.languages.lookup(candidate)
        except LookupError:
            continue
        return getattr(lang, "alpha_2", None)
    return None
