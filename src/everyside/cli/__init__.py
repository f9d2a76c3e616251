"""The command line: `everyside <group> <verb>`. One module per command group; each defines a
`typer.Typer()` named `app` (or plain commands on the root app) that registers itself on import.
Commands parse input, call the services, and print; they hold no logic of their own.

The `eval` and `bench` groups live outside the runtime packages, in `everyside.bench`; they are
mounted here and their modules load only when one of the two groups runs (or lists its commands),
so `everyside --help` and everyday commands don't pay for the measuring code's imports.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click
import typer
from typer.core import TyperGroup

from everyside.bench.commands import bench_app, eval_app
from everyside.cli import core, feeds, outlets, readers, stories  # noqa: F401
from everyside.cli.common import app, run_app

# The modules that register the `bench` and `eval` commands, in help order.
MEASURING_MODULES: tuple[str, ...] = (
    "bench_cli",
    "bench_cluster",
    "bench_distributed",
    "bench_ingest",
    "bench_summaries",
    "bench_web",
    "eval_clustering",
    "eval_lean",
    "eval_summaries",
)


def load_measuring_commands() -> None:
    """Import the `bench` and `eval` modules (each registers its commands on import)."""
    for name in MEASURING_MODULES:
        importlib.import_module(f"everyside.bench.{name}")


def _lazy_group(source: typer.Typer) -> type[TyperGroup]:
    """A click group whose commands are built from `source` the first time they are asked for."""

    class LazyGroup(TyperGroup):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._loaded = False

        def _load(self) -> None:
            if self._loaded:
                return
            self._loaded = True
            load_measuring_commands()
            built = typer.main.get_group(source)
            self.commands.update(built.commands)

        def list_commands(self, ctx: click.Context) -> list[str]:
            self._load()
            return super().list_commands(ctx)

        def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
            self._load()
            return super().get_command(ctx, cmd_name)

    return LazyGroup


app.add_typer(eval_app, name="eval", cls=_lazy_group(eval_app))
app.add_typer(bench_app, name="bench", cls=_lazy_group(bench_app))


def main() -> None:
    sys.exit(run_app(app))


__all__ = ["app", "load_measuring_commands", "main"]
