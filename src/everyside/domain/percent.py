"""Whole percentages that add up to 100 (largest-remainder rounding, the Hare quota), and the
tidy spacing of generated sentences.

Rounding each share on its own shows three equal sides as 33% + 33% + 33% = 99%; the largest
remainder method floors every share and gives the missing points to the largest fractional
parts (ties: the earlier item), so the shown numbers always sum to 100.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence


def largest_remainder(values: Sequence[float], total: int = 100) -> list[int]:
    """Non-negative `values` scaled to whole numbers summing to `total` (all 0 if none > 0)."""
    clean = [max(0.0, float(v)) for v in values]
    s = sum(clean)
    if s <= 0:
        return [0] * len(clean)
    raw = [v * total / s for v in clean]
    out = [math.floor(r) for r in raw]
    short = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[:short]:
        out[i] += 1
    return out


def percentages(shares: Mapping[str, float | None]) -> dict[str, int | None]:
    """Shares of one whole (summing to 1) as whole percentages summing to 100; a None share stays
    None. Shares that are not parts of one whole are rounded one by one."""
    known = {k: v for k, v in shares.items() if v is not None}
    if not known:
        return {k: None for k in shares}
    s = sum(known.values())
    if abs(s - 1.0) > 1e-3:
        rounded = {k: round(v * 100) for k, v in known.items()}
    else:
        rounded = dict(zip(known, largest_remainder(list(known.values())), strict=True))
    return {k: rounded.get(k) for k in shares}


_BEFORE_PUNCT = re.compile(r"(?<=\S)[ \t\u00a0]+([,;:!?]|\.(?!\.))(?=\s|$|[\"'”’)])")


def tidy_spacing(text: str) -> str:
    """No space before a comma, semicolon, colon, question or exclamation mark, or a full stop
    (text extracted from HTML often keeps one where a link ended: "Micro Devices , predicted")."""
    return _BEFORE_PUNCT.sub(r"\1", text)
