"""The outlet directory in the store: when to sync the bundled directory, and the outlet
commands' reads and writes (`everyside outlets ...`, `everyside registry sync`).

The bundled directory itself (loading, matching) is `everyside.registry`; the table writes are
`everyside.store.directory` and `everyside.store.catalog`. This module joins the two: it
decides when a sync is due (a digest of the bundled files against the store's
`registry.version`, about a millisecond) and passes the raters' families and ranks down.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from everyside.registry import Directory, load_directory
from everyside.registry.directory import DATA_DIR, data_version
from everyside.registry.raters import RATER_INFO
from everyside.store import Store, catalog
from everyside.store.catalog import OutletRow
from everyside.store.directory import SyncResult, stored_version
from everyside.store.directory import sync_directory as _sync

__all__ = [
    "OutletRow",
    "SyncResult",
    "add_outlet",
    "ensure_directory",
    "get_outlet",
    "list_outlets",
    "search_outlets",
    "sync_directory",
]


def sync_directory(
    store: Store, directory: Directory, now: datetime, *, force: bool = False
) -> SyncResult:
    """Upsert the directory's outlets, aliases, raters, ratings, ownership and feeds (skipped
    when the store already holds this version, unless `force`)."""
    return _sync(store, directory, now, force=force)


def ensure_directory(store: Store, now: datetime, data_dir: Path | None = None) -> SyncResult:
    """Sync the bundled directory if the store holds another version; cheap when it does not
    (hashes the bundled files, about a millisecond, without loading them)."""
    version = data_version(data_dir or DATA_DIR)
    with store.read() as conn:
        if stored_version(conn) == version:
            return SyncResult(True, version)
    return sync_directory(store, load_directory(data_dir), now)


def add_outlet(store: Store, domain: str, name: str, now: datetime, **facts: Any) -> int:
    """Add a user outlet (origin 'user') or update one; it survives re-syncs."""
    return catalog.add_outlet(store, domain, name, now, rater_info=RATER_INFO, **facts)


def list_outlets(conn: Any, **kw: Any) -> list[OutletRow]:
    return catalog.list_outlets(conn, **kw)


def search_outlets(conn: Any, text: str, limit: int = 50) -> list[OutletRow]:
    return catalog.search_outlets(conn, text, limit)


def get_outlet(conn: Any, url_or_domain: str) -> Any:
    """The full outlet (ratings, ownership, aliases, feeds) and its cached values, or None."""
    return catalog.get_outlet(conn, url_or_domain)
