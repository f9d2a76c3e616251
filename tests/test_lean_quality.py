"""Pinned quality floors of the estimated lean and factuality (issue 19; may only move up).

Each labelled file is imported into a fresh store exactly as `everyside eval lean FILE` does:
a copy *without* Ground News's labels (every `gn_*` field) is imported, clustered and analysed,
the estimates refreshed, and only then are the labels joined back by article id to check
against. Figures and method: docs/ratings.md ("Estimated lean and factuality").

Three of the issue's bars are not met; they are pinned as strict expected failures, so the day
they pass the suite says so: Feb rated-or-estimated (0.95; measured 0.853), estimate-only
agreement with Ground News (0.70; measured 0.696) and uci_dev rated-or-estimated (0.95;
measured 0.695: its 2014 business and health headlines give co-coverage and wording no
political signal, and most of its hosts are in no table, so most unrated outlets get "not
enough evidence" rather than a guess). `everyside eval lean FILE` lists the reasons and the
outlets behind them; docs/ratings.md ("Why the Feb stream stops at 86%") what was tried.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from everyside.bench.lean_eval import LeanEvaluation, evaluate_files
from everyside.settings import load_settings

pytestmark = [pytest.mark.quality, pytest.mark.slow]
STORIES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "stories"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def evaluations(tmp_path_factory: pytest.TempPathFactory) -> dict[str, LeanEvaluation]:
    paths = [STORIES / "groundnews_feb2026_dev.jsonl", STORIES / "uci_dev.jsonl"]
    for p in paths:
        if not p.is_file():
            pytest.fail(f"labelled data missing: {p} (shared/ beside the repo)")
    work = tmp_path_factory.mktemp("lean")
    evs = evaluate_files(
        paths, lambda d: load_settings(env={}, cli={"data_dir": d}), NOW, workdir=work
    )
    for ev in evs:
        print(ev.to_dict())
    return {Path(ev.source).stem: ev for ev in evs}


def test_feb_stream_articles_have_a_rating_or_an_estimate(evaluations) -> None:  # noqa: ANN001
    bias = evaluations["groundnews_feb2026_dev"].articles["bias"]
    assert bias.articles == 1664
    # measured 0.853 (0.854 before the type prior, 0.860 when last pinned; 0.950 before the
    # story engine's second design): with the stream's 46 stories found whole instead of ~550
    # fragments, co-coverage tells fewer outlets apart (every big story is covered by every
    # side), so more of them get "not enough evidence"
    assert bias.rated_or_estimated >= 0.85
    assert bias.rated / bias.articles >= 0.67  # raters alone (audience ideology not counted)


@pytest.mark.xfail(strict=True, reason="issue 19's bar not met: measured 0.853 (see above)")
def test_feb_stream_rating_or_estimate_issue_bar(evaluations) -> None:  # noqa: ANN001
    assert evaluations["groundnews_feb2026_dev"].articles["bias"].rated_or_estimated >= 0.95


def test_every_article_without_either_has_a_reason(evaluations) -> None:  # noqa: ANN001
    """`eval lean` explains every article that has neither a rater's value nor an estimate."""
    for ev in evaluations.values():
        for f in ev.articles.values():
            assert (
                sum(m["articles"] for m in f.missing.values()) == f.articles - f.rated - f.estimated
            )
    feb = evaluations["groundnews_feb2026_dev"].articles["bias"].missing
    assert all(m["outlets"] <= m["articles"] and m["examples"] for m in feb.values())


def test_raters_still_agree_with_ground_news(evaluations) -> None:  # noqa: ANN001
    ref = evaluations["groundnews_feb2026_dev"].articles["bias"].reference_rated
    assert ref.total >= 1000
    assert ref.share >= 0.88  # issue 19's bar; measured 0.883


def test_estimates_agree_with_ground_news(evaluations) -> None:  # noqa: ANN001
    """Issue 19's bar (>= 0.70), met since 2026-12-07 (eighth session): measured 0.718 of 85
    articles (61 agree) with the engine's slug and split changes and the outlet-type prior;
    0.696 of 92 before. One article moves the share by 1.2 points: a thin margin."""
    ref = evaluations["groundnews_feb2026_dev"].articles["bias"].reference_estimated
    assert ref.total >= 85
    assert ref.share >= 0.70


