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
# Loaded only by the `bench`/`eval` groups, or by the first URL that needs a public suffix.
MEASURING = {
    "everyside.bench.bench_cli",
    "everyside.bench.eval_clustering",
    "everyside.bench.bench_web",
}


def loaded(args: list[str], cwd: Path) -> tuple[set[str], str]:
    """Top-level packages and full module names the command imported (`python -X importtime`)."""
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
            module = line.rsplit("|", 1)[1].strip()
            names.update({module, module.split(".")[0]})
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
    assert not names & (MEASURING | {"tldextract"}), sorted(names & (MEASURING | {"tldextract"}))


def test_measuring_commands_load_with_their_group(tmp_path: Path) -> None:
    """`bench` and `eval` still list (and run) every command: their modules load on demand."""
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from everyside.cli import app\n"
        "out = CliRunner().invoke(app, sys.argv[1:], env={'COLUMNS': '120'}).output\n"
        "print(sorted(m for m in sys.modules if m.startswith('everyside.bench.')))\n"
        "print(out)\n"
    )

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            capture_output=True, text=True, timeout=120, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    assert not any(m in run("--help") for m in MEASURING)
    out = run("bench", "--help")
    assert all(m in out for m in MEASURING) and "cluster" in out and "ingest" in out
    out = run("eval", "--help")
    assert "clustering" in out and "lean" in out and "summaries" in out


@pytest.mark.parametrize("args", [["--help"], ["import", "--help"], ["stories", "show", "--help"]])
def test_flags_show_no_type(args: list[str], tmp_path: Path) -> None:
    _, out = loaded(args, tmp_path)
    assert "--help" in out and "<bool>" not in out
    assert "<str>" in out or "<int>" in out or "<path>" in out or "list[" in out  # values do
