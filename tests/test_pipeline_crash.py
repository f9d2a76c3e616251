"""Issue 16, item 7: kill -9 during clustering must not leave stories without coverage.

Clustering commits a batch of assignments at a time and the analysis (coverage, summaries) of
the changed stories runs after the last one; on the audited code a process killed in between
left those stories unanalysed for good (1,340 of them in the audit), since the next run only
analysed the stories *it* changed. Now the transaction that changes a story's members marks it
(`stories.analysis_due`, migration 0005) and every pipeline run — `everyside process`, `up` —
analyses the marked stories first.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, func, insert, select, text

from everyside.services.articles import ArticleWriter
from everyside.services.coverage import stale_story_ids
from everyside.services.importer import import_jsonl
from everyside.services.outlets import OutletResolver
from everyside.services.pipeline import process_pending
from everyside.services.summaries import update_summaries
from everyside.settings import load_settings
from everyside.store import Store, open_store
from everyside.store import schema as t
from everyside.store import stories as story_rows
from everyside.store.db import _alembic_config

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _settings():  # type: ignore[no-untyped-def]
    return load_settings(env={"EVERYSIDE_CONFIG": "/nonexistent"})


def _unanalysed(store: Store) -> list[int]:
    """Live stories with members and no coverage document."""
    s, a, c = t.stories.c, t.articles.c, t.coverage.c
    members = select(a.id).where(a.story_id == s.id).exists()
    covered = select(c.story_id).where(c.story_id == s.id).exists()
    with store.read() as conn:
        q = select(s.id).where(s.merged_into.is_(None), members, ~covered)
        return list(conn.execute(q).scalars())


def test_sigkill_mid_clustering_then_process_analyses_every_story(
    sqlite_url: str, tmp_path: Path, shared_data: Path
) -> None:
    """Import a file without clustering, run a real `everyside process`, SIGKILL it once some
    stories are committed, then run `everyside process` again: every story with articles has
    its coverage, no summary is missing, nothing is left marked."""
    with open_store(sqlite_url) as store:
        _kill_and_restart(store, sqlite_url, tmp_path, shared_data)


@pytest.mark.postgres
@pytest.mark.slow
def test_sigkill_mid_clustering_then_process_analyses_every_story_on_postgres(
    pg_url: str, tmp_path: Path, shared_data: Path
) -> None:
    with open_store(pg_url, migrate=True) as store:
        _kill_and_restart(store, pg_url, tmp_path, shared_data)


def _kill_and_restart(store: Store, db_url: str, tmp_path: Path, shared_data: Path) -> None:
    rep = import_jsonl(
        store,
        shared_data / "stories" / "uci_dev.jsonl",
        NOW,
        ArticleWriter(_settings(), OutletResolver()),
    )
    assert rep.inserted > 2000
    env = {
        **os.environ,
        "EVERYSIDE_DATA_DIR": str(tmp_path / "data"),
        "EVERYSIDE_DATABASE_URL": db_url,
        "EVERYSIDE_CONFIG": str(tmp_path / "none.toml"),
        "EVERYSIDE_STORY_EMBEDDINGS": "false",  # lexical channels: a quicker start
    }
    cmd = [sys.executable, "-m", "everyside", "process"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = create_engine(db_url)
    assigned, deadline = 0, time.monotonic() + 300
    a = t.articles.c
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
            with engine.connect() as conn:
                assigned = conn.execute(
                    select(func.count()).where(a.story_id.is_not(None))
                ).scalar_one()
            if assigned >= 200:  # the first committed chunk of assignments
                break
        assert proc.poll() is None, f"`process` finished before it could be killed ({assigned})"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        engine.dispose()
    killed = _unanalysed(store)
    assert killed, "the kill came too late: every story had its coverage already"
    with store.read() as conn:
        marked = story_rows.due_stories(conn)
    assert set(killed) <= set(marked)  # the mark survived the kill
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert _unanalysed(store) == []  # the audited code left `killed` without coverage
    with store.read() as conn:
        assert stale_story_ids(conn) == []
        assert story_rows.due_stories(conn) == {}
        live = list(
            conn.execute(select(t.stories.c.id).where(t.stories.c.merged_into.is_(None))).scalars()
        )
    settings = _settings().replace(story_embeddings=False)
    assert update_summaries(store, settings, live, NOW) == 0  # no summary was missing


def test_a_mark_set_during_the_analysis_survives_it(store: Store) -> None:
    """The mark is a counter: an analysis that read mark n resets it only if it is still n,
    so a story changed by another writer while it was analysed stays marked."""
    ts = NOW.replace(tzinfo=None)

    def story(conn) -> int:  # type: ignore[no-untyped-def]
        return story_rows.new_story(conn, NOW)

    sid = store.write(story)
    with store.read() as conn:
        marks = story_rows.due_stories(conn, [sid])
    assert marks == {sid: 1}
    store.write(lambda conn: story_rows.mark_due(conn, [sid]))  # another writer, meanwhile
    store.write(lambda conn: story_rows.clear_due(conn, marks))
    with store.read() as conn:
        assert story_rows.due_stories(conn) == {sid: 2}
        store_marks = story_rows.due_stories(conn, [sid])
    store.write(lambda conn: story_rows.clear_due(conn, store_marks))
    with store.read() as conn:
        assert story_rows.due_stories(conn) == {}
    # every change of members marks: articles assigned, moved, merged
    other = store.write(story)

    def articles(conn) -> list[int]:  # type: ignore[no-untyped-def]
        ids = []
        for i in range(3):
            ids.append(
                conn.execute(
                    insert(t.articles)
                    .values(key=f"k{i}", title=f"t{i}", created_at=ts, updated_at=ts)
                    .returning(t.articles.c.id)
                ).scalar_one()
            )
        return ids

    aids = store.write(articles)
    store.write(lambda conn: story_rows.clear_due(conn, story_rows.due_stories(conn)))
    from everyside.store import articles as article_rows

    store.write(lambda conn: article_rows.set_story(conn, [{"aid": aids[0], "sid": sid}], NOW))
    with store.read() as conn:
        assert set(story_rows.due_stories(conn)) == {sid}
    store.write(lambda conn: story_rows.clear_due(conn, story_rows.due_stories(conn)))
    store.write(lambda conn: story_rows.move_articles(conn, [aids[0]], other))
    with store.read() as conn:
        assert set(story_rows.due_stories(conn)) == {sid, other}
    store.write(lambda conn: story_rows.clear_due(conn, story_rows.due_stories(conn)))
    store.write(lambda conn: story_rows.merge(conn, other, sid, NOW))
    with store.read() as conn:
        assert set(story_rows.due_stories(conn)) == {sid, other}


def test_process_analyses_marked_stories_first(store: Store, tmp_path: Path) -> None:
    """A story marked but never analysed (the state a kill leaves) gets its coverage from the
    next `process_pending`, even with no new article to cluster."""
    f = tmp_path / "few.jsonl"
    f.write_text(
        "\n".join(
            f'{{"id": "{i}", "title": "Council votes on the city budget {i}", '
            f'"text": "The council voted on the budget.", "url": "https://o{i}.example/a", '
            f'"date": "2026-03-01T10:0{i}:00Z"}}'
            for i in range(4)
        )
        + "\n",
        encoding="utf-8",
    )
    settings = _settings().replace(story_embeddings=False)
    import_jsonl(store, f, NOW, ArticleWriter(settings, OutletResolver()))
    process_pending(store, settings, NOW)
    assert _unanalysed(store) == []
    # the state a kill between clustering and analysis leaves: documents gone, marks set
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM summaries"))
        conn.execute(text("DELETE FROM coverage"))
    with store.read() as conn:
        live = list(conn.execute(select(t.stories.c.id)).scalars())
    store.write(lambda conn: story_rows.mark_due(conn, live))
    report = process_pending(store, settings, NOW)
    assert report.coverage_updated == len(live) and _unanalysed(store) == []
    with store.read() as conn:
        assert story_rows.due_stories(conn) == {}


def test_migration_marks_stories_a_kill_left_without_coverage(sqlite_url: str) -> None:
    """A database damaged before 0005 (stories with members, no coverage) is repaired: the
    upgrade marks those stories, and the next run analyses them."""
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0004")
    ts = NOW.replace(tzinfo=None)
    with engine.begin() as conn:
        for sid in (1, 2, 3):
            conn.execute(
                text(
                    "INSERT INTO stories (id, article_count, outlet_count, created_at, "
                    "updated_at) VALUES (:i, 1, 1, :ts, :ts)"
                ),
                {"i": sid, "ts": ts},
            )
        for sid in (1, 2):  # story 3 has no members
            conn.execute(
                text(
                    "INSERT INTO articles (key, title, story_id, created_at, updated_at) "
                    "VALUES (:k, 't', :i, :ts, :ts)"
                ),
                {"k": f"k{sid}", "i": sid, "ts": ts},
            )
        conn.execute(
            text(
                "INSERT INTO coverage (story_id, outlets, rated_outlets, data, computed_at) "
                "VALUES (1, 1, 0, '{}', :ts)"
            ),
            {"ts": ts},
        )
    engine.dispose()
    store = open_store(sqlite_url)  # migrates to head
    try:
        with store.read() as conn:
            assert story_rows.due_stories(conn) == {2: 1}
    finally:
        store.close()
