"""One small stacker per kind of evidence, chosen and measured by cross-validation.

An outlet's *kind* of evidence is the set of signals that reach it, with the strength class of
the store signals (co-coverage through 1-2 stories tells less than through 40). Its
*population* is the rated outlets that have at least that evidence (if fewer than `min_group`
do: the strength classes are merged, then the rarest signal is dropped). The candidate models
use any non-empty subset of the population's signals, each fitted on the rated outlets that
have that subset: ridge without intercept on each signal's distance from the global mean and
that distance times log(1 + evidence), so a silent signal pulls nothing and an estimate starts
from the mean.

Every candidate predicts each rated outlet out of fold (folds by domain: never from a model that
saw it); the candidate with the lowest error on the population is used, and that error is the
estimate's *expected error*. A signal that misleads for this kind of outlet (the wording of a
few articles, a weak co-coverage) is thereby left out rather than averaged in; and an estimate
and its quoted error always come from outlets with the same evidence, whatever else rated
outlets usually have (almost all have a factuality rating, almost no unrated outlet has one).
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from everyside.domain.lean.axes import Axis
from everyside.domain.lean.evidence import METHODS
from everyside.domain.lean.signals import Signal, global_mean

ANY = "*"
Kind = tuple[tuple[str, str], ...]  # (signal, strength class or ANY), in METHODS order


def features(dom: str, signals: Mapping[str, Signal], methods: Sequence[str], prior: float) -> list:
    row: list[float] = []
    for m in methods:
        op = signals[m].get(dom)
        d = 0.0 if op is None else op.value - prior
        row += [d, d * math.log1p(op.n if op else 0.0)]
    return row


def ridge(x: np.ndarray, y: np.ndarray, penalty: float) -> np.ndarray:
    return np.linalg.solve(x.T @ x + penalty * np.eye(x.shape[1]), x.T @ y)


@dataclass
class KindModel:
    coef: np.ndarray
    oof: dict[str, float]  # out-of-fold prediction of every rated outlet it was fitted on


@dataclass(frozen=True)
class Choice:
    """The model used for a kind of evidence, and how it did on that kind's population."""

    used: Kind
    model: KindModel
    rows: int
    mae: float
    baseline_mae: float
    accuracy: float
    baseline_accuracy: float


