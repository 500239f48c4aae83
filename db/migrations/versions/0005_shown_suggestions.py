"""Suggestions shown to the person, so that skipped ones can be weak negatives for taste.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

A new, empty table: nothing stored before changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shown_suggestions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("shown", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_shown_suggestions_shown", "shown_suggestions", ["shown"])


def downgrade() -> None:
    op.drop_index("ix_shown_suggestions_shown", table_name="shown_suggestions")
    op.drop_table("shown_suggestions")
