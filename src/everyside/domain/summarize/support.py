"""The support check: does a set of source sentences support a claim?

A claim (a bullet, or a sentence an LLM wrote) is supported when
- every number in it (digits or number words) appears in the sources,
- every name-like word in it (a capitalised word, our cheap entity proxy) appears in the sources,
- its polarity matches: it is negated exactly when its best-matching source is negated,
- its lexical entailment score reaches the threshold: the share of its content stems found in
  the sources (unigrams), mixed with the share of its content bigrams found there (order).

This is deliberately strict and explainable: a failed check names its reasons, which the
abstractive merge logs. It is not a neural entailment model; it errs on the side of rejecting a
faithful paraphrase rather than accepting an unfaithful one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from everyside.domain.summarize.text import (
    content_stems,
    has_negation,
    number_words,
    numbers,
    proper_nouns,
    stem,
    words,
)

DEFAULT_THRESHOLD = 0.6  # entailment score a supported claim must reach
_UNIGRAM_WEIGHT = 0.75


@dataclass(frozen=True)
class SupportResult:
    ok: bool
    score: float  # lexical entailment score, 0..1
    reasons: tuple[str, ...] = field(default=())  # why it failed; empty when ok


def _bigrams(stems: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(stems, stems[1:], strict=False))


def entailment_score(claim: str, sources: Sequence[str]) -> float:
    """Share of the claim's content stems (and bigrams) that the sources contain."""
    claim_stems = content_stems(claim)
    if not claim_stems:
        return 0.0
    source_stems: set[str] = set()
    source_bigrams: set[tuple[str, str]] = set()
    for s in sources:
        st = content_stems(s)
        source_stems.update(st)
        source_bigrams |= _bigrams(st)
    uni = sum(1 for s in claim_stems if s in source_stems) / len(claim_stems)
    claim_bigrams = _bigrams(claim_stems)
    if not claim_bigrams:
        return uni
    bi = len(claim_bigrams & source_bigrams) / len(claim_bigrams)
    return _UNIGRAM_WEIGHT * uni + (1 - _UNIGRAM_WEIGHT) * bi


def _best_source(claim: str, sources: Sequence[str]) -> str:
    claim_set = set(content_stems(claim))
    return max(sources, key=lambda s: len(claim_set & set(content_stems(s))))


def check_support(
    claim: str, sources: Sequence[str], threshold: float = DEFAULT_THRESHOLD
) -> SupportResult:
    """Check `claim` against its cited source sentences (see the module docstring)."""
    if not sources:
        return SupportResult(False, 0.0, ("no cited source sentence",))
    joined = " ".join(sources)
    reasons: list[str] = []
    missing_numbers = (numbers(claim) - numbers(joined)) | (
        number_words(claim) - number_words(joined)
    )
    if missing_numbers:
        reasons.append("numbers not in sources: " + ", ".join(sorted(missing_numbers)))
    source_words = {stem(w) for w in words(joined)}
    missing_names = proper_nouns(claim) - source_words
    if missing_names:
        reasons.append("names not in sources: " + ", ".join(sorted(missing_names)))
    if has_negation(claim) != has_negation(_best_source(claim, sources)):
        reasons.append("negation does not match the source")
    score = entailment_score(claim, sources)
    if score < threshold:
        reasons.append(f"entailment score {score:.2f} below {threshold:.2f}")
    return SupportResult(not reasons, round(score, 3), tuple(reasons))


def is_trim_of(bullet: str, sentence: str) -> bool:
    """The independent extractive check: the bullet is the sentence or a leading cut of it."""
    body = bullet.rstrip(".…").rstrip()
    return bool(body) and sentence.startswith(body)
