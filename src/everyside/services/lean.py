"""Estimated lean and factuality of unrated outlets, computed from the store and written back.

Reads what the store knows (`store.estimates`: outlets, ratings, ownership, which outlets
covered which stories, the stories' topic tags, the outlets' own article texts), runs the pure
estimator (`everyside.domain.lean`) for both axes, and rewrites `outlet_estimates` plus the
cached `outlets.estimated_*` columns the pages read. A rater's value always wins: only outlets
without a real value on an axis are estimated.

`refresh_estimates` does it now; `note_stories_changed` is the pipeline's hook (the estimates
follow the stories as they accumulate, every `estimate_refresh_stories` changed stories), and
it recomputes the coverage of the stories whose outlets' estimated side appeared, disappeared
or changed. The figures of the last refresh are kept in `state` (`estimates.scores`).
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from everyside.domain.hosts import tld_country
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
from everyside.domain.times import to_db
from everyside.services.coverage import update_coverage
from everyside.settings import Settings
from everyside.store import Store
from everyside.store import estimates as rows
from everyside.store.estimates import CACHED, COLUMNS
from everyside.store.state import get_value, set_value

__all__ = [
    "RefreshReport",
    "article_outlet_values",
    "last_scores",
    "load_records",
    "note_stories_changed",
    "outlet_estimates",
    "refresh_estimates",
    "unestimated_articles",
]
log = logging.getLogger(__name__)
SIGNAL_ONLY_RATERS = ("audience_ideology",)  # raters.py `counts=False`: a signal, not a rating
PENDING_KEY = "estimates.pending_stories"
SCORES_KEY = "estimates.scores"
TEXTS_PER_OUTLET = 40  # newest own articles per outlet the wording model reads


# -- reading the inputs -----------------------------------------------------------------------
def load_records(conn: Any) -> tuple[dict[str, OutletRecord], dict[str, int]]:
    """Every outlet with its real ratings, owners, place, audience score and value-less labels;
    and the outlet ids by domain."""
    owners = rows.owners_by_outlet(conn)
    audience: dict[int, float] = {}
    labels: dict[int, set[str]] = defaultdict(set)
    for oid, rater, raw, value in rows.rating_rows(conn):
        if rater in SIGNAL_ONLY_RATERS:
            try:
                audience[oid] = float(raw)
            except (TypeError, ValueError):
                continue
        elif value is None:
            labels[oid].add(f"{rater.split('_')[0]}:{raw.strip().lower()}")
    records: dict[str, OutletRecord] = {}
    ids: dict[str, int] = {}
    for row in rows.outlet_rows(conn):
        oid, dom = row["id"], row["domain"]
        records[dom] = OutletRecord(
            domain=dom,
            bias=row["bias"],
            factuality=row["factuality"],
            owners=tuple(owners.get(oid, ())),
            country=row["country"] or tld_country(dom),
            scope=row["scope"],
            media_type=row["media_type"],
            audience=audience.get(oid),
            labels=tuple(sorted(labels.get(oid, ()))),
        )
        ids[dom] = oid
    return records, ids


def load_stories(conn: Any) -> StoryEvidence:
    """Which outlets covered each live story, and each story's neighbours by topic tags."""
    members = rows.story_members(conn)
    tags = {
        sid: [str(x) for x in topics]
        for sid, topics in rows.story_topics(conn).items()
        if sid in members
    }
    return StoryEvidence({s: tuple(sorted(m)) for s, m in members.items()}, story_neighbours(tags))


def load_texts(conn: Any, per_outlet: int = TEXTS_PER_OUTLET) -> TextEvidence:
    """The own texts of each outlet, picked from its newest `2 × per_outlet` articles."""
    texts = [
        ArticleText(dom, title, lead or summary, is_copy)
        for dom, title, lead, summary, is_copy in rows.newest_texts(
            conn, 2 * per_outlet, LEAD_CHARS
        )
    ]
    return own_texts(texts, per_outlet)


# -- computing and writing --------------------------------------------------------------------
@dataclass
class RefreshReport:
    estimated: dict[str, int] = field(default_factory=dict)  # axis -> outlets with an estimate
    insufficient: dict[str, int] = field(default_factory=dict)
    changed_outlets: set[int] = field(default_factory=set)  # estimated side/tier changed
    results: dict[str, AxisResult] = field(default_factory=dict)


