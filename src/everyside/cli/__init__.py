"""The command line: `everyside <group> <verb>`. One module per command group; each defines a
`typer.Typer()` named `app` (or plain commands on the root app) that registers itself on import.
Commands parse input, call the library, and print; they hold no logic of their own."""

from __future__ import annotations

import importlib
import sys

from everyside.cli.common import app, run_app

# Every command module, in help order. Each registers its commands on import.
COMMAND_MODULES = (
    "core",  # up, serve, migrate, import, export, config
    "outlets",  # outlets, ratings, registry
    "feeds",  # feeds, ingest
    "stories",  # stories list/show
    "evaluate",  # eval group
    "eval_clustering",
    "eval_summaries",
    "eval_lean",
    "bench",  # bench group
    "bench_cluster",
    "bench_ingest",
    "bench_summaries",
    "bench_web",
)
for _name in COMMAND_MODULES:
    importlib.import_module(f"everyside.cli.{_name}")


def main() -> None:
    sys.exit(run_app(app))


__all__ = ["app", "main"]
