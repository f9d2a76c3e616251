"""Estimated lean and factuality of unrated outlets, computed from the store and written back.

Reads what the store knows (outlets, ratings, ownership, which outlets covered which stories,
the stories' topic tags, the outlets' own article texts), runs the pure estimator
(`everyside.domain.lean`) for both axes, and rewrites `outlet_estimates` plus the cached
`outlets.estimated_*` columns the pages read. A rater's value always wins: only outlets without
a real value on an axis are estimated.

`refresh_estimates` does it now; `note_stories_changed` is the pipeline's hook (the estimates
follow the stories as they accumulate, every `estimate_refresh_stories` changed stories), and
it recomputes the coverage of the stories whose outlets' estimated side appeared, disappeared
or changed. The figures of the last refresh are kept in `state` (`estimates.scores`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from everyside.domain.lean import (
    BIAS,
    FACTUALITY,
    Axis,
    AxisResult,
    Estimate,
    EstimateParams,
    OutletRecord,
    StoryEvidence,
    TextEvidence,
    estimate_axis,
    own_texts,
    story_neighbours,
)
from everyside.domain.lean.wording import LEAD_CHARS, ArticleText
from everyside.registry.countries import GENERIC_CCTLDS
from everyside.store import Store
from everyside.store import schema as t
from everyside.store.state import get_value, set_value

log = logging.getLogger(__name__)
SIGNAL_ONLY_RATERS = ("audience_ideology",)  # raters.py `counts=False`: a signal, not a rating
PENDING_KEY = "estimates.pending_stories"
SCORES_KEY = "estimates.scores"
CACHED = {  # the outlets columns that cache each axis's estimate for the pages
    "bias": ("estimated_bias", "estimated_bias_method"),
    "factuality": ("estimated_factuality", "estimated_factuality_method"),
}
COLUMNS = (*CACHED["bias"], *CACHED["factuality"])
TEXTS_PER_OUTLET = 40  # newest own articles per outlet the wording model reads


def _naive(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def tld_country(domain: str) -> str | None:
    """The country of a domain's ccTLD (`news.ro` -> RO, `bbc.co.uk` -> GB); None for generic
    ones (.com, .tv, .io ...). Only used as a signal for outlets the directory does not place."""
    tld = domain.rsplit(".", 1)[-1].lower()
    if len(tld) != 2 or not tld.isalpha() or tld in GENERIC_CCTLDS or tld in ("eu", "su"):
        return None
    return "GB" if tld == "uk" else tld.upper()


# -- reading the inputs -----------------------------------------------------------------------
def load_records(conn: Connection) -> tuple[dict[str, OutletRecord], dict[str, int]]:
    """Every outlet with its real ratings, owners, place, audience score and value-less labels."""
    owners: dict[int, list[str]] = defaultdict(list)
    for oid, owner in conn.execute(select(t.ownership.c.outlet_id, t.ownership.c.owner)):
        owners[oid].append(owner)
    audience: dict[int, float] = {}
    labels: dict[int, set[str]] = defaultdict(set)
    r, rt = t.ratings.c, t.raters.c
    for oid, rater, raw, value in conn.execute(
        select(r.outlet_id, rt.name, r.raw, r.value).join(t.raters, rt.id == r.rater_id)
    ):
        if rater in SIGNAL_ONLY_RATERS:
            try:
                audience[oid] = float(raw)
            except (TypeError, ValueError):
                continue
        elif value is None:
            labels[oid].add(f"{rater.split('_')[0]}:{raw.strip().lower()}")
    o = t.outlets.c
    records: dict[str, OutletRecord] = {}
    ids: dict[str, int] = {}
    for row in conn.execute(
        select(o.id, o.domain, o.bias, o.factuality, o.country, o.scope, o.media_type)
    ):
        records[row.domain] = OutletRecord(
            domain=row.domain,
            bias=row.bias,
            factuality=row.factuality,
            owners=tuple(owners.get(row.id, ())),
            country=row.country or tld_country(row.domain),
            scope=row.scope,
            media_type=row.media_type,
            audience=audience.get(row.id),
            labels=tuple(sorted(labels.get(row.id, ()))),
        )
        ids[row.domain] = row.id
    return records, ids


def load_stories(conn: Connection) -> StoryEvidence:
    """Which outlets covered each live story, and each story's neighbours by topic tags."""
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
    tags = {
        sid: [str(x) for x in (topics or [])]
        for sid, topics in conn.execute(select(t.coverage.c.story_id, t.coverage.c.topics))
        if sid in members
    }
    return StoryEvidence({s: tuple(sorted(m)) for s, m in members.items()}, story_neighbours(tags))


