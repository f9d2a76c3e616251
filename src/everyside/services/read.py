"""The read model: what every reader of a story sees, computed in one place.

The HTML pages, their JSON twins, the API, the Atom feeds, the exports and `everyside stories`
all call these functions, so a story's headline, its article and outlet counts, its coverage
panel, its summary and its similar stories are the same everywhere:

- **headline**: `stories.headline` (the summary's neutral headline once the story has a
  summary, the story engine's representative headline before), else the first member's title;
- **outlet count**: the coverage document's count of distinct outlets (the story row's, counted
  by the same rule, until coverage is computed);
- **coverage panel**: the stored coverage document reshaped for display
  (`views.coverage_panel`); a story whose document is not computed yet gets one computed now
  by the very function that stores it (`services.coverage`), never a second derivation;
- **similar stories**: stories sharing a topic tag whose centroids are close
  (`domain.similar`), none below the minimum similarity.

Functions take an open read connection (`with store.read() as conn:`); adapters hold it but
never see a table.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from everyside.domain.coverage import OutletFacts
from everyside.domain.history import missed_stories, reading_profile
from everyside.domain.model import bias_side, factuality_tier
from everyside.domain.similar import rank_similar, term_counts
from everyside.services import views
from everyside.services.coverage import (
    CoverageParams,
    compute_story_coverage,
    get_coverage,
    load_outlets,
)
from everyside.store import coverage as coverage_rows
from everyside.store import readmodel as rm
from everyside.store.readmodel import RANGES, StoryFilter
from everyside.store.search import SORTS, SearchFilter

__all__ = ["RANGES", "SORTS", "SearchFilter", "StoryFilter"]
UNTITLED = "(untitled story)"


def _headlines(conn: Any, stories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stories without a stored headline take their first member's title (one query); topic
    chips are the story's tags that have a topic page (TOPIC_PAGE_MIN stories share them),
    `tags` all of them."""
    missing = [s["id"] for s in stories if not (s["headline"] or "").strip()]
    titles = rm.first_titles(conn, missing) if missing else {}
    pages = topic_pages(conn) if stories else {}
    for s in stories:
        if not (s["headline"] or "").strip():
            s["headline"] = (titles.get(s["id"]) or "").strip() or UNTITLED
        s["tags"] = list(s.get("topics") or [])
        s["topics"] = [pages[t.casefold()] for t in s["tags"] if t.casefold() in pages]
    return stories


TOPIC_PAGE_MIN = 3  # a topic gets a page (and a chip) once this many stories share it
_topic_cache: dict[str, Any] = {"key": None, "index": None}
_topic_lock = threading.Lock()


def _topic_index(conn: Any) -> tuple[dict[str, str], dict[int, list[str]], dict[str, set[int]]]:
    """(topic pages: folded tag -> display name, recent story -> tags, folded tag -> stories),
    rebuilt when a coverage document changes."""
    key = rm.coverage_version(conn)
    with _topic_lock:
        if _topic_cache["key"] == key and _topic_cache["index"] is not None:
            return _topic_cache["index"]  # type: ignore[no-any-return]
    recent = rm.recent_story_topics(conn)
    by_tag: dict[str, set[int]] = {}
    for sid, tags in recent:
        for t in tags:
            by_tag.setdefault(t.casefold(), set()).add(sid)
    pages = {
        name.casefold(): name
        for name, _n in rm.topic_counts(conn, limit=None, min_stories=TOPIC_PAGE_MIN)
    }
    index = (pages, dict(recent), by_tag)
    with _topic_lock:
        _topic_cache.update(key=key, index=index)
    return index


def topic_pages(conn: Any) -> dict[str, str]:
    """Topics with a page: folded name -> display name."""
    return _topic_index(conn)[0]


def list_stories(conn: Any, f: StoryFilter, limit: int = 30, offset: int = 0) -> list[dict]:
    """Top stories (most outlets first, then newest), or blindspots by the missing side."""
    return _headlines(conn, rm.list_stories(conn, f, limit=limit, offset=offset))


def stories_by_ids(conn: Any, ids: list[int]) -> list[dict[str, Any]]:
    return _headlines(conn, rm.stories_by_ids(conn, ids))


def get_story(conn: Any, story_id: int) -> dict[str, Any] | None:
    found = stories_by_ids(conn, [story_id])
    return found[0] if found else None


def search(
    conn: Any,
    q: str,
    *,
    sort: str = "relevance",
    f: SearchFilter | None = None,
    limit: int = 30,
    offset: int = 0,
) -> dict[str, Any]:
    """One page of a search: `total` (every matching story), `stories` (this page) and
    `next_offset` (None on the last page)."""
    total, rows = rm.search(conn, q, sort=sort, f=f, limit=limit, offset=offset)
    more = offset + len(rows) < total
    return {
        "total": total,
        "stories": _headlines(conn, rows),
        "next_offset": offset + len(rows) if more and rows else None,
    }


def encode_cursor(offset: int) -> str:
    """An opaque paging cursor (the API promises nothing about its form)."""
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The offset of a cursor from `encode_cursor`; ValueError when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError("not a cursor of this API") from e
    tag, _, num = raw.partition(":")
    if tag != "o" or not num.isdigit() or len(num) > 9:
        raise ValueError("not a cursor of this API")
    return int(num)


SIMILAR_CANDIDATES = 40  # the stories sharing most tags are compared by content


