"""Fills the estimated lean and factuality of unrated outlets (`outlets.estimated_*` and
`outlet_estimates`) after the outlet directory is synced (`services.pipeline.ensure_directory`)
or ratings change; the work is done by `everyside.services.lean` (signals, cross-validated
weights, evidence; the pure method is `domain/lean/`). Only outlets without a real rating on an
axis get an estimate; an outlet that has since been rated loses it.
"""

from __future__ import annotations

from datetime import datetime

from everyside.services.lean import refresh_estimates
from everyside.store import Store


def update_estimated_bias(store: Store, now: datetime) -> int:
    """Recompute every estimate; returns how many outlets have an estimated bias."""
    return refresh_estimates(store, now).estimated["bias"]
