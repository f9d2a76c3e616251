"""Full-text search over stories and articles (the indexes of migration 0002).

SQLite uses the FTS5 tables `stories_fts` / `articles_fts`; PostgreSQL the GIN expression
indexes over `to_tsvector('english', ...)`. User text never reaches the FTS5 query syntax:
`fts5_query` turns it into quoted terms (AND, last term as a prefix), and PostgreSQL gets it
through `websearch_to_tsquery`. Both return story ids ranked best first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from everyside.domain.text import analyzer
from everyside.store.outlets import outlet_id_for

RECENT_SIMILAR = 40  # the same for "similar stories", which every story page shows

PG_STORY_DOC = "to_tsvector('english', coalesce(headline, ''))"
PG_ARTICLE_DOC = "to_tsvector('english', coalesce(title, '') || ' ' || coalesce(summary, ''))"


@dataclass(frozen=True)
class StoryHit:
    story_id: int
    score: float  # higher is better
    matched_articles: int  # articles of the story that matched (0 = headline match only)


def fts5_query(q: str) -> str | None:
    """A safe FTS5 MATCH expression for free text, or None when it has no words."""
    words = analyzer.words(q)[:12]  # the text analyzer's tokens; FTS5 splits them further
    if not words:
        return None
    terms = [f'"{w}"' for w in words]
    terms[-1] += "*"  # search-as-you-type: the last word may be a prefix
    return " ".join(terms)


SORTS = ("relevance", "date")
SIDES = ("left", "center", "right")


@dataclass(frozen=True)
class SearchFilter:
    """What narrows a search: the side that covered the story (an outlet of that side among its
    rated outlets), an outlet (domain or alias) that covered it, and a date range (naive UTC; a
    story is in it when its articles' time span overlaps [since, until))."""

    side: str | None = None
    outlet: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class SearchPage:
    total: int  # every matching story, not only this page's
    hits: list[StoryHit]


def search_page(
    conn: Connection,
    q: str,
    *,
    sort: str = "relevance",
    f: SearchFilter | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """One page of the stories whose headline or articles match `q`, with the number of all
    matching stories. Every match is ranked (no cap), so the total and the pages agree."""
    f = f or SearchFilter()
    params: dict[str, Any] = {"n": limit, "o": offset}
    if conn.dialect.name == "sqlite":
        query = fts5_query(q)
        if query is None:
            return SearchPage(0, [])
        params["q"] = query
        hits_sql = _SQLITE_HITS
    else:
        if not analyzer.words(q):
            return SearchPage(0, [])
        params["q"] = q[:500]
        hits_sql = _PG_HITS
    where = ["s.merged_into IS NULL"]
    if f.side in SIDES:
        where.append(f"c.{f.side}_share > 0")
    if f.outlet:
        oid = outlet_id_for(conn, f.outlet.strip().lower().removeprefix("www."))
        if oid is None:
            return SearchPage(0, [])
        where.append(
            "EXISTS (SELECT 1 FROM articles x WHERE x.story_id = s.id AND x.outlet_id = :oid)"
        )
        params["oid"] = oid
    if f.since is not None:
        where.append("s.last_published_at >= :since")
        params["since"] = f.since
    if f.until is not None:
        where.append("s.first_published_at < :until")
        params["until"] = f.until
    order = "h.score DESC, s.id DESC"
    if sort == "date":
        order = "s.last_published_at DESC, s.id DESC"
    joined = (
        "FROM agg h JOIN stories s ON s.id = h.sid LEFT JOIN coverage c ON c.story_id = s.id "
        f"WHERE {' AND '.join(where)}"
    )
    rows = conn.execute(
        text(
            f"{hits_sql} SELECT h.sid, h.score, h.arts, count(*) OVER () {joined} "
            f"ORDER BY {order} LIMIT :n OFFSET :o"
        ),
        params,
    ).all()
    if rows:
        total = int(rows[0][3])
    else:
        total = int(
            conn.execute(text(f"{hits_sql} SELECT count(*) {joined}"), params).scalar() or 0
        )
    return SearchPage(total, [StoryHit(int(r[0]), float(r[1]), int(r[2])) for r in rows])


def search_stories(conn: Connection, q: str, limit: int = 20, offset: int = 0) -> list[StoryHit]:
    """Stories whose headline or articles match `q`, best first."""
    return search_page(conn, q, limit=limit, offset=offset).hits


def search_articles(conn: Connection, q: str, limit: int = 20) -> list[int]:
    """Ids of matching articles, best first."""
    if conn.dialect.name == "sqlite":
        query = fts5_query(q)
        if query is None:
            return []
        sql = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q ORDER BY rank LIMIT :n"
        rows = conn.execute(text(sql), {"q": query, "n": limit}).all()
    else:
        if not analyzer.words(q):
            return []
        sql = (
            f"SELECT id FROM articles WHERE {PG_ARTICLE_DOC} @@ websearch_to_tsquery('english', :q)"
            f" ORDER BY ts_rank({PG_ARTICLE_DOC}, websearch_to_tsquery('english', :q)) DESC"
            " LIMIT :n"
        )
        rows = conn.execute(text(sql), {"q": q[:500], "n": limit}).all()
    return [int(r[0]) for r in rows]


# bm25() is negative (more negative = better): negate it so that higher is better everywhere.
# A story scores its best headline or article match, plus a little per extra matching article.
_SQLITE_HITS = """
WITH allhits AS (
  SELECT a.story_id AS sid, -f.rank AS score, 1 AS art
  FROM articles_fts f JOIN articles a ON a.id = f.rowid
  WHERE articles_fts MATCH :q AND a.story_id IS NOT NULL
  UNION ALL
  SELECT rowid AS sid, -rank * 1.5 AS score, 0 AS art FROM stories_fts WHERE stories_fts MATCH :q
),
agg AS (SELECT sid, max(score) + 0.1 * sum(art) AS score, sum(art) AS arts
        FROM allhits GROUP BY sid)
"""

_PG_HITS = f"""
WITH tq AS (SELECT websearch_to_tsquery('english', :q) AS q),
allhits AS (
  SELECT a.story_id AS sid, ts_rank({PG_ARTICLE_DOC}, tq.q) AS score, 1 AS art
  FROM articles a, tq WHERE {PG_ARTICLE_DOC} @@ tq.q AND a.story_id IS NOT NULL
  UNION ALL
  SELECT s.id AS sid, ts_rank({PG_STORY_DOC}, tq.q) * 1.5 AS score, 0 AS art
  FROM stories s, tq WHERE {PG_STORY_DOC} @@ tq.q
),
agg AS (SELECT sid, max(score) + 0.1 * sum(art) AS score, sum(art) AS arts
        FROM allhits GROUP BY sid)
"""


def similar_stories(conn: Connection, story_id: int, terms: list[str], limit: int = 5) -> list[int]:
    """Stories whose headlines best match any of `terms` (a story's topic tags, each matched as
    a phrase), best first; `story_id` is excluded. Only the RECENT_SIMILAR newest matches are
    ranked, so the cost stays flat however common a tag is."""
    phrases = [" ".join(analyzer.tokens(term)) for term in terms[:8]]
    phrases = [p for p in phrases if p]
    if not phrases:
        return []
    params: dict[str, int | str] = {"n": limit + 1, "me": story_id, "m": RECENT_SIMILAR}
    if conn.dialect.name == "sqlite":
        params["q"] = " OR ".join(f'"{p}"' for p in phrases)
        sql = (
            "SELECT f.rowid FROM (SELECT rowid, rank FROM stories_fts WHERE stories_fts MATCH :q"
            " ORDER BY rowid DESC LIMIT :m) AS f JOIN stories s ON s.id = f.rowid "
            "WHERE f.rowid != :me AND s.merged_into IS NULL ORDER BY f.rank LIMIT :n"
        )
    else:
        params["q"] = " or ".join(f'"{p}"' for p in phrases)
        sql = (
            f"SELECT id FROM (SELECT s.id, ts_rank({PG_STORY_DOC}, tq) AS r "
            f"FROM stories s, websearch_to_tsquery('english', :q) tq "
            f"WHERE {PG_STORY_DOC} @@ tq AND s.id != :me AND s.merged_into IS NULL "
            "ORDER BY s.id DESC LIMIT :m) AS recent ORDER BY r DESC, id DESC LIMIT :n"
        )
    return [int(r[0]) for r in conn.execute(text(sql), params)][:limit]
