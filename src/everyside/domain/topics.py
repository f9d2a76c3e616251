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

from everyside.domain.text import analyzer

TEXT_CHARS = 4000
MAX_DOCS = 60  # a big story's first 60 articles (by id) say what it is about
_ENDERS = frozenset('.!?:;"“”')
MAX_ENTITIES = 5
MAX_PHRASES = 3


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Words that are never a topic tag (function words, reporting verbs, titles, calendar words):
# the text analyzer's "topics" table, so another language is a table.
STOPWORDS = analyzer.stopwords("en", "topics")
TITLES = _words(
    """
President Vice Sen Sen. Senator Rep Rep. Representative Gov Gov. Governor Mr Mr. Mrs Mrs. Ms Ms.
Dr Dr. Prof Secretary Minister Prime Chief Judge Justice Gen Gen. General Former Speaker Leader
Majority Minority Attorney Mayor King Queen Prince Pope Sir Lady Lord Officials Official
Chairman Chairwoman Chair Deputy Director Ambassador Commissioner Sens Reps Republican Democrat
State
Democratic
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
Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec U.S U.S. US USA America American Americans Week
Several Some Many Most All Both Each Every Another Other Such Few
"""
)
# Lower-case words that may sit inside a name: "Centers for Disease Control", "Bill de Blasio".
JOINERS = frozenset({"of", "for", "de", "del", "la", "le", "du", "von", "van", "bin", "al"})
# A title followed by one of these is part of an institution's name ("Justice Department").
INSTITUTIONS = frozenset(
    {"Department", "Dept", "Court", "Committee", "Office", "Council", "Ministry", "Party", "Act"}
)
SLUG = re.compile(
    r"^\s*(?:[A-Z]{2,}(?: [A-Z0-9]+)+|[A-Z]{6,})-(?=[A-Z][a-z])"
)  # "UPDATE 3-", "GLOBAL MARKETS-"
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
    """Runs of capitalised words, minus titles; single words not at a sentence start.

    Lower-case name joiners ("Centers for Disease Control and Prevention", "Bill de Blasio")
    stay inside a run; "and" only inside an institution's name that already has "of"/"for".
    """
    return _entities(text)[0]


def _entities(text: str) -> tuple[set[str], set[str]]:
    """The entities of `text` and those of them seen only at a sentence start."""
    found: set[str] = set()
    starts: set[str] = set()
    mid: set[str] = set()
    run: list[str] = []
    run_at_start = False
    pos_prev = 0
    pending: list[str] = []  # joiners seen after the run, kept if a capitalised word follows
    for m in _WORD.finditer(text):
        word = m.group(0)
        gap = text[pos_prev : m.start()]
        at_start = pos_prev == 0 or not _ENDERS.isdisjoint(gap)
        contiguous = gap.strip() in ("", "-")
        if run and contiguous and _joins(word, run, pending):
            pending.append(word)
        elif _is_cap(word) and contiguous and run:
            run.extend([*pending, _clean(word)])
            pending = []
        else:
            _flush(run, run_at_start, found, (starts, mid))
            pending = []
            run, run_at_start = ([_clean(word)], at_start) if _is_cap(word) else ([], False)
        pos_prev = m.end()
    _flush(run, run_at_start, found, (starts, mid))
    return found, starts - mid


def _joins(word: str, run: list[str], pending: list[str]) -> bool:
    if len(pending) >= 2:
        return False
    if word in JOINERS:
        return True
    return word == "and" and any(w in ("of", "for") for w in run) and not pending


def _flush(
    run: list[str], at_start: bool, found: set[str], seen: tuple[set[str], set[str]]
) -> None:
    for i in range(len(run) - 1, -1, -1):  # "Senate Majority Leader Chuck Schumer" -> the name
        if run[i] in TITLES and i + 1 < len(run) and run[i + 1] not in INSTITUTIONS:
            run, at_start = run[i + 1 :], False
            break
    while run and (
        run[0] in NOISE
        or (run[0] in TITLES and run[1:2] != [] and run[1] not in INSTITUTIONS)
        or run[0] in JOINERS
    ):
        run = run[1:]
        at_start = False
    while run and (run[-1] in NOISE or run[-1] in JOINERS or run[-1] in TITLES):
        run = run[:-1]
    if not run or (len(run) == 1 and (at_start or run[0] in TITLES)):
        return
    tag = " ".join(run)
    if len(tag) > 2 and tag not in NOISE:
        found.add(tag)
        seen[0 if at_start else 1].add(tag)


