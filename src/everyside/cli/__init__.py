"""The command line: `everyside <group> <verb>`. One module per command group; each defines a
`typer.Typer()` named `app` (or plain commands on the root app) that registers itself on import.
Commands parse input, call the services, and print; they hold no logic of their own.

The `eval` and `bench` groups live outside the runtime packages, in `everyside.bench`; they are
mounted here.
"""

from __future__ import annotations

import sys

# Each command module registers its commands on import, in help order.
from everyside.bench import (  # noqa: F401
    bench_cli,
    bench_cluster,
    bench_ingest,
    bench_summaries,
    bench_web,
    eval_clustering,
    eval_lean,
    eval_summaries,
)
from everyside.bench.commands import bench_app, eval_app
from everyside.cli import core, feeds, outlets, readers, stories  # noqa: F401
from everyside.cli.common import app, run_app

app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")


def main() -> None:
    sys.exit(run_app(app))


__all__ = ["app", "main"]
