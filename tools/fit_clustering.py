"""Fit the join/new decision of the story engine on the labelled dev streams.

    .venv/bin/python tools/fit_clustering.py [--data ../shared/data/stories] [--write]

1. Replays each dev file in stream order with *gold* story state (teacher forcing): for every
   article, the candidate stories the index retrieves give one example each (features from
   `decision.channels`, label = is the article's gold story).
2. Fits a logistic regression with the signs of `decision.SIGNS` (each file weighted
   equally, so the big file does not dominate). C = 100 (weak regularisation: the features
   are small cosines whose useful weights are large; see docs/design-notes/clustering.md).
3. Picks one join threshold and one repair merge threshold on the mean B-cubed F1 of the
   product's replay (online + the repair pass every 200 articles) over the dev files (the same
   pair for every file): among pairs within `TIE` of the best, the most conservative.
Two variants are fitted: for engines without the dense channel (lexical) and with it (dense).
With --write, writes src/everyside/domain/clustering/weights.py.
--dense-copies PER_DAY[:SPREAD] ... (every file re-dated to PER_DAY articles a day, each
article delayed by a random time of mean SPREAD hours) and the experiment --shuffled-copies
(undated files in a random order) add streams to training and to the threshold choice. --save
and --write-from let the two variants be fitted in parallel processes.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

from everyside.domain.clustering.decision import FEATURES, SIGNS, JoinModel, channels
from everyside.domain.clustering.engine import Embedder, EngineParams, StoryEngine, trusted_time
from everyside.domain.clustering.metrics import score
from everyside.domain.clustering.replay import (
    SPREAD_SEED,
    item_from_row,
    replay,
    retimed,
    stream_order,
)
from everyside.domain.clustering.text import extract
from everyside.services.embeddings import load_embedder

ROOT = Path(__file__).resolve().parents[1]
DEV = ("uci_dev.jsonl", "allsides_dev.jsonl", "neus_train.jsonl")
THRESHOLDS = (0.3, 0.4, 0.5)
MERGE_THRESHOLDS = (0.4, 0.5, 0.6, 0.9)
SHUFFLE_SEED = 1
TRAIN_SPREAD_SEED = 12  # re-dated training copies; the evaluation's copies use SPREAD_SEED
TIE = 0.003  # mean dev F1 differences below this are noise


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def shuffled_copies(data: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """A copy of every dev file without dates, in a fixed random order.

    Undated articles stream in file order, and neus_train lists each story's three articles
    together: an engine fitted on that order alone never sees an undated story polluted by a
    wrong join before its own next article arrives, as it would in an interleaved stream.
    """
    out = {}
    for name, rows in data.items():
        if not any(r.get("date") for r in rows):
            copy = list(rows)
            random.Random(SHUFFLE_SEED).shuffle(copy)
            out[name.replace(".jsonl", "_shuffled.jsonl")] = copy
    return out


def examples(
    rows: list[dict], model: JoinModel | None = None, embedder: Embedder | None = None
) -> tuple[list[list[float]], list[int], float]:
    """Candidate examples of one stream, and the retrieval recall.

    Without a model the state follows the gold stories (teacher forcing); with one, the
    engine's own decisions (on-policy, as in DAgger), and a candidate is positive when most
    of its members belong to the article's gold story.
    """
    items = [item_from_row(r) for r in rows]
    gold_ids: dict[str, int] = {}
    # teacher forcing never asks the model: a neutral one stands in
    # (the merge model is never used here; passing one keeps the engine from loading the shipped
    # weights, which do not exist yet when a feature was just added)
    stand_in = model or JoinModel((0.0,) * len(FEATURES), 0.0, 0.5)
    eng = StoryEngine(model=stand_in, merge_model=stand_in, embedder=embedder)
    majority: dict[int, Counter[int]] = {}
    xs: list[list[float]] = []
    ys: list[int] = []
    found = needed = 0
    for i in stream_order(items):
        item = items[i]
        gid = gold_ids.setdefault(rows[i]["story"], len(gold_ids) + 1)
        t = trusted_time(item.published_at, eng.clock, None, eng.params.max_date_skew_hours)
        f = extract(item)
        eng._advance(t)
        vecs = eng._vecs(f, item)
        ts = t.timestamp() if t else None
        cands = eng.candidates(vecs) if not f.empty else []
        if model is None:
            needed += gid in eng.stories
            found += gid in cands
        best, best_p = None, 0.0
        solo = eng.solo()
        for sid in cands:
            x = channels(vecs, ts, eng.stories[sid], solo)
            xs.append(x)
            label = sid == gid if model is None else majority[sid].most_common(1)[0][0] == gid
            ys.append(int(label))
            p = model.prob(x) if model else 0.0
            if p > best_p:
                best, best_p = sid, p
        if model is None:
            target = gid
        elif best is not None and best_p >= model.threshold:
            target = best
        else:
            target = eng.next_id + len(rows) + 1  # a fresh id, never a gold one
        if target in eng.stories:
            eng._join(target, item, f, t, vecs)
        else:
            eng._open(item, f, t, vecs, story_id=target, index=not f.empty)
        majority.setdefault(target, Counter())[gid] += 1
    return xs, ys, found / max(needed, 1)


def replay_f1(
    rows: list[dict], join: JoinModel, merge: JoinModel, embedder: Embedder | None
) -> tuple[float, float]:
    """B-cubed F1 and precision of the product's replay (online + the default repair pass)."""
    items = [item_from_row(r) for r in rows]
    params = EngineParams()
    order = stream_order(items)
    pred = replay(
        StoryEngine(params, model=join, merge_model=merge, embedder=embedder),
        [items[i] for i in order],
        params.repair_every,
    )
    s = score([rows[i]["story"] for i in order], pred)
    return s.b3_f1, s.b3_p


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "stories")
    ap.add_argument("--write", action="store_true")
    ap.add_argument(
        "--c", type=float, default=100.0, help="inverse regularisation strength (see notes)"
    )
    ap.add_argument("--rounds", type=int, default=2, help="on-policy (DAgger) rounds")
    ap.add_argument("--threshold", type=float, default=0.5, help="join threshold while fitting")
    ap.add_argument(
        "--variant",
        choices=("lexical", "dense", "both"),
        default="both",
        help="fit the model for engines without / with the dense channel",
    )
    ap.add_argument(
        "--shuffled-copies",
        action="store_true",
        help="also train and pick thresholds on a shuffled copy of each undated dev file",
    )
    ap.add_argument(
        "--dense-copies",
        nargs="*",
        default=[],
        metavar="PER_DAY[:SPREAD]",
        help="also train and pick thresholds on a copy of each dev file re-dated to PER_DAY "
        "articles a day, each article delayed by a random time of mean SPREAD hours (default "
        "0: back to back), for each copy given (dense streams: replay.retimed, "
        "docs/quality.md)",
    )
    ap.add_argument(
        "--regime",
        choices=("burst", "spread"),
        default="burst",
        help="burst (default): train on the dev files (and any copies); spread: train only on "
        "the --dense-copies, re-dated with a seed the evaluation does not use (the model the "
        "engine switches to when a stream's stories arrive hours apart)",
    )
    ap.add_argument("--save", type=Path, help="also write the fitted variant(s) to this JSON file")
    ap.add_argument(
        "--write-from",
        type=Path,
        nargs="+",
        metavar="JSON",
        help="fit nothing: write weights.py from files that --save wrote (variants fitted in "
        "parallel processes)",
    )
    args = ap.parse_args()
    if args.write_from:
        saved: dict[str, Fitted] = {}
        for path in args.write_from:
            for name, (coef, intercept, join, merge) in json.loads(path.read_text()).items():
                saved[name] = (tuple(coef), intercept, join, merge)
        write(saved)
        return
    data = {name: load(args.data / name) for name in DEV}
    if args.shuffled_copies:
        data.update(shuffled_copies(data))
    originals = [(n, rows) for n, rows in data.items() if "_shuffled" not in n]
    seed = TRAIN_SPREAD_SEED if args.regime == "spread" else SPREAD_SEED
    copies = {}
    for spec in args.dense_copies:
        per_day, _, spread = spec.partition(":")
        copies.update(
            {
                name.replace(".jsonl", f"_at{spec.replace(':', 's')}.jsonl"): retimed(
                    rows, int(per_day), spread_hours=float(spread or 0), seed=seed
                )
                for name, rows in originals
            }
        )
    if args.regime == "spread":
        if not copies:
            raise SystemExit("--regime spread trains on copies only: give --dense-copies")
        data = copies
    else:
        data.update(copies)
    variants = ("lexical", "dense") if args.variant == "both" else (args.variant,)
    suffix = "_spread" if args.regime == "spread" else ""
    fitted_now = {v + suffix: fit_variant(args, data, v) for v in variants}
    if args.save:
        args.save.write_text(json.dumps(fitted_now, indent=1), encoding="utf-8")
    if args.write:
        write(fitted_now)


