"""Pinned quality floors of the story engine on the labelled streams (B-cubed).

Each (file, arrival order) is replayed exactly as the product runs it (`everyside eval
clustering --order …`: online assignment plus the repair pass every `story_repair_every`
articles, default settings): the two real feed streams (Ground News, Feb 2026 and Aug 2025) in
their true arrival order, and the three labelled files in their own order, interleaved (re-dated
to 5,000 articles a day with delays of mean 6 h) and shuffled. The evaluation's seeds differ
from the fit's (tools/fit_clustering.py), so these are streams the fit never read.

The floors are what the engine reaches, rounded down a little (the figures in the comments of
the dense floors are of 2026-12-07, thirteenth session: the nearest report decides between rival
stories, `decision.DENSE_RIVAL`; "was" gives the twelfth session's. The lexical ones are of the
eighth session, "was" the seventh's); they only ever move up. They were reset once, on
2026-12-06, for the second design of the engine: on the real feed streams it went from 0.21 to
0.91 (Feb) and 0.47 to 0.85 (Aug), on the files' own orders and interleaved copies it is below
the first design, whose floors rested on weights that failed every real stream. The issue's
bars, the measured figures and the ceilings of the text alone are in docs/quality.md.
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
    ("groundnews_feb2026_dev.jsonl", "own"): (0.925, 0.975),  # 0.931 / 0.981 (was 0.930 / 0.978)
    ("groundnews_aug2025_dev.jsonl", "own"): (0.845, 0.88),  # 0.852 / 0.884 (was 0.853 / 0.887)
    ("uci_dev.jsonl", "own"): (0.795, 0.86),  # 0.799 / 0.874 (was 0.800 / 0.873)
    ("uci_dev.jsonl", "spread"): (0.69, 0.785),  # 0.700 / 0.793 (was 0.694 / 0.791)
    ("uci_dev.jsonl", "shuffled"): (0.71, 0.80),  # 0.714 / 0.811 (was 0.709 / 0.802)
    ("allsides_dev.jsonl", "own"): (0.88, 0.85),  # 0.885 / 0.856 (was 0.887 / 0.856)
    ("allsides_dev.jsonl", "spread"): (0.73, 0.665),  # 0.738 / 0.673 (was 0.729 / 0.664)
    ("allsides_dev.jsonl", "shuffled"): (0.715, 0.635),  # 0.723 / 0.643 (was 0.715 / 0.633)
    ("neus_train.jsonl", "own"): (0.875, 0.88),  # 0.881 / 0.887 (was 0.883 / 0.882)
    ("neus_train.jsonl", "spread"): (0.665, 0.58),  # 0.671 / 0.590 (was 0.664 / 0.577)
    ("neus_train.jsonl", "shuffled"): (0.64, 0.57),  # 0.647 / 0.578 (was 0.633 / 0.555)
}

# the same without the dense channel (setting story_embeddings = false): the real streams and
# the interleaved files
LEXICAL_FLOORS = {
    ("groundnews_feb2026_dev.jsonl", "own"): (0.915, 0.975),  # 0.925 / 0.981 (was 0.872)
    ("groundnews_aug2025_dev.jsonl", "own"): (0.835, 0.885),  # 0.844 / 0.893
    ("uci_dev.jsonl", "spread"): (0.685, 0.78),  # 0.696 / 0.807
    ("allsides_dev.jsonl", "spread"): (0.715, 0.665),  # 0.725 / 0.675 (was 0.692)
    ("neus_train.jsonl", "spread"): (0.675, 0.62),  # 0.683 / 0.630 (was 0.653)
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
