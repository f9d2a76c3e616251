"""Bulk upsert of outlet records (the format of `outlets export`) into the store.

Records are validated first, one by one (a bad record is reported and skipped, never half
written); the good ones are then written with a handful of executemany statements, so importing
the whole directory (tens of thousands of outlets) takes seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, update

from everyside.domain.errors import InputError
from everyside.domain.hosts import host_of
from everyside.domain.model import OWNERSHIP_CATEGORIES
from everyside.store.schema import feeds, outlet_aliases, outlets, ownership, raters, ratings

FIELDS = ("domain", "name", "country", "language", "scope", "media_type", "homepage", "origin")
LISTS = ("aliases", "feeds", "ratings", "ownership")


def validate(rec: Any) -> dict[str, Any]:
    """A clean copy of one record, or InputError saying what is wrong with it."""
    if not isinstance(rec, dict) or not rec.get("domain") or not rec.get("name"):
        raise InputError("a record needs at least a domain and a name")
    out: dict[str, Any] = {f: (rec.get(f) or None) for f in FIELDS}
    out["origin"] = out["origin"] or "import"
    for k in LISTS:
        value = rec.get(k) or []
        if not isinstance(value, list):
            raise InputError(f"{k} must be a list (JSON in a CSV cell)")
        out[k] = value
    for r in out["ratings"]:
        if (
            not isinstance(r, dict)
            or not r.get("rater")
            or r.get("axis") not in ("bias", "factuality")
            or r.get("raw") is None
        ):
            raise InputError(f"rating {r!r} needs rater, axis (bias|factuality) and raw")
        if r.get("value") is not None and not isinstance(r["value"], int | float):
            raise InputError(f"rating value {r['value']!r} is not a number")
    for w in out["ownership"]:
        if (
            not isinstance(w, dict)
            or not w.get("owner")
            or w.get("category") not in (OWNERSHIP_CATEGORIES)
        ):
            raise InputError(
                f"ownership {w!r} needs an owner and a category of "
                f"{', '.join(OWNERSHIP_CATEGORIES)}"
            )
    for url in out["feeds"]:
        if not isinstance(url, str) or "://" not in url or not host_of(url):
            raise InputError(f"feed {url!r} is not an http(s) URL")
    return out


def upsert_records(conn: Connection, recs: list[dict[str, Any]], now: datetime) -> list[int]:
    """Write validated records; return the ids of the outlets they touched."""
    ids = _upsert_outlets(conn, recs, now)
    _insert_aliases(conn, recs, ids)
    _insert_feeds(conn, recs, ids, now)
    rater_ids = _ensure_raters(conn, {r["rater"] for rec in recs for r in rec["ratings"]})
    _upsert_ratings(conn, recs, ids, rater_ids)
    _upsert_ownership(conn, recs, ids)
    return sorted({ids[rec["domain"]] for rec in recs})


def _upsert_outlets(conn: Connection, recs: list[dict[str, Any]], now: datetime) -> dict[str, int]:
    cols = [outlets.c.id, *(outlets.c[f] for f in FIELDS)]
    existing = {r.domain: r for r in conn.execute(select(*cols))}
    new, changed, seen = [], [], set()
    for rec in recs:
        vals = {f: rec[f] for f in FIELDS if f != "domain"}
        old = existing.get(rec["domain"])
        if old is None and rec["domain"] not in seen:
            new.append({"domain": rec["domain"], **vals, "created_at": now, "updated_at": now})
            seen.add(rec["domain"])
        elif old is not None and any(getattr(old, f) != v for f, v in vals.items()):
            changed.append({"_id": old.id, **vals, "updated_at": now})
    if new:
        conn.execute(outlets.insert(), new)
    if changed:
        conn.execute(update(outlets).where(outlets.c.id == bindparam("_id")), changed)
    return dict(conn.execute(select(outlets.c.domain, outlets.c.id)).all())


def _insert_aliases(conn: Connection, recs: list[dict[str, Any]], ids: dict[str, int]) -> None:
    taken = set(conn.execute(select(outlet_aliases.c.alias)).scalars()) | set(ids)
    rows = []
    for rec in recs:
        for alias in rec["aliases"]:
            if alias not in taken:
                taken.add(alias)
                rows.append({"alias": alias, "outlet_id": ids[rec["domain"]]})
    if rows:
        conn.execute(outlet_aliases.insert(), rows)


def _insert_feeds(
    conn: Connection, recs: list[dict[str, Any]], ids: dict[str, int], now: datetime
) -> None:
    taken = set(conn.execute(select(feeds.c.url)).scalars())
    rows = []
    for rec in recs:
        for url in rec["feeds"]:
            if url not in taken:
                taken.add(url)
                rows.append(
                    {
                        "url": url,
                        "outlet_id": ids[rec["domain"]],
                        "origin": "import",
                        "active": True,
                        "error_count": 0,
                        "entries_seen": 0,
                        "created_at": now,
                    }
                )
    if rows:
        conn.execute(feeds.insert(), rows)


def _ensure_raters(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    have = dict(conn.execute(select(raters.c.name, raters.c.id)).all())
    new = [{"name": n, "title": n} for n in sorted(set(names) - set(have))]
    if new:
        conn.execute(raters.insert(), new)
        have = dict(conn.execute(select(raters.c.name, raters.c.id)).all())
    return have


def _upsert_ratings(
    conn: Connection, recs: list[dict[str, Any]], ids: dict[str, int], rater_ids: dict[str, int]
) -> None:
    cols = (
        ratings.c.rater_id,
        ratings.c.outlet_id,
        ratings.c.axis,
        ratings.c.raw,
        ratings.c.value,
        ratings.c.rated_on,
        ratings.c.provenance,
    )
    existing = {tuple(r[:3]): tuple(r[3:]) for r in conn.execute(select(*cols))}
    new: dict[tuple[int, int, str], dict[str, Any]] = {}
    changed = []
    for rec in recs:
        for r in rec["ratings"]:
            key = (rater_ids[r["rater"]], ids[rec["domain"]], r["axis"])
            vals = {
                "raw": str(r["raw"]),
                "value": r.get("value"),
                "rated_on": r.get("rated_on"),
                "provenance": r.get("provenance") or "",
            }
            if key not in existing:
                new[key] = {"rater_id": key[0], "outlet_id": key[1], "axis": key[2], **vals}
            elif existing[key] != tuple(vals.values()):
                changed.append({"_r": key[0], "_o": key[1], "_a": key[2], **vals})
    if new:
        conn.execute(ratings.insert(), list(new.values()))
    if changed:
        where = and_(
            ratings.c.rater_id == bindparam("_r"),
            ratings.c.outlet_id == bindparam("_o"),
            ratings.c.axis == bindparam("_a"),
        )
        conn.execute(update(ratings).where(where), changed)


def _upsert_ownership(conn: Connection, recs: list[dict[str, Any]], ids: dict[str, int]) -> None:
    cols = (ownership.c.outlet_id, ownership.c.owner, ownership.c.category, ownership.c.provenance)
    existing = {tuple(r[:2]): tuple(r[2:]) for r in conn.execute(select(*cols))}
    new: dict[tuple[int, str], dict[str, Any]] = {}
    changed = []
    for rec in recs:
        for w in rec["ownership"]:
            key = (ids[rec["domain"]], w["owner"])
            vals = {"category": w["category"], "provenance": w.get("provenance") or ""}
            if key not in existing:
                new[key] = {"outlet_id": key[0], "owner": key[1], **vals}
            elif existing[key] != tuple(vals.values()):
                changed.append({"_o": key[0], "_w": key[1], **vals})
    if new:
        conn.execute(ownership.insert(), list(new.values()))
    if changed:
        where = and_(ownership.c.outlet_id == bindparam("_o"), ownership.c.owner == bindparam("_w"))
        conn.execute(update(ownership).where(where), changed)


def export_records(conn: Connection) -> list[dict[str, Any]]:
    """Every outlet with its aliases, feeds, ratings and ownership, sorted, as plain data."""
    from everyside.store.directory import ratings_by_outlet

    by_id = {
        r.id: {f: getattr(r, f) for f in FIELDS} | {k: [] for k in LISTS}
        for r in conn.execute(select(outlets.c.id, *(outlets.c[f] for f in FIELDS)))
    }
    for alias, oid in conn.execute(select(outlet_aliases.c.alias, outlet_aliases.c.outlet_id)):
        by_id[oid]["aliases"].append(alias)
    for url, oid in conn.execute(select(feeds.c.url, feeds.c.outlet_id)):
        if oid in by_id:
            by_id[oid]["feeds"].append(url)
    for oid, rs in ratings_by_outlet(conn).items():
        by_id[oid]["ratings"] = [
            {
                "rater": r.rater,
                "axis": r.axis,
                "raw": r.raw,
                "value": r.value,
                "rated_on": r.rated_on,
                "provenance": r.provenance,
            }
            for r in rs
        ]
    w = ownership.c
    for oid, owner, cat, prov in conn.execute(
        select(w.outlet_id, w.owner, w.category, w.provenance)
    ):
        by_id[oid]["ownership"].append({"owner": owner, "category": cat, "provenance": prov})
    records = sorted(by_id.values(), key=lambda r: r["domain"])
    for r in records:
        r["aliases"].sort()
        r["feeds"].sort()
        r["ratings"].sort(key=lambda x: (x["rater"], x["axis"]))
        r["ownership"].sort(key=lambda x: x["owner"])
    return records


def rater_id(conn: Connection, name: str) -> int:
    """The id of a rater, added (titled by its name) when new."""
    rid = conn.execute(select(raters.c.id).where(raters.c.name == name)).scalar()
    if rid is None:
        rid = conn.execute(
            raters.insert().values(name=name, title=name).returning(raters.c.id)
        ).scalar_one()
    return int(rid)


def upsert_rating(
    conn: Connection,
    rater: int,
    outlet_id: int,
    axis: str,
    raw: str,
    value: float | None,
    rated_on: str | None,
    provenance: str,
) -> None:
    """One rater's rating of one outlet on one axis, inserted or replaced."""
    key = (
        (ratings.c.rater_id == rater)
        & (ratings.c.outlet_id == outlet_id)
        & (ratings.c.axis == axis)
    )
    vals = {"raw": raw, "value": value, "rated_on": rated_on, "provenance": provenance}
    if conn.execute(select(ratings.c.id).where(key)).first() is None:
        conn.execute(
            ratings.insert().values(rater_id=rater, outlet_id=outlet_id, axis=axis, **vals)
        )
    else:
        conn.execute(ratings.update().where(key).values(**vals))
