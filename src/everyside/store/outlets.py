"""Outlet rows: the one lookup of an outlet by domain (aliases included), the unrated outlets
the write path creates for unknown domains, and the facts coverage and summaries read.

An outlet is keyed by its registered domain; `outlet_aliases` maps other registered domains and
hosts to it (nyti.ms -> nytimes.com). Every lookup by domain in the code base goes through
`outlet_id_for` so that an alias is never missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from everyside.domain.times import to_db
from everyside.store import schema as t


def outlet_id_for(conn: Connection, domain: str) -> int | None:
    """Id of the outlet whose domain, or one of whose aliases, is `domain`; else None."""
    o, al = t.outlets.c, t.outlet_aliases.c
    oid = conn.execute(select(o.id).where(o.domain == domain)).scalar()
    if oid is None:
        oid = conn.execute(select(al.outlet_id).where(al.alias == domain)).scalar()
    return None if oid is None else int(oid)


def create_unrated_outlet(conn: Connection, domain: str, name: str, now: datetime) -> int:
    """An outlet row for a domain no directory knows (origin "import": a later directory sync
    that knows the domain takes it over)."""
    ts = to_db(now)
    stmt = (
        insert(t.outlets)
        .values(domain=domain, name=name, origin="import", created_at=ts, updated_at=ts)
        .returning(t.outlets.c.id)
    )
    return int(conn.execute(stmt).scalar_one())


def outlet_row(conn: Connection, outlet_id: int) -> Mapping[str, Any] | None:
    row = conn.execute(select(t.outlets).where(t.outlets.c.id == outlet_id)).first()
    return None if row is None else dict(row._mapping)


def factuality_by_domain(conn: Connection) -> dict[str, float]:
    """Factuality (0..4) of the rated outlets, by domain."""
    o = t.outlets.c
    rows = conn.execute(select(o.domain, o.factuality).where(o.factuality.is_not(None)))
    return {d: float(f) for d, f in rows}


def bias_rater_counts(conn: Connection, outlet_ids: list[int]) -> dict[int, int]:
    r = t.ratings.c
    q = (
        select(r.outlet_id, func.count())
        .where(r.outlet_id.in_(outlet_ids), r.axis == "bias", r.value.is_not(None))
        .group_by(r.outlet_id)
    )
    return {int(k): int(v) for k, v in conn.execute(q).all()}


def first_owners(conn: Connection, outlet_ids: list[int]) -> dict[int, tuple[str, str]]:
    """(owner, category) of the first ownership row of each outlet."""
    w = t.ownership.c
    out: dict[int, tuple[str, str]] = {}
    q = (
        select(w.outlet_id, w.owner, w.category)
        .where(w.outlet_id.in_(outlet_ids))
        .order_by(w.outlet_id, w.id)
    )
    for oid, owner, cat in conn.execute(q):
        out.setdefault(int(oid), (owner, cat))
    return out


def outlet_rows(conn: Connection, outlet_ids: Iterable[int]) -> list[Mapping[str, Any]]:
    ids = list(outlet_ids)
    q = select(t.outlets).where(t.outlets.c.id.in_(ids))
    return [dict(r._mapping) for r in conn.execute(q)]
