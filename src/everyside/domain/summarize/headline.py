"""The neutral headline of a story, and the earliest outlet's own headline beside it.

The neutral headline is extractive: one of the articles' own titles, cleaned of outlet
suffixes and section tags ("Opinion:", "| Fox News"), chosen for being central among the
titles and close to the story's sentences, and penalised for loaded form: questions,
exclamations, quotes, shouting, second person and a short list of charged verbs.
"""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np

from everyside.domain.summarize.graph import similarity_matrix
from everyside.domain.summarize.model import SourceArticle
from everyside.domain.summarize.text import words, wordset

_PREFIX = re.compile(
    r"^\s*(opinion|analysis|editorial|commentary|watch|video|breaking|exclusive|live|"
    r"update[sd]?|perspectives?|fact check)\s*[:|\-–—]\s*",
    re.IGNORECASE,
)
_SUFFIX = re.compile(r"\s+[|\-–—]\s+[^|\-–—]{2,40}$")
LOADED: frozenset[str] = wordset(
    "slams slam blasts blast rips rip destroys destroy torches torch shreds shred "
    "eviscerates outrage outrageous shocking disgusting insane crazy stunning unhinged "
    "meltdown humiliates humiliating lies liar radical extremist disaster scandal"
)


def clean_title(title: str) -> str:
    """Drop section tags and a trailing ' - Outlet' / ' | Outlet'."""
    t = _PREFIX.sub("", title.strip())
    m = _SUFFIX.search(t)
    if m and len(t[: m.start()].split()) >= 4:
        t = t[: m.start()]
    return t.strip()


def loaded_penalty(title: str) -> float:
    """0 for a plain title; more for each mark of loaded or clickbait form."""
    ws = words(title)
    penalty = 0.0
    penalty += 0.3 if title.rstrip().endswith("?") else 0.0
    penalty += 0.3 if "!" in title else 0.0
    penalty += 0.15 if re.search(r"[\"“”‘’']\w", title) else 0.0
    penalty += 0.2 * sum(1 for w in ws if w in LOADED)
    penalty += 0.2 if {"you", "your", "we", "our"} & set(ws) else 0.0
    penalty += 0.2 if sum(1 for w in title.split() if len(w) > 3 and w.isupper()) >= 2 else 0.0
    penalty += 0.1 if len(ws) < 4 or len(ws) > 20 else 0.0
    return penalty


def neutral_headline(articles: list[SourceArticle], sentences: list[str]) -> str:
    titles = [clean_title(a.title) for a in articles if a.title and a.title.strip()]
    titles = list(dict.fromkeys(t for t in titles if t))
    if not titles:
        return ""
    if len(titles) == 1:
        return titles[0]
    body = " ".join(sentences)
    sim = similarity_matrix([*titles, body])
    among = (sim[: len(titles), : len(titles)].sum(axis=1) - 1) / (len(titles) - 1)
    to_body = sim[: len(titles), -1]
    scores = 0.5 * among + 0.5 * to_body - np.array([loaded_penalty(t) for t in titles])
    return titles[int(np.argmax(scores))]


def _sort_key(article: SourceArticle) -> tuple[int, datetime | None]:
    return (article.published_at is None, article.published_at)


def earliest(articles: list[SourceArticle]) -> dict[str, object] | None:
    """The first-published article's own headline (file order breaks ties and unknown dates)."""
    dated = [a for a in articles if a.published_at is not None]
    if not dated:
        return None
    first = min(dated, key=lambda a: a.published_at or datetime.max)
    return {
        "article_id": first.id,
        "outlet": first.outlet,
        "title": first.title,
        "published_at": first.published_at.isoformat() if first.published_at else None,
    }
