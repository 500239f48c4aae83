"""Initial schema: items, outfits, outfit_items, feedback, wears.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("subtype", sa.String(64), nullable=False),
        sa.Column("colours", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("seasons", sa.JSON(), nullable=False),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("original_path", sa.String(300), nullable=False),
        sa.Column("cutout_path", sa.String(300), nullable=False),
        sa.Column("thumbnail_path", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("embedding_model", sa.String(300), nullable=True),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("pending_embedding", sa.Boolean(), nullable=False),
        sa.Column("background_removed", sa.Boolean(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("user_edited", sa.JSON(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("times_worn", sa.Integer(), nullable=False),
        sa.Column("last_worn", sa.Date(), nullable=True),
    )
    op.create_index("ix_items_category", "items", ["category"])
    op.create_table(
        "outfits",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("saved", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_outfits_source", "outfits", ["source"])
    op.create_table(
        "outfit_items",
        sa.Column(
            "outfit_id",
            sa.String(32),
            sa.ForeignKey("outfits.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("slot", sa.String(16), primary_key=True),
        sa.Column(
            "item_id", sa.String(32), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False
        ),
    )
    op.create_index("ix_outfit_items_item_id", "outfit_items", ["item_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "outfit_id",
            sa.String(32),
            sa.ForeignKey("outfits.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_feedback_outfit_id", "feedback", ["outfit_id"])
    op.create_table(
        "wears",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "outfit_id",
            sa.String(32),
            sa.ForeignKey("outfits.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
    )
    op.create_index("ix_wears_outfit_id", "wears", ["outfit_id"])
    op.create_index("ix_wears_day", "wears", ["day"])


def downgrade() -> None:
    for table in ("wears", "feedback", "outfit_items", "outfits", "items"):
        op.drop_table(table)
