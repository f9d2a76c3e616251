"""Page extraction: main text and metadata of an article page (trafilatura), and language
detection (py3langid). CPU-bound and pure: `extract_page` runs in a worker process
(`Extractor`) so the event loop keeps fetching while pages are parsed.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

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


def _warm() -> None:
    import py3langid
    import trafilatura  # noqa: F401

    py3langid.classify("warm up the language model")


class Extractor:
    """Runs `extract_page` off the event loop: in processes (workers > 0, default one per CPU)
    or in one thread (workers = -1, for tests and tiny installs). A worker that dies (a crash
    in a C library on a hostile page) costs that page its extraction, not the pool: the pool is
    rebuilt and the page falls back to its feed content."""

    def __init__(self, workers: int = 0):
        self.workers = workers
        self.pool: Executor = self._new_pool()
        self.restarts = 0

    def _new_pool(self) -> Executor:
        if self.workers < 0:
            return ThreadPoolExecutor(1, thread_name_prefix="everyside-extract")
        n = self.workers or max(1, os.cpu_count() or 1)
        ctx = multiprocessing.get_context("forkserver")
        return ProcessPoolExecutor(n, mp_context=ctx, initializer=_warm)

    async def extract(self, html: bytes, url: str) -> Extracted:
        loop = asyncio.get_running_loop()
        pool = self.pool
        try:
            return await loop.run_in_executor(pool, extract_page, html, url)
        except BrokenExecutor:
            log.warning("extraction worker died on %s; restarting the pool", url)
            if self.pool is pool:  # the first task to notice replaces it
                self.restarts += 1
                self.pool = self._new_pool()
                pool.shutdown(wait=False, cancel_futures=True)
            return Extracted(None, None, None, None, None, None, None)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
