"""Summaries adapter: reads a story from the store, summarises it, stores the document.

- `update_summaries(store, settings, story_ids, now)` (re)generates the summaries of those
  stories that need it: eligible (>= 3 articles from >= 2 outlets) and either never summarised
  or changed materially since (`regeneration_reason`). Returns how many it wrote.
- `get_summary(conn, story_id)` returns the stored document (shape: `everyside.domain.summarize`).
- `record_feedback(store, settings, story_id, reason, text, client, now)` stores a "Does this
  summary seem wrong?" report; at `summary_dispute_reports` unhandled reports the summary is
  marked disputed and regenerated in strict mode (only corroborated sentences, no LLM), with
  the reports' reasons logged and kept in the document.

Syndicated copies (`copy_of` set) are left out: a wire copy is not a second source. Sides come
from the outlet's cached combined bias (the same source the coverage panel uses).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

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
from everyside.domain.summarize.document import sides_of
from everyside.errors import InputError
from everyside.services.llm import LLMClient, LLMError
from everyside.settings import Settings
from everyside.store import Store
from everyside.store import schema as t

log = logging.getLogger(__name__)

# summaries.mode is VARCHAR(16): the document says "abstractive+extractive" in full.
_MODE_COLUMN = {"abstractive+extractive": "mixed"}
MAX_REASON = 64
MAX_TEXT = 2000


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


# -- reading ----------------------------------------------------------------------------------
def load_articles(conn: Connection, story_id: int) -> list[SourceArticle]:
    """The story's original articles (no syndicated copies), oldest first."""
    a, o = t.articles.c, t.outlets.c
    rows = conn.execute(
        select(
            a.id,
            a.title,
            a.text,
            a.summary,
            a.domain,
            a.source,
            a.published_at,
            o.domain.label("outlet_domain"),
            o.bias,
            o.factuality,
        )
        .select_from(t.articles.outerjoin(t.outlets, a.outlet_id == o.id))
        .where(a.story_id == story_id, a.copy_of.is_(None))
        .order_by(a.published_at, a.id)
    ).all()
    return [
        SourceArticle(
            id=r.id,
            title=r.title or "",
            text=r.text,
            summary=r.summary,
            outlet=r.outlet_domain or r.domain or r.source,
            side=bias_side(r.bias).value if r.bias is not None else None,
            factuality=r.factuality,
            published_at=_aware(r.published_at),
        )
        for r in rows
    ]


def _stored_row(conn: Connection, story_id: int) -> Any:
    return conn.execute(select(t.summaries).where(t.summaries.c.story_id == story_id)).first()


def get_summary(conn: Connection, story_id: int) -> dict[str, Any] | None:
    """The stored summary document of a story, or None when it has none."""
    row = _stored_row(conn, story_id)
    if row is None:
        return None
    doc = dict(row.data)
    doc["disputed"] = bool(row.disputed)
    generated = _aware(row.generated_at)
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
    conn.execute(delete(t.summaries).where(t.summaries.c.story_id == story_id))
    conn.execute(
        insert(t.summaries).values(
            story_id=story_id,
            mode=_MODE_COLUMN.get(doc["mode"], doc["mode"]),
            data=doc,
            article_count=count,
            disputed=bool(doc.get("disputed")),
            generated_at=_naive_utc(now),
        )
    )


def _summarise_one(
    store: Store, settings: Settings, story_id: int, now: datetime, llm: LLMClient | None
) -> bool:
    with store.read() as conn:
        articles = load_articles(conn, story_id)
        row = _stored_row(conn, story_id)
    if not is_eligible(articles):
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
    """`update_summaries` over every live story with at least 3 articles."""
    s = t.stories.c
    with store.read() as conn:
        ids = (
            conn.execute(
                select(s.id).where(s.merged_into.is_(None), s.article_count >= 3).order_by(s.id)
            )
            .scalars()
            .all()
        )
    return update_summaries(store, settings, ids, now)


# -- feedback ---------------------------------------------------------------------------------
def _open_reports(conn: Connection, story_id: int) -> list[Any]:
    f = t.feedback.c
    return conn.execute(
        select(f.id, f.reason, f.text).where(
            f.story_id == story_id, f.kind == "summary", f.handled.is_(False)
        )
    ).all()


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
) -> dict[str, Any]:
    """Store a summary report; dispute and regenerate the summary once enough have come in.

    Returns {"feedback_id", "reports" (unhandled, including this one), "disputed",
    "regenerated"}. Rate limiting is the caller's (the web's) job."""
    reason = (reason or "").strip()[:MAX_REASON]
    if not reason:
        raise InputError("feedback needs a reason (e.g. 'wrong event', 'inaccurate')")
    with store.read() as conn:
        exists = conn.execute(select(func.count()).where(t.stories.c.id == story_id)).scalar()
    if not exists:
        raise InputError(f"story #{story_id} does not exist; report on an existing story")

    def add(conn: Connection) -> int:
        result = conn.execute(
            insert(t.feedback).values(
                story_id=story_id,
                kind="summary",
                reason=reason,
                text=(text or "")[:MAX_TEXT] or None,
                client=client,
                handled=False,
                created_at=_naive_utc(now),
            )
        )
        return int(result.inserted_primary_key[0])

    feedback_id = store.write(add)
    with store.read() as conn:
        reports = _open_reports(conn, story_id)
    outcome = {
        "feedback_id": feedback_id,
        "reports": len(reports),
        "disputed": False,
        "regenerated": False,
    }
    if len(reports) >= settings.summary_dispute_reports:
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
        "summaries: summary of story #%s disputed after %d reports; reasons: %s; texts: %s",
        story_id,
        len(reports),
        dict(reasons),
        [r.text for r in reports if r.text],
    )
    with store.read() as conn:
        articles = load_articles(conn, story_id)
    doc = generate(articles, settings, now, strict=True, llm=llm) if articles else None
    dispute = {"reports": len(reports), "reasons": dict(reasons), "at": now.isoformat()}
    ids = [r.id for r in reports]

    def apply(conn: Connection) -> None:
        if doc is not None:
            _save(conn, story_id, {**doc, "disputed": True, "dispute": dispute}, len(articles), now)
        else:
            conn.execute(
                update(t.summaries).where(t.summaries.c.story_id == story_id).values(disputed=True)
            )
        conn.execute(update(t.feedback).where(t.feedback.c.id.in_(ids)).values(handled=True))

    store.write(apply)
    return doc is not None
