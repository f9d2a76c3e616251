"""The bundled feed list (registry/data/feeds.csv) is well-formed and wide enough."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import pytest

from everyside.domain.model import Side, bias_side
from everyside.domain.urls import canonicalize_url
from everyside.ingest import bundled_feed_rows

_LANGS = """ar bg bn ca cs da de el en es et fa fi fr he hi hr hu id it ja ko lt lv ms nl no pl pt
ro ru sk sl sr sv th tr uk ur vi zh"""
_COUNTRIES = """AE AR AT AU BD BE BR CA CG CH CL CN CO CZ DE DK EG ES FI FR GB GH GR HK HU ID IE IL
IN IR IT JP KE KR LV MX MY NG NL NO NZ PE PH PK PL PT QA RO RU SA SE SG TH TR TW UA US VN ZA"""
ISO_LANGS = set(_LANGS.split())
ISO_COUNTRIES = set(_COUNTRIES.split())


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return bundled_feed_rows()


def test_columns_and_values(rows: list[dict[str, str]]) -> None:
    assert rows and list(rows[0]) == ["domain", "url", "title", "language", "country"]
    for r in rows:
        parts = urlsplit(r["url"])
        assert parts.scheme in ("http", "https") and parts.hostname, r
        canonicalize_url(r["url"])  # parses
        assert r["domain"] == r["domain"].strip().lower() and "." in r["domain"], r
        assert r["language"] in ISO_LANGS, r
        assert r["country"] in ISO_COUNTRIES, r
        assert r["title"].strip(), r


def test_no_duplicates(rows: list[dict[str, str]]) -> None:
    urls = Counter(r["url"] for r in rows)
    assert [u for u, n in urls.items() if n > 1] == []
    keys = Counter(canonicalize_url(r["url"]) for r in rows)
    assert [u for u, n in keys.items() if n > 1] == []


def test_breadth(rows: list[dict[str, str]]) -> None:
    assert len({r["domain"] for r in rows}) >= 300
    assert len({r["country"] for r in rows}) >= 15
    assert len({r["language"] for r in rows}) >= 15


def test_domains_are_directory_outlets_and_sides_are_spread(rows: list[dict[str, str]]) -> None:
    from everyside.registry import load_directory

    directory = load_directory()
    sides: Counter[Side] = Counter()
    for domain in sorted({r["domain"] for r in rows}):
        outlet = directory.match(domain)
        assert outlet is not None, f"{domain} is not in the bundled directory"
        mean, _spread = directory.bias(outlet)
        if mean is not None:
            sides[bias_side(mean)] += 1
    assert min(sides[Side.LEFT], sides[Side.CENTER], sides[Side.RIGHT]) >= 30, sides
