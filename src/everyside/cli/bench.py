"""`everyside bench ...` commands."""

from __future__ import annotations

import typer

from everyside.cli.common import app as root

app = typer.Typer(help="Benchmarks: print throughput and memory figures.", no_args_is_help=True)
root.add_typer(app, name="bench")
