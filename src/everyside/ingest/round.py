"""One ingest round: poll every due feed, store what is new, reschedule each feed.

`Ingestor` holds what outlives a round (HTTP client, extraction processes, robots cache, the
duplicate index rebuilt from the store on start). A round is three stages joined by queues:
- fetch (asyncio, `fetch_concurrency` feeds at once): conditional GET → parse → candidates not
  yet stored → pages fetched concurrently (robots.txt once per origin);
- extract: each feed's pages go to the extraction processes in batches (`Extractor`), which
  return the text and its fingerprint, so the event loop only fetches, parses feeds and
  assembles rows;
- store: one writer task takes the finished feeds in order and writes several of them per
  transaction, each feed's articles together with its new validators and schedule (so a crash
  leaves every feed either fully stored or untouched: docs/design-notes/ingest.md). A batch
  that fails is retried one feed per transaction, so one bad feed fails alone.
Any failure is recorded on the feed (message, error count, back-off) and the round goes on.
Clustering and analysis are not part of a round: the caller runs them after it
(`everyside.services.pipeline.after_ingest`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypeVar, cast

from everyside.domain.dedupe import Fingerprint
from everyside.errors import EverysideError
from everyside.ingest import schedule
from everyside.ingest.articles import Candidate, PageReader, candidates
from everyside.ingest.discover import FEED_ACCEPT, discover
from everyside.ingest.extract import Extractor, detect_language
from everyside.ingest.feeds import ParsedFeed, parse_feed
from everyside.ingest.fetch import Fetcher, HostGate, HTTPStatusError, Response
from everyside.ingest.robots import RobotsCache
from everyside.services import feeds as storage
from everyside.services import pipeline
from everyside.services.articles import ArticleWriter, Prepared, WriteResult
from everyside.services.feeds import FeedRow
from everyside.settings import Settings
from everyside.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
Connection = Any  # an open store connection (inside `store.write(fn)`)
MAX_NEW_PER_FEED = 200  # more waits for the next poll (validators are then not stored)
FLUSH_EVERY = 500
WRITE_BATCH_FEEDS = 32  # most feeds per store transaction ...
WRITE_BATCH_ROWS = 400  # ... and most articles (a batch stops at the first limit reached)
INLINE_PARSE_BYTES = 2_048
Progress = Callable[[int, int], None]


@dataclass
class RoundResult:
    feeds: int = 0
    new: int = 0
    updated: int = 0
    not_modified: int = 0
    failed: int = 0
    fallbacks: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (feed url, message), first 50


class Ingestor:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        extractor: Extractor | None = None,
        writer: ArticleWriter | None = None,
        gate: HostGate | None = None,
    ):
        self.store = store
        self.gate = gate  # per-host politeness shared with other processes (distributed/)
        self.s = settings
        self.limits = schedule.Limits(settings.poll_min_interval, settings.poll_max_interval)
        self._own_extractor = extractor is None and settings.fetch_pages
        self.extractor = extractor
        self.writer = writer
        self.write_lock = threading.Lock()
        self._pending: list[tuple[int, dict[str, Any]]] = []
        self._commits: asyncio.Queue[_Commit | None] = asyncio.Queue()

    async def __aenter__(self) -> Ingestor:
        # loading the outlet directory and the language model takes seconds: not on the loop
        if self.writer is None:
            self.writer = await asyncio.to_thread(pipeline.article_writer, self.s)
        if self._own_extractor:
            self.extractor = Extractor(self.s.extract_workers)
        if self.extractor is None or self.extractor.in_process or not self.s.fetch_pages:
            # the language model is loaded here only when no worker process detects languages
            await asyncio.to_thread(detect_language, "warm up the language model")
        self.fetcher = Fetcher(self.s, gate=self.gate)
        robots = RobotsCache(self.fetcher, self.s.user_agent) if self.s.respect_robots else None
        self.pages = PageReader(
            self.fetcher, self.extractor if self.s.fetch_pages else None, robots
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.fetcher.client.aclose()
        if self._own_extractor and self.extractor is not None:
            self.extractor.close()

    async def rebuild_index(self, now: datetime) -> int:
        """Refill the write path's duplicate index with the stored articles of the window."""
        assert self.writer is not None, "use the Ingestor as an async context manager"
        return await asyncio.to_thread(self.writer.rebuild, self.store, storage.aware(now))

    async def run_round(self, now: datetime, progress: Progress | None = None) -> RoundResult:
        started = time.monotonic()
        now = storage.aware(now)
        with self.store.read() as conn:
            due = storage.due_feeds(conn, now, bundled=self.s.bundled_feeds)
        result = RoundResult(feeds=len(due))
        queue: asyncio.Queue[FeedRow] = asyncio.Queue()
        for f in due:
            queue.put_nowait(f)
        done = 0
        workers = max(1, min(self.s.fetch_concurrency, len(due)))
        self._commits = asyncio.Queue(maxsize=2 * workers)
        writer = asyncio.create_task(self._writer(result))

        async def worker() -> None:
            nonlocal done
            while not queue.empty():
                feed = queue.get_nowait()
                await self._poll(feed, now, result)
                done += 1
                if progress:
                    progress(done, len(due))
                if len(self._pending) >= FLUSH_EVERY:
                    await self._flush()

        fetching = asyncio.gather(*(worker() for _ in range(workers)))
        try:
            await asyncio.wait([fetching, writer], return_when=asyncio.FIRST_COMPLETED)
            if writer.done():  # only a bug ends the writer early: stop fetching, raise it
                fetching.cancel()
                writer.result()
            await fetching
            await self._commits.put(None)
            await writer
        finally:
            for task in (fetching, writer):
                if not task.done():
                    task.cancel()
        await self._flush()
        assert self.writer is not None
        self.writer.expire(now)
        result.seconds = time.monotonic() - started
        return result

    # -- one feed ------------------------------------------------------------------------
    async def _poll(
        self, feed: FeedRow, now: datetime, result: RoundResult, pages: Any = None
    ) -> None:
        """Poll one feed; `pages` stands for `self.pages` (the distributed shape passes one
        that hands the new entries to the fetch tasks instead of reading them here)."""
        try:
            await self._poll_or_raise(feed, now, result, pages)
        except EverysideError as e:
            self._failed(feed, now, result, str(e), getattr(e, "retry_after", None))
        except Exception as e:  # a bug must not stop the batch either; keep the trace in logs
            log.exception("feed %s: unexpected error", feed.url)
            self._failed(feed, now, result, f"internal error: {type(e).__name__}: {e}", None)

    async def _poll_or_raise(
        self, feed: FeedRow, now: datetime, result: RoundResult, pages: Any = None
    ) -> None:
        url = feed.url
        if feed.kind == "homepage":
            url, resp, parsed = await discover(self.fetcher, feed.url)
        else:
            resp = await self.fetcher.get(
                url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT
            )
            if resp.not_modified:
                d = schedule.after_not_modified(feed.id, now, feed.interval_s, self.limits)
                self._later(feed, now, d, last_error=None, error_count=0, last_success_at=now)
                result.not_modified += 1
                return
            parsed = await self._parse(resp, url)
        fresh = candidates(parsed.entries, url)
        known = await asyncio.to_thread(self._known, [c.key for c in fresh]) if fresh else {}
        new = [c for c in fresh if c.key not in known][:MAX_NEW_PER_FEED]
        capped = len([c for c in fresh if c.key not in known]) > MAX_NEW_PER_FEED
        drafts = await (pages or self.pages).read_many(new, parsed.title, now)
        changed = _changed(fresh, known)
        rows = [self._prepare(d, fp, feed) for d, fp in drafts]  # normalised and fingerprinted
        rows = [r for r in rows if r is not None]  # here, so the single writer only compares
        d = schedule.after_success(
            feed.id,
            now,
            feed.interval_s,
            len(new),
            [e.published for e in parsed.entries if e.published],
            self.limits,
        )
        log.debug("feed %s: %s", url, d.reason)
        if not rows and not changed and url == feed.url:  # nothing to store: batch the update
            values = _success_values(feed, resp, parsed, d, now, 0, capped)
            self._pending.append((feed.id, values))
            return
        await self._commits.put(
            _Commit(feed, url, resp, parsed, list(rows), changed, d, now, capped)
        )

    # -- the store stage -----------------------------------------------------------------
    async def _writer(self, result: RoundResult) -> None:
        """Write finished feeds in arrival order, several per transaction."""
        closing = False
        while not closing:
            first = await self._commits.get()
            if first is None:
                return
            batch, n = [first], len(first.rows)
            while len(batch) < WRITE_BATCH_FEEDS and n < WRITE_BATCH_ROWS:
                try:
                    item = self._commits.get_nowait()
                except asyncio.QueueEmpty:
                    break
                if item is None:
                    closing = True
                    break
                batch.append(item)
                n += len(item.rows)
            await self._write_batch(batch, result)

    async def _write_batch(self, batch: list[_Commit], result: RoundResult) -> None:
        try:
            counts = await asyncio.to_thread(self._write, partial(self._commit_all, batch=batch))
        except Exception as e:
            if len(batch) > 1:  # find the feed that fails: one transaction each
                for c in batch:
                    await self._write_batch([c], result)
                return
            c = batch[0]
            if isinstance(e, EverysideError):
                self._failed(c.feed, c.now, result, str(e), getattr(e, "retry_after", None))
            else:  # a bug must not stop the batch either; keep the trace in logs
                log.exception("feed %s: unexpected error", c.feed.url)
                msg = f"internal error: {type(e).__name__}: {e}"
                self._failed(c.feed, c.now, result, msg, None)
            return
        for c, (n_new, n_upd) in zip(batch, counts, strict=True):
            result.new += n_new
            result.updated += n_upd
            result.fallbacks += sum(1 for r in c.rows if r.draft.extraction == "feed-fallback")

    def _commit_all(self, conn: Connection, *, batch: list[_Commit]) -> list[tuple[int, int]]:
        """Each feed of the batch through `_commit`, in one transaction; if one fails, what the
        others added to the duplicate index and the outlet cache is forgotten too."""
        assert self.writer is not None
        done: list[WriteResult] = []
        counts = []
        try:
            for c in batch:
                written, n_upd = self._commit(
                    conn, c.feed, c.url, c.resp, c.parsed, c.rows, c.changed, c.d, c.now, c.capped
                )
                done.append(written)
                counts.append((len(written.inserted), n_upd))
        except BaseException:
            for w in done:
                self.writer.undo(w)
            raise
        return counts

    async def _parse(self, resp: Response, url: str) -> ParsedFeed:
        """feedparser is CPU-bound: a feed of some size is parsed in an extraction process
        (in a thread when there are none), a tiny one here (a hop costs more than it)."""
        body, ctype = resp.body, resp.content_type
        if len(body) < INLINE_PARSE_BYTES:
            return parse_feed(body, url, ctype)
        if self.extractor is not None and not self.extractor.in_process:
            return cast(ParsedFeed, await self.extractor.parse_feed(body, url, ctype))
        return await asyncio.to_thread(parse_feed, body, url, ctype)

    def _prepare(self, draft: Any, fp: Fingerprint | None, feed: FeedRow) -> Prepared | None:
        assert self.writer is not None
        draft.feed_id, draft.feed_outlet_id = feed.id, feed.outlet_id
        try:
            return self.writer.prepare(draft, fp if draft.extraction == "page" else None)
        except EverysideError as e:  # no title and no text: nothing to store
            log.info("feed %s: entry %s skipped: %s", feed.url, draft.url, e)
            return None

    def _write(self, fn: Callable[[Connection], T]) -> T:
        """One write at a time from this ingestor, on PostgreSQL too: the outlet cache and the
        duplicate index must only ever see committed rows of earlier transactions."""
        with self.write_lock:
            return self.store.write(fn)

    def _known(self, keys: list[str]) -> dict[str, tuple[int, Any, Any]]:
        with self.store.read() as conn:
            return storage.existing_articles(conn, keys)

    def _failed(
        self,
        feed: FeedRow,
        now: datetime,
        result: RoundResult,
        message: str,
        retry_after: float | None,
    ) -> None:
        count = feed.error_count + 1
        d = schedule.after_error(feed.id, now, count, retry_after, self.limits)
        log.info("feed %s failed (%s): %s", feed.url, d.reason, message)
        self._later(feed, now, d, last_error=message[:2000], error_count=count)
        result.failed += 1
        if len(result.errors) < 50:
            result.errors.append((feed.url, message))

    def _later(self, feed: FeedRow, now: datetime, d: schedule.Decision, **values: Any) -> None:
        values.update(last_checked_at=now, next_check_at=d.next_check_at, interval_s=d.interval_s)
        self._pending.append((feed.id, values))

    async def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return

        def write(conn: Connection) -> None:
            for feed_id, values in pending:
                storage.update_feed(conn, feed_id, **dict(values))

        await asyncio.to_thread(self._write, write)

    def _commit(
        self,
        conn: Connection,
        feed: FeedRow,
        url: str,
        resp: Response,
        parsed: ParsedFeed,
        rows: list[Prepared],
        changed: list[tuple[int, str]],
        d: schedule.Decision,
        now: datetime,
        capped: bool,
    ) -> tuple[WriteResult, int]:
        """The feed's new articles (through the one write path), its changed descriptions and
        its new validators and schedule, in the caller's transaction."""
        assert self.writer is not None
        written = WriteResult()
        try:
            written = self.writer.write(conn, rows, now)
            for aid, summary in changed:
                self.writer.update_summary(conn, aid, summary, now)
            self._commit_feed(conn, feed, url, resp, parsed, d, now, len(written.inserted), capped)
        except BaseException:
            self.writer.undo(written)  # the transaction rolls back: forget what it added
            raise
        return written, len(changed)

    def _commit_feed(
        self,
        conn: Connection,
        feed: FeedRow,
        url: str,
        resp: Response,
        parsed: ParsedFeed,
        d: schedule.Decision,
        now: datetime,
        new: int,
        capped: bool,
    ) -> None:
        values = _success_values(feed, resp, parsed, d, now, new, capped)
        if url != feed.url:
            other = storage.get_feed(conn, url)
            if other is not None and other.id != feed.id:
                values.update(active=False, last_error=f"homepage feed is feed #{other.id}")
            else:
                values["url"] = url
        storage.update_feed(conn, feed.id, **values)


