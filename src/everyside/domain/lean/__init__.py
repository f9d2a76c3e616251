"""Estimated lean (and factuality) for outlets no rater covers — always labelled "estimated".

Several signals each give an opinion on an unrated outlet, and how much each one counts is
learned by cross-validation on the rated outlets (their real ratings hidden in turn):

- `owner`: the mean rating of the outlets its owner also owns (`signals.owner_signal`);
- `audience`: the ideology of the outlet's Twitter audience (Robertson et al.), a measure of who
  reads it rather than a rating of what it says;
- `labels`: what raters said on the *other* axis or without a lean (MBFC "questionable"): rated
  outlets with the same labels;
- `profile`: rated outlets of the same country, scope (local/national) and media type;
- `cocoverage`: which stories it covers, compared with the rated outlets covering the same
  stories (and the story's fragments, `cocoverage.story_neighbours`);
- `wording`: a text classifier over its own articles (not wire copies), trained on the articles
  of rated outlets in the store.

`combine.estimate_axis` returns an estimate (value, expected error, evidence) or "not enough
evidence" for every unrated outlet, plus the leave-one-out figures of each method and of the
combination. Pure: plain values in, plain values out; numpy and scipy only.
"""

from everyside.domain.lean.axes import BIAS, FACTUALITY, Axis, OutletRecord
from everyside.domain.lean.cocoverage import StoryEvidence, story_neighbours
from everyside.domain.lean.combine import (
    Abstain,
    AxisResult,
    Estimate,
    EstimateParams,
    MethodScore,
    estimate_axis,
)
from everyside.domain.lean.wording import TextEvidence, own_texts

__all__ = [
    "BIAS",
    "FACTUALITY",
    "Abstain",
    "Axis",
    "AxisResult",
    "Estimate",
    "EstimateParams",
    "MethodScore",
    "OutletRecord",
    "StoryEvidence",
    "TextEvidence",
    "estimate_axis",
    "own_texts",
    "story_neighbours",
]
