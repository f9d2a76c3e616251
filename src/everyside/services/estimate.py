"""Fills `outlets.estimated_bias` / `estimated_bias_method` from the store's outlets and
ownership (the pure method is `domain/estimate.py`). Only outlets without a real bias rating
get an estimate; an outlet that has since been rated loses its estimate. Run it after the
outlet directory is synced (`everyside.services.pipeline.ensure_directory`) or ratings change.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import Connection, bindparam, select, update

from everyside.domain.estimate import DEFAULT_SHRINK, OutletInput, owner_estimates
from everyside.store import Store
from everyside.store import schema as t

log = logging.getLogger(__name__)


def load_estimate_inputs(conn: Connection) -> tuple[dict[str, OutletInput], dict[str, int]]:
    owners: dict[int, list[str]] = defaultdict(list)
    for oid, owner in conn.execute(select(t.ownership.c.outlet_id, t.ownership.c.owner)):
        owners[oid].append(owner)
    inputs: dict[str, OutletInput] = {}
    ids: dict[str, int] = {}
    for oid, dom, bias in conn.execute(
        select(t.outlets.c.id, t.outlets.c.domain, t.outlets.c.bias)
    ):
        inputs[dom] = OutletInput(bias, tuple(owners.get(oid, ())))
        ids[dom] = oid
    return inputs, ids


def update_estimated_bias(store: Store, shrink: float = DEFAULT_SHRINK) -> int:
    """Recompute every estimate in one transaction; returns how many outlets have one."""

    def run(conn: Connection) -> int:
        inputs, ids = load_estimate_inputs(conn)
        estimates = owner_estimates(inputs, shrink)
        o = t.outlets.c
        conn.execute(
            update(t.outlets)
            .where(o.estimated_bias.is_not(None) | o.estimated_bias_method.is_not(None))
            .values(estimated_bias=None, estimated_bias_method=None)
        )
        rows = [{"oid": ids[d], "v": e.value, "m": e.method} for d, e in estimates.items()]
        if rows:
            conn.execute(
                update(t.outlets)
                .where(o.id == bindparam("oid"))
                .values(estimated_bias=bindparam("v"), estimated_bias_method=bindparam("m")),
                rows,
            )
        return len(rows)

    n = store.write(run)
    log.info("estimated bias: %d unrated outlets have an owner-based estimate", n)
    return n
