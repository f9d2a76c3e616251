"""`everyside bench cli`: how long the command line takes to start (wall clock of real
subprocesses: `everyside --help` and `everyside stories list` over an empty database)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

import typer

from everyside.bench.commands import bench_app as app
from everyside.bench.commands import console


def _seconds(args: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "everyside", *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "COLUMNS": "120"},
        )
        out.append(time.perf_counter() - start)
    return out


@app.command("cli")
def bench_cli(runs: int = typer.Option(5, min=1, help="Runs of each command.")) -> None:
    """Print the median and best start-up time of `--help` and `stories list`."""
    with tempfile.TemporaryDirectory() as tmp:
        _seconds(["--data-dir", tmp, "stories", "list"], 1)  # creates the database once
        for label, args in (
            ("everyside --help", ["--help"]),
            ("everyside stories list", ["--data-dir", tmp, "stories", "list"]),
        ):
            t = _seconds(args, runs)
            console.print(
                f"{label}: median {statistics.median(t):.3f}s, best {min(t):.3f}s "
                f"over {runs} runs (load average {os.getloadavg()[0]:.1f})"
            )