def phrases(text: str) -> set[str]:
    """Content words (5+ letters) and bigrams of content words, written in lower case.

    Capitalised words are names (entities' business) or sentence starts, so they break
    phrases: no "leader kevin" or "germany's ahrweiler" fragments.
    """
    words = [w.strip("'’.-") for w in _WORD.findall(text)]
    content = [
        w if (len(w) >= 4 and w.islower() and w not in STOPWORDS and "’" not in w) else ""
        for w in words
    ]
    out = {w for w in content if len(w) >= 5}
    out.update(f"{a} {b}" for a, b in zip(content, content[1:], strict=False) if a and b)
    return out


def _prefer_longest(df: Counter[str], need: int) -> Counter[str]:
    """Fold a name into the most shared longer name containing it ("Blasio" -> "Bill de
    Blasio"); a lone surname also folds into a full name seen in a single article ("Biden" ->
    "Joe Biden"), the usual first-mention style of news text."""
    out: Counter[str] = Counter()
    for tag in sorted(df, key=lambda t: (-len(t), t)):
        homes = [
            t
            for t in out
            if _contains(t, tag)
            and not _run_on(t, df, need)
            and (df[t] >= need or _surname_of(tag, t))
        ]
        home = max(homes, key=lambda t: (df[t], len(t), t)) if homes else tag
        out[home] = max(out[home], df[tag])
    return out


def _contains(long: str, short: str) -> bool:
    return long != short and f" {short} " in f" {long} "


def _drop_start_words(df: Counter[str], start_df: Counter[str], lower: set[str]) -> Counter[str]:
    """A name only ever seen opening a sentence loses its first word when the story also
    writes that word in lower case: "Weak China data ..." + "... weak demand" gives "China"."""
    out = Counter(df)
    for tag in sorted(df, key=lambda t: (-len(t), t)):
        first, _, tail = tag.partition(" ")
        if tail and start_df[tag] >= df[tag] and first.lower() in lower:
            out[tail] = max(out[tail], out.pop(tag))
    return out


def _run_on(tag: str, df: Counter[str], need: int) -> bool:
    """Two names run together ("Greg Abbott Texas"): a shorter leading part is a tag itself."""
    words = tag.split()
    return any(df.get(" ".join(words[:i]), 0) >= need for i in range(1, len(words)))


def _surname_of(tag: str, name: str) -> bool:
    words = name.split()
    return " " not in tag and len(words) <= 4 and words[-1] == tag


