"""Items carry a warmth level (1 light .. 5 heavy) and a formality level (1 sporty .. 5 formal).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Both are NULL for items stored before this revision until `python -m core.cli reindex` guesses
them from the stored embedding (a NULL level simply adds no term to the day's score).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("warmth", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("formality", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("formality")
        batch.drop_column("warmth")
