"""Trimming a sentence to a readable bullet without changing what it says.

A long sentence is cut only at a clause boundary (a semicolon, a dash, or a comma that opens a
non-restrictive clause: ", which", ", while", ...), and only when the cut is safe:
- the kept head is long enough to stand alone and has balanced quotes and brackets;
- the dropped tail carries no attribution ("said", "according to"): dropping it would turn a
  claim into a fact; nor any negation (the support check would rightly call that a change);
- the head does not open with a subordinator ("Despite ...", "While ..."), which would leave a
  fragment, and no dash is involved anywhere else in the sentence (dashes pair up around an
  aside, and a cut there leaves half of it);
- the head does not end on a negation or a number, and the cut is never inside a number.
The bullet is the head with a full stop, so it is always a leading cut of its source sentence
(the grounding test checks exactly that). When no safe cut exists the sentence stays whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from everyside.domain.summarize.text import NEGATIONS, has_negation, word_count, words, wordset

MAX_WORDS = 40  # longer sentences are cut when a safe boundary exists
MIN_HEAD_WORDS = 8

_CUTS = re.compile(
    r";\s|\s[—–]\s|\s--\s|,\s(?=(?:which|while|whereas|although|though|as well as|adding|"
    r"even as|a move|a day after|days after|weeks after|amid|including|despite)\b)"
)
_ATTRIBUTION = re.compile(
    r"\b(said|says|say|told|according|reported|reports|claimed|claims|stated|announced|"
    r"alleged|argued|wrote|insisted|suggested)\b",
    re.IGNORECASE,
)
_DASH = re.compile(r"\s[—–]\s|\s--\s|—")
SUBORDINATORS: frozenset[str] = wordset(
    "despite although though while whereas as if when whenever because after before since "
    "unless until whether once even"
)
_PAIRS = (("(", ")"), ("[", "]"), ("“", "”"))


@dataclass(frozen=True)
class Trimmed:
    text: str  # the bullet text
    trimmed: bool  # True when a tail was cut


def _balanced(head: str) -> bool:
    if head.count('"') % 2:
        return False
    return all(head.count(a) == head.count(b) for a, b in _PAIRS)


def _safe_cut(head: str, tail: str) -> bool:
    if word_count(head) < MIN_HEAD_WORDS or not _balanced(head):
        return False
    if _ATTRIBUTION.search(tail) or has_negation(tail):
        return False
    if _DASH.search(head) or _DASH.search(tail):  # dashes pair up: a cut would split an aside
        return False
    first = words(head)[:1] or [""]
    if first[0] in SUBORDINATORS:  # "Despite X, Y": the head is no sentence
        return False
    last = words(head)[-1:] or [""]
    return last[0] not in NEGATIONS and not last[0][:1].isdigit()


def trim_sentence(sentence: str, max_words: int = MAX_WORDS) -> Trimmed:
    """The longest safe leading cut of `sentence` with at most `max_words` words."""
    if word_count(sentence) <= max_words:
        return Trimmed(sentence, False)
    best: str | None = None
    for m in _CUTS.finditer(sentence):
        head = sentence[: m.start()].rstrip(" ,;")
        if word_count(head) > max_words:
            break
        if _safe_cut(head, sentence[m.end() :]):
            best = head
    if best is None:
        return Trimmed(sentence, False)
    return Trimmed(best.rstrip(".") + ".", True)
