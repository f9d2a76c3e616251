"""Issue 16, item 2: NUL, C0/C1 controls and lone surrogates from a feed or an import line.

On the audited code a feed whose channel title held a NUL failed every round on PostgreSQL (a
`DataError` on the feed row: the feed was blocked forever), an import line's extra fields kept
NUL and lone surrogates, and the Atom feeds wrote control characters raw (invalid XML). Now the
store's column types clean every bound value (`store/types.py`) and the Atom writer cleans what
it is given; these tests go through a local HTTP server, the importer, the web app and both
databases, and parse every Atom document with lxml.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import insert, select, text, update

from everyside.bench.localserver import Doc, LocalServer, Routes
from everyside.ingest import run_round
from everyside.ingest.service import register_feeds
from everyside.services.articles import ArticleWriter
from everyside.services.importer import import_jsonl
from everyside.services.outlets import OutletResolver
from everyside.services.pipeline import process_pending
from everyside.settings import Settings, load_settings
from everyside.store import Store
from everyside.store import schema as t
from everyside.web import create_app
from ingest_server import load_articles

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
# What no stored text may hold: C0 but tab/newline, DEL, C1, lone surrogates, U+FFFE/U+FFFF.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
HOSTILE = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\r"]


def _settings(**more: object) -> Settings:
    return load_settings(env={}).replace(
        allow_private_addresses=True,
        bundled_feeds=False,
        politeness_delay=0.0,
        extract_workers=-1,
        fetch_pages=False,  # the feed's own texts, controls included, are what gets stored
        story_embeddings=False,
        **more,
    )


def _rss(channel: str, articles: list[dict], now: datetime, base: str) -> bytes:
    """RSS with raw control characters (and a NUL) in the channel title and every item's
    title, description and author; links stay sound."""
    items = []
    for i, a in enumerate(articles):
        c = HOSTILE[i % len(HOSTILE)]
        items.append(
            f"<item><title>{escape(a['title'][:40])}{c} {escape(a['title'][40:])}</title>"
            f"<link>{base}/a/{a['id']}</link><guid>{escape(a['id'])}</guid>"
            f"<pubDate>{format_datetime(now - timedelta(minutes=i))}</pubDate>"
            f"<author>staff{c}@example.org (Staff{c})</author>"
            f"<description>{escape(a['text'][:200])}{c}\x00{escape(a['text'][200:400])}"
            "</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{channel}</title><link>http://example.org/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def _stored_texts(store: Store) -> Iterator[tuple[str, str]]:
    """(table.column, value) of every text value of the tables readers see."""
    tables = (t.articles, t.stories, t.outlets, t.feeds, t.summaries, t.coverage)
    with store.read() as conn:
        for table in tables:
            for row in conn.execute(select(table)).mappings():
                for name, value in row.items():
                    if isinstance(value, dict | list):
                        value = json.dumps(value, ensure_ascii=False)
                    if isinstance(value, str):
                        yield f"{table.name}.{name}", value


def _assert_clean(store: Store) -> None:
    dirty = [(col, v[:60]) for col, v in _stored_texts(store) if FORBIDDEN.search(v)]
    assert dirty == []


def _atom_documents(store: Store, settings: Settings, tmp_path: Path, paths: list[str]) -> None:
    web = settings.replace(
        data_dir=str(tmp_path / "web"), base_url="http://testserver", page_cache_seconds=0.0
    )
    with TestClient(create_app(web, store)) as client:
        for path in paths:
            resp = client.get(path)
            assert resp.status_code in (200, 404, 422), (path, resp.status_code)
            if resp.status_code == 200:
                doc = etree.fromstring(resp.content)  # raises on any invalid XML
                assert doc.tag == "{http://www.w3.org/2005/Atom}feed"


def test_a_feed_with_nul_and_controls_keeps_working(store: Store, tmp_path: Path) -> None:
    """A local feed with NUL and controls in its channel title and items: every article is
    stored clean, the feed row records a success (on the audited code, PostgreSQL refused the
    feed row and the round failed, round after round), the next round with new hostile items
    works too, and the Atom feeds built from it parse."""
    articles = load_articles(14)
    routes = Routes()
    settings = _settings()
    with LocalServer(routes) as srv:
        routes["/f.xml"] = Doc(_rss("Hostile\x00 chan\x01nel\x1b", articles[:7], NOW, srv.base))
        register_feeds(store, [(srv.url("/f.xml"), None, None)], NOW, "user")
        first = run_round(store, settings, NOW)
        assert (first.new, first.failed) == (7, 0), first.errors
        later = NOW + timedelta(days=2)
        routes["/f.xml"] = Doc(_rss("Hostile\x00 chan\x01nel\x1b", articles, later, srv.base))
        second = run_round(store, settings, later)
        assert (second.new, second.failed) == (7, 0), second.errors
    with store.read() as conn:
        feed = conn.execute(select(t.feeds)).one()
        titles = conn.execute(select(t.articles.c.title)).scalars().all()
    assert (feed.error_count, feed.last_error, feed.title) == (0, None, "Hostile channel")
    assert len(titles) == 14 and all(titles)
    process_pending(store, settings, later)
    _assert_clean(store)
    with store.read() as conn:
        domain = conn.execute(select(t.outlets.c.domain)).scalars().first()
    _atom_documents(store, settings, tmp_path, ["/feeds/top.atom", f"/feeds/outlets/{domain}.atom"])


def test_import_lines_with_nul_controls_and_surrogates_are_stored_clean(
    store: Store, tmp_path: Path
) -> None:
    """NUL, controls and lone surrogates (as JSON escapes) in every field of an import line,
    extra fields included: every line is imported, nothing stored holds them."""
    lines = []
    for i, c in enumerate(["\\u0000", "\\u0001", "\\u001b", "\\ud800", "\\udfff", "\\u0085"]):
        lines.append(
            "{"
            f'"id": "x{i}{c}", "title": "Council {c} votes on budget {i}", '
            f'"text": "The council{c} voted.\\nSecond paragraph{c}.", '
            f'"source": "Hostile{c} Times", "domain": "hostile{i}.example", '
            f'"url": "https://hostile{i}.example/a/{i}", "lang": "en{c}", '
            f'"date": "2026-01-05T10:0{i}:00Z", "topic": "budget{c}", '
            f'"story_title": "{c}", "summary": "s{c}", "nested{c}": {{"k{c}": ["v{c}", 1]}}'
            "}"
        )
    f = tmp_path / "hostile.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = _settings()
    rep = import_jsonl(store, f, NOW, ArticleWriter(settings, OutletResolver()))
    assert (rep.inserted, rep.failed) == (6, 0), rep.errors
    with store.read() as conn:
        extras = conn.execute(select(t.articles.c.extra).order_by(t.articles.c.id)).scalars()
        first = next(iter(extras))
    assert first["topic"] == "budget" and first["nested"] == {"k": ["v", 1]}
    process_pending(store, settings, NOW)
    _assert_clean(store)
    _atom_documents(store, settings, tmp_path, ["/feeds/top.atom"])


def test_every_text_column_cleans_what_any_statement_binds(store: Store) -> None:
    """Not only the article write path: a direct insert or update of any text column, JSON
    included, is cleaned by the column type (PostgreSQL raised DataError on the NUL)."""
    ts = NOW.replace(tzinfo=None)

    def go(conn) -> None:  # type: ignore[no-untyped-def]
        oid = conn.execute(
            insert(t.outlets)
            .values(
                domain="x\x00.example", name="N\x00a\ud800me\x85", created_at=ts, updated_at=ts
            )  # fmt: skip
            .returning(t.outlets.c.id)
        ).scalar_one()
        conn.execute(
            insert(t.feeds).values(
                url="http://x.example/f", title="T\x01", last_error="e\x00", created_at=ts
            )
        )
        conn.execute(update(t.feeds).values(title="Ti\x00tle\x1b"))
        sid = conn.execute(
            insert(t.stories)
            .values(
                headline="H\x00\x0b\ufffe",
                why={"terms\x00": ["a\ud800"]},
                created_at=ts,
                updated_at=ts,
            )  # fmt: skip
            .returning(t.stories.c.id)
        ).scalar_one()
        conn.execute(
            insert(t.articles).values(
                key="k\x00",
                title="A\x00",
                text="t\x00\n\tx",
                outlet_id=oid,
                story_id=sid,
                extra={"a\x00": "b\x01"},
                created_at=ts,
                updated_at=ts,
            )  # fmt: skip
        )

    store.write(go)
    with store.read() as conn:
        outlet = conn.execute(select(t.outlets)).one()
        feed = conn.execute(select(t.feeds)).one()
        story = conn.execute(select(t.stories)).one()
        article = conn.execute(select(t.articles)).one()
        found = conn.execute(select(t.articles.c.id).where(t.articles.c.key == "k\x00")).all()
    assert (outlet.domain, outlet.name) == ("x.example", "Na\ufffdme")
    assert (feed.title, feed.last_error) == ("Title", "e")
    assert (story.headline, story.why) == ("H", {"terms": ["a\ufffd"]})
    assert (article.key, article.title, article.text) == ("k", "A", "t\n\tx")
    assert article.extra == {"a": "b"}
    assert len(found) == 1  # a lookup by a dirty value finds the clean row


def _raw_story(store: Store, headline: str, outlet_name: str) -> str:
    """A story, an outlet and an article written with plain SQL (no column types): a row as a
    database written before this version holds it. Returns the outlet's domain."""
    ts = NOW.replace(tzinfo=None)
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outlets (id, domain, name, origin, created_at, updated_at) "
                "VALUES (1, 'raw.example', :n, 'import', :ts, :ts)"
            ),
            {"n": outlet_name, "ts": ts},
        )
        conn.execute(
            text(
                "INSERT INTO stories (id, headline, article_count, outlet_count, "
                "last_published_at, created_at, updated_at) VALUES (1, :h, 1, 1, :ts, :ts, :ts)"
            ),
            {"h": headline, "ts": ts},
        )
        conn.execute(
            text(
                "INSERT INTO articles (id, key, title, outlet_id, domain, story_id, "
                "published_at, created_at, updated_at) "
                "VALUES (1, 'raw:1', :h, 1, 'raw.example', 1, :ts, :ts, :ts)"
            ),
            {"h": headline, "ts": ts},
        )
    return "raw.example"


