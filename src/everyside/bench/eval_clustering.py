"""`everyside eval clustering FILE.jsonl ...`: replay labelled files through the story engine and
score it (B-cubed, pairwise F1, ARI) beside two single-pass baselines.

The engine sees only id, title, text, date, source, domain, url and lang; `story` is read only
to score. Settings are the product defaults, the same for every file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from everyside.domain.clustering.metrics import Scores
import typer
from rich.console import Console
from rich.table import Table

from everyside.bench.commands import console, state
from everyside.bench.commands import eval_app as app
from everyside.errors import InputError

TFIDF_THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))
EMBED_THRESHOLD = 0.7


def read_rows(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise InputError(
            "no such file; give a JSONL file in the shared/data/stories format", path=str(path)
        )
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"not JSON ({e.msg}); fix the line", path=str(path), line=n) from e
            if not isinstance(row, dict) or "story" not in row:
                raise InputError(
                    "each line needs an object with a gold `story`", path=str(path), line=n
                )
            rows.append(row)
    return rows


def engine_scores(rows: list[dict[str, Any]], settings: Any) -> tuple[Scores, float]:
    """The product's replay: online assignment plus the repair pass every
    `params.repair_every` articles (the `story_repair_every` setting)."""
    from everyside.domain.clustering.metrics import score
    from everyside.domain.clustering.replay import in_arrival_order, replay
    from everyside.services.embeddings import story_engine

    items, gold = in_arrival_order(rows)
    engine = story_engine(settings)
    params = engine.params
    start = time.perf_counter()
    pred = replay(engine, items, params.repair_every)
    elapsed = time.perf_counter() - start
    return score(gold, pred), len(rows) / max(elapsed, 1e-9)


def _texts(rows: list[dict[str, Any]], order: list[int]) -> list[str]:
    return [" ".join(filter(None, (rows[i].get("title"), rows[i].get("text")))) for i in order]


def tfidf_baseline(rows: list[dict[str, Any]]) -> tuple[Scores, float]:
    """Single-pass TF-IDF cosine at the best fixed threshold (an oracle choice per file)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from everyside.domain.clustering.metrics import score
    from everyside.domain.clustering.replay import (
        item_from_row,
        nearest_previous,
        single_pass,
        stream_order,
    )

    order = stream_order([item_from_row(r) for r in rows])
    vecs = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(
        _texts(rows, order)
    )
    bj, bs = nearest_previous(vecs.tocsr())
    gold = [rows[i]["story"] for i in order]
    scored = [(score(gold, single_pass(bj, bs, t)), t) for t in TFIDF_THRESHOLDS]
    best = max(scored, key=lambda st: st[0].b3_f1)
    return best[0], best[1]


def embedding_baseline(rows: list[dict[str, Any]]) -> Scores:
    """Single-pass cosine >= 0.7 on wordllama sentence embeddings."""
    import numpy as np
    import wordllama
    from wordllama import WordLlama

    from everyside.domain.clustering.metrics import score
    from everyside.domain.clustering.replay import (
        item_from_row,
        nearest_previous,
        single_pass,
        stream_order,
    )

    # wordllama ships weights and tokenizer in the package; point it there so it never
    # reaches for the network.
    wl = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    order = stream_order([item_from_row(r) for r in rows])
    emb = np.asarray(wl.embed(_texts(rows, order), norm=True), dtype=np.float32)
    bj, bs = nearest_previous(emb)
    return score([rows[i]["story"] for i in order], single_pass(bj, bs, EMBED_THRESHOLD))


def conditions(order: str, per_day: int, spread_hours: float) -> list[tuple[str, int, float]]:
    """(order, articles a day, mean delay) of each stream to replay. `--per-day` alone keeps
    its old meaning: the interleaved stream at that rate (back to back with spread 0)."""
    from everyside.domain.clustering.replay import DEFAULT_PER_DAY, ORDERS

    if order == "all":
        names = list(ORDERS)
    elif order:
        names = [order]
    else:
        names = ["spread" if per_day else "own"]
    rate = per_day or DEFAULT_PER_DAY
    return [(n, 0 if n == "own" else rate, spread_hours if n == "spread" else 0.0) for n in names]


