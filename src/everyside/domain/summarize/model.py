"""Inputs and parameters of the summariser: plain values, no I/O.

`SourceArticle` is what the summariser needs to know about one article of a story; the service
builds them from the store, the evaluation from a JSONL file. `Candidate` is one sentence of one
article with the offsets a citation needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from everyside.domain.summarize.text import is_complete, quote_marks, split_sentences, word_count

SIDES: tuple[str, ...] = ("left", "center", "right")


@dataclass(frozen=True)
class SourceArticle:
    id: int | str
    title: str
    text: str | None = None  # body text; falls back to `summary`, then the title
    outlet: str | None = None  # registered domain or outlet name; None = unknown outlet
    side: str | None = None  # left | center | right | None (unrated)
    factuality: float | None = None  # 0 (Very Low) .. 4 (Very High), None = unrated
    published_at: datetime | None = None
    summary: str | None = None  # feed snippet

    @property
    def outlet_key(self) -> str:
        """Outlet identity for counting; an unknown outlet counts as its own."""
        return self.outlet or f"article:{self.id}"


@dataclass(frozen=True)
class SummaryParams:
    min_bullets: int = 3
    max_bullets: int = 5
    bullets_per_outlets: int = 6  # one more bullet per this many outlets, up to max_bullets
    side_bullets: int = 2  # "how each side told it": bullets per side
    max_words: int = 40  # trim longer sentences at a safe clause boundary
    mmr_lambda: float = 0.7  # relevance vs novelty
    duplicate_similarity: float = 0.4  # a candidate this close to a picked one is redundant
    # no two bullets share more than this share of the shorter one's word stems (overlap
    # coefficient): a repeated sentence never fills in for a missing bullet (issue 18)
    max_bullet_overlap: float = 0.6
    corroboration_similarity: float = 0.3  # another outlet's sentence this close reports it too
    low_factuality: float = 1.5  # below: Low / Very Low
    strict: bool = False  # disputed regeneration: only corroborated sentences when possible
    support_threshold: float = 0.6  # entailment score of the support check
    # relevance weights (select.py)
    w_centrality: float = 0.6
    w_position: float = 0.2
    w_title: float = 0.2
    w_corroboration: float = 0.15
    w_sides: float = 0.05


@dataclass(frozen=True)
class Candidate:
    index: int  # position in the story's candidate list
    article: SourceArticle
    position: int  # sentence number in its article (0 = lead)
    text: str
    start: int
    end: int
    field: str  # "text" | "summary" | "title": which article field the offsets refer to

    def citation(self) -> dict[str, object]:
        return {
            "article_id": self.article.id,
            "outlet": self.article.outlet,
            "side": self.article.side,
            "field": self.field,
            "sentence": self.text,
            "start": self.start,
            "end": self.end,
        }


def _body(article: SourceArticle) -> tuple[str, str]:
    if article.text and article.text.strip():
        return article.text, "text"
    if article.summary and article.summary.strip():
        return article.summary, "summary"
    return article.title or "", "title"


MIN_WORDS = 6
MAX_CANDIDATE_WORDS = 80


def candidates(articles: list[SourceArticle]) -> list[Candidate]:
    """Every usable sentence of every article, in article order.

    Dropped: teasers cut mid-sentence ("..."), questions, half quotations, fragments under
    MIN_WORDS words and run-ons over MAX_CANDIDATE_WORDS. An article left with nothing
    contributes its own headline instead (so every side that covered the story can be
    heard); when the whole story is left with nothing, every sentence is kept.
    """
    every: list[Candidate] = []
    usable: list[Candidate] = []
    for article in articles:
        body, field = _body(article)
        mine = [
            Candidate(0, article, pos, span.text, span.start, span.end, field)
            for pos, span in enumerate(split_sentences(body))
        ]
        every.extend(mine)
        kept = [c for c in mine if _usable(c.text, c.field)]
        title = (article.title or "").strip()
        if not kept and field != "title" and title and _usable(title, "title"):
            start = article.title.index(title)
            kept = [Candidate(0, article, 0, title, start, start + len(title), "title")]
        usable.extend(kept)
    chosen = usable or every
    return [
        Candidate(i, c.article, c.position, c.text, c.start, c.end, c.field)
        for i, c in enumerate(chosen)
    ]


def _usable(sentence: str, field: str) -> bool:
    n = word_count(sentence)
    if n < MIN_WORDS or n > MAX_CANDIDATE_WORDS or sentence.rstrip("\"'”’ ").endswith("?"):
        return False
    if quote_marks(sentence) % 2:
        return False  # half a quotation: the splitter had to cut inside it
    return field == "title" or is_complete(sentence)
