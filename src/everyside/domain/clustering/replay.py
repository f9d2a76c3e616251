"""Replaying a labelled file as a stream, and the single-pass baselines it is compared with.

`stream_order` puts rows in date order (ties and missing dates keep file order: an undated row
stays right after the dated row that precedes it in the file). The baselines are single-pass
nearest-neighbour clustering: each article joins the story of its most similar earlier article
if the cosine reaches a threshold, else opens a story. The best previous article does not depend
on the threshold, so a whole threshold sweep costs one pass.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from everyside.domain.clustering.clock import arrival_order
from everyside.domain.clustering.engine import StoryEngine
from everyside.domain.clustering.repair import RepairResult, repair
from everyside.domain.clustering.text import NewsItem


def parse_time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def item_from_row(row: Mapping[str, Any]) -> NewsItem:
    """Only the fields the engine may use; the gold `story` is never copied."""
    return NewsItem(
        id=row["id"] if isinstance(row.get("id"), int | str) else "",
        title=row.get("title") if isinstance(row.get("title"), str) else None,
        text=row.get("text") if isinstance(row.get("text"), str) else None,
        published_at=parse_time(row.get("date")),
        source=row.get("source"),
        domain=row.get("domain"),
        url=row.get("url"),
        lang=row.get("lang"),
    )


def stream_order(items: Sequence[NewsItem]) -> list[int]:
    """Indices of items in replay order (`clock.arrival_order` of their published times)."""
    return arrival_order([it.published_at for it in items])


def in_arrival_order(rows: Sequence[Mapping[str, Any]]) -> tuple[list[NewsItem], list[str]]:
    """Labelled rows as the engine reads them: the items in replay order (`stream_order`) and
    the gold story of each (read only to score, never by the engine)."""
    items = [item_from_row(r) for r in rows]
    order = stream_order(items)
    return [items[i] for i in order], [rows[i]["story"] for i in order]


RETIMED_START = datetime(2020, 1, 1, tzinfo=UTC)  # a fixed epoch: re-dated streams repeat
DENSE_SPREAD_HOURS = 6.0  # the mean delay of `everyside eval clustering --per-day`
SPREAD_SEED = 11  # the random delays of re-dated streams: fixed, so a re-dated stream repeats


def retimed(
    rows: Sequence[Mapping[str, Any]],
    per_day: int,
    start: datetime = RETIMED_START,
    spread_hours: float = 0.0,
    seed: int = SPREAD_SEED,
) -> list[dict[str, Any]]:
    """The rows re-dated to arrive at `per_day` articles a day from `start`, in stream order.

    A dense stream: unrelated stories published within hours of each other, as a deployment
    reading hundreds of feeds sees them (in every dev file a story's articles arrive together:
    in one crawl batch, on one day stamp, or undated in file order). With `spread_hours`, each
    article is also published a random delay later (exponential, that mean; seeded): a story's
    articles then spread over hours and interleave with other stories, as they do in a real
    feed stream, instead of arriving back to back in file order. The rows are returned sorted
    by their new dates; labels are untouched and never read.
    """
    order = stream_order([item_from_row(r) for r in rows])
    step = timedelta(days=1) / per_day
    rng = random.Random(seed)
    dated = []
    for k, i in enumerate(order):
        delay = rng.expovariate(1.0 / spread_hours) if spread_hours else 0.0
        dated.append((start + k * step + timedelta(hours=delay), k, i))
    dated.sort()
    return [{**rows[i], "date": t.isoformat()} for t, _, i in dated]


SHUFFLE_SEED = 13  # the random order of `shuffled` streams: fixed, so they repeat
DEFAULT_PER_DAY = 5000  # articles a day of re-dated streams (`--per-day`)
ORDERS = ("own", "spread", "shuffled")


def shuffled(
    rows: Sequence[Mapping[str, Any]],
    per_day: int = DEFAULT_PER_DAY,
    start: datetime = RETIMED_START,
    seed: int = SHUFFLE_SEED,
) -> list[dict[str, Any]]:
    """The rows in a random order (seeded), re-dated to arrive at `per_day` a day in that
    order: nothing in the timing says which articles belong together, only their texts do."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    step = timedelta(days=1) / per_day
    return [{**rows[i], "date": (start + k * step).isoformat()} for k, i in enumerate(order)]


def arranged(
    rows: Sequence[Mapping[str, Any]],
    order: str,
    per_day: int = DEFAULT_PER_DAY,
    spread_hours: float = DENSE_SPREAD_HOURS,
    seed: int | None = None,
) -> list[dict[str, Any]]:
    """A labelled file as a stream in one arrival order: "own" (its own dates and order),
    "spread" (re-dated to `per_day` a day, each article delayed by a random time of mean
    `spread_hours`: stories interleave over hours as in a real feed stream) or "shuffled"."""
    if order == "own":
        return [dict(r) for r in rows]
    if order == "spread":
        return retimed(
            rows, per_day, spread_hours=spread_hours, seed=SPREAD_SEED if seed is None else seed
        )
    if order == "shuffled":
        return shuffled(rows, per_day, seed=SHUFFLE_SEED if seed is None else seed)
    raise ValueError(f"unknown order {order!r}: one of {', '.join(ORDERS)}")


def replay(
    engine: StoryEngine,
    items: Sequence[NewsItem],
    repair_every: int,
    *,
    repair_pass: Callable[[StoryEngine], RepairResult] = repair,
) -> list[int]:
    """Story label of each item, fed in the given order, as the product runs it: the repair pass
    after every `repair_every` articles (0: never) and once at the end of the stream. Merges are
    applied in order (chains resolve) and splits move their articles, as the store does.
    (`repair_pass`: `repair`, or a tool's wrapper of it that looks at each pass.)"""
    label: dict[int, int] = {}

    def run_repair() -> None:
        result = repair_pass(engine)
        for gone, into in result.merges:
            for k, sid in label.items():
                if sid == gone:
                    label[k] = into
        moved = {a: new for _, new, ids in result.splits for a in ids}
        if moved:
            for k, it in enumerate(items[: len(label)]):
                if it.id in moved:
                    label[k] = moved[it.id]

    for k, it in enumerate(items):
        label[k] = engine.add(it).story_id
        if repair_every and (k + 1) % repair_every == 0:
            run_repair()
    if repair_every:
        run_repair()
    return [label[k] for k in range(len(items))]


def nearest_previous(vectors: np.ndarray, chunk: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """For each row i of L2-normalised vectors: (index, cosine) of the most similar row j < i."""
    n = vectors.shape[0]
    best_j = np.full(n, -1, dtype=np.int64)
    best_s = np.full(n, -1.0, dtype=np.float64)
    for start in range(0, n, chunk):
        block = vectors[start : start + chunk]
        sims = block @ vectors[: start + block.shape[0]].T
        sims = np.asarray(sims.todense() if hasattr(sims, "todense") else sims, dtype=np.float64)
        for r in range(block.shape[0]):
            i = start + r
            if i == 0:
                continue
            row = sims[r, :i]
            j = int(np.argmax(row))
            best_j[i], best_s[i] = j, float(row[j])
    return best_j, best_s


def single_pass(best_j: np.ndarray, best_s: np.ndarray, threshold: float) -> list[int]:
    """Story labels of single-pass nearest-neighbour clustering at one threshold."""
    labels: list[int] = []
    for i in range(len(best_j)):
        j = int(best_j[i])
        labels.append(labels[j] if j >= 0 and best_s[i] >= threshold else i)
    return labels
