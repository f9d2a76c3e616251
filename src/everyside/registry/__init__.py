"""The bundled outlet directory: who publishes what, how raters rate them, who owns them.

Public API (everything else in this package is an implementation detail):

- `load_directory(data_dir=None) -> Directory` — the bundled directory, loaded once and cached
  (about 35k outlets; ~2 s on first call, then free).
- `Directory` — immutable, thread-safe. `match(url_or_domain, source_name=None) -> Outlet |
  None` finds the outlet of a URL/host/domain (subdomains, aliases, `www.`, ports, case,
  punycode, short links), else of a uniquely named source; `get(domain)`, iteration, `len`,
  `bias(outlet) -> (mean, spread)`, `factuality(outlet)`, `version` (digest of the bundled
  files), `raters` (metadata dicts).
- `sync_directory(store, directory, now, *, force=False) -> SyncResult` — copy the directory
  into the store (outlets, outlet_aliases, raters, ratings, ownership, bundled feeds) and fill
  the cached `outlets.bias`, `bias_spread`, `factuality`. Idempotent; skipped when the store
  already holds `directory.version`; user-added outlets and ratings survive.
- `ensure_directory(store, now) -> SyncResult` — what `everyside up` should call at start:
  compares a digest of the bundled files with the store's `registry.version` (about 1 ms) and
  only loads and syncs the directory when they differ.

The directory is compiled from ../shared/data/outlets by `everyside registry build`
(`everyside.registry.build.build(shared_dir)`); see docs/ratings.md for every rater's mapping.
"""

from everyside.registry.directory import Directory, load_directory
from everyside.registry.load import SyncResult, ensure_directory, sync_directory

__all__ = ["Directory", "SyncResult", "ensure_directory", "load_directory", "sync_directory"]
