"""Table-driven unit tests: scheduler decisions, duplicate index, feed parsing, discovery,
OPML, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from everyside.domain.dedupe import DuplicateIndex, content_hash, signature
from everyside.errors import InputError
from everyside.ingest import schedule
from everyside.ingest.discover import common_feed_urls, feed_links
from everyside.ingest.feeds import FeedParseError, parse_feed
from everyside.ingest.fetch import parse_retry_after
from everyside.ingest.opml import parse_opml, write_opml
from everyside.services.feeds import FeedRow

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
LIM = schedule.Limits(300.0, 86400.0)


# -- scheduler ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("previous", "new", "gaps_min", "expected"),
    [
        (3600.0, 0, [], 5400.0),  # nothing new: x1.5
        (80000.0, 0, [], 86400.0),  # ... capped at max
        (3600.0, 5, [10, 10, 10, 10], 300.0),  # every 10 min: half = 5 min (the minimum)
        (3600.0, 3, [60, 60], 1800.0),  # hourly: poll every 30 min
        (600.0, 3, [600, 600], 600.0),  # never slower than before when publishing
        (3600.0, 1, [], 3600.0),  # new but no dates: keep
        (None, 0, [], 1800.0),  # unknown previous = 4 x min, then x1.5
    ],
)
def test_after_success(previous, new, gaps_min, expected) -> None:  # type: ignore[no-untyped-def]
    times = [NOW]
    for g in gaps_min:
        times.append(times[-1] - timedelta(minutes=g))
    d = schedule.after_success(7, NOW, previous, new, times if gaps_min else [], LIM)
    assert d.interval_s == pytest.approx(expected)
    delay = (d.next_check_at - NOW).total_seconds()
    assert 0.9 * expected <= delay <= 1.1 * expected
    assert d.reason


@pytest.mark.parametrize(
    ("errors", "retry_after", "min_delay"),
    [
        (1, None, 270),
        (2, None, 540),
        (5, None, 4320),
        (30, None, 77760),
        (1, 7200.0, 7200),
        (1, 10**9, 86400),
    ],
)
def test_after_error(errors: int, retry_after: float | None, min_delay: float) -> None:
    d = schedule.after_error(3, NOW, errors, retry_after, LIM)
    delay = (d.next_check_at - NOW).total_seconds()
    assert delay >= min_delay
    assert delay <= max(min_delay * 1.25, 86400 * 1.1)
    assert ("Retry-After" in d.reason) == bool(retry_after)


def test_not_modified_backs_off_and_jitter_spreads_feeds() -> None:
    d = schedule.after_not_modified(1, NOW, 1000.0, LIM)
    assert d.interval_s == 1500.0
    starts = {schedule.after_not_modified(i, NOW, 1000.0, LIM).next_check_at for i in range(50)}
    assert len(starts) > 40  # feeds polled together drift apart
    assert schedule.first_check(9, NOW, LIM).next_check_at == NOW


# -- duplicates ---------------------------------------------------------------------------
WIRE = (
    "The central bank raised its main interest rate by a quarter point on Wednesday, "
    "citing persistent inflation in services and a labour market that remains tight, "
    "and signalled that further increases could follow if price pressures do not ease "
    "over the coming months according to a statement released after the meeting. "
    "Markets had widely expected the move, and bond yields rose modestly while the "
    "currency strengthened against the dollar; analysts said the accompanying guidance "
    "was more hawkish than anticipated and pushed back expectations of any cut to the "
    "second half of next year, while consumer groups warned of higher mortgage costs."
)


def test_content_hash_ignores_case_spacing_punctuation() -> None:
    assert content_hash("Hello,  World!") == content_hash("hello world")
    assert content_hash("hello world") != content_hash("hello there")
    assert content_hash("") is None and content_hash("  ...  ") is None


@pytest.mark.parametrize(
    ("text", "outlet", "expected"),
    [
        (WIRE, "b.com", 1),  # exact wire copy, other outlet
        (WIRE.upper().replace(",", ""), "c.com", 1),  # same words
        (WIRE.replace("Wednesday", "Thursday") + " Reuters contributed.", "d.com", 1),  # near
        (WIRE, "a.com", None),  # same outlet: not syndication
        (
            "A completely different story about a football match that ended in a draw after "
            "extra time, with both teams missing penalties in a tense shootout that lasted long "
            "into the night and left the home crowd silent and the visitors celebrating.",
            "e.com",
            None,
        ),
        ("too short to tell", "f.com", None),
    ],
)
def test_find_original(text: str, outlet: str, expected: int | None) -> None:
    idx = DuplicateIndex(0.8, timedelta(days=3))
    idx.add(1, "a.com", NOW, WIRE)
    assert idx.find_original(text, outlet) == expected


def test_copies_resolve_to_the_first_original_and_window_expires() -> None:
    idx = DuplicateIndex(0.8, timedelta(days=3))
    idx.add(1, "a.com", NOW, WIRE)
    idx.add(2, "b.com", NOW + timedelta(hours=1), WIRE, copy_of=idx.find_original(WIRE, "b.com"))
    assert idx.find_original(WIRE, "a.com") == 1  # b.com's copy points back to article 1
    assert idx.find_original(WIRE, "c.com") == 1
    assert idx.expire(NOW + timedelta(days=3, minutes=30)) == 1
    assert len(idx) == 1
    assert idx.find_original(WIRE, "c.com") == 1  # via b.com's copy, still in the window
    idx.expire(NOW + timedelta(days=5))
    assert len(idx) == 0 and idx.find_original(WIRE, "c.com") is None


def test_signature_needs_enough_words() -> None:
    assert signature("one two three") is None
    assert signature(WIRE) is not None


# -- feed documents -----------------------------------------------------------------------
JSON_FEED = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "J",
 "home_page_url": "https://j.example/", "language": "fr-FR",
 "items": [{"id": "1", "url": "https://j.example/a", "title": "A <b>bold</b> title",
            "content_html": "<p>Body</p>", "date_published": "2026-01-02T03:04:05+01:00",
            "authors": [{"name": "Ann"}]},
           {"id": 2, "external_url": "https://j.example/b", "summary": "S"},
           "junk"]}"""