@dataclass
class _Commit:
    """A polled feed waiting for the store stage."""

    feed: FeedRow
    url: str
    resp: Response
    parsed: ParsedFeed
    rows: list[Prepared]
    changed: list[tuple[int, str]]
    d: schedule.Decision
    now: datetime
    capped: bool


def _success_values(
    feed: FeedRow,
    resp: Response,
    parsed: ParsedFeed,
    d: schedule.Decision,
    now: datetime,
    new: int,
    capped: bool,
) -> dict[str, Any]:
    """The feed row after a successful poll that stored `new` articles."""
    values: dict[str, Any] = dict(
        title=feed.title or parsed.title,
        kind=parsed.kind,
        last_checked_at=now,
        last_success_at=now,
        last_error=None,
        error_count=0,
        next_check_at=now if capped else d.next_check_at,
        interval_s=d.interval_s,
        entries_seen=feed.entries_seen + new,
    )
    if not capped:  # validators only once everything the feed holds is stored
        values.update(
            etag=resp.headers.get("etag"), last_modified=resp.headers.get("last-modified")
        )
    return values


def _changed(
    fresh: list[Candidate], known: dict[str, tuple[int, Any, Any]]
) -> list[tuple[int, str]]:
    """Stored articles whose feed summary changed (corrections, updated teasers)."""
    out = []
    for c in fresh:
        if c.key in known and c.entry.summary and c.entry.summary != known[c.key][2]:
            out.append((known[c.key][0], c.entry.summary))
    return out


__all__ = ["HTTPStatusError", "Ingestor", "RoundResult"]
