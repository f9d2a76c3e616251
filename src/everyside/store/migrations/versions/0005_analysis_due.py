"""stories.analysis_due: the durable "coverage and summary to redo" flag

Set (incremented) in the same transaction that changes a story's members (new story, articles
assigned, merge, split); cleared, if unchanged meanwhile, once the story's coverage and summary
are written. `everyside process`, `up` and every pipeline batch analyse the flagged stories
first, so a process killed between clustering and analysis leaves no story without coverage.
Existing stories with members whose coverage is missing or older than their last change are
flagged here, which repairs a database damaged that way before this revision.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no table copy on SQLite)
    op.add_column(
        "stories",
        sa.Column("analysis_due", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_stories_analysis_due", "stories", ["analysis_due"], unique=False)
    op.execute(
        "UPDATE stories SET analysis_due = 1 WHERE merged_into IS NULL"
        " AND EXISTS (SELECT 1 FROM articles a WHERE a.story_id = stories.id)"
        " AND NOT EXISTS (SELECT 1 FROM coverage c WHERE c.story_id = stories.id"
        " AND c.computed_at >= stories.updated_at)"
    )


def downgrade() -> None:
    op.drop_index("ix_stories_analysis_due", table_name="stories")
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("analysis_due")
