"""The audience of summary disputes: counting a story's distinct readers, and what the
operator's view of open reports and disputed summaries shows.

Recording a report and deciding a dispute is `services.summaries.record_feedback`; this module
holds the two other uses of the reports' tables, so that the web (an adapter) never touches the
store's query modules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from everyside.domain.disputes import dispute_threshold
from everyside.settings import Settings
from everyside.store import feedback as fb

Connection = Any  # an open store connection (`store.read()` / `store.write(fn)`)


def count_reader(conn: Connection, story_id: int, reader: str, now: datetime) -> None:
    """Count `reader` (a keyed address hash) among the readers of `story_id`, once."""
    fb.record_reader(conn, story_id, reader, now)


def overview(conn: Connection, settings: Settings) -> dict[str, Any]:
    """Stories with open reports or a disputed summary (latest report first), each with the
    distinct clients that reported it and how many its readers require; reporters are counted,
    never identified."""
    stories = fb.dispute_overview(conn)
    minimum = settings.summary_dispute_reports
    share = float(settings.summary_dispute_share)
    for s in stories:
        s["needed"] = dispute_threshold(minimum, share, max(s["readers"], s["clients"]))
    return {"stories": stories, "minimum": minimum, "share": share}
