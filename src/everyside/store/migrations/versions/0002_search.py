"""full-text search over story headlines and article titles/snippets; the home-page index

SQLite: two external-content FTS5 tables (`stories_fts`, `articles_fts`) kept in step by
triggers; the update triggers fire only when the indexed columns change, so the frequent
`story_id` updates of clustering cost nothing. PostgreSQL: GIN expression indexes over
`to_tsvector('english', ...)`, which the search queries repeat verbatim so the planner uses them.
Both use English stemming (porter / 'english'); article bodies are not indexed, to keep the
index small on a million articles (titles and snippets carry the searchable words).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 16:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TOKENIZE = "porter unicode61 remove_diacritics 2"

# (fts table, content table, indexed columns)
SQLITE_FTS = (
    ("stories_fts", "stories", ("headline",)),
    ("articles_fts", "articles", ("title", "summary")),
)

PG_INDEXES = (
    ("ix_stories_fts", "stories", "to_tsvector('english', coalesce(headline, ''))"),
    (
        "ix_articles_fts",
        "articles",
        "to_tsvector('english', coalesce(title, '') || ' ' || coalesce(summary, ''))",
    ),
)


def _sqlite_statements(fts: str, table: str, cols: tuple[str, ...]) -> list[str]:
    names = ", ".join(cols)
    new = ", ".join(f"new.{c}" for c in cols)
    old = ", ".join(f"old.{c}" for c in cols)
    delete = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', "
        f"content_rowid='id', tokenize='{TOKENIZE}')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {names} ON {table} BEGIN {delete} {insert} END",
        # index the rows that existed before this migration
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def upgrade() -> None:
    # the home page ranks stories by outlets, then recency: one index walk instead of a sort
    op.create_index("ix_stories_rank", "stories", ["outlet_count", "last_published_at"])
    if op.get_bind().dialect.name == "sqlite":
        for fts, table, cols in SQLITE_FTS:
            for stmt in _sqlite_statements(fts, table, cols):
                op.execute(stmt)
    else:
        for name, table, expr in PG_INDEXES:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin (({expr}))")


def downgrade() -> None:
    op.drop_index("ix_stories_rank", "stories")
    if op.get_bind().dialect.name == "sqlite":
        for fts, _table, _cols in SQLITE_FTS:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    else:
        for name, _table, _expr in PG_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
