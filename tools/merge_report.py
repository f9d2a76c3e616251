"""Which of a replay's repair merges were right, by the size of the smaller story.

    .venv/bin/python tools/merge_report.py groundnews_aug2025_dev:own uci_dev:own neus_train:spread

Replays each file in the given arrival order as the product runs it (online assignment, the
repair pass every `story_repair_every` articles and once at the end) and reads every merge the
repair pass made: a merge is "right" when the two stories' majority gold stories agree. Sizes
and majorities are those of the stories as they stood before the pass. Prints, per stream, the
right/all counts for a smaller story of < 5, 5-19 and >= 20 members. The gold `story` field is
read only here, to score; docs/design-notes/clustering.md ("Twelfth session") has the figures of
2026-12-07.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from everyside.bench.eval_clustering import read_rows
from everyside.domain.clustering.repair import repair
from everyside.domain.clustering.replay import arranged, in_arrival_order
from everyside.services.embeddings import story_engine
from everyside.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
BANDS = ((0, 5, "< 5"), (5, 20, "5-19"), (20, None, ">= 20"))


def merges(path: Path, order: str) -> list[tuple[int, bool]]:
    """(size of the smaller story, right) of every merge of the replay."""
    items, gold = in_arrival_order(arranged(read_rows(path), order))
    gold_of = dict(zip((it.id for it in items), gold, strict=True))
    settings = load_settings(env={})
    engine = story_engine(settings)
    every = settings.story_repair_every
    out: list[tuple[int, bool]] = []

    def run_repair() -> None:
        before = {
            sid: (s.n, Counter(gold_of[m.id] for m in s.members).most_common(1)[0][0])
            for sid, s in engine.stories.items()
            if s.members
        }
        for gone, into in repair(engine).merges:
            if gone in before and into in before:
                (n_a, g_a), (n_b, g_b) = before[gone], before[into]
                out.append((min(n_a, n_b), g_a == g_b))

    for k, it in enumerate(items):
        engine.add(it)
        if every and (k + 1) % every == 0:
            run_repair()
    if every:
        run_repair()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "streams", nargs="+", help="FILE:ORDER (FILE without .jsonl; order own|spread|shuffled)"
    )
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "stories")
    args = ap.parse_args()
    for stream in args.streams:
        name, _, order = stream.partition(":")
        found = merges(args.data / f"{name}.jsonl", order or "own")
        bands = []
        for lo, hi, label in BANDS:
            part = [ok for n, ok in found if n >= lo and (hi is None or n < hi)]
            bands.append(f"{label}: {sum(part)}/{len(part)}")
        right = sum(ok for _, ok in found)
        print(f"{stream}: {right}/{len(found)} merges right; smaller story {', '.join(bands)}")


if __name__ == "__main__":
    main()
