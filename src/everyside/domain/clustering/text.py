"""Turning one article into clustering features: tokens, heuristic named entities, numbers.

Pure and offline: a regex tokeniser, the shared text analyzer's Snowball stemmer and stop
words (`everyside.domain.text.analyzer`, plus its table of words common to all news) and a
capitalisation-based entity heuristic (no model). Input text is capped (`MAX_CHARS`) so a 1 MB
article costs the same as a long one, and the lead carries the event anyway.

Weak inputs (real feeds): an article without a title gets its headline from the URL slug
(`/world/2026/feb/09/us-reaches-nuclear-deal-with-armenia` -> "us reaches nuclear deal with
armenia"), else from the first sentence of its text (`headline_source`).
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from everyside.domain.text import analyzer

MAX_TITLE_CHARS = 400
MAX_CHARS = 2500  # of body text, from the start (the lead)

_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*", re.UNICODE)

# The shared analyzer's stop words and its table of words that are everywhere in news
# ("said", "reported", weekdays, "watch", "video"): neither tells two stories apart.
STOPWORDS = analyzer.stopwords("en") | analyzer.stopwords("en", "news")
# Capitalised words that start sentences or headlines without naming anything.
_NOT_ENTITY = STOPWORDS | frozenset(
    """
    new report breaking exclusive analysis opinion editorial update live watch video january
    february march april may june july august september october november december
    """.split()  # noqa: SIM905
)


def stem(word: str) -> str:
    """The shared analyzer's Snowball stem (words under five letters stay as they are)."""
    return analyzer.stem(word)


def _normalise(token: str) -> str:
    t = token.lower().replace("’", "'")
    if t.endswith("'s"):
        t = t[:-2]
    return t.replace("'", "")


def _term(token: str) -> str:
    """The content term of one token, or "" when it is dropped (stop word, single letter)."""
    t = _normalise(token)
    if (len(t) < 2 and not t.isdigit()) or t in STOPWORDS:
        return ""
    return stem(t)


_TERM_CACHE: dict[str, str] = {}  # token -> _term(token): a pure function of the token
_TERM_CACHE_MAX = 500_000


def terms(text: str) -> list[str]:
    """Content terms of a text: lowercased, stop words dropped, stemmed."""
    cache = _TERM_CACHE
    if len(cache) > _TERM_CACHE_MAX:
        cache.clear()  # bound memory on a long-running stream of new words
    out: list[str] = []
    for tok in _WORD.findall(text):
        t = cache.get(tok)
        if t is None:
            t = cache[tok] = _term(tok)
        if t:
            out.append(t)
    return out


def _is_title_case(title: str) -> bool:
    words = [w for w in _WORD.findall(title) if w[0].isalpha() and w.lower() not in STOPWORDS]
    if len(words) < 3:
        return False
    caps = sum(1 for w in words if w[0].isupper())
    return caps / len(words) >= 0.6


# A token of _WORD (the lookbehinds: not inside a longer token) whose first character is not
# an ASCII lowercase letter: only these can be entities or numbers, and most words are skipped
# by the regex engine instead of one Python step each.
_ENTITY_CANDIDATE = re.compile(
    r"(?<![^\W_])(?<![^\W_]['’.\-])(?=[^\W_a-z])[^\W_]+(?:['’.\-][^\W_]+)*", re.UNICODE
)
_WORD_CHAR = re.compile(r"[^\W_]", re.UNICODE)
_SENTENCE_PUNCT = frozenset('.!?:;"“”')


def _starts_sentence(text: str, start: int) -> bool:
    """Whether the token at `start` is the text's first token or follows sentence punctuation
    (its gap from the previous token ends, spaces aside, in one of _SENTENCE_PUNCT)."""
    i = start - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    if i < 0 or text[i] in _SENTENCE_PUNCT:
        return True
    # after other punctuation: a sentence start only if no token comes before at all
    return not _WORD_CHAR.match(text, i) and not _WORD_CHAR.search(text, 0, i)


def entities(text: str, *, skip_initial: bool = True) -> list[str]:
    """Heuristic named entities and numbers of a text, lowercased.

    Capitalised words that do not start a sentence, all-caps acronyms and numbers. Each word
    of a capitalised sequence counts on its own ('John Kerry' -> john, kerry) so that later
    mentions by surname still match.
    """
    out: list[str] = []
    for m in _ENTITY_CANDIDATE.finditer(text):
        tok = m.group()
        if tok[0].isdigit():
            if len(tok) >= 2 or tok.isdigit():
                out.append(tok.lower())
            continue
        if not tok[0].isupper():
            continue
        norm = _normalise(tok)
        if norm in _NOT_ENTITY or len(norm) < 2:
            continue
        acronym = tok.isupper() and len(tok) >= 2
        if skip_initial and not acronym and _starts_sentence(text, m.start()):
            continue
        out.append(norm)
    return out


