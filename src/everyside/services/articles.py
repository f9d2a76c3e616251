"""The one article write path: every article, imported from a file or fetched from a feed,
enters the store here.

`ArticleWriter.prepare(draft)` normalises the text (`domain.text.normalize`), computes the key
(the canonical URL, or `urn:everyside:import:<id>` without a URL), the registered domain and the
text fingerprint; it is pure and cheap, so the ingest engine runs it on its event loop.
`ArticleWriter.write(conn, prepared, now)` then, inside the caller's transaction:
- drops a published time more than `max_date_skew_hours` after the fetch (a bogus date),
- assigns the outlet (`OutletResolver`, the one place that does),
- dedupes: a known key is updated when a compared field changed, else left alone; a new
  article is marked `copy_of` the first earlier article of *another* outlet with (nearly) the
  same text (MinHash over `dedupe_threshold` in a `dedupe_window_days` window),
- inserts or updates the rows.
A transaction that fails after `write` must call `undo(result)`: the duplicate index and the
outlet cache then forget what the rolled-back transaction added.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from everyside.domain.dedupe import DuplicateIndex, Fingerprint, content_hash
from everyside.domain.errors import InputError
from everyside.domain.text.normalize import clean_line, clean_text
from everyside.domain.times import from_db, to_db, utc
from everyside.domain.urls import article_key, registered_domain
from everyside.services.outlets import OutletResolver
from everyside.store import Store
from everyside.store import articles as rows


@dataclass
class ArticleDraft:
    """An article as found (in a file line or a feed entry), before the write path."""

    url: str | None = None
    key: str | None = None  # computed from url / external_id when not given
    external_id: str | None = None
    domain: str | None = None
    source: str | None = None  # outlet name as given
    title: str | None = None
    text: str | None = None
    summary: str | None = None  # feed description / snippet
    author: str | None = None
    lang: str | None = None
    published_at: datetime | None = None
    fetched_at: datetime | None = None
    extraction: str | None = None  # page | feed | feed-fallback | import
    extra: dict[str, Any] | None = None
    feed_id: int | None = None
    feed_outlet_id: int | None = None  # the feed's outlet, when the URL names none
    # The publisher's name as the data provider states it (an import file's `source`), tried
    # when the URL's host is unknown. Not a page's self-description: a syndicated page names
    # its original publisher, and matching that would make the copy the original's outlet.
    outlet_name: str | None = None


@dataclass
class Prepared:
    draft: ArticleDraft
    fingerprint: Fingerprint


@dataclass
class WriteResult:
    inserted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0

    @property
    def article_ids(self) -> list[int]:
        return self.inserted + self.updated


def outlet_key(outlet_id: int | None, domain: str | None) -> str:
    """Who published an article, for "a copy of *another* outlet": the outlet, else the domain."""
    return str(outlet_id) if outlet_id else (domain or "")


def normalised(d: ArticleDraft) -> ArticleDraft:
    """The draft with every text field through the one normalisation, key and domain filled."""
    url = clean_line(d.url)
    key = d.key or article_key(url, d.external_id)
    domain = clean_line(d.domain)
    if not domain and key.startswith("https://"):
        domain = registered_domain(key)
    return replace(
        d,
        url=url,
        key=key,
        domain=domain.lower() if domain else None,
        source=clean_line(d.source),
        outlet_name=clean_line(d.outlet_name),
        title=clean_line(d.title),
        text=clean_text(d.text),
        summary=clean_text(d.summary),
        author=clean_line(d.author),
        lang=clean_line(d.lang),
        external_id=clean_line(d.external_id),
    )


class ArticleWriter:
    """One per process and store: holds the near-duplicate index and the outlet cache."""

    def __init__(self, settings: Any, resolver: OutletResolver | None = None):
        self.index = DuplicateIndex(
            float(settings.dedupe_threshold), timedelta(days=float(settings.dedupe_window_days))
        )
        self.skew = timedelta(hours=float(settings.max_date_skew_hours))
        self.resolver = resolver or OutletResolver(None)
        self._lock = threading.Lock()
        self._top = 0  # the highest article id `rebuild`/`catch_up` has looked at

    # -- the index -------------------------------------------------------------------------
    def rebuild(self, store: Store, now: datetime) -> int:
        """Refill the duplicate index with the stored articles of the window."""
        with store.read() as conn:
            found = rows.dedupe_window(conn, utc(now) - self.index.window)
            top = rows.max_id(conn)
        with self._lock:
            self._top = max(self._top, top)
            for r in found:
                key = outlet_key(r.outlet_id, r.domain)
                seen = from_db(r.created_at) or utc(now)
                self.index.add(r.id, key, seen, r.text, r.copy_of)
                self._top = max(self._top, int(r.id))
        return len(found)

    def catch_up(self, store: Store, now: datetime, lookback: int = 500) -> int:
        """Add the articles other processes stored since this writer last looked (the
        distributed shape: several writers, one index each). Ids are taken `lookback` below
        the highest seen, since a transaction that got a lower id may commit later; each
        article is fingerprinted once per writer. Returns how many were added."""
        with store.read() as conn:
            ids = rows.ids_above(conn, self._top - lookback)
        with self._lock:
            missing = [i for i in ids if i not in self.index.by_id]
        if not missing:
            return 0
        with store.read() as conn:
            found = rows.dedupe_rows(conn, missing)
        with self._lock:
            for r in found:
                seen = from_db(r.created_at) or utc(now)
                self.index.add(r.id, outlet_key(r.outlet_id, r.domain), seen, r.text, r.copy_of)
            self._top = max([self._top, *ids])
        return len(found)

    def expire(self, now: datetime) -> int:
        with self._lock:
            return self.index.expire(utc(now))

    # -- writing ---------------------------------------------------------------------------
    def prepare(self, draft: ArticleDraft, fingerprint: Fingerprint | None = None) -> Prepared:
        """Normalise and fingerprint (raises InputError for an article with no key).

        `fingerprint`, when given, is the one of `clean_text(draft.text)` computed elsewhere
        (an ingest extraction worker); it is used only when it was made with this index's
        number of permutations."""
        d = normalised(draft)
        if not d.title and not d.text:
            raise InputError("article has neither title nor text")
        mh = fingerprint.minhash if fingerprint is not None else None
        if fingerprint is None or (mh is not None and mh.num_perm != self.index.num_perm):
            fingerprint = self.index.fingerprint(d.text)
        return Prepared(d, fingerprint)

    def write(self, conn: Any, batch: list[Prepared], now: datetime) -> WriteResult:
        """Insert new articles and update changed ones, in the caller's transaction."""
        result = WriteResult()
        known = rows.existing(conn, [p.draft.key for p in batch if p.draft.key])
        with self._lock:
            try:
                for p in batch:
                    self._write_one(conn, p, known, now, result)
            except BaseException:
                self.undo(result)
                raise
        return result

    def undo(self, result: WriteResult) -> None:
        """The transaction of `result` rolled back: forget its articles and cached outlets."""
        for aid in result.inserted:
            self.index.discard(aid)
        self.resolver.reset()

    def _write_one(
        self, conn: Any, p: Prepared, known: dict[str, Any], now: datetime, out: WriteResult
    ) -> None:
        values = self._values(conn, p, now)
        old = known.get(values["key"])
        if old is None:
            values.update(created_at=now, updated_at=now, copy_of=self._original(p, values))
            aid = rows.insert_article(conn, values)
            self.index.add(aid, outlet_key(values["outlet_id"], values["domain"]), utc(now),
                           values["text"], values["copy_of"], p.fingerprint)  # fmt: skip
            known[values["key"]] = _KnownRow(aid, values)
            out.inserted.append(aid)
            self._top = max(self._top, aid)
            return
        changed = _changes(old, values)
        if not changed:
            out.unchanged += 1
            return
        rows.update_article(conn, old.id, {**changed, "updated_at": now})
        out.updated.append(old.id)

    def _values(self, conn: Any, p: Prepared, now: datetime) -> dict[str, Any]:
        d = p.draft
        fetched = utc(d.fetched_at) if d.fetched_at else utc(now)
        published = utc(d.published_at) if d.published_at else None
        if published is not None and published > fetched + self.skew:
            published = None  # a date in the future is a bogus date, not news from tomorrow
        oid = self.resolver.outlet_id(conn, d.url, d.domain, d.outlet_name, now)
        oid = oid or d.feed_outlet_id
        return {
            "key": d.key,
            "url": d.url,
            "domain": d.domain,
            "source": d.source,
            "external_id": d.external_id,
            "title": d.title,
            "text": d.text,
            "summary": d.summary,
            "author": d.author,
            "lang": d.lang,
            "published_at": published,
            "fetched_at": fetched,
            "content_hash": p.fingerprint.digest if d.text else content_hash(d.title),
            "extraction": d.extraction,
            "extra": d.extra or None,
            "feed_id": d.feed_id,
            "outlet_id": oid,
        }

    def _original(self, p: Prepared, values: dict[str, Any]) -> int | None:
        key = outlet_key(values["outlet_id"], values["domain"])
        return self.index.find_original(values["text"], key, p.fingerprint)

    def update_summary(self, conn: Any, article_id: int, summary: str, now: datetime) -> None:
        """A stored article's feed description changed (a correction, a new teaser)."""
        rows.update_article(conn, article_id, {"summary": clean_text(summary), "updated_at": now})

    def write_batch(self, store: Store, batch: list[Prepared], now: datetime) -> WriteResult:
        """`write` in a transaction of its own (the importer's batches)."""
        done: list[WriteResult] = []

        def run(conn: Any) -> WriteResult:
            done.append(self.write(conn, batch, now))
            return done[-1]

        try:
            return store.write(run)
        except BaseException:
            for r in done:
                self.undo(r)
            raise


@dataclass
class _KnownRow:
    """An article inserted earlier in the same batch, seen like a stored one."""

    id: int
    values: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        return self.values.get(name)


def _changes(old: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The compared fields whose new value is set and differs from the stored one."""
    out = {}
    for c in rows.COMPARED:
        new = values.get(c)
        if new is None:
            continue
        stored = getattr(old, c)
        if c == "published_at":
            new = to_db(new)
            stored = to_db(stored) if isinstance(stored, datetime) else stored
        if stored != new:
            out[c] = values[c]
    return out