class Models:
    """The stackers of one axis, fitted lazily per kind of evidence and cached. The origin of
    every model is the global mean of the rated outlets (one outlet moves it by 1/7,000, the
    only trace of a held-out outlet in its own prediction)."""

    def __init__(
        self,
        axis: Axis,
        signals: Mapping[str, Signal],
        truth: Mapping[str, float],
        folds: int,
        penalty: float,
        min_group: int,
    ) -> None:
        self.axis, self.signals, self.truth = axis, signals, truth
        self.folds, self.penalty, self.min_group = folds, penalty, max(min_group, 2 * folds)
        self.prior = global_mean(truth)
        self.rated = sorted(d for d in truth if any(d in s for s in signals.values()))
        self.kinds = {d: self.kind_of(d) for d in self.rated}
        # what a kind must be a subset of: each signal with its strength class and with ANY
        self._has = {d: frozenset(k) | {(m, ANY) for m, _ in k} for d, k in self.kinds.items()}
        self.fold = {d: zlib.crc32(d.encode()) % folds for d in self.rated}
        self.base = self._baseline()
        self.count = {m: sum(1 for d in self.rated if d in signals[m]) for m in METHODS}
        self._rows: dict[Kind, list[str]] = {}
        self._fits: dict[Kind, KindModel | None] = {}
        self._choices: dict[Kind, Choice | None] = {}

    def kind_of(self, dom: str) -> Kind:
        return tuple(
            (m, op.strength) for m in METHODS if (op := self.signals[m].get(dom)) is not None
        )

    def _baseline(self) -> dict[str, float]:
        """Guessing the mean: the mean of the rated outlets outside the outlet's fold."""
        total: dict[int, float] = defaultdict(float)
        count: dict[int, int] = defaultdict(int)
        for d, f in self.fold.items():
            total[f] += self.truth[d]
            count[f] += 1
        all_t, all_c = sum(total.values()), sum(count.values())
        return {d: (all_t - total[f]) / max(1, all_c - count[f]) for d, f in self.fold.items()}

    def rows(self, kind: Kind) -> list[str]:
        """The rated outlets with at least this evidence."""
        if kind not in self._rows:
            want = frozenset(kind)
            self._rows[kind] = [d for d in self.rated if want <= self._has[d]]
        return self._rows[kind]

    def fit(self, kind: Kind) -> KindModel | None:
        """The stacker on `kind`'s signals, fitted on the rated outlets that have them."""
        if kind not in self._fits:
            rows = self.rows(kind)
            self._fits[kind] = self._fit(kind, rows) if len(rows) >= self.min_group else None
        return self._fits[kind]

    def _fit(self, kind: Kind, rows: list[str]) -> KindModel:
        methods = [m for m, _ in kind]
        x = np.array([features(d, self.signals, methods, self.prior) for d in rows])
        y = np.array([self.truth[d] for d in rows]) - self.prior
        fold = np.array([self.fold[d] for d in rows])
        pred = np.zeros(len(rows))
        for f in range(self.folds):
            test = fold == f
            if test.any() and not test.all():
                pred[test] = x[test] @ ridge(x[~test], y[~test], self.penalty)
        pred = np.clip(pred + self.prior, self.axis.low, self.axis.high)
        return KindModel(ridge(x, y, self.penalty), dict(zip(rows, pred.tolist(), strict=True)))

    def candidates(self, kind: Kind) -> list[Kind]:
        """Every non-empty subset of the kind's signals, with and without strength classes."""
        out: list[Kind] = []
        for size in range(len(kind), 0, -1):
            for sub in itertools.combinations(kind, size):
                out.append(sub)
                loose = tuple((m, ANY) for m, _ in sub)
                if loose != sub:
                    out.append(loose)
        return out

    def choose(self, kind: Kind) -> Choice | None:
        """The candidate with the lowest out-of-fold error on the kind's population (the rated
        outlets with at least this evidence, loosened until there are enough of them)."""
        if kind not in self._choices:
            pop = self._loosen(kind)
            best = None
            if pop:
                rows = self.rows(pop)
                for used in self.candidates(pop):
                    c = self._on(used, rows)
                    if c is not None and (best is None or c.mae < best.mae - 1e-9):
                        best = c
            self._choices[kind] = best
        return self._choices[kind]

    def _loosen(self, kind: Kind) -> Kind:
        while kind and len(self.rows(kind)) < self.min_group:
            loose = tuple((m, ANY) for m, _ in kind)
            if loose != kind:
                kind = loose
                continue
            rarest = min(kind, key=lambda mb: (self.count[mb[0]], mb[0]))
            kind = tuple(mb for mb in kind if mb != rarest)
        return kind

    def _on(self, used: Kind, rows: list[str]) -> Choice | None:
        model = self.fit(used)
        if model is None:
            return None
        y = np.array([self.truth[d] for d in rows])
        pred = np.array([model.oof[d] for d in rows])
        err = np.abs(pred - y)
        base = np.array([self.base[d] for d in rows])
        truth = self.axis.class_ids(y)
        return Choice(
            used,
            model,
            len(rows),
            float(err.mean()),
            float(np.abs(base - y).mean()),
            float(np.mean(self.axis.class_ids(pred) == truth)),
            float(np.mean(self.axis.class_ids(base) == truth)),
        )

    def predict(self, dom: str, choice: Choice) -> float:
        x = np.array(features(dom, self.signals, [m for m, _ in choice.used], self.prior))
        return self.axis.clip(self.prior + float(x @ choice.model.coef))

    def combined_oof(self) -> dict[str, float]:
        """Each rated outlet predicted, out of fold, as an unrated outlet with its evidence."""
        out = {}
        for d in self.rated:
            choice = self.choose(self.kinds[d])
            if choice is not None and d in choice.model.oof:
                out[d] = choice.model.oof[d]
        return out