def _obj(file: str, s: Scores, **extra: Any) -> dict[str, Any]:
    out = {
        "file": file,
        "b3_p": round(s.b3_p, 4),
        "b3_r": round(s.b3_r, 4),
        "b3_f1": round(s.b3_f1, 4),
        "pairwise_f1": round(s.pairwise_f1, 4),
        "ari": round(s.ari, 4),
        "gold_stories": s.gold_stories,
        "predicted_stories": s.predicted_stories,
    }
    out.update(extra)
    return out


@app.command("clustering")
def eval_clustering(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="JSONL files in the shared/data/stories format."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line per file."),
    baselines: bool = typer.Option(
        True, "--baselines/--no-baselines", help="Also score the two single-pass baselines."
    ),
    per_day: int = typer.Option(
        0,
        "--per-day",
        min=0,
        help="Re-date each file's stream to N articles a day (a dense stream, as from hundreds "
        "of feeds); 0 keeps the files' own dates.",
    ),
    spread_hours: float | None = typer.Option(
        None,
        "--spread-hours",
        min=0.0,
        help="With --per-day: delay each article by a random time of this mean, so a story's "
        "articles spread over hours and interleave with other stories as in a real feed "
        "stream (seeded: runs repeat); 0 keeps them back to back in file order. Default: the "
        "replay's DENSE_SPREAD_HOURS.",
    ),
    order: str = typer.Option(
        "",
        "--order",
        help="Arrival order: own (the file's own dates and order), spread (re-dated to "
        "--per-day, default: the replay's DEFAULT_PER_DAY, delayed by --spread-hours: "
        "interleaved), "
        "shuffled (a seeded random order) or all (each of them, one row per order).",
    ),
) -> None:
    """Replay labelled story files through the engine and print B-cubed, pairwise F1 and ARI."""
    from everyside.domain.clustering.replay import DENSE_SPREAD_HOURS, ORDERS, arranged

    if spread_hours is None:
        spread_hours = DENSE_SPREAD_HOURS

    if order and order not in (*ORDERS, "all"):
        raise InputError(f"unknown order {order!r}: give one of {', '.join(ORDERS)} or all")
    settings = state(ctx).settings()
    table = Table(
        "file",
        "order",
        "system",
        "B3 P",
        "B3 R",
        "B3 F1",
        "pair F1",
        "ARI",
        "gold",
        "pred",
        "art/s",
    )
    todo = conditions(order, per_day, spread_hours)
    for path in files:
        original = read_rows(path)
        for name, rate_day, hours in todo:
            rows = arranged(original, name, rate_day, hours) if name != "own" else original
            _eval_one(path, name, rows, settings, baselines, as_json, table)
    if not as_json:
        Console(width=max(console.width, 140)).print(table)


def _eval_one(
    path: Path,
    order: str,
    rows: list[dict[str, Any]],
    settings: Any,
    baselines: bool,
    as_json: bool,
    table: Table,
) -> None:
    s, rate = engine_scores(rows, settings)
    results = [("everyside", s, f"{rate:.0f}")]
    if as_json:
        print(
            json.dumps(_obj(str(path), s, order=order, articles_per_s=round(rate, 1))),
            flush=True,
        )
    if baselines:
        tf, thr = tfidf_baseline(rows)
        emb = embedding_baseline(rows)
        results += [(f"tfidf@{thr:.2f}", tf, ""), (f"wordllama@{EMBED_THRESHOLD}", emb, "")]
        if as_json:
            print(
                json.dumps(_obj(str(path), tf, order=order, system="baseline_tfidf", threshold=thr))
            )
            print(
                json.dumps(
                    _obj(
                        str(path),
                        emb,
                        order=order,
                        system="baseline_embeddings",
                        threshold=EMBED_THRESHOLD,
                    )
                )
            )
    if not as_json:
        for name, sc, rate_s in results:
            table.add_row(
                path.name,
                order,
                name,
                f"{sc.b3_p:.3f}",
                f"{sc.b3_r:.3f}",
                f"{sc.b3_f1:.3f}",
                f"{sc.pairwise_f1:.3f}",
                f"{sc.ari:.3f}",
                str(sc.gold_stories),
                str(sc.predicted_stories),
                rate_s,
            )
