"""`everyside bench cluster`: throughput and peak memory of story assignment at scale.

A synthetic stream is generated from the labelled dev files: each pass over them is shifted in
time (so the stream runs at `--per-day` articles a day) and perturbed (words dropped, one
pass-specific token added to every story), so stories of different passes do not coincide and
the vocabulary keeps growing as in real news. `--stored` articles are assigned first (the
engine's window then holds what a real deployment would hold after that history), then the
next `--measure` articles are timed. Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import json
import random
import resource
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from everyside.bench.commands import bench_app as app
from everyside.bench.commands import console, state
from everyside.errors import InputError

if TYPE_CHECKING:
    from everyside.domain.clustering import NewsItem

DEV_FILES = ("uci_dev.jsonl", "allsides_dev.jsonl", "neus_train.jsonl")


def _default_data() -> Path:
    return Path(__file__).resolve().parents[3].parent / "shared" / "data" / "stories"


def _perturb(text: str | None, rng: random.Random, tag: str) -> str | None:
    if not text:
        return text
    words = [w for w in text.split() if rng.random() > 0.12]
    if words:
        words.insert(rng.randrange(len(words) + 1), tag)
    return " ".join(words)


def synthetic_stream(data: Path, per_day: int, seed: int = 7) -> Iterator[NewsItem]:
    """An endless, time-ordered stream of perturbed copies of the dev articles."""
    from everyside.domain.clustering import NewsItem
    from everyside.domain.clustering.replay import item_from_row

    base = []
    for name in DEV_FILES:
        path = data / name
        if not path.exists():
            raise InputError("labelled dev file missing; pass --data", path=str(path))
        with path.open(encoding="utf-8") as fh:
            base += [(json.loads(line)) for line in fh if line.strip()]
    rng = random.Random(seed)
    step = timedelta(days=1) / per_day
    t = datetime(2020, 1, 1, tzinfo=UTC)
    n = 0
    epoch = 0
    while True:
        for row in base:
            item = item_from_row(row)
            # one story, one pass: one token (crc32, not hash(): the same stream in every run)
            tag = f"Zq{epoch}x{zlib.crc32(str(row.get('story')).encode()) % 9973}"
            yield NewsItem(
                id=n,
                title=_perturb(item.title, rng, tag),
                text=_perturb(item.text, rng, tag),
                published_at=t,
                source=item.source,
                domain=item.domain,
                url=None,
                lang=item.lang,
            )
            n += 1
            t += step
        epoch += 1


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@app.command("cluster")
def bench_cluster(
    ctx: typer.Context,
    stored: int = typer.Option(1_000_000, help="Articles assigned before the measurement."),
    measure: int = typer.Option(20_000, help="Articles timed after that."),
    per_day: int = typer.Option(10_000, help="Synthetic articles per day of stream time."),
    data: Path = typer.Option(None, help="Folder of the labelled dev files."),
) -> None:
    """Print articles/s and peak memory of assignment after `--stored` articles."""
    from everyside.domain.clustering.repair import repair
    from everyside.services.embeddings import story_engine

    engine = story_engine(state(ctx).settings())
    params = engine.params
    stream = synthetic_stream(data or _default_data(), per_day)
    every = params.repair_every  # the repair pass is part of assignment, as in the product

    def add(k: int) -> None:
        engine.add(next(stream))
        if every and (k + 1) % every == 0:
            repair(engine)

    start = time.perf_counter()
    for i in range(stored):
        add(i)
        if i and i % 100_000 == 0:
            rate = i / (time.perf_counter() - start)
            console.print(
                f"stored {i:,}: {rate:,.0f} articles/s, {len(engine.stories):,} open "
                f"stories, peak {_peak_mib():,.0f} MiB"
            )
    fill = time.perf_counter() - start
    start, cpu_start = time.perf_counter(), time.process_time()
    for k in range(stored, stored + measure):
        add(k)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    console.print(
        f"articles stored before measuring: {stored:,} ({stored / max(fill, 1e-9):,.0f}"
        f" articles/s overall)"
    )
    biggest = max((s.n for s in engine.stories.values()), default=0)
    console.print(
        f"open stories in the window: {len(engine.stories):,} "
        f"(window {params.window_days:g} days at {per_day:,} articles/day); "
        f"the largest has {biggest:,} articles (a few huge ones mean a glued, degenerate stream)"
    )
    console.print(
        f"assignment (with the repair pass every {every} articles): "
        f"{measure / elapsed:,.0f} articles/s wall clock, "
        f"{measure / max(cpu, 1e-9):,.0f} articles per CPU second (one core)"
    )
    console.print(f"peak memory: {_peak_mib():,.0f} MiB")
