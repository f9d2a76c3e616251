"""The coverage service: reads stories, articles, outlets, ratings and ownership through the
store (`store.coverage`), runs the pure `domain.coverage` analysis, and stores one document per
story. Also the outlet profile built from them.

Readers get coverage through the read model (`services.read`), which shows these documents.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from everyside.domain.coverage import (
    ArticleFacts,
    Coverage,
    CoverageParams,
    OutletFacts,
    compute_coverage,
)
from everyside.domain.outlet_profile import build_profile
from everyside.store import Store
from everyside.store import coverage as rows
from everyside.store.outlets import outlet_id_for, outlet_row

__all__ = ["CoverageParams", "compute_story_coverage", "get_coverage", "update_coverage"]
log = logging.getLogger(__name__)
CHUNK = 400  # stories per read/compute/write round (keeps IN lists and transactions small)


# -- reading the inputs -----------------------------------------------------------------------
def load_outlets(conn: Any, outlet_ids: Iterable[int]) -> dict[int, OutletFacts]:
    """OutletFacts by outlet id: cached combined ratings, bias rater count, first owner."""
    out: dict[int, OutletFacts] = {}
    for oid, f in rows.outlet_facts(conn, outlet_ids).items():
        r = f["row"]
        owner, cat = f["owner"] or (None, None)
        out[oid] = OutletFacts(
            domain=r["domain"],
            name=r["name"],
            country=r["country"],
            bias=r["bias"],
            bias_spread=r["bias_spread"],
            bias_raters=int(f["raters"]),
            factuality=r["factuality"],
            estimated_bias=r["estimated_bias"] if r["bias"] is None else None,
            estimated_bias_method=r["estimated_bias_method"] if r["bias"] is None else None,
            owner=owner,
            owner_category=cat,
        )
    return out


def load_story_inputs(
    conn: Any, story_ids: Sequence[int]
) -> tuple[dict[int, list[ArticleFacts]], dict[str, OutletFacts]]:
    """Member articles of each story and the facts of every outlet they come from."""
    found = rows.member_articles(conn, story_ids)
    facts = load_outlets(conn, (r.outlet_id for r in found if r.outlet_id is not None))
    outlets: dict[str, OutletFacts] = {f.domain: f for f in facts.values()}
    members: dict[int, list[ArticleFacts]] = {sid: [] for sid in story_ids}
    for r in found:
        if r.outlet_id in facts:
            key = facts[r.outlet_id].domain
        else:
            key = r.domain or r.source or "unknown"
            outlets.setdefault(key, OutletFacts(domain=key, name=r.source or key))
        members[r.story_id].append(
            ArticleFacts(
                id=r.id,
                outlet=key,
                title=r.title,
                text=r.text,
                published_at=r.published_at,
                fetched_at=r.fetched_at,
                copy_of=r.copy_of,
            )
        )
    return members, outlets


# -- computing and writing --------------------------------------------------------------------
def compute_story_coverage(
    conn: Any, story_ids: Sequence[int], params: CoverageParams, now: datetime
) -> dict[int, Coverage | None]:
    """Coverage of each story (None for a story without member articles)."""
    members, outlets = load_story_inputs(conn, story_ids)
    return {
        sid: compute_coverage(arts, outlets, params, now, story_id=sid) if arts else None
        for sid, arts in members.items()
    }


def _row(cov: Coverage, now: datetime) -> dict[str, Any]:
    shares = cov.side_shares
    return {
        "story_id": cov.story_id,
        "outlets": cov.total_outlets,
        "rated_outlets": cov.rated_outlets,
        "left_share": shares.get("left"),
        "center_share": shares.get("center"),
        "right_share": shares.get("right"),
        "blindspot": cov.missed_by,
        "country": cov.country,
        "topics": [x["tag"] for x in cov.topics],
        "data": cov.to_dict(),
        "computed_at": now,
    }


def write_coverage(conn: Any, results: dict[int, Coverage | None], now: datetime) -> int:
    """Replace the coverage rows of these stories."""
    docs = [_row(c, now) for c in results.values() if c is not None]
    return rows.replace_coverage(conn, list(results), docs)


def update_coverage(
    store: Store, settings: Any, story_ids: Iterable[int] | None, now: datetime
) -> int:
    """Recompute the coverage of the given stories (None: every story); returns rows written.

    Incremental: only the given stories are read and rewritten, CHUNK stories per transaction.
    """
    params = CoverageParams.from_settings(settings)
    if story_ids is None:
        with store.read() as conn:
            story_ids = rows.live_story_ids(conn)
    ids = sorted(set(story_ids))
    written = 0
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        with store.read() as conn:
            results = compute_story_coverage(conn, chunk, params, now)
        written += store.write(functools.partial(write_coverage, results=results, now=now))
    log.info("coverage: %d of %d stories written", written, len(ids))
    return written


def stale_story_ids(conn: Any) -> list[int]:
    """Stories with members whose coverage is missing or older than their last change."""
    return rows.stale_story_ids(conn)


def get_coverage(conn: Any, story_id: int) -> dict[str, Any] | None:
    """The stored coverage document of a story (see docs/design-notes/coverage.md), or None."""
    return rows.coverage_document(conn, story_id)


# -- outlet profile and reading history -------------------------------------------------------
def outlet_profile(conn: Any, domain: str, recent: int = 10) -> dict[str, Any] | None:
    """Everything about an outlet (domain or alias; see domain/outlet_profile.py), or None."""
    oid = outlet_id_for(conn, domain.strip().lower().removeprefix("www."))
    row = outlet_row(conn, oid) if oid is not None else None
    if oid is None or row is None:
        return None
    total, copies = rows.outlet_article_counts(conn, oid)
    return build_profile(
        row,
        rows.outlet_ratings(conn, oid),
        rows.outlet_owners(conn, oid),
        total,
        copies,
        rows.outlet_latest(conn, oid, recent),
    )