Fitted = tuple[tuple[float, ...], float, float, float]  # coef, intercept, join, merge


def fit_variant(args: argparse.Namespace, data: dict[str, list[dict]], variant: str) -> Fitted:
    embedder = load_embedder() if variant == "dense" else None
    if variant == "dense" and embedder is None:
        raise SystemExit("the dense variant needs wordllama (pip install wordllama)")
    print(f"== {variant} ==")
    X: list[list[float]] = []
    y: list[int] = []
    w: list[float] = []
    model: JoinModel | None = None
    for rnd in range(args.rounds + 1):
        for name, rows in data.items():
            xs, ys, recall = examples(rows, model, embedder)
            print(
                f"round {rnd} {name}: {len(xs)} examples, {sum(ys)} positive"
                + (f", candidate recall {recall:.3f}" if model is None else "")
            )
            X += xs
            y += ys
            w += [1.0 / len(xs)] * len(xs)
        model = fit(X, y, w, len(data) * (rnd + 1), args.c, args.threshold)
    assert model is not None
    # the merge decision uses the same model on story-vs-story channels with its own threshold:
    # a model fitted on story pairs from replays did worse (neus_train 0.83 vs 0.86 F1 for the
    # lexical variant; see docs/design-notes/clustering.md)
    means: dict[tuple[float, float], float] = {}
    for thr in THRESHOLDS:
        for mthr in MERGE_THRESHOLDS:
            res = {
                name: replay_f1(
                    rows,
                    JoinModel(model.coef, model.intercept, thr),
                    JoinModel(model.coef, model.intercept, mthr),
                    embedder,
                )
                for name, rows in data.items()
            }
            mean = sum(f for f, _ in res.values()) / len(res)
            print(
                f"join {thr} merge {mthr}: "
                + " ".join(f"{n.split('.')[0]} F1={f:.3f} P={p:.3f}" for n, (f, p) in res.items())
                + f" mean={mean:.3f}",
                flush=True,
            )
            means[(thr, mthr)] = mean
    thr, mthr = pick_thresholds(means)
    print(f"{variant}: chosen join threshold {thr}, merge threshold {mthr}")
    return tuple(model.coef), model.intercept, thr, mthr


