"""The raters of the bundled directory and how each one's labels map to everyside's scales.

Bias is −3 (Far Left) .. +3 (Far Right); factuality is 0 (Very Low) .. 4 (Very High). Every
mapping here is documented, with its reasons, in docs/ratings.md; change both together. A raw
label without a mapping maps to None (the raw label is still kept and shown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from everyside.domain.ratings import RaterInfo


@dataclass(frozen=True)
class Rater:
    name: str
    title: str
    family: str  # raters re-publishing the same organisation's judgement share a family
    rank: int  # inside the family, the lower rank is preferred (newest, most direct)
    url: str
    licence: str
    description: str
    counts: bool = True  # False: shown and used by the estimates, not in the combined value


RATERS: tuple[Rater, ...] = (
    Rater(
        "mbfc",
        "Media Bias/Fact Check (extension data, 2026)",
        "mbfc",
        0,
        "https://mediabiasfactcheck.com",
        "MBFC editorial content; redistribution terms not stated",
        "Bias category and factual reporting from the official MBFC browser "
        "extension data (mbfcext, 2026-08-19).",
    ),
    Rater(
        "mbfc_2023",
        "Media Bias/Fact Check (scrape, Burdisso et al. 2024)",
        "mbfc",
        1,
        "https://github.com/idiap/News-Media-Reliability",
        "Apache-2.0 (labels from MBFC)",
        "MBFC bias and factual reporting scraped for the NAACL 2024 reliability dataset.",
    ),
    Rater(
        "baly_acl2020",
        "Baly et al. ACL 2020 (MBFC labels)",
        "mbfc",
        2,
        "https://github.com/ramybaly/News-Media-Reliability",
        "none stated (MBFC labels)",
        "3-point bias and 3-point factuality taken from MBFC in 2020.",
    ),
    Rater(
        "baly_emnlp18",
        "Baly et al. EMNLP 2018 (MBFC labels)",
        "mbfc",
        3,
        "https://github.com/ramybaly/News-Media-Reliability",
        "none stated (MBFC labels)",
        "7-point bias and 3-point factuality taken from MBFC in 2018.",
    ),
    Rater(
        "nela_mbfc",
        "NELA-GT-2018: MBFC columns",
        "mbfc",
        4,
        "https://github.com/idiap/News-Media-Reliability",
        "Apache-2.0 (labels from MBFC)",
        "MBFC label and factual reporting as aggregated by NELA-GT-2018.",
    ),
    Rater(
        "allsides",
        "AllSides (2019-10-18)",
        "allsides",
        0,
        "https://www.allsides.com/media-bias/media-bias-ratings",
        "CC BY-NC 4.0 (AllSides)",
        "AllSides bias ratings (5 points) via the AllSideR package.",
    ),
    Rater(
        "nela_allsides",
        "NELA-GT-2018: AllSides columns",
        "allsides",
        1,
        "https://github.com/idiap/News-Media-Reliability",
        "Apache-2.0 (labels from AllSides)",
        "AllSides bias rating as aggregated by NELA-GT-2018.",
    ),
    Rater(
        "audience_ideology",
        "Audience ideology (Robertson et al. 2018)",
        "audience_ideology",
        0,
        "https://github.com/ercexpo/us-news-domains",
        "citation requested (Zenodo 10.5281/zenodo.7651047)",
        "Ideology of the Twitter audience sharing a US domain, "
        "−1 (liberal) .. +1 (conservative); thresholds in docs/ratings.md. It measures who "
        "shares an outlet, not what it says: shown, used by the estimated lean, not counted "
        "in the combined bias.",
        counts=False,
    ),
    Rater(
        "newsguard",
        "NewsGuard score (via Burdisso et al. 2024 / NELA-GT)",
        "newsguard",
        0,
        "https://www.newsguardtech.com",
        "NewsGuard content; scores as published in the research datasets",
        "Trust score 0–100; thresholds in docs/ratings.md.",
    ),
    Rater(
        "wikipedia_rsp",
        "Wikipedia perennial sources",
        "wikipedia_rsp",
        0,
        "https://en.wikipedia.org/wiki/Wikipedia:Reliable_sources/Perennial_sources",
        "CC BY-SA (Wikipedia)",
        "Consensus reliability of sources among Wikipedia editors "
        "(reliable / no consensus / unreliable / deprecated).",
    ),
    Rater(
        "buzzfeed",
        "BuzzFeed hyperpartisan lists (NELA-GT-2018)",
        "buzzfeed",
        0,
        "https://github.com/idiap/News-Media-Reliability",
        "Apache-2.0 (NELA-GT)",
        "Leaning of sites on BuzzFeed News' 2016–2017 hyperpartisan lists.",
    ),
    Rater(
        "opensources",
        "OpenSources tags (NELA-GT-2018)",
        "opensources",
        0,
        "https://github.com/idiap/News-Media-Reliability",
        "Apache-2.0 (NELA-GT)",
        "OpenSources.co tags (fake, unreliable, conspiracy, ...) with their levels.",
    ),
)
BY_NAME: dict[str, Rater] = {r.name: r for r in RATERS}
RATER_INFO: dict[str, RaterInfo] = {r.name: RaterInfo(r.family, r.rank, r.counts) for r in RATERS}


def _norm(label: str) -> str:
    low = label.lower().replace("psuedo", "pseudo").replace("_", " ")
    return re.sub(r"[\s\-–/]+", " ", low).strip()


# -- bias ---------------------------------------------------------------------------------
FIVE_POINT = {
    "left": -2.0,
    "left center": -1.0,
    "lean left": -1.0,
    "center": 0.0,
    "least biased": 0.0,
    "right center": 1.0,
    "lean right": 1.0,
    "right": 2.0,
}
SEVEN_POINT = {
    **FIVE_POINT,
    "extreme left": -3.0,
    "far left": -3.0,
    "extreme right": 3.0,
    "far right": 3.0,
}
THREE_POINT = {"left": -2.0, "center": 0.0, "right": 2.0}  # acl2020 folds extremes into L/R


def map_mbfc_bias(label: str) -> float | None:
    """MBFC bias category (either spelling); questionable/satire/pro-science have no lean."""
    return FIVE_POINT.get(_norm(label))


def map_mbfc_2023_bias(label: str) -> float | None:
    """The idiap scrape's free-text MBFC bias, e.g. "right conspiracy-pseudoscience"."""
    text = _norm(label)
    if text in SEVEN_POINT:
        return SEVEN_POINT[text]
    for prefix, value in (
        ("extreme left", -3.0),
        ("far left", -3.0),
        ("extreme right", 3.0),
        ("far right", 3.0),
        ("alt right", 3.0),
        ("left center", -1.0),
        ("right center", 1.0),
        ("left", -2.0),
        ("right", 2.0),
    ):
        if text.startswith(prefix) and "leaning" not in text:
            return value
    if "left leaning" in text:
        return -1.0
    if "right leaning" in text:
        return 1.0
    return None


