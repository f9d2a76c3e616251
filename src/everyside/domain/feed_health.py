"""How ingestion is going, in words a reader can act on (pure: the feed rows and `now` are
arguments).

`ingestion_status` turns the feeds' stored outcomes (last check, last success, last error) into
the numbers and sentences that the home page and `/-/health` show: how many feeds were tried and
how many fail, when one last succeeded, the most common kind of error ("no network: 434 feeds
unreachable") and what to do next. Ingestion is *degraded* when feeds have been tried and none
has succeeded within `stale_after` (never, on a first run without network).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# the kinds of feed errors, by the fetcher's own wording (ingest/fetch.py, ingest/ssrf.py)
_NO_NETWORK = re.compile(
    r"cannot resolve host|name or service not known|temporary failure in name resolution|"
    r"network is unreachable|no route to host",
    re.I,
)
_UNREACHABLE = re.compile(r"connection refused|ConnectError|no connection after", re.I)
_TIMEOUT = re.compile(r"server sent nothing|timed? ?out|ReadTimeout", re.I)
_HTTP = re.compile(r"\bHTTP (\d{3})\b")
_BLOCKED = re.compile(r"SSRF|forbidden address|refused by the guard|robots\.txt", re.I)
_TLS = re.compile(r"certificate|SSL|TLS", re.I)

KIND_LABEL = {
    "no network": "host not found or network unreachable",
    "unreachable": "unreachable (no connection to the host)",
    "timeout": "timed out",
    "tls": "TLS/certificate error",
    "blocked": "refused by everyside's safety rules",
    "http": "HTTP error",
    "other": "other error",
}


def error_kind(message: str) -> str:
    """One of KIND_LABEL's keys (or "HTTP 404" and the like) for a stored feed error."""
    if _NO_NETWORK.search(message):
        return "no network"
    if _UNREACHABLE.search(message):
        return "unreachable"
    if _TIMEOUT.search(message):
        return "timeout"
    m = _HTTP.search(message)
    if m:
        return f"HTTP {m.group(1)}"
    if _TLS.search(message):
        return "tls"
    if _BLOCKED.search(message):
        return "blocked"
    return "other"


@dataclass(frozen=True)
class FeedOutcome:
    """What the feeds table says about one active feed."""

    last_checked_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    error_count: int


@dataclass(frozen=True)
class IngestionStatus:
    state: str  # "ok" | "degraded" | "not started" (feeds, none tried yet) | "no feeds"
    feeds: int
    tried: int
    failing: int
    succeeded: int  # feeds that have ever succeeded
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    top_error: dict[str, Any] | None  # {"kind", "count", "label", "example"}
    summary: str
    next_steps: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "feeds": self.feeds,
            "tried": self.tried,
            "failing": self.failing,
            "succeeded": self.succeeded,
            "last_success_at": _iso(self.last_success_at),
            "last_attempt_at": _iso(self.last_attempt_at),
            "top_error": self.top_error,
            "summary": self.summary,
            "next_steps": list(self.next_steps),
        }


def _iso(v: datetime | None) -> str | None:
    return None if v is None else v.isoformat()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# what to do next, as (label, command) pairs: the templates render commands as <code>
STEP_NETWORK = "Check this machine's network connection: feeds are fetched over the internet."
STEP_IMPORT = "Import articles from a file: everyside import FILE.jsonl"
STEP_ADD_FEED = "Add a feed you can reach: everyside feeds add URL"
STEP_WAIT = "Wait for the first ingest round: everyside up fetches the feeds every few minutes."
STEP_FEEDS = "See which feeds fail and why: everyside feeds status --errors"


def ingestion_status(
    outcomes: list[FeedOutcome], now: datetime, stale_after: timedelta
) -> IngestionStatus:
    """The status of ingestion from every active feed's outcome; `now` and the time without a
    success after which ingestion is degraded are arguments."""
    tried = [o for o in outcomes if o.last_checked_at is not None]
    failing = [o for o in tried if o.error_count > 0]
    succeeded = [o for o in outcomes if o.last_success_at is not None]
    last_success = max((o.last_success_at for o in succeeded), default=None)  # type: ignore[type-var]
    last_attempt = max((o.last_checked_at for o in tried), default=None)  # type: ignore[type-var]
    top: dict[str, Any] | None = None
    kinds = Counter(error_kind(o.last_error or "") for o in failing)
    if kinds:
        kind, count = kinds.most_common(1)[0]
        example = next(o.last_error for o in failing if error_kind(o.last_error or "") == kind)
        label = KIND_LABEL.get(kind, kind)
        if kind == "no network" and count == len(tried):
            headline = f"no network: {_plural(count, 'feed')} unreachable"
        elif kind == "unreachable":
            headline = f"{_plural(count, 'feed')} unreachable (connection refused or timed out)"
        else:
            headline = f"{label}: {_plural(count, 'feed')}"
        top = {"kind": kind, "count": count, "label": headline, "example": example}
    if not outcomes:
        state = "no feeds"
        summary = "No feeds to fetch yet."
        steps = [STEP_ADD_FEED, STEP_IMPORT]
    elif not tried:
        state = "not started"
        summary = f"{_plural(len(outcomes), 'feed')}, none fetched yet."
        steps = [STEP_WAIT, STEP_IMPORT]
    else:
        fresh = last_success is not None and now - last_success <= stale_after
        state = "ok" if fresh else "degraded"
        parts = [f"{_plural(len(tried), 'feed')} tried, {len(failing)} failing"]
        if last_success is None:
            parts.append("no feed has succeeded yet")
        elif not fresh:
            parts.append(f"no feed has succeeded for {_duration(now - last_success)}")
        if top is not None:
            parts.append(f"most common error: {top['label']}")
        summary = "; ".join(parts) + "."
        steps = []
        if state == "degraded":
            if top is not None and top["kind"] in ("no network", "unreachable"):
                steps.append(STEP_NETWORK)
            steps += [STEP_IMPORT, STEP_ADD_FEED]
        if failing:
            steps.append(STEP_FEEDS)
    return IngestionStatus(
        state=state,
        feeds=len(outcomes),
        tried=len(tried),
        failing=len(failing),
        succeeded=len(succeeded),
        last_success_at=last_success,
        last_attempt_at=last_attempt,
        top_error=top,
        summary=summary,
        next_steps=steps,
    )


def _duration(d: timedelta) -> str:
    hours = d.total_seconds() / 3600
    if hours < 48:
        return _plural(max(1, int(hours)), "hour")
    return _plural(int(hours // 24), "day")
