"""Hostile XML: entity expansion in feeds, sitemaps and OPML is refused wherever the declaration
hides; prologs that made feedparser's regexes (and ours) backtrack for hours parse at once;
ordinary prologs (declaration, stylesheet, comments, RSS 0.91 DOCTYPE, UTF-16, EBCDIC) still
parse. The whole-process bound (memory, round goes on) is in test_ingest_bombs."""

from __future__ import annotations

import pytest

from bombs import laughs_subset, regex_bombs, xml_bombs
from everyside.errors import InputError
from everyside.ingest.feeds import FeedParseError, parse_feed
from everyside.ingest.opml import parse_opml

RSS = (
    '<rss version="2.0"><channel><title>Café</title>'
    "<item><title>Élysée</title><link>http://example.org/a</link></item></channel></rss>"
)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", list(xml_bombs()))
def test_entity_declarations_are_refused_wherever_they_hide(name: str) -> None:
    with pytest.raises(FeedParseError, match="entity declarations refused"):
        parse_feed(xml_bombs()[name], f"http://example.org/{name}.xml")


def test_an_entity_behind_a_comment_in_the_subset_never_reaches_a_parser() -> None:
    # the "root" inside the comment fooled a split on the first `<name`; the rebuilt prolog
    # keeps no internal subset, so the declaration after it is plain (invalid) content
    from everyside.ingest.prolog import clean_prolog

    decls = laughs_subset()[len(b"<!DOCTYPE rss [") : -len(b"]>\n")]
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!-- ]> <rss> --> ' + decls + b"]>"
        b'<rss version="2.0"><channel><title>&lol9;</title></channel></rss>'
    )
    cleaned = clean_prolog(body)
    assert b"[" not in cleaned.split(b"<rss>")[0]
    with pytest.raises(FeedParseError):
        parse_feed(body, "http://example.org/hidden.xml")


@pytest.mark.timeout(30)  # a bound on hangs (these took hours), not a speed claim
@pytest.mark.parametrize("name", list(regex_bombs()))
def test_regex_bombs_parse_at_once(name: str) -> None:
    feed = parse_feed(regex_bombs()[name], f"http://example.org/{name}.xml")
    assert [e.title for e in feed.entries] == ["fine"]


@pytest.mark.parametrize(
    "prolog",
    [
        "",
        '<?xml version="1.0" encoding="utf-8"?>\n',
        '<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="/rss.xsl"?>\n',
        '<?xml version="1.0"?>\n<!-- generator: a CMS -->\n\n\n',
        '<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        ' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n',
    ],
)
def test_ordinary_prologs_still_parse(prolog: str) -> None:
    feed = parse_feed((prolog + RSS).encode(), "http://example.org/feed.xml")
    assert feed.title == "Café" and [e.title for e in feed.entries] == ["Élysée"]


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("utf-8-sig", '<?xml version="1.0" encoding="utf-8"?>' + RSS),
        ("utf-16", '<?xml version="1.0" encoding="utf-16"?>' + RSS),
        ("utf-16-be", '<?xml version="1.0" encoding="utf-16be"?>' + RSS),
        ("cp037", '<?xml version="1.0" encoding="cp037"?>' + RSS),
    ],
)
def test_other_encodings_are_transcoded_and_parse(encoding: str, body: str) -> None:
    feed = parse_feed(body.encode(encoding), "http://example.org/feed.xml")
    assert feed.title == "Café" and [e.title for e in feed.entries] == ["Élysée"]


def test_sitemaps_refuse_any_dtd() -> None:
    body = (
        b'<?xml version="1.0"?>'
        + laughs_subset().replace(b"rss", b"urlset")
        + b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;</loc>'
        b"</url></urlset>"
    )
    with pytest.raises(FeedParseError, match="entity declarations refused"):
        parse_feed(body, "http://example.org/sitemap.xml")


def test_opml_refuses_any_dtd() -> None:
    body = (
        b'<?xml version="1.0"?>'
        + laughs_subset().replace(b"rss", b"opml")
        + b'<opml version="2.0"><body><outline text="&lol9;" xmlUrl="http://example.org/f"/>'
        b"</body></opml>"
    )
    with pytest.raises(InputError, match="DTD"):
        parse_opml(body, "subscriptions.opml")
    padded = body.replace(b"?>", b"?>" + b"\n" * 100_000, 1)
    with pytest.raises(InputError, match="DTD"):
        parse_opml(padded, "subscriptions.opml")
