"""Contract tests of the store: the same assertions on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, insert, inspect, select, text

from everyside.errors import SchemaTooNewError, StoreError
from everyside.store import open_store
from everyside.store import schema as t
from everyside.store.db import code_heads

NOW = datetime(2026, 11, 29, 12, 0, 0)


def test_migrated_to_head_with_every_table(store):
    assert store.current_revision() in code_heads()
    names = set(inspect(store.engine).get_table_names())
    for table in (
        "outlets",
        "outlet_aliases",
        "raters",
        "ratings",
        "ownership",
        "feeds",
        "articles",
        "stories",
        "coverage",
        "summaries",
        "feedback",
        "state",
    ):
        assert table in names


def test_indexes_for_the_hot_queries(store):
    idx = {i["name"] for i in inspect(store.engine).get_indexes("articles")}
    assert {"ix_articles_outlet_time", "ix_articles_story", "ix_articles_published"} <= idx


def _article(key: str, **kw):
    return {"key": key, "title": "t", "created_at": NOW, "updated_at": NOW, **kw}


def test_article_key_is_unique(store):
    store.write(lambda c: c.execute(insert(t.articles), [_article("https://a.example/1")]))
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError (wrapped differently per driver)
        store.write(lambda c: c.execute(insert(t.articles), [_article("https://a.example/1")]))
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.articles)).scalar() == 1


def test_write_is_one_transaction(store):
    def half_then_fail(conn):
        conn.execute(insert(t.articles), [_article("https://a.example/2")])
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.write(half_then_fail)
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.articles)).scalar() == 0


def test_rating_unique_per_rater_outlet_axis(store):
    def setup(conn):
        oid = conn.execute(
            insert(t.outlets)
            .values(domain="x.example", name="X", origin="user", created_at=NOW, updated_at=NOW)
            .returning(t.outlets.c.id)
        ).scalar_one()
        rid = conn.execute(insert(t.raters).values(name="r").returning(t.raters.c.id)).scalar_one()
        conn.execute(
            insert(t.ratings).values(
                rater_id=rid, outlet_id=oid, axis="bias", raw="Left", value=-2.0, provenance="test"
            )
        )
        return oid, rid

    oid, rid = store.write(setup)
    with pytest.raises(Exception):  # noqa: B017
        store.write(
            lambda c: c.execute(
                insert(t.ratings).values(
                    rater_id=rid, outlet_id=oid, axis="bias", raw="Center", value=0.0, provenance=""
                )
            )
        )
    store.write(
        lambda c: c.execute(
            insert(t.ratings).values(
                rater_id=rid, outlet_id=oid, axis="factuality", raw="High", value=3.0, provenance=""
            )
        )
    )


def test_json_columns_round_trip(store):
    doc = {"why": ["Kerry", "Iran"], "n": 3, "nested": {"a": [1, 2]}}
    store.write(
        lambda c: c.execute(
            insert(t.stories).values(headline="h", why=doc, created_at=NOW, updated_at=NOW)
        )
    )
    with store.read() as conn:
        assert conn.execute(select(t.stories.c.why)).scalar_one() == doc


def test_refuses_a_database_newer_than_the_code(db_url):
    s = open_store(db_url, migrate=True)
    s.write(lambda c: c.execute(text("UPDATE alembic_version SET version_num = '9999'")))
    s.close()
    with pytest.raises(SchemaTooNewError, match="newer everyside"):
        open_store(db_url)


def test_migrate_is_idempotent(db_url):
    s = open_store(db_url, migrate=True)
    rev = s.current_revision()
    s.migrate()
    assert s.current_revision() == rev
    s.close()


@pytest.mark.postgres
def test_postgres_needs_explicit_migrate(pg_url):
    with pytest.raises(StoreError, match="everyside migrate"):
        open_store(pg_url)
    open_store(pg_url, migrate=True).close()
    open_store(pg_url).close()  # now up to date: opens without migrating


def test_sqlite_migrates_automatically_and_uses_wal(sqlite_url):
    s = open_store(sqlite_url)
    with s.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    s.close()


def test_readers_do_not_block_the_writer(sqlite_url):
    s = open_store(sqlite_url)
    with s.read() as reader:
        # autobegin: the reader now holds an open read transaction
        reader.execute(select(func.count()).select_from(t.articles)).scalar()
        s.write(lambda c: c.execute(insert(t.articles), [_article("https://a.example/3")]))
        reader.rollback()
    with s.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.articles)).scalar() == 1
    s.close()


def test_the_migration_chain_read_as_text_is_alembics():
    """Opening a store reads the revisions from the migration files as text (no Alembic import
    at start-up, issue 18): that reading must agree with Alembic's own."""
    from alembic.script import ScriptDirectory

    from everyside.store.db import _alembic_config, _revisions

    script = ScriptDirectory.from_config(_alembic_config())
    assert code_heads() == set(script.get_heads())
    assert _revisions() == {r.revision: r.down_revision for r in script.walk_revisions()}


def test_opening_a_migrated_store_does_not_import_alembic(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "a.db"
    open_store(f"sqlite:///{db}").close()  # created and migrated here
    probe = (
        "import sys; from everyside.store import open_store; "
        f"s = open_store('sqlite:///{db}'); print(s.current_revision()); "
        "print('alembic' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [max(code_heads()), "False"]
