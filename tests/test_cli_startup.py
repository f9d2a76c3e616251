"""The command line starts without loading what it does not need (issue 18): `everyside --help`
loads no database, summariser, extractor or numeric library, `everyside stories list` no
summariser or extractor; flags show no `<bool>`. Startup time itself is measured by
`everyside bench cli`, which prints numbers (no timed assertions here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = {"numpy", "scipy", "sklearn", "trafilatura", "datasketch", "httpx", "fastapi", "jinja2"}
DATABASE = {"sqlalchemy", "alembic"}


def loaded(args: list[str], cwd: Path) -> tuple[set[str], str]:
    """Top-level packages the command imported, from `python -X importtime`."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "everyside", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    names = set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names, run.stdout


def test_help_loads_no_heavy_module(tmp_path: Path) -> None:
    names, out = loaded(["--help"], tmp_path)
    assert "everyside" in names and "typer" in names  # the measurement sees imports
    assert not names & (HEAVY | DATABASE), sorted(names & (HEAVY | DATABASE))
    assert "stories" in out and "import" in out  # every command is still listed
    for group in ("eval", "bench", "outlets"):
        sub, _ = loaded([group, "--help"], tmp_path)
        assert not sub & {"trafilatura", "sklearn", "numpy"}, (group, sub & HEAVY)


def test_stories_list_loads_no_summariser_or_extractor(tmp_path: Path) -> None:
    names, out = loaded(["--data-dir", str(tmp_path), "stories", "list"], tmp_path)
    assert "sqlalchemy" in names  # it reads the database
    assert not names & HEAVY, sorted(names & HEAVY)


@pytest.mark.parametrize("args", [["--help"], ["import", "--help"], ["stories", "show", "--help"]])
def test_flags_show_no_type(args: list[str], tmp_path: Path) -> None:
    _, out = loaded(args, tmp_path)
    assert "--help" in out and "<bool>" not in out
    assert "<str>" in out or "<int>" in out or "<path>" in out or "list[" in out  # values do
