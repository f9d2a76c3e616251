"""The command line shared by the tools that replay labelled files in an arrival order given as
FILE:ORDER (FILE without .jsonl, ORDER own|spread|shuffled; own when left out)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from everyside.bench.eval_clustering import read_rows
from everyside.domain.clustering.replay import arranged

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "stories"


def labelled_streams(doc: str | None) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(FILE:ORDER, the file's rows in that order) for each stream named on the command line."""
    ap = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "streams", nargs="+", help="FILE:ORDER, FILE without .jsonl (own|spread|shuffled)"
    )
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    for spec in args.streams:
        name, _, order = spec.partition(":")
        yield spec, arranged(read_rows(args.data / f"{name}.jsonl"), order or "own")
