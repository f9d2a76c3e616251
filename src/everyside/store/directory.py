"""Copying an outlet directory into the store (`sync_directory`) and keeping the cached
combined values of outlets (`outlets.bias`, `bias_spread`, `factuality`) up to date.

The directory is the registry's (`everyside.registry.Directory`); this module only needs what
`DirectoryData` names, and the raters' families and ranks are passed in (`rater_info`), so the
store imports nothing above the domain. `everyside.services.directory` decides when to sync.

The sync is idempotent and bulk (executemany), runs in one write transaction, and is skipped
when the store already holds this version of the bundled data (key `registry.version` in the
`state` table), so start-up stays fast. What users added survives: outlets whose origin is `user`
keep their fields (rows of origin `import`, made for articles of then-unknown domains, are taken
over by the bundled facts), ratings of raters that are not bundled are never touched, and an
alias or ownership row a user added is kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, delete, select, update

from everyside.domain.model import Outlet, Rating
from everyside.domain.ratings import RaterInfo, combined_bias, combined_factuality
from everyside.domain.times import to_db
from everyside.store.db import Store
from everyside.store.schema import feeds, outlet_aliases, outlets, ownership, raters, ratings
from everyside.store.schema import state as state_table


class DirectoryData(Protocol):
    """What a sync reads of a directory (`everyside.registry.Directory` has it)."""

    version: str
    raters: list[dict[str, Any]]
    rater_info: dict[str, RaterInfo]
    sources: dict[str, list[str]]
    feed_titles: dict[str, str]

    def __iter__(self) -> Iterator[Outlet]: ...


STATE_KEY = "registry.version"


@dataclass(frozen=True)
class SyncResult:
    skipped: bool
    version: str
    outlets_added: int = 0
    outlets_updated: int = 0
    ratings: int = 0


def stored_version(conn: Connection) -> str | None:
    row = conn.execute(select(state_table.c.value).where(state_table.c.key == STATE_KEY)).first()
    return (row[0] or {}).get("version") if row else None


def sync_directory(
    store: Store, directory: DirectoryData, now: datetime, *, force: bool = False
) -> SyncResult:
    """Upsert the directory's outlets, aliases, raters, ratings, ownership and feeds."""
    if not force:
        with store.read() as conn:
            if stored_version(conn) == directory.version:
                return SyncResult(True, directory.version)
    return store.write(lambda conn: _sync(conn, directory, to_db(now)))


def _sync(conn: Connection, directory: DirectoryData, now: datetime) -> SyncResult:
    rater_ids = _sync_raters(conn, directory.raters)
    added, updated = _sync_outlets(conn, directory, now)
    ids = dict(conn.execute(select(outlets.c.domain, outlets.c.id)).all())
    _sync_aliases(conn, directory, ids)
    n = _sync_ratings(conn, directory, ids, rater_ids)
    _sync_ownership(conn, directory, ids)
    _sync_feeds(conn, directory, ids, now)
    refresh_outlet_cache(conn, None, directory.rater_info)
    _set_state(conn, directory.version, now)
    return SyncResult(False, directory.version, added, updated, n)