RSS091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title>
<item><title>One</title><link>https://o.example/1</link><description>d</description></item>
</channel></rss>"""
NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://n.example/x</loc><news:news><news:publication><news:name>N</news:name>
<news:language>de</news:language></news:publication>
<news:publication_date>2026-01-01T10:00:00Z</news:publication_date>
<news:title>Schlagzeile</news:title></news:news></url></urlset>"""


def test_json_feed() -> None:
    f = parse_feed(JSON_FEED, "u", "application/feed+json")
    assert (f.kind, f.title, len(f.entries)) == ("json", "J", 2)
    a, b = f.entries
    assert (a.link, a.title, a.content, a.author, a.language) == (
        "https://j.example/a",
        "A bold title",
        "Body",
        "Ann",
        "fr-FR",
    )
    assert a.published == datetime(2026, 1, 2, 2, 4, 5, tzinfo=UTC)
    assert (b.link, b.guid, b.summary) == ("https://j.example/b", "2", "S")


def test_rss091_and_news_sitemap() -> None:
    f = parse_feed(RSS091, "u")
    assert f.kind == "rss" and f.entries[0].link == "https://o.example/1"
    s = parse_feed(NEWS_SITEMAP, "u", "application/xml")
    e = s.entries[0]
    assert (s.kind, e.link, e.title, e.language) == (
        "sitemap",
        "https://n.example/x",
        "Schlagzeile",
        "de",
    )
    assert e.published == datetime(2026, 1, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty document"),
        (b"{not json", "invalid JSON"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><urlset/>', "entity"),
        (
            b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
            b'sitemap/0.9"><sitemap><loc>https://x/s.xml</loc></sitemap></sitemapindex>',
            "sitemap index",
        ),
        (b"<html><head></head><body>x</body></html>", "HTML page"),
    ],
)
def test_bad_documents(body: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_feed(body, "https://x.example/feed")


# -- discovery, OPML, Retry-After ---------------------------------------------------------
def test_feed_links() -> None:
    html = (
        '<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        '<link rel="alternate stylesheet" type="text/css" href="/s.css">'
        '<LINK REL="Alternate" TYPE="application/atom+xml" HREF="https://cdn.x/atom">'
        '<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        '<link rel="alternate" hreflang="fr" href="/fr/"></head></html>'
    )
    assert feed_links(html, "https://x.example/news/") == [
        "https://x.example/rss.xml",
        "https://cdn.x/atom",
    ]
    assert common_feed_urls("https://x.example/news/")[0] == "https://x.example/feed"


def _row(i: int, url: str, title: str | None) -> FeedRow:
    return FeedRow(
        i, url, title, "rss", "user", True, None, None, None, None, None, None, 0, None, None, 0
    )


def test_opml_round_trip() -> None:
    feeds = [_row(1, "https://a.example/rss", "A & B"), _row(2, "https://b.example/feed", None)]
    assert parse_opml(write_opml(feeds)) == [
        ("https://a.example/rss", "A & B"),
        ("https://b.example/feed", "https://b.example/feed"),
    ]
    nested = (
        b'<opml version="1.0"><body><outline text="News"><outline text="X" '
        b'xmlUrl="https://x/rss"/></outline><outline text="dup" xmlUrl="https://x/rss"/>'
        b"</body></opml>"
    )
    assert parse_opml(nested) == [("https://x/rss", "X")]
    with pytest.raises(InputError):
        parse_opml(b'<!DOCTYPE x [<!ENTITY a "b">]><opml>&a;</opml>')
    with pytest.raises(InputError):
        parse_opml(b"<rss/>")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (None, None),
        ("soon", None),
        ("Mon, 05 Jan 2026 12:10:00 GMT", 600.0),
        ("Mon, 05 Jan 2026 11:00:00 GMT", 0.0),
    ],
)
def test_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW.timestamp()) == expected


