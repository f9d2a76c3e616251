"""The adapter between the story engine (domain/clustering) and the store.

`assign_pending` reads articles with no story in published order, assigns them with a
`StoryEngine` kept in process (rebuilt from the store's last `story_window_days` of stream time
on first use, or after a failed write), and writes `articles.story_id` and the `stories` rows in
one `store.write` transaction per batch. A kill between batches leaves whole batches behind and
the next run (a new process, so a rebuilt engine) carries on with the rest. Counts and first/last
times are computed by SQL from the articles themselves, so they are right even for stories whose
older members are outside the engine's window. `repair_stories` applies the engine's merges
(`stories.merged_into`) and splits (a split that undoes a merge revives the story merged away,
under its own id).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from everyside.domain.clustering import NewsItem, StoryEngine
from everyside.domain.clustering.clock import arrival_order
from everyside.domain.clustering.repair import RepairResult, repair
from everyside.domain.times import utc, utc_or_none
from everyside.services.embeddings import story_engine
from everyside.store import Store
from everyside.store import articles as article_rows
from everyside.store import outlets as outlet_rows
from everyside.store import stories as story_rows

log = logging.getLogger(__name__)
BATCH = 500
Connection = Any  # an open store connection (inside `store.write(fn)`)


@dataclass
class _Live:
    engine: StoryEngine
    db_id: dict[int, int] = field(default_factory=dict)  # engine story id -> stories.id
    since_repair: int = 0  # articles assigned since the last repair pass

    def to_db(self, sid: int) -> int:
        return self.db_id.get(sid, sid)


_LIVE: weakref.WeakKeyDictionary[Store, _Live] = weakref.WeakKeyDictionary()


def _item(row: Any) -> NewsItem:
    return NewsItem(
        id=row.id,
        title=row.title,
        text=row.text or row.summary,
        published_at=utc_or_none(row.published_at),
        source=row.source,
        domain=row.domain,
        url=row.url,
        lang=row.lang,
        copy_of=row.copy_of,
    )


def _factuality(store: Store) -> dict[str, float]:
    """Factuality (0..4) of rated outlets by domain: the headline prefers reliable outlets."""
    with store.read() as conn:
        return outlet_rows.factuality_by_domain(conn)


def _rebuild(store: Store, settings: Any, factuality: Mapping[str, float] | None) -> _Live:
    if factuality is None:
        factuality = _factuality(store)
    engine = story_engine(settings, outlet_factuality=factuality, keep_evicted_views=True)
    with store.read() as conn:
        window, top = article_rows.assigned_since(conn, float(settings.story_window_days))
    # engine ids of new stories never collide with stored ids (they are mapped anyway)
    engine.next_id = top + 1
    for row in window:
        engine.load(_item(row), row.story_id)
    engine.evicted_views.clear()
    log.info("story engine rebuilt with %d open stories", len(engine.stories))
    return _Live(engine)


def _live(store: Store, settings: Any, factuality: Mapping[str, float] | None) -> _Live:
    live = _LIVE.get(store)
    if live is None:
        live = _LIVE[store] = _rebuild(store, settings, factuality)
    elif factuality is not None:
        live.engine.outlet_factuality = dict(factuality)
    return live


def forget(store: Store) -> None:
    """Drop the in-process engine of a store (the next call rebuilds it from the store)."""
    _LIVE.pop(store, None)


def _queue(store: Store) -> list[int]:
    """Ids of the articles without a story, in the order the engine reads them."""
    with store.read() as conn:
        keys = article_rows.unassigned_times(conn)
    return [keys[i][0] for i in arrival_order([utc_or_none(t) for _, t in keys])]


def _rows(store: Store, ids: list[int]) -> list[Any]:
    with store.read() as conn:
        return article_rows.engine_rows(conn, ids)


def assign_pending(
    store: Store,
    settings: Any,
    now: datetime,
    *,
    batch: int = BATCH,
    outlet_factuality: Mapping[str, float] | None = None,
) -> set[int]:
    """Assign every article without a story; return the ids of the stories that changed.

    As in `everyside eval clustering`, the repair pass runs after every `story_repair_every`
    assigned articles (counted across calls), so stored stories match the evaluated replay."""
    live = _live(store, settings, outlet_factuality)
    changed: set[int] = set()
    now = utc(now)
    while queue := _queue(store):
        for start in range(0, len(queue), batch):
            rows = _rows(store, queue[start : start + batch])
            _assign_rows(store, settings, live, rows, now, changed, outlet_factuality)
    return changed


def _assign_rows(
    store: Store,
    settings: Any,
    live: _Live,
    rows: list[Any],
    now: datetime,
    changed: set[int],
    outlet_factuality: Mapping[str, float] | None,
) -> None:
    """Assign `rows` in order, writing each chunk in one transaction; the repair pass runs
    whenever `story_repair_every` articles were assigned since the last one."""
    every = int(getattr(settings, "story_repair_every", 0) or 0)
    while rows:
        take = len(rows) if every <= 0 else min(len(rows), max(1, every - live.since_repair))
        chunk, rows = rows[:take], rows[take:]
        pairs = [(row.id, live.engine.add(_item(row), now)) for row in chunk]
        touched = {asg.story_id for _, asg in pairs}
        try:
            changed |= store.write(
                lambda conn, p=pairs, s=touched: _write_batch(conn, live, p, s, now)
            )
        except BaseException:
            forget(store)  # the engine is ahead of the store: rebuild it next time
            raise
        live.engine.evicted_views.clear()
        live.since_repair += len(chunk)
        if every > 0 and live.since_repair >= every:
            changed |= repair_stories(store, settings, now, outlet_factuality=outlet_factuality)


def _write_batch(
    conn: Connection, live: _Live, pairs: list, touched: set[int], now: datetime
) -> set[int]:
    for sid in sorted({asg.story_id for _, asg in pairs if asg.new_story}):
        if sid not in live.db_id:
            live.db_id[sid] = story_rows.new_story(conn, now)
    article_rows.set_story(
        conn, [{"aid": aid, "sid": live.to_db(asg.story_id)} for aid, asg in pairs], now
    )
    _refresh(conn, live, touched, now)
    return {live.to_db(s) for s in touched}


def _refresh(conn: Connection, live: _Live, sids: Iterable[int], now: datetime) -> None:
    """Rewrite the stories rows of engine stories from the engine view and the articles."""
    for sid in sorted(sids):
        view = (
            live.engine.view(sid)
            if sid in live.engine.stories
            else live.engine.evicted_views.get(sid)
        )
        headline = (view.headline or "") if view is not None else None
        why = view.why if view is not None else None
        story_rows.refresh(conn, live.to_db(sid), now, headline, why)


def repair_stories(
    store: Store,
    settings: Any,
    now: datetime,
    *,
    outlet_factuality: Mapping[str, float] | None = None,
) -> set[int]:
    """Apply the engine's merges and splits to the store; return the changed story ids."""
    live = _live(store, settings, outlet_factuality)
    live.since_repair = 0
    result = repair(live.engine)
    if not result.changed:
        return set()
    try:
        return store.write(lambda conn: _apply_repair(conn, live, result, utc(now)))
    except BaseException:
        forget(store)
        raise


def _apply_repair(conn: Connection, live: _Live, result: RepairResult, now: datetime) -> set[int]:
    changed: set[int] = set()
    for gone, into in result.merges:
        g, i = live.to_db(gone), live.to_db(into)
        story_rows.merge(conn, g, i, now)
        changed |= {g, i}
    for old, new, moved in result.splits:
        if new in result.revived:  # a split that undoes a merge: the story keeps its URL
            new_id = live.to_db(new)
            story_rows.revive(conn, new_id, now)
        else:
            new_id = story_rows.new_story(conn, now)
            live.db_id[new] = new_id
        story_rows.move_articles(conn, moved, new_id)
        changed |= {live.to_db(old), new_id}
    changed |= {live.to_db(sid) for sid in result.reread}
    engine_ids = {sid for sid in result.changed if sid in live.engine.stories}
    _refresh(conn, live, engine_ids, now)
    return changed