def load_texts(conn: Connection, per_outlet: int = TEXTS_PER_OUTLET) -> TextEvidence:
    """The newest `2 × per_outlet` articles of each outlet (own texts are picked from them)."""
    a, o = t.articles.c, t.outlets.c
    ranked = (
        select(
            a.outlet_id,
            a.title,
            func.substr(a.text, 1, LEAD_CHARS).label("lead"),
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
        .where(ranked.c.rank <= 2 * per_outlet)
        .order_by(ranked.c.outlet_id, ranked.c.rank)
    )
    rows = [
        ArticleText(dom, title, lead or summary, copy_of is not None)
        for dom, title, lead, summary, copy_of in conn.execute(q)
    ]
    return own_texts(rows, per_outlet)


# -- computing and writing --------------------------------------------------------------------
@dataclass
class RefreshReport:
    estimated: dict[str, int] = field(default_factory=dict)  # axis -> outlets with an estimate
    insufficient: dict[str, int] = field(default_factory=dict)
    changed_outlets: set[int] = field(default_factory=set)  # estimated side/tier changed
    results: dict[str, AxisResult] = field(default_factory=dict)


def compute(
    conn: Connection, params: EstimateParams | None = None
) -> tuple[dict[str, AxisResult], dict[str, int]]:
    records, ids = load_records(conn)
    stories = load_stories(conn)
    texts = load_texts(conn)
    # outlets a reader may look up: those with articles, and those a user added by hand
    users = conn.execute(select(t.outlets.c.domain).where(t.outlets.c.origin == "user"))
    report = set(texts.articles) | set(users.scalars())
    results = {
        axis.name: estimate_axis(records, axis, stories, texts, params, report=report)
        for axis in (BIAS, FACTUALITY)
    }
    return results, ids


def _method_text(est: Estimate) -> str:
    return f"{' + '.join(est.methods)}, expected error ±{est.expected_error:.2f}: {est.sentence}"


def _rows(results: dict[str, AxisResult], ids: dict[str, int], now: datetime) -> list[dict]:
    rows = []
    for axis, res in results.items():
        for dom, est in res.estimates.items():
            rows.append(
                {
                    "outlet_id": ids[dom],
                    "axis": axis,
                    "status": "estimated",
                    "value": est.value,
                    "label": est.label,
                    "expected_error": est.expected_error,
                    "baseline_error": est.baseline_error,
                    "accuracy": est.accuracy,
                    "methods": ",".join(est.methods),
                    "evidence": est.evidence,
                    "sentence": est.sentence,
                    "computed_at": now,
                }
            )
        for dom, ab in res.abstained.items():
            rows.append(
                {
                    "outlet_id": ids[dom],
                    "axis": axis,
                    "status": "insufficient",
                    "value": None,
                    "label": None,
                    "expected_error": None,
                    "baseline_error": None,
                    "accuracy": None,
                    "methods": None,
                    "evidence": ab.evidence,
                    "sentence": f"not enough evidence: {ab.reason}",
                    "computed_at": now,
                }
            )
    return rows


def _scores(results: dict[str, AxisResult], now: datetime) -> dict[str, Any]:
    return {
        "computed_at": now.isoformat(),
        **{
            axis: {
                "rated": res.rated,
                "estimated": len(res.estimates),
                "insufficient": len(res.abstained),
                "methods": [asdict(s) for s in res.scores],
            }
            for axis, res in results.items()
        },
    }


def _cached(results: dict[str, AxisResult], ids: dict[str, int]) -> dict[int, dict[str, Any]]:
    """The `outlets.estimated_*` values every outlet should have (absent: all None)."""
    out: dict[int, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(COLUMNS))
    for axis, res in results.items():
        value, method = CACHED[axis]
        for dom, est in res.estimates.items():
            out[ids[dom]][value] = est.value
            out[ids[dom]][method] = _method_text(est)
    return dict(out)


def write_estimates(
    conn: Connection, results: dict[str, AxisResult], ids: dict[str, int], now: datetime
) -> set[int]:
    """Replace every estimate row; update the cached columns of the outlets whose values
    changed. Returns the outlets whose estimated side or tier changed (or appeared / went)."""
    o = t.outlets.c
    before = {
        row.id: {c: getattr(row, c) for c in COLUMNS}
        for row in conn.execute(
            select(o.id, *(getattr(o, c) for c in COLUMNS)).where(
                o.estimated_bias.is_not(None) | o.estimated_factuality.is_not(None)
            )
        )
    }
    conn.execute(delete(t.outlet_estimates))
    rows = _rows(results, ids, now)
    if rows:
        conn.execute(insert(t.outlet_estimates), rows)
    after = _cached(results, ids)
    empty = dict.fromkeys(COLUMNS)
    params = [
        {"_id": oid, **after.get(oid, empty)}
        for oid in sorted(set(before) | set(after))
        if before.get(oid, empty) != after.get(oid, empty)
    ]
    if params:
        conn.execute(update(t.outlets).where(o.id == bindparam("_id")), params)
    set_value(conn, SCORES_KEY, _scores(results, now), now)
    set_value(conn, PENDING_KEY, 0, now)
    return {
        p["_id"]
        for p in params
        if any(
            _cls(axis, before.get(p["_id"], empty)[CACHED[axis.name][0]])
            != _cls(axis, p[CACHED[axis.name][0]])
            for axis in (BIAS, FACTUALITY)
        )
    }


def _cls(axis: Axis, value: float | None) -> str | None:
    return None if value is None else axis.to_class(value)


def refresh_estimates(
    store: Store, now: datetime, params: EstimateParams | None = None
) -> RefreshReport:
    """Recompute every estimate from the store as it is now (one read, one write)."""
    with store.read() as conn:
        results, ids = compute(conn, params)
    when = _naive(now)
    changed = store.write(lambda conn: write_estimates(conn, results, ids, when))
    rep = RefreshReport(
        estimated={a: len(r.estimates) for a, r in results.items()},
        insufficient={a: len(r.abstained) for a, r in results.items()},
        changed_outlets=changed,
        results=results,
    )
    log.info(
        "estimates: lean of %d outlets (%d not enough evidence), factuality of %d (%d)",
        rep.estimated["bias"],
        rep.insufficient["bias"],
        rep.estimated["factuality"],
        rep.insufficient["factuality"],
    )
    return rep


def outlet_estimates(conn: Connection, outlet_id: int) -> dict[str, dict[str, Any]]:
    """The estimate rows of one outlet by axis (absent: never estimated)."""
    e = t.outlet_estimates.c
    rows = conn.execute(select(t.outlet_estimates).where(e.outlet_id == outlet_id).order_by(e.axis))
    out = {}
    for r in rows.mappings():
        row = dict(r)
        row["computed_at"] = row["computed_at"].isoformat() if row["computed_at"] else None
        out[row["axis"]] = row
    return out


def stories_of(conn: Connection, outlet_ids: set[int]) -> list[int]:
    a = t.articles.c
    ids = sorted(outlet_ids)
    out: set[int] = set()
    for i in range(0, len(ids), 500):
        out.update(
            conn.execute(
                select(a.story_id)
                .where(a.outlet_id.in_(ids[i : i + 500]), a.story_id.is_not(None))
                .distinct()
            ).scalars()
        )
    return sorted(out)


def note_stories_changed(
    store: Store, settings: Any, now: datetime, changed: int, force: bool = False
) -> RefreshReport | None:
    """The pipeline's hook after stories changed: count them, and once
    `estimate_refresh_stories` have changed since the last refresh (or when `force`d, as at
    the end of an import), refresh the estimates and recompute the coverage of the stories
    whose outlets' estimated side or tier changed. Returns the refresh report, if it ran."""
    every = int(getattr(settings, "estimate_refresh_stories", 0) or 0)
    when = _naive(now)

    def bump(conn: Connection) -> int:
        pending = int(get_value(conn, PENDING_KEY) or 0) + changed
        set_value(conn, PENDING_KEY, pending, when)
        return pending

    pending = store.write(bump)
    if not (force and pending) and not (every and pending >= every):
        return None
    rep = refresh_estimates(store, now)
    if rep.changed_outlets:
        from everyside.coverage_service import update_coverage

        with store.read() as conn:
            story_ids = stories_of(conn, rep.changed_outlets)
        update_coverage(store, settings, story_ids, now)
    return rep
