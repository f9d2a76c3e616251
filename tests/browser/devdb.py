"""Build a believable database from ../shared/data/stories/allsides_dev.jsonl with the real
pipeline (registry → import → story engine → coverage → summaries).

Each stage that has not landed yet is replaced by the simplest honest stand-in, reported in
`Built.stand_ins`: stories grouped by the file's gold `story` field, outlet bias from the file's
`side` labels (a rater named "allsides-labels (test fixture)"). Once every service exists the
stand-ins are unused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select, text, update

from everyside.settings import Settings
from everyside.store import Store
from everyside.store import schema as t

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
DEV_FILE = DATA / "stories" / "allsides_dev.jsonl"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SIDE_VALUE = {"left": -2.0, "center": 0.0, "right": 2.0}


@dataclass
class Site:
    """The running test server."""

    base: str
    store: object
    stand_ins: list[str]


@dataclass
class Built:
    stories: int = 0
    stand_ins: list[str] = field(default_factory=list)


def build(store: Store, settings: Settings, now: datetime, path: Path = DEV_FILE) -> Built:
    """The labelled dev file through the product's pipeline (`everyside import`)."""
    from everyside.services.pipeline import import_files, refresh_ratings

    built = Built()
    _reports, processed = import_files(store, settings, [path], now)
    with store.read() as conn:
        rated = conn.execute(text("SELECT count(*) FROM outlets WHERE bias IS NOT NULL")).scalar()
    if not rated:
        _label_ratings(store, now)
        refresh_ratings(store, settings, now)
        built.stand_ins.append("ratings from side labels")
    built.stories = len(processed.story_ids) if processed else 0
    return built


def _articles(conn):  # type: ignore[no-untyped-def]
    rows = conn.execute(
        select(
            t.articles.c.id,
            t.articles.c.outlet_id,
            t.articles.c.title,
            t.articles.c.published_at,
            t.articles.c.extra,
        )
    ).all()
    return [
        (r[0], r[1], r[2], r[3], r[4] if isinstance(r[4], dict) else json.loads(r[4] or "{}"))
        for r in rows
    ]


def _label_ratings(store: Store, now: datetime) -> None:
    def go(conn):  # type: ignore[no-untyped-def]
        rater = conn.execute(
            insert(t.raters).values(name="allsides-labels", title="AllSides labels (test fixture)")
        ).inserted_primary_key[0]
        sides: dict[int, str] = {}
        for _aid, oid, _title, _pub, extra in _articles(conn):
            if oid and extra.get("side") in SIDE_VALUE:
                sides[oid] = extra["side"]
        for oid, side in sides.items():
            conn.execute(
                insert(t.ratings).values(
                    rater_id=rater,
                    outlet_id=oid,
                    axis="bias",
                    raw=side,
                    value=SIDE_VALUE[side],
                    provenance="allsides_dev.jsonl side field",
                )
            )
            conn.execute(
                update(t.outlets)
                .where(t.outlets.c.id == oid)
                .values(bias=SIDE_VALUE[side], bias_spread=0.0)
            )

    store.write(go)
