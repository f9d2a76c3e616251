"""The dense channel's embedder (wordllama, shipped in the default install without PyTorch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from everyside.domain.clustering import NewsItem
from everyside.domain.clustering.decision import JoinModel
from everyside.domain.clustering.engine import EMBED_CHARS, embed_text
from everyside.services.embeddings import load_embedder, story_engine
from everyside.settings import load_settings


def test_vectors_are_unit_length_and_deterministic():
    embed = load_embedder()
    assert embed is not None, "wordllama is a core dependency"
    a = embed("Fed official says weak data caused by weather, should not slow taper")
    assert a.dtype == np.float32 and a.ndim == 1
    assert abs(float(a @ a) - 1.0) < 1e-5
    assert np.array_equal(
        a, embed("Fed official says weak data caused by weather, should not slow taper")
    )


def test_same_vectors_as_wordllama_itself():
    import wordllama
    from wordllama import WordLlama

    wl = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    text = "Trump castigates Kerry for 'shadow diplomacy' to save Iran nuclear deal"
    ours = load_embedder()(text)
    theirs = wl.embed([text], norm=True)[0]
    assert float(np.abs(ours - theirs).max()) < 1e-5


def test_paraphrases_are_closer_than_other_events():
    embed = load_embedder()
    a = embed("Trump slams John Kerry for 'shadow diplomacy' on Iran deal")
    b = embed("Trump castigates Kerry for 'Shadow Diplomacy' to save Iran nuclear deal")
    c = embed("Heavy rain floods roads across southern England as rivers burst their banks")
    assert float(a @ b) > float(a @ c) + 0.2


def test_empty_text_gives_a_zero_vector_not_nan():
    v = load_embedder()("")
    assert not np.isnan(v).any() and float(v @ v) == 0.0


def test_embed_text_is_headline_and_capped_lead():
    item = NewsItem(id=1, title=" Quake hits Chile ", text="x" * 10_000)
    text = embed_text(item, "Quake hits Chile", False)
    assert (
        text.startswith("Quake hits Chile. ")
        and len(text) == len("Quake hits Chile. ") + EMBED_CHARS
    )
    assert embed_text(NewsItem(id=2, title=None, text="Only a lead"), "", False) == "Only a lead"
    assert embed_text(NewsItem(id=3), "", False) == ""
    # a boilerplate text (a placeholder under unrelated articles) is left out
    placeholder = NewsItem(id=4, text="Excerpt unavailable from publisher metadata.")
    assert embed_text(placeholder, "vance visits armenia", True) == "vance visits armenia"


def test_story_engine_follows_the_setting(tmp_path):
    (tmp_path / "none.toml").write_text("")
    on = story_engine(load_settings(tmp_path / "none.toml", env={}))
    off = story_engine(
        load_settings(tmp_path / "none.toml", env={"EVERYSIDE_STORY_EMBEDDINGS": "false"})
    )
    assert on.embedder is not None and off.embedder is None
    # each variant runs the model fitted for its channels (weights.DENSE / weights.LEXICAL)
    assert on.model == JoinModel.default(dense=True)
    assert off.model == JoinModel.default(dense=False)
    assert on.merge_model == JoinModel.default(dense=True, kind="merge")
    assert off.merge_model == JoinModel.default(dense=False, kind="merge")


def test_word_cache_gives_the_whole_text_tokenization():
    """Words are tokenized one at a time and cached: the ids must be the tokenizer's own for the
    whole (whitespace-normalised) text, so the vector is the one wordllama computes."""
    import wordllama
    from wordllama import WordLlama

    wl = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    embed = load_embedder()
    for text in (
        "Zürich's S&P-500 rally (3.5%) — “unprecedented”, says Müller; 10,000 jobs at risk.",
        "Trump castigates Kerry for 'shadow diplomacy' to save Iran nuclear deal",
        "北京 announces new tariffs on U.S. goods",
    ):
        assert float(np.abs(embed(text) - wl.embed([text], norm=True)[0]).max()) < 1e-5
        embed(text)  # now from the cache: the same vector
        assert np.array_equal(embed(text), embed(text))


def test_whitespace_runs_and_newlines_count_as_one_space():
    embed = load_embedder()
    assert np.allclose(embed("Quake hits\n\nChile  coast"), embed("Quake hits Chile coast"))
