"""The `bench` and `eval` command groups and what their commands share (console, settings).

The command line (`everyside.cli`) mounts these groups; nothing here imports the command line,
so the measuring code stays out of the runtime packages without a cycle. `state(ctx)` is the
command line's per-invocation state (settings and store), found on the root context.
"""

from __future__ import annotations

from typing import Any, Protocol

import typer
from rich.console import Console


class CliState(Protocol):
    def settings(self, **more: Any) -> Any: ...

    def store(self, migrate: bool | None = None) -> Any: ...


bench_app = typer.Typer(
    help="Benchmarks: print throughput and memory figures.", no_args_is_help=True
)
eval_app = typer.Typer(
    help="Measure quality on labelled data (stable, scriptable output).", no_args_is_help=True
)
console = Console()
err_console = Console(stderr=True)


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    assert obj is not None and hasattr(obj, "settings"), "run through the everyside command line"
    return obj  # type: ignore[no-any-return]
