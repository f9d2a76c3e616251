"""`everyside stories ...` commands."""

from __future__ import annotations

import typer

from everyside.cli.common import app as root

app = typer.Typer(help="stories commands.", no_args_is_help=True)
root.add_typer(app, name="stories")
