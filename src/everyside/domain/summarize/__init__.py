"""Story summaries that cannot lie: pure, extractive, multi-document, every line cited.

Entry points: `summarize_story(articles, now, params)` builds the document below from plain
`SourceArticle` values; `merge_abstractive(...)` (abstractive.py) swaps in LLM-written bullets
that pass the support check; `check_support` is the check itself; `is_eligible` and
`regeneration_reason` drive the service. No I/O, no clock, no settings reads here.

The summary document (stored whole in `summaries.data`, read by the web)::

    {
      "mode": "extractive" | "abstractive" | "abstractive+extractive",
      "headline": {
        "neutral": str,                      # one article's cleaned title, the least loaded
        "earliest": {"article_id", "outlet", "title", "published_at"} | None
      },
      "bullets": [                           # 3-5 for eligible stories, most important first
        {"text": str,                        # the bullet as shown
         "trimmed": bool,                    # extractive: a clause-boundary cut of the source
         "citations": [                      # first one is always role "source"
           {"article_id": int | str, "outlet": str | None, "side": str | None,
            "field": "text" | "summary" | "title",   # article field the offsets index
            "sentence": str, "start": int, "end": int,  # field[start:end] == sentence
            "role": "source" | "corroboration",
            "support": float,                # role source: support-check entailment score
            "similarity": float}]}           # role corroboration: cosine to the source
      ],
      "sides": {"left": [bullet], "center": [bullet], "right": [bullet]},  # only sides
                                             # present, only when >= 2 sides covered it
      "disputed": bool,
      "generated_at": ISO 8601 str,
      "basis": {"article_count": int, "sides": [str], "requested_mode": str},
      "abstractive": {"model": str, "accepted": int, "rejected": [{"text", "reasons"}]}
                                             # only when an LLM was asked
    }
"""

from __future__ import annotations

from everyside.domain.summarize.abstractive import build_messages, merge_abstractive
from everyside.domain.summarize.document import (
    is_eligible,
    regeneration_reason,
    summarize_story,
)
from everyside.domain.summarize.model import SourceArticle, SummaryParams
from everyside.domain.summarize.support import SupportResult, check_support

__all__ = [
    "SourceArticle",
    "SummaryParams",
    "SupportResult",
    "build_messages",
    "check_support",
    "is_eligible",
    "merge_abstractive",
    "regeneration_reason",
    "summarize_story",
]
