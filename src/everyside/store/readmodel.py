"""The read model's queries: stories, their articles and outlets as plain dicts (JSON-ready).

`everyside.services.read` assembles these into what every reader sees (pages, their JSON
twins, the API, feeds, exports and the CLI), so they can never disagree. Every query is one
indexed statement so that pages stay fast on a million articles. A story's outlet count is its
coverage document's (`coverage.outlets`), the story row's only until coverage is computed; both
count distinct outlets by the same rule. Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from everyside.domain.places import country_code, country_name
from everyside.domain.times import iso, to_db
from everyside.domain.topics import quality
from everyside.store.search import SearchFilter, search_page

RANGES = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30)}
STORY_COLS = """s.id, s.headline, s.merged_into, s.article_count,
 coalesce(c.outlets, s.outlet_count) AS outlet_count,
 s.first_published_at, s.last_published_at, s.why, c.rated_outlets, c.left_share,
 c.center_share, c.right_share, c.blindspot, c.country, c.topics"""


@dataclass(frozen=True)
class StoryFilter:
    topic: str | None = None
    country: str | None = None
    range: str | None = None  # day | week | month | None (all)
    blindspot: str | None = None  # left | right | any
    outlet_id: int | None = None
    since: datetime | None = None  # aware UTC: stories last published from then on (briefings)


def _iso(v: Any) -> str | None:
    """ISO 8601 text (aware UTC), whether the driver returned a datetime or SQLite's text."""
    return iso(v)


def _json(v: Any) -> Any:
    if isinstance(v, str):  # some drivers hand JSON back as text
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def _story(row: Any) -> dict[str, Any]:
    m = row._mapping
    return {
        "id": m["id"],
        "headline": m["headline"],
        "article_count": m["article_count"],
        "outlet_count": m["outlet_count"],
        "first_published_at": _iso(m["first_published_at"]),
        "last_published_at": _iso(m["last_published_at"]),
        "why": _json(m["why"]),
        "merged_into": m["merged_into"],
        "rated_outlets": m["rated_outlets"],
        "shares": {
            "left": m["left_share"],
            "center": m["center_share"],
            "right": m["right_share"],
        },
        "blindspot": m["blindspot"],
        "country": m["country"],
        "country_name": country_name(m["country"]) if m["country"] else None,
        "topics": topic_names(_json(m["topics"])),
    }


def topic_names(topics: Any) -> list[str]:
    """Topic tags as strings, whatever shape the coverage document stored them in, without the
    ones `domain.topics.quality` refuses."""
    out: list[str] = []
    for t in topics or []:
        name = (
            t
            if isinstance(t, str)
            else (t.get("tag") or t.get("name"))
            if isinstance(t, dict)
            else None
        )
        # the quality rule of `domain.topics` again: documents stored before it keep junk
        if isinstance(name, str) and name and quality(name):
            out.append(name)
    return out


def newest_time(conn: Connection) -> datetime | None:
    """The newest story time (naive UTC, the column's form): time ranges are relative to it,
    so an old archive still shows."""
    v = conn.execute(text("SELECT max(last_published_at) FROM stories")).scalar()
    if isinstance(v, str):
        v = datetime.fromisoformat(v)
    return v


def list_stories(
    conn: Connection, f: StoryFilter, limit: int = 30, offset: int = 0
) -> list[dict[str, Any]]:
    """Top stories: most outlets first, then most recent."""
    where = ["s.merged_into IS NULL", "s.article_count > 0"]
    params: dict[str, Any] = {"n": limit, "o": offset}
    if f.range in RANGES:
        anchor = newest_time(conn)
        if anchor is not None:
            where.append("s.last_published_at >= :since")
            params["since"] = anchor - RANGES[f.range]
    if f.since is not None:
        where.append("s.last_published_at >= :since_abs")
        params["since_abs"] = to_db(f.since)
    if f.country:  # a code ("GB") or a name ("United Kingdom"); an unknown one matches nothing
        where.append("c.country = :country")
        params["country"] = country_code(f.country) or "-"
    if f.topic:  # any case: "COVID" finds "Covid" too
        where.append("lower(CAST(c.topics AS TEXT)) LIKE :topic")
        params["topic"] = "%" + _like_escape(f.topic.lower()) + "%"
    if f.blindspot in ("left", "right"):
        where.append("c.blindspot = :bs")
        params["bs"] = f.blindspot
    elif f.blindspot == "any":
        where.append("c.blindspot IS NOT NULL")
    order = "s.outlet_count DESC, s.last_published_at DESC, s.id DESC"
    if f.blindspot:
        order = "s.last_published_at DESC, s.id DESC"
    sql = (
        f"SELECT {STORY_COLS} FROM stories s LEFT JOIN coverage c ON c.story_id = s.id "
        f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT :n OFFSET :o"
    )
    return [_story(r) for r in conn.execute(text(sql), params)]


