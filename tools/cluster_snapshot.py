"""Fast iteration on the story engine's speed: fill a window once, then time changes against it.

    .venv/bin/python tools/cluster_snapshot.py fill 80000 /tmp/engine.pkl
    .venv/bin/python tools/cluster_snapshot.py measure /tmp/engine.pkl --articles 8000 [--profile]

`fill` runs `bench cluster`'s synthetic stream through the default engine (repair every
`story_repair_every` articles) and pickles the engine (without its embedder). `measure` loads
it, warms the embedder's word cache on the preceding articles, then times the next `--articles`
of the same stream in CPU seconds (optionally under cProfile). At 10,000 articles a day the
7-day window is full after ~70,000 articles, so an 80,000 snapshot has the state of a long run
and loads in seconds instead of minutes. A snapshot is only valid for the code that wrote it
(pickled dataclasses); `everyside bench cluster` stays the figure of record. Figures vary by
~10 % between runs on the shared 2-core machine: compare several runs.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pickle
import pstats
import sys
import time
from pathlib import Path

from everyside.bench.bench_cluster import synthetic_stream
from everyside.domain.clustering.engine import embed_text
from everyside.domain.clustering.repair import repair
from everyside.domain.clustering.text import headline_source
from everyside.services.embeddings import load_embedder, story_engine
from everyside.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "stories"
PER_DAY = 10_000
WARM = 20_000  # articles whose words warm the embedder's cache before timing


def fill(n: int, out: Path, data: Path) -> None:
    engine = story_engine(load_settings(env={}))
    every = engine.params.repair_every
    stream = synthetic_stream(data, PER_DAY)
    start = time.process_time()
    for k in range(n):
        engine.add(next(stream))
        if every and (k + 1) % every == 0:
            repair(engine)
    print(f"filled {n:,} articles at {n / (time.process_time() - start):,.0f} per CPU second")
    engine.embedder = None  # a closure over the model: loaded again by `measure`
    sys.setrecursionlimit(100_000)
    with out.open("wb") as fh:
        pickle.dump((n, engine), fh, protocol=5)
    print(f"wrote {out} ({len(engine.stories):,} open stories)")


def measure(snapshot: Path, articles: int, profile: bool, data: Path) -> None:
    with snapshot.open("rb") as fh:
        stored, engine = pickle.load(fh)
    engine.embedder = load_embedder()
    every = engine.params.repair_every
    stream = synthetic_stream(data, PER_DAY)
    for k in range(stored):
        item = next(stream)
        if k >= stored - WARM and engine.embedder is not None:
            engine.embedder(embed_text(item, headline_source(item)[0], False))
    items = [next(stream) for _ in range(articles)]
    gc.collect()
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    start = time.process_time()
    for k, item in enumerate(items, start=stored):
        engine.add(item)
        if every and (k + 1) % every == 0:
            repair(engine)
    cpu = time.process_time() - start
    if prof:
        prof.disable()
    print(
        f"{articles / cpu:,.0f} articles per CPU second"
        + (" (under cProfile)" if prof else "")
        + f", {len(engine.stories):,} open stories"
    )
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fill")
    f.add_argument("articles", type=int)
    f.add_argument("out", type=Path)
    m = sub.add_parser("measure")
    m.add_argument("snapshot", type=Path)
    m.add_argument("--articles", type=int, default=8000)
    m.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    if args.cmd == "fill":
        fill(args.articles, args.out, args.data)
    else:
        measure(args.snapshot, args.articles, args.profile, args.data)


if __name__ == "__main__":
    main()
