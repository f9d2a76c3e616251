"""The text entry point (normalisation) and the one text analyzer (tokens, stop words, stems)."""

from __future__ import annotations

import json

import pytest

from everyside.domain.text import analyzer
from everyside.domain.text.normalize import clean_line, clean_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x00b", "ab"),  # NUL (PostgreSQL refuses it)
        ("bell\x07 esc\x1b del\x7f", "bell esc del"),  # other C0 controls and DEL
        ("c1\x85\x9f", "c1"),  # C1 controls
        ("tab\tand\nnewline", "tab\tand\nnewline"),  # kept
        ("windows\r\nline\rend", "windows\nline\nend"),  # CR and CRLF become a newline
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),  # unencodable: replaced
        ("e\u0301", "\u00e9"),  # NFC: one code point
        (None, None),
    ],
)
def test_clean_text(raw: str | None, clean: str | None) -> None:
    assert clean_text(raw) == clean


def test_cleaned_text_encodes_and_survives_json() -> None:
    raw = json.loads('"bad \\ud83d pair \\u0000 and \\u0085 end"')
    text = clean_text(raw)
    assert text is not None
    text.encode("utf-8")  # would raise on a lone surrogate
    assert "\x00" not in text and "\x85" not in text


def test_clean_line_folds_whitespace() -> None:
    assert clean_line("  Senate\n\n passes \t bill \x00") == "Senate passes bill"
    assert clean_line(" \x00 \n") is None


def test_words_and_tokens() -> None:
    assert analyzer.words("Don’t say “well-known” Zürich 2,500!") == [
        "don't",
        "say",
        "well-known",
        "zürich",
        "2",
        "500",
    ]
    assert analyzer.tokens("The U.N. said") == ["The", "U", "N", "said"]


@pytest.mark.parametrize(
    ("a", "b"),
    [("sanctions", "sanctioned"), ("tariffs", "tariff"), ("raising", "raised"), ("votes", "voted")],
)
def test_stems_join_inflections(a: str, b: str) -> None:
    assert analyzer.stem(a) == analyzer.stem(b)


def test_short_words_are_left_alone() -> None:
    assert analyzer.stem("news") == "news" and analyzer.stem("was") == "was"
    assert analyzer.stem("biden's") == "biden"


def test_stop_words_are_per_language_tables() -> None:
    en = analyzer.stopwords("en")
    assert {"the", "and", "said"} <= en and "senate" not in en
    assert "president" in analyzer.stopwords("en", "topics") and "president" not in en
    assert analyzer.stopwords("xx") == en  # no table yet: English
    assert analyzer.stem("maisons", "fr") == "maison"  # another language: Snowball's stemmer


def test_content_stems() -> None:
    assert analyzer.content_stems("The sanctions were raised by the Senate") == [
        analyzer.stem("sanctions"),
        analyzer.stem("raised"),
        analyzer.stem("senate"),
    ]