def _like_escape(s: str) -> str:
    # '%' and '_' are wildcards in LIKE; a topic containing them would match too much
    return s.replace("%", "").replace("_", " ")[:80]


def stories_by_ids(conn: Connection, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    marks = ", ".join(f":i{n}" for n in range(len(ids)))
    sql = (
        f"SELECT {STORY_COLS} FROM stories s LEFT JOIN coverage c ON c.story_id = s.id "
        f"WHERE s.id IN ({marks})"
    )
    rows = {
        r._mapping["id"]: _story(r)
        for r in conn.execute(text(sql), {f"i{n}": i for n, i in enumerate(ids)})
    }
    return [rows[i] for i in ids if i in rows]


def get_story(conn: Connection, story_id: int) -> dict[str, Any] | None:
    rows = stories_by_ids(conn, [story_id])
    return rows[0] if rows else None


def coverage_document(conn: Connection, story_id: int) -> dict | None:
    """The stored coverage document of a story, or None."""
    v = conn.execute(
        text("SELECT data FROM coverage WHERE story_id = :i"), {"i": story_id}
    ).scalar()
    doc = _json(v)
    return dict(doc) if isinstance(doc, dict) else None


def first_titles(conn: Connection, story_ids: list[int]) -> dict[int, str]:
    """The title of each story's first titled member (by id)."""
    if not story_ids:
        return {}
    marks = ", ".join(f":i{n}" for n in range(len(story_ids)))
    sql = (
        "SELECT f.story_id, a.title FROM (SELECT story_id, min(id) AS aid FROM articles "
        f"WHERE story_id IN ({marks}) AND title IS NOT NULL GROUP BY story_id) f "
        "JOIN articles a ON a.id = f.aid"
    )
    params = {f"i{n}": i for n, i in enumerate(story_ids)}
    return {int(sid): title for sid, title in conn.execute(text(sql), params)}


ARTICLE_SQL = """
SELECT a.id, a.url, a.title, a.summary AS snippet, substr(a.text, 1, 400) AS lead,
 a.published_at, a.copy_of, a.domain, a.source, a.author, a.story_id,
 o.id AS outlet_id, o.name AS outlet_name, o.domain AS outlet_domain, o.bias, o.bias_spread,
 o.factuality, o.estimated_bias, o.estimated_bias_method, o.estimated_factuality,
 o.estimated_factuality_method, o.country,
 (SELECT w.category FROM ownership w WHERE w.outlet_id = o.id ORDER BY w.id LIMIT 1) AS owner_cat,
 (SELECT w.owner FROM ownership w WHERE w.outlet_id = o.id ORDER BY w.id LIMIT 1) AS owner,
 (SELECT count(*) FROM articles c WHERE c.copy_of = a.id) AS reposts
FROM articles a LEFT JOIN outlets o ON o.id = a.outlet_id
"""


def story_articles(conn: Connection, story_id: int, limit: int = 500) -> list[dict[str, Any]]:
    sql = ARTICLE_SQL + " WHERE a.story_id = :i ORDER BY a.published_at, a.id LIMIT :n"
    return [_article(r) for r in conn.execute(text(sql), {"i": story_id, "n": limit})]


def outlet_articles(conn: Connection, outlet_id: int, limit: int = 20) -> list[dict[str, Any]]:
    sql = ARTICLE_SQL + " WHERE a.outlet_id = :i ORDER BY a.published_at DESC LIMIT :n"
    return [_article(r) for r in conn.execute(text(sql), {"i": outlet_id, "n": limit})]


def _article(row: Any) -> dict[str, Any]:
    m = dict(row._mapping)
    m["published_at"] = _iso(m["published_at"])
    m["snippet"] = (m.pop("snippet") or m.pop("lead", None) or "").strip()
    m.pop("lead", None)
    m["outlet_name"] = m["outlet_name"] or m["source"] or m["domain"] or "Unknown outlet"
    m["country_name"] = country_name(m["country"]) if m.get("country") else None
    return m


def article(conn: Connection, article_id: int) -> dict[str, Any] | None:
    rows = conn.execute(text(ARTICLE_SQL + " WHERE a.id = :i"), {"i": article_id}).all()
    return _article(rows[0]) if rows else None


def search(
    conn: Connection,
    q: str,
    *,
    sort: str = "relevance",
    f: SearchFilter | None = None,
    limit: int = 30,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """(number of all matching stories, this page of them with `matched_articles`)."""
    found = search_page(conn, q, sort=sort, f=f, limit=limit, offset=offset)
    rows = stories_by_ids(conn, [h.story_id for h in found.hits])
    matched = {h.story_id: h.matched_articles for h in found.hits}
    for r in rows:
        r["matched_articles"] = matched[r["id"]]
    return found.total, rows


def list_outlets(conn: Connection, q: str = "", limit: int = 100, offset: int = 0) -> list[dict]:
    params: dict[str, Any] = {"n": limit, "o": offset}
    where = ""
    if q.strip():
        where = "WHERE lower(name) LIKE :q OR domain LIKE :q"
        params["q"] = "%" + _like_escape(q.strip().lower()) + "%"
    sql = (
        "SELECT id, domain, name, country, bias, bias_spread, factuality, estimated_bias "
        f"FROM outlets {where} ORDER BY (bias IS NULL), name, id LIMIT :n OFFSET :o"
    )
    return [dict(r._mapping) for r in conn.execute(text(sql), params)]


def get_outlet(conn: Connection, domain: str) -> dict[str, Any] | None:
    """An outlet by its domain or one of its aliases, with ratings, owners and article counts."""
    from everyside.store.estimates import outlet_estimates
    from everyside.store.outlets import outlet_id_for

    oid = outlet_id_for(conn, domain.strip().lower().removeprefix("www."))
    if oid is None:
        return None
    row = conn.execute(text("SELECT * FROM outlets WHERE id = :i"), {"i": oid}).first()
    if row is None:
        return None
    o = {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in row._mapping.items()}
    o["provenance"] = _json(o.get("provenance"))
    o["ratings"] = [
        dict(r._mapping)
        for r in conn.execute(
            text(
                "SELECT r.name AS rater, r.title AS rater_title, r.url AS rater_url, g.axis, "
                "g.raw, g.value, g.rated_on, g.provenance FROM ratings g "
                "JOIN raters r ON r.id = g.rater_id WHERE g.outlet_id = :i ORDER BY g.axis, r.name"
            ),
            {"i": o["id"]},
        )
    ]
    o["ownership"] = [
        dict(r._mapping)
        for r in conn.execute(
            text(
                "SELECT owner, category, provenance FROM ownership WHERE outlet_id = :i ORDER BY id"
            ),
            {"i": o["id"]},
        )
    ]
    total, copies = conn.execute(
        text("SELECT count(*), count(copy_of) FROM articles WHERE outlet_id = :i"), {"i": o["id"]}
    ).one()
    o["articles"] = {
        "total": int(total),
        "copies": int(copies),
        "original_share": (total - copies) / total if total else None,
    }
    # by axis: the estimate or why there is none; a rater's value always wins
    estimates = outlet_estimates(conn, oid)
    o["estimates"] = {axis: e for axis, e in estimates.items() if o.get(axis) is None}
    return o


def topic_counts(
    conn: Connection, recent: int = 2000, limit: int | None = 60, min_stories: int = 1
) -> list[tuple[str, int]]:
    """The most common topics over the most recent live stories, case-folded ("COVID" and
    "Covid" are one topic, written the most usual way), those shared by `min_stories`."""
    counts: dict[str, Counter[str]] = {}
    for _sid, names in recent_story_topics(conn, recent):
        for name in {n.casefold(): n for n in names}.values():
            counts.setdefault(name.casefold(), Counter())[name] += 1
    out = [
        (max(forms, key=lambda f: (not f.isupper(), forms[f], f)), sum(forms.values()))
        for forms in counts.values()
    ]
    out = [(n, k) for n, k in out if k >= min_stories]
    out.sort(key=lambda kv: (-kv[1], kv[0]))
    return out if limit is None else out[:limit]


def coverage_version(conn: Connection) -> tuple[Any, ...]:
    """Changes whenever a coverage document is written (for caches of topic tables)."""
    row = conn.execute(text("SELECT count(*), max(computed_at) FROM coverage")).first()
    return tuple(row) if row is not None else ()


def recent_story_topics(conn: Connection, recent: int = 2000) -> list[tuple[int, list[str]]]:
    """(story id, topic tags) of the most recent live stories."""
    rows = conn.execute(
        text(
            "SELECT s.id, c.topics FROM coverage c JOIN stories s ON s.id = c.story_id "
            "WHERE s.merged_into IS NULL ORDER BY s.last_published_at DESC, s.id DESC LIMIT :n"
        ),
        {"n": recent},
    )
    return [(int(sid), topic_names(_json(topics))) for sid, topics in rows]


def story_texts(conn: Connection, ids: list[int], per_story: int = 20) -> dict[int, list[str]]:
    """Titles and text leads of each story's first `per_story` original articles."""
    if not ids:
        return {}
    marks = ", ".join(f":i{n}" for n in range(len(ids)))
    sql = (
        "SELECT story_id, title, lead FROM (SELECT story_id, title, substr(text, 1, 1500) AS lead, "
        "row_number() OVER (PARTITION BY story_id ORDER BY id) AS k FROM articles "
        f"WHERE story_id IN ({marks}) AND copy_of IS NULL) AS t WHERE k <= :per"
    )
    params: dict[str, Any] = {f"i{n}": i for n, i in enumerate(ids)}
    params["per"] = per_story
    out: dict[int, list[str]] = {}
    for sid, title, lead in conn.execute(text(sql), params):
        out.setdefault(int(sid), []).extend(t for t in (title, lead) if t)
    return out
