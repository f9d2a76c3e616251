"""`everyside eval summaries FILE.jsonl [--refs REFS.jsonl] [--json]`: ROUGE of our summaries
and of the LexRank and lead baselines against reference summaries, on gold stories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from everyside.bench.commands import console
from everyside.bench.commands import eval_app as app
from everyside.errors import InputError


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every JSON object of a JSON Lines file (blank lines skipped)."""
    if not path.is_file():
        raise InputError("no such file; give the path of a JSON Lines file", path=str(path))
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise InputError(
                    f"not JSON ({e.msg}); fix the line", path=str(path), line=number
                ) from e
    return rows


def read_references(path: Path) -> dict[str, str]:
    """{story: summary} from a file of {story, headline, summary} lines."""
    refs: dict[str, str] = {}
    for number, row in enumerate(read_jsonl(path), start=1):
        if "story" not in row or "summary" not in row:
            raise InputError("each line needs 'story' and 'summary'", path=str(path), line=number)
        refs[str(row["story"])] = row["summary"]
    return refs


@app.command("summaries")
def eval_summaries(
    file: Path = typer.Argument(..., help="Articles (JSONL) with a gold `story` field."),
    refs: Path | None = typer.Option(
        None,
        "--refs",
        help="Reference summaries {story, headline, summary} (JSONL); "
        "default: the file's own `summary` field.",
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per system."),
) -> None:
    """ROUGE-1/2/L F1 of everyside's summaries, LexRank and a lead baseline."""
    from everyside.bench.summary_rouge import METRICS, evaluate, group_rows

    rows = read_jsonl(file)
    try:
        stories, own = group_rows(rows)
    except KeyError as e:
        raise InputError(f"every line needs {e.args[0]!r}", path=str(file)) from e
    references = read_references(refs) if refs else own
    if not references:
        raise InputError("no reference summaries: pass --refs REFS.jsonl", path=str(file))
    results = evaluate(stories, references)
    if as_json:
        for r in results:
            print(json.dumps(r))
        return
    table = Table(title=f"Summaries vs references ({results[0]['stories']} stories)")
    table.add_column("system")
    for m in METRICS:
        table.add_column(f"{m} F1", justify="right")
    for r in results:
        table.add_row(r["system"], *(f"{r[m]:.4f}" for m in METRICS))
    console.print(table)
