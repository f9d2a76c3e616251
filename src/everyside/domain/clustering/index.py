"""Candidate retrieval over individual articles: an inverted index of term signatures and a
ring of recent sentence embeddings.

An article is matched against the earlier articles themselves, not against story averages: a
one-sentence excerpt shares few terms with the centroid of a 300-article story (median cosine
0.09 on the real Feb 2026 stream) but shares its names and key words with some of its members.
Each member is indexed under its *signature*: its `SIGNATURE` heaviest terms (and `ENT_SIGNATURE`
heaviest entities, keyed "@name"), L2-normalised over what is kept, so the score accumulated over
the postings is the exact cosine of two signatures. A query reads the `query_terms` heaviest keys
of the article and, for each, only the `scan` most recently indexed members; so a posting never
needs more than `scan` entries, and a common word costs what a rare one costs. The dense ring
keeps the embeddings of the last `ring` articles; one matrix product finds the nearest of them,
which catches reports worded differently from every earlier one.

Members live in numbered slots (reused once free), so a query is a few numpy operations over
slot numbers instead of a Python loop over every posting entry.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Mapping
from functools import lru_cache
from sys import intern
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

SIGNATURE = 24  # terms per member signature
ENT_SIGNATURE = 12  # entities per member signature
# a walk that read fewer posting entries sums them in a dict (numpy's fixed cost is not worth
# it), which lists its members in order of first appearance instead of by slot
SMALL_WALK = 48


def signature(weights: Mapping[str, float], size: int, prefix: str = "") -> dict[str, float]:
    """The `size` heaviest keys of a weighted vector, L2-normalised over those kept."""
    if len(weights) > size:
        top = sorted(weights, key=weights.__getitem__, reverse=True)[:size]
        kept = {k: weights[k] for k in top}
    else:
        kept = dict(weights)
    sq = sum(v * v for v in kept.values())
    if sq <= 0.0:
        return {}
    inv = sq**-0.5
    if prefix:  # one string per key, not one per member: the index keeps them for the window
        return {intern(prefix + k): v * inv for k, v in kept.items()}
    return {k: v * inv for k, v in kept.items()}


class MemberIndex:
    def __init__(
        self,
        *,
        query_terms: int = 16,
        query_ents: int = 8,
        scan: int = 64,
        ring: int = 4096,
        dense_k: int = 12,
    ) -> None:
        self.query_terms = query_terms
        self.query_ents = query_ents
        self.scan = scan
        self.ring_size = ring
        self.dense_k = dense_k
        # key -> (slots, weights), oldest first, at most 2 * scan entries (typed arrays: a
        # query joins them without a Python object per entry)
        self.postings: dict[str, tuple[array[int], array[float]]] = {}
        self.slot_of: dict[Hashable, int] = {}
        self._ids: list[Any] = []  # slot -> member id (None: free)
        self._keys: list[tuple[str, ...]] = []  # slot -> its keys
        self._free: list[int] = []
        self._ring: np.ndarray | None = None
        self._ring_slots = np.full(ring, -1, dtype=np.int64)
        self._ring_pos: dict[int, int] = {}  # slot -> its row in the ring (if it has one)
        self._ring_at = 0
        self._ring_len = 0

    def __len__(self) -> int:
        return len(self.slot_of)

    def __contains__(self, member: Hashable) -> bool:
        return member in self.slot_of

    def add(
        self,
        member: Hashable,
        text_sig: Mapping[str, float],
        ent_sig: Mapping[str, float],
        dense: np.ndarray | None,
    ) -> None:
        if self._free:
            slot = self._free.pop()
            self._ids[slot] = member
        else:
            slot = len(self._ids)
            self._ids.append(member)
            self._keys.append(())
        self.slot_of[member] = slot
        keys = (*text_sig, *ent_sig)
        self._keys[slot] = keys
        postings, cap = self.postings, 2 * self.scan
        for k, w in (*text_sig.items(), *ent_sig.items()):
            p = postings.get(k)
            if p is None:
                postings[k] = (array("q", (slot,)), array("d", (w,)))
            else:
                p[0].append(slot)
                p[1].append(w)
                if len(p[0]) > cap:  # only the last `scan` are ever read
                    del p[0][: -self.scan], p[1][: -self.scan]
        if dense is not None:
            if self._ring is None:
                self._ring = np.zeros((self.ring_size, dense.shape[0]), dtype=np.float32)
            at = self._ring_at
            old = int(self._ring_slots[at])
            if old >= 0 and self._ring_pos.get(old) == at:
                del self._ring_pos[old]  # overwritten: that member leaves the ring
            self._ring[at] = dense
            self._ring_slots[at] = slot
            self._ring_pos[slot] = at
            self._ring_at = (self._ring_at + 1) % self.ring_size
            self._ring_len = min(self._ring_len + 1, self.ring_size)

    def remove(self, member: Hashable) -> None:
        """Forget a member: its postings go, its slot is free again."""
        slot = self.slot_of.pop(member, None)
        if slot is None:
            return
        postings = self.postings
        for k in self._keys[slot]:
            p = postings.get(k)
            if p is None:
                continue
            slots, ws = p
            # a slot is in a posting at most once; evicted members are the oldest entries
            try:
                i = slots.index(slot)
            except ValueError:
                continue  # trimmed away already
            del slots[i], ws[i]
            if not slots:
                del postings[k]
        self._keys[slot] = ()
        self._ids[slot] = None
        at = self._ring_pos.pop(slot, None)  # a slot has at most one row: freed, then reused
        if at is not None:
            self._ring_slots[at] = -1
        self._free.append(slot)

    def query(
        self, text_sig: Mapping[str, float], ent_sig: Mapping[str, float]
    ) -> tuple[dict[Hashable, float], dict[Hashable, float]]:
        """(signature cosine of text, of entities) with the recent members sharing a key."""
        return self._walk(text_sig, self.query_terms), self._walk(ent_sig, self.query_ents)

    def _walk(self, sig: Mapping[str, float], n: int) -> dict[Hashable, float]:
        slots, sums = self.walk(sig, n)
        ids = self._ids
        return {ids[sl]: v for sl, v in zip(slots.tolist(), sums.tolist(), strict=True)}

    def walk(self, sig: Mapping[str, float], n: int) -> tuple[np.ndarray, np.ndarray]:
        """(slots, signature cosines) of the recent members sharing one of the `n` heaviest
        keys of `sig`: slots in ascending order, or in order of first appearance when fewer
        than `SMALL_WALK` postings were read (the order of `query`'s dicts)."""
        slots, weights = self.read(sig, n)
        if not len(slots):
            return _NO_SLOTS, _NO_VALUES
        if len(slots) < SMALL_WALK:  # numpy's fixed cost is not worth it
            acc: dict[int, float] = {}
            for sl, x in zip(slots.tolist(), weights.tolist(), strict=True):
                acc[sl] = acc.get(sl, 0.0) + x
            return (
                np.fromiter(acc, dtype=np.int64, count=len(acc)),
                np.fromiter(acc.values(), dtype=np.float64, count=len(acc)),
            )
        uniq, inv = np.unique(slots, return_inverse=True)
        return uniq, np.bincount(inv, weights=weights)

    def read(self, sig: Mapping[str, float], n: int) -> tuple[np.ndarray, np.ndarray]:
        """The posting entries of the `n` heaviest keys of `sig` (the `scan` most recent of
        each), heaviest key first: (slots, weight of the key in `sig` x weight in the member).
        A slot is listed once per key it shares; summed per slot, the weights are the cosine
        of the two signatures."""
        keys = sorted(sig, key=sig.__getitem__, reverse=True)[:n] if len(sig) > n else list(sig)
        postings, scan = self.postings, self.scan
        slots: array[int] = array("q")
        weights: array[float] = array("d")
        qs: list[float] = []
        counts: list[int] = []
        for k in keys:
            p = postings.get(k)
            if p is None:
                continue
            s, w = p
            if len(s) > scan:
                s, w = s[-scan:], w[-scan:]
            slots += s
            weights += w
            qs.append(sig[k])
            counts.append(len(s))
        if not slots:
            return _NO_SLOTS, _NO_VALUES
        return (
            np.frombuffer(slots, dtype=np.int64),
            np.repeat(qs, counts) * np.frombuffer(weights, dtype=np.float64),
        )

    def member(self, slot: int) -> Any:
        """The member in a slot (None when the slot is free)."""
        return self._ids[slot]

    def nearest(self, dense: np.ndarray | None) -> list[tuple[Any, float]]:
        """(member, cosine) of the `dense_k` nearest embeddings in the ring."""
        slots, sims = self.nearest_slots(dense)
        ids = self._ids
        return [(ids[sl], v) for sl, v in zip(slots.tolist(), sims.tolist(), strict=True)]

    def nearest_slots(self, dense: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(slots, float32 cosines) of the `dense_k` nearest embeddings in the ring."""
        n = self._ring_len
        if dense is None or self._ring is None or not self.dense_k or not n:
            return _NO_SLOTS, _NO_COSINES
        with one_blas_thread():
            sims = self._ring[:n] @ dense
        sims[self._ring_slots[:n] < 0] = -2.0
        k = min(self.dense_k, n)
        top = np.argpartition(-sims, k - 1)[:k] if n > k else np.arange(n)
        slots = self._ring_slots[top]
        keep = slots >= 0
        return slots[keep], sims[top][keep]


_NO_SLOTS = np.zeros(0, dtype=np.int64)
_NO_VALUES = np.zeros(0, dtype=np.float64)
_NO_COSINES = np.zeros(0, dtype=np.float32)


@lru_cache(maxsize=1)
def _blas_libraries() -> tuple[Any, ...]:
    return tuple(ThreadpoolController().select(user_api="blas").lib_controllers)


class one_blas_thread:  # noqa: N801 (a context manager, used like a function)
    """A context in which BLAS runs on one thread. The ring's matrix-vector product (4,096 x
    256) is too small to gain from threads: OpenBLAS's threads cost 1.1-10 times the CPU time of
    one thread on a busy machine (they spin while they wait for a core). Each row of the product
    is computed by the same kernel either way, so the cosines are the same floats.
    (threadpoolctl's own `limit()` context costs tens of µs a call: it is built for rare calls.)"""

    __slots__ = ("_saved",)

    def __enter__(self) -> None:
        saved = []
        for lib in _blas_libraries():
            n = lib.get_num_threads()
            if n != 1:
                lib.set_num_threads(1)
                saved.append((lib, n))
        self._saved = saved

    def __exit__(self, *exc: object) -> None:
        for lib, n in self._saved:
            lib.set_num_threads(n)
