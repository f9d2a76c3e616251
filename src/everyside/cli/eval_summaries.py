"""`everyside eval ...` commands (eval_summaries)."""

from __future__ import annotations

from everyside.cli.evaluate import app  # noqa: F401
