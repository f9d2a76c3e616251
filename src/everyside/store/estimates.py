"""The estimates' tables: what the estimator reads (outlets, ratings, owners, which outlets
covered which live story, the stories' topic tags, each outlet's newest article texts) and
what it writes (`outlet_estimates`, the cached `outlets.estimated_*` columns).

Plain rows in and out; `everyside.services.lean` turns them into the pure estimator's inputs
(`everyside.domain.lean`) and decides what to write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from everyside.domain.times import iso
from everyside.store import schema as t

# the outlets columns that cache each axis's estimate for the pages (value, method text)
CACHED = {
    "bias": ("estimated_bias", "estimated_bias_method"),
    "factuality": ("estimated_factuality", "estimated_factuality_method"),
}
COLUMNS = (*CACHED["bias"], *CACHED["factuality"])
CHUNK = 500  # outlet ids per IN list


# -- what the estimator reads -----------------------------------------------------------------
def outlet_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every outlet's id, domain, combined ratings, place, scope, media type and origin."""
    o = t.outlets.c
    q = select(o.id, o.domain, o.bias, o.factuality, o.country, o.scope, o.media_type, o.origin)
    return [dict(r._mapping) for r in conn.execute(q)]


def owners_by_outlet(conn: Connection) -> dict[int, list[str]]:
    owners: dict[int, list[str]] = defaultdict(list)
    for oid, owner in conn.execute(select(t.ownership.c.outlet_id, t.ownership.c.owner)):
        owners[oid].append(owner)
    return dict(owners)


def rating_rows(conn: Connection) -> list[tuple[int, str, str, float | None]]:
    """(outlet id, rater name, raw label, mapped value) of every rating."""
    r, rt = t.ratings.c, t.raters.c
    q = select(r.outlet_id, rt.name, r.raw, r.value).join(t.raters, rt.id == r.rater_id)
    return [(int(oid), name, raw, value) for oid, name, raw, value in conn.execute(q)]


def story_members(conn: Connection) -> dict[int, set[str]]:
    """The domains of the outlets that covered each live (not merged-away) story."""
    a, o = t.articles.c, t.outlets.c
    merged = select(t.stories.c.id).where(t.stories.c.merged_into.is_not(None))
    members: dict[int, set[str]] = defaultdict(set)
    for sid, dom in conn.execute(
        select(a.story_id, o.domain)
        .join(t.outlets, o.id == a.outlet_id)
        .where(a.story_id.is_not(None), a.story_id.not_in(merged))
        .distinct()
    ):
        members[sid].add(dom)
    return dict(members)


def story_topics(conn: Connection) -> dict[int, list[Any]]:
    """The topic tags of every story that has a coverage document."""
    c = t.coverage.c
    return {sid: list(topics or []) for sid, topics in conn.execute(select(c.story_id, c.topics))}


def newest_texts(
    conn: Connection, per_outlet: int, lead_chars: int
) -> list[tuple[str, str | None, str | None, str | None, bool]]:
    """(domain, title, lead, summary, is a copy) of the newest `per_outlet` articles of each
    outlet, newest first; the lead is the first `lead_chars` characters of the text."""
    a, o = t.articles.c, t.outlets.c
    ranked = (
        select(
            a.outlet_id,
            a.title,
            func.substr(a.text, 1, lead_chars).label("lead"),
            a.summary,
            a.copy_of,
            func.row_number()
            .over(partition_by=a.outlet_id, order_by=(a.published_at.desc(), a.id.desc()))
            .label("rank"),
        )
        .where(a.outlet_id.is_not(None))
        .subquery()
    )
    q = (
        select(o.domain, ranked.c.title, ranked.c.lead, ranked.c.summary, ranked.c.copy_of)
        .join(t.outlets, o.id == ranked.c.outlet_id)
        .where(ranked.c.rank <= per_outlet)
        .order_by(ranked.c.outlet_id, ranked.c.rank)
    )
    return [
        (dom, title, lead, summary, copy_of is not None)
        for dom, title, lead, summary, copy_of in conn.execute(q)
    ]


