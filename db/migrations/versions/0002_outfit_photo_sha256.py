"""Outfits remember the sha256 of the photo they were recorded from.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02

Outfits recorded before this revision keep NULL: their photo's bytes were never kept, so
they cannot be recognised as duplicates (a re-upload of such a photo is recorded once more).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outfits") as batch:
        batch.add_column(sa.Column("photo_sha256", sa.String(64), nullable=True))
        batch.create_index("ix_outfits_photo_sha256", ["photo_sha256"])


def downgrade() -> None:
    with op.batch_alter_table("outfits") as batch:
        batch.drop_index("ix_outfits_photo_sha256")
        batch.drop_column("photo_sha256")