def test_atom_is_valid_xml_for_rows_stored_before_the_cleaning(
    store: Store, tmp_path: Path
) -> None:
    """Rows written raw (older versions, a hand edit) with every control PostgreSQL accepts
    (and NUL on SQLite): every Atom feed still parses. On the audited code ElementTree wrote
    them raw and no XML parser accepted the document."""
    nul = "" if store.engine.dialect.name == "postgresql" else "\x00"
    dirty = f"Vote{nul} \x01on\x08 the\x1b budget\x7f \x85\x9f\ufffe\uffff end"
    domain = _raw_story(store, dirty, f"Raw{nul}\x01 Outlet\x0c")
    paths = ["/feeds/top.atom", f"/feeds/outlets/{domain}.atom", "/feeds/topics/a%01b%1bc.atom"]
    _atom_documents(store, _settings(), tmp_path, paths)


XML_ANY = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=60)


@hsettings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(headline=XML_ANY, name=XML_ANY)
def test_atom_parses_for_any_stored_text(
    sqlite_store: Store, tmp_path: Path, headline: str, name: str
) -> None:
    """Any text at all (every category but lone surrogates, which no driver can write raw)
    stored raw as a headline and an outlet name: the Atom feeds parse."""
    with sqlite_store.engine.begin() as conn:
        for table in ("articles", "stories", "outlets"):
            conn.execute(text(f"DELETE FROM {table}"))
    domain = _raw_story(sqlite_store, headline, name)
    _atom_documents(
        sqlite_store, _settings(), tmp_path, ["/feeds/top.atom", f"/feeds/outlets/{domain}.atom"]
    )
