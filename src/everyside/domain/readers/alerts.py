"""Followed-story alerts: a story a reader follows gets coverage from a side that had none."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

SIDES = ("left", "center", "right")


def sides_of(shares: Mapping[str, float | None]) -> set[str]:
    return {s for s in SIDES if (shares.get(s) or 0) > 0}


def encode(sides: Iterable[str]) -> str:
    return ",".join(s for s in SIDES if s in set(sides))


def decode(text: str | None) -> set[str] | None:
    """None: never checked (the first check records the sides, it does not alert)."""
    if text is None:
        return None
    return {s for s in text.split(",") if s in SIDES}


def new_sides(before: set[str] | None, now: set[str]) -> list[str]:
    """Sides covering the story now that had no coverage at the last check."""
    if before is None:
        return []
    return [s for s in SIDES if s in now and s not in before]
