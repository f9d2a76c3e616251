"""The bundled outlet directory: who publishes what, how raters rate them, who owns them.

Public API (everything else in this package is an implementation detail):

- `load_directory(data_dir=None) -> Directory` — the bundled directory, loaded once and cached
  (about 35k outlets; ~2 s on first call, then free).
- `Directory` — immutable, thread-safe. `match(url_or_domain, source_name=None) -> Outlet |
  None` finds the outlet of a URL/host/domain (subdomains, aliases, `www.`, ports, case,
  punycode, short links), else of a uniquely named source; `get(domain)`, iteration, `len`,
  `bias(outlet) -> (mean, spread)`, `factuality(outlet)`, `version` (digest of the bundled
  files), `raters` (metadata dicts).
- `raters.RATER_INFO` — each bundled rater's family and rank (one vote per family).

This package is the runtime lookup only: it reads the compiled files under `data/` and touches
no database. Copying the directory into the store is `everyside.services.directory`
(`ensure_directory`, `sync_directory`, over `everyside.store.directory`). The files are
compiled from ../shared/data/outlets by `everyside registry build`, whose code is the separate
subpackage `everyside.registry.build` (never imported at run time); see docs/ratings.md for
every rater's mapping.
"""

from everyside.registry.directory import Directory, load_directory

__all__ = ["Directory", "load_directory"]
