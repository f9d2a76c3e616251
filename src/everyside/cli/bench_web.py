"""`everyside bench ...` commands (bench_web)."""

from __future__ import annotations

from everyside.cli.bench import app  # noqa: F401
