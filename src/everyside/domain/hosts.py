"""Normalising hosts and outlet names, shared by the compiler and the matcher.

`host_of` turns a URL, a host or a domain (any case, with port, user info, trailing dot,
punycode or `www.`) into the lower-case Unicode host the directory is keyed by, or "" when the
text holds no plausible host. `name_key` folds an outlet name for name matching. Both are pure
and cheap: the matcher calls them for every lookup. `tld_country` guesses a country from a
country-code top-level domain (the compiler and the estimated lean use it).
"""

from __future__ import annotations

import re
import unicodedata

_WWW = re.compile(r"^(?:www\d{0,3}|m|mobile|amp)\.")
_HOST_OK = re.compile(r"^[^\s/@:?#\[\]]+\.[^\s/@:?#\[\]]+$")


def _decode_idna(host: str) -> str:
    if "xn--" not in host:
        return host
    try:
        return host.encode("ascii").decode("idna")
    except (UnicodeError, ValueError):
        return host


def netloc_of(text: str) -> str:
    """The authority part of a URL (`user@Host:port`), or the text up to its first `/?#`."""
    s = text.strip()
    i = s.find("://")
    if i >= 0:
        s = s[i + 3 :]
    elif s.startswith("//"):
        s = s[2:]
    for sep in "/?#":
        j = s.find(sep)
        if j >= 0:
            s = s[:j]
    return s


def host_of(text: str) -> str:
    """The directory key host of a URL/host/domain, or "" if there is none."""
    if not isinstance(text, str):
        return ""
    s = netloc_of(text).lower().rsplit("@", 1)[-1]
    if not s:
        return ""
    if s.startswith("["):  # IPv6 literal: not an outlet
        return ""
    s = s.split(":", 1)[0].strip(".")
    s = _decode_idna(s)
    while True:
        stripped = _WWW.sub("", s, count=1)
        if stripped == s or "." not in stripped:
            break
        s = stripped
    if not _HOST_OK.match(s) or s.replace(".", "").isdigit():
        return ""
    return s


def parents(host: str) -> list[str]:
    """`a.b.c.com` -> [`a.b.c.com`, `b.c.com`, `c.com`] (never a single label)."""
    out = [host]
    while host.count(".") > 1:
        host = host.split(".", 1)[1]
        out.append(host)
    return out


_PARENS = re.compile(r"\([^)]*\)")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_DROP = ("the ",)


def name_key(name: str) -> str:
    """Fold a name for matching: `The New York Times (News)` -> `newyorktimes`."""
    if not name:
        return ""
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    s = _PARENS.sub(" ", s)
    s = re.sub(r"\.(com|org|net|co\.uk)\b", " ", s)
    s = " " + _NON_WORD.sub(" ", s).strip() + " "
    for word in _DROP:
        s = s.replace(" " + word, " ")
    return s.replace(" ", "")


# ccTLDs sold as generic names (.tv, .io, .co ...) say nothing about where an outlet is.
GENERIC_CCTLDS = frozenset(
    [
        "ac",
        "ad",
        "ag",
        "ai",
        "am",
        "as",
        "bz",
        "cc",
        "cd",
        "co",
        "cx",
        "dj",
        "fm",
        "gg",
        "gl",
        "gs",
        "im",
        "io",
        "je",
        "la",
        "ly",
        "me",
        "ms",
        "mu",
        "nu",
        "pw",
        "sh",
        "so",
        "st",
        "tk",
        "to",
        "tv",
        "vc",
        "ws",
    ]
)


def tld_country(domain: str) -> str | None:
    """The country of a domain's ccTLD (`news.ro` -> RO, `bbc.co.uk` -> GB); None for generic
    ones (.com, .tv, .io ...) and for .eu and .su. A guess from the name alone (no lookup of
    whether the code is assigned): the estimates use it for outlets the directory does not
    place."""
    tld = domain.rsplit(".", 1)[-1].lower()
    if len(tld) != 2 or not tld.isalpha() or tld in GENERIC_CCTLDS or tld in ("eu", "su"):
        return None
    return "GB" if tld == "uk" else tld.upper()
