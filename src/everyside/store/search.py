"""Full-text search over stories and articles (the indexes of migration 0002).

SQLite uses the FTS5 tables `stories_fts` / `articles_fts`; PostgreSQL the GIN expression
indexes over `to_tsvector('english', ...)`. User text never reaches the FTS5 query syntax:
`fts5_query` turns it into quoted terms (AND, last term as a prefix), and PostgreSQL gets it
through `websearch_to_tsquery`. Both return story ids ranked best first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from everyside.domain.text import analyzer

# how many matching articles are looked at before grouping them into stories
ARTICLE_CANDIDATES = 400
# only the newest matches are ranked (bm25 / ts_rank cost grows with the number of matches;
# for news, a recent match is the better one anyway)
RECENT_MATCHES = 3000
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


def search_stories(conn: Connection, q: str, limit: int = 20, offset: int = 0) -> list[StoryHit]:
    """Stories whose headline or articles match `q`, best first."""
    if conn.dialect.name == "sqlite":
        query = fts5_query(q)
        if query is None:
            return []
        params = {"q": query, "n": ARTICLE_CANDIDATES, "m": RECENT_MATCHES}
        rows = conn.execute(text(_SQLITE_SQL), params).all()
    else:
        if not analyzer.words(q):
            return []
        rows = conn.execute(text(_PG_SQL), {"q": q[:500], "n": ARTICLE_CANDIDATES}).all()
    hits = [StoryHit(int(r[0]), float(r[1]), int(r[2])) for r in rows]
    return hits[offset : offset + limit]


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
_SQLITE_SQL = """
WITH art AS (
  SELECT a.story_id AS sid, -f.rank AS score
  FROM (SELECT rowid, rank FROM
          (SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH :q
           ORDER BY rowid DESC LIMIT :m)
        ORDER BY rank LIMIT :n) AS f
  JOIN articles a ON a.id = f.rowid
  WHERE a.story_id IS NOT NULL
),
hed AS (
  SELECT rowid AS sid, -rank * 1.5 AS score FROM
    (SELECT rowid, rank FROM stories_fts WHERE stories_fts MATCH :q ORDER BY rowid DESC LIMIT :m)
  ORDER BY rank LIMIT :n
),
allhits AS (
  SELECT sid, score, 1 AS art FROM art UNION ALL SELECT sid, score, 0 AS art FROM hed
)
SELECT h.sid, max(h.score) + 0.1 * sum(h.art) AS score, sum(h.art) AS arts
FROM allhits h JOIN stories s ON s.id = h.sid
WHERE s.merged_into IS NULL
GROUP BY h.sid ORDER BY score DESC, h.sid DESC
"""

_PG_SQL = f"""
WITH tq AS (SELECT websearch_to_tsquery('english', :q) AS q),
art AS (
  SELECT a.story_id AS sid, ts_rank({PG_ARTICLE_DOC}, tq.q) AS score
  FROM articles a, tq
  WHERE {PG_ARTICLE_DOC} @@ tq.q AND a.story_id IS NOT NULL
  ORDER BY score DESC LIMIT :n
),
hed AS (
  SELECT s.id AS sid, ts_rank({PG_STORY_DOC}, tq.q) * 1.5 AS score
  FROM stories s, tq WHERE {PG_STORY_DOC} @@ tq.q
  ORDER BY score DESC LIMIT :n
),
allhits AS (
  SELECT sid, score, 1 AS art FROM art UNION ALL SELECT sid, score, 0 AS art FROM hed
)
SELECT h.sid, max(h.score) + 0.1 * sum(h.art) AS score, sum(h.art) AS arts
FROM allhits h JOIN stories s ON s.id = h.sid
WHERE s.merged_into IS NULL
GROUP BY h.sid ORDER BY score DESC, h.sid DESC
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