# A URL path segment reads like a headline when it has at least this many words of letters.
SLUG_MIN_WORDS = 3
# The article's own segment (the last of the path) with two words (`/nancy-guthrie-2675257438/`,
# `/1557659-coral-bleaching/`) is the *shown* headline of last resort (`display_headline`): a
# two-word segment higher up names a section (`/news-releases/1115754`). The engine does not
# match on two words: they name a topic, not an event, and on the real Feb stream matching on
# them joined reports to other stories about the same people (B-cubed F1 0.930 -> 0.926).
SLUG_MIN_WORDS_LAST = 2
# a UUID in a segment (`article_0dacb7ef-baff-546b-868a-9a9208d41320`) is an id, not words
_SLUG_UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)
_SLUG_SPLIT = re.compile(r"[-_+\s]+")
_SLUG_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)  # letters only: ids and dates are not words
_SLUG_EXT = re.compile(r"\.(?:s?html?|php\d?|aspx?|cms|ece|amp|jsp)$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]*[A-Z0-9])")


def slug_headline(url: str | None, *, short: bool = False) -> str:
    """The words of the URL path segment that reads most like a headline, or "".

    News sites put the headline in the path (`.../5238791-us-reaches-nuclear-deal-armenia`);
    numeric ids, UUIDs, dates, hashes and file extensions are dropped. Fewer than
    `SLUG_MIN_WORDS` words (`/article/1241673`, `/a-75885494`) is no headline; with `short`,
    the last segment of the path, the article's own, may have `SLUG_MIN_WORDS_LAST`."""
    if not url:
        return ""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return ""
    segments = [seg for seg in path.split("/") if seg]
    best: list[str] = []
    for i, segment in enumerate(segments):
        plain = _SLUG_UUID.sub(" ", _SLUG_EXT.sub("", segment))
        words = [w for w in _SLUG_SPLIT.split(plain) if _SLUG_WORD.fullmatch(w)]
        least = SLUG_MIN_WORDS_LAST if short and i == len(segments) - 1 else SLUG_MIN_WORDS
        if len(words) >= least and len(words) > len(best):
            best = words
    return " ".join(best)


def first_sentence(text: str | None, limit: int = 110) -> str:
    """The first sentence of a text, trimmed at a word boundary to at most `limit` characters
    (with an ellipsis when cut)."""
    text = " ".join((text or "").split())
    if not text:
        return ""
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    return (cut or sentence[: limit - 1]) + "…"


def headline_source(item: NewsItem) -> tuple[str, str]:
    """(headline text, where it came from: "title" | "slug" | "text" | "") for the features."""
    title = (item.title or "").strip()
    if title:
        return title[:MAX_TITLE_CHARS], "title"
    slug = slug_headline(item.url)
    if slug:
        return slug[:MAX_TITLE_CHARS], "slug"
    sentence = first_sentence(item.text, MAX_TITLE_CHARS)
    return (sentence, "text") if sentence else ("", "")


def display_headline(item: NewsItem, boilerplate: bool = False) -> str:
    """A headline to show for an article: its title, else the first sentence of its text
    (unless that text is boilerplate), else its URL slug, else "Untitled report from OUTLET":
    never empty."""
    title = " ".join((item.title or "").split())
    if title:
        return title[:MAX_TITLE_CHARS]
    if not boilerplate:
        sentence = first_sentence(item.text)
        if sentence:
            return sentence
    slug = slug_headline(item.url, short=True)
    if slug:
        return slug[:1].upper() + slug[1:]
    # nothing that says what it reports (no title, no headline in the URL, a placeholder
    # text): say where it is from rather than show a blank headline
    where = " ".join((item.source or item.domain or "").split())
    return f"Untitled report from {where}"[:MAX_TITLE_CHARS] if where else "Untitled report"


@dataclass
class NewsItem:
    """What the engine reads of an article. The gold story label is never among these."""

    id: int | str
    title: str | None = None
    text: str | None = None
    published_at: datetime | None = None
    source: str | None = None
    domain: str | None = None
    url: str | None = None
    lang: str | None = None
    copy_of: int | str | None = None


_D = TypeVar("_D")
_V = TypeVar("_V", int, float)


class FrozenMap(Mapping[str, _V]):
    """A mapping that never changes, stored as a tuple of keys and an array of values: a
    third of a dict's memory. A story keeps its members' term counts and headline weights
    for repair, its "why grouped" and its headline (up to 400 members a story, hundreds of
    thousands in a long-running window) and never changes them; lookups scan the tuple, which
    is cheap for the few terms of one article. Same keys, same order as the dict it was made
    from."""

    __slots__ = ("_keys", "_values")

    def __init__(self, values: Mapping[str, _V], typecode: str) -> None:
        self._keys = tuple(values)
        self._values: array[_V] = array(typecode, [values[k] for k in self._keys])

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __getitem__(self, key: str) -> _V:
        try:
            return self._values[self._keys.index(key)]
        except ValueError:
            raise KeyError(key) from None

    def get(self, key: str, default: _D = None) -> _V | _D:  # type: ignore[override,assignment]
        keys = self._keys
        return self._values[keys.index(key)] if key in keys else default

    # plain iterators, not views: a view would look every key up again
    def items(self) -> Iterator[tuple[str, _V]]:  # type: ignore[override]
        return zip(self._keys, self._values, strict=True)

    def values(self) -> array[_V]:  # type: ignore[override]
        return self._values

    def __repr__(self) -> str:
        return f"FrozenMap({dict(self.items())!r})"


