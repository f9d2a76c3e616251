"""Summaries adapter: reads a story from the store, summarises it, stores the document.

- `update_summaries(store, settings, story_ids, now)` (re)generates the summaries of those
  stories that need it: eligible (>= 2 articles) and either never summarised
  or changed materially since (`regeneration_reason`). Returns how many it wrote.
- `get_summary(conn, story_id)` returns the stored document (shape: `everyside.domain.summarize`).
- `record_feedback(store, settings, story_id, reason, text, client, now)` stores a "Does this
  summary seem wrong?" report (refused past the client's hourly `rate_limit`, atomically);
  once the unhandled reports come from enough distinct clients (`domain.disputes`: at least
  `summary_dispute_reports`, and `summary_dispute_share` of the story's readers) the summary
  is marked disputed and regenerated in strict mode (only corroborated sentences, no LLM),
  with the reports' reasons logged and kept in the document.

Syndicated copies (`copy_of` set) are left out: a wire copy is not a second source. Sides come
from the outlet's cached combined bias (the same source the coverage panel uses).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from everyside.domain.disputes import distinct_clients, is_disputed
from everyside.domain.model import bias_side
from everyside.domain.summarize import (
    SourceArticle,
    SummaryParams,
    build_messages,
    is_eligible,
    merge_abstractive,
    regeneration_reason,
    summarize_story,
)
from everyside.domain.summarize.document import MIN_ARTICLES, sides_of
from everyside.domain.times import utc_or_none
from everyside.errors import InputError
from everyside.services.llm import LLMClient, LLMError
from everyside.settings import Settings
from everyside.store import Store
from everyside.store import feedback as fb
from everyside.store import summaries as rows

log = logging.getLogger(__name__)

MAX_REASON = 64
MAX_TEXT = 2000
Connection = Any  # an open store connection (`store.read()` / `store.write(fn)`)


# -- reading ----------------------------------------------------------------------------------
def load_articles(conn: Connection, story_id: int) -> list[SourceArticle]:
    """The story's original articles (no syndicated copies), oldest first."""
    return [
        SourceArticle(
            id=r.id,
            title=r.title or "",
            text=r.text,
            summary=r.summary,
            outlet=r.outlet_domain or r.domain or r.source,
            side=bias_side(r.bias).value if r.bias is not None else None,
            factuality=r.factuality,
            published_at=utc_or_none(r.published_at),
        )
        for r in rows.source_articles(conn, story_id)
    ]


def _stored_row(conn: Connection, story_id: int) -> Any:
    return rows.summary_row(conn, story_id)


def get_summary(conn: Connection, story_id: int) -> dict[str, Any] | None:
    """The stored summary document of a story, or None when it has none."""
    row = _stored_row(conn, story_id)
    if row is None:
        return None
    doc = dict(row.data)
    doc["disputed"] = bool(row.disputed)
    generated = utc_or_none(row.generated_at)
    doc["generated_at"] = generated.isoformat() if generated else None
    return doc


# -- generating -------------------------------------------------------------------------------
def generate(
    articles: list[SourceArticle],
    settings: Settings,
    now: datetime,
    *,
    strict: bool = False,
    llm: LLMClient | None = None,
) -> dict[str, Any]:
    """The summary document: extractive, then the abstractive pass when configured."""
    params = replace(SummaryParams(), strict=strict)
    doc = summarize_story(articles, now, params)
    doc["basis"]["requested_mode"] = settings.summary_mode
    if settings.summary_mode != "abstractive" or strict or not doc["bullets"]:
        return doc
    llm = llm or LLMClient.from_settings(settings)
    if llm is None:
        log.warning(
            "summaries: summary_mode is abstractive but llm_base_url is not set; "
            "keeping the extractive summary"
        )
        doc["abstractive"] = {"error": "llm_base_url is not set"}
        return doc
    try:
        reply = llm.chat(build_messages(doc))
    except LLMError as e:
        log.warning("summaries: %s; keeping the extractive summary", e)
        doc["abstractive"] = {"model": llm.model, "error": str(e)}
        return doc
    merged = merge_abstractive(doc, reply, llm.model, params)
    for r in merged["abstractive"]["rejected"]:
        log.info("summaries: dropped generated sentence %r: %s", r["text"], "; ".join(r["reasons"]))
    return merged


def _save(conn: Connection, story_id: int, doc: dict[str, Any], count: int, now: datetime) -> None:
    rows.save_summary(conn, story_id, doc, count, now)


