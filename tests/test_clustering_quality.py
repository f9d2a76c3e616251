"""Pinned quality floors of the story engine on the labelled streams (B-cubed).

Each (file, arrival order) is replayed exactly as the product runs it (`everyside eval
clustering --order …`: online assignment plus the repair pass every `story_repair_every`
articles, default settings): the two real feed streams (Ground News, Feb 2026 and Aug 2025) in
their true arrival order, and the three labelled files in their own order, interleaved (re-dated
to 5,000 articles a day with delays of mean 6 h) and shuffled. The evaluation's seeds differ
from the fit's (tools/fit_clustering.py), so these are streams the fit never read.

The floors are what the engine reaches (measured 2026-12-06; the figures in the comments are
of 2026-12-07, after the repair pass's split link went from 0.08 to 0.25), rounded down a
little; they only ever move up. They were reset once, on 2026-12-06, for the second design of
the engine: on the real feed streams it went from 0.21 to 0.91 (Feb) and 0.47 to 0.85 (Aug),
on the files' own orders and interleaved copies it is below the first design, whose floors
rested on weights that failed every real stream. The issue's bars, the measured figures and
the ceilings of the text alone are in docs/quality.md.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from everyside.bench.eval_clustering import engine_scores
from everyside.domain.clustering.replay import arranged
from everyside.settings import load_settings

STORIES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "stories"

# (file, order): (B-cubed F1 floor, B-cubed precision floor), with the dense channel (default)
FLOORS = {
    ("groundnews_feb2026_dev.jsonl", "own"): (0.90, 0.97),  # measured 0.906 / 0.983 (was 0.911)
    ("groundnews_aug2025_dev.jsonl", "own"): (0.835, 0.845),  # 0.844 / 0.857
    ("uci_dev.jsonl", "own"): (0.795, 0.86),  # 0.800 / 0.873 (was 0.804)
    ("uci_dev.jsonl", "spread"): (0.685, 0.775),  # 0.694 / 0.791
    ("uci_dev.jsonl", "shuffled"): (0.705, 0.785),  # 0.709 / 0.802 (was 0.716)
    ("allsides_dev.jsonl", "own"): (0.87, 0.835),  # 0.882 / 0.846
    ("allsides_dev.jsonl", "spread"): (0.675, 0.575),  # 0.688 / 0.589
    ("allsides_dev.jsonl", "shuffled"): (0.675, 0.565),  # 0.685 / 0.575
    ("neus_train.jsonl", "own"): (0.87, 0.87),  # 0.883 / 0.881
    ("neus_train.jsonl", "spread"): (0.60, 0.485),  # 0.610 / 0.495
    ("neus_train.jsonl", "shuffled"): (0.58, 0.47),  # 0.590 / 0.483
}

# the same without the dense channel (setting story_embeddings = false): the real streams and
# the interleaved files
LEXICAL_FLOORS = {
    ("groundnews_feb2026_dev.jsonl", "own"): (0.865, 0.975),  # 0.872 / 0.984
    ("groundnews_aug2025_dev.jsonl", "own"): (0.835, 0.88),  # 0.846 / 0.892
    ("uci_dev.jsonl", "spread"): (0.685, 0.78),  # 0.696 / 0.807
    ("allsides_dev.jsonl", "spread"): (0.68, 0.605),  # 0.692 / 0.616
    ("neus_train.jsonl", "spread"): (0.64, 0.565),  # 0.653 / 0.578
}


def _rows(name: str, order: str) -> list[dict]:
    path = STORIES / name
    if not path.exists():
        pytest.fail(f"labelled data missing: {path} (shared/ must sit beside the repo)")
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return rows if order == "own" else arranged(rows, order)


def _assert_floors(name: str, order: str, dense: bool, floors: tuple[float, float]) -> None:
    settings = dataclasses.replace(load_settings(env={}), story_embeddings=dense)
    s, _ = engine_scores(_rows(name, order), settings)
    f1_floor, p_floor = floors
    where = f"{name} ({order}, {'dense' if dense else 'lexical'})"
    assert s.b3_f1 >= f1_floor, f"{where}: B-cubed F1 {s.b3_f1:.4f} fell below {f1_floor}"
    assert s.b3_p >= p_floor, f"{where}: B-cubed precision {s.b3_p:.4f} fell below {p_floor}"


@pytest.mark.quality
@pytest.mark.parametrize(("name", "order"), sorted(FLOORS))
def test_bcubed_floor(name, order):
    _assert_floors(name, order, True, FLOORS[(name, order)])


@pytest.mark.quality
@pytest.mark.parametrize(("name", "order"), sorted(LEXICAL_FLOORS))
def test_bcubed_floor_without_the_dense_channel(name, order):
    _assert_floors(name, order, False, LEXICAL_FLOORS[(name, order)])
