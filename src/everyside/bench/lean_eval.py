"""Measuring the estimated lean and factuality (`everyside eval lean`).

Two kinds of figures:

- **Leave-one-out on rated outlets** (from the last refresh, `estimates.scores`): each rated
  outlet's rating hidden, the outlet estimated from the others, per method and combined, beside
  always guessing the mean: MAE on the axis and agreement of side (bias) or tier (factuality).
- **On imported articles**: the share of articles whose outlet has a rater's value or an
  estimate, and, when the file carries Ground News's own labels (`gn_bias`, `gn_factuality` in
  `groundnews_feb2026_dev.jsonl`), how often the rater's and the estimate's side / tier agree
  with them. Those labels are a reference to check against, never an input: `evaluate_files`
  imports a copy of the file *without* every `gn_*` field and joins the labels back by article
  id afterwards, so they never reach the store the estimates are computed from.
- **Why the rest have neither**: the articles whose outlet has no rater's value and no estimate,
  grouped by the reason the estimator gave ("outlets with this evidence (cocoverage) are
  estimated no better than the mean": the signals the outlet has are named), with how many
  outlets each reason covers and the outlets with the most such articles.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from everyside.domain.lean import BIAS, FACTUALITY
from everyside.errors import InputError
from everyside.services.lean import (
    article_outlet_values,
    last_scores,
    refresh_estimates,
    unestimated_articles,
)
from everyside.services.pipeline import import_files
from everyside.store import Store, open_store

GN_FACTUALITY = {  # Ground News's factuality labels -> everyside's tiers
    "very-high": "Very High",
    "very high": "Very High",
    "high": "High",
    "mostly-factual": "High",
    "mixed": "Mixed",
    "low": "Low",
    "very-low": "Very Low",
    "very low": "Very Low",
}
SIDES = ("left", "center", "right")
REFERENCE_PREFIX = "gn_"  # Ground News's labels: checked against, never imported
NO_OUTLET = "the article has no outlet"
NEVER_ESTIMATED = "the outlet was never estimated"
EXAMPLES = 5  # outlets named per reason


@dataclass
class Agreement:
    agree: int = 0
    total: int = 0

    @property
    def share(self) -> float | None:
        return round(self.agree / self.total, 4) if self.total else None

    def add(self, ok: bool) -> None:
        self.agree += ok
        self.total += 1


@dataclass
class ArticleFigures:
    """Per axis: articles whose outlet has a rater's value / an estimate / neither, and the
    agreement with the file's reference labels (only files that carry them)."""

    articles: int = 0
    rated: int = 0
    estimated: int = 0
    reference_rated: Agreement = field(default_factory=Agreement)
    reference_estimated: Agreement = field(default_factory=Agreement)
    # reason -> {"articles", "outlets", "examples"}: the articles with neither (`missing_reasons`)
    missing: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def rated_or_estimated(self) -> float | None:
        return round((self.rated + self.estimated) / self.articles, 4) if self.articles else None


@dataclass
class LeanEvaluation:
    source: str
    scores: dict[str, Any]  # the last refresh's figures (`estimates.scores`)
    articles: dict[str, ArticleFigures]  # by axis

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "leave_one_out": self.scores,
            "articles": {
                axis: {
                    **asdict(f),
                    "rated_or_estimated": f.rated_or_estimated,
                    "reference_rated_share": f.reference_rated.share,
                    "reference_estimated_share": f.reference_estimated.share,
                }
                for axis, f in self.articles.items()
            },
        }


def _reference(extra: Any, axis: str) -> str | None:
    """The file's own label of the article's outlet, as a side or a tier, if it has one."""
    if not isinstance(extra, dict):
        return None
    if axis == "bias":
        label = str(extra.get("gn_bias") or "").lower()
        return label if label in SIDES else None
    return GN_FACTUALITY.get(str(extra.get("gn_factuality") or "").lower())


