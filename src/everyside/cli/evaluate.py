"""`everyside evaluate ...` commands."""

from __future__ import annotations

import typer

from everyside.cli.common import app as root

app = typer.Typer(
    help="Measure quality on labelled data (stable, scriptable output).", no_args_is_help=True
)
root.add_typer(app, name="eval")
