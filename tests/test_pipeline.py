"""The sequencer end to end on real data: import → stories → coverage → summaries, re-runs."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from everyside.services.pipeline import import_files, process_pending
from everyside.settings import load_settings
from everyside.store import open_store
from everyside.store import schema as t

# imports and analyses all of allsides_dev once (about 15 s)
pytestmark = pytest.mark.slow

NOW = datetime(2026, 11, 29, 12, 0, 0)


@pytest.fixture(scope="module")
def imported(tmp_path_factory, shared_data):
    tmp = tmp_path_factory.mktemp("pipeline")
    settings = load_settings(
        None, env={"EVERYSIDE_CONFIG": str(tmp / "none.toml")}, cli={"data_dir": str(tmp)}
    )
    store = open_store(settings.db_url)
    reports, processed = import_files(
        store, settings, [shared_data / "stories" / "allsides_dev.jsonl"], NOW
    )
    yield store, settings, reports[0], processed
    store.close()


def _scalar(store, query):
    with store.read() as conn:
        return conn.execute(query).scalar_one()


def test_every_article_gets_a_story_and_every_story_is_analysed(imported):
    store, _settings, report, processed = imported
    assert report.inserted == 882 and report.failed == 0
    assert _scalar(store, select(func.count()).where(t.articles.c.story_id.is_(None))) == 0
    live = select(t.stories.c.id).where(t.stories.c.merged_into.is_(None))
    n_stories = _scalar(store, select(func.count()).select_from(live.subquery()))
    n_coverage = _scalar(store, select(func.count()).select_from(t.coverage))
    merged = select(t.stories.c.id).where(t.stories.c.merged_into.is_not(None))
    n_merged = _scalar(store, select(func.count()).select_from(merged.subquery()))
    # every live story is analysed; the changed ones also count stories merged away by repair
    assert n_stories == n_coverage
    assert processed.stories_changed == n_stories + n_merged
    # a summary for every story with >= 3 articles from >= 2 outlets
    eligible = _scalar(
        store,
        select(func.count())
        .select_from(t.stories)
        .where(
            t.stories.c.article_count >= 3,
            t.stories.c.outlet_count >= 2,
            t.stories.c.merged_into.is_(None),
        ),
    )
    # allsides_dev's 303 stories of three articles: 198 such stories found (second engine)
    assert _scalar(store, select(func.count()).select_from(t.summaries)) >= eligible >= 190


def test_story_counts_match_their_members(imported):
    store = imported[0]
    with store.read() as conn:
        rows = conn.execute(
            select(t.stories.c.id, t.stories.c.article_count, func.count(t.articles.c.id))
            .join(t.articles, t.articles.c.story_id == t.stories.c.id)
            .group_by(t.stories.c.id, t.stories.c.article_count)
        ).all()
    assert rows and all(stored == members for _id, stored, members in rows)


def test_reimport_changes_nothing(imported, shared_data):
    store, settings, _report, _processed = imported
    reports, processed = import_files(
        store, settings, [shared_data / "stories" / "allsides_dev.jsonl"], NOW
    )
    assert (reports[0].inserted, reports[0].updated, reports[0].unchanged) == (0, 0, 882)
    assert processed.stories_changed == 0


def test_repair_pass_keeps_the_store_consistent(imported):
    store, settings, _r, _p = imported
    report = process_pending(store, settings, NOW, repair=True)
    live = select(t.stories.c.id).where(t.stories.c.merged_into.is_(None))
    assert _scalar(store, select(func.count()).where(t.articles.c.story_id.is_(None))) == 0
    # no article points at a story that was merged away
    with store.read() as conn:
        orphans = conn.execute(
            select(func.count())
            .select_from(t.articles.join(t.stories, t.articles.c.story_id == t.stories.c.id))
            .where(t.stories.c.merged_into.is_not(None))
        ).scalar_one()
    assert orphans == 0
    assert (
        report.stories_changed >= 0
        and _scalar(store, select(func.count()).select_from(live.subquery())) > 250
    )


def test_stored_stories_are_what_the_evaluation_scores(imported, shared_data):
    """`everyside import` + the repair cadence give the very partition `eval clustering` scores."""
    import json

    from everyside.domain.clustering.replay import item_from_row, replay, stream_order
    from everyside.services.embeddings import story_engine

    store, settings, _r, _p = imported
    rows = [json.loads(x) for x in (shared_data / "stories" / "allsides_dev.jsonl").open()]
    items = [item_from_row(r) for r in rows]
    order = stream_order(items)
    labels = replay(
        story_engine(settings),
        [items[i] for i in order],
        settings.story_repair_every,
    )
    evaluated: dict[int, set[str]] = {}
    for i, label in zip(order, labels, strict=True):
        evaluated.setdefault(label, set()).add(rows[i]["id"])
    with store.read() as conn:
        stored: dict[int, set[str]] = {}
        for ext, sid in conn.execute(select(t.articles.c.external_id, t.articles.c.story_id)):
            stored.setdefault(sid, set()).add(ext)
    assert {frozenset(v) for v in stored.values()} == {frozenset(v) for v in evaluated.values()}
