"""The one sequencer: new articles → write path → stories → coverage → summaries.

Every entry point hands its articles to the same two steps:
1. the write path (`services.articles.ArticleWriter`, made by `article_writer`): normalise,
   key, assign the outlet, dedupe (canonical URL + near-duplicate text), insert/update;
2. `process_pending`: cluster the articles that have no story (with the repair pass every
   `story_repair_every` articles and once at the end of the batch, as `eval clustering`
   replays it), then analyse (coverage, summaries) the stories that changed, and those an
   earlier run marked (`stories.analysis_due`, set in the transaction that changes a story's
   members) but was killed before analysing.

`everyside import` calls `import_files`; `everyside ingest --once`, the ingest loop and
`everyside up` call `after_ingest` after each round (`everyside.ingest` writes through the same
writer inside its per-feed transactions); `everyside up` first calls `catch_up`. Each stage is
incremental (articles without a story are the clustering queue; the stories a pass touched are
the analysis queue, kept durable by `stories.analysis_due`), so any stage can be killed and
re-run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from everyside.services.articles import ArticleWriter
from everyside.services.importer import BadLine, ImportReport, import_jsonl
from everyside.services.lean import note_stories_changed
from everyside.services.outlets import OutletResolver, registry_matcher
from everyside.settings import Settings
from everyside.store import Store
from everyside.store import stories as story_rows
from everyside.store.state import add_metrics, set_metrics

log = logging.getLogger(__name__)
ROUND_COUNTS = ("feeds", "new", "updated", "not_modified", "failed", "fallbacks")


@dataclass
class ProcessReport:
    stories_changed: int = 0
    coverage_updated: int = 0
    summaries_updated: int = 0
    story_ids: set[int] = field(default_factory=set)


def article_writer(settings: Settings) -> ArticleWriter:
    """The write path with the bundled directory's outlet matcher (loading it takes ~2 s)."""
    return ArticleWriter(settings, OutletResolver(registry_matcher()))


def ensure_directory(store: Store, now: datetime) -> bool:
    """Load the bundled outlet directory into the store (a ~1 ms digest check when current).

    Returns whether ratings changed; callers then refresh coverage (`refresh_ratings`)."""
    from everyside.services.directory import ensure_directory as sync_if_changed
    from everyside.services.estimate import update_estimated_bias

    if sync_if_changed(store, now).skipped:
        return False
    update_estimated_bias(store, now)  # estimates for unrated outlets follow the real ratings
    return True


def refresh_ratings(store: Store, settings: Settings, now: datetime) -> int:
    """Ratings changed: every stored coverage document is recomputed."""
    from everyside.services.coverage import update_coverage

    return update_coverage(store, settings, None, now)


def process_pending(
    store: Store,
    settings: Settings,
    now: datetime,
    repair: bool = True,
    refresh_estimates: bool = False,
    analyse_later: Callable[[set[int]], None] | None = None,
) -> ProcessReport:
    """Cluster articles that have no story yet, then analyse the stories that changed.

    Assignment runs the repair pass (merge stories that are one event, split drifted ones) every
    `story_repair_every` articles and, with `repair` (the default, for every entry point), once
    more at the end of the batch, as the evaluation does at the end of a replayed file. The
    estimated lean of unrated outlets is refreshed every `estimate_refresh_stories` changed
    stories, and with `refresh_estimates` (the end of an import) whenever any changed.

    With `analyse_later` (the distributed assigner), the stories to analyse are handed to it
    (it enqueues analysis tasks; their `analysis_due` marks keep them durable) instead of being
    analysed here."""
    from everyside.services.stories import assign_pending, repair_stories

    report = ProcessReport()
    started = time.perf_counter()
    # stories a killed run marked but never analysed (the durable `analysis_due` mark)
    with store.read() as conn:
        left_over = set(story_rows.due_stories(conn))
    if left_over:
        log.info("pipeline: %d stories left unanalysed by an earlier run", len(left_over))
    changed = set(assign_pending(store, settings, now))
    if repair and changed and int(settings.story_repair_every or 0) > 0:
        changed |= set(repair_stories(store, settings, now))
    cluster_s = time.perf_counter() - started
    report.stories_changed = len(changed)
    changed |= left_over
    report.story_ids = changed
    if changed:
        if analyse_later is not None:
            analyse_later(changed)
        else:
            analyse(store, settings, changed, now, report)
        note_stories_changed(store, settings, now, len(changed), force=refresh_estimates)
    set_metrics(
        store,
        now,
        {
            "metrics.cluster_latency_s": round(cluster_s, 4),
            "metrics.analysis_latency_s": round(time.perf_counter() - started - cluster_s, 4),
        },
    )
    log.info(
        "pipeline: %d stories changed, %d coverage and %d summaries updated",
        report.stories_changed,
        report.coverage_updated,
        report.summaries_updated,
    )
    return report


def analyse(
    store: Store, settings: Settings, story_ids: Iterable[int], now: datetime, report: ProcessReport
) -> None:
    """Coverage and summaries of the given stories (merged-away ones drop their documents);
    then their `analysis_due` marks are reset, unless a writer marked them again meanwhile."""
    from everyside.services.coverage import update_coverage
    from everyside.services.summaries import update_summaries

    ids = sorted(story_ids)
    with store.read() as conn:
        marks = story_rows.due_stories(conn, ids)
    report.coverage_updated = update_coverage(store, settings, ids, now)
    report.summaries_updated = update_summaries(store, settings, ids, now)
    store.write(lambda conn: story_rows.clear_due(conn, marks))


def import_files(
    store: Store,
    settings: Settings,
    paths: Iterable[str | Path],
    now: datetime,
    progress: Callable[[int], None] | None = None,
    process: bool = True,
    on_bad: Callable[[BadLine], None] | None = None,
) -> tuple[list[ImportReport], ProcessReport | None]:
    """`everyside import`: load JSONL files through the write path (bad lines skipped and
    reported, to `on_bad` as they are found), then (by default) cluster and analyse."""
    if ensure_directory(store, now):
        refresh_ratings(store, settings, now)
    writer = article_writer(settings)
    writer.rebuild(store, now)
    limit = int(settings.import_max_line_bytes)
    reports = [
        import_jsonl(store, p, now, writer, progress, max_line_bytes=limit, on_bad=on_bad)
        for p in paths
    ]
    processed = process_pending(store, settings, now, refresh_estimates=True) if process else None
    return reports, processed


def record_round(store: Store, result: Any, now: datetime) -> None:
    """Add one ingest round's counts to the running totals shown by /-/metrics."""
    add_metrics(
        store,
        now,
        {f"metrics.ingest_{n}_total": int(getattr(result, n, 0) or 0) for n in ROUND_COUNTS},
    )


def after_ingest(store: Store, settings: Settings, result: Any, now: datetime) -> ProcessReport:
    """What follows every ingest round (`ingest --once`, the loop of `ingest` and `up`): its
    totals for /-/metrics, then clustering and analysis of what it stored."""
    record_round(store, result, now)
    return process_pending(store, settings, now)


def catch_up(store: Store, settings: Settings, now: datetime) -> ProcessReport:
    """`everyside up` at start: the outlet directory, then the analysis of anything stored
    while it was down (an import, a killed run)."""
    if ensure_directory(store, now):
        refresh_ratings(store, settings, now)
    return process_pending(store, settings, now)
