"""`everyside eval summaries`, `bench summaries` and `eval clustering --per-day` through the
real CLI app, on small slices of the labelled data written to a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from everyside.cli import app

STORIES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "stories"


def _slice(src: Path, dest: Path, stories: int) -> Path:
    keep: list[str] = []
    lines = []
    with src.open(encoding="utf-8") as f:
        for line in f:
            story = json.loads(line)["story"]
            if story not in keep:
                if len(keep) == stories:
                    break
                keep.append(story)
            lines.append(line)
    dest.write_text("".join(lines), encoding="utf-8")
    return dest


@pytest.fixture
def neus(tmp_path: Path) -> tuple[Path, Path]:
    return (
        _slice(STORIES / "neus_train.jsonl", tmp_path / "n.jsonl", 12),
        STORIES / "neus_train_summaries.jsonl",
    )


def _run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_eval_json_has_exactly_the_documented_keys(neus):
    file, refs = neus
    out = _run("eval", "summaries", str(file), "--refs", str(refs), "--json")
    objects = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [o["system"] for o in objects] == ["everyside", "lexrank", "lead"]
    for o in objects:
        assert set(o) == {"system", "rouge1", "rouge2", "rougeL", "stories"}
        assert o["stories"] == 12
        assert 0.0 < o["rouge1"] <= 1.0 and 0.0 <= o["rouge2"] <= o["rouge1"]


def test_eval_uses_the_files_own_summaries(tmp_path):
    file = _slice(STORIES / "allsides_dev.jsonl", tmp_path / "a.jsonl", 5)
    out = _run("eval", "summaries", str(file))
    assert "everyside" in out and "lexrank" in out and "lead" in out


def test_eval_without_references_is_a_clear_error(neus):
    file, _ = neus
    result = CliRunner().invoke(app, ["eval", "summaries", str(file)])
    assert result.exit_code != 0
    assert "--refs" in str(result.exception) or "--refs" in result.output


def test_eval_bad_line_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"story": "s", "id": 1, "title": "t"}\nnot json\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "summaries", str(bad)])
    assert result.exit_code != 0
    assert f"{bad}:2" in str(result.exception)


def test_bench_runs_and_prints_timings(tmp_path):
    file = _slice(STORIES / "allsides_dev.jsonl", tmp_path / "a.jsonl", 10)
    out = _run(
        "bench", "summaries", str(file), "--articles", "6", "--paragraphs", "2", "--stories", "1"
    )
    assert "median s" in out


def test_eval_clustering_per_day_redates_the_stream(tmp_path):
    """`--per-day` replays the same labelled file as a dense stream: same gold stories and
    the same JSON keys (the figures themselves are recorded in docs/quality.md)."""
    small = _slice(STORIES / "allsides_dev.jsonl", tmp_path / "a.jsonl", 20)
    args = ("eval", "clustering", str(small), "--json", "--no-baselines", "--per-day", "5000")
    out = _run(*args, "--spread-hours", "0")
    (obj,) = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert obj["gold_stories"] == 20 and 1 <= obj["predicted_stories"] <= obj["gold_stories"] * 2
    # the default spreads each story's reports over hours (the engine splits those: a known
    # defect, docs/quality.md), never more stories than articles
    (spread,) = [json.loads(line) for line in _run(*args).splitlines() if line.startswith("{")]
    assert spread.keys() == obj.keys() and spread["gold_stories"] == 20
    assert 1 <= spread["predicted_stories"] <= 60


def test_eval_clustering_order_all_prints_every_arrival_order(tmp_path):
    """`--order all` scores the file's own order, an interleaved copy and a shuffled copy in
    one run, each with its predicted and gold story counts (a stable JSON shape: the
    before-stop hook and other scripts read it)."""
    small = _slice(STORIES / "allsides_dev.jsonl", tmp_path / "a.jsonl", 20)
    out = _run("eval", "clustering", str(small), "--json", "--order", "all")
    objs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    engine = [o for o in objs if "system" not in o]
    assert [o["order"] for o in engine] == ["own", "spread", "shuffled"]
    for o in engine:
        assert o["gold_stories"] == 20 and 1 <= o["predicted_stories"] <= 60
        assert {"b3_f1", "b3_p", "b3_r", "file"} <= o.keys()
    baselines = {(o["order"], o["system"]) for o in objs if "system" in o}
    assert ("shuffled", "baseline_tfidf") in baselines
    result = CliRunner().invoke(app, ["eval", "clustering", str(small), "--order", "sideways"])
    assert result.exit_code != 0
    assert "unknown order" in str(result.exception) + result.output


def test_bench_cluster_runs_and_prints_rate_stories_and_memory():
    """A small `bench cluster` (the real one stores 1,000,000 articles; docs/performance.md)."""
    out = _run("bench", "cluster", "--stored", "300", "--measure", "100", "--data", str(STORIES))
    text = " ".join(out.split())  # rich wraps long lines
    assert "articles per CPU second" in text and "peak memory" in text
    assert "the largest has" in text