def _sync_raters(conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
    existing = dict(conn.execute(select(raters.c.name, raters.c.id)).all())
    fields = ("title", "url", "licence", "description")
    new = [
        {"name": r["name"], **{f: r.get(f) for f in fields}}
        for r in rows
        if r["name"] not in existing
    ]
    if new:
        conn.execute(raters.insert(), new)
    old = [
        {"_name": r["name"], **{f: r.get(f) for f in fields}} for r in rows if r["name"] in existing
    ]
    if old:
        conn.execute(update(raters).where(raters.c.name == bindparam("_name")), old)
    return dict(conn.execute(select(raters.c.name, raters.c.id)).all())


_FIELDS = ("name", "country", "language", "scope", "media_type", "homepage")


def _row(o: Outlet) -> dict[str, Any]:
    return {f: getattr(o, f) for f in _FIELDS}


def _sync_outlets(conn: Connection, directory: DirectoryData, now: datetime) -> tuple[int, int]:
    cols = [outlets.c.id, outlets.c.domain, outlets.c.origin, *(outlets.c[f] for f in _FIELDS)]
    existing = {r.domain: r for r in conn.execute(select(*cols))}
    new, changed = [], []
    for o in directory:
        row = _row(o)
        old = existing.get(o.domain)
        if old is None:
            new.append(
                {
                    "domain": o.domain,
                    **row,
                    "origin": "bundled",
                    "created_at": now,
                    "updated_at": now,
                    "provenance": {"sources": directory.sources.get(o.domain, [])},
                }
            )
        elif old.origin == "import" or (
            old.origin == "bundled" and any(getattr(old, f) != row[f] for f in _FIELDS)
        ):
            # "import" rows were created for articles of an unknown domain (or loaded from a
            # file): the bundled facts take them over. Only "user" rows are left alone.
            changed.append({"_id": old.id, **row, "origin": "bundled", "updated_at": now})
    if new:
        conn.execute(outlets.insert(), new)
    if changed:
        conn.execute(update(outlets).where(outlets.c.id == bindparam("_id")), changed)
    return len(new), len(changed)


def _sync_aliases(conn: Connection, directory: DirectoryData, ids: dict[str, int]) -> None:
    existing = dict(conn.execute(select(outlet_aliases.c.alias, outlet_aliases.c.outlet_id)).all())
    bundled_ids = set(
        conn.execute(select(outlets.c.id).where(outlets.c.origin == "bundled")).scalars()
    )
    wanted = {
        a: ids[o.domain] for o in directory for a in o.aliases if o.domain in ids and a not in ids
    }
    stale = [a for a, oid in existing.items() if oid in bundled_ids and wanted.get(a) != oid]
    if stale:
        conn.execute(
            delete(outlet_aliases).where(outlet_aliases.c.alias == bindparam("_a")),
            [{"_a": a} for a in stale],
        )
    for a in stale:
        existing.pop(a)
    new = [{"alias": a, "outlet_id": oid} for a, oid in sorted(wanted.items()) if a not in existing]
    if new:
        conn.execute(outlet_aliases.insert(), new)


def _sync_ratings(
    conn: Connection, directory: DirectoryData, ids: dict[str, int], rater_ids: dict[str, int]
) -> int:
    bundled = [rater_ids[r["name"]] for r in directory.raters if r["name"] in rater_ids]
    if bundled:
        conn.execute(delete(ratings).where(ratings.c.rater_id.in_(bundled)))
    rows = [
        {
            "rater_id": rater_ids[r.rater],
            "outlet_id": ids[o.domain],
            "axis": r.axis,
            "raw": r.raw,
            "value": r.value,
            "rated_on": r.rated_on,
            "provenance": r.provenance,
        }
        for o in directory
        if o.domain in ids
        for r in o.ratings
        if r.rater in rater_ids
    ]
    if rows:
        conn.execute(ratings.insert(), rows)
    return len(rows)


def _sync_ownership(conn: Connection, directory: DirectoryData, ids: dict[str, int]) -> None:
    bundled_ids = select(outlets.c.id).where(outlets.c.origin == "bundled")
    conn.execute(delete(ownership).where(ownership.c.outlet_id.in_(bundled_ids)))
    have = {tuple(r) for r in conn.execute(select(ownership.c.outlet_id, ownership.c.owner))}
    rows = [
        {
            "outlet_id": ids[o.domain],
            "owner": w.owner,
            "category": w.category,
            "provenance": w.provenance,
        }
        for o in directory
        if o.domain in ids
        for w in o.ownership
        if (ids[o.domain], w.owner) not in have
    ]
    if rows:
        conn.execute(ownership.insert(), rows)


def _sync_feeds(
    conn: Connection, directory: DirectoryData, ids: dict[str, int], now: datetime
) -> None:
    """Insert bundled feeds that are missing (due now, like `feeds add`), and attach feeds the
    ingest loop registered without an outlet to their outlet."""
    have = dict(conn.execute(select(feeds.c.url, feeds.c.outlet_id)).all())
    new, attach = [], []
    for o in directory:
        oid = ids.get(o.domain)
        for url in o.feeds:
            if url not in have:
                have[url] = oid
                new.append(
                    {
                        "url": url,
                        "outlet_id": oid,
                        "origin": "bundled",
                        "active": True,
                        "title": directory.feed_titles.get(url),
                        "error_count": 0,
                        "entries_seen": 0,
                        "created_at": now,
                        "next_check_at": now,
                    }
                )
            elif have[url] is None and oid is not None:
                attach.append({"_url": url, "outlet_id": oid})
    if new:
        conn.execute(feeds.insert(), new)
    if attach:
        conn.execute(update(feeds).where(feeds.c.url == bindparam("_url")), attach)


def ratings_by_outlet(
    conn: Connection, outlet_ids: Iterable[int] | None = None
) -> dict[int, list[Rating]]:
    q = select(
        ratings.c.outlet_id,
        raters.c.name,
        ratings.c.axis,
        ratings.c.raw,
        ratings.c.value,
        ratings.c.rated_on,
        ratings.c.provenance,
    ).join(raters, raters.c.id == ratings.c.rater_id)
    if outlet_ids is not None:
        q = q.where(ratings.c.outlet_id.in_(list(outlet_ids)))
    out: dict[int, list[Rating]] = defaultdict(list)
    for oid, *rest in conn.execute(q):
        out[oid].append(Rating(*rest))
    return out


def refresh_outlet_cache(
    conn: Connection, outlet_ids: Iterable[int] | None, rater_info: Mapping[str, RaterInfo]
) -> int:
    """Recompute `bias`, `bias_spread`, `factuality` of outlets (all, or the given ids), with
    each rater's family and rank (`registry.raters.RATER_INFO`)."""
    wanted = None if outlet_ids is None else list(outlet_ids)
    if wanted is not None and len(wanted) > 500:  # cheaper (and within SQL limits) to do all
        wanted = None
    by_outlet = ratings_by_outlet(conn, wanted)
    q = select(outlets.c.id, outlets.c.bias, outlets.c.bias_spread, outlets.c.factuality)
    if wanted is not None:
        q = q.where(outlets.c.id.in_(wanted))
    changed = []
    for oid, bias, spread, fact in conn.execute(q).all():
        rs = by_outlet.get(oid, [])
        new_bias, new_spread = combined_bias(rs, rater_info)
        new_fact = combined_factuality(rs, rater_info)
        if (bias, spread, fact) != (new_bias, new_spread, new_fact):
            changed.append(
                {"_id": oid, "bias": new_bias, "bias_spread": new_spread, "factuality": new_fact}
            )
    if changed:
        conn.execute(update(outlets).where(outlets.c.id == bindparam("_id")), changed)
    return len(changed)


def _set_state(conn: Connection, version: str, now: datetime) -> None:
    value = {"version": version, "synced_at": now.isoformat()}
    done = conn.execute(
        update(state_table)
        .where(state_table.c.key == STATE_KEY)
        .values(value=value, updated_at=now)
    )
    if not done.rowcount:
        conn.execute(state_table.insert().values(key=STATE_KEY, value=value, updated_at=now))
