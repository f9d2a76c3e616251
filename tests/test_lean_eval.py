"""`everyside eval lean`'s plumbing: reference labels are split off before import and joined
back by article id; article figures count a rater first, then an estimate."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert

from everyside.bench.lean_eval import (
    NEVER_ESTIMATED,
    NO_OUTLET,
    article_figures,
    split_references,
)
from everyside.store import Store
from everyside.store import schema as t

T0 = datetime(2026, 2, 1)


def test_split_references_removes_every_gn_field(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    rows = [
        {"id": "a1", "title": "T", "url": "https://x.example/1", "gn_bias": "left"},
        {"id": "a2", "title": "U", "url": "https://y.example/2", "gn_factuality": "high"},
        {"id": "a3", "title": "V", "url": "https://z.example/3"},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n")
    out = tmp_path / "out.jsonl"
    refs = split_references(src, out)
    assert refs == {"a1": {"gn_bias": "left"}, "a2": {"gn_factuality": "high"}}
    lines = out.read_text().splitlines()
    assert lines[-1] == "not json"  # left for the importer to report
    assert all("gn_" not in line for line in lines)
    assert json.loads(lines[0]) == {"id": "a1", "title": "T", "url": "https://x.example/1"}


def _outlet(conn, oid: int, **values: object) -> None:  # noqa: ANN001
    """One outlet row `o{oid}.example` with the given ratings and estimates."""
    conn.execute(
        insert(t.outlets).values(
            id=oid, domain=f"o{oid}.example", name=f"o{oid}", created_at=T0, updated_at=T0, **values
        )
    )


def test_article_figures_rater_first_then_estimate(store: Store) -> None:
    def go(conn) -> None:  # noqa: ANN001
        for oid, bias, est, fact, efact in (
            (1, -2.0, 1.5, 3.0, None),  # rated (a stale estimate is ignored)
            (2, None, 0.2, None, 3.1),  # estimated
            (3, None, None, None, None),  # neither
        ):
            _outlet(conn, oid, bias=bias, estimated_bias=est, factuality=fact,
                    estimated_factuality=efact)  # fmt: skip
        for aid, oid in ((1, 1), (2, 2), (3, 2), (4, 3)):
            conn.execute(
                insert(t.articles).values(
                    id=aid,
                    key=f"k{aid}",
                    outlet_id=oid,
                    external_id=f"a{aid}",
                    title="t",
                    created_at=T0,
                    updated_at=T0,
                )
            )

    store.write(go)
    refs = {
        "a1": {"gn_bias": "left", "gn_factuality": "high"},
        "a2": {"gn_bias": "center", "gn_factuality": "high"},
        "a3": {"gn_bias": "right"},
        "a4": {"gn_bias": "unknown"},
    }
    figs = article_figures(store, refs)
    bias = figs["bias"]
    assert (bias.articles, bias.rated, bias.estimated) == (4, 1, 2)
    assert bias.rated_or_estimated == 0.75
    assert (bias.reference_rated.agree, bias.reference_rated.total) == (1, 1)
    assert (bias.reference_estimated.agree, bias.reference_estimated.total) == (1, 2)
    fact = figs["factuality"]
    assert (fact.rated, fact.estimated) == (1, 2)
    assert fact.reference_estimated.share == 1.0  # 3.1 is High, as Ground News says
    assert article_figures(store)["bias"].reference_rated.total == 0  # no labels in extra


def test_missing_reasons_name_why_and_which_outlets(store: Store) -> None:
    """Articles with neither a rater's value nor an estimate, grouped by the estimator's
    reason: an outlet it abstained on, one it never estimated, an article without an outlet.
    Rated and estimated outlets' articles are not counted."""

    def go(conn) -> None:  # noqa: ANN001
        outlets = (
            (1, -2.0, None),  # rated
            (2, None, 0.3),  # estimated
            (3, None, None),  # abstained: not enough evidence
            (4, None, None),  # abstained for the same reason
            (5, None, None),  # never estimated (no row)
        )
        for oid, bias, est in outlets:
            _outlet(conn, oid, bias=bias, estimated_bias=est)
        why = "outlets with this evidence (cocoverage) are estimated no better than the mean"
        for oid in (3, 4):
            conn.execute(
                insert(t.outlet_estimates).values(
                    outlet_id=oid,
                    axis="bias",
                    status="insufficient",
                    sentence=f"not enough evidence: {why}",
                    computed_at=T0,
                )
            )
        arts = ((1, 1), (2, 2), (3, 3), (4, 3), (5, 4), (6, 5), (7, None))
        for aid, oid in arts:
            conn.execute(
                insert(t.articles).values(
                    id=aid, key=f"k{aid}", outlet_id=oid, title="t", created_at=T0, updated_at=T0
                )
            )

    store.write(go)
    why = "outlets with this evidence (cocoverage) are estimated no better than the mean"
    missing = article_figures(store)["bias"].missing
    assert list(missing) == [why, NO_OUTLET, NEVER_ESTIMATED]  # most articles first, then A-Z
    assert missing[why] == {
        "articles": 3,
        "outlets": 2,
        "examples": ["o3.example (2)", "o4.example (1)"],
    }
    assert missing[NEVER_ESTIMATED] == {"articles": 1, "outlets": 1, "examples": ["o5.example (1)"]}
    assert missing[NO_OUTLET]["articles"] == 1
    # no factuality anywhere: every article is missing on that axis, none has an estimate row
    fact = article_figures(store)["factuality"].missing
    assert sum(m["articles"] for m in fact.values()) == 7
