"""One pipeline for every entry point: articles that arrive through `everyside ingest --once`
(a real feed served on 127.0.0.1) end up in the same stories, with the same coverage, as the
same articles loaded by `everyside import`."""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from everyside.bench.localserver import Doc, LocalServer, Routes
from everyside.cli import app
from everyside.store import open_store
from everyside.store import schema as t

STORIES = 25  # the first 25 stories of allsides_dev: 75 articles, 3 sides each


def _rows(shared: Path) -> list[dict[str, Any]]:
    """The articles of the first STORIES stories, each text on one line (a feed's HTML content
    has no paragraph breaks the import file would keep)."""
    out, stories = [], []
    with (shared / "stories" / "allsides_dev.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["story"] not in stories:
                if len(stories) == STORIES:
                    break
                stories.append(r["story"])
            r["text"] = " ".join((r.get("text") or "").split())
            out.append(r)
    return out


def _rss(rows: list[dict[str, Any]]) -> bytes:
    items = "".join(
        f"<item><title>{escape(r['title'])}</title><link>{escape(r['url'])}</link>"
        f"<guid isPermaLink='false'>{escape(r['id'])}</guid>"
        f"<pubDate>{format_datetime(datetime.fromisoformat(r['date']))}</pubDate>"
        f"<description>{escape(r['text'][:200])}</description>"
        f"<content:encoded>{escape('<p>' + escape(r['text']) + '</p>')}</content:encoded></item>"
        for r in rows
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Labelled news</title><link>http://example.org/</link>{items}</channel></rss>"
    ).encode()


def _cli(url: str, *args: str, env: dict[str, str]) -> str:
    res = CliRunner().invoke(app, ["--database-url", url, *args], env=env)
    assert res.exit_code == 0, (res.output, res.exception)
    return res.output


def _stories(url: str) -> dict[frozenset[str], dict[str, Any]]:
    """Each live story, keyed by the canonical keys of its articles: its row and coverage."""
    store = open_store(url)
    try:
        with store.read() as conn:
            a, s, c = t.articles.c, t.stories.c, t.coverage.c
            members: dict[int, set[str]] = {}
            for sid, key in conn.execute(select(a.story_id, a.key)):
                members.setdefault(sid, set()).add(key)
            rows = conn.execute(
                select(s.id, s.headline, s.article_count, s.outlet_count, c.data)
                .select_from(t.stories.join(t.coverage, c.story_id == s.id))
                .where(s.merged_into.is_(None))
            ).all()
    finally:
        store.close()
    out = {}
    for sid, headline, n_articles, n_outlets, doc in rows:
        out[frozenset(members[sid])] = {
            "headline": headline,
            "articles": n_articles,
            "outlets": n_outlets,
            "sources": doc["sources"],
            "by_outlet": doc["bias"]["by_outlet"],
            "blindspot": doc["blindspot"].get("missed_by"),
            "topics": [x["tag"] for x in doc["topics"]],
        }
    return out


@pytest.mark.slow
def test_ingest_once_gives_the_stories_and_coverage_of_import(tmp_path, shared_data):
    rows = _rows(shared_data)
    env = {
        "EVERYSIDE_CONFIG": str(tmp_path / "none.toml"),
        "EVERYSIDE_DATA_DIR": str(tmp_path),
        "EVERYSIDE_ALLOW_PRIVATE_ADDRESSES": "1",  # the feed is served on 127.0.0.1
        "EVERYSIDE_BUNDLED_FEEDS": "0",
        "EVERYSIDE_FETCH_PAGES": "0",  # the article URLs are real outlets': never fetched
        "EVERYSIDE_POLITENESS_DELAY": "0",
    }
    routes = Routes()
    routes["/feed.xml"] = Doc(_rss(rows))
    ingested = f"sqlite:///{tmp_path / 'ingested.db'}"
    with LocalServer(routes) as srv:
        _cli(ingested, "feeds", "add", srv.url("/feed.xml"), env=env)
        out = _cli(ingested, "ingest", "--once", env=env)
    assert f"{len(rows)} new articles" in out, out
    assert "stories:" in out  # the round was clustered and analysed, not just stored

    jsonl = tmp_path / "same.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    imported = f"sqlite:///{tmp_path / 'imported.db'}"
    _cli(imported, "import", str(jsonl), env=env)

    via_feed, via_file = _stories(ingested), _stories(imported)
    assert sum(len(k) for k in via_feed) == len(rows)  # every article is in a live story
    assert set(via_feed) == set(via_file)  # the same partition into stories
    for members, story in via_file.items():
        assert via_feed[members] == story, sorted(members)
    assert any(s["sources"]["rated"] >= 2 for s in via_file.values())  # a real comparison
