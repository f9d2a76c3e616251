"""Feed discovery from a homepage: `<link rel="alternate">` feed links first, then the common
paths sites put their feeds at (tried in order by `add_feed`)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

from everyside.errors import EverysideError, FetchError
from everyside.ingest.feeds import FeedParseError, ParsedFeed, looks_like_html, parse_feed
from everyside.ingest.fetch import Fetcher, Response

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    "application/xml",
    "text/xml",
)
COMMON_PATHS = (
    "/feed",
    "/rss",
    "/feed.xml",
    "/rss.xml",
    "/atom.xml",
    "/index.xml",
    "/feeds/all.atom.xml",
    "/rss/index.xml",
    "/feed/",
    "/news-sitemap.xml",
    "/sitemap-news.xml",
)


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        rels = a.get("rel", "").lower().split()
        if "alternate" in rels and a.get("type", "").lower() in FEED_TYPES and a.get("href"):
            self.found.append(a["href"].strip())


def feed_links(html: str, base_url: str) -> list[str]:
    """Absolute URLs of the feeds a page announces, in page order, without duplicates."""
    parser = _LinkParser()
    try:
        parser.feed(html[:1_000_000])
    except Exception:  # html.parser is lenient; a pathological page just yields nothing
        return []
    out: list[str] = []
    for href in parser.found:
        url = urljoin(base_url, href)
        if url.startswith(("http://", "https://")) and url not in out:
            out.append(url)
    return out


def common_feed_urls(base_url: str) -> list[str]:
    return [urljoin(base_url, path) for path in COMMON_PATHS]


class FeedNotFoundError(EverysideError):
    def __init__(self, url: str, tried: list[str]):
        shown = ", ".join(tried[:6]) + (" ..." if len(tried) > 6 else "")
        super().__init__(f"no feed found at {url} (tried {shown}); give the feed URL itself")
        self.url = url


async def discover(fetcher: Fetcher, url: str) -> tuple[str, Response, ParsedFeed]:
    """The first feed found from `url`: the URL itself if it is a feed, else the feeds its
    page announces, else the common paths. Raises FetchError for the URL itself failing,
    FeedNotFoundError when nothing parses."""
    resp = await fetcher.get(url, accept=FEED_ACCEPT)
    try:
        return resp.url, resp, parse_feed(resp.body, resp.url, resp.content_type)
    except FeedParseError:
        pass
    html = resp.body.decode("utf-8", "replace") if looks_like_html(resp.body) else ""
    tried = [url]
    for cand in feed_links(html, resp.url) + common_feed_urls(resp.url):
        if cand in tried:
            continue
        tried.append(cand)
        try:
            r = await fetcher.get(cand, accept=FEED_ACCEPT)
            return r.url, r, parse_feed(r.body, r.url, r.content_type)
        except (FetchError, FeedParseError):
            continue
    raise FeedNotFoundError(url, tried)
