"""End to end on real data: import ../shared/data/stories/allsides_dev.jsonl with the bundled
outlet directory, cluster with the story engine, analyse coverage, and check that the computed
Left/Center/Right side of each outlet agrees with the AllSides `side` label of the file.

Disagreements come from the raters, not the arithmetic: AllSides calls NPR, AP and Axios Center,
while the mean of all raters puts them at Lean Left. The floor is pinned (docs/quality.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from everyside.services import coverage as cs
from everyside.services.pipeline import import_files
from everyside.settings import load_settings
from everyside.store import Store, open_store
from everyside.store import schema as t

pytestmark = pytest.mark.slow
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "stories"
NOW = datetime(2026, 11, 29, 12, 0)
# measured 0.836 while audience ideology was averaged in as a rater; 0.798 since it is a signal
# for the estimates only (issue 19: on the Ground News stream rater agreement rose 0.860 ->
# 0.883). AllSides's labels are AllSides's own ratings, which audience ideology pulled toward
# (NPR, AP, Axios: Center); see docs/quality.md. Only moves up from here.
SIDE_AGREEMENT_FLOOR = 0.79


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, set[int]]]:
    from everyside.services.stories import assign_pending

    path = DATA / "allsides_dev.jsonl"
    if not path.is_file():
        pytest.fail(f"labelled data missing: {path}")
    db = tmp_path_factory.mktemp("e2e") / "everyside.db"
    store = open_store(f"sqlite:///{db}")
    settings = load_settings(env={}, cli={"data_dir": str(db.parent)})
    import_files(store, settings, [path], NOW, process=False)
    changed = set(assign_pending(store, settings, NOW))
    with store.read() as conn:  # without the stories the repair pass merged away
        story_ids = set(
            conn.execute(
                select(t.stories.c.id).where(
                    t.stories.c.merged_into.is_(None), t.stories.c.id.in_(changed)
                )
            ).scalars()
        )
    written = cs.update_coverage(store, settings, sorted(story_ids), NOW)
    assert written == len(story_ids) > 0
    yield store, story_ids
    store.close()


def _labels() -> dict[str, dict[str, Any]]:
    with (DATA / "allsides_dev.jsonl").open(encoding="utf-8") as fh:
        return {row["id"]: row for row in map(json.loads, fh)}


def test_sides_agree_with_allsides_labels(analysed: tuple[Store, set[int]]) -> None:
    store, story_ids = analysed
    labels = _labels()
    with store.read() as conn:
        rows = conn.execute(
            select(t.articles.c.id, t.articles.c.external_id, t.articles.c.story_id)
        ).all()
        docs = {sid: cs.get_coverage(conn, sid) for sid in story_ids}
    assert len(rows) == len(labels)
    agree = rated = 0
    for art_id, ext, sid in rows:
        doc = docs[sid]
        assert doc is not None, f"story {sid} has no coverage"
        row = next(a for a in doc["articles"] if a["id"] == art_id)
        if row["side"] is not None:
            rated += 1
            agree += row["side"] == labels[ext]["side"]
    print(f"side agreement {agree}/{rated} = {agree / rated:.3f}; {len(story_ids)} stories")
    assert rated >= 0.97 * len(rows)  # the directory rates nearly every AllSides outlet
    assert agree / rated >= SIDE_AGREEMENT_FLOOR


def test_sample_stories_have_every_side(analysed: tuple[Store, set[int]]) -> None:
    """Every 10th gold story: the computed story holding each of its articles lists that
    article, and the side counts equal the story's list of rated outlets."""
    store, _ = analysed
    labels = _labels()
    gold: dict[str, list[str]] = {}
    for ext, row in labels.items():
        gold.setdefault(row["story"], []).append(ext)
    sample = sorted(gold)[::10]
    a = t.articles.c
    with store.read() as conn:
        by_ext = {r.external_id: r for r in conn.execute(select(a.id, a.external_id, a.story_id))}
        for g in sample:
            for ext in gold[g]:
                art = by_ext[ext]
                doc = cs.get_coverage(conn, art.story_id)
                assert doc is not None
                assert art.id in {x["id"] for x in doc["articles"]}
                counts = doc["bias"]["by_outlet"]["counts"]
                assert sum(counts.values()) == sum(1 for o in doc["outlets"] if o["side"])
                assert doc["sources"]["total"] == len(doc["outlets"])


def test_cli_shows_an_imported_story(analysed: tuple[Store, set[int]]) -> None:
    from typer.testing import CliRunner

    from everyside.cli import app

    store, story_ids = analysed
    sid = min(story_ids)
    res = CliRunner().invoke(
        app,
        ["--database-url", str(store.engine.url), "stories", "show", str(sid)],
        env={"COLUMNS": "150"},
    )
    assert res.exit_code == 0, res.output
    with store.read() as conn:
        doc = cs.get_coverage(conn, sid)
    assert doc is not None
    assert doc["bias"]["plurality"][:30] in res.output
    assert "broke the news" in res.output and "Sources" in res.output
