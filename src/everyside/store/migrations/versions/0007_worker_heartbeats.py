"""worker_heartbeats: the Celery workers of the scale-out shape (issue 20)

One row per worker, rewritten every few seconds with the queue depths it read from the broker;
/-/health.json and /-/metrics read it. A new table only: nothing existing is rewritten.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 02:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeats",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("queues", sa.String(length=500), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("tasks_done", sa.Integer(), nullable=False),
        sa.Column("queue_depths", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_heartbeats")),
    )


def downgrade() -> None:
    op.drop_table("worker_heartbeats")