def story_ids_of_outlets(conn: Connection, outlet_ids: Iterable[int]) -> list[int]:
    """The stories any of these outlets has an article in."""
    a = t.articles.c
    ids = sorted(outlet_ids)
    out: set[int] = set()
    for i in range(0, len(ids), CHUNK):
        out.update(
            conn.execute(
                select(a.story_id)
                .where(a.outlet_id.in_(ids[i : i + CHUNK]), a.story_id.is_not(None))
                .distinct()
            ).scalars()
        )
    return sorted(out)


def article_outlet_values(
    conn: Connection,
) -> list[tuple[Any, Any, float | None, float | None, float | None, float | None]]:
    """(external id, extra, bias, estimated bias, factuality, estimated factuality) of every
    article's outlet (None for articles without one): what `eval lean` counts."""
    a, o = t.articles.c, t.outlets.c
    q = select(
        a.external_id, a.extra, o.bias, o.estimated_bias, o.factuality, o.estimated_factuality
    ).select_from(t.articles.outerjoin(t.outlets, o.id == a.outlet_id))
    return [tuple(r) for r in conn.execute(q)]  # type: ignore[misc]


def unestimated_articles(conn: Connection, axis: str) -> list[tuple[str | None, str | None]]:
    """(outlet domain, sentence of its `insufficient` estimate row) of every article whose
    outlet has neither a real value nor an estimate on `axis`: None domain for articles
    without an outlet, None sentence for outlets without an estimate row (never estimated)."""
    a, o, e = t.articles.c, t.outlets.c, t.outlet_estimates.c
    real, est = (
        (o.bias, o.estimated_bias) if axis == "bias" else (o.factuality, o.estimated_factuality)
    )
    q = (
        select(o.domain, e.sentence)
        .select_from(
            t.articles.outerjoin(t.outlets, o.id == a.outlet_id).outerjoin(
                t.outlet_estimates, (e.outlet_id == o.id) & (e.axis == axis)
            )
        )
        .where(real.is_(None), est.is_(None))
    )
    return [(dom, sentence) for dom, sentence in conn.execute(q)]


# -- what it writes ---------------------------------------------------------------------------
def cached_estimates(conn: Connection) -> dict[int, dict[str, Any]]:
    """The `outlets.estimated_*` values of the outlets that have any."""
    o = t.outlets.c
    q = select(o.id, *(getattr(o, c) for c in COLUMNS)).where(
        o.estimated_bias.is_not(None) | o.estimated_factuality.is_not(None)
    )
    return {row.id: {c: getattr(row, c) for c in COLUMNS} for row in conn.execute(q)}


def replace_estimates(
    conn: Connection, rows: Sequence[dict[str, Any]], cached: Sequence[dict[str, Any]]
) -> None:
    """Replace every `outlet_estimates` row; set the cached columns of the outlets in `cached`
    (each dict: `outlet_id` and the COLUMNS values)."""
    conn.execute(delete(t.outlet_estimates))
    if rows:
        conn.execute(insert(t.outlet_estimates), list(rows))
    if cached:
        params = [{"_id": c["outlet_id"], **{k: c[k] for k in COLUMNS}} for c in cached]
        conn.execute(update(t.outlets).where(t.outlets.c.id == bindparam("_id")), params)


def outlet_estimates(conn: Connection, outlet_id: int) -> dict[str, dict[str, Any]]:
    """The estimate rows of one outlet by axis (absent: never estimated); `computed_at` as
    ISO text with its offset."""
    e = t.outlet_estimates.c
    rows = conn.execute(select(t.outlet_estimates).where(e.outlet_id == outlet_id).order_by(e.axis))
    out = {}
    for r in rows.mappings():
        row = dict(r)
        row["computed_at"] = iso(row["computed_at"])
        out[row["axis"]] = row
    return out