def pick_thresholds(means: dict[tuple[float, float], float]) -> tuple[float, float]:
    """Among (join, merge) pairs whose mean dev F1 is within `TIE` of the best, the one with the
    highest merge threshold, then the highest join threshold: a wrong join costs more than a
    split, so near-ties go to precision."""
    top = max(means.values())
    return max((p for p, m in means.items() if m >= top - TIE), key=lambda p: (p[1], p[0]))


def fit(
    X: list[list[float]], y: list[int], w: list[float], groups: int, c: float, threshold: float
) -> JoinModel:
    """Logistic regression with the signs of `decision.SIGNS` (similarities >= 0, penalties
    <= 0): L2-regularised log loss, C * sum(weight * loss) + |coef|^2 / 2 as scikit-learn
    defines it, minimised by L-BFGS-B within those bounds (the intercept is free)."""
    Xa = np.array(X, dtype=float)
    ya = np.array(y, dtype=float)
    sw = np.array(w) * len(w) / groups * c
    n = Xa.shape[1]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = Xa @ theta[:n] + theta[n]
        # log(1 + e^z) - y z, stably
        value = float(sw @ (np.logaddexp(0.0, z) - ya * z)) + 0.5 * float(theta[:n] @ theta[:n])
        r = sw * (expit(z) - ya)
        grad = np.append(Xa.T @ r + theta[:n], r.sum())
        return value, grad

    bounds = [(0.0, None) if sign > 0 else (None, 0.0) for sign in SIGNS] + [(None, None)]
    res = minimize(
        loss,
        np.zeros(n + 1),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 20000, "maxfun": 40000},
    )
    if not res.success:
        print("warning: the fit did not converge:", res.message)
    coef = tuple(round(float(v), 4) for v in res.x[:n])
    intercept = round(float(res.x[n]), 4)
    print("coef", dict(zip(FEATURES, coef, strict=True)), "intercept", intercept)
    return JoinModel(coef, intercept, threshold)


def write(fitted_now: dict[str, Fitted]) -> None:
    """Write weights.py; a variant not fitted in this run keeps its shipped weights."""
    from everyside.domain.clustering import weights as shipped

    names = ("lexical", "dense", "lexical_spread", "dense_spread")
    partial = any(n not in fitted_now for n in names)
    if partial and tuple(shipped.FEATURES) != FEATURES:
        raise SystemExit("the features changed: fit every variant of both regimes")
    out = ROOT / "src" / "everyside" / "domain" / "clustering" / "weights.py"
    feats = "".join(f'    "{f}",\n' for f in FEATURES)
    body = (
        '"""Fitted weights of the story engine. Generated by tools/fit_clustering.py; '
        "do not edit.\n\nLEXICAL is for engines without an embedder, DENSE for engines with "
        "the dense channel, each\n(coefficients, intercept, join threshold, merge threshold): "
        "one logistic model decides both\narticle vs story (online) and story vs story (the "
        "repair pass), each at its own threshold.\n*_SPREAD are fitted on re-dated copies whose "
        "articles arrive hours apart (the\nengine switches to them for such streams; "
        '--regime spread)."""\n\n'
        f"FEATURES = (\n{feats})\n"
    )
    for name in names:
        coef, intercept, join, merge = fitted_now.get(name) or getattr(shipped, name.upper())
        body += (
            f"{name.upper()}: tuple[tuple[float, ...], float, float, float] = (\n    (\n"
            + "".join(f"        {c!r},\n" for c in coef)
            + f"    ),\n    {intercept!r},\n    {join!r},\n    {merge!r},\n)\n"
        )
    out.write_text(body, encoding="utf-8")
    print("wrote", out)


if __name__ == "__main__":
    main()
