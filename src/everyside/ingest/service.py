"""The ingest facade: the few calls the CLI and `everyside up` make.

Synchronous wrappers (`add_feed`, `run_round`, `run_forever`) run their own event loop; the
`*_async` variants are for callers that already have one. Articles are written through the one
write path (`everyside.services.articles`); after every round the caller hands the round to
`everyside.services.pipeline.after_ingest` (clustering and analysis), as `run_background` does
for `everyside up`.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from everyside.domain.urls import canonicalize_url
from everyside.ingest import schedule
from everyside.ingest.discover import discover
from everyside.ingest.fetch import Fetcher
from everyside.ingest.round import Ingestor, Progress, RoundResult
from everyside.services import feeds as storage
from everyside.services import pipeline
from everyside.services.feeds import FeedRow
from everyside.settings import Settings
from everyside.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
IDLE_MAX_S = 60.0  # longest sleep of the loop between rounds (new feeds get picked up)


def _run(settings: Settings, coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run with a default executor wide enough for DNS lookups (getaddrinfo runs
    there, and a slow resolver must not serialise the whole round behind a few threads)."""

    async def main() -> T:
        width = max(8, settings.fetch_concurrency)
        pool = ThreadPoolExecutor(width, thread_name_prefix="everyside-io")
        asyncio.get_running_loop().set_default_executor(pool)
        return await coro

    return asyncio.run(main())


def _limits(settings: Settings) -> schedule.Limits:
    return schedule.Limits(settings.poll_min_interval, settings.poll_max_interval)


async def add_feed_async(
    store: Store, settings: Settings, url: str, now: datetime, origin: str = "user"
) -> FeedRow:
    url, now = url.strip(), storage.aware(now)
    canonicalize_url(url)  # InputError for anything that is not an http(s) URL
    async with Fetcher(settings) as fetcher:  # its guard refuses before any DNS query
        feed_url, _resp, parsed = await discover(fetcher, url)

    def write(conn) -> FeedRow:  # type: ignore[no-untyped-def]
        fid = storage.insert_feed(
            conn,
            feed_url,
            now,
            title=parsed.title,
            kind=parsed.kind,
            origin=origin,
            interval_s=_limits(settings).min_interval * 4,
        )
        row = storage.get_feed(conn, fid)
        assert row is not None
        return row

    return await asyncio.to_thread(store.write, write)


def add_feed(store: Store, settings: Settings, url: str, now: datetime) -> FeedRow:
    """Add a feed by its URL or by a homepage (its feeds are discovered). Raises InputError,
    BlockedURLError (SSRF guard), FetchError or FeedNotFoundError."""
    return _run(settings, add_feed_async(store, settings, url, now))


def register_feeds(
    store: Store, rows: list[tuple[str, str | None, str | None]], now: datetime, origin: str
) -> int:
    """Insert (url, title, kind) rows without fetching them; returns how many were new."""

    now = storage.aware(now)

    def write(conn) -> int:  # type: ignore[no-untyped-def]
        before = len(storage.list_feeds(conn))
        for url, title, kind in rows:
            storage.insert_feed(conn, url, now, title=title, kind=kind, origin=origin)
        return len(storage.list_feeds(conn)) - before

    return store.write(write)


def bundled_feed_rows(path: Path | None = None) -> list[dict[str, str]]:
    """Rows of the bundled feed list (registry/data/feeds.csv)."""
    if path is None:
        ref = resources.files("everyside.registry") / "data" / "feeds.csv"
        text = ref.read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return [
        r for r in csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    ]


def sync_bundled_feeds(store: Store, now: datetime) -> int:
    """Make sure every bundled feed has a row; a row without a feed URL becomes a homepage
    feed, discovered at its first poll."""
    rows = []
    for r in bundled_feed_rows():
        if r.get("url"):
            rows.append((r["url"], r.get("title") or None, None))
        elif r.get("domain"):
            rows.append((f"https://{r['domain']}/", r.get("title") or None, "homepage"))
    return register_feeds(store, rows, now, "bundled")


async def run_round_async(
    store: Store, settings: Settings, now: datetime, progress: Progress | None = None
) -> RoundResult:
    if settings.bundled_feeds:
        await asyncio.to_thread(sync_bundled_feeds, store, now)
    async with Ingestor(store, settings) as ing:
        await ing.rebuild_index(now)
        return await ing.run_round(now, progress)


def run_round(
    store: Store, settings: Settings, now: datetime, progress: Progress | None = None
) -> RoundResult:
    """Poll every due feed once; new articles are stored with story_id NULL."""
    return _run(settings, run_round_async(store, settings, now, progress))


def run_forever(
    store: Store,
    settings: Settings,
    stop: threading.Event,
    on_round_done: Callable[[RoundResult], None] | None = None,
) -> None:
    """Rounds until `stop` is set, sleeping until the next feed is due (at most a minute)."""
    _run(settings, _forever(store, settings, stop, on_round_done))


async def _forever(
    store: Store,
    settings: Settings,
    stop: threading.Event,
    on_round_done: Callable[[RoundResult], None] | None,
) -> None:
    if settings.bundled_feeds:
        await asyncio.to_thread(sync_bundled_feeds, store, datetime.now(UTC))
    async with Ingestor(store, settings) as ing:
        await ing.rebuild_index(datetime.now(UTC))
        while not stop.is_set():
            result = await ing.run_round(datetime.now(UTC))
            if result.feeds:
                log.info(
                    "ingest round: %d feeds, %d new, %d updated, %d unchanged, %d failed",
                    result.feeds,
                    result.new,
                    result.updated,
                    result.not_modified,
                    result.failed,
                )
            if on_round_done is not None:
                on_round_done(result)
            await asyncio.to_thread(stop.wait, _idle_seconds(store))


def _idle_seconds(store: Store) -> float:
    with store.read() as conn:
        nxt = storage.next_due_at(conn)
    if nxt is None:
        return IDLE_MAX_S
    return max(0.5, min(IDLE_MAX_S, (nxt - datetime.now(UTC)).total_seconds()))


def run_loop(
    store: Store,
    settings: Settings,
    stop: threading.Event,
    clock: Callable[[], datetime],
    max_backoff_s: float = 300.0,
    *,
    process: bool = True,
    on_round: Callable[[RoundResult], None] | None = None,
) -> None:
    """Ingest rounds until `stop`, each followed by the pipeline (`after_ingest`: clustering
    and analysis; with `process` off only the round's totals are recorded).

    A round that raises (a bug, a full disk) is logged and the loop starts again after a
    growing pause; a failed analysis is logged and retried after the next round. The web
    server of `everyside up` keeps serving meanwhile."""

    def after_round(result: RoundResult) -> None:
        if on_round is not None:
            on_round(result)
        try:
            if process:
                pipeline.after_ingest(store, settings, result, clock())
            else:
                pipeline.record_round(store, result, clock())
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
        pipeline.catch_up(store, settings, clock())
    except Exception:
        log.exception("pipeline: catching up on pending articles failed; will retry")
    if settings.ingest:
        run_loop(store, settings, stop, clock)