def test_uci_rating_or_estimate_floor(evaluations) -> None:  # noqa: ANN001
    assert evaluations["uci_dev"].articles["bias"].rated_or_estimated >= 0.69  # measured 0.695


@pytest.mark.xfail(strict=True, reason="issue 19's bar not met: measured 0.695 (see docstring)")
def test_uci_rating_or_estimate_issue_bar(evaluations) -> None:  # noqa: ANN001
    assert evaluations["uci_dev"].articles["bias"].rated_or_estimated >= 0.95


def test_estimated_factuality(evaluations) -> None:  # noqa: ANN001
    fact = evaluations["groundnews_feb2026_dev"].articles["factuality"]
    assert fact.rated_or_estimated >= 0.98  # measured 0.993
    assert fact.reference_estimated.total >= 60
    assert fact.reference_estimated.share >= 0.85  # measured 0.855 of 69 (raters: 0.897)
    assert evaluations["uci_dev"].articles["factuality"].rated_or_estimated >= 0.99  # 0.993


def _methods(ev: LeanEvaluation, axis: str) -> dict[str, dict]:
    return {m["method"]: m for m in ev.scores[axis]["methods"]}


# (method, bias MAE floor, factuality MAE floor): each must also beat guessing the mean
LOO_FLOORS = [
    # factuality 0.0507 since countries come from the best table (issue 18): 37 more French
    # outlets match the French ownership table
    ("owner", 0.26, 0.052),
    ("audience", 0.59, 0.23),
    ("labels", 0.84, 0.31),
    ("profile", 0.88, 0.40),
    ("wording", 1.06, 0.54),  # 40 outlets with 3+ own articles: the weakest signal here
    ("combined", 0.73, 0.31),  # bias 0.726 with the type prior (0.751 before)
]


@pytest.mark.parametrize(("method", "bias_mae", "fact_mae"), LOO_FLOORS)
def test_leave_one_out_per_method(evaluations, method: str, bias_mae: float, fact_mae: float):  # noqa: ANN001, ANN201
    for axis, ceiling in (("bias", bias_mae), ("factuality", fact_mae)):
        m = _methods(evaluations["groundnews_feb2026_dev"], axis)[method]
        assert m["mae"] <= ceiling and m["mae"] < m["baseline_mae"]
        assert m["accuracy"] > m["baseline_accuracy"]


def test_type_prior_on_the_lean(evaluations) -> None:  # noqa: ANN001
    """The outlet-type prior (public radio call signs on .org, names declaring a political or
    religious identity) beats guessing the mean on the rated outlets it reaches; it is not used
    on factuality, where it did not lower the combined error."""
    feb = evaluations["groundnews_feb2026_dev"]
    typ = _methods(feb, "bias")["type"]
    assert typ["outlets"] >= 350
    assert typ["mae"] <= 0.61 < typ["baseline_mae"]  # measured 0.604 vs 1.655
    assert typ["accuracy"] >= 0.85 > typ["baseline_accuracy"]  # measured 89.8% vs 3.0%
    assert "type" not in _methods(feb, "factuality")


def test_store_signals_on_the_feb_stream(evaluations) -> None:  # noqa: ANN001
    """Co-coverage carries a political signal on a political stream (not on uci_dev's business
    news); the combination over outlets in stories beats guessing by a wide margin."""
    feb = _methods(evaluations["groundnews_feb2026_dev"], "bias")
    assert feb["cocoverage"]["outlets"] >= 500
    # measured 0.780 vs guessing 0.814 (0.69 before the engine's second design: fragments of
    # stories made co-coverage sharper than whole stories do)
    assert feb["cocoverage"]["mae"] <= 0.79 < feb["cocoverage"]["baseline_mae"]
    seen = feb["combined, outlets in stories"]
    assert seen["mae"] <= 0.58 and seen["accuracy"] >= 0.60  # measured 0.578, 60.1%
    assert seen["baseline_accuracy"] < 0.45
