"""`everyside bench ...` commands (the group lives in everyside.bench.commands)."""

from __future__ import annotations

from everyside.bench.commands import bench_app as app
from everyside.cli.common import app as root

root.add_typer(app, name="bench")
