"""Reading and extending the outlet directory *in the store*: find, list, search, show, add.

These are the queries behind `everyside outlets ...` and the web's outlet pages. An outlet is
found by its domain, by any alias, or by a URL/host under either (`money.cnn.com/x` → cnn.com).
Writes go through `Store.write`; every write refreshes the outlet's cached combined values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select

from everyside.domain.errors import InputError
from everyside.domain.hosts import host_of, parents
from everyside.domain.model import Outlet, Ownership
from everyside.domain.ratings import RaterInfo
from everyside.domain.times import to_db
from everyside.store.db import Store
from everyside.store.directory import ratings_by_outlet, refresh_outlet_cache
from everyside.store.schema import feeds, outlet_aliases, outlets, ownership


@dataclass(frozen=True)
class OutletRow:
    """One line of a listing: the outlet and its cached combined values."""

    id: int
    domain: str
    name: str
    country: str | None
    origin: str
    bias: float | None
    bias_spread: float | None
    factuality: float | None


def find_outlet_id(conn: Connection, url_or_domain: str) -> int | None:
    """Id of the outlet of a domain, alias, host or URL (walking up subdomains); else None."""
    host = host_of(url_or_domain)
    if not host:
        return None
    for candidate in parents(host):
        oid = conn.execute(select(outlets.c.id).where(outlets.c.domain == candidate)).scalar()
        if oid is None:
            oid = conn.execute(
                select(outlet_aliases.c.outlet_id).where(outlet_aliases.c.alias == candidate)
            ).scalar()
        if oid is not None:
            return int(oid)
    return None


def _rows(conn: Connection, query: Any) -> list[OutletRow]:
    cols = (
        outlets.c.id,
        outlets.c.domain,
        outlets.c.name,
        outlets.c.country,
        outlets.c.origin,
        outlets.c.bias,
        outlets.c.bias_spread,
        outlets.c.factuality,
    )
    return [OutletRow(*r) for r in conn.execute(query.with_only_columns(*cols))]


def list_outlets(
    conn: Connection, *, country: str | None = None, rated: bool = False, limit: int | None = 50
) -> list[OutletRow]:
    q = select(outlets.c.id).order_by(outlets.c.domain)
    if country:
        q = q.where(outlets.c.country == country.upper())
    if rated:
        q = q.where(outlets.c.bias.is_not(None))
    if limit:
        q = q.limit(limit)
    return _rows(conn, q)


def search_outlets(conn: Connection, text: str, limit: int = 50) -> list[OutletRow]:
    """Outlets whose name or domain contains `text` (case-insensitive), rated ones first."""
    like = f"%{text.strip().lower()}%"
    q = (
        select(outlets.c.id)
        .where(or_(func.lower(outlets.c.name).like(like), outlets.c.domain.like(like)))
        .order_by(outlets.c.bias.is_(None), func.length(outlets.c.name), outlets.c.domain)
        .limit(limit)
    )
    return _rows(conn, q)


def get_outlet(conn: Connection, url_or_domain: str) -> tuple[Outlet, OutletRow] | None:
    """The full outlet (ratings, ownership, aliases, feeds) and its cached values."""
    oid = find_outlet_id(conn, url_or_domain)
    if oid is None:
        return None
    row = _rows(conn, select(outlets.c.id).where(outlets.c.id == oid))[0]
    o = conn.execute(select(outlets).where(outlets.c.id == oid)).one()
    outlet = Outlet(
        domain=o.domain,
        name=o.name,
        country=o.country,
        language=o.language,
        scope=o.scope,
        media_type=o.media_type,
        homepage=o.homepage,
        id=o.id,
        aliases=sorted(
            conn.execute(
                select(outlet_aliases.c.alias).where(outlet_aliases.c.outlet_id == oid)
            ).scalars()
        ),
        feeds=sorted(conn.execute(select(feeds.c.url).where(feeds.c.outlet_id == oid)).scalars()),
        ratings=sorted(
            ratings_by_outlet(conn, [oid]).get(oid, []), key=lambda r: (r.axis, r.rater)
        ),
        ownership=[
            Ownership(*w)
            for w in conn.execute(
                select(ownership.c.owner, ownership.c.category, ownership.c.provenance)
                .where(ownership.c.outlet_id == oid)
                .order_by(ownership.c.owner)
            )
        ],
    )
    return outlet, row


def add_outlet(
    store: Store,
    domain: str,
    name: str,
    now: datetime,
    *,
    country: str | None = None,
    language: str | None = None,
    scope: str | None = None,
    media_type: str | None = None,
    feed_urls: tuple[str, ...] = (),
    rater_info: Mapping[str, RaterInfo],
) -> int:
    """Add a user outlet (origin 'user'), or update one; return its id. Survives re-syncs."""
    host = host_of(domain)
    if not host:
        raise InputError(f"{domain!r} is not a domain; give one like example.com")
    if country and (len(country) != 2 or not country.isalpha()):
        raise InputError(f"country {country!r} is not an ISO 3166-1 alpha-2 code (e.g. US)")
    ts = to_db(now)
    values = {
        "name": name,
        "country": country.upper() if country else None,
        "language": language.lower() if language else None,
        "scope": scope,
        "media_type": media_type,
        "origin": "user",
        "updated_at": ts,
    }

    def write(conn: Connection) -> int:
        oid = conn.execute(select(outlets.c.id).where(outlets.c.domain == host)).scalar()
        if oid is None:
            oid = conn.execute(
                outlets.insert()
                .values(domain=host, created_at=ts, **values)
                .returning(outlets.c.id)
            ).scalar_one()
        else:
            keep = {k: v for k, v in values.items() if v is not None}
            conn.execute(outlets.update().where(outlets.c.id == oid).values(**keep))
        for url in feed_urls:
            add_feed(conn, url, int(oid), ts)
        refresh_outlet_cache(conn, [int(oid)], rater_info)
        return int(oid)

    return store.write(write)


def add_feed(
    conn: Connection, url: str, outlet_id: int, now: datetime, origin: str = "user"
) -> None:
    if "://" not in url or not host_of(url):
        raise InputError(f"feed {url!r} is not an http(s) URL")
    if conn.execute(select(feeds.c.id).where(feeds.c.url == url)).first() is None:
        conn.execute(
            feeds.insert().values(
                url=url,
                outlet_id=outlet_id,
                origin=origin,
                active=True,
                error_count=0,
                entries_seen=0,
                created_at=now,
            )
        )
