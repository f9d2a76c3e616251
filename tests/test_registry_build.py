"""The compiler: merging the source tables, provenance, name resolution, determinism."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from everyside.registry.build import build, compile_directory, dumps_outlets
from everyside.registry.directory import DATA_DIR, load_directory

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    o = tmp_path / "shared" / "outlets"
    _jsonl(
        o / "mbfc_mbfcext/mbfc_sources.jsonl",
        [
            {
                "domain": "cnn.com",
                "name": "CNN",
                "bias": "left-center",
                "factual_reporting": "mostly-factual",
            },
            {
                "domain": "foxnews.com",
                "name": "Fox News",
                "bias": "right",
                "factual_reporting": "mixed",
            },
            {
                "domain": "fake.example",
                "name": "Fake",
                "bias": "fake-news",
                "factual_reporting": "very-low",
            },
        ],
    )
    _csv(
        o / "media_reliability_idiap2024/mbfc/mbfc.csv",
        ["source", "country", "bias", "factual_reporting", "media_type"],
        [
            ["fake.example", "usa", "right conspiracy-pseudoscience", "very low", "website"],
            ["cnn.com", "usa (44/180 press freedom)", "left", "mixed", "tv station"],
        ],
    )
    _jsonl(
        o / "media_factuality_bias_baly/media.jsonl",
        [{"dataset": "emnlp18", "domain": "cnn.com", "factuality": "mixed", "bias": "left"}],
    )
    _csv(
        o / "us_news_domains/us-news-domains-v2.0.0.csv",
        ["domain", "ideology", "type"],
        [["cnn.com", "-0.1183", "national"], ["localpaper.com", "0.5", "local"]],
    )
    _csv(
        o / "us_news_domains/us-news-twitter-v1.0.0.csv",
        ["", "domain", "twitter_handle"],
        [["1", "foxnews.com", "FoxNews"]],
    )
    _csv(
        o / "allsides_ratings_2019/allsides_data.csv",
        ["news_source", "rating", "type", "twitter", "wiki"],
        [
            ["CNN (Web News)", "left-center", "News Media", "", ""],
            ["Fox Opinion", "right", "News Media", "https://twitter.com/FoxNews", ""],
            ["Someone", "right", "Author", "", ""],
            ["Unknown Outlet", "center", "News Media", "", ""],
        ],
    )
    _jsonl(
        o / "abyz_news_outlets/outlets.jsonl",
        [
            {
                "name": "CNN Arabic",
                "url": "http://arabic.cnn.com/",
                "domain": "arabic.cnn.com",
                "region": "Georgia",
                "scope": "foreign",
                "media_type": "Broadcast",
                "language": "Arabic",
            },
            {
                "name": "Le Monde",
                "url": "https://www.lemonde.fr/",
                "domain": "lemonde.fr",
                "region": "France",
                "scope": "national",
                "media_type": "Newspaper",
                "language": "French",
            },
        ],
    )
    _jsonl(o / "french_media_ownership/media.jsonl", [{"name": "Le Monde"}])
    _jsonl(
        o / "french_media_ownership/ownership_edges.jsonl",
        [
            {
                "owner": "Le Monde libre",
                "owner_type": "organisation",
                "share": "72.50%",
                "owned": "Le Monde",
            },
            {
                "owner": "Xavier Niel",
                "owner_type": "person",
                "share": "100.00%",
                "owned": "Le Monde libre",
            },
        ],
    )
    _jsonl(
        o / "wikidata_newspapers/wikidata_newspapers.jsonl",
        [
            {
                "qid": "Q1",
                "label": "The Paper",
                "domain": "paper.example",
                "website": ["https://www.paper.example/", "https://paper-alt.example/"],
                "country": {"label": "United States of America"},
                "language": {"label": "English"},
                "owned_by": {"label": "Gannett", "qid": "Q2"},
                "dissolved": None,
            }
        ],
    )
    _jsonl(
        o / "us_local_news_ownership/outlets.jsonl",
        [
            {
                "name": "KXYZ",
                "domain": "kxyz.com",
                "website": "http://www.kxyz.com/",
                "owner": "Sinclair",
                "medium": "TV station",
            }
        ],
    )
    return tmp_path / "shared"


def _by_domain(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["domain"]: r for r in records}


def test_compiler_is_deterministic(shared: Path, tmp_path: Path) -> None:
    first = dumps_outlets(compile_directory(shared))
    assert first == dumps_outlets(compile_directory(shared))
    build(shared, tmp_path / "a")
    build(shared, tmp_path / "b")
    for name in ("outlets.jsonl.gz", "raters.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    lines = gzip.decompress(first).decode().splitlines()
    assert [json.loads(x)["domain"] for x in lines] == sorted(
        json.loads(x)["domain"] for x in lines
    )


def test_compiler_merges_tables_with_provenance(shared: Path) -> None:
    recs = _by_domain(compile_directory(shared))
    cnn = recs["cnn.com"]
    assert (cnn["name"], cnn["country"], cnn["media_type"], cnn["scope"]) == (
        "CNN",
        "US",
        "tv",
        "national",
    )
    ratings = {(r[0], r[1]): r for r in cnn["ratings"]}
    assert ratings[("mbfc", "bias")] == [
        "mbfc",
        "bias",
        "left-center",
        -1.0,
        "2026-08-19",
        "mbfc_mbfcext/mbfc_sources.jsonl:1",
    ]
    assert ratings[("mbfc_2023", "bias")][3] == -2.0
    assert ratings[("mbfc_2023", "bias")][5] == "media_reliability_idiap2024/mbfc/mbfc.csv:3"
    assert ratings[("audience_ideology", "bias")][2:4] == ["-0.1183", -1.0]
    assert ratings[("allsides", "bias")][3] == -1.0
    assert ratings[("baly_emnlp18", "factuality")][3] == 2.0
    # the abyz row of an edition folds into the rated outlet as an alias, without renaming it
    assert "arabic.cnn.com" in cnn["aliases"] and "arabic.cnn.com" not in recs
    assert cnn["language"] is None
    assert sorted(cnn["sources"]) == cnn["sources"]


def test_unmapped_label_keeps_raw_and_falls_back(shared: Path, tmp_path: Path) -> None:
    recs = _by_domain(compile_directory(shared))
    fake = {(r[0], r[1]): r for r in recs["fake.example"]["ratings"]}
    assert fake[("mbfc", "bias")][2:4] == ["fake-news", None]
    build(shared, tmp_path / "out")
    d = load_directory(tmp_path / "out")
    outlet = d.get("fake.example")
    assert outlet is not None
    assert d.bias(outlet) == (2.0, 0.0)  # mbfc_2023 stands in for the unmapped mbfc label
    assert d.factuality(outlet) == 0.0


def test_name_keyed_tables_resolve(shared: Path) -> None:
    recs = _by_domain(compile_directory(shared))
    # "Fox Opinion" resolves through its Twitter handle; opinion rows never beat news rows
    assert {r[0] for r in recs["foxnews.com"]["ratings"]} >= {"allsides"}
    assert recs["lemonde.fr"]["ownership"] == [
        ["Xavier Niel", "Wealthy Individual", "french_media_ownership/ownership_edges.jsonl:2"]
    ]
    assert recs["lemonde.fr"]["country"] == "FR" and recs["lemonde.fr"]["language"] == "fr"
    paper = recs["paper.example"]
    assert paper["aliases"] == ["paper-alt.example"]
    assert paper["ownership"][0][:2] == ["Gannett", "Media Conglomerate"]
    assert (paper["country"], paper["language"]) == ("US", "en")
    assert recs["kxyz.com"]["ownership"][0][:2] == ["Sinclair", "Media Conglomerate"]
    assert recs["localpaper.com"]["name"] == "localpaper.com"
    assert not any("Unknown Outlet" in json.dumps(r) for r in recs.values())


def test_missing_tables_still_build(tmp_path: Path) -> None:
    (tmp_path / "outlets").mkdir()
    assert compile_directory(tmp_path) == []


@pytest.mark.slow
def test_committed_bundle_matches_the_shared_tables(tmp_path: Path) -> None:
    """The committed data is what `everyside registry build` makes from shared/data today."""
    if not SHARED.is_dir():
        pytest.fail(f"the shared data is missing: expected {SHARED}")
    build(SHARED, tmp_path)
    # compare digests: a failing compare of two 1 MB byte strings breaks pytest's report
    built = hashlib.sha256((tmp_path / "outlets.jsonl.gz").read_bytes()).hexdigest()
    shipped = hashlib.sha256((DATA_DIR / "outlets.jsonl.gz").read_bytes()).hexdigest()
    assert built == shipped, "the bundled directory is stale: run `everyside registry build`"
    assert (DATA_DIR / "outlets.jsonl.gz").stat().st_size < 5_000_000


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("usa", "US"),
        ("usa ", "US"),
        ("United States of America", "US"),
        ("united kingdom", "GB"),
        ("People's Republic of China", "CN"),
        ("Illinois", "US"),
        ("Ontario", "CA"),
        ("Sao Paulo", "BR"),
        ("India National", "IN"),
        ("Andalucia - Andalusia", "ES"),
        ("Holy See  Vatican City", "VA"),
        ("Congo  Democratic Republic", "CD"),
        ("Stockholm", "SE"),
        ("Los Angeles", "US"),
        ("fr", "FR"),
        ("unknown", None),
        ("Internet", None),
        ("Europe Regional", None),
        ("", None),
        (None, None),
    ],
)
def test_country_names(name: str | None, code: str | None) -> None:
    from everyside.registry.build.countries import country_code

    assert country_code(name) == code


@pytest.mark.parametrize(
    ("domain", "code"),
    [
        ("lemonde.fr", "FR"),
        ("bbc.co.uk", "GB"),
        ("abc.net.au", "AU"),
        ("cnn.com", None),
        ("twit.tv", None),
        ("news.io", None),
        ("europa.eu", None),
        ("xn--p1ai", None),
    ],
)
def test_country_from_cctld(domain: str, code: str | None) -> None:
    from everyside.registry.build.countries import country_from_domain

    assert country_from_domain(domain) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("English", "en"),
        ("Spanish", "es"),
        ("Modern Greek", "el"),
        ("French", "fr"),
        ("EN", "en"),
        ("Klingonese", None),
        (None, None),
    ],
)
def test_language_names(name: str | None, code: str | None) -> None:
    from everyside.registry.build.countries import language_code

    assert language_code(name) == code


def test_country_precedence_in_the_committed_bundle() -> None:
    """A country named by the outlet tables beats the domain's ccTLD, which beats the country a
    table assumes for all its rows (the US audience panel of us_news_domains lists the BBC)."""
    d = load_directory()
    assert d.get("bbc.co.uk").country == "GB"  # was US, from the audience panel
    assert d.get("lemonde.fr").country == "FR"  # ABYZ and Wikidata say France
    assert d.get("nytimes.com").country == "US"
    assert d.get("rtve.es").country == "ES"