def extract_topics(
    docs: Sequence[tuple[str | None, str | None]], outlets: Sequence[str | None] | None = None
) -> list[dict[str, Any]]:
    """Up to 5 entities and 3 key phrases shared by the story's outlets, most shared first.

    With `outlets` (one per doc), a tag counts once per outlet: an outlet's ten articles do
    not make a topic, two outlets do. Tags pass `quality` (no numbers, bylines, fragments)."""
    docs = docs[:MAX_DOCS]
    keys = list(outlets[: len(docs)]) if outlets is not None else []
    keys += [None] * (len(docs) - len(keys))
    groups: dict[object, list[tuple[str | None, str | None]]] = {}
    for i, (doc, key) in enumerate(zip(docs, keys, strict=True)):
        groups.setdefault(key if key is not None else ("doc", i), []).append(doc)
    need = 1 if len(groups) <= 1 else 2
    ent_df: Counter[str] = Counter()
    confirm_df: Counter[str] = Counter()
    phr_df: Counter[str] = Counter()
    start_df: Counter[str] = Counter()
    lower: set[str] = set()
    for group in groups.values():
        g_plain: set[str] = set()
        g_starts: set[str] = set()
        g_confirm: set[str] = set()
        g_phrases: set[str] = set()
        for raw_title, text in group:
            title = SLUG.sub("", raw_title or "")
            body = (text or "")[:TEXT_CHARS]
            plain, starts = _entities(body)
            titled, title_starts = _entities(title)
            if title and not title_case(title):
                mid = (plain - starts) | (titled - title_starts)
                plain |= titled
                starts = (starts | title_starts) - mid
                titled = set()
            g_plain |= plain
            g_starts |= starts
            lower.update(w for w in _WORD.findall(f"{title} {body}") if w.islower())
            g_confirm |= titled - plain
            g_phrases |= phrases(f"{title or ''}. {body}")
        ent_df.update(g_plain)
        start_df.update(g_starts - (g_plain - g_starts))
        confirm_df.update(g_confirm - g_plain)
        phr_df.update(g_phrases)
    any_plain = bool(ent_df)
    for tag, k in confirm_df.items():
        if tag in ent_df or not any_plain:
            ent_df[tag] += k
    ent_df = _case_fold(Counter({t: k for t, k in ent_df.items() if quality(t, lower)}))
    ent_df = _prefer_longest(_drop_start_words(ent_df, start_df, lower), need)
    ents = _top(ent_df, need, MAX_ENTITIES, ())
    taken = {w for e in ents for w in e.lower().split()}
    phrs = _top(
        {p: k for p, k in phr_df.items() if not taken & set(p.split()) and quality(p, lower)},
        need,
        MAX_PHRASES,
        (),
    )
    return [{"tag": t, "kind": "entity", "articles": ent_df[t]} for t in ents] + [
        {"tag": t, "kind": "phrase", "articles": phr_df[t]} for t in phrs
    ]


# words that make a tag a quantity, not a topic ("MILLION Bitcoins", "two dozen")
NUMBER_WORDS = _words(
    """
zero one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
hundred hundreds thousand thousands million millions billion billions trillion trillions dozen
dozens percent per cent half quarter
"""
)


def quality(tag: str, lower: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether a tag can name a topic: no digits or number words, no byline or heading in
    capitals ("MARY CLARE JALONICK", "ORIGINALLY PUBLISHED JANUARY"), no fragment ("J.D",
    "Fla", "I'm"), no capitalised common word ("OCTOBER", or "MILLION" when the story writes
    "million"). `lower`: the words the story writes in lower case."""
    words = tag.split()
    if not words or any(ch.isdigit() for ch in tag):
        return False
    if any(w.lower().strip(".'’") in NUMBER_WORDS for w in words):
        return False
    if any("'" in w or "’" in w for w in words):
        return False  # contractions and possessive fragments
    if len(words) > 1 and all(w.isupper() and len(w) > 1 for w in words if w.isalpha()):
        return False  # a byline, dateline or heading in capitals
    if re.search(r"(^|\s)[A-Za-z]\.[A-Za-z]?$|\.[A-Za-z]$", tag):
        return False  # an abbreviation cut at a full stop: "J.D", "B.C"
    if len(words) == 1:
        w = words[0]
        if w.isupper():
            if len(w) > 6 or w.title() in NOISE or w.lower() in lower:
                return False  # "OCTOBER", "MILLION": a shouted word, not an acronym
        elif len(w) <= 3:
            return False  # "Fla", "Jos", "Ore": an abbreviation or a cut name
    return True


def _case_fold(df: Counter[str]) -> Counter[str]:
    """Tags that differ only in case are one tag, written the most usual way (not in capitals
    when another form exists)."""
    forms: dict[str, list[str]] = {}
    for tag in df:
        forms.setdefault(tag.casefold(), []).append(tag)
    out: Counter[str] = Counter()
    for variants in forms.values():
        best = max(variants, key=lambda t: (not t.isupper(), df[t], t))
        out[best] = sum(df[t] for t in variants)
    return out


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
