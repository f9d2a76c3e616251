"""Evaluation of story summaries against reference summaries (ROUGE F1), with two baselines.

Articles are grouped by their *gold* story (this measures summarisation, not clustering).
Every system gets the same sentence pool (the summariser's candidates) and the same length in
sentences (as many as everyside's bullets for that story), so the comparison is about which
sentences are chosen: `lexrank` is classic thresholded LexRank, `lead` takes the articles'
first sentences round robin. Scores are ROUGE-1/2/L F1 (rouge-score, Porter stemmer), averaged
over stories.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from everyside.domain.summarize.document import summarize_story
from everyside.domain.summarize.graph import lead_baseline, lexrank_baseline
from everyside.domain.summarize.model import SIDES, SourceArticle, SummaryParams, candidates
from everyside.domain.times import parse_iso

SYSTEMS: tuple[str, ...] = ("everyside", "lexrank", "lead")
METRICS: tuple[str, ...] = ("rouge1", "rouge2", "rougeL")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def article_from_row(row: Mapping[str, Any]) -> SourceArticle:
    """A SourceArticle from one line of a stories/*.jsonl file."""
    side = row.get("side")
    return SourceArticle(
        id=row["id"],
        title=row.get("title") or "",
        text=row.get("text"),
        outlet=row.get("domain") or row.get("source"),
        side=side if side in SIDES else None,
        published_at=parse_iso(row.get("date")),
    )


def group_rows(
    rows: Iterable[Mapping[str, Any]],
) -> tuple[dict[str, list[SourceArticle]], dict[str, str]]:
    """Articles by gold story, and each story's own `summary` field when the file has one."""
    stories: dict[str, list[SourceArticle]] = defaultdict(list)
    own: dict[str, str] = {}
    for row in rows:
        stories[row["story"]].append(article_from_row(row))
        if row.get("summary"):
            own.setdefault(row["story"], row["summary"])
    return dict(stories), own


def _cached_tokenizer() -> Any:
    """rouge-score's default tokenizer with the Porter stemmer, memoised: each reference is
    scored against three systems, and stemming dominated the run time. (rouge-score is the
    `eval` extra, imported only here.)"""
    from rouge_score import tokenizers

    class CachedTokenizer(tokenizers.Tokenizer):
        def __init__(self) -> None:
            self._inner = tokenizers.DefaultTokenizer(use_stemmer=True)
            self._cache: dict[str, list[str]] = {}

        def tokenize(self, text: str) -> list[str]:
            if text not in self._cache:
                self._cache[text] = self._inner.tokenize(text)
            return self._cache[text]

    return CachedTokenizer()


def system_summaries(
    articles: list[SourceArticle], now: datetime, params: SummaryParams | None = None
) -> dict[str, str]:
    """The text of each system's summary of one story."""
    doc = summarize_story(articles, now, params)
    ours = [b["text"] for b in doc["bullets"]]
    k = len(ours)
    cands = candidates(articles)
    pool = [c.text for c in cands]
    lex = [pool[i] for i in lexrank_baseline(pool, k)]
    by_article: dict[object, list[str]] = defaultdict(list)
    for c in cands:
        by_article[c.article.id].append(c.text)
    docs = list(by_article.values())
    lead = [docs[d][s] for d, s in lead_baseline(docs, k)]
    return {"everyside": " ".join(ours), "lexrank": " ".join(lex), "lead": " ".join(lead)}


def evaluate(
    stories: Mapping[str, list[SourceArticle]],
    references: Mapping[str, str],
    params: SummaryParams | None = None,
) -> list[dict[str, Any]]:
    """One result per system: {system, rouge1, rouge2, rougeL, stories} (F1, mean over the
    stories that have a reference and at least one sentence)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), tokenizer=_cached_tokenizer())
    totals = {s: dict.fromkeys(METRICS, 0.0) for s in SYSTEMS}
    count = 0
    for story_id, articles in stories.items():
        ref = references.get(story_id)
        if not ref:
            continue
        outputs = system_summaries(articles, EPOCH, params)
        if not outputs["everyside"]:
            continue
        count += 1
        for system, text in outputs.items():
            scores = scorer.score(ref, text)
            for m in METRICS:
                totals[system][m] += scores[m].fmeasure
    return [
        {
            "system": s,
            **{m: round(totals[s][m] / max(count, 1), 4) for m in METRICS},
            "stories": count,
        }
        for s in SYSTEMS
    ]
