"""Fills the estimated lean and factuality of unrated outlets (`outlets.estimated_*` and
`outlet_estimates`); the work is done by `everyside.lean_service` (signals, cross-validated
weights, evidence; pure method in `domain/lean/`). Only outlets without a real rating on an axis
get an estimate; an outlet that has since been rated loses it. Run after the outlet directory is
synced (`everyside.pipeline.ensure_directory`) or ratings change.
"""

from __future__ import annotations

from datetime import datetime

from everyside.lean_service import refresh_estimates
from everyside.store import Store


def update_estimated_bias(store: Store, now: datetime) -> int:
    """Recompute every estimate; returns how many outlets have an estimated bias."""
    return refresh_estimates(store, now).estimated["bias"]
