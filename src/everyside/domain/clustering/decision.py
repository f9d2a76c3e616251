"""The join/new decision: similarity channels between an article and a story, and the learned
logistic model over them.

`channels()` is the one place that says what "similar" means (lexical title, lexical
title+body, entities and numbers, nearest member headline, time kernels, story size);
`JoinModel` turns those numbers into a probability with weights fitted by
`tools/fit_clustering.py` and shipped in `weights.py`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from operator import mul

from everyside.domain.clustering import weights as fitted
from everyside.domain.clustering.story import MEMBER_PROBE, ArticleVecs, Story, cosine

# Every feature is a similarity, or a similarity scaled by a time or data-shape factor: with no
# lexical overlap at all the probability is the intercept's, so time alone can never glue two
# stories (a model with a free "same day" feature learns exactly that from day-bucketed data).
FEATURES: tuple[str, ...] = (
    "title_cos",  # article headline vs the story's headline centroid
    "text_cos",  # article title+body vs the story's title+body centroid
    "ent_cos",  # heuristic entities and numbers
    "title_max",  # best match with one member headline (big stories have many phrasings)
    "text_near",  # text_cos * exp(-dt / 12 h)
    "title_near",  # title_max * exp(-dt / 12 h)
    "ent_near",  # ent_cos * exp(-dt / 12 h)
    "text_stale",  # text_cos * (1 - exp(-dt / 96 h)): old stories need more overlap
    "text_undated",  # text_cos when the article or the story has no trustworthy time
    "title_undated",  # title_max, likewise
    "text_nobody",  # text_cos when the article or the whole story has only headlines
    "title_nobody",  # title_max, likewise
    "size_dated",  # log(1 + members) / 5 * title_max, when both sides have times
    "size_undated",  # the same when either side is undated
    "ent_undated",  # ent_cos when either side is undated
    # the dense channel (sentence embeddings; 0 when the engine has no embedder)
    "dense_cos",  # article embedding vs the story's mean embedding
    "dense_max",  # best match with one member's embedding
    "dense_near",  # dense_cos * exp(-dt / 12 h)
    "dense_undated",  # dense_cos when either side is undated
    "dense_nobody",  # dense_max when the article or the whole story has only headlines
    # closeness in time says more when few other articles arrive at the same time: each
    # *_near feature again, scaled by `alone(recent)` (1 in an empty stream, ~0 in a dense one)
    "text_near_alone",
    "title_near_alone",
    "ent_near_alone",
    "dense_near_alone",
)
NEAR_HOURS = 12.0
FAR_HOURS = 96.0
CROWD_HOURS = 24.0  # the stream density is the number of dated articles in this many hours
CROWD_HALF = 20.0  # alone() is 1/2 at this many articles per CROWD_HOURS


def alone(recent: int) -> float:
    """How much being close in time should count, given `recent` dated articles in the last
    `CROWD_HOURS` of stream time. A file with one story a day makes "published the same day"
    almost proof of one story; a feed reader taking thousands of articles a day sees dozens
    of unrelated stories within the hour. Without this factor a model fitted on sparse files
    glues whole days of a dense stream together (docs/design-notes/clustering.md)."""
    return CROWD_HALF / (CROWD_HALF + recent)


def time_gap_hours(a: ArticleVecs, t: float | None, s: Story) -> float | None:
    """Hours between the article and the nearest edge of the story's time span."""
    if t is None or s.first_time is None or s.last_time is None:
        return None
    first, last = s.first_time.timestamp(), s.last_time.timestamp()
    if first <= t <= last:
        return 0.0
    return min(abs(t - first), abs(t - last)) / 3600.0


def channels(a: ArticleVecs, t: float | None, s: Story, solo: float) -> list[float]:
    """The features of `FEATURES` for article (or story) `a` at time `t` against story `s`;
    `solo` is `alone()` of the stream density at that moment."""
    title_cos = cosine(a.title, a.title_norm, s.vec_title, s.norm_title) if a.title else 0.0
    text_cos = cosine(a.text, a.text_norm, s.vec_text, s.norm_text) if a.text else 0.0
    ent_cos = cosine(a.ents, a.ents_norm, s.vec_ents, s.norm_ents) if a.ents else 0.0
    title_max = 0.0
    probe = s.members if len(s.members) <= MEMBER_PROBE else s.members[-MEMBER_PROBE:]
    if a.title:
        words = a.title.keys()
        for m in probe:
            if m.tvec and not words.isdisjoint(m.tvec):  # no shared word: cosine 0
                title_max = max(title_max, cosine(a.title, a.title_norm, m.tvec, m.tnorm))
    dense_cos = dense_max = 0.0
    if a.dense is not None and s.dense_sum is not None and s.dense_probe is not None:
        dense_cos = max(0.0, float(a.dense @ s.dense_sum) / s.dense_norm)
        dense_max = max(0.0, *(s.dense_probe @ a.dense).tolist())
    dt = time_gap_hours(a, t, s)
    near = math.exp(-dt / NEAR_HOURS) if dt is not None else 0.0
    stale = 1.0 - math.exp(-dt / FAR_HOURS) if dt is not None else 0.0
    undated = 1.0 if dt is None else 0.0
    no_body = 1.0 if (not a.has_body or s.body_members == 0) else 0.0
    return [
        title_cos,
        text_cos,
        ent_cos,
        title_max,
        text_cos * near,
        title_max * near,
        ent_cos * near,
        text_cos * stale,
        text_cos * undated,
        title_max * undated,
        text_cos * no_body,
        title_max * no_body,
        math.log1p(s.n) / 5.0 * title_max * (1.0 - undated),
        math.log1p(s.n) / 5.0 * title_max * undated,
        ent_cos * undated,
        dense_cos,
        dense_max,
        dense_cos * near,
        dense_cos * undated,
        dense_max * no_body,
        text_cos * near * solo,
        title_max * near * solo,
        ent_cos * near * solo,
        dense_cos * near * solo,
    ]


@dataclass(frozen=True)
class JoinModel:
    """Logistic regression over `FEATURES` (plus optional pairwise products `interactions`)."""

    coef: Sequence[float]
    intercept: float
    threshold: float  # decide "same story" from this probability
    interactions: Sequence[tuple[int, int]] = ()

    @classmethod
    def default(cls, *, dense: bool = False, kind: str = "join") -> JoinModel:
        """A shipped model: `kind` "join" (article vs story, online) or "merge" (story vs story,
        the repair pass), fitted with the dense channel or for lexical channels only."""
        if tuple(fitted.FEATURES) != FEATURES:
            raise ValueError(
                "weights.py was fitted for other features; run tools/fit_clustering.py"
            )
        coef, intercept, join, merge = fitted.DENSE if dense else fitted.LEXICAL
        return cls(
            tuple(coef),
            intercept,
            merge if kind == "merge" else join,
            tuple((int(i), int(j)) for i, j in fitted.INTERACTIONS),
        )

    def expand(self, x: Sequence[float]) -> list[float]:
        return list(x) + [x[i] * x[j] for i, j in self.interactions]

    def prob(self, x: Sequence[float]) -> float:
        if self.interactions:
            x = self.expand(x)
        if len(x) != len(self.coef):
            raise ValueError(f"{len(x)} features for {len(self.coef)} weights")
        z = self.intercept + sum(map(mul, self.coef, x))
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))
