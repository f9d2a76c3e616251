"""The one place that sequences the stages: fetch → extract → store → cluster → analyse.

The CLI (`import`, `ingest`, `up`), the ingest loop and the tests all call these functions;
there is no second copy of the pipeline anywhere. Each stage is incremental: it works on what
changed since it last ran (articles without a story, stories whose members changed), so any
stage can be killed and re-run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from everyside.importer import ImportReport, import_jsonl
from everyside.outlets import OutletResolver, registry_matcher
from everyside.settings import Settings
from everyside.store import Store
from everyside.store.state import add_metrics, set_metrics

log = logging.getLogger(__name__)


@dataclass
class ProcessReport:
    stories_changed: int = 0
    coverage_updated: int = 0
    summaries_updated: int = 0
    story_ids: set[int] = field(default_factory=set)


def ensure_directory(store: Store, now: datetime) -> bool:
    """Load the bundled outlet directory into the store (a ~1 ms digest check when current).

    Returns whether ratings changed; callers then refresh coverage (`refresh_ratings`)."""
    from everyside.estimate_service import update_estimated_bias
    from everyside.registry import ensure_directory as sync_if_changed

    if sync_if_changed(store, now).skipped:
        return False
    update_estimated_bias(store, now)  # estimates for unrated outlets follow the real ratings
    return True


def refresh_ratings(store: Store, settings: Settings, now: datetime) -> int:
    """Ratings changed: every stored coverage document is recomputed."""
    from everyside.coverage_service import update_coverage

    return update_coverage(store, settings, None, now)


def process_pending(
    store: Store, settings: Settings, now: datetime, repair: bool = False
) -> ProcessReport:
    """Cluster articles that have no story yet, then analyse the stories that changed.

    Assignment runs the repair pass (merge stories that are one event, split drifted ones) every
    `story_repair_every` articles; `repair=True` also runs it at the end, as the evaluation does
    at the end of a replayed file."""
    from everyside.story_service import assign_pending, repair_stories

    report = ProcessReport()
    started = time.perf_counter()
    changed = set(assign_pending(store, settings, now))
    if repair:
        changed |= set(repair_stories(store, settings, now))
    cluster_s = time.perf_counter() - started
    report.stories_changed = len(changed)
    report.story_ids = changed
    if changed:
        analyse(store, settings, changed, now, report)
        from everyside.lean_service import note_stories_changed

        note_stories_changed(store, settings, now, len(changed), force=repair)
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
    """Coverage and summaries of the given stories (merged-away ones drop their documents)."""
    from everyside.coverage_service import update_coverage
    from everyside.summary_service import update_summaries

    ids = sorted(story_ids)
    report.coverage_updated = update_coverage(store, settings, ids, now)
    report.summaries_updated = update_summaries(store, settings, ids, now)


def import_files(
    store: Store,
    settings: Settings,
    paths: Iterable[str | Path],
    now: datetime,
    progress: Callable[[int], None] | None = None,
    process: bool = True,
) -> tuple[list[ImportReport], ProcessReport | None]:
    """`everyside import`: load JSONL files, then (by default) cluster and analyse."""
    if ensure_directory(store, now):
        refresh_ratings(store, settings, now)
    resolver = OutletResolver(registry_matcher())
    reports = [
        import_jsonl(store, p, now, resolver, progress, settings.dedupe_window_days) for p in paths
    ]
    processed = process_pending(store, settings, now, repair=True) if process else None
    return reports, processed


def record_round(store: Store, result: object, now: datetime) -> None:
    """Add one ingest round's counts to the running totals shown by /-/metrics."""
    add_metrics(
        store,
        now,
        {
            f"metrics.ingest_{name}_total": int(getattr(result, name, 0) or 0)
            for name in ("feeds", "new", "updated", "not_modified", "failed", "fallbacks")
        },
    )


def run_ingest_loop(
    store: Store,
    settings: Settings,
    stop: threading.Event,
    clock: Callable[[], datetime],
    max_backoff_s: float = 300.0,
) -> None:
    """`everyside up`'s background loop: ingest rounds, each followed by the analysis.

    A round that raises (a bug, a full disk) is logged and the loop starts again after a
    growing pause; the web server keeps serving meanwhile.
    """
    from everyside.ingest import run_forever

    def after_round(result: object) -> None:
        try:
            record_round(store, result, clock())
            process_pending(store, settings, clock())
        except Exception:  # one failed analysis must not stop ingestion
            log.exception("pipeline: analysis after an ingest round failed; will retry")

    pause = 5.0
    while not stop.is_set():
        try:
            run_forever(store, settings, stop, after_round)
        except Exception:
            log.exception("ingest loop failed; restarting in %.0f s", pause)
            stop.wait(pause)
            pause = min(max_backoff_s, pause * 2)


def run_background(
    store: Store, settings: Settings, stop: threading.Event, clock: Callable[[], datetime]
) -> None:
    """What `everyside up` runs beside the web server: catch up on pending analysis (articles
    imported while it was down), then ingest until stopped (when the `ingest` setting is on)."""
    try:
        if ensure_directory(store, clock()):
            refresh_ratings(store, settings, clock())
        process_pending(store, settings, clock())
    except Exception:
        log.exception("pipeline: catching up on pending articles failed; will retry")
    if settings.ingest:
        run_ingest_loop(store, settings, stop, clock)
