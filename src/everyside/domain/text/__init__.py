"""Text primitives shared by every part that reads article text.

- `normalize`: the one normalisation applied to text when it enters the store (control
  characters, lone surrogates, Unicode NFC).
- `analyzer`: tokens, per-language stop words and a maintained stemmer (Snowball, through
  PyStemmer), used by topics, search and summaries.
"""
