"""The two axes an outlet is estimated on, and what is known about an outlet beforehand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from everyside.domain.model import bias_side, factuality_tier


@dataclass(frozen=True)
class Axis:
    """A rating scale: its name, range, how a value becomes a class (side or tier) and how
    the classes are named in the figures ("3-way side" for bias, "5-tier" for factuality)."""

    name: str
    low: float
    high: float
    to_class: Callable[[float], str]
    class_name: str
    unit: str  # how the scale is written next to an error: "−3..+3"

    class_ids: Callable[[np.ndarray], np.ndarray]  # vectorised: same class <=> same id

    def clip(self, value: float) -> float:
        return min(self.high, max(self.low, value))


def _side_ids(v: np.ndarray) -> np.ndarray:
    """-1 Left, 0 Center, +1 Right; as `bias_side` (Lean Left starts at -0.5, half away from 0)."""
    return np.where(v <= -0.5, -1, np.where(v >= 0.5, 1, 0))


def _tier_ids(v: np.ndarray) -> np.ndarray:
    """0 Very Low .. 4 Very High; as `factuality_tier` (rounded half up, clipped)."""
    return np.floor(np.clip(v, 0.0, 4.0) + 0.5).astype(int)


BIAS = Axis("bias", -3.0, 3.0, lambda v: bias_side(v).value, "side", "−3..+3", _side_ids)
FACTUALITY = Axis("factuality", 0.0, 4.0, factuality_tier, "tier", "0..4", _tier_ids)


@dataclass(frozen=True)
class OutletRecord:
    """What the store knows about one outlet before any estimate. `bias` and `factuality` are
    the combined *real* ratings (None when no rater maps that axis)."""

    domain: str
    bias: float | None = None
    factuality: float | None = None
    owners: tuple[str, ...] = ()
    country: str | None = None
    scope: str | None = None
    media_type: str | None = None
    audience: float | None = None  # audience ideology score, −1 (liberal) .. +1 (conservative)
    labels: tuple[str, ...] = ()  # rater labels without a value ("mbfc:fake-news")

    def truth(self, axis: Axis) -> float | None:
        return self.bias if axis.name == "bias" else self.factuality

    def other(self, axis: Axis) -> float | None:
        return self.factuality if axis.name == "bias" else self.bias