def similar(conn: Any, story: dict[str, Any], limit: int = 5) -> list[dict[str, Any]]:
    """Stories that share a named entity or key term with this one and whose centroids are
    close (`domain.similar`); none rather than noise."""
    _pages, recent, by_tag = _topic_index(conn)
    tags = story.get("tags") or story.get("topics") or []
    shared: dict[int, int] = {}
    for t in {t.casefold() for t in tags}:
        for sid in by_tag.get(t, ()):
            if sid != story["id"]:
                shared[sid] = shared.get(sid, 0) + 1
    if not shared:
        return []
    pool = sorted(shared, key=lambda sid: (-shared[sid], -sid))[:SIMILAR_CANDIDATES]
    texts = rm.story_texts(conn, [story["id"], *pool])
    counts = {sid: term_counts(ts) for sid, ts in texts.items()}
    found = rank_similar(story["id"], tags, counts, {sid: recent[sid] for sid in pool}, limit=limit)
    out = stories_by_ids(conn, [f.story_id for f in found])
    for s, f in zip(out, found, strict=True):
        s["similarity"], s["shared"] = f.similarity, list(f.shared)
    return out


def coverage_document(
    conn: Any, story_id: int, settings: Any, now: datetime
) -> dict[str, Any] | None:
    """The stored coverage document, or (not computed yet) the same computation, unstored."""
    doc = rm.coverage_document(conn, story_id)
    if doc is None:
        computed = compute_story_coverage(
            conn, [story_id], CoverageParams.from_settings(settings), now
        )
        cov = computed.get(story_id)
        doc = cov.to_dict() if cov is not None else None
    return doc


def story_detail(
    conn: Any, story_id: int, settings: Any, now: datetime, *, document: bool = False
) -> dict[str, Any] | None:
    """A story as readers see it: the story, its coverage panel, summary, article cards and
    similar stories (and the full coverage document with `document`); None when unknown."""
    # summaries bring the summariser (NumPy, SciPy, an HTTP client): only a story page needs them
    from everyside.services.summaries import get_summary

    story = get_story(conn, story_id)
    if story is None:
        return None
    doc = coverage_document(conn, story_id, settings, now) or {}
    cards = [views.card(a, now) for a in rm.story_articles(conn, story_id)]
    out = {
        "story": story,
        "coverage": views.coverage_panel(doc, story),
        "summary": views.summary_view(get_summary(conn, story_id), cards),
        "articles": cards,
        "similar": similar(conn, story),
    }
    if document:
        out["document"] = doc
    return out


def article(conn: Any, article_id: int, now: datetime) -> dict[str, Any] | None:
    row = rm.article(conn, article_id)
    return None if row is None else views.card(row, now)


def topic_counts(conn: Any) -> list[tuple[str, int]]:
    """The topics that have a page, most shared first."""
    return rm.topic_counts(conn, min_stories=TOPIC_PAGE_MIN)


def list_outlets(conn: Any, q: str = "", limit: int = 100, offset: int = 0) -> list[dict]:
    return rm.list_outlets(conn, q, limit=limit, offset=offset)


def outlet(conn: Any, domain: str, recent: int = 20) -> dict[str, Any] | None:
    """An outlet (by domain or alias) with ratings, owners, its latest articles and stories."""
    o = rm.get_outlet(conn, domain)
    if o is None:
        return None
    o["website"] = views.website(o.get("domain"), o.get("homepage"))
    articles = rm.outlet_articles(conn, o["id"], limit=recent)
    ids = list(dict.fromkeys(a["story_id"] for a in articles if a["story_id"]))
    return {"outlet": o, "recent_articles": articles, "recent_stories": stories_by_ids(conn, ids)}


# -- "My News Bias" ------------------------------------------------------------------------
def reading_history(
    conn: Any,
    story_ids: Iterable[int] = (),
    article_ids: Iterable[int] = (),
    missed_limit: int = 10,
) -> dict[str, Any]:
    """ "My News Bias" for a list of read story and article ids (see domain/history.py)."""
    story_set = set(story_ids)
    reads: list[tuple[float, dict[str, Any]]] = []
    arts = coverage_rows.articles_of(conn, set(article_ids))
    facts = load_outlets(conn, (x.outlet_id for x in arts if x.outlet_id is not None))
    for x in arts:
        reads.append((1.0, _outlet_row(facts.get(x.outlet_id))))
    for sid in sorted(story_set):
        outlet_rows_ = (get_coverage(conn, sid) or {}).get("outlets") or []
        reads.extend((1.0 / len(outlet_rows_), row) for row in outlet_rows_)
    profile = reading_profile(reads)
    read_stories = story_set | {x.story_id for x in arts if x.story_id is not None}
    side = profile["leaning"]
    pool = (
        list_stories(conn, StoryFilter(blindspot=side), limit=missed_limit + len(read_stories))
        if side
        else []
    )
    for p in pool:
        p.update(story_id=p["id"], **{f"{k}_share": v for k, v in p["shares"].items()})
    profile["missed"] = missed_stories(pool, read_stories, side, missed_limit)
    profile["read_stories"] = sorted(read_stories)
    return profile


def _outlet_row(f: OutletFacts | None) -> dict[str, Any]:
    if f is None:
        return {}
    side = bias_side(f.bias).value if f.bias is not None else None
    tier = factuality_tier(f.factuality)
    return {
        "side": side,
        "factuality_tier": tier,
        "owner_category": f.owner_category or "Unknown",
        "country": f.country,
    }
