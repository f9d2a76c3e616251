"""Duplicate detection: exact copies by content hash, syndicated (near-)copies by MinHash + LSH.

`DuplicateIndex` remembers the articles of a recent window (times passed in, never read from a
clock) and answers "is this text (nearly) the same as an earlier article of *another* outlet,
and if so which is the first one?". Copies of copies resolve to the first original, so a wire
story reposted by 12 outlets is marked as 11 copies of one article. Pure in-memory logic: the
ingest layer fills it from the store on start and feeds it new articles as they are stored.
"""

from __future__ import annotations

import functools
import hashlib
import re
import zlib
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from datasketch import MinHash, MinHashLSH

NUM_PERM = 64
SHINGLE_WORDS = 5
MIN_WORDS = 30  # below this a text is a teaser: too short to call it a copy of anything
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def content_hash(text: str | None) -> str | None:
    """SHA-256 of the text's words (case, punctuation and spacing ignored); None when empty."""
    if not text:
        return None
    w = words(text)
    return hashlib.sha256(" ".join(w).encode("utf-8")).hexdigest() if w else None


@functools.cache
def _template(num_perm: int) -> MinHash:
    """An empty MinHash whose permutations the others share. datasketch draws them from a
    seeded RandomState for every new MinHash (the same ones each time, seed 1), which cost
    more than hashing an article's shingles."""
    return MinHash(num_perm=num_perm, hashfunc=zlib.crc32)


def new_minhash(num_perm: int = NUM_PERM, hashvalues: Any = None) -> MinHash:
    """An empty MinHash (or one with the given hash values) with the shared permutations."""
    t = _template(num_perm)
    return MinHash(
        num_perm=num_perm,
        hashfunc=zlib.crc32,  # C-speed 32-bit hash of each shingle
        hashvalues=t.hashvalues if hashvalues is None else hashvalues,
        permutations=t.permutations,
        scheme=t.scheme,
    )


def signature(text: str | None, num_perm: int = NUM_PERM) -> MinHash | None:
    """MinHash of the text's 5-word shingles; None for texts shorter than MIN_WORDS words."""
    w = words(text or "")
    if len(w) < MIN_WORDS:
        return None
    shingles = {
        " ".join(w[i : i + SHINGLE_WORDS]).encode("utf-8")
        for i in range(len(w) - SHINGLE_WORDS + 1)
    }
    mh = new_minhash(num_perm)
    mh.update_batch(list(shingles))
    return mh


@dataclass(frozen=True)
class Fingerprint:
    """What the index compares: the exact digest and the MinHash (None for short texts)."""

    digest: str | None
    minhash: MinHash | None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as the digest and the hash values only (an extraction worker sends it):
        the permutations are the same in every process."""
        mh = self.minhash
        if mh is None:
            return (Fingerprint, (self.digest, None))
        return (_unpickle_fingerprint, (self.digest, mh.hashvalues.tobytes(), mh.num_perm))


def _unpickle_fingerprint(digest: str | None, values: bytes, num_perm: int) -> Fingerprint:
    import numpy as np

    hv = np.frombuffer(values, dtype=_template(num_perm).hashvalues.dtype).copy()
    return Fingerprint(digest, new_minhash(num_perm, hv))


def fingerprint(text: str | None, num_perm: int = NUM_PERM) -> Fingerprint:
    return Fingerprint(content_hash(text), signature(text, num_perm))


@dataclass
class Seen:
    article_id: int
    outlet: str  # registered domain (or outlet id as text)
    seen_at: datetime
    original_id: int  # itself, or the article it is a copy of
    minhash: MinHash | None
    digest: str | None


class DuplicateIndex:
    """Exact and near-duplicate lookup over a sliding time window."""

    def __init__(
        self,
        threshold: float = 0.8,
        window: timedelta = timedelta(days=3),
        num_perm: int = NUM_PERM,
    ):
        self.threshold = threshold
        self.window = window
        self.num_perm = num_perm
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.by_id: dict[int, Seen] = {}
        self.by_digest: dict[str, int] = {}
        self.order: deque[int] = deque()

    def __len__(self) -> int:
        return len(self.by_id)

    def fingerprint(self, text: str | None) -> Fingerprint:
        return fingerprint(text, self.num_perm)

    def find_original(
        self, text: str | None, outlet: str, fp: Fingerprint | None = None
    ) -> int | None:
        """Id of the first article of another outlet with (nearly) this text, else None."""
        fp = fp or self.fingerprint(text)
        digest = fp.digest
        if digest and digest in self.by_digest:
            hit = self.by_id[self.by_digest[digest]]
            if hit.outlet != outlet:
                return hit.original_id
        mh = fp.minhash
        if mh is None:
            return None
        best: Seen | None = None
        for key in self.lsh.query(mh):
            cand = self.by_id[int(key)]
            if cand.outlet == outlet or cand.minhash is None:
                continue
            if cand.minhash.jaccard(mh) < self.threshold:
                continue
            if best is None or (cand.seen_at, cand.article_id) < (best.seen_at, best.article_id):
                best = cand
        return best.original_id if best else None

    def add(
        self,
        article_id: int,
        outlet: str,
        seen_at: datetime,
        text: str | None,
        copy_of: int | None = None,
        fp: Fingerprint | None = None,
    ) -> None:
        """Remember an article (once); `copy_of` is what find_original said about it."""
        if article_id in self.by_id:
            return
        fp = fp or self.fingerprint(text)
        mh, digest = fp.minhash, fp.digest
        seen = Seen(article_id, outlet, seen_at, copy_of or article_id, mh, digest)
        self.by_id[article_id] = seen
        self.order.append(article_id)
        if digest and digest not in self.by_digest:
            self.by_digest[digest] = article_id
        if mh is not None:
            self.lsh.insert(str(article_id), mh, check_duplication=False)

    def discard(self, article_id: int) -> None:
        """Forget one article (its store transaction rolled back)."""
        seen = self.by_id.pop(article_id, None)
        if seen is None:
            return
        if seen.digest and self.by_digest.get(seen.digest) == article_id:
            del self.by_digest[seen.digest]
        if seen.minhash is not None:
            self.lsh.remove(str(article_id))

    def expire(self, now: datetime) -> int:
        """Forget articles seen before now - window; returns how many were dropped.

        Articles are added in arrival order, so the oldest sit at the left of `order`."""
        limit = now - self.window
        dropped = 0
        while self.order:
            first = self.by_id.get(self.order[0])
            if first is not None and first.seen_at >= limit:
                break
            self.order.popleft()
            if first is not None:
                self.discard(first.article_id)
                dropped += 1
        return dropped
