"""Document frequencies and the in-memory state of one open story (its term centroids).

A story keeps raw term counts summed over its members per channel (title, title+body,
entities); weights are applied at comparison time with the current IDF, and each channel's norm
is cached when the story changes. Centroids are capped to their heaviest terms so a story's
memory does not grow with its size.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from everyside.domain.clustering.index import ENT_SIGNATURE, SIGNATURE, signature
from everyside.domain.clustering.text import Features

CENTROID_CAP = 300  # terms kept per channel of a story
MEMBER_CAP = 400  # member feature vectors kept per story (for repair / headline)
SMALL_DF = 64  # DocFreq tabulates the idf of document frequencies below this


class DocFreq:
    """Document frequencies of terms over every article the engine has read."""

    def __init__(self) -> None:
        self.n = 0
        self.df: dict[str, int] = {}
        # idf of the rarest keys (df < SMALL_DF) at the current n, computed once per n
        self._small: list[float] = []
        self._small_n = -1

    def add(self, keys: Iterable[str]) -> None:
        self.n += 1
        df = self.df
        for k in keys:
            df[k] = df.get(k, 0) + 1

    def prune(self, target: int, keep: Container[str]) -> int:
        """Forget the rarest keys outside `keep`, rarest first, until at most `target` remain
        (or only kept keys and keys seen SMALL_DF times or more are left); returns how many
        went.

        The table otherwise grows with every word the stream ever showed (names, typos, the
        bench's per-story tags). A forgotten key that comes back counts from zero, so its idf
        is a little too high: it looks rarer than it was, which only matters for words that
        were rare anyway."""
        df = self.df
        gone = 0
        for level in range(1, SMALL_DF):
            if len(df) <= target:
                break
            drop = [k for k, d in df.items() if d <= level and k not in keep]
            for k in drop:
                del df[k]
            gone += len(drop)
        return gone

    def idf(self, key: str) -> float:
        return math.log((self.n + 1) / (self.df.get(key, 0) + 1)) + 1.0

    def idfs(self, keys: Iterable[str]) -> list[float]:
        """`idf` of many keys (the same numbers, without a call per key: this is hot).

        Most keys of a stream are rare, so the idf of every df below SMALL_DF is computed once
        per document count (the same expression, hence the same floats)."""
        n1, get, log = self.n + 1, self.df.get, math.log
        if self._small_n != self.n:
            self._small = [log(n1 / (d + 1)) + 1.0 for d in range(SMALL_DF)]
            self._small_n = self.n
        small = self._small
        return [small[d] if (d := get(k, 0)) < SMALL_DF else log(n1 / (d + 1)) + 1.0 for k in keys]


def weights(counts: Mapping[str, float], dfs: DocFreq) -> dict[str, float]:
    """Sublinear TF times IDF."""
    return _weights(counts, dfs)[0]


def _weights(counts: Mapping[str, float], dfs: DocFreq) -> tuple[dict[str, float], list[float]]:
    """`weights`, and the IDF of each key it kept (in the order of `counts`)."""
    kept = [(t, c) for t, c in counts.items() if c > 0]
    log = math.log
    idfs = dfs.idfs([t for t, _ in kept])
    return {t: (1.0 + log(c)) * w for (t, c), w in zip(kept, idfs, strict=True)}, idfs


def norm(vec: dict[str, float]) -> float:
    return math.sqrt(sum(v * v for v in vec.values())) or 1.0


def cosine(a: Mapping[str, float], a_norm: float, b: Mapping[str, float], b_norm: float) -> float:
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    dot = 0.0
    for t, w in a.items():
        v = get(t)
        if v is not None:
            dot += w * v
    return dot / (a_norm * b_norm)


@dataclass
class ArticleVecs:
    """Weighted channels of one article (or of a story, for the repair pass), computed once."""

    title: dict[str, float]
    text: dict[str, float]
    ents: dict[str, float]
    title_norm: float
    text_norm: float
    ents_norm: float
    has_body: bool
    dense: np.ndarray | None = None  # unit-length sentence embedding (optional channel)
    # the index signatures (see index.signature): heaviest terms / "@entities", unit length
    text_sig: dict[str, float] = field(default_factory=dict)
    ent_sig: dict[str, float] = field(default_factory=dict)
    # the IDF of each key of the article's title, text and entity counts when it was weighted
    # (the story update reads the same numbers: the table does not change in between)
    idfs: tuple[list[float], list[float], list[float]] | None = None


def article_vecs(f: Features, dfs: DocFreq, dense: np.ndarray | None = None) -> ArticleVecs:
    t, t_idf = _weights(f.title, dfs)
    x, x_idf = _weights(f.text, dfs)
    e, e_idf = _weights(f.ents, dfs)
    return ArticleVecs(
        t,
        x,
        e,
        norm(t),
        norm(x),
        norm(e),
        f.has_body,
        dense,
        signature(x, SIGNATURE),
        signature(e, ENT_SIGNATURE, "@"),
        (t_idf, x_idf, e_idf),
    )


@dataclass(slots=True)
class Member:
    id: int | str
    title: str
    domain: str | None
    time: datetime | None
    features: Features
    tvec: Mapping[str, float] = field(default_factory=dict)  # weighted title at arrival
    tnorm: float = 1.0
    dense: np.ndarray | None = None  # unit-length sentence embedding, if the engine has one
    seq: int = 0  # arrival number in the stream


@dataclass
class Story:
    id: int
    first_time: datetime | None = None
    last_time: datetime | None = None
    first_ts: float | None = None  # the same as POSIX timestamps (the decision reads them)
    last_ts: float | None = None
    clock: datetime | None = None  # stream time of the last update (eviction)
    seq: int = 0  # arrival number of the last update (eviction of undated streams)
    n: int = 0
    lang: str | None = None
    members: list[Member] = field(default_factory=list)
    title_sum: Counter[str] = field(default_factory=Counter)
    text_sum: Counter[str] = field(default_factory=Counter)
    ent_sum: Counter[str] = field(default_factory=Counter)
    body_members: int = 0
    domains: Counter[str] = field(default_factory=Counter)
    # cached weighted centroids (recomputed on change)
    vec_title: dict[str, float] = field(default_factory=dict)
    vec_text: dict[str, float] = field(default_factory=dict)
    vec_ents: dict[str, float] = field(default_factory=dict)
    norm_title: float = 1.0
    norm_text: float = 1.0
    norm_ents: float = 1.0
    dense_sum: np.ndarray | None = None  # sum of the members' embeddings
    dense_norm: float = 1.0
    split_checked: int = 0  # members when the repair pass last looked for a split

    def add(self, m: Member, lang: str | None) -> Member | None:
        """Add a member; returns the member whose details were dropped to stay under the cap."""
        dropped = self._add(m, lang)
        if m.dense is not None:
            self._dense_norm()
        return dropped

    def extend(self, members: Iterable[Member], lang: str | None) -> list[Member]:
        """`add` each member in turn (the same sums in the same order); the members dropped to
        stay under the cap. The embedding norm is computed once, at the end (a rebuild or a
        merge adds hundreds of members at once)."""
        dropped = [d for m in members if (d := self._add(m, lang)) is not None]
        self._dense_norm()
        return dropped

    def _dense_norm(self) -> None:
        total = self.dense_sum
        if total is not None:
            self.dense_norm = float(np.sqrt(total.dot(total))) or 1.0

    def _add(self, m: Member, lang: str | None) -> Member | None:
        self.n += 1
        dropped = None
        if self.lang is None:
            self.lang = lang
        if len(self.members) < MEMBER_CAP:
            self.members.append(m)
        else:
            # keep the first members (the origin of the story) and the most recent ones
            dropped = self.members.pop(MEMBER_CAP // 2)
            self.members.append(m)
        f = m.features
        _add_counts(self.title_sum, f.title)
        _add_counts(self.text_sum, f.text_once())
        _add_counts(self.ent_sum, f.ents)
        self.body_members += f.has_body
        if m.domain:
            self.domains[m.domain] += 1
        if m.dense is not None:
            if self.dense_sum is None:
                self.dense_sum = m.dense.copy()  # the story's own array: summed in place
            else:
                np.add(self.dense_sum, m.dense, out=self.dense_sum)
        if m.time is not None:
            if self.first_time is None or m.time < self.first_time:
                self.first_time = m.time
                self.first_ts = m.time.timestamp()
            if self.last_time is None or m.time > self.last_time:
                self.last_time = m.time
                self.last_ts = m.time.timestamp()
        return dropped

    def update_vecs(
        self,
        f: Features,
        dfs: DocFreq,
        idfs: tuple[list[float], list[float], list[float]] | None = None,
    ) -> None:
        """Update the weighted centroids for one new member's terms only (cheap).

        Other terms keep the IDF they had when last computed; `refresh` (on every doubling of
        the story, and by repair) recomputes everything. `idfs`: the IDF of each key of
        `f.title`, `f.text` and `f.ents` as `dfs` gives them now (`ArticleVecs.idfs`), if known.
        """
        if self.n & (self.n - 1) == 0 or not self.vec_text:  # 1, 2, 4, 8, ... members
            self.refresh(dfs)
            return
        t_idf, x_idf, e_idf = idfs or (None, None, None)
        self.norm_title = _bump(
            self.vec_title, self.norm_title, self.title_sum, f.title, dfs, t_idf
        )
        self.norm_text = _bump(self.vec_text, self.norm_text, self.text_sum, f.text, dfs, x_idf)
        self.norm_ents = _bump(self.vec_ents, self.norm_ents, self.ent_sum, f.ents, dfs, e_idf)

    def refresh(self, dfs: DocFreq) -> None:
        """Recompute the weighted centroids (after a change)."""
        for name in ("title_sum", "text_sum", "ent_sum"):
            c: Counter[str] = getattr(self, name)
            if len(c) > 2 * CENTROID_CAP:
                setattr(self, name, Counter(dict(c.most_common(CENTROID_CAP))))
        self.vec_title = _centroid(self.title_sum, self.n, dfs)
        self.vec_text = _centroid(self.text_sum, self.n, dfs)
        self.vec_ents = _centroid(self.ent_sum, self.n, dfs)
        self.norm_title = norm(self.vec_title)
        self.norm_text = norm(self.vec_text)
        self.norm_ents = norm(self.vec_ents)

    def dense_unit(self) -> np.ndarray | None:
        """The unit-length mean embedding of the members (None without the dense channel)."""
        return self.dense_sum / self.dense_norm if self.dense_sum is not None else None


def _add_counts(sums: Counter[str], counts: Mapping[str, int]) -> None:
    """`sums.update(counts)`: the same counts in the same key order (new keys last, in the
    order of `counts`), without `Counter.update`'s Python loop of item assignments."""
    get = sums.get
    dict.update(sums, {k: v + get(k, 0) for k, v in counts.items()})


def _bump(
    vec: dict[str, float],
    old_norm: float,
    sums: Counter[str],
    changed: Mapping[str, int],
    dfs: DocFreq,
    known: list[float] | None = None,
) -> float:
    sq = old_norm * old_norm if vec else 0.0
    # `known`: the IDFs of `changed`'s keys (of those with a positive count: all of them when
    # the lengths agree)
    idfs = known if known is not None and len(known) == len(changed) else dfs.idfs(changed)
    for t, idf in zip(changed, idfs, strict=True):
        old = vec.get(t, 0.0)
        new = sums[t] * idf
        vec[t] = new
        sq += new * new - old * old
    return math.sqrt(sq) if sq > 1e-12 else 1.0


def _centroid(c: Counter[str], n: int, dfs: DocFreq) -> dict[str, float]:
    # summed term counts times IDF: the direction of the members' mean vector
    keys = [t for t, v in c.items() if v > 0]
    return {t: c[t] * w for t, w in zip(keys, dfs.idfs(keys), strict=True)}
