"""Matching URLs, hosts and names to outlets: subdomains, aliases, case, ports, punycode, junk."""

from __future__ import annotations

import socket
import time

import pytest

from everyside.domain.hosts import host_of, name_key, parents
from everyside.domain.model import Outlet, Rating
from everyside.registry import Directory, load_directory

SMALL = Directory(
    [
        Outlet(
            "cnn.com",
            "CNN",
            aliases=["cnn.it", "edition.cnn.com"],
            ratings=[Rating("mbfc", "bias", "left-center", -1.0)],
        ),
        Outlet("nytimes.com", "The New York Times", aliases=["nyti.ms"]),
        Outlet("bbc.co.uk", "BBC"),
        Outlet("abcnews.go.com", "ABC News"),
        Outlet("go.com", "Disney Go"),
        Outlet("bücher.de", "Bücher"),
        Outlet("sport.example.com", "Example Sport"),
    ]
)


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("cnn.com", "cnn.com"),
        ("https://money.cnn.com/2014/03/10/news/economy/x.html", "cnn.com"),
        ("http://edition.cnn.com/", "cnn.com"),
        ("https://www.cnn.com/x", "cnn.com"),
        ("WWW.CNN.COM", "cnn.com"),
        ("https://CNN.com:443/path?q=1#frag", "cnn.com"),
        ("http://user:pw@www2.cnn.com:8080/", "cnn.com"),
        ("cnn.com.", "cnn.com"),
        ("//cnn.com/x", "cnn.com"),
        ("  https://m.cnn.com/  ", "cnn.com"),
        ("https://cnn.it/3xYz", "cnn.com"),
        ("nyti.ms/abc", "nytimes.com"),
        ("https://news.bbc.co.uk/1/hi/x.stm", "bbc.co.uk"),
        ("https://abcnews.go.com/US/x", "abcnews.go.com"),
        ("https://espn.go.com/", "go.com"),
        ("https://xn--bcher-kva.de/artikel", "bücher.de"),
        ("BÜCHER.DE", "bücher.de"),
        ("https://live.sport.example.com/a", "sport.example.com"),
    ],
)
def test_match_hosts(text: str, domain: str) -> None:
    found = SMALL.match(text)
    assert found is not None and found.domain == domain


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "not a url",
        "http://",
        "https:///path",
        "localhost",
        "127.0.0.1",
        "http://[::1]:8000/",
        "example.com",
        "co.uk",
        "com",
        "mailto:someone",
        42,
        "cnn.co",
        "notcnn.com",
    ],
)
def test_no_match(text: object) -> None:
    assert SMALL.match(text) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "name", "domain"),
    [
        ("https://unknown.example.org/x", "CNN", "cnn.com"),
        (None, "The New York Times (News)", "nytimes.com"),
        (None, "new york times", "nytimes.com"),
        ("https://www.cnn.com", "BBC", "cnn.com"),  # the URL wins over the name
        (None, "Nobody Media", None),
    ],
)
def test_match_by_name(url: str | None, name: str, domain: str | None) -> None:
    found = SMALL.match(url, source_name=name)
    assert (found.domain if found else None) == domain


def test_match_article_uses_url_domain_then_source() -> None:
    assert SMALL.match_article({"url": "https://cnn.it/x", "domain": "bbc.co.uk"}).domain == (
        "cnn.com"
    )
    assert SMALL.match_article({"url": None, "domain": "bbc.co.uk"}).domain == "bbc.co.uk"
    assert SMALL.match_article({"domain": "odd.invalid", "source": "BBC"}).domain == "bbc.co.uk"
    assert SMALL.match_article({"title": "no outlet fields"}) is None


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("https://WWW.Example.COM:80/a", "example.com"),
        ("www.www.example.com", "example.com"),
        ("www.com", "www.com"),
        ("http://xn--bcher-kva.de", "bücher.de"),
        ("1.2.3.4", ""),
        ("a b.com", ""),
        ("", ""),
    ],
)
def test_host_of(text: str, host: str) -> None:
    assert host_of(text) == host


def test_parents_and_name_key() -> None:
    assert parents("a.b.cnn.com") == ["a.b.cnn.com", "b.cnn.com", "cnn.com"]
    assert parents("cnn.com") == ["cnn.com"]
    assert name_key("The New York Times (News)") == name_key("new-york times") == "newyorktimes"
    assert name_key("Le Monde") == "lemonde"
    assert name_key("") == ""


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("https://money.cnn.com/2014/03/10/x", "cnn.com"),
        ("http://edition.cnn.com/2014/x", "cnn.com"),
        ("https://nyti.ms/1abc", "nytimes.com"),
        ("https://www.nytimes.com/2021/x.html", "nytimes.com"),
        ("http://in.reuters.com/article/x", "reuters.com"),
        ("http://blogs.wsj.com/x", "wsj.com"),
        ("http://www.businessweek.com/news/x", "bloomberg.com"),
        ("https://www.huffingtonpost.co.uk/x", "huffpost.com"),
        ("https://abcnews.go.com/x", "abcnews.go.com"),
        ("https://www.bbc.co.uk/news/x", "bbc.co.uk"),
    ],
)
def test_bundled_directory_matches(text: str, domain: str) -> None:
    found = load_directory().match(text)
    assert found is not None and found.domain == domain


def test_bundled_directory_rates_major_outlets() -> None:
    d = load_directory()
    for domain, side in (("foxnews.com", 1), ("nytimes.com", -1), ("reuters.com", 0)):
        outlet = d.get(domain)
        assert outlet is not None
        bias, spread = d.bias(outlet)
        assert bias is not None and spread is not None
        assert (bias > 0.5) - (bias < -0.5) == side, (domain, bias)
        assert all(r.provenance for r in outlet.ratings)


def test_load_directory_is_cached() -> None:
    assert load_directory() is load_directory()
    assert len(load_directory()) > 30_000
    assert len(load_directory().version) == 16


def test_tldextract_makes_no_network_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our PSL lookups use tldextract's bundled snapshot: with sockets disabled they still work."""
    import tldextract

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    assert extract("forums.news.cnn.co.uk").top_domain_under_public_suffix == "cnn.co.uk"
    from everyside.domain.urls import registered_domain

    assert registered_domain("https://a.b.bbc.co.uk/x") == "bbc.co.uk"


def test_match_throughput_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    """Not a timed assertion: prints lookups/s (see docs/performance.md) and checks results."""
    d = load_directory()
    urls = [f"https://sub{i % 500}.cnn.com/a/{i}" for i in range(20_000)]
    start = time.perf_counter()
    hits = sum(d.match(u) is not None for u in urls)
    rate = len(urls) / (time.perf_counter() - start)
    print(f"registry match: {rate:,.0f} lookups/s")
    assert hits == len(urls)
