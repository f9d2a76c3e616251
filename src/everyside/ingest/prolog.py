"""The XML prolog of a feed, made safe before any parser sees it.

The prolog (what precedes the root element: the XML declaration, processing instructions,
comments, the DOCTYPE) is where three attacks live:
- entity declarations: expat expands them (its guard still allows 100x the input, 500 MB for a
  5 MB feed) and feedparser's lenient parser substitutes "safe" ones any number of times. Any
  `<!ENTITY` before the root refuses the document, wherever it hides (after 64 KB of padding,
  in UTF-16, in EBCDIC, behind a comment in the internal subset);
- feedparser's DOCTYPE regexes are quadratic in blank lines before the root (70 KB of newlines:
  15 s of CPU with the GIL held): the prolog handed on is rebuilt from its declaration and its
  DOCTYPE (without internal subset), nothing else;
- encodings that hide the above from byte searches: UTF-16/32 and EBCDIC documents are
  transcoded to UTF-8 first (their XML declaration rewritten to say so).
"""

from __future__ import annotations

import codecs
import re

# A prolog token at the current position; each alternative matches in one way only, so a
# failing match costs linear time (no nested quantifiers over the same characters).
_TOKEN = re.compile(
    rb"""\s+
    | <\?.*?\?>
    | <!--.*?-->
    | (?P<doctype><!DOCTYPE(?:[^\[>"'<]|"[^"<]*"|'[^'<]*')*)
      (?:\[(?P<subset>.*?)\]\s*)?>
    """,
    re.S | re.X | re.I,
)
MAX_DOCTYPE = 1024  # a DOCTYPE kept for the parser (the internal subset never is)
_ROOT = re.compile(rb"<[^\W\d]")  # an element's start tag (feedparser's own split is `<\w`)
_FIRST_TAG = re.compile(rb"<\w")
_ENTITY = re.compile(rb"<!ENTITY", re.I)
_DECL_ENCODING = re.compile(rb"""(<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""", re.I)
# (leading bytes, codec) per the XML spec's appendix F; the BOM forms first
_SIGNATURES = (
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x4c\x6f\xa7\x94", "cp037"),  # "<?xm" in EBCDIC
)


class UnsafeDocument(ValueError):
    """The document declares entities; `str()` says so (the caller adds the URL)."""


def to_utf8(body: bytes) -> bytes:
    """`body` in an ASCII-compatible encoding: UTF-16/32 and EBCDIC transcoded to UTF-8."""
    for signature, codec in _SIGNATURES:
        if body.startswith(signature):
            text = body.decode(codec, errors="replace").lstrip("\ufeff").encode("utf-8")
            return _DECL_ENCODING.sub(rb"\1\2utf-8\2", text, count=1)
    return body


def clean_prolog(body: bytes) -> bytes:
    """`body` with a minimal prolog (declaration + DOCTYPE without internal subset); raises
    UnsafeDocument when an entity is declared anywhere before the root element."""
    body = to_utf8(body)
    start = len(codecs.BOM_UTF8) if body.startswith(codecs.BOM_UTF8) else 0
    pos, kept = start, []
    while m := _TOKEN.match(body, pos):
        token = m.group()
        if m.group("doctype"):
            if _ENTITY.search(m.group("subset") or b""):
                raise UnsafeDocument(_REFUSAL)
            if len(m.group("doctype")) < MAX_DOCTYPE:  # RSS 0.91's names its version
                kept.append(m.group("doctype") + b">")
        elif token[:5].lower() == b"<?xml" and pos == start:
            kept.append(token)
        pos = m.end()
    if _ROOT.match(body, pos) is None:
        return _malformed(body)
    return body[:start] + b"\n".join(kept) + b"\n" + body[pos:]


def _malformed(body: bytes) -> bytes:
    """A prolog that does not lead to an element: no parser will expand anything in it, but
    refuse entities all the same, and flatten the whitespace feedparser's regexes choke on."""
    if _ENTITY.search(body):
        raise UnsafeDocument(_REFUSAL)
    first = _FIRST_TAG.search(body)
    end = first.start() if first else len(body)
    return re.sub(rb"\s+", b" ", body[:end]) + body[end:]


_REFUSAL = "XML entity declarations refused (possible entity-expansion attack)"
