"""Fuzzing the feed parser and the body decoder with hypothesis: text with every Unicode category
(C0/C1 controls, NUL, lone surrogates, private use), raw bytes, truncated XML and truncated
gzip. No exception but FeedParseError (or the decoder's DecodeRefused) escapes, and the items of
a feed whose texts are hostile but whose links are sound are all found."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from html import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everyside.ingest.feeds import FeedParseError, ParsedFeed, parse_feed

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
HOSTILE_TEXT = st.text(st.characters(exclude_categories=()), max_size=80)
FORMATS = ("rss", "atom", "rdf", "json")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # lone surrogates become invalid UTF-8 bytes


def build(kind: str, items: list[tuple[str, str]]) -> bytes:
    """A feed of `kind` whose item i has the hostile title/summary and link /item/i."""
    links = [f"http://example.org/item/{i}" for i in range(len(items))]
    if kind == "json":
        doc = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "fuzz",
            "items": [
                {"id": str(i), "url": u, "title": t, "summary": s}
                for i, (u, (t, s)) in enumerate(zip(links, items, strict=True))
            ],
        }
        return _bytes(json.dumps(doc, ensure_ascii=False))
    if kind == "atom":
        head, tail = '<feed xmlns="http://www.w3.org/2005/Atom"><title>fuzz</title>', "</feed>"
        item = (
            '<entry><title>{t}</title><link href="{u}"/><id>{u}</id><summary>{s}</summary></entry>'
        )
    elif kind == "rdf":
        head = (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/"><channel><title>fuzz</title></channel>'
        )
        tail = "</rdf:RDF>"
        item = (
            '<item rdf:about="{u}"><title>{t}</title><link>{u}</link>'
            "<description>{s}</description></item>"
        )
    else:
        head, tail = '<rss version="2.0"><channel><title>fuzz</title>', "</channel></rss>"
        item = "<item><title>{t}</title><link>{u}</link><description>{s}</description></item>"
    body = "".join(
        item.format(t=escape(t), s=escape(s), u=u) for u, (t, s) in zip(links, items, strict=True)
    )
    return _bytes('<?xml version="1.0" encoding="utf-8"?>' + head + body + tail)


def check_shape(feed: ParsedFeed) -> None:
    for e in feed.entries:
        for value in (e.link, e.guid, e.title, e.summary, e.content, e.author, e.language):
            assert value is None or isinstance(value, str)
        assert e.published is None or (isinstance(e.published, datetime) and e.published.tzinfo)


def parse_or_refuse(body: bytes, content_type: str = "") -> ParsedFeed | None:
    try:
        feed = parse_feed(body, "http://example.org/feed", content_type)
    except FeedParseError:
        return None
    check_shape(feed)
    return feed


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_parse_or_are_refused(body: bytes) -> None:
    parse_or_refuse(body)
    parse_or_refuse(body, "application/feed+json")


@FUZZ
@given(
    st.sampled_from(FORMATS),
    st.lists(st.tuples(HOSTILE_TEXT, HOSTILE_TEXT), min_size=1, max_size=5),
)
def test_hostile_texts_lose_no_item(kind: str, items: list[tuple[str, str]]) -> None:
    feed = parse_or_refuse(build(kind, items))
    assert feed is not None, "a feed with sound structure was refused"
    assert [e.link for e in feed.entries] == [
        f"http://example.org/item/{i}" for i in range(len(items))
    ]


@FUZZ
@given(
    st.sampled_from(FORMATS),
    st.lists(st.tuples(HOSTILE_TEXT, HOSTILE_TEXT), min_size=1, max_size=5),
    st.floats(0.0, 1.0),
)
def test_truncated_documents_parse_or_are_refused(
    kind: str, items: list[tuple[str, str]], at: float
) -> None:
    body = build(kind, items)
    parse_or_refuse(body[: int(len(body) * at)])


@FUZZ
@given(
    st.lists(st.tuples(HOSTILE_TEXT, HOSTILE_TEXT), min_size=1, max_size=5),
    st.floats(0.0, 1.0),
    st.sampled_from(["gzip", "gzip, gzip", "deflate", "br"]),
)
def test_truncated_compressed_bodies_decode_or_are_refused(
    items: list[tuple[str, str]], at: float, coding: str
) -> None:
    import zlib

    import brotli

    from everyside.ingest.decode import DecodeRefused, decode_all

    body = build("rss", items)
    encode = {
        "gzip": gzip.compress,
        "gzip, gzip": lambda b: gzip.compress(gzip.compress(b)),
        "deflate": zlib.compress,
        "br": brotli.compress,
    }[coding]
    wire = encode(body)
    assert decode_all(coding, wire, 10**7, 1e6) == body
    try:
        decoded = decode_all(coding, wire[: int(len(wire) * at)], 10**7, 1e6)
    except DecodeRefused:
        return
    assert body.startswith(decoded)
    parse_or_refuse(decoded)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_TEXT, inner, max_size=4),
    max_leaves=20,
)


@FUZZ
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "url",
                    "title",
                    "summary",
                    "content_html",
                    "content_text",
                    "authors",
                    "date_published",
                    "language",
                ]
            ),
            JSON_VALUES,
        )
    )
)
def test_json_feeds_of_any_shape_parse_or_are_refused(items: list[dict]) -> None:
    doc = {"version": "https://jsonfeed.org/version/1.1", "items": items}
    parse_or_refuse(_bytes(json.dumps(doc, ensure_ascii=False)), "application/feed+json")


@FUZZ
@given(st.integers(1, 200_000), st.sampled_from(["[]", "{}"]))
def test_deeply_nested_json_is_refused_not_crashed(depth: int, brackets: str) -> None:
    left, right = brackets
    nested = (left + '"a":' if left == "{" else left) * depth + "1" + right * depth
    body = '{"version": "https://jsonfeed.org/version/1", "items": [' + nested + "]}"
    parse_or_refuse(body.encode())
