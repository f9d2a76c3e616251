"""`everyside eval ...` commands (eval_clustering)."""

from __future__ import annotations

from everyside.cli.evaluate import app  # noqa: F401
