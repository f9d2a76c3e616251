"""estimated lean and factuality of unrated outlets, with their evidence

`outlet_estimates` holds one row per unrated outlet and axis (value, expected error, methods,
evidence counts, the date); `outlets.estimated_factuality` / `estimated_factuality_method` cache
the factuality estimate beside the existing `estimated_bias` columns for the pages' queries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no table copy on SQLite: the outlets rows and their references stay)
    op.add_column("outlets", sa.Column("estimated_factuality", sa.Float(), nullable=True))
    op.add_column("outlets", sa.Column("estimated_factuality_method", sa.Text(), nullable=True))
    op.create_table(
        "outlet_estimates",
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("axis", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("label", sa.String(length=32), nullable=True),
        sa.Column("expected_error", sa.Float(), nullable=True),
        sa.Column("baseline_error", sa.Float(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("methods", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("sentence", sa.Text(), nullable=True),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlets.id"],
            name=op.f("fk_outlet_estimates_outlet_id_outlets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outlet_id", "axis", name=op.f("pk_outlet_estimates")),
    )


def downgrade() -> None:
    op.drop_table("outlet_estimates")
    with op.batch_alter_table("outlets") as batch:
        batch.drop_column("estimated_factuality_method")
        batch.drop_column("estimated_factuality")