def missing_reasons(store: Store, axis: str) -> dict[str, dict[str, Any]]:
    """The articles whose outlet has neither a rater's value nor an estimate on `axis`, by the
    reason the estimator gave, most articles first: how many articles and outlets, and the
    outlets with the most such articles."""
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for dom, sentence in unestimated_articles(store, axis):
        if dom is None:
            reason = NO_OUTLET
        elif sentence is None:
            reason = NEVER_ESTIMATED
        else:
            reason = sentence.removeprefix("not enough evidence: ")
        groups[reason][dom or "-"] += 1
    out = {}
    for reason, outlets in sorted(groups.items(), key=lambda g: (-g[1].total(), g[0])):
        top = sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0]))[:EXAMPLES]
        out[reason] = {
            "articles": outlets.total(),
            "outlets": len(outlets),
            "examples": [f"{dom} ({n})" for dom, n in top],
        }
    return out


def article_figures(
    store: Store, references: dict[str, dict[str, Any]] | None = None
) -> dict[str, ArticleFigures]:
    """`references`: the reference labels by article id (`external_id`); None: read them from
    the articles' `extra` (a store imported with them)."""
    figs = {"bias": ArticleFigures(), "factuality": ArticleFigures()}
    for ext_id, extra, bias, est_bias, fact, est_fact in article_outlet_values(store):
        if references is not None:
            extra = references.get(str(ext_id))
        for axis, real, est in ((BIAS, bias, est_bias), (FACTUALITY, fact, est_fact)):
            f = figs[axis.name]
            f.articles += 1
            ref = _reference(extra, axis.name)
            if real is not None:  # a rater's value always wins
                f.rated += 1
                if ref:
                    f.reference_rated.add(axis.to_class(real) == ref)
            elif est is not None:
                f.estimated += 1
                if ref:
                    f.reference_estimated.add(axis.to_class(est) == ref)
    for axis in (BIAS, FACTUALITY):
        figs[axis.name].missing = missing_reasons(store, axis.name)
    return figs


def evaluate_store(
    store: Store,
    now: datetime,
    source: str = "store",
    references: dict[str, dict[str, Any]] | None = None,
) -> LeanEvaluation:
    """Figures of a store as it is (refreshing the estimates first if it never was)."""
    scores = last_scores(store)
    if not scores:
        refresh_estimates(store, now)
        scores = last_scores(store)
    return LeanEvaluation(source, scores or {}, article_figures(store, references))


def split_references(path: Path, out: Path) -> dict[str, dict[str, Any]]:
    """Copy a JSONL file to `out` without its reference labels (every `gn_*` field); return
    those labels by article id. Lines that are not JSON objects are copied as they are (the
    importer reports them)."""
    refs: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                dst.write(line)
                continue
            if not isinstance(row, dict):
                dst.write(line)
                continue
            labels = {k: v for k, v in row.items() if k.startswith(REFERENCE_PREFIX)}
            if labels and row.get("id") is not None:
                refs[str(row["id"])] = labels
            clean = {k: v for k, v in row.items() if not k.startswith(REFERENCE_PREFIX)}
            dst.write(json.dumps(clean, ensure_ascii=False) + "\n")
    return refs


def evaluate_files(
    paths: Iterable[Path], settings_for: Any, now: datetime, workdir: Path | None = None
) -> list[LeanEvaluation]:
    """Import each file into a fresh SQLite store of its own (clustered, analysed, estimates
    refreshed at the end, as `everyside import` does) and measure it. `settings_for(dir)`
    returns the settings for a data dir."""
    out = []
    for path in paths:
        if not path.is_file():
            raise InputError("no such file; give a JSONL file of articles", path=str(path))
        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            clean = Path(tmp) / path.name
            refs = split_references(path, clean)
            store = open_store(f"sqlite:///{Path(tmp) / 'everyside.db'}")
            try:
                import_files(store, settings_for(tmp), [clean], now)
                out.append(evaluate_store(store, now, str(path), refs))
            finally:
                store.close()
    return out