def test_candidates_resolve_relative_links_and_skip_garbage() -> None:
    from everyside.ingest.articles import candidates
    from everyside.ingest.feeds import Entry

    got = candidates(
        [
            Entry("/news/1?utm_source=x"),
            Entry("https://site.com/news/1"),
            Entry("https://o.com/a"),
            Entry("javascript:alert(1)"),
            Entry(None),
        ],
        "https://site.com/rss.xml",
    )
    assert [c.key for c in got] == ["https://site.com/news/1", "https://o.com/a"]
    assert got[0].entry.link == "https://site.com/news/1?utm_source=x"  # as found, absolute


class _FakeFetcher:
    """A Fetcher stand-in answering robots.txt from a dict (status or body per origin)."""

    def __init__(self, answers: dict[str, object]):
        self.answers = answers

    async def get(self, url: str, **_kw: object) -> object:
        from everyside.errors import FetchError
        from everyside.ingest.fetch import HTTPStatusError

        answer = self.answers[url]
        if isinstance(answer, int):
            raise HTTPStatusError(url, answer)
        if answer is None:
            raise FetchError(url, "connection refused")

        class R:
            body = str(answer).encode()

        return R()


@pytest.mark.parametrize(
    ("robots", "url", "allowed"),
    [
        # RFC 9309 wildcards and end anchors (urllib.robotparser reads these literally)
        ("User-agent: *\nDisallow: /*.pdf$\n", "https://a.example/report.pdf", False),
        ("User-agent: *\nDisallow: /*.pdf$\n", "https://a.example/report.pdf.html", True),
        ("User-agent: *\nDisallow: /*/print\n", "https://a.example/2024/print", False),
        # the longest match wins: an Allow deeper than a Disallow
        (
            "User-agent: *\nDisallow: /news/\nAllow: /news/public/\n",
            "https://a.example/news/public/x",
            True,
        ),
        (
            "User-agent: *\nDisallow: /news/\nAllow: /news/public/\n",
            "https://a.example/news/x",
            False,
        ),
        # our own group beats the catch-all
        (
            "User-agent: *\nDisallow: /\n\nUser-agent: everyside\nAllow: /\n",
            "https://a.example/x",
            True,
        ),
        (404, "https://a.example/x", True),  # no robots.txt: everything allowed
        (503, "https://a.example/x", False),  # server error: nothing for now
        (None, "https://a.example/x", False),  # unreachable: nothing for now
    ],
)
def test_robots_rules(robots: object, url: str, allowed: bool) -> None:
    import asyncio

    from everyside.ingest.robots import RobotsCache

    cache = RobotsCache(_FakeFetcher({"https://a.example/robots.txt": robots}), "everyside/0.1")  # type: ignore[arg-type]
    assert asyncio.run(cache.allowed(url)) is allowed


def test_http_client_logs_per_request_only_with_verbose() -> None:
    import logging

    from everyside.cli.common import configure_logging

    httpx_log, core_log = logging.getLogger("httpx"), logging.getLogger("httpcore")
    try:
        configure_logging("INFO", 0)  # the default: no line per request
        assert not httpx_log.isEnabledFor(logging.INFO)
        assert not core_log.isEnabledFor(logging.DEBUG)
        configure_logging("INFO", 1)  # -v
        assert httpx_log.isEnabledFor(logging.INFO) and not core_log.isEnabledFor(logging.DEBUG)
        configure_logging("INFO", 2)  # -vv
        assert core_log.isEnabledFor(logging.DEBUG)
    finally:
        httpx_log.setLevel(logging.NOTSET)
        core_log.setLevel(logging.NOTSET)
        logging.getLogger().setLevel(logging.WARNING)


def test_signature_with_shared_permutations_is_datasketchs() -> None:
    """The MinHash built on the shared permutations equals a fresh datasketch MinHash."""
    import zlib

    from datasketch import MinHash

    from everyside.domain.dedupe import SHINGLE_WORDS, words

    text = " ".join(f"word{i % 89} other{i % 17}" for i in range(300))
    w = words(text)
    plain = MinHash(num_perm=64, hashfunc=zlib.crc32)
    plain.update_batch(
        list({" ".join(w[i : i + SHINGLE_WORDS]).encode() for i in range(len(w) - 4)})
    )
    ours = signature(text)
    assert ours is not None and list(ours.hashvalues) == list(plain.hashvalues)
    assert signature("another text " * 40) is not None
    assert list(signature(text).hashvalues) == list(plain.hashvalues)  # template untouched
