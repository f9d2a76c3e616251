"""From feed entries to article rows: page fetch (robots permitting), extraction, fallback to
the feed's own content, canonical key, language. One bad page never fails its feed: it falls
back to the feed content and says so in `articles.extraction` ('feed-fallback').
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from everyside.domain.dedupe import Fingerprint
from everyside.domain.urls import canonicalize_url, choose_canonical, registered_domain
from everyside.errors import FetchError, InputError
from everyside.ingest.extract import Extracted, Extractor, languages
from everyside.ingest.feeds import Entry, looks_like_html
from everyside.ingest.fetch import Fetcher, Response
from everyside.ingest.robots import RobotsCache
from everyside.services.articles import ArticleDraft

log = logging.getLogger(__name__)
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


@dataclass
class Candidate:
    """A feed entry that is not stored yet, with its canonical key."""

    key: str
    entry: Entry


def candidates(entries: list[Entry], base_url: str) -> list[Candidate]:
    """Entries with a usable link (relative links resolved against the feed's URL), keyed by
    canonical URL, first occurrence wins."""
    out: dict[str, Candidate] = {}
    for e in entries:
        if not e.link:
            continue
        e.link = urljoin(base_url, e.link.strip())
        try:
            key = canonicalize_url(e.link)
        except InputError:
            continue
        out.setdefault(key, Candidate(key, e))
    return list(out.values())


class PageReader:
    """Fetches and extracts article pages for one round."""

    def __init__(self, fetcher: Fetcher, extractor: Extractor | None, robots: RobotsCache | None):
        self.fetcher = fetcher
        self.extractor = extractor
        self.robots = robots

    async def read(self, c: Candidate, feed_title: str | None, now: datetime) -> ArticleDraft:
        """The article as found for a candidate (outlet, dedupe and bookkeeping are the write
        path's job: `everyside.services.articles`)."""
        return (await self.read_many([c], feed_title, now))[0][0]

    async def read_many(
        self, cands: list[Candidate], feed_title: str | None, now: datetime
    ) -> list[tuple[ArticleDraft, Fingerprint | None]]:
        """`read` for a feed's new entries: the pages are fetched concurrently, then extracted
        in batches (`Extractor.extract_many`). Each draft comes with the fingerprint of its
        text when the extraction worker computed it (for `ArticleWriter.prepare`)."""
        if not cands:
            return []
        fetched = await asyncio.gather(*(self._fetch(c.entry.link or c.key) for c in cands))
        html = [(r[0].body, r[0].url) for r in fetched if r[0] is not None]
        extracted = iter(await self.extractor.extract_many(html) if self.extractor else [])
        drafts: list[tuple[ArticleDraft, Fingerprint | None]] = []
        for c, (resp, reason) in zip(cands, fetched, strict=True):
            page, fp, final_url = None, None, None
            if resp is not None:
                page, fp = next(extracted)
                final_url = resp.url
                reason = "" if page.usable else "no main text extracted (paywall or teaser?)"
            drafts.append((self._draft(c, page, reason, final_url, feed_title, now), fp))
        missing = [d for d, _ in drafts if d.lang is None]
        if missing:  # off the event loop: the first call loads the language model
            samples = [(d.title, d.text) for d in missing]
            if self.extractor is not None:
                langs = await self.extractor.languages(samples)
            else:
                langs = await asyncio.to_thread(languages, samples)
            for d, lang in zip(missing, langs, strict=True):
                d.lang = lang
        for (d, _), c in zip(drafts, cands, strict=True):
            d.lang = d.lang or _short_lang(c.entry.language)
        return drafts

    def _draft(
        self,
        c: Candidate,
        page: Extracted | None,
        reason: str,
        final_url: str | None,
        feed_title: str | None,
        now: datetime,
    ) -> ArticleDraft:
        e = c.entry
        if page is not None and page.usable:
            key = choose_canonical(final_url, page.canonical) if final_url else c.key
            text, extraction = page.text, "page"
        else:
            key = c.key
            text = e.content or e.summary
            extraction = "feed" if reason == "pages off" else "feed-fallback"
        title = (page.title if page and page.usable else None) or e.title
        lang = page.lang if page and page.usable else None
        return ArticleDraft(
            key=key,
            url=e.link,
            domain=registered_domain(key),
            source=(page.site_name if page and page.usable else None) or feed_title,
            external_id=e.guid,
            title=title,
            text=text,
            summary=e.summary,
            author=(page.author if page and page.usable else None) or e.author,
            lang=lang,
            published_at=e.published or (page.published if page else None),
            fetched_at=now,
            extraction=extraction,
            extra={"fallback_reason": reason} if extraction == "feed-fallback" else None,
        )

    async def _fetch(self, url: str) -> tuple[Response | None, str]:
        """The page's response when it is one to extract, else None and the reason."""
        if self.extractor is None:
            return None, "pages off"
        try:
            if self.robots is not None and not await self.robots.allowed(url):
                return None, "disallowed by robots.txt"
            resp = await self.fetcher.get(url, accept=PAGE_ACCEPT)
        except FetchError as err:
            log.info("page %s: %s; using feed content", url, err)
            return None, str(err)
        if not looks_like_html(resp.body) and b"<" not in resp.body[:1024]:
            return None, f"not an HTML page ({resp.content_type or 'no type'})"
        return resp, ""


def _short_lang(value: str | None) -> str | None:
    return value.split("-")[0].lower()[:8] if value else None