def _summarise_one(
    store: Store, settings: Settings, story_id: int, now: datetime, llm: LLMClient | None
) -> bool:
    with store.read() as conn:
        articles = load_articles(conn, story_id)
        members = rows.story_article_count(conn, story_id)
        row = _stored_row(conn, story_id)
    if not is_eligible(articles, members):
        return False
    stored = None if row is None else {"article_count": row.article_count, **dict(row.data)}
    reason = regeneration_reason(stored, len(articles), sides_of(articles), settings.summary_mode)
    if reason is None:
        return False
    disputed = bool(row is not None and row.disputed)
    doc = generate(articles, settings, now, strict=disputed, llm=llm)
    if disputed:
        doc["disputed"] = True
        doc["dispute"] = dict(row.data).get("dispute")
    store.write(lambda conn: _save(conn, story_id, doc, len(articles), now))
    log.info("summaries: story #%s summarised (%s, %s)", story_id, reason, doc["mode"])
    return True


def update_summaries(
    store: Store,
    settings: Settings,
    story_ids: Iterable[int],
    now: datetime,
    *,
    llm: LLMClient | None = None,
) -> int:
    """(Re)generate the summaries of those stories that need it; returns how many were written.
    One story that fails is logged and skipped; the batch goes on."""
    written = 0
    for story_id in dict.fromkeys(story_ids):
        try:
            written += _summarise_one(store, settings, story_id, now, llm)
        except Exception:
            log.exception("summaries: unable to summarise story #%s; skipped", story_id)
    return written


def update_all_summaries(store: Store, settings: Settings, now: datetime) -> int:
    """`update_summaries` over every live story with at least MIN_ARTICLES articles."""
    with store.read() as conn:
        ids = rows.summarisable_story_ids(conn, MIN_ARTICLES)
    return update_summaries(store, settings, ids, now)


# -- feedback ---------------------------------------------------------------------------------
def record_feedback(
    store: Store,
    settings: Settings,
    story_id: int,
    reason: str,
    text: str | None,
    client: str | None,
    now: datetime,
    *,
    llm: LLMClient | None = None,
    browser: str | None = None,
    rate_limit: int | None = None,
) -> dict[str, Any]:
    """Store a summary report; dispute and regenerate the summary once enough distinct clients
    have sent one. `client`/`browser` are keyed hashes of the address and the browser cookie.

    Returns {"feedback_id", "reports" (unhandled, including this one), "clients" (distinct),
    "readers", "disputed", "regenerated", "rate_limited"}; with `rate_limit`, a client that sent
    that many reports in the last hour is refused (feedback_id None, rate_limited True)."""
    reason = (reason or "").strip()[:MAX_REASON]
    if not reason:
        raise InputError("feedback needs a reason (e.g. 'wrong event', 'inaccurate')")
    with store.read() as conn:
        exists = rows.story_exists(conn, story_id)
    if not exists:
        raise InputError(f"story #{story_id} does not exist; report on an existing story")

    values = {
        "story_id": story_id,
        "kind": "summary",
        "reason": reason,
        "text": (text or "")[:MAX_TEXT] or None,
        "client": client,
        "browser": browser,
        "handled": False,
        "created_at": now,
    }

    def add(conn: Connection) -> int | None:
        if rate_limit is not None and client:
            # one statement counts and inserts: no second report slips in between
            return fb.insert_report_limited(conn, values, rate_limit, now - timedelta(hours=1))
        return fb.add_report(conn, values)

    feedback_id = store.write(add)
    with store.read() as conn:
        reports = fb.open_reports(conn, story_id)
        readers = fb.reader_count(conn, story_id)
    clients = distinct_clients((r.client, r.browser) for r in reports)
    outcome = {
        "feedback_id": feedback_id,
        "reports": len(reports),
        "clients": clients,
        "readers": readers,
        "disputed": False,
        "regenerated": False,
        "rate_limited": feedback_id is None,
    }
    share = float(settings.summary_dispute_share)
    if feedback_id is not None and is_disputed(
        clients, settings.summary_dispute_reports, share, readers
    ):
        outcome.update(
            disputed=True, regenerated=_dispute(store, settings, story_id, reports, now, llm)
        )
    return outcome


def _dispute(
    store: Store,
    settings: Settings,
    story_id: int,
    reports: list[Any],
    now: datetime,
    llm: LLMClient | None,
) -> bool:
    reasons = Counter(r.reason for r in reports)
    log.warning(
        "summaries: summary of story #%s disputed after %d reports from %d clients; "
        "reasons: %s; texts: %s",
        story_id,
        len(reports),
        distinct_clients((r.client, r.browser) for r in reports),
        dict(reasons),
        [r.text for r in reports if r.text],
    )
    with store.read() as conn:
        articles = load_articles(conn, story_id)
    doc = generate(articles, settings, now, strict=True, llm=llm) if articles else None
    clients = distinct_clients((r.client, r.browser) for r in reports)
    dispute = {
        "reports": len(reports),
        "clients": clients,
        "reasons": dict(reasons),
        "at": now.isoformat(),
    }
    ids = [r.id for r in reports]

    def apply(conn: Connection) -> None:
        if doc is not None:
            _save(conn, story_id, {**doc, "disputed": True, "dispute": dispute}, len(articles), now)
        else:
            rows.mark_disputed(conn, story_id)
        fb.mark_handled(conn, ids)

    store.write(apply)
    return doc is not None
