"""The coverage adapter: reads stories, articles, outlets, ratings and ownership from the store,
runs the pure `domain.coverage` analysis, and writes one row per story into `coverage`.

Also the read API the web and the CLI use: `get_coverage`, `list_stories`, `list_blindspots`,
`similar_stories`, `outlet_profile` and `reading_history`. Works on SQLite and PostgreSQL
alike (plain SQLAlchemy Core).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select

from everyside.domain.coverage import (
    ArticleFacts,
    Coverage,
    CoverageParams,
    OutletFacts,
    compute_coverage,
)
from everyside.domain.history import missed_stories, reading_profile
from everyside.domain.model import bias_side, factuality_tier
from everyside.domain.outlet_profile import build_profile
from everyside.store import Store
from everyside.store import schema as t

log = logging.getLogger(__name__)
CHUNK = 400  # stories per read/compute/write round (keeps IN lists and transactions small)
SIMILAR_POOL = 5000  # most recent stories scanned for "similar stories"


def _naive(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


# -- reading the inputs -----------------------------------------------------------------------
def load_outlets(conn: Connection, outlet_ids: Iterable[int]) -> dict[int, OutletFacts]:
    """OutletFacts by outlet id: cached combined ratings, bias rater count, first owner."""
    ids = sorted(set(outlet_ids))
    out: dict[int, OutletFacts] = {}
    for i in range(0, len(ids), 1000):
        chunk = ids[i : i + 1000]
        raters: dict[int, int] = dict(
            conn.execute(
                select(t.ratings.c.outlet_id, func.count())
                .where(
                    t.ratings.c.outlet_id.in_(chunk),
                    t.ratings.c.axis == "bias",
                    t.ratings.c.value.is_not(None),
                )
                .group_by(t.ratings.c.outlet_id)
            ).all()
        )
        owners: dict[int, tuple[str, str]] = {}
        for oid, owner, cat in conn.execute(
            select(t.ownership.c.outlet_id, t.ownership.c.owner, t.ownership.c.category)
            .where(t.ownership.c.outlet_id.in_(chunk))
            .order_by(t.ownership.c.outlet_id, t.ownership.c.id)
        ):
            owners.setdefault(oid, (owner, cat))
        for r in conn.execute(select(t.outlets).where(t.outlets.c.id.in_(chunk))):
            owner, cat = owners.get(r.id, (None, None))
            out[r.id] = OutletFacts(
                domain=r.domain,
                name=r.name,
                country=r.country,
                bias=r.bias,
                bias_spread=r.bias_spread,
                bias_raters=int(raters.get(r.id, 0)),
                factuality=r.factuality,
                estimated_bias=r.estimated_bias if r.bias is None else None,
                estimated_bias_method=r.estimated_bias_method if r.bias is None else None,
                owner=owner,
                owner_category=cat,
            )
    return out


def load_story_inputs(
    conn: Connection, story_ids: Sequence[int]
) -> tuple[dict[int, list[ArticleFacts]], dict[str, OutletFacts]]:
    """Member articles of each story and the facts of every outlet they come from."""
    a = t.articles.c
    rows = conn.execute(
        select(
            a.id,
            a.story_id,
            a.outlet_id,
            a.domain,
            a.source,
            a.title,
            a.text,
            a.published_at,
            a.fetched_at,
            a.copy_of,
        ).where(a.story_id.in_(list(story_ids)))
    ).all()
    facts = load_outlets(conn, (r.outlet_id for r in rows if r.outlet_id is not None))
    outlets: dict[str, OutletFacts] = {f.domain: f for f in facts.values()}
    members: dict[int, list[ArticleFacts]] = {sid: [] for sid in story_ids}
    for r in rows:
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
    conn: Connection, story_ids: Sequence[int], params: CoverageParams, now: datetime
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
        "computed_at": _naive(now),
    }


def write_coverage(conn: Connection, results: dict[int, Coverage | None], now: datetime) -> int:
    """Replace the coverage rows of these stories (delete + insert works on both databases)."""
    ids = list(results)
    conn.execute(delete(t.coverage).where(t.coverage.c.story_id.in_(ids)))
    rows = [_row(c, now) for c in results.values() if c is not None]
    if rows:
        conn.execute(insert(t.coverage), rows)
    return len(rows)


def update_coverage(
    store: Store, settings: Any, story_ids: Iterable[int] | None, now: datetime
) -> int:
    """Recompute the coverage of the given stories (None: every story); returns rows written.

    Incremental: only the given stories are read and rewritten, CHUNK stories per transaction.
    """
    params = CoverageParams.from_settings(settings)
    if story_ids is None:
        with store.read() as conn:
            story_ids = (
                conn.execute(select(t.stories.c.id).where(t.stories.c.merged_into.is_(None)))
                .scalars()
                .all()
            )
    ids = sorted(set(story_ids))
    written = 0
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        with store.read() as conn:
            results = compute_story_coverage(conn, chunk, params, now)
        written += store.write(functools.partial(write_coverage, results=results, now=now))
    log.info("coverage: %d of %d stories written", written, len(ids))
    return written


def stale_story_ids(conn: Connection) -> list[int]:
    """Stories with members whose coverage is missing or older than their last change."""
    s, c = t.stories.c, t.coverage.c
    has_members = select(t.articles.c.id).where(t.articles.c.story_id == s.id).exists()
    q = (
        select(s.id)
        .select_from(t.stories.outerjoin(t.coverage, c.story_id == s.id))
        .where(
            s.merged_into.is_(None),
            has_members,
            or_(c.story_id.is_(None), c.computed_at < s.updated_at),
        )
        .order_by(s.id)
    )
    return list(conn.execute(q).scalars())


# -- reads for the web and the CLI ------------------------------------------------------------
def get_coverage(conn: Connection, story_id: int) -> dict[str, Any] | None:
    """The stored coverage document of a story (see docs/design-notes/coverage.md), or None."""
    data = conn.execute(select(t.coverage.c.data).where(t.coverage.c.story_id == story_id)).scalar()
    return dict(data) if data is not None else None


def _summary_row(r: Any) -> dict[str, Any]:
    return {
        "story_id": r.id,
        "headline": r.headline,
        "articles": r.article_count,
        "outlets": r.outlets if r.outlets is not None else r.outlet_count,
        "rated_outlets": r.rated_outlets,
        "left_share": r.left_share,
        "center_share": r.center_share,
        "right_share": r.right_share,
        "blindspot": r.blindspot,
        "country": r.country,
        "topics": list(r.topics or []),
        "first_published_at": r.first_published_at,
        "last_published_at": r.last_published_at,
    }


def _story_select() -> Any:
    s, c = t.stories.c, t.coverage.c
    return select(
        s.id,
        s.headline,
        s.article_count,
        s.outlet_count,
        s.first_published_at,
        s.last_published_at,
        c.outlets,
        c.rated_outlets,
        c.left_share,
        c.center_share,
        c.right_share,
        c.blindspot,
        c.country,
        c.topics,
    ).select_from(t.stories.outerjoin(t.coverage, c.story_id == s.id))


def list_stories(
    conn: Connection, limit: int = 20, blindspots: bool = False, side: str | None = None
) -> list[dict[str, Any]]:
    """Most recent stories with their coverage columns; only blindspots when asked."""
    s, c = t.stories.c, t.coverage.c
    q = _story_select().where(s.merged_into.is_(None))
    if blindspots or side:
        q = q.where(c.blindspot.is_not(None))
    if side:
        q = q.where(c.blindspot == side)
    q = q.order_by(s.last_published_at.desc().nulls_last(), s.id.desc()).limit(limit)
    return fill_headlines(conn, [_summary_row(r) for r in conn.execute(q)])


def fill_headlines(conn: Connection, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A story without a stored headline shows its earliest member's title."""
    missing = [i["story_id"] for i in items if not i["headline"]]
    if not missing:
        return items
    a = t.articles.c
    first = (
        select(a.story_id, func.min(a.id).label("aid"))
        .where(a.story_id.in_(missing), a.title.is_not(None))
        .group_by(a.story_id)
        .subquery()
    )
    titles = dict(
        conn.execute(select(first.c.story_id, a.title).join(t.articles, a.id == first.c.aid)).all()
    )
    for i in items:
        if not i["headline"]:
            i["headline"] = titles.get(i["story_id"])
    return items


