"""The one text normalisation at entry: every title, text and name passes here before the store.

What it does, and why:
- NUL and the other C0/C1 control characters go (tab and newline stay; CR and CRLF become a
  newline): PostgreSQL refuses NUL in text, terminals and XML feeds choke on the others, and
  no outlet means them.
- Lone UTF-16 surrogates (from `\\ud800` escapes in JSON, or bytes decoded with
  surrogateescape) become U+FFFD: they cannot be encoded as UTF-8, so the database driver, a
  JSON response or a log line would fail on them later, far from the input.
- Unicode NFC, so that "é" typed as one code point or as "e" + combining accent is the same
  text for dedupe hashes, search and the story engine.

`clean_text` keeps line structure (paragraphs matter to sentence splitting); `clean_line`
also folds every run of whitespace into one space, for one-line fields (titles, names).
"""

from __future__ import annotations

import re
import unicodedata

# C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F), minus tab and newline.
_CONTROLS: dict[int, str | None] = {
    c: None for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)) if c not in (9, 10)
}
_CONTROLS[13] = "\n"  # a lone CR (old Mac line ends) is a line break, not noise
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
REPLACEMENT = "\ufffd"


def clean_text(value: str | None) -> str | None:
    """`value` without control characters (tab, newline kept) and lone surrogates, in NFC."""
    if value is None:
        return None
    text = value.replace("\r\n", "\n").translate(_CONTROLS)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub(REPLACEMENT, text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text


def clean_line(value: str | None) -> str | None:
    """`clean_text`, then whitespace folded to single spaces and trimmed; None when empty."""
    text = clean_text(value)
    if text is None:
        return None
    return _SPACES.sub(" ", text).strip() or None
