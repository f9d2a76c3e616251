"""The one text normalisation at entry: every title, text and name passes here before the store.

What it does, and why:
- NUL and the other C0/C1 control characters go (tab and newline stay; CR and CRLF become a
  newline): PostgreSQL refuses NUL in text, terminals and XML feeds choke on the others, and
  no outlet means them.
- Lone UTF-16 surrogates (from `\\ud800` escapes in JSON, or bytes decoded with
  surrogateescape) become U+FFFD: they cannot be encoded as UTF-8, so the database driver, a
  JSON response or a log line would fail on them later, far from the input.
- U+FFFE and U+FFFF (not characters) go too: XML 1.0 allows neither, nor any of the above
  but tab and newline, so every stored text can be written into an Atom feed.
- Unicode NFC, so that "é" typed as one code point or as "e" + combining accent is the same
  text for dedupe hashes, search and the story engine.

`clean_text` keeps line structure (paragraphs matter to sentence splitting); `clean_line`
also folds every run of whitespace into one space, for one-line fields (titles, names);
`clean_value` cleans every string (keys too) of a JSON-like value, at any depth.

The store applies `clean_text` again to every bound value of its text columns
(`everyside.store.types`), so no writer can bypass it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F), minus tab and newline; U+FFFE, U+FFFF.
_CONTROLS: dict[int, str | None] = {
    c: None
    for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0xFFFE, 0xFFFF)
    if c not in (9, 10)
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


def clean_value(value: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, scalars) with every string, keys included,
    through `clean_text`. Iterative, so a deeply nested value cannot exhaust the stack."""
    if isinstance(value, str):
        return clean_text(value)
    if not isinstance(value, dict | list | tuple):
        return value
    out: dict[Any, Any] | list[Any] = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, dict[Any, Any] | list[Any]]] = [(value, out)]
    while stack:
        src, dst = stack.pop()
        pairs = src.items() if isinstance(src, dict) else enumerate(src)
        for k, v in pairs:
            child: Any
            if isinstance(v, dict | list | tuple):
                child = {} if isinstance(v, dict) else []
                stack.append((v, child))
            else:
                child = clean_text(v) if isinstance(v, str) else v
            if isinstance(dst, dict):
                dst[clean_text(k) if isinstance(k, str) else k] = child
            else:
                dst.append(child)
    return out
