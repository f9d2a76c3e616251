"""Estimated bias (owner siblings): the pure method, its cross-validation, and the store fill
(only unrated outlets, cleared once a real rating exists) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert, select, update

from everyside.domain.estimate import OutletInput, cross_validate, owner_estimates
from everyside.services.estimate import update_estimated_bias
from everyside.store import Store
from everyside.store import schema as t

T0 = datetime(2026, 1, 1)

CASES = {
    "a.com": OutletInput(2.0, ("Chain",)),
    "b.com": OutletInput(3.0, ("Chain",)),
    "c.com": OutletInput(None, ("Chain",)),  # estimated from a and b
    "d.com": OutletInput(None, ("Lonely",)),  # no rated sibling: no estimate
    "e.com": OutletInput(-2.0, ()),
    "f.com": OutletInput(None, ()),  # no owner: no estimate
    "g.com": OutletInput(-1.0, ("Other", "Chain")),  # two groups
    "h.com": OutletInput(None, ("Other",)),
}


@pytest.mark.parametrize(
    ("shrink", "domain", "expected"),
    [
        (0.0, "c.com", (2.0 + 3.0 - 1.0) / 3),
        (0.0, "h.com", -1.0),
        (1.0, "h.com", (-1.0 + 0.5) / 2),  # prior = mean of rated = (2+3-2-1)/4 = 0.5
        (0.0, "d.com", None),
        (0.0, "f.com", None),
        (0.0, "a.com", None),  # rated outlets never get an estimate
    ],
)
def test_owner_estimates(shrink: float, domain: str, expected: float | None) -> None:
    est = owner_estimates(CASES, shrink).get(domain)
    if expected is None:
        assert est is None
    else:
        assert est is not None and est.value == pytest.approx(expected, abs=1e-4)
        assert est.method.startswith("owner: mean of")


def test_cross_validation_hides_the_outlet() -> None:
    acc = cross_validate(CASES, 0.0)
    assert acc is not None
    # a from {b, g} = 1.0 (err 1); b from {a, g} = 0.5 (err 2.5); g from {a, b} = 2.5 (err 3.5)
    assert acc.outlets == 3
    assert acc.mae == pytest.approx((1.0 + 2.5 + 3.5) / 3, abs=1e-3)
    assert cross_validate({"x": OutletInput(None, ("A",))}) is None


def test_store_fill(store: Store) -> None:
    def seed(conn):  # noqa: ANN001, ANN202
        ids = {}
        for dom, o in CASES.items():
            ids[dom] = conn.execute(
                insert(t.outlets)
                .values(
                    domain=dom,
                    name=dom,
                    bias=o.bias,
                    created_at=T0,
                    updated_at=T0,
                    estimated_bias=9.0 if dom == "a.com" else None,  # a stale estimate
                )
                .returning(t.outlets.c.id)
            ).scalar_one()
            for owner in o.owners:
                conn.execute(
                    insert(t.ownership).values(
                        outlet_id=ids[dom], owner=owner, category="Corporation"
                    )
                )
        return ids

    ids = store.write(seed)
    assert update_estimated_bias(store) == 2
    with store.read() as conn:
        got = dict(conn.execute(select(t.outlets.c.domain, t.outlets.c.estimated_bias)).all())
    assert got["a.com"] is None and got["d.com"] is None
    assert got["c.com"] is not None and got["h.com"] is not None
    store.write(
        lambda c: c.execute(
            update(t.outlets).where(t.outlets.c.id == ids["c.com"]).values(bias=0.0)
        )
    )
    assert update_estimated_bias(store) == 1
    with store.read() as conn:
        method = conn.execute(
            select(t.outlets.c.estimated_bias_method).where(t.outlets.c.id == ids["c.com"])
        ).scalar()
    assert method is None
