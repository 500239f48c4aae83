"""Items carry a review note: why a person should check them (say a doubtful cut-out).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Items stored before this revision get "" (nothing to review).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("review_note", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("review_note")
