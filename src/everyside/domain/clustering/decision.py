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

# The model is monotone by construction. Every feature is either a similarity (or a similarity
# scaled by a factor in [0, 1]: closeness in time, how alone the stream is, a data regime), whose
# weight the fit keeps >= 0, or a penalty of time or story shape, whose weight it keeps <= 0
# (`SIGNS`). So a join only gets likelier with more overlap, never likelier with a larger time
# gap, and with no overlap at all the probability is at most the intercept's: time alone can
# never glue two stories. With free signs the fit made a larger gap turn similarity into
# evidence *against* a join, and a dense stream glued whole hours together. Still wrong (known
# defect): the dev files' stories arrive at once, so the fitted `stale` penalty is so steep
# that a report 30 minutes after its story's last one opens a new story in a busy stream
# (docs/design-notes/clustering.md, fourth session).
FEATURES: tuple[str, ...] = (
    "title_cos",  # article headline vs the story's headline centroid
    "text_cos",  # article title+body vs the story's title+body centroid
    "ent_cos",  # heuristic entities and numbers
    "title_max",  # best match with one member headline (big stories have many phrasings)
    "dense_cos",  # article embedding vs the story's mean embedding (0 without an embedder)
    "dense_max",  # best match with one member's embedding
    # the same, scaled by near = exp(-dt / 12 h) (0 when either side is undated)
    "title_near",
    "text_near",
    "ent_near",
    "dense_near",
    # ... and by near * alone(recent): closeness in time says more when few other articles
    # arrive at the same time (1 in an empty stream, ~0 at thousands a day)
    "title_near_alone",
    "text_near_alone",
    "ent_near_alone",
    "dense_near_alone",
    # when the article or the story has no trustworthy time
    "title_undated",
    "text_undated",
    "ent_undated",
    "dense_undated",
    # when the article or the whole story has only headlines
    "title_nobody",
    "text_nobody",
    "dense_nobody",
    # penalties (weight <= 0)
    "stale",  # 1 - exp(-dt / 96 h): old stories need more overlap
    "size",  # log(1 + members) / 5: a big story's centroid matches loosely
    "size_undated",  # the same when either side is undated
    "undated",  # either side is undated
    "nobody",  # headlines only
)
PENALTIES = frozenset({"stale", "size", "size_undated", "undated", "nobody"})
SIGNS: tuple[int, ...] = tuple(-1 if f in PENALTIES else 1 for f in FEATURES)
NEAR_HOURS = 12.0
FAR_HOURS = 96.0
CROWD_HOURS = 24.0  # the stream density is the number of dated articles in this many hours
CROWD_HALF = 20.0  # alone() is 1/2 at this many articles per CROWD_HOURS


def alone(recent: int) -> float:
    """How much being close in time should count, given `recent` dated articles in the last
    `CROWD_HOURS` of stream time. A file with one story a day makes "published the same day"
    almost proof of one story; a feed reader taking thousands of articles a day sees dozens
    of unrelated stories within the hour."""
    return CROWD_HALF / (CROWD_HALF + recent)


def time_gap_hours(a: ArticleVecs, t: float | None, s: Story) -> float | None:
    """Hours between the article and the nearest edge of the story's time span."""
    first, last = s.first_ts, s.last_ts
    if t is None or first is None or last is None:
        return None
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
    if a.dense is not None and s.dense_rows is not None:
        mean, *each = (s.dense_rows @ a.dense).tolist()
        dense_cos = max(0.0, mean)
        dense_max = max(0.0, *each)
    dt = time_gap_hours(a, t, s)
    near = math.exp(-dt / NEAR_HOURS) if dt is not None else 0.0
    lone = near * solo
    undated = 1.0 if dt is None else 0.0
    no_body = 1.0 if (not a.has_body or s.body_members == 0) else 0.0
    size = math.log1p(s.n) / 5.0
    return [
        title_cos,
        text_cos,
        ent_cos,
        title_max,
        dense_cos,
        dense_max,
        title_max * near,
        text_cos * near,
        ent_cos * near,
        dense_cos * near,
        title_max * lone,
        text_cos * lone,
        ent_cos * lone,
        dense_cos * lone,
        title_max * undated,
        text_cos * undated,
        ent_cos * undated,
        dense_cos * undated,
        title_max * no_body,
        text_cos * no_body,
        dense_max * no_body,
        1.0 - math.exp(-dt / FAR_HOURS) if dt is not None else 0.0,
        size * (1.0 - undated),
        size * undated,
        undated,
        no_body,
    ]


@dataclass(frozen=True)
class JoinModel:
    """Logistic regression over `FEATURES`."""

    coef: Sequence[float]
    intercept: float
    threshold: float  # decide "same story" from this probability

    @classmethod
    def default(
        cls, *, dense: bool = False, kind: str = "join", regime: str = "burst"
    ) -> JoinModel:
        """A shipped model: `kind` "join" (article vs story, online) or "merge" (story vs story,
        the repair pass), fitted with the dense channel or for lexical channels only, for a
        stream whose stories arrive in bursts (`regime` "burst": the labelled files) or spread
        over hours ("spread": re-dated copies; see StoryEngine._note_gap)."""
        if tuple(fitted.FEATURES) != FEATURES:
            raise ValueError(
                "weights.py was fitted for other features; run tools/fit_clustering.py"
            )
        name = ("DENSE" if dense else "LEXICAL") + ("_SPREAD" if regime == "spread" else "")
        coef, intercept, join, merge = getattr(fitted, name)
        return cls(tuple(coef), intercept, merge if kind == "merge" else join)

    def prob(self, x: Sequence[float]) -> float:
        if len(x) != len(self.coef):
            raise ValueError(f"{len(x)} features for {len(self.coef)} weights")
        z = self.intercept + sum(map(mul, self.coef, x))
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))