def compute(
    conn: Any, params: EstimateParams | None = None
) -> tuple[dict[str, AxisResult], dict[str, int]]:
    records, ids = load_records(conn)
    stories = load_stories(conn)
    texts = load_texts(conn)
    # outlets a reader may look up: those with articles, and those a user added by hand
    users = {r["domain"] for r in rows.outlet_rows(conn) if r["origin"] == "user"}
    report = set(texts.articles) | users
    results = {
        axis.name: estimate_axis(records, axis, stories, texts, params, report=report)
        for axis in (BIAS, FACTUALITY)
    }
    return results, ids


def _method_text(est: Estimate) -> str:
    return f"{' + '.join(est.methods)}, expected error ±{est.expected_error:.2f}: {est.sentence}"


def _estimate_rows(
    results: dict[str, AxisResult], ids: dict[str, int], now: datetime
) -> list[dict[str, Any]]:
    out = []
    for axis, res in results.items():
        for dom, est in res.estimates.items():
            out.append(
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
            out.append(
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
    return out


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


def _cls(axis: Axis, value: float | None) -> str | None:
    return None if value is None else axis.to_class(value)


def write_estimates(
    conn: Any, results: dict[str, AxisResult], ids: dict[str, int], now: datetime
) -> set[int]:
    """Replace every estimate row; update the cached columns of the outlets whose values
    changed. Returns the outlets whose estimated side or tier changed (or appeared / went)."""
    before = rows.cached_estimates(conn)
    after = _cached(results, ids)
    empty = dict.fromkeys(COLUMNS)
    changed = [
        {"outlet_id": oid, **after.get(oid, empty)}
        for oid in sorted(set(before) | set(after))
        if before.get(oid, empty) != after.get(oid, empty)
    ]
    rows.replace_estimates(conn, _estimate_rows(results, ids, now), changed)
    set_value(conn, SCORES_KEY, _scores(results, now), now)
    set_value(conn, PENDING_KEY, 0, now)
    return {
        c["outlet_id"]
        for c in changed
        if any(
            _cls(axis, before.get(c["outlet_id"], empty)[CACHED[axis.name][0]])
            != _cls(axis, c[CACHED[axis.name][0]])
            for axis in (BIAS, FACTUALITY)
        )
    }


def refresh_estimates(
    store: Store, now: datetime, params: EstimateParams | None = None
) -> RefreshReport:
    """Recompute every estimate from the store as it is now (one read, one write)."""
    with store.read() as conn:
        results, ids = compute(conn, params)
    write = functools.partial(write_estimates, results=results, ids=ids, now=to_db(now))
    changed = store.write(write)
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


def note_stories_changed(
    store: Store, settings: Settings, now: datetime, changed: int, force: bool = False
) -> RefreshReport | None:
    """The pipeline's hook after stories changed: count them, and once
    `estimate_refresh_stories` have changed since the last refresh (or when `force`d, as at
    the end of an import), refresh the estimates and recompute the coverage of the stories
    whose outlets' estimated side or tier changed. Returns the refresh report, if it ran."""
    every = int(settings.estimate_refresh_stories or 0)
    when = to_db(now)

    def bump(conn: Any) -> int:
        pending = int(get_value(conn, PENDING_KEY) or 0) + changed
        set_value(conn, PENDING_KEY, pending, when)
        return pending

    pending = store.write(bump)
    if not (force and pending) and not (every and pending >= every):
        return None
    rep = refresh_estimates(store, now)
    if rep.changed_outlets:
        with store.read() as conn:
            story_ids = rows.story_ids_of_outlets(conn, rep.changed_outlets)
        update_coverage(store, settings, story_ids, now)
    return rep


# -- what the pages, the command line and `eval lean` read ------------------------------------
def outlet_estimates(conn: Any, outlet_id: int) -> dict[str, dict[str, Any]]:
    """The estimate rows of one outlet by axis (absent: never estimated)."""
    return rows.outlet_estimates(conn, outlet_id)


def last_scores(store: Store) -> dict[str, Any] | None:
    """The leave-one-out figures of the last refresh (None: never refreshed)."""
    with store.read() as conn:
        scores = get_value(conn, SCORES_KEY)
    return dict(scores) if scores else None


def article_outlet_values(store: Store) -> list[tuple[Any, ...]]:
    """(external id, extra, bias, estimated bias, factuality, estimated factuality) of every
    article's outlet."""
    with store.read() as conn:
        return rows.article_outlet_values(conn)


def unestimated_articles(store: Store, axis: str) -> list[tuple[str | None, str | None]]:
    """(outlet domain, its "not enough evidence" sentence) of every article whose outlet has
    neither a rater's value nor an estimate on `axis` (None: no outlet / never estimated)."""
    with store.read() as conn:
        return rows.unestimated_articles(conn, axis)
