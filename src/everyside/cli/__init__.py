"""The command line: `everyside <group> <verb>`. One module per command group; each defines a
`typer.Typer()` named `app` (or plain commands on the root app) that registers itself on import.
Commands parse input, call the library, and print; they hold no logic of their own."""

from __future__ import annotations

import importlib
import sys

from everyside.bench.commands import root as bench_root
from everyside.cli.common import app, run_app

root = app

# Every command module, in help order. Each registers its commands on import.
COMMAND_MODULES = (
    "core",  # up, serve, migrate, import, export, config
    "outlets",  # outlets, ratings, registry
    "feeds",  # feeds, ingest
    "stories",  # stories list/show
    "evaluate",  # eval group
    "eval_summaries",
    "bench",  # bench group
    "bench_ingest",
    "bench_summaries",
    "bench_web",
)
for _name in COMMAND_MODULES:
    importlib.import_module(f"everyside.cli.{_name}")
# Measuring commands live outside the runtime packages (everyside.bench); they register on the
# `bench`/`eval` groups, and `cluster` on a group merged into the root app.
for _name in ("eval_clustering", "bench_cluster"):
    importlib.import_module(f"everyside.bench.{_name}")
root.add_typer(bench_root)


def main() -> None:
    sys.exit(run_app(app))


__all__ = ["app", "main"]
