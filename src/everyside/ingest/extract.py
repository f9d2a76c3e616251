"""Page extraction: main text and metadata of an article page (trafilatura), and language
detection (py3langid). CPU-bound and pure: `extract_batch` runs in worker processes
(`Extractor`) so the event loop keeps fetching while pages are parsed, a batch of pages per
task so that few, larger messages cross between processes. The worker also computes the text's
fingerprint for the duplicate index (normalised text → digest and MinHash), the other
CPU-heavy step of an article, which the event loop's process would otherwise do.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from everyside.domain.dedupe import Fingerprint, fingerprint
from everyside.domain.text.normalize import clean_text
from everyside.domain.times import parse_iso

log = logging.getLogger(__name__)
MIN_TEXT_CHARS = 200  # shorter "main text" is a teaser, a paywall or a cookie wall


@dataclass
class Extracted:
    title: str | None
    text: str | None
    author: str | None
    published: datetime | None
    lang: str | None
    site_name: str | None
    canonical: str | None

    @property
    def usable(self) -> bool:
        return bool(self.text) and len(self.text or "") >= MIN_TEXT_CHARS


def detect_language(text: str | None) -> str | None:
    """ISO 639-1 code of `text` (py3langid), None when there is too little text to tell."""
    if not text or len(text.strip()) < 20:
        return None
    import py3langid

    lang, _score = py3langid.classify(text[:2000])
    return str(lang)


def _date(value: str | None) -> datetime | None:
    return parse_iso(value)


def extract_page(html: str | bytes, url: str) -> Extracted:
    """Extract one page; never raises for bad HTML (returns an unusable Extracted)."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            fast=True,
            include_comments=False,
            include_tables=False,
            with_metadata=True,
            # the exhaustive date search costs ~15x the whole extraction; feeds carry dates
            date_extraction_params={"extensive_search": False},
        )
        doc = doc.as_dict() if doc is not None else None
    except Exception:  # trafilatura/lxml on hostile markup: treat as "nothing extracted"
        doc = None
    if not isinstance(doc, dict):
        return Extracted(None, None, None, None, None, None, None)
    text = doc.get("text") or None
    return Extracted(
        title=doc.get("title") or None,
        text=text,
        author=doc.get("author") or None,
        published=_date(doc.get("date")),
        lang=detect_language(text) or (doc.get("language") or None),
        site_name=doc.get("sitename") or None,
        canonical=doc.get("url") or None,
    )


Page = tuple[bytes, str]  # (html, url)
Result = tuple[Extracted, Fingerprint | None]  # the fingerprint of clean_text(text), if usable
UNUSABLE = Extracted(None, None, None, None, None, None, None)
BATCH = 8  # most pages per task


def extract_batch(pages: list[Page]) -> list[Result]:
    """Extract pages (in a worker): each page's fields and, for a usable text, the
    fingerprint the write path would compute for it (`ArticleWriter.prepare`)."""
    out: list[Result] = []
    for html, url in pages:
        page = extract_page(html, url)
        out.append((page, fingerprint(clean_text(page.text)) if page.usable else None))
    return out


def languages(samples: list[tuple[str | None, str | None]]) -> list[str | None]:
    """The language of each (title, text) pair (for entries whose page gave none)."""
    return [detect_language(" ".join(x for x in pair if x)) for pair in samples]


def parse_in_worker(body: bytes, url: str, content_type: str) -> tuple[Any, str | None]:
    """`parse_feed` in a worker: (the parsed feed, None) or (None, the FeedParseError's
    message) — the error classes take two arguments and would not unpickle as raised."""
    from everyside.ingest.feeds import FeedParseError, parse_feed

    try:
        return parse_feed(body, url, content_type), None
    except FeedParseError as e:
        return None, str(e).removeprefix(f"parse feed {url}: ")


def _warm() -> None:
    import py3langid
    import trafilatura  # noqa: F401

    py3langid.classify("warm up the language model")


class Extractor:
    """Runs `extract_batch` off the event loop: in processes (`workers` > 1; 0 = one per CPU)
    or, with a single worker (`workers` = 1 or -1, or one CPU), in one thread of this process,
    where no page has to be copied to another process. A worker process that dies (a crash in
    a C library on a hostile page) costs its batch their extraction, not the pool: the pool is
    rebuilt and those pages fall back to their feed content."""

    def __init__(self, workers: int = 0, batch: int = BATCH):
        self.workers = workers if workers >= 0 else 1
        self.processes = (workers or max(1, os.cpu_count() or 1)) if workers >= 0 else 1
        self.in_process = self.processes <= 1
        self.batch = max(1, batch)
        self.pool: Executor = self._new_pool()
        self.restarts = 0

    def _new_pool(self) -> Executor:
        if self.in_process:
            return ThreadPoolExecutor(1, thread_name_prefix="everyside-extract")
        ctx = multiprocessing.get_context("forkserver")
        return ProcessPoolExecutor(self.processes, mp_context=ctx, initializer=_warm)

    async def extract(self, html: bytes, url: str) -> Extracted:
        return (await self.extract_many([(html, url)]))[0][0]

    async def extract_many(self, pages: list[Page]) -> list[Result]:
        """Every page's result, in order; the pages are split into batches of at most
        `batch`, spread over the workers."""
        if not pages:
            return []
        size = max(1, min(self.batch, -(-len(pages) // self.processes)))
        chunks = [pages[i : i + size] for i in range(0, len(pages), size)]
        done = await asyncio.gather(*(self._run(c) for c in chunks))
        return [r for part in done for r in part]

    async def parse_feed(self, body: bytes, url: str, content_type: str) -> Any:
        """`feeds.parse_feed` in a worker process (feedparser is CPU-bound too); raises
        FeedParseError as it does, or when the worker died on the document."""
        from everyside.ingest.feeds import FeedParseError

        try:
            parsed, error = await self._submit(
                f"parsing the feed {url}", parse_in_worker, body, url, content_type
            )
        except BrokenExecutor:
            raise FeedParseError(url, "the parser's worker process died on it") from None
        if error is not None:
            raise FeedParseError(url, error)
        return parsed

    async def languages(self, samples: list[tuple[str | None, str | None]]) -> list[str | None]:
        """`languages` off the event loop, in a worker process when there are some (so this
        process need not load the language model: ~65 MB)."""
        if self.in_process:
            return await asyncio.to_thread(languages, samples)
        try:
            what = f"detecting the language of {len(samples)} entries"
            return cast(list[str | None], await self._submit(what, languages, samples))
        except BrokenExecutor:
            return [None] * len(samples)

    async def _run(self, chunk: list[Page]) -> list[Result]:
        try:
            what = f"extracting {len(chunk)} pages: {chunk[0][1]}, ..."
            return cast(list[Result], await self._submit(what, extract_batch, chunk))
        except BrokenExecutor:
            return [(UNUSABLE, None) for _ in chunk]

    async def _submit(self, what: str, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(*args) in the pool; a dead worker process rebuilds the pool (BrokenExecutor
        is raised for this call only)."""
        loop = asyncio.get_running_loop()
        pool = self.pool
        try:
            return await loop.run_in_executor(pool, fn, *args)
        except BrokenExecutor:
            log.warning("extraction worker died (%s); restarting the pool", what)
            if self.pool is pool:  # the first task to notice replaces it
                self.restarts += 1
                self.pool = self._new_pool()
                pool.shutdown(wait=False, cancel_futures=True)
            raise

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
