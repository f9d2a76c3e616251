"""`everyside eval lean [FILE.jsonl ...]`: how good the estimated lean and factuality are.

With files: each is imported into a fresh temporary store (clustered, analysed, estimates
refreshed, as `everyside import` does) and measured there; without: the configured store.
Prints the leave-one-out figures on rated outlets (per method and combined, beside guessing the
mean) and the share of articles with a rater's value or an estimate, with the agreement with a
file's own reference labels when it has them (`gn_bias` / `gn_factuality`: only checked against),
and why the other articles have neither (the estimator's reasons, with the outlets behind them).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from everyside.bench.commands import console, state
from everyside.bench.commands import eval_app as app

if TYPE_CHECKING:
    from everyside.bench.lean_eval import LeanEvaluation


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def _loo_table(ev: LeanEvaluation) -> Table:
    table = Table(
        "axis",
        "method",
        "rated outlets",
        "MAE",
        "guess-the-mean MAE",
        "side / tier agreement",
        "guess-the-mean agreement",
        title=f"Leave-one-out on rated outlets ({ev.source})",
    )
    for axis in ("bias", "factuality"):
        for m in (ev.scores.get(axis) or {}).get("methods", []):
            table.add_row(
                axis,
                m["method"],
                str(m["outlets"]),
                f"{m['mae']:.3f}",
                f"{m['baseline_mae']:.3f}",
                _pct(m["accuracy"]),
                _pct(m["baseline_accuracy"]),
            )
    return table


def _articles_table(ev: LeanEvaluation) -> Table:
    table = Table(
        "axis",
        "articles",
        "rater",
        "estimate",
        "rater or estimate",
        "reference agrees: rater",
        "reference agrees: estimate",
        title=f"Articles ({ev.source})",
    )
    for axis, f in ev.articles.items():
        table.add_row(
            axis,
            str(f.articles),
            str(f.rated),
            str(f.estimated),
            _pct(f.rated_or_estimated),
            f"{_pct(f.reference_rated.share)} of {f.reference_rated.total}",
            f"{_pct(f.reference_estimated.share)} of {f.reference_estimated.total}",
        )
    return table


def _missing_table(ev: LeanEvaluation) -> Table:
    table = Table(
        "axis",
        "why neither a rater's value nor an estimate",
        "articles",
        "outlets",
        "outlets with the most",
        title=f"Articles without a lean or factuality ({ev.source})",
    )
    for axis, f in ev.articles.items():
        for reason, m in f.missing.items():
            table.add_row(
                axis, reason, str(m["articles"]), str(m["outlets"]), ", ".join(m["examples"])
            )
    return table


@app.command("lean")
def eval_lean(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(
        None, help="JSONL files in the shared/data/stories format; none: the configured store."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per file (or store)."),
) -> None:
    """Leave-one-out accuracy of the estimated lean and factuality, and article coverage."""
    from everyside.bench.lean_eval import evaluate_files, evaluate_store

    now = datetime.now(UTC)
    st = state(ctx)
    if files:
        # each file's store lives in its own temporary data dir; every other setting as given
        settings = st.settings()
        results = evaluate_files(files, lambda d: replace(settings, data_dir=str(d)), now)
    else:
        results = [evaluate_store(st.store(), now)]
    for ev in results:
        if as_json:
            print(json.dumps(ev.to_dict()), flush=True)
        else:
            console.print(_loo_table(ev))
            console.print(_articles_table(ev))
            console.print(_missing_table(ev))
