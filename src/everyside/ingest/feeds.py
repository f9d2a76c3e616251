"""Parsing feed documents into entries: RSS 0.9x/1.0/2.0, Atom and RDF via feedparser, JSON Feed
by hand (feedparser does not read it), Google News sitemaps (`news:` namespace) via defusedxml.

Hostile documents end in FeedParseError with a message a user can act on: the prolog is
rebuilt before any XML parser sees it and entity declarations ("billion laughs") are refused
(prolog.py); an HTML page served as a feed is named as such; a document with neither entries
nor a recognisable root is "not a feed". No regex here backtracks more than linearly.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import feedparser
import lxml.html
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from lxml import etree

from everyside.domain.text.normalize import clean_text
from everyside.domain.times import parse_iso
from everyside.errors import EverysideError
from everyside.ingest.prolog import UnsafeDocument, clean_prolog

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
RDF_VERSIONS = ("rss090", "rss10")  # feedparser's names of the RDF-based formats
JSON_FEED_TYPES = ("application/feed+json", "application/json")
_SPACE = re.compile(r"\s+")
# a comment cannot contain "-->", so a run of comments matches one way only (with `.*?` it
# matched 2^n ways: 40 empty comments before a non-HTML byte took minutes)
_HTML_START = re.compile(
    rb"^\s*(?:<!--(?:(?!-->).)*-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S
)
_HIDDEN = ("script", "style", "noscript", "template")  # markup whose text no reader sees
# what clean_text leaves that lxml still refuses: the non-characters U+FFFE and U+FFFF
_NOT_XML = re.compile("[\ufffe\uffff]")


class FeedParseError(EverysideError):
    def __init__(self, url: str, message: str):
        super().__init__(f"parse feed {url}: {message}")
        self.url = url


@dataclass
class Entry:
    link: str | None
    guid: str | None = None
    title: str | None = None
    summary: str | None = None  # plain text
    content: str | None = None  # plain text of the full content, when the feed carries it
    author: str | None = None
    published: datetime | None = None  # aware UTC
    language: str | None = None


@dataclass
class ParsedFeed:
    kind: str  # rss | atom | rdf | json | sitemap
    title: str | None = None
    link: str | None = None
    entries: list[Entry] = field(default_factory=list)


def html_to_text(value: str | None) -> str | None:
    """The visible text of an HTML fragment (a feed's title, summary or content), one line:
    lxml's HTML parser (entities, comments, CDATA, broken markup), script and style dropped,
    every tag boundary a space. Control characters and lone surrogates go first (the one
    normalisation, `domain/text/normalize.py`): lxml raises ValueError on them, and a feed's
    hostile text must not cost its items."""
    value = _NOT_XML.sub("", clean_text(value) or "")
    if not value.strip():
        return None
    try:
        root = lxml.html.fragment_fromstring(value, create_parent="div")
    except ValueError:  # lxml refuses str with an XML encoding declaration; bytes are fine
        root = lxml.html.fragment_fromstring(value.encode("utf-8"), create_parent="div")
    except etree.ParserError:
        return None
    for node in list(root.iter(*_HIDDEN, etree.Comment)):
        node.drop_tree()  # keeps the text that follows the node
    text = _SPACE.sub(" ", " ".join(root.itertext())).strip()
    return text or None


def looks_like_html(body: bytes) -> bool:
    return bool(_HTML_START.match(body[:2048]))


def parse_feed(body: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """Parse any supported feed document; raises FeedParseError."""
    head = body[:4096].lstrip()
    if not head:
        raise FeedParseError(url, "empty document")
    if content_type in JSON_FEED_TYPES or head.startswith(b"{"):
        return parse_json_feed(body, url)
    try:
        body = clean_prolog(body)
    except UnsafeDocument as e:
        raise FeedParseError(url, str(e)) from e
    head = body[:4096]
    if b"<urlset" in head or b"<sitemapindex" in head:
        return parse_sitemap(body, url)
    return _parse_xml_feed(body, url, content_type)


def _parse_xml_feed(body: bytes, url: str, content_type: str) -> ParsedFeed:
    if looks_like_html(body) and b"<rss" not in body[:4096] and b"<feed" not in body[:4096]:
        raise FeedParseError(
            url,
            "the URL serves an HTML page, not a feed; add the page with "
            "`everyside feeds add` to discover its feeds",
        )
    try:
        d = feedparser.parse(
            body,
            response_headers={"content-type": content_type or "text/xml", "content-location": url},
        )
    except Exception as e:  # feedparser is lenient; anything it raises is a broken document
        raise FeedParseError(url, f"unreadable document: {e}") from e
    version = d.get("version") or ""
    if not d.entries and (d.get("bozo") or not version):
        cause = d.get("bozo_exception")
        raise FeedParseError(url, f"not a feed: {cause or 'no feed root element'}")
    kind = "atom" if version.startswith("atom") else "rdf" if version in RDF_VERSIONS else "rss"
    feed = d.get("feed", {})
    return ParsedFeed(
        kind,
        feed.get("title"),
        feed.get("link"),
        [_fp_entry(e, feed.get("language")) for e in d.entries],
    )


def _fp_time(e: dict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        t = e.get(key)
        if t:
            try:
                return datetime.fromtimestamp(calendar.timegm(t), UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _fp_entry(e: dict, language: str | None) -> Entry:
    content = None
    if e.get("content"):
        content = html_to_text(" ".join(c.get("value", "") for c in e["content"]))
    return Entry(
        link=e.get("link") or None,
        guid=e.get("id") or None,
        title=html_to_text(e.get("title")),
        summary=html_to_text(e.get("summary")),
        content=content,
        author=e.get("author") or None,
        published=_fp_time(e),
        language=language,
    )


def _iso(value: object) -> datetime | None:
    return parse_iso(value) if isinstance(value, str) else None


def parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1)."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise FeedParseError(url, f"invalid JSON: {e}") from e
    except RecursionError as e:
        raise FeedParseError(url, "invalid JSON: nested too deeply") from e
    if not isinstance(doc, dict) or "jsonfeed.org" not in str(doc.get("version", "")):
        raise FeedParseError(url, "JSON document is not a JSON Feed (no jsonfeed.org version)")
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedParseError(url, "JSON Feed without an items list")
    return ParsedFeed(
        "json",
        _str(doc.get("title")),
        _str(doc.get("home_page_url")),
        [_json_entry(i, _str(doc.get("language"))) for i in items if isinstance(i, dict)],
    )


def _str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _json_entry(item: dict, language: str | None) -> Entry:
    authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
    if not isinstance(authors, list):  # a malformed feed says `"authors": true`
        authors = []
    names = (_str(a.get("name")) for a in authors if isinstance(a, dict))
    author = next((n for n in names if n), None)
    content = _str(item.get("content_text")) or html_to_text(_str(item.get("content_html")))
    return Entry(
        link=_str(item.get("url")) or _str(item.get("external_url")),
        guid=str(item["id"]) if item.get("id") is not None else None,
        title=html_to_text(_str(item.get("title"))),
        summary=html_to_text(_str(item.get("summary"))),
        content=content,
        author=author,
        published=_iso(item.get("date_published")) or _iso(item.get("date_modified")),
        language=_str(item.get("language")) or language,
    )


def parse_sitemap(body: bytes, url: str) -> ParsedFeed:
    """A Google News sitemap: <urlset> of <url><loc> with <news:news> title/date/language."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except (DefusedXmlException, SafeET.ParseError, ValueError) as e:
        raise FeedParseError(url, f"invalid sitemap XML: {e}") from e
    if root.tag == SITEMAP_NS + "sitemapindex":
        raise FeedParseError(url, "a sitemap index, not a news sitemap; add its child sitemaps")
    if root.tag != SITEMAP_NS + "urlset":
        raise FeedParseError(url, f"unexpected sitemap root {root.tag}")
    return ParsedFeed(
        "sitemap", None, None, [_sitemap_entry(u) for u in root.iter(SITEMAP_NS + "url")]
    )


def _sitemap_entry(node: SafeET.Element) -> Entry:  # type: ignore[name-defined]
    def text(path: str) -> str | None:
        found = node.find(path)
        return (found.text or "").strip() or None if found is not None else None

    news = NEWS_NS + "news/"
    return Entry(
        link=text(SITEMAP_NS + "loc"),
        title=text(news + NEWS_NS + "title"),
        published=_iso(text(news + NEWS_NS + "publication_date")),
        language=text(news + NEWS_NS + "publication/" + NEWS_NS + "language"),
    )
