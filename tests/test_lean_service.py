"""Estimates computed from a real store and written back, on SQLite and PostgreSQL: only unrated
outlets, gone once a rater covers them; audience ideology feeds the estimate but is not a
rating; "not enough evidence" rows for outlets with articles; the pipeline's refresh hook."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from everyside.domain.hosts import tld_country
from everyside.domain.lean import EstimateParams
from everyside.registry.raters import RATER_INFO
from everyside.services.lean import (
    load_records,
    note_stories_changed,
    outlet_estimates,
    refresh_estimates,
)
from everyside.settings import load_settings
from everyside.store import Store
from everyside.store import schema as t
from everyside.store.directory import refresh_outlet_cache
from everyside.store.state import get_value

T0 = datetime(2026, 2, 1, 12, 0)
PARAMS = EstimateParams(folds=5, min_group=10)


def seed(store: Store) -> dict[str, int]:
    """40 rated outlets: DE ones lean left, PL ones right; 3 stories; some unrated outlets."""

    def go(conn) -> dict[str, int]:  # noqa: ANN001
        ids: dict[str, int] = {}
        rater = conn.execute(
            insert(t.raters).values(name="mbfc").returning(t.raters.c.id)
        ).scalar_one()
        audience = conn.execute(
            insert(t.raters).values(name="audience_ideology").returning(t.raters.c.id)
        ).scalar_one()

        def outlet(dom: str, country: str | None = None, origin: str = "bundled") -> int:
            ids[dom] = conn.execute(
                insert(t.outlets)
                .values(
                    domain=dom,
                    name=dom,
                    country=country,
                    scope="local" if country else None,
                    origin=origin,
                    created_at=T0,
                    updated_at=T0,
                )
                .returning(t.outlets.c.id)
            ).scalar_one()
            return ids[dom]

        for i in range(40):
            country = "DE" if i % 2 else "PL"
            oid = outlet(f"r{i}.{country.lower()}", country)
            lean = -2.0 if country == "DE" else 2.0
            conn.execute(
                insert(t.ratings).values(
                    rater_id=rater, outlet_id=oid, axis="bias", raw="x", value=lean
                )
            )
            conn.execute(
                insert(t.ratings).values(
                    rater_id=audience,
                    outlet_id=oid,
                    axis="bias",
                    raw=str(lean / 4),
                    value=lean,
                )
            )
        outlet("new.pl", "PL")
        outlet("aud.example")  # only an audience score: a signal, not a rating
        conn.execute(
            insert(t.ratings).values(
                rater_id=audience, outlet_id=ids["aud.example"], axis="bias", raw="0.5", value=2.0
            )
        )
        outlet("lonely.example")  # one article, alone in its story
        outlet("mine.example", origin="user")  # added by a user, nothing known
        outlet("mine.de", "DE", origin="user")  # added by a user, with a country
        for sid, members in {1: ["r1.de", "r3.de", "lonely.example"], 2: ["r0.pl"]}.items():
            conn.execute(
                insert(t.stories).values(id=sid, headline=f"s{sid}", created_at=T0, updated_at=T0)
            )
            for dom in members:
                conn.execute(
                    insert(t.articles).values(
                        key=f"https://{dom}/{sid}",
                        outlet_id=ids[dom],
                        story_id=sid,
                        title=f"Story {sid}",
                        text="Some words",
                        created_at=T0,
                        updated_at=T0,
                    )
                )
        refresh_outlet_cache(conn, None, RATER_INFO)
        return ids

    return store.write(go)


def test_ccTLD_country_only_for_country_domains() -> None:
    assert tld_country("news.ro") == "RO" and tld_country("bbc.co.uk") == "GB"
    assert tld_country("example.com") is None and tld_country("live.tv") is None
    assert tld_country("europa.eu") is None


def test_refresh_writes_estimates_for_unrated_outlets_only(store: Store) -> None:
    ids = seed(store)
    rep = refresh_estimates(store, T0, PARAMS)
    assert rep.estimated["bias"] >= 2
    with store.read() as conn:
        rows = {
            oid: (axis, status)
            for oid, axis, status in conn.execute(
                select(
                    t.outlet_estimates.c.outlet_id,
                    t.outlet_estimates.c.axis,
                    t.outlet_estimates.c.status,
                ).where(t.outlet_estimates.c.axis == "bias")
            )
        }
        cached = dict(
            conn.execute(select(t.outlets.c.domain, t.outlets.c.estimated_bias_method)).all()
        )
        new = outlet_estimates(conn, ids["new.pl"])["bias"]
        aud = outlet_estimates(conn, ids["aud.example"])["bias"]
        lonely = outlet_estimates(conn, ids["lonely.example"])["bias"]
        mine = outlet_estimates(conn, ids["mine.example"])["bias"]
        mine_de = outlet_estimates(conn, ids["mine.de"])["bias"]
        scores = get_value(conn, "estimates.scores")
    assert not any(ids[f"r{i}.{'de' if i % 2 else 'pl'}"] in rows for i in range(40))
    assert new["status"] == "estimated" and new["label"] == "right"
    assert new["methods"] == "profile" and new["expected_error"] < new["baseline_error"]
    assert new["computed_at"].startswith("2026-02-01")
    assert "expected error ±" in cached["new.pl"] and "estimated from" in cached["new.pl"]
    # audience ideology is not a rating (the combined bias stays empty) but feeds the estimate
    assert aud["status"] == "estimated" and "audience" in aud["methods"].split(",")
    # one article, in a story with two rated outlets: co-coverage, but only three rated outlets
    # are in stories at all, too few to learn what co-coverage is worth here
    assert lonely["status"] == "insufficient" and "too few rated outlets" in lonely["sentence"]
    assert lonely["evidence"]["cocoverage"] == 1 and lonely["evidence"]["articles"] == 1
    assert mine["status"] == "insufficient" and "no articles yet" in mine["sentence"]
    assert mine_de["status"] == "estimated" and mine_de["label"] == "left"
    assert cached["r1.de"] is None
    assert scores["bias"]["methods"][-1]["method"].startswith("combined")


def test_a_rating_replaces_the_estimate(store: Store) -> None:
    ids = seed(store)
    refresh_estimates(store, T0, PARAMS)

    def rate(conn) -> None:  # noqa: ANN001
        rater = conn.execute(select(t.raters.c.id).where(t.raters.c.name == "mbfc")).scalar()
        conn.execute(
            insert(t.ratings).values(
                rater_id=rater, outlet_id=ids["new.pl"], axis="bias", raw="center", value=0.0
            )
        )
        refresh_outlet_cache(conn, [ids["new.pl"]], RATER_INFO)

    store.write(rate)
    rep = refresh_estimates(store, T0, PARAMS)
    assert ids["new.pl"] in rep.changed_outlets
    with store.read() as conn:
        bias, est = conn.execute(
            select(t.outlets.c.bias, t.outlets.c.estimated_bias).where(
                t.outlets.c.id == ids["new.pl"]
            )
        ).one()
        assert "bias" not in outlet_estimates(conn, ids["new.pl"])
    assert bias == 0.0 and est is None


def test_audience_only_outlet_has_no_combined_bias(store: Store) -> None:
    ids = seed(store)
    with store.read() as conn:
        records, _ = load_records(conn)
        bias = conn.execute(
            select(t.outlets.c.bias).where(t.outlets.c.id == ids["aud.example"])
        ).scalar()
    assert bias is None and records["aud.example"].audience == 0.5
    assert records["r1.de"].audience == -0.5 and records["r1.de"].bias == -2.0


def test_pipeline_hook_refreshes_every_n_changed_stories(store: Store, tmp_path: Path) -> None:
    seed(store)
    settings = load_settings(env={}, cli={"data_dir": str(tmp_path), "estimate_refresh_stories": 5})
    assert note_stories_changed(store, settings, T0, 3) is None
    rep = note_stories_changed(store, settings, T0, 3)
    assert rep is not None and rep.estimated["bias"] > 0
    with store.read() as conn:
        assert get_value(conn, "estimates.pending_stories") == 0
    assert note_stories_changed(store, settings, T0, 1) is None
    assert note_stories_changed(store, settings, T0, 1, force=True) is not None
    off = load_settings(env={}, cli={"data_dir": str(tmp_path), "estimate_refresh_stories": 0})
    assert note_stories_changed(store, off, T0, 10_000) is None  # 0: only when forced


@pytest.mark.parametrize("changed", [0])
def test_forcing_without_changes_does_nothing(store: Store, tmp_path: Path, changed: int) -> None:
    seed(store)
    settings = load_settings(env={}, cli={"data_dir": str(tmp_path)})
    assert note_stories_changed(store, settings, T0, changed, force=True) is None


def test_reference_labels_in_extra_never_change_an_estimate(store: Store) -> None:
    """Ground News's labels may sit in `articles.extra` (the importer keeps unknown fields);
    the estimates must not read them: flipping every label changes nothing."""
    seed(store)

    def label(value: str):  # noqa: ANN202
        def go(conn) -> None:  # noqa: ANN001
            conn.execute(
                t.articles.update().values(extra={"gn_bias": value, "gn_factuality": "low"})
            )

        return go

    store.write(label("left"))
    first = refresh_estimates(store, T0, PARAMS).results
    store.write(label("right"))
    second = refresh_estimates(store, T0, PARAMS).results
    for axis in ("bias", "factuality"):
        assert first[axis].estimates == second[axis].estimates
        assert first[axis].scores == second[axis].scores


def test_only_the_end_of_an_import_forces_a_refresh(store: Store, tmp_path: Path) -> None:
    """Every pipeline batch ends with a repair pass, so the forced refresh has its own flag: an
    ingest round (the default) counts its stories toward `estimate_refresh_stories`, the end of
    an import refreshes at once."""
    from everyside.services.pipeline import process_pending

    ids = seed(store)

    def next_story_ids(conn) -> None:  # noqa: ANN001
        if conn.dialect.name == "postgresql":  # seed() chose story ids itself
            conn.execute(text("SELECT setval(pg_get_serial_sequence('stories', 'id'), 100)"))

    store.write(next_story_ids)
    cli = {"data_dir": str(tmp_path), "story_embeddings": False, "estimate_refresh_stories": 200}
    settings = load_settings(env={}, cli=cli)

    def unassigned(n: int):  # noqa: ANN202
        def go(conn) -> None:  # noqa: ANN001
            conn.execute(
                insert(t.articles).values(
                    key=f"https://r1.de/new-{n}",
                    url=f"https://r1.de/new-{n}",
                    domain="r1.de",
                    outlet_id=ids["r1.de"],
                    title=f"Harbour strike enters day {n}",
                    text="Dock workers walked out over pay and shifts.",
                    published_at=T0,
                    created_at=T0,
                    updated_at=T0,
                )
            )

        return go

    store.write(unassigned(1))
    assert process_pending(store, settings, T0).stories_changed >= 1
    with store.read() as conn:
        assert get_value(conn, "estimates.scores") is None  # an ingest round: counted only
        assert get_value(conn, "estimates.pending_stories") >= 1
    store.write(unassigned(2))
    assert process_pending(store, settings, T0, refresh_estimates=True).stories_changed >= 1
    with store.read() as conn:
        assert get_value(conn, "estimates.scores") is not None  # an import: refreshed
        assert get_value(conn, "estimates.pending_stories") == 0