def list_blindspots(
    conn: Connection, side: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Blindspot stories, newest first; `side` = the side that missed them (left | right).

    Each item carries the coverage columns plus `missing_share` and the covering side's
    factuality (`covering_factuality`, `covering_factuality_tier`) from the document.
    """
    items = list_stories(conn, limit=limit, blindspots=True, side=side)
    docs = dict(
        conn.execute(
            select(t.coverage.c.story_id, t.coverage.c.data).where(
                t.coverage.c.story_id.in_([i["story_id"] for i in items])
            )
        ).all()
    )
    for item in items:
        spot = (docs.get(item["story_id"]) or {}).get("blindspot", {})
        item["missing_share"] = spot.get("missing_share")
        item["covered_by"] = spot.get("covered_by")
        item["covering_factuality"] = spot.get("covering_factuality")
        item["covering_factuality_tier"] = spot.get("covering_factuality_tier")
    return items


def similar_stories(conn: Connection, story_id: int, limit: int = 5) -> list[dict[str, Any]]:
    """Stories sharing the most topic tags with this one (Jaccard over lower-cased tags)."""
    mine = conn.execute(
        select(t.coverage.c.topics).where(t.coverage.c.story_id == story_id)
    ).scalar()
    tags = {str(x).lower() for x in (mine or [])}
    if not tags:
        return []
    s, c = t.stories.c, t.coverage.c
    pool = conn.execute(
        _story_select()
        .where(and_(s.merged_into.is_(None), s.id != story_id, c.story_id.is_not(None)))
        .order_by(s.last_published_at.desc().nulls_last(), s.id.desc())
        .limit(SIMILAR_POOL)
    ).all()
    scored = []
    for r in pool:
        theirs = {str(x).lower() for x in (r.topics or [])}
        shared = tags & theirs
        if shared:
            score = len(shared) / len(tags | theirs)
            scored.append((score, r, sorted(shared)))
    scored.sort(key=lambda x: (-x[0], -(x[1].outlets or 0), x[1].id))
    return fill_headlines(
        conn,
        [
            {**_summary_row(r), "score": round(score, 4), "shared_topics": shared}
            for score, r, shared in scored[:limit]
        ],
    )


# -- outlet profile and reading history -------------------------------------------------------
def _find_outlet(conn: Connection, domain: str) -> Any:
    dom = domain.strip().lower().removeprefix("www.")
    row = conn.execute(select(t.outlets).where(t.outlets.c.domain == dom)).first()
    if row is None:
        alias = conn.execute(
            select(t.outlet_aliases.c.outlet_id).where(t.outlet_aliases.c.alias == dom)
        ).scalar()
        if alias is not None:
            row = conn.execute(select(t.outlets).where(t.outlets.c.id == alias)).first()
    return row


def outlet_profile(conn: Connection, domain: str, recent: int = 10) -> dict[str, Any] | None:
    """Everything the outlet page shows (see domain/outlet_profile.py), or None if unknown."""
    o = _find_outlet(conn, domain)
    if o is None:
        return None
    r, rt = t.ratings.c, t.raters.c
    ratings = (
        conn.execute(
            select(
                rt.name.label("rater"),
                rt.title.label("rater_title"),
                r.axis,
                r.raw,
                r.value,
                r.rated_on,
                r.provenance,
            )
            .select_from(t.ratings.join(t.raters, rt.id == r.rater_id))
            .where(r.outlet_id == o.id)
        )
        .mappings()
        .all()
    )
    owners = (
        conn.execute(
            select(t.ownership.c.owner, t.ownership.c.category, t.ownership.c.provenance)
            .where(t.ownership.c.outlet_id == o.id)
            .order_by(t.ownership.c.id)
        )
        .mappings()
        .all()
    )
    a = t.articles.c
    total, copies = conn.execute(
        select(func.count(), func.count(a.copy_of)).where(a.outlet_id == o.id)
    ).one()
    latest = (
        conn.execute(
            select(a.id, a.title, a.url, a.published_at, a.story_id, a.copy_of)
            .where(a.outlet_id == o.id)
            .order_by(a.published_at.desc().nulls_last(), a.id.desc())
            .limit(recent)
        )
        .mappings()
        .all()
    )
    return build_profile(
        o._mapping,
        list(map(dict, ratings)),
        list(map(dict, owners)),
        int(total),
        int(copies),
        list(map(dict, latest)),
    )


def reading_history(
    conn: Connection,
    story_ids: Iterable[int] = (),
    article_ids: Iterable[int] = (),
    missed_limit: int = 10,
) -> dict[str, Any]:
    """ "My News Bias" for a list of read story and article ids (see domain/history.py)."""
    story_set, article_set = set(story_ids), set(article_ids)
    reads: list[tuple[float, dict[str, Any]]] = []
    a = t.articles.c
    arts = (
        conn.execute(select(a.id, a.story_id, a.outlet_id).where(a.id.in_(article_set))).all()
        if article_set
        else []
    )
    facts = load_outlets(conn, (x.outlet_id for x in arts if x.outlet_id is not None))
    for x in arts:
        f = facts.get(x.outlet_id)
        reads.append((1.0, _outlet_row(f)))
    for sid in sorted(story_set):
        doc = get_coverage(conn, sid)
        rows = (doc or {}).get("outlets") or []
        reads.extend((1.0 / len(rows), row) for row in rows)
    profile = reading_profile(reads)
    read_stories = story_set | {x.story_id for x in arts if x.story_id is not None}
    pool = list_blindspots(conn, side=profile["leaning"], limit=missed_limit + len(read_stories))
    profile["missed"] = missed_stories(pool, read_stories, profile["leaning"], missed_limit)
    profile["read_stories"] = sorted(read_stories)
    return profile


def _outlet_row(f: OutletFacts | None) -> dict[str, Any]:
    if f is None:
        return {}
    side = bias_side(f.bias).value if f.bias is not None else None
    tier = factuality_tier(f.factuality)
    return {
        "side": side,
        "factuality_tier": tier,
        "owner_category": f.owner_category or "Unknown",
        "country": f.country,
    }
