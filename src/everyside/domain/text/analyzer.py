"""The one text analyzer: word tokens, per-language stop words and stemming.

- `words(text)`: lower-cased word tokens (letters and digits of any script; an inner
  apostrophe or hyphen stays inside the word: "don't", "well-known"; curly apostrophes are
  straightened).
- `stem(word, lang)`: the Snowball stemmer of the language (PyStemmer, the Snowball project's
  own C implementation), English when the language has none; words shorter than
  `MIN_STEM_CHARS` are left as they are.
- `stopwords(lang, kind)`: tables under `stopwords/`, one file per language and purpose
  (`en.txt`: function words; `en-topics.txt`: words that are never a topic tag). Another
  language is a table (and Snowball's stemmer for it), not a rewrite.
- `content_stems(text, lang)`: the stems of the words that are not stop words.

Used by topics, search and summaries. (The story engine keeps its own tokens until its
redesign adopts this module.)
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import Stemmer

# ISO 639-1 -> the Snowball algorithm of that language
SNOWBALL = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    # English: Snowball's implementation of the original Porter algorithm. On the labelled
    # summary sets it kept ROUGE at the light stemmer's level where Porter2 ("english") lost
    # 0.001 ROUGE-1 on allsides_dev (docs/quality.md, "Summaries").
    "en": "porter",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "id": "indonesian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}
DEFAULT = "en"
# Shorter words are mostly function words or stems already, and stemming them merges words
# that differ ("news" and "new", "was" and "wa"): left as they are.
MIN_STEM_CHARS = 5
_WORD = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")


def _straight(text: str) -> str:
    """Curly apostrophes to straight ones (str.replace is much faster than translate)."""
    return text.replace("’", "'").replace("‘", "'")


def tokens(text: str) -> list[str]:
    """Word tokens of `text`, case kept (for capitalisation heuristics)."""
    return _WORD.findall(_straight(text))


def words(text: str) -> list[str]:
    """Lower-cased word tokens of `text`."""
    return _WORD.findall(_straight(text).lower())


@lru_cache(maxsize=32)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(SNOWBALL.get(lang, SNOWBALL[DEFAULT]))


@lru_cache(maxsize=131072)
def stem(word: str, lang: str = DEFAULT) -> str:
    """The Snowball stem of one lower-cased word; a possessive 's goes first."""
    w = _straight(word)
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) < MIN_STEM_CHARS:
        return w
    return str(_stemmer(lang).stemWord(w))


@lru_cache(maxsize=64)
def stopwords(lang: str = DEFAULT, kind: str = "") -> frozenset[str]:
    """The stop words of a language (`kind` "topics": words that are never a topic tag).
    A language without a table falls back to English."""
    name = f"{lang}-{kind}.txt" if kind else f"{lang}.txt"
    folder = resources.files("everyside.domain.text") / "stopwords"
    path = folder / name
    if not path.is_file():
        if lang == DEFAULT:
            raise FileNotFoundError(f"text analyzer: no stop word table {name}")
        return stopwords(DEFAULT, kind)
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def content_stems(text: str, lang: str = DEFAULT, also: frozenset[str] = frozenset()) -> list[str]:
    """Stems of the words of `text` that are not stop words (nor in `also`), in order."""
    stop = stopwords(lang)
    return [stem(w, lang) for w in words(text) if w not in stop and w not in also]