FrozenCounts = FrozenMap[int]
# one shared empty map per typecode ("I": counts, "d": weights): most members have no names
_EMPTY: dict[str, FrozenMap[Any]] = {"I": FrozenMap({}, "I"), "d": FrozenMap({}, "d")}


def freeze(values: Mapping[str, _V], typecode: str) -> FrozenMap[_V]:
    """`values` as a `FrozenMap` (typecode "I" for counts, "d" for weights), for keeping."""
    if isinstance(values, FrozenMap):
        return values
    return FrozenMap(values, typecode) if values else _EMPTY[typecode]


@dataclass(slots=True)
class Features:
    """Bag-of-terms channels of one article (term -> count): `Counter`s while the engine
    reads the article, `FrozenCounts` once it is a story's member (`release`)."""

    title: Counter[str] | FrozenCounts = field(default_factory=Counter)
    body: Counter[str] | FrozenCounts = field(default_factory=Counter)
    ents: Counter[str] | FrozenCounts = field(default_factory=Counter)
    has_title: bool = False
    has_body: bool = False
    _text: Counter[str] | None = field(default=None, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        return not (self.title or self.body or self.ents)

    def merged(self) -> Counter[str]:
        """Title and body terms together, the headline's counted twice: it says what the
        event is."""
        c: Counter[str] = Counter()
        dict.update(c, self.body.items())  # what Counter(self.body) gives, for either kind
        for t, n in self.title.items():
            c[t] += 2 * n
        return c

    @property
    def text(self) -> Counter[str]:
        """`merged()`, computed once while the engine adds the article (it reads it three
        times; do not modify it), then dropped by `release()`."""
        if self._text is None:
            self._text = self.merged()
        return self._text

    def text_once(self) -> Counter[str]:
        """`text` without keeping it: a member read again (merged into another story, or
        rebuilt by a split) must not carry a second copy of its terms afterwards."""
        return self._text if self._text is not None else self.merged()

    def release(self) -> None:
        """Forget the cached `text` and freeze the counts: a story keeps its members'
        features for the whole window, so they take as little memory as they can."""
        self._text = None
        self.title = freeze(self.title, "I")
        self.body = freeze(self.body, "I")
        self.ents = freeze(self.ents, "I")


def extract(
    item: NewsItem, *, boilerplate: bool = False, seen: Container[str] | None = None
) -> Features:
    """Features of one article; tolerant of missing, huge or odd text. With `boilerplate` the
    body is a text that also stands under unrelated articles (a placeholder, a paywall
    notice) and says nothing about this one: it is left out.

    `seen` (the terms of every earlier article of the stream) judges a headline taken from the
    URL slug when the article has a text: a slug word that no earlier article used and this
    article's own text does not use either is left out. Such words are a slug in another
    language over an English excerpt (`ssha-vydeljat-armenii-mlrd` above "US Vice President
    ... signed with Armenia"): counted twice as headline words and rare, they outweighed the
    text and left the report a story of its own. A word in the slug's language that earlier
    reports used (`empleos` in a second Spanish slug) stays, so such reports still match each
    other."""
    head, source = headline_source(item)
    body = "" if boilerplate else (item.text or "").strip()[:MAX_CHARS]
    if source == "text" and boilerplate:
        head = ""
    title: Counter[str] = Counter()
    body_terms: Counter[str] = Counter()
    ents_found: Counter[str] = Counter()
    f = Features(title, body_terms, ents_found, has_title=bool(head), has_body=bool(body))
    if body:
        body_terms.update(terms(body))
    if head:
        words = terms(head)
        if source == "slug" and seen is not None and body_terms:
            words = [w for w in words if w in seen or w in body_terms]
        title.update(words)
        if source == "title":
            # Title Case headlines capitalise everything: only acronyms and numbers count
            # there. A slug is lower case: it names nothing.
            tc = _is_title_case(head)
            ents = entities(head, skip_initial=True)
            if tc:
                ents = [e for e in ents if e.isdigit() or _acronym_in(e, head)]
            ents_found.update(ents)
    if body:
        ents_found.update(entities(body))
    return f


def _acronym_in(entity: str, title: str) -> bool:
    return entity.upper() in title and any(w == entity.upper() for w in _WORD.findall(title))
