"""Topic tags of a story: the named entities and key phrases its articles share.

A light, deterministic heuristic, not an NER model: entities are runs of capitalised words
(leading titles such as "President" or "Sen." dropped, news-agency bylines and calendar words
ignored); key phrases are content-word bigrams and words. A tag must appear in several of the
story's articles (document frequency), so one article's digression never becomes a topic.
Headlines written in Title Case only confirm entities seen elsewhere, since every word in them
is capitalised. Tags feed topic pages and "similar stories" (matched case-insensitively).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

TEXT_CHARS = 4000
MAX_DOCS = 60  # a big story's first 60 articles (by id) say what it is about
_ENDERS = frozenset('.!?:;"“”')
MAX_ENTITIES = 5
MAX_PHRASES = 3


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


STOPWORDS = _words(
    """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours out over own same she
should so some such than that the their theirs them then there these they this those through to
too under until up very was we were what when where which while who whom why will with would you
your yours new says said say told tell like just get got one two three first last year years week
weeks day days time times many much may might must could still even back well make made makes
people according report reports reported news amid after over says after while since via per
"""
)
TITLES = _words(
    """
President Vice Sen Sen. Senator Rep Rep. Representative Gov Gov. Governor Mr Mr. Mrs Mrs. Ms Ms.
Dr Dr. Prof Secretary Minister Prime Chief Judge Justice Gen Gen. General Former Speaker Leader
Majority Minority Attorney Mayor King Queen Prince Pope Sir Lady Lord Officials Official
"""
)
NOISE = _words(
    """
Reuters AP AFP CNN NPR Associated Press Bloomberg Fox News Getty Images Photo Video Watch Opinion
Analysis Updated Breaking Exclusive Live Read More Click Subscribe Sign Advertisement Editor Note
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
July August September October November December The A An In On At For And But Or If As It This
That These Those There Here What When Where Why How Who We They He She I You Our My His Her Their
Its Yes No Not After Before While Since Amid Over Under With Without From By To Of Is Are Was Were
"""
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’.\-]*[A-Za-z]|[A-Z]")


def _is_cap(word: str) -> bool:
    return word[0].isupper()


def _clean(word: str) -> str:
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            return word[: -len(suffix)]
    return word.rstrip(".") if word.count(".") == 1 and word.endswith(".") else word


def title_case(title: str) -> bool:
    """True when most longer words of a headline are capitalised (Title Case style)."""
    words = [w for w in _WORD.findall(title) if len(w) > 3]
    return len(words) >= 3 and sum(_is_cap(w) for w in words) >= 0.7 * len(words)


def entities(text: str) -> set[str]:
    """Runs of capitalised words, minus leading titles; single words not at a sentence start."""
    found: set[str] = set()
    run: list[str] = []
    run_at_start = False
    pos_prev = 0
    for m in _WORD.finditer(text):
        word = m.group(0)
        gap = text[pos_prev : m.start()]
        at_start = pos_prev == 0 or not _ENDERS.isdisjoint(gap)
        contiguous = gap.strip() in ("", "-")
        if _is_cap(word) and contiguous and run:
            run.append(_clean(word))
        else:
            _flush(run, run_at_start, found)
            run, run_at_start = ([_clean(word)], at_start) if _is_cap(word) else ([], False)
        pos_prev = m.end()
    _flush(run, run_at_start, found)
    return found


def _flush(run: list[str], at_start: bool, found: set[str]) -> None:
    while run and (run[0] in TITLES or run[0] in NOISE):
        run = run[1:]
        at_start = False
    while run and run[-1] in NOISE:
        run = run[:-1]
    if not run or (len(run) == 1 and at_start):
        return
    tag = " ".join(run)
    if len(tag) > 2 and tag not in NOISE:
        found.add(tag)


def phrases(text: str) -> set[str]:
    """Lower-case content words (5+ letters) and bigrams of content words."""
    words = [w.lower().strip("'’.-") for w in _WORD.findall(text)]
    content = [w if (len(w) >= 4 and w not in STOPWORDS) else "" for w in words]
    out = {w for w in content if len(w) >= 5}
    out.update(f"{a} {b}" for a, b in zip(content, content[1:], strict=False) if a and b)
    return out


def extract_topics(docs: Sequence[tuple[str | None, str | None]]) -> list[dict[str, Any]]:
    """Up to 5 entities and 3 key phrases shared by the story's articles, most shared first."""
    docs = docs[:MAX_DOCS]
    need = 1 if len(docs) <= 1 else 2
    ent_df: Counter[str] = Counter()
    confirm_df: Counter[str] = Counter()
    phr_df: Counter[str] = Counter()
    for title, text in docs:
        body = (text or "")[:TEXT_CHARS]
        plain = entities(body)
        titled = entities(title or "")
        if title and not title_case(title):
            plain |= titled
            titled = set()
        ent_df.update(plain)
        confirm_df.update(titled - plain)
        phr_df.update(phrases(f"{title or ''}. {body}"))
    any_plain = bool(ent_df)
    for tag, k in confirm_df.items():
        if tag in ent_df or not any_plain:
            ent_df[tag] += k
    ents = _top(ent_df, need, MAX_ENTITIES, ())
    taken = {w for e in ents for w in e.lower().split()}
    phrs = _top(
        {p: k for p, k in phr_df.items() if not taken & set(p.split())}, need, MAX_PHRASES, ()
    )
    return [{"tag": t, "kind": "entity", "articles": ent_df[t]} for t in ents] + [
        {"tag": t, "kind": "phrase", "articles": phr_df[t]} for t in phrs
    ]


def _top(df: Mapping[str, int], need: int, limit: int, taken: Iterable[str]) -> list[str]:
    seen = set(taken)
    out: list[str] = []
    for tag in sorted(df, key=lambda t: (-df[t], -len(t.split()), t)):
        low = tag.lower()
        if df[tag] < need or any(low in s or s in low for s in seen):
            continue
        out.append(tag)
        seen.add(low)
        if len(out) == limit:
            break
    return out
