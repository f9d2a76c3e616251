"""Resolving an article's outlet: URL/domain/source name → `outlets.id`. The one place that
assigns an article's outlet (the write path calls it for every article, imported or fetched).

Matching (subdomains, aliases, short links, names) is the registry's job; this service maps the
match to a row of the store and, for a domain no directory knows, creates an unrated outlet
(origin "import") so that every article counts as coverage by some outlet — unrated, never a side.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from everyside.domain.errors import InputError
from everyside.domain.urls import registered_domain
from everyside.store import outlets as outlet_rows

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


def _registered(url: str | None, domain: str | None) -> str | None:
    for probe in (domain, url):
        if not probe:
            continue
        try:
            return registered_domain(probe)
        except InputError:
            continue
    return None


class OutletResolver:
    """Caches domain → id; share it across the batches of one writer, and `reset()` it when a
    transaction that may have created outlets rolls back."""

    def __init__(self, match: Matcher | None = None):
        self._match = match
        self._ids: dict[str, int] = {}

    def reset(self) -> None:
        self._ids.clear()

    def outlet_id(
        self, conn: Any, url: str | None, domain: str | None, source: str | None, now: datetime
    ) -> int | None:
        found = self._match(url, domain, source) if self._match else None
        if found is None:
            reg = _registered(url, domain)
            if reg is None:
                return None
            found = (reg, source or reg)
        dom, name = found
        if dom not in self._ids:
            oid = outlet_rows.outlet_id_for(conn, dom)
            if oid is None:
                oid = outlet_rows.create_unrated_outlet(conn, dom, name, now)
            self._ids[dom] = oid
        return self._ids[dom]
