"""The one place that sequences the stages: fetch → extract → store → cluster → analyse.

The CLI (`import`, `ingest`, `up`), the ingest loop and the tests all call these functions;
there is no second copy of the pipeline anywhere. Each stage is incremental: it works on what
changed since it last ran (articles without a story, stories whose members changed), so any
stage can be killed and re-run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from everyside.importer import ImportReport, import_jsonl
from everyside.outlets import OutletResolver, registry_matcher
from everyside.settings import Settings
from everyside.store import Store

log = logging.getLogger(__name__)


@dataclass
class ProcessReport:
    stories_changed: int = 0
    coverage_updated: int = 0
    summaries_updated: int = 0
    story_ids: set[int] = field(default_factory=set)


def ensure_directory(store: Store, now: datetime) -> None:
    """Load the bundled outlet directory into the store (a no-op when already current)."""
    from everyside.registry import load_directory, sync_directory

    sync_directory(store, load_directory(), now)


def process_pending(store: Store, settings: Settings, now: datetime) -> ProcessReport:
    """Cluster articles that have no story yet, then analyse the stories that changed."""
    from everyside.coverage_service import update_coverage
    from everyside.story_service import assign_pending
    from everyside.summary_service import update_summaries

    report = ProcessReport()
    changed = set(assign_pending(store, settings, now))
    report.stories_changed = len(changed)
    report.story_ids = changed
    if changed:
        report.coverage_updated = update_coverage(store, settings, sorted(changed), now)
        report.summaries_updated = update_summaries(store, settings, sorted(changed), now)
    log.info(
        "pipeline: %d stories changed, %d coverage and %d summaries updated",
        report.stories_changed,
        report.coverage_updated,
        report.summaries_updated,
    )
    return report


def import_files(
    store: Store,
    settings: Settings,
    paths: Iterable[str | Path],
    now: datetime,
    progress: Callable[[int], None] | None = None,
    process: bool = True,
) -> tuple[list[ImportReport], ProcessReport | None]:
    """`everyside import`: load JSONL files, then (by default) cluster and analyse."""
    ensure_directory(store, now)
    resolver = OutletResolver(registry_matcher())
    reports = [import_jsonl(store, p, now, resolver, progress) for p in paths]
    processed = process_pending(store, settings, now) if process else None
    return reports, processed


def run_ingest_loop(
    store: Store, settings: Settings, stop: threading.Event, clock: Callable[[], datetime]
) -> None:
    """`everyside up`'s background loop: ingest rounds, each followed by the analysis."""
    from everyside.ingest import run_forever

    def after_round(_result: object) -> None:
        try:
            process_pending(store, settings, clock())
        except Exception:  # one failed analysis must not stop ingestion
            log.exception("pipeline: analysis after an ingest round failed; will retry")

    run_forever(store, settings, stop, after_round)
