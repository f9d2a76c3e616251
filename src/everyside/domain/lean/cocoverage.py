"""Co-coverage: which stories an outlet covers, compared with the rated outlets covering them.

A story covered mostly by right-leaning outlets (a story the left skipped) says something about
every other outlet that covered it; an outlet whose stories are, again and again, the ones the
rated right covers, is probably on the right — the blindspot signature. For each story the
outlet covered, the *context* is the mean rating of the other rated outlets that covered it;
the outlet's opinion is the mean of its stories' contexts (each story weighted by how many rated
outlets it has, `W / (W + 2)`), shrunk toward the global mean.

Robust to fragmentation: when the story engine splits one event into fragments, an outlet
alone in its fragment still meets the rated outlets of the sibling fragments. `story_neighbours`
links stories by their topic tags (IDF-weighted cosine); a neighbour's rated outlets count with
weight `NEIGHBOUR_WEIGHT × similarity`, a story's own outlets with weight 1.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix

from everyside.domain.lean.signals import Opinion, Signal

NEIGHBOUR_WEIGHT = 0.5
STORY_SHRINK = 1.0  # pseudo-stories at the global mean
MIN_SIMILARITY = 0.35  # tag cosine from which two stories are neighbours
TOP_NEIGHBOURS = 8
MAX_TAG_STORIES = 200  # tags on more stories ("United States") link nothing


@dataclass(frozen=True)
class StoryEvidence:
    """The stories of the store: who covered each, and each story's neighbours."""

    members: Mapping[int, Sequence[str]]  # story id -> distinct outlet domains
    neighbours: Mapping[int, Sequence[tuple[int, float]]] = field(default_factory=dict)

    def covers(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = defaultdict(list)
        for sid, outlets in self.members.items():
            for dom in set(outlets):
                out[dom].append(sid)
        return out


def story_neighbours(
    tags: Mapping[int, Sequence[str]],
    min_similarity: float = MIN_SIMILARITY,
    top: int = TOP_NEIGHBOURS,
    max_tag_stories: int = MAX_TAG_STORIES,
    block: int = 2000,
) -> dict[int, tuple[tuple[int, float], ...]]:
    """For each story, up to `top` other stories whose IDF-weighted tag vectors have a cosine
    of at least `min_similarity`. Tags are compared case-insensitively; a tag found on more than
    `max_tag_stories` stories is too common to link anything and is dropped, which also bounds
    the cost (each kept tag adds at most max_tag_stories² pairs)."""
    ids = sorted(tags)
    docs = [{t.strip().lower() for t in tags[s] if t and t.strip()} for s in ids]
    df: dict[str, int] = defaultdict(int)
    for d in docs:
        for t in d:
            df[t] += 1
    vocab = {
        t: i for i, t in enumerate(sorted(t for t, n in df.items() if 1 < n <= max_tag_stories))
    }
    if not vocab:
        return {}
    n_docs = len(docs)
    rows, cols, vals = [], [], []
    for r, d in enumerate(docs):
        for t in d:
            j = vocab.get(t)
            if j is not None:
                rows.append(r)
                cols.append(j)
                vals.append(math.log(n_docs / df[t]))
    m = csr_matrix((vals, (rows, cols)), shape=(n_docs, len(vocab)), dtype=np.float64)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    m = csr_matrix(m.multiply(1.0 / norms[:, None]))
    out: dict[int, tuple[tuple[int, float], ...]] = {}
    for start in range(0, n_docs, block):
        sims = (m[start : start + block] @ m.T).tocsr()
        for r in range(sims.shape[0]):
            lo, hi = sims.indptr[r], sims.indptr[r + 1]
            pairs = [
                (float(v), int(c))
                for c, v in zip(sims.indices[lo:hi], sims.data[lo:hi], strict=True)
                if c != start + r and v >= min_similarity
            ]
            if pairs:
                pairs.sort(key=lambda p: (-p[0], p[1]))
                out[ids[start + r]] = tuple((ids[c], round(v, 4)) for v, c in pairs[:top])
    return out


def story_weight(rated: float) -> float:
    """How much a story's context counts: more rated outlets, a surer context."""
    return rated / (rated + 2.0)


def _strength(direct: int) -> str:
    """Stories shared directly with rated outlets: none (only via fragments), 1-2, or more."""
    return "fragments" if direct == 0 else "1-2" if direct <= 2 else "3+"


def cocoverage_signal(ev: StoryEvidence, truth: Mapping[str, float], prior: float) -> Signal:
    """Opinion of every outlet that covered a story with rated context. For a rated outlet its
    own rating is left out of every context. `n` = stories with context; the detail names how
    many distinct rated outlets covered the same stories."""
    dev = {d: y - prior for d, y in truth.items()}
    direct: dict[int, tuple[float, float]] = {}
    for sid, outlets in ev.members.items():
        vals = [dev[d] for d in set(outlets) if d in dev]
        direct[sid] = (sum(vals), float(len(vals)))
    out: Signal = {}
    for dom, stories in ev.covers().items():
        mine = set(stories)
        own = dev.get(dom)
        num = den = 0.0
        n = direct_n = 0
        met: set[str] = set()
        for sid in stories:
            s, w = direct[sid]
            if own is not None:
                s, w = s - own, w - 1
            direct_n += w > 0
            for other, sim in ev.neighbours.get(sid, ()):
                if other in mine or other not in direct:
                    continue  # a story it covered counts once, as its own
                ns, nw = direct[other]
                s, w = s + NEIGHBOUR_WEIGHT * sim * ns, w + NEIGHBOUR_WEIGHT * sim * nw
            if w > 0:
                g = story_weight(w)
                num += g * s / w
                den += g
                n += 1
                met.update(d for d in ev.members[sid] if d in dev and d != dom)
        if n:
            value = prior + num / (den + STORY_SHRINK)
            out[dom] = Opinion(value, n, f"{len(met)} rated outlets", _strength(direct_n))
    return out
