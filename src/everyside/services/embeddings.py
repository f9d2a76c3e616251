"""The sentence embedder behind the story engine's dense channel: wordllama's static
embeddings (numpy only, no PyTorch; the weights and tokenizer ship inside the package).

`load_embedder()` returns a function text -> unit-length float32 vector (wordllama is a core
dependency; the `story_embeddings` setting turns the channel off, and the engine then uses its
lexical-only model). Each text is embedded on its own, so an article's vector never depends on
which other articles share its batch.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from everyside.domain.clustering.engine import Embedder, EngineParams, StoryEngine

WORD_CACHE = 200_000  # distinct words whose token ids are kept (then the cache starts over)


@lru_cache(maxsize=1)
def load_embedder() -> Embedder:
    import wordllama
    from wordllama import WordLlama

    # point wordllama at its bundled files so it never reaches for the network
    wl = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    table = np.ascontiguousarray(wl.embedding, dtype=np.float32)
    tokenizer = wl.tokenizer
    last = table.shape[0] - 1
    cache: dict[str, list[int]] = {}

    def word_ids(word: str) -> list[int]:
        ids = cache.get(word)
        if ids is None:
            if len(cache) >= WORD_CACHE:
                cache.clear()
            ids = cache[word] = [
                min(max(i, 0), last) for i in tokenizer.encode(word, add_special_tokens=False).ids
            ]
        return ids

    def embed(text: str) -> np.ndarray:
        # The tokenizer (Llama's BPE: spaces become "▁", no token spans a single "▁" inside)
        # splits a space-separated text exactly as it splits each word alone, so words are
        # tokenized once and cached; whitespace runs and newlines count as one space.
        ids: list[int] = []
        known = cache.get
        for word in text.split():
            ids += known(word) or word_ids(word)
        if not ids:
            return np.zeros(table.shape[1], dtype=np.float32)
        # the sum points where the mean does; the vector is normalised anyway
        v = table.take(np.fromiter(ids, dtype=np.intp, count=len(ids)), axis=0).sum(axis=0)
        n = float(np.sqrt(v.dot(v)))
        return v / n if n > 0 else v

    return embed


def story_engine(settings: Any, **kwargs: Any) -> StoryEngine:
    """The product's story engine for these settings: parameters from the settings table and
    the dense channel unless `story_embeddings` is off."""
    embedder = load_embedder() if settings.story_embeddings else None
    return StoryEngine(EngineParams.from_settings(settings), embedder=embedder, **kwargs)
