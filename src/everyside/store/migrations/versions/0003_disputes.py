"""disputes count distinct clients: the per-browser hash on feedback, the readers of a story

`feedback.browser` keeps a keyed hash of the reader's browser cookie beside the address hash
(`client`), so that reports are counted by distinct client; `(client, created_at)` serves the
per-client rate limit. `story_readers` holds one row per distinct reader (address hash) of a
story page, the audience a dispute is weighed against.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("browser", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_feedback_client_time", ["client", "created_at"], unique=False)
    op.create_table(
        "story_readers",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("reader", sa.String(length=64), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_story_readers_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", "reader", name=op.f("pk_story_readers")),
    )


def downgrade() -> None:
    op.drop_table("story_readers")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_client_time")
        batch_op.drop_column("browser")
