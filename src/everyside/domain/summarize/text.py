"""Text primitives of the summariser: sentence spans, numbers, negations; words, stems and
stop words come from the one text analyzer (`everyside.domain.text.analyzer`).

Pure functions over strings. Sentence splitting is rule-based (abbreviations and initials do not
end a sentence) and returns character offsets into the original text, so that every citation can
point at the exact span it quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from everyside.domain.text import analyzer


def wordset(words: str) -> frozenset[str]:
    """The set of the space-separated words of `words` (keeps word lists readable)."""
    return frozenset(words.split())


STOPWORDS: frozenset[str] = analyzer.stopwords("en")

# Words whose trailing period does not end a sentence.
ABBREVIATIONS: frozenset[str] = wordset(
    "mr mrs ms dr prof sen rep gov gen lt col sgt capt st jr sr inc co corp ltd no vs etc "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e a.m p.m d.c"
)
NEGATIONS: frozenset[str] = wordset(
    "not no never none nobody nothing neither nor without cannot can't won't don't "
    "doesn't didn't isn't aren't wasn't weren't hasn't haven't hadn't shouldn't wouldn't "
    "couldn't denied denies deny refused refuses rejected rejects fails failed"
)
NUMBER_WORDS: frozenset[str] = wordset(
    "zero one two three four five six seven eight nine ten eleven twelve twenty thirty "
    "forty fifty hundred thousand million billion trillion dozen dozens first second "
    "third half percent"
)

_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*[A-Z\"“])")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")


def _straight(text: str) -> str:
    """Curly apostrophes to straight ones (str.replace is much faster than translate)."""
    return text.replace("’", "'").replace("‘", "'")


@dataclass(frozen=True)
class Span:
    """A sentence of a text: text[start:end] == sentence."""

    start: int
    end: int
    text: str


def _ends_with_abbreviation(text: str, end: int) -> bool:
    m = re.search(r"([A-Za-z.]+)\.$", text[max(0, end - 12) : end])
    if m is None:
        return False
    word = m.group(1).lower().rstrip(".")
    return word in ABBREVIATIONS or len(word) == 1  # initials: "John F. Kerry"


def _inside_quote(chunk: str) -> bool:
    """A quotation opened in `chunk` is still open (so a '.' inside it ends no sentence);
    never for long chunks, so one stray quote mark cannot swallow a whole article."""
    if len(chunk.split()) > QUOTE_SPAN_WORDS:
        return False
    return quote_marks(chunk) % 2 == 1


def quote_marks(text: str) -> int:
    """Double quotation marks of any style (outlets mix “...\" freely, so only parity counts)."""
    return text.count("“") + text.count("”") + text.count('"')


QUOTE_SPAN_WORDS = 60


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of `text`, whitespace-trimmed, in order. A quotation of several
    sentences stays one span: its parts alone would be half-quotes."""
    spans: list[Span] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if m.group(0).startswith(".") and _ends_with_abbreviation(text, m.start() + 1):
            continue
        if "\n" not in m.group(0) and _inside_quote(text[start:end]):
            continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, len(text), spans)
    return spans


def _add_span(text: str, start: int, end: int, out: list[Span]) -> None:
    chunk = text[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    body = chunk.strip()
    if body:
        out.append(Span(start + lead, start + lead + len(body), body))


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophes normalised)."""
    return analyzer.words(text)


def stem(word: str) -> str:
    """The Snowball stem: 'sanctions'/'sanctioned' meet in support checks."""
    return analyzer.stem(word.lower())


def content_stems(text: str) -> list[str]:
    """Stems of the non-stopword words of `text`, in order (negations are kept apart)."""
    return analyzer.content_stems(text, also=NEGATIONS)


def numbers(text: str) -> set[str]:
    """Numbers written with digits, normalised ('1,000' -> '1000', '3.5' stays)."""
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def number_words(text: str) -> set[str]:
    return {w for w in words(text) if w in NUMBER_WORDS}


def has_negation(text: str) -> bool:
    return any(w in NEGATIONS or w.endswith("n't") for w in words(text))


def proper_nouns(text: str) -> set[str]:
    """Capitalised words that are not sentence-initial stopwords: a cheap named-entity proxy."""
    found: set[str] = set()
    for i, tok in enumerate(analyzer.tokens(text)):
        if not tok[0].isupper():
            continue
        low = tok.lower()
        if low in STOPWORDS or low in NEGATIONS or (i == 0 and low in _COMMON_OPENERS):
            continue
        found.add(stem(low))
    return found


# Capitalised only because they open a sentence; never taken for names.
_COMMON_OPENERS: frozenset[str] = wordset(
    "the a an this that these those it its in on at after before as while when president "
    "officials critics supporters lawmakers experts"
)


def word_count(text: str) -> int:
    return len(text.split())


def is_complete(sentence: str) -> bool:
    """True when the sentence ends like a sentence (not a '...' teaser cut mid-thought)."""
    s = sentence.rstrip("\"'”’)] ")
    if s.endswith(("...", "…")):
        return False
    return s.endswith((".", "!", "?"))
