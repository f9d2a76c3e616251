"""Full-text search (migration 0002 + store/search.py) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import insert, text

from everyside.store import open_store
from everyside.store.db import Store
from everyside.store.schema import articles, stories
from everyside.store.search import (
    SearchFilter,
    SearchPage,
    fts5_query,
    search_articles,
    search_page,
    search_stories,
    similar_stories,
)

NOW = datetime(2026, 1, 1, 12, 0)


def _fill(store: Store) -> None:
    def go(conn):  # type: ignore[no-untyped-def]
        for sid, headline in ((1, "Senate passes climate bill"), (2, "Storm hits Florida coast")):
            conn.execute(
                insert(stories).values(id=sid, headline=headline, created_at=NOW, updated_at=NOW)
            )
        rows = [
            (1, 1, "Lawmakers approve emissions law", "The vote was close."),
            (2, 1, "Climate package clears Senate", None),
            (3, 2, "Hurricane batters Florida", "Thousands without power in Tampa."),
            (4, None, "Unclustered climate article", None),
        ]
        for aid, sid, title, summary in rows:
            conn.execute(
                insert(articles).values(
                    id=aid,
                    key=f"k{aid}",
                    story_id=sid,
                    title=title,
                    summary=summary,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )

    store.write(go)


def _check(store: Store) -> None:
    with store.read() as conn:
        ids = [h.story_id for h in search_stories(conn, "climate")]
        assert ids[0] == 1 and 2 not in ids
        assert [h.story_id for h in search_stories(conn, "tampa")] == [2]
        assert [h.story_id for h in search_stories(conn, "hurricanes")] == [2]  # stemming
        assert search_stories(conn, "zebra") == []
        assert search_stories(conn, '"); DROP TABLE stories; --') == []
        assert search_stories(conn, "   ") == []
        assert 4 in search_articles(conn, "climate")
        assert similar_stories(conn, 2, ["senate", "Climate bill"]) == [1]
        assert similar_stories(conn, 1, ["Senate"]) == []  # never itself
        assert similar_stories(conn, 1, ["Florida", "storm"]) == [2]
        assert similar_stories(conn, 1, []) == []
        # totals, paging, filters (the same SQL shape on both databases)
        assert search_page(conn, "florida climate").total == 0  # every word must match
        one = search_page(conn, "climate", limit=1)
        assert one.total == 1 and one.hits[0].matched_articles == 1
        assert search_page(conn, "climate", offset=5) == SearchPage(1, [])  # total past the end
        late = SearchFilter(since=datetime(2026, 1, 2))
        assert search_page(conn, "climate", f=late).total == 0
        assert search_page(conn, "climate", f=SearchFilter(outlet="nowhere.example")).total == 0
    # the triggers keep the index in step with updates and deletes
    store.write(
        lambda c: c.execute(text("UPDATE articles SET title='Typhoon near Tampa' WHERE id=1"))
    )
    store.write(lambda c: c.execute(text("DELETE FROM articles WHERE id=2")))
    store.write(lambda c: c.execute(text("UPDATE stories SET headline='Typhoon' WHERE id=1")))
    with store.read() as conn:
        assert [h.story_id for h in search_stories(conn, "climate")] == []
        assert sorted(h.story_id for h in search_stories(conn, "typhoon")) == [1]


@pytest.mark.parametrize(
    "q, expected",
    [
        ("climate bill", '"climate" "bill"*'),
        ('a"b OR c*', '"a" "b" "or" "c"*'),  # the analyzer's lower-cased words
        ("  ", None),
        ("Zürich", '"zürich"*'),  # FTS5's unicode61 tokenizer folds case too
    ],
)
def test_fts5_query_quotes_user_text(q: str, expected: str | None) -> None:
    assert fts5_query(q) == expected


def test_sqlite_search(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with open_store(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
        _fill(store)
        _check(store)


def test_sqlite_migration_indexes_existing_rows_and_downgrades(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from everyside.store.db import _alembic_config

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with open_store(url) as store:
        with store.engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0001")
        _fill(store)
        store.migrate()
        with store.read() as conn:
            assert [h.story_id for h in search_stories(conn, "tampa")] == [2]
        with store.engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0001")
        with store.read() as conn:
            names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
        assert not {n for n in names if "fts" in n}


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    store = open_store(pg_url, migrate=True)
    yield store
    store.close()


@pytest.mark.postgres
def test_postgres_search(pg_store: Store) -> None:
    _fill(pg_store)
    pg_store.write(lambda c: c.execute(text("SELECT setval('stories_id_seq', 10)")))
    _check(pg_store)
    with pg_store.read() as conn:
        conn.execute(text("SET enable_seqscan = off"))  # few rows: force the planner's hand
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                text(
                    "EXPLAIN SELECT id FROM articles WHERE to_tsvector('english', "
                    "coalesce(title, '') || ' ' || coalesce(summary, '')) "
                    "@@ websearch_to_tsquery('english', 'x')"
                )
            )
        )
        assert "ix_articles_fts" in plan
