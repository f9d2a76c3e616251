"""Wording: a text classifier over an outlet's own articles, trained on the articles of rated
outlets in the store (each article labelled with its outlet's rating).

Only an outlet's *own* words count: syndicated copies (`copy_of`), texts that another outlet
also published (the original of a wire story, a publisher's placeholder excerpt) and articles
with a wire dateline ("(AP) —") are left out. An outlet whose articles are all such copies gets
no wording opinion at all (its lean is not in those words), and neither does one with fewer
than `min_articles` own articles.

The model is a ridge regression on hashed word unigrams and bigrams (sublinear counts, unit
length), solved with scipy's LSQR, so it needs no model file and no scikit-learn: it is refitted
from the store at each refresh. Rated outlets get cross-fitted opinions (their outlet's articles
are never in the training folds), so their figures are honest.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.linalg import lsqr

from everyside.domain.lean.signals import Opinion, Signal

DIM = 1 << 17  # hashed feature space
FOLDS = 5
RIDGE = 1.0
DUAL_MAX = 4000  # articles up to which the ridge is solved exactly in the dual
MIN_TRAIN_OUTLETS = 20  # fewer rated outlets with articles: no wording signal yet
LEAD_CHARS = 1200
WORD = re.compile(r"[^\W\d_]{2,}")
WIRE = re.compile(
    r"\((?:AP|AFP|Reuters|UPI|dpa|Xinhua|CNN|Bloomberg)\)\s*[-—–]|^\s*By The Associated Press",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ArticleText:
    outlet: str
    title: str | None
    text: str | None
    is_copy: bool = False  # a syndicated copy of an earlier article


@dataclass
class TextEvidence:
    """Per outlet, the texts that are its own; and the outlets whose articles are all copies.
    The hashed feature matrix is built once and shared by both axes."""

    texts: Mapping[str, Sequence[str]]
    wire_only: frozenset[str] = field(default_factory=frozenset)
    articles: Mapping[str, int] = field(default_factory=dict)  # all its articles, for evidence
    _matrix: tuple[csr_matrix, list[str]] | None = field(default=None, repr=False, compare=False)

    def matrix(self) -> tuple[csr_matrix, list[str]]:
        """One row per own text (outlets in sorted order) and the outlet of each row."""
        if self._matrix is None:
            owners = [o for o in sorted(self.texts) for _ in self.texts[o]]
            docs = [_features(t) for o in sorted(self.texts) for t in self.texts[o]]
            self._matrix = (_matrix(docs), owners)
        return self._matrix


def _shared_key(text: str) -> str:
    return " ".join(WORD.findall(text.lower()))[:200]


def own_texts(rows: Iterable[ArticleText], per_outlet: int = 40) -> TextEvidence:
    """Sort articles into own texts and copies (see the module docstring); at most
    `per_outlet` own texts per outlet, in the order given (give newest first)."""
    rows = list(rows)
    owners: dict[str, set[str]] = defaultdict(set)
    for a in rows:
        key = _shared_key(f"{a.title or ''} {a.text or ''}")
        if key:
            owners[key].add(a.outlet)
    texts: dict[str, list[str]] = defaultdict(list)
    counts: Counter[str] = Counter()
    for a in rows:
        counts[a.outlet] += 1
        body = f"{a.title or ''}\n{(a.text or '')[:LEAD_CHARS]}".strip()
        key = _shared_key(body)
        if a.is_copy or not key or len(owners[key]) > 1 or WIRE.search(body[:400]):
            continue
        if len(texts[a.outlet]) < per_outlet:
            texts[a.outlet].append(body)
    wire_only = frozenset(o for o in counts if not texts.get(o))
    return TextEvidence(dict(texts), wire_only, dict(counts))


def _features(text: str) -> dict[int, float]:
    words = WORD.findall(text.lower())
    grams = Counter(words)
    grams.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    feats: dict[int, float] = defaultdict(float)
    for g, c in grams.items():
        feats[zlib.crc32(g.encode()) & (DIM - 1)] += 1.0 + math.log(c)
    norm = math.sqrt(sum(v * v for v in feats.values())) or 1.0
    return {k: v / norm for k, v in feats.items()}


def _matrix(docs: Sequence[dict[int, float]]) -> csr_matrix:
    indptr: list[int] = [0]
    indices: list[int] = []
    data: list[float] = []
    for d in docs:
        indices.extend(d)
        data.extend(d.values())
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(docs), DIM), dtype=np.float64)


def _fit(x: csr_matrix, y: np.ndarray, w: np.ndarray, ridge: float) -> tuple[np.ndarray, float]:
    """Weighted ridge regression: coefficients and intercept. Up to DUAL_MAX articles it is
    solved exactly in the dual (an n × n system); beyond, by LSQR on the sparse matrix."""
    mean = float(np.average(y, weights=w))
    sw = np.sqrt(w)
    xw = csr_matrix(x.multiply(sw[:, None]))
    target = sw * (y - mean)
    if x.shape[0] <= DUAL_MAX:
        gram = (xw @ xw.T).toarray()
        alpha = np.linalg.solve(gram + ridge * np.eye(x.shape[0]), target)
        return np.asarray(xw.T @ alpha).ravel(), mean
    coef = lsqr(xw, target, damp=math.sqrt(ridge), atol=1e-4, btol=1e-4, iter_lim=200)[0]
    return coef, mean


def _fold(domain: str, folds: int) -> int:
    return zlib.crc32(domain.encode()) % folds


def wording_signal(
    ev: TextEvidence,
    truth: Mapping[str, float],
    min_articles: int,
    folds: int = FOLDS,
    ridge: float = RIDGE,
) -> Signal:
    """Opinion of every outlet with at least `min_articles` own texts: the mean prediction over
    them. Rated outlets are predicted by models that never saw their articles."""
    outlets = sorted(ev.texts)
    labelled = [o for o in outlets if o in truth]
    if len(labelled) < MIN_TRAIN_OUTLETS:
        return {}
    x, doc_outlet = ev.matrix()
    owner = np.array(doc_outlet)
    is_lab = np.array([o in truth for o in doc_outlet])
    y = np.array([truth.get(o, 0.0) for o in doc_outlet])
    per = Counter(doc_outlet)
    w = np.array([1.0 / math.sqrt(per[o]) for o in doc_outlet])  # each outlet counts ~equally
    fold = np.array([_fold(o, folds) for o in doc_outlet])
    pred = np.zeros(len(doc_outlet))
    for f in range(folds):
        train = is_lab & (fold != f)
        test = is_lab & (fold == f)
        if test.any() and train.any():
            coef, mean = _fit(x[train], y[train], w[train], ridge)
            pred[test] = x[test] @ coef + mean
    if (~is_lab).any():
        coef, mean = _fit(x[is_lab], y[is_lab], w[is_lab], ridge)
        pred[~is_lab] = x[~is_lab] @ coef + mean
    out: Signal = {}
    for o in outlets:
        mask = owner == o
        k = int(mask.sum())
        if k >= min_articles:
            strength = "<10" if k < 10 else "10+"
            out[o] = Opinion(float(pred[mask].mean()), k, f"{k} own articles", strength)
    return out
