"""Resolving an article's outlet: URL/domain/source name → `outlets.id`.

Matching (subdomains, aliases, short links, names) is the registry's job; this adapter maps the
match to a row of the store and, for a domain no directory knows, creates an unrated outlet
(origin "import") so that every article counts as coverage by some outlet — unrated, never a side.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, insert, select

from everyside.domain.urls import registered_domain
from everyside.errors import InputError
from everyside.store import schema as t

# (url, domain, source name) -> (registered domain, outlet name) or None
Matcher = Callable[[str | None, str | None, str | None], tuple[str, str] | None]


def registry_matcher() -> Matcher:
    """The bundled directory's matcher (subdomains, aliases, names)."""
    from everyside.registry import load_directory

    directory = load_directory()

    def match(url: str | None, domain: str | None, source: str | None) -> tuple[str, str] | None:
        for probe in (url, domain):
            if probe:
                outlet = directory.match(probe, source)
                if outlet is not None:
                    return outlet.domain, outlet.name
        return None

    return match


class OutletResolver:
    """Caches domain → id; safe to share across batches of one writer."""

    def __init__(self, match: Matcher | None = None):
        self._match = match
        self._ids: dict[str, int] = {}

    def outlet_id(
        self,
        conn: Connection,
        url: str | None,
        domain: str | None,
        source: str | None,
        now: datetime,
    ) -> int | None:
        found = self._match(url, domain, source) if self._match else None
        if found is None:
            reg = None
            for probe in (domain, url):
                if not probe:
                    continue
                try:
                    reg = registered_domain(probe)
                    break
                except InputError:
                    continue
            if reg is None:
                return None
            found = (reg, source or reg)
        dom, name = found
        if dom in self._ids:
            return self._ids[dom]
        oid = conn.execute(select(t.outlets.c.id).where(t.outlets.c.domain == dom)).scalar()
        if oid is None:
            alias = conn.execute(
                select(t.outlet_aliases.c.outlet_id).where(t.outlet_aliases.c.alias == dom)
            ).scalar()
            oid = alias
        if oid is None:
            oid = conn.execute(
                insert(t.outlets)
                .values(domain=dom, name=name, origin="import", created_at=now, updated_at=now)
                .returning(t.outlets.c.id)
            ).scalar_one()
        self._ids[dom] = oid
        return oid
