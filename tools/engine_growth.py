"""What the story engine holds, and where its time goes, as the history grows.

    .venv/bin/python tools/engine_growth.py 400000 --every 25000

Runs `everyside bench cluster`'s synthetic stream through the default engine (repair pass every
`story_repair_every` articles, as the product runs it) and prints, every `--every` articles:
the CPU rate of assignment alone and the CPU seconds of the repair pass in that stretch, the
resident memory (current and peak), and the size of each table that could grow with history:
open stories and the largest three, members kept by the stories (up to `MEMBER_CAP` each),
the document-frequency table, the index's postings and slots, the boilerplate filter's texts
and references, the term cache. A table that keeps growing while open stories stay flat is
what to look at (tenth session: the kept members; docs/performance.md).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from everyside.bench.bench_cluster import synthetic_stream
from everyside.domain.clustering import text as clustering_text
from everyside.domain.clustering.repair import repair
from everyside.services.embeddings import story_engine
from everyside.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "stories"
PER_DAY = 10_000  # the bench stream's default rate


def _rss_mib() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return -1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("articles", type=int)
    ap.add_argument("--every", type=int, default=25_000)
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    engine = story_engine(load_settings(env={}))
    every = engine.params.repair_every
    stream = synthetic_stream(args.data, PER_DAY)
    t_add = t_repair = 0.0
    for k in range(args.articles):
        item = next(stream)
        start = time.process_time()
        engine.add(item)
        added = time.process_time()
        t_add += added - start
        if every and (k + 1) % every == 0:
            repair(engine)
            t_repair += time.process_time() - added
        if (k + 1) % args.every:
            continue
        stories = engine.stories.values()
        largest = sorted((s.n for s in stories), reverse=True)[:3]
        boiler = engine.boiler
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(
            f"{k + 1:>9,} | add {args.every / max(t_add, 1e-9):,.0f}/CPU s, repair "
            f"{t_repair:.1f} CPU s | RSS {_rss_mib():,} MiB (peak {peak:,}) | stories "
            f"{len(engine.stories):,} (largest {largest}), kept members "
            f"{sum(len(s.members) for s in stories):,} | dfs {len(engine.dfs.df):,} keys, "
            f"postings {len(engine.index.postings):,}, index slots {len(engine.index):,} | "
            f"boilerplate texts {len(boiler._seen):,}, refs {len(boiler._refs):,} | "
            f"term cache {len(clustering_text._TERM_CACHE):,}",
            flush=True,
        )
        t_add = t_repair = 0.0


if __name__ == "__main__":
    main()
