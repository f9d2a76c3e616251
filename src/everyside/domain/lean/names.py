"""Class priors from what an outlet *is*: its type, read from its domain name and the directory.

Two signals, both learned on rated outlets with each one's own rating left out:

- `kind`: the outlet's type class, from naming conventions that hold across the directory: a US
  broadcast call sign (K or W and two or three letters, `kare11.com`, `wral.com`, `1010wcsi.com`;
  on `.org` mostly public radio), a TV network's brand with a channel number (`telemundo49.com`,
  `fox28spokane.com`, `2news.com`), a radio name (`...radio`, `.fm`), a TV name, a finance or
  crypto site; with the directory's scope and media type when it has them. The prior is the mean
  rating of the rated outlets of the same class (leave-one-out target encoding, shrunk toward
  the class's coarser level). An outlet that fits no class gets no opinion: its class is unknown.
- `name`: a ridge regression on the character n-grams of the domain name itself, cross-fitted
  on the rated outlets ("patriot", "progressive", "catholic" say something; "news" little).
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Mapping

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.linalg import lsqr

from everyside.domain.lean.axes import OutletRecord
from everyside.domain.lean.signals import Opinion, Signal, hier_encode

SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "gob", "go", "ne", "or"})
CALL_SIGN = re.compile(r"^(?:\d{3,4})?(?:my)?[kw][a-z]{2,3}(?:\d{1,2}|tv|fm|am|radio|news|now)*$")
NETWORK = re.compile(
    r"(?:telemundo|univision|abc|cbs|nbc|fox|cw|pbs|npr)(?:\d|news|local|$)"
    r"|^\d+(?:news|alive|abc|cbs|nbc|fox)|(?:local|channel|news)\d+"
)
RADIO = re.compile(r"radio|^\d{3,4}[a-z]")
TV = re.compile(r"tv$|^tv|television")
FINANCE = re.compile(r"crypto|coin|bitcoin|forex|fx|stock|invest|trading|finance|market")

NAME_DIM = 1 << 18
NAME_FOLDS = 10
NAME_RIDGE = 3.0
NAME_GRAMS = (3, 4, 5)
NAME_MIN_SHIFT = 0.25  # a name moving the prediction less than this says nothing (no opinion)
MIN_NAME_TRAIN = 20  # fewer rated outlets: no name signal


def split_domain(domain: str) -> tuple[str, str]:
    """(the registrable name's label, the suffix): `kare11.com` -> (kare11, com);
    `alquds.co.uk` -> (alquds, co.uk); `news.ro` -> (news, ro)."""
    parts = domain.lower().split(".")
    if len(parts) >= 3 and len(parts[-1]) == 2 and parts[-2] in SECOND_LEVEL:
        return parts[-3], ".".join(parts[-2:])
    if len(parts) >= 2:
        return parts[-2], parts[-1]
    return domain.lower(), ""


def type_class(domain: str) -> str | None:
    """The outlet's type from naming conventions, or None when its name fits none."""
    label, suffix = split_domain(domain)
    if CALL_SIGN.match(label) and suffix in ("com", "org", "net", "fm", "tv"):
        return "call sign .org" if suffix == "org" else "call sign"
    if NETWORK.search(label):
        return "network station"
    if RADIO.search(label) or suffix == "fm":
        return "radio"
    if TV.search(label) or suffix == "tv":
        return "tv"
    if FINANCE.search(label):
        return "finance"
    return None


def kind_signal(
    records: Mapping[str, OutletRecord], truth: Mapping[str, float], prior: float
) -> Signal:
    """Rated outlets of the same type class (then the same class and scope / media type)."""
    keys = {}
    for d, r in records.items():
        cls = type_class(d)
        if cls is not None:
            keys[d] = (cls, r.scope or "?", r.media_type or "?")
    out = hier_encode(keys, truth, prior)
    return {d: Opinion(o.value, o.n, keys[d][0], keys[d][0]) for d, o in out.items()}


def _grams(domain: str) -> dict[int, float]:
    label, _ = split_domain(domain)
    text = f"^{label}$"
    feats: dict[int, float] = {}
    for n in NAME_GRAMS:
        for i in range(len(text) - n + 1):
            h = zlib.crc32(text[i : i + n].encode()) & (NAME_DIM - 1)
            feats[h] = 1.0
    # the suffix is left out: a ccTLD is already the profile's country
    norm = math.sqrt(len(feats))
    return {k: v / norm for k, v in feats.items()}


def _name_matrix(doms: list[str]) -> csr_matrix:
    indptr, indices, data = [0], [], []
    for d in doms:
        g = _grams(d)
        indices.extend(g)
        data.extend(g.values())
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(doms), NAME_DIM), dtype=np.float64)


def name_signal(
    records: Mapping[str, OutletRecord],
    truth: Mapping[str, float],
    folds: int = NAME_FOLDS,
    ridge: float = NAME_RIDGE,
    min_shift: float = NAME_MIN_SHIFT,
) -> Signal:
    """What the domain name says: a ridge regression on its character n-grams (and suffix),
    trained on the rated outlets; a rated outlet is predicted by the model of the folds that do
    not hold it. An outlet gets an opinion only when its name moves the prediction at least
    `min_shift` from the rated outlets' mean: most names ("dailynews") say nothing, and those
    outlets are left to their other evidence (or "not enough evidence")."""
    doms = sorted(records)
    lab = np.array([d in truth for d in doms])
    if int(lab.sum()) < MIN_NAME_TRAIN:
        return {}
    x = _name_matrix(doms)
    y = np.array([truth.get(d, 0.0) for d in doms])
    fold = np.array([zlib.crc32(d.encode()) % folds for d in doms])
    pred = np.zeros(len(doms))

    def fit(mask: np.ndarray) -> tuple[np.ndarray, float]:
        mean = float(y[mask].mean())
        coef = lsqr(x[mask], y[mask] - mean, damp=math.sqrt(ridge), atol=1e-5, btol=1e-5)[0]
        return coef, mean

    for f in range(folds):
        test = lab & (fold == f)
        if test.any():
            coef, mean = fit(lab & (fold != f))
            pred[test] = x[test] @ coef + mean
    if (~lab).any():
        coef, mean = fit(lab)
        pred[~lab] = x[~lab] @ coef + mean
    prior = float(y[lab].mean())
    return {
        d: Opinion(float(pred[i]), 1.0, split_domain(d)[0])
        for i, d in enumerate(doms)
        if abs(pred[i] - prior) >= min_shift
    }
