"""Check that a change to the story engine leaves its output unchanged (speed work).

    .venv/bin/python tools/engine_fingerprint.py write /tmp/before.json     # on the old code
    .venv/bin/python tools/engine_fingerprint.py check /tmp/before.json     # on the new code

Replays every labelled file of the shared data folder through the product's engine (default
settings, repair pass included, as `everyside eval clustering` runs it) in each arrival order
(own, spread, shuffled: `replay.arranged`) and records the story id assigned to every article,
plus the probability of each assignment; then the same for the first `--synthetic` articles
of `everyside bench cluster`'s synthetic stream (long enough for the window's evictions, the
index's trimmed postings and the embedding ring's wrap-around, which the files are too short
or too sparse in time to reach). `check` replays again and compares: the story ids
must be equal article by article; probabilities must agree to 1e-9 (a speed change may reorder
a floating-point sum, which moves the last bits, never a decision). Exits 1 on any difference.

To take the old figures from another commit without checking it out:
`git archive COMMIT src | tar -x -C /tmp/old` and run `write` with `PYTHONPATH=/tmp/old/src`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import everyside
from everyside.bench.bench_cluster import synthetic_stream
from everyside.domain.clustering.repair import repair
from everyside.domain.clustering.replay import ORDERS, arranged, in_arrival_order
from everyside.domain.clustering.text import NewsItem
from everyside.services.embeddings import story_engine
from everyside.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "stories"
FILES = (
    "groundnews_feb2026_dev.jsonl",
    "groundnews_aug2025_dev.jsonl",
    "uci_dev.jsonl",
    "allsides_dev.jsonl",
    "neus_train.jsonl",
)
PROB_TOLERANCE = 1e-9
PER_DAY = 10_000  # the synthetic stream's rate (`bench cluster`'s default)


def _rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def replay_one(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return replay_items(in_arrival_order(rows)[0])


def replay_items(seq: list[NewsItem]) -> dict[str, list[Any]]:
    """Story id, reason and probability of each article, in this order, with the repair
    pass's merges and splits applied as `replay.replay` applies them."""
    engine = story_engine(load_settings(env={}))
    every = engine.params.repair_every
    label: list[int] = []
    probs: list[float] = []
    reasons: list[str] = []

    def run_repair() -> None:
        result = repair(engine)
        for gone, into in result.merges:
            label[:] = [into if s == gone else s for s in label]
        moved = {a: new for _, new, ids in result.splits for a in ids}
        for k, it in enumerate(seq[: len(label)]):
            if it.id in moved:
                label[k] = moved[it.id]

    for k, it in enumerate(seq):
        a = engine.add(it)
        label.append(a.story_id)
        probs.append(a.probability)
        reasons.append(a.reason)
        if every and (k + 1) % every == 0:
            run_repair()
    if every:
        run_repair()
    return {"ids": [seq[k].id for k in range(len(seq))], "story": label, "p": probs, "why": reasons}


def run(data: Path, files: list[str], synthetic: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if synthetic:
        start = time.process_time()
        stream = synthetic_stream(data, PER_DAY)
        out[f"synthetic:{synthetic}"] = replay_items([next(stream) for _ in range(synthetic)])
        cpu = time.process_time() - start
        print(f"synthetic stream: {synthetic:,} articles, {cpu:.1f} CPU s", flush=True)
    for name in files:
        original = _rows(data / name)
        for order in ORDERS:
            start = time.process_time()
            out[f"{name}:{order}"] = replay_one(arranged(original, order))
            cpu = time.process_time() - start
            print(f"{name} {order}: {len(original):,} articles, {cpu:.1f} CPU s", flush=True)
    return out


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems = []
    for key in new:
        if key not in old:
            problems.append(f"{key}: not in the recorded replay")
            continue
        a, b = old[key], new[key]
        if a["ids"] != b["ids"]:
            problems.append(f"{key}: another replay order")
            continue
        diff = [k for k, (x, y) in enumerate(zip(a["story"], b["story"], strict=True)) if x != y]
        why = [k for k, (x, y) in enumerate(zip(a["why"], b["why"], strict=True)) if x != y]
        pdiff = max((abs(x - y) for x, y in zip(a["p"], b["p"], strict=True)), default=0.0)
        if diff or why:
            problems.append(f"{key}: {len(diff)} story ids and {len(why)} reasons differ")
        if pdiff > PROB_TOLERANCE:
            problems.append(f"{key}: probabilities differ by up to {pdiff:.3g}")
        print(
            f"{key}: {len(a['story']) - len(diff):,}/{len(a['story']):,} identical, "
            f"largest probability difference {pdiff:.3g}"
        )
    return problems


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=("write", "check"))
    ap.add_argument("path", type=Path)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--files", nargs="*", default=list(FILES))
    ap.add_argument("--synthetic", type=int, default=20_000, help="articles (0: none)")
    args = ap.parse_args()
    print(f"engine code: {Path(everyside.__file__).parent}", flush=True)
    new = run(args.data, args.files, args.synthetic)
    if args.cmd == "write":
        args.path.write_text(json.dumps(new), encoding="utf-8")
        print(f"wrote {args.path}")
        return
    problems = compare(json.loads(args.path.read_text(encoding="utf-8")), new)
    for p in problems:
        print("DIFFERENT:", p)
    if problems:
        sys.exit(1)
    print("identical: every article in every file and order is assigned as before")


if __name__ == "__main__":
    main()
