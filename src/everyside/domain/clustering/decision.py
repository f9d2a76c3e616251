"""The join/new decision: how similar an article is to a candidate story, and the learned
logistic model that turns that into a probability.

`channels()` is the one place that says what "similar" means. Evidence comes from the story's
individual members (the best signature match, the best embedding match, the best match of
names and numbers: `MemberEvidence`, found by the index) and from the story as a whole (its
title+body centroid and mean embedding). Time only ever scales similarity: each similarity also
enters multiplied by a closeness in [0, 1], so being close in time makes a text match count
more, and being far never counts *against* one. Two closenesses:

- in the stream: 1 / (1 + g / SEQ_SCALE), g = articles that arrived since the story's last
  update. How busy the stream is is built in: at 5,000 articles a day an hour is ~200
  articles, at 50 a day it is one. It also serves undated articles, whose only clock is order.
- in published time: 1 / (1 + h / HOURS_SCALE), h = hours between the article and the story's
  span (0 inside it); 0 when either side is undated.

The model is monotone by construction (every weight >= 0, `SIGNS`): more overlap never lowers
the probability, and with no overlap the probability is the intercept's whatever the time, so
time alone never glues two stories. Between candidates one comparison is added outside the
model (`DENSE_RIVAL`): a story's odds drop when another candidate holds a report more like the
article, never rise, so a better match with *this* story still never lowers its probability.
There is no size feature: a 300-article story keeps growing while its reports match it. Weights
are fitted by `tools/fit_clustering.py` on a mix of arrival orders (each file's own order,
interleaved re-dated copies, shuffled copies and the real feed streams) and shipped in
`weights.py`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from operator import mul

from everyside.domain.clustering import weights as fitted
from everyside.domain.clustering.story import ArticleVecs, Story, cosine

FEATURES: tuple[str, ...] = (
    "text_max",  # best signature cosine with one member of the story
    "dense_max",  # best embedding match with one member (rescaled, see dense_scale)
    "ent_max",  # best match of names and numbers with one member
    "text_cent",  # cosine of the article's signature with the story's title+body centroid
    "dense_cent",  # embedding vs the story's mean embedding (rescaled)
    # scaled by closeness in the stream
    "text_max_seq",
    "text_cent_seq",
    "dense_max_seq",
    "ent_max_seq",
    # scaled by closeness in published time
    "text_max_hours",
    "text_cent_hours",
)
SIGNS: tuple[int, ...] = tuple(1 for _ in FEATURES)
SEQ_SCALE = 20.0  # articles
HOURS_SCALE = 6.0  # hours
DENSE_FLOOR = 0.5  # embedding cosines of unrelated news texts sit around here
# The nearest report decides between rivals (thirteenth session, 2026-12-07): a candidate
# story's log-odds drop by DENSE_RIVAL x (the best embedding match among all the article's
# candidate stories - this story's best embedding match, both rescaled), so the story holding
# the report most like the article keeps its odds and a story that only matches through its
# centroid or weaker members loses some. What the single-pass baseline does (join the story of
# the nearest earlier article), as a preference rather than the whole decision. Not a feature of
# the fitted model (it compares candidates with each other, the fit reads one candidate at a
# time): chosen by direct search on the fit tool's objective (its training streams, seeds 12 and
# 14) — weighted mean B-cubed F1 0.8044 -> 0.8061 / 0.8070 / 0.8065 at 2 / 3 / 4 (4: uci_dev own
# -0.013); the same on the text match (2: 0.8048) or on names (floors fell) helped less. Without
# the dense channel the term is 0.
DENSE_RIVAL = 3.0


def rival_offset(dense: float, best_dense: float) -> float:
    """The log-odds a candidate loses to the best embedding match among its rivals
    (`DENSE_RIVAL`; both arguments rescaled by `dense_scale`)."""
    return DENSE_RIVAL * (dense - best_dense)


def dense_scale(cos: float) -> float:
    """An embedding cosine rescaled so unrelated texts score ~0 and identical ones 1."""
    return max(0.0, (cos - DENSE_FLOOR) / (1.0 - DENSE_FLOOR))


@dataclass
class MemberEvidence:
    """The best single-member matches of an article within one candidate story."""

    text: float = 0.0
    dense: float = 0.0  # rescaled
    ent: float = 0.0

    def update(self, text: float, dense: float, ent: float) -> None:
        if text > self.text:
            self.text = text
        if dense > self.dense:
            self.dense = dense
        if ent > self.ent:
            self.ent = ent


def time_gap_hours(t: float | None, s: Story) -> float | None:
    """Hours between a time and the nearest edge of the story's span (0 inside it)."""
    first, last = s.first_ts, s.last_ts
    if t is None or first is None or last is None:
        return None
    if first <= t <= last:
        return 0.0
    return min(abs(t - first), abs(t - last)) / 3600.0


def closeness(gap_articles: int, gap_hours: float | None) -> tuple[float, float]:
    seq = 1.0 / (1.0 + max(0, gap_articles) / SEQ_SCALE)
    hours = 0.0 if gap_hours is None else 1.0 / (1.0 + gap_hours / HOURS_SCALE)
    return seq, hours


def channels(
    a: ArticleVecs, ev: MemberEvidence, s: Story, gap_articles: int, t: float | None
) -> list[float]:
    """The features of `FEATURES` for article (or story) `a` against story `s`."""
    # the article's signature (its heaviest terms, unit length) against the centroid: the
    # full vector of a long text costs ten times as much for the same ranking
    cent = cosine(a.text_sig, 1.0, s.vec_text, s.norm_text) if a.text_sig else 0.0
    dcent = 0.0
    if a.dense is not None and s.dense_sum is not None:
        dcent = dense_scale(float(s.dense_sum.dot(a.dense)) / s.dense_norm)
    seq, hours = closeness(gap_articles, time_gap_hours(t, s))
    return [
        ev.text,
        ev.dense,
        ev.ent,
        cent,
        dcent,
        ev.text * seq,
        cent * seq,
        ev.dense * seq,
        ev.ent * seq,
        ev.text * hours,
        cent * hours,
    ]


@dataclass(frozen=True)
class JoinModel:
    """Logistic regression over `FEATURES`."""

    coef: Sequence[float]
    intercept: float
    threshold: float  # decide "same story" from this probability

    @classmethod
    def default(cls, *, dense: bool = False, kind: str = "join") -> JoinModel:
        """A shipped model: `kind` "join" (article vs story, online) or "merge" (story vs story,
        the repair pass), fitted with the dense channel or for lexical channels only."""
        if tuple(fitted.FEATURES) != FEATURES:
            raise ValueError(
                "weights.py was fitted for other features; run tools/fit_clustering.py"
            )
        coef, intercept, join, merge = fitted.DENSE if dense else fitted.LEXICAL
        return cls(tuple(coef), intercept, merge if kind == "merge" else join)

    def logit(self, x: Sequence[float]) -> float:
        if len(x) != len(self.coef):
            raise ValueError(f"{len(x)} features for {len(self.coef)} weights")
        return self.intercept + sum(map(mul, self.coef, x))

    def prob(self, x: Sequence[float], offset: float = 0.0) -> float:
        """The probability for features `x`, with `offset` added to the log-odds."""
        z = self.logit(x) + offset
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))
