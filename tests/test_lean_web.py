"""Estimates on every surface (in-process app, SQLite and PostgreSQL): the outlet page and its
JSON twin, story cards and their twin, the API and the exports — always labelled "estimated",
with method, expected error, evidence and date; "not enough evidence" when there is none; and a
rater's value always wins over an estimate left from before the rating."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from everyside.services.exporter import export
from everyside.settings import load_settings
from everyside.store import Store
from everyside.store import schema as t
from everyside.web import create_app

NOW = datetime(2026, 3, 1, 12, 0)
METHOD = (
    "cocoverage + profile, expected error ±0.45: estimated from 12 stories it covered and "
    "812 rated outlets of its kind (US local newspaper)"
)


def fill(store: Store) -> None:
    def go(conn) -> None:  # noqa: ANN001
        outlets = [
            # id, domain, bias, factuality, estimated bias, estimated factuality
            (1, "rated.example", -2.0, 3.0, None, None),
            (2, "est.example", None, None, 0.3, 2.9),
            (3, "none.example", None, None, None, None),
            (4, "stale.example", 1.0, 3.0, -2.5, 0.5),  # rated since the last refresh
        ]
        for oid, dom, bias, fact, eb, ef in outlets:
            conn.execute(
                insert(t.outlets).values(
                    id=oid,
                    domain=dom,
                    name=dom.split(".")[0].title(),
                    country="US",
                    bias=bias,
                    factuality=fact,
                    estimated_bias=eb,
                    estimated_bias_method=METHOD if eb is not None else None,
                    estimated_factuality=ef,
                    estimated_factuality_method="profile, expected error ±0.30: ..."
                    if ef is not None
                    else None,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        est = {
            "expected_error": 0.45,
            "baseline_error": 0.81,
            "accuracy": 0.66,
            "computed_at": NOW,
        }
        conn.execute(
            insert(t.outlet_estimates),
            [
                {
                    "outlet_id": 2,
                    "axis": "bias",
                    "status": "estimated",
                    "value": 0.3,
                    "label": "center",
                    "methods": "cocoverage,profile",
                    "evidence": {"cocoverage": 12, "profile": 812},
                    "sentence": METHOD.split(": ", 1)[1],
                    **est,
                },
                {
                    "outlet_id": 2,
                    "axis": "factuality",
                    "status": "estimated",
                    "value": 2.9,
                    "label": "High",
                    "methods": "profile",
                    "evidence": {"profile": 812},
                    "sentence": "estimated from 812 rated outlets of its kind (US local newspaper)",
                    **est,
                },
                {
                    "outlet_id": 3,
                    "axis": "bias",
                    "status": "insufficient",
                    "value": None,
                    "label": None,
                    "methods": None,
                    "expected_error": None,
                    "baseline_error": None,
                    "accuracy": None,
                    "evidence": {"articles": 1, "own_articles": 0},
                    "sentence": "not enough evidence: all its articles are copies of other "
                    "outlets' texts, and nothing else is known",
                    "computed_at": NOW,
                },
                {
                    "outlet_id": 4,
                    "axis": "bias",
                    "status": "estimated",
                    "value": -2.5,
                    "label": "left",
                    "methods": "profile",
                    "evidence": {"profile": 3},
                    "sentence": "stale",
                    **est,
                },
            ],
        )
        conn.execute(
            insert(t.stories).values(id=1, headline="Council vote", created_at=NOW, updated_at=NOW)
        )
        for aid, oid in ((1, 1), (2, 2), (3, 4)):
            conn.execute(
                insert(t.articles).values(
                    id=aid,
                    key=f"https://o{oid}.example/{aid}",
                    url=f"https://o{oid}.example/{aid}",
                    outlet_id=oid,
                    story_id=1,
                    title=f"Council vote {aid}",
                    published_at=datetime(2026, 2, 28, aid),
                    created_at=NOW,
                    updated_at=NOW,
                )
            )

    store.write(go)


@pytest.fixture
def client(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    fill(store)
    cli = {"data_dir": str(tmp_path), "base_url": "http://testserver"}  # TestClient's Host
    settings = load_settings(env={}, cli=cli)
    with TestClient(create_app(settings, store)) as c:
        yield c


def test_outlet_page_labels_the_estimate_with_method_error_evidence_and_date(
    client: TestClient,
) -> None:
    html = client.get("/outlets/est.example").text
    assert "Center (estimated)" in html
    assert "expected error ±0.45" in html and "guessing the mean: ±0.81" in html
    assert "Method: cocoverage + profile" in html
    assert "estimated from 12 stories it covered" in html
    assert "Computed 2026-03-01" in html
    assert "High (estimated)" in html  # factuality: no rater, an estimate


def test_outlet_page_says_why_there_is_no_estimate(client: TestClient) -> None:
    html = client.get("/outlets/none.example").text
    assert "Unrated: not enough evidence: all its articles are copies" in html


def test_a_rater_wins_over_a_stale_estimate(client: TestClient) -> None:
    html = client.get("/outlets/stale.example").text
    assert "(estimated)" not in html and "Lean Right" in html
    twin = client.get("/outlets/stale.example.json").json()
    o = twin.get("outlet", twin)
    assert o["estimates"] == {}
    cards = client.get("/story/1.json").json()["articles"]
    stale = next(c for c in cards if c["outlet_domain"] == "stale.example")
    assert stale["estimated_tier"] is None and stale["estimated_bias"] is None
    assert stale["estimated_factuality"] is None


def test_json_twin_and_api_carry_the_estimates(client: TestClient) -> None:
    twin = client.get("/outlets/est.example.json").json()
    est = twin.get("outlet", twin)["estimates"]["bias"]
    assert est["status"] == "estimated" and est["expected_error"] == 0.45
    assert est["evidence"] == {"cocoverage": 12, "profile": 812}
    assert est["computed_at"].startswith("2026-03-01")
    api = client.get("/api/v1/outlets/est.example/ratings").json()
    assert api["estimated_bias"] == 0.3 and api["estimated_factuality"] == 2.9
    assert api["estimates"]["factuality"]["label"] == "High"
    none = client.get("/api/v1/outlets/none.example").json()["outlet"]["estimates"]["bias"]
    assert none["status"] == "insufficient" and none["value"] is None


def test_story_cards_show_the_estimate_and_its_method(client: TestClient) -> None:
    html = client.get("/story/1").text
    assert "Center (estimated)" in html and f"Lean estimated ({METHOD})" in html
    assert "Factuality: High (estimated)" in html
    card = next(c for c in client.get("/story/1.json").json()["articles"] if c["outlet_id"] == 2)
    assert card["estimated_bias_method"] == METHOD and card["estimated_tier"] == "Center"
    rows = list(csv.DictReader(io.StringIO(client.get("/story/1/articles.csv").text)))
    row = next(r for r in rows if r["outlet_domain"] == "est.example")
    assert row["estimated_tier"] == "Center" and row["estimated_bias_method"] == METHOD
    assert row["estimated_factuality_tier"] == "High"


def test_outlet_export_has_the_estimates(store: Store, tmp_path: Path) -> None:
    fill(store)
    out = tmp_path / "outlets.jsonl"
    export(store, "outlets", "jsonl", out)
    rows = {r["domain"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert rows["est.example"]["estimated_bias_method"] == METHOD
    assert rows["est.example"]["estimated_factuality"] == 2.9
    assert rows["est.example"]["estimated_at"].startswith("2026-03-01")
    assert rows["none.example"]["estimated_at"] is None