def map_nela_mbfc_bias(label: str) -> float | None:
    text = _norm(label).removesuffix(" bias")
    return SEVEN_POINT.get(text)


def map_baly_bias(label: str, dataset: str) -> float | None:
    table = THREE_POINT if dataset == "acl2020" else SEVEN_POINT
    return table.get(_norm(label))


def map_allsides_bias(label: str) -> float | None:
    """AllSides 5 points; "allsides"/"mixed" means the outlet covers all sides: no lean."""
    return FIVE_POINT.get(_norm(label))


def map_buzzfeed_bias(label: str) -> float | None:
    return {"left": -2.0, "right": 2.0}.get(_norm(label))


# Audience ideology (Twitter sharers, -1..+1). The scale is shifted right: MBFC-Center outlets
# have a median of +0.12, MBFC-Left-Center ones -0.08. The Center band [-0.10, 0.55) and the
# other cuts were chosen on a 0.05 grid against MBFC on the 938 shared domains (docs/ratings.md).
AUDIENCE_CUTS: tuple[tuple[float, float], ...] = (
    (-0.75, -3.0),
    (-0.45, -2.0),
    (-0.10, -1.0),
    (0.55, 0.0),
    (0.70, 1.0),
    (0.90, 2.0),
)


def map_audience_ideology(score: float) -> float:
    for upper, value in AUDIENCE_CUTS:
        if score < upper:
            return value
    return 3.0


# -- factuality ---------------------------------------------------------------------------
FACTUALITY = {
    "very high": 4.0,
    "high": 3.0,
    "mostly factual": 2.5,
    "mixed": 2.0,
    "low": 1.0,
    "very low": 0.0,
}


def map_factuality(label: str) -> float | None:
    """MBFC / Baly factual reporting labels (both spellings)."""
    return FACTUALITY.get(_norm(label))


def map_nela_mbfc_factuality(code: float) -> float | None:
    """NELA-GT codes MBFC factual reporting 1 (very low) .. 5 (very high)."""
    return code - 1.0 if 1.0 <= code <= 5.0 else None


NEWSGUARD_CUTS: tuple[tuple[float, float], ...] = ((20, 0.0), (40, 1.0), (60, 2.0), (90, 3.0))


def map_newsguard(score: float) -> float:
    """60 is NewsGuard's own "generally credible" line; ≥ 90 fails at most a minor criterion."""
    for upper, value in NEWSGUARD_CUTS:
        if score < upper:
            return value
    return 4.0


WIKIPEDIA_RSP = {
    1: ("generally reliable", 3.0),
    0: ("no consensus", 2.0),
    -1: ("generally unreliable", 1.0),
    -2: ("deprecated", 0.0),
}


def map_opensources(tags: dict[str, int]) -> float | None:
    """Worst factuality implied by the tags; tags about lean or genre imply none."""
    implied = {
        "reliable": 3.0,
        "fake": 0.0,
        "conspiracy": 0.0,
        "junksci": 0.0,
        "unreliable": 1.0,
        "rumor": 1.0,
        "clickbait": 1.0,
    }
    values = [implied[t] for t in tags if t in implied]
    return min(values) if values else None
