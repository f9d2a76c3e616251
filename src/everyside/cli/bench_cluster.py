"""`everyside bench ...` commands (bench_cluster)."""

from __future__ import annotations

from everyside.cli.bench import app  # noqa: F401
