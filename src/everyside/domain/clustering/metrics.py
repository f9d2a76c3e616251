"""Clustering quality measures: B-cubed precision/recall/F1, pairwise F1 and the adjusted Rand
index, from two parallel label sequences (gold and predicted)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Scores:
    b3_p: float
    b3_r: float
    b3_f1: float
    pairwise_f1: float
    ari: float
    gold_stories: int
    predicted_stories: int


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(n: int) -> float:
    return n * (n - 1) / 2


def score(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> Scores:
    if len(gold) != len(pred):
        raise ValueError("gold and predicted labels differ in length")
    n = len(gold)
    joint = Counter(zip(gold, pred, strict=True))
    g_size = Counter(gold)
    p_size = Counter(pred)
    if n == 0:
        return Scores(1.0, 1.0, 1.0, 1.0, 1.0, 0, 0)
    # B-cubed: every item in cell (g, p) has precision |cell|/|p| and recall |cell|/|g|
    b3_p = sum(c * c / p_size[p] for (_, p), c in joint.items()) / n
    b3_r = sum(c * c / g_size[g] for (g, _), c in joint.items()) / n
    same_both = sum(_pairs(c) for c in joint.values())
    same_gold = sum(_pairs(c) for c in g_size.values())
    same_pred = sum(_pairs(c) for c in p_size.values())
    pw_p = same_both / same_pred if same_pred else 1.0
    pw_r = same_both / same_gold if same_gold else 1.0
    total = _pairs(n)
    expected = same_gold * same_pred / total if total else 0.0
    max_index = (same_gold + same_pred) / 2
    ari = (same_both - expected) / (max_index - expected) if max_index != expected else 1.0
    return Scores(b3_p, b3_r, _f1(b3_p, b3_r), _f1(pw_p, pw_r), ari, len(g_size), len(p_size))
