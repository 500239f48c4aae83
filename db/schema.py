"""The relational schema: SQLite (or any SQLAlchemy database) is the wardrobe's source of truth.

Every item keeps its embedding here as float32 bytes, so the vector index (Chroma) is a cache
that can always be rebuilt from these rows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

ID_LENGTH = 32  # uuid4().hex
# Free-text lengths. SQLite stores longer strings anyway; PostgreSQL refuses them, so Item
# checks them itself and both databases behave alike.
NAME_LENGTH = 200
SUBTYPE_LENGTH = 64
MODEL_NAME_LENGTH = 300


class Base(DeclarativeBase):
    pass


class Item(Base):
    """One garment. Paths are relative to the home folder so a home can be moved or exported."""

    __tablename__ = "items"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    subtype: Mapped[str] = mapped_column(String(SUBTYPE_LENGTH), default="")
    colours: Mapped[list[str]] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    seasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    price: Mapped[float | None] = mapped_column(Float, nullable=True)
    original_path: Mapped[str] = mapped_column(String(300))
    cutout_path: Mapped[str] = mapped_column(String(300))
    thumbnail_path: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    embedding_model: Mapped[str | None] = mapped_column(String(MODEL_NAME_LENGTH), nullable=True)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    pending_embedding: Mapped[bool] = mapped_column(Boolean, default=False)
    background_removed: Mapped[bool] = mapped_column(Boolean, default=True)
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    user_edited: Mapped[list[str]] = mapped_column(JSON, default=list)
    created: Mapped[datetime] = mapped_column(DateTime)
    times_worn: Mapped[int] = mapped_column(Integer, default=0)
    last_worn: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Why the item should be looked at by a person (say a doubtful cut-out); "" once it has
    # been reviewed or edited. Filled at ingest (core/wardrobe/ingest.py).
    review_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # 1 light .. 5 heavy and 1 sporty .. 5 formal (base.vocabulary.WARMTH_LEVELS /
    # FORMALITY_LEVELS); NULL until guessed (core/photos/tagging.py) or set by the person.
    warmth: Mapped[int | None] = mapped_column(Integer, nullable=True)
    formality: Mapped[int | None] = mapped_column(Integer, nullable=True)

    @validates("name", "subtype", "embedding_model")
    def _fits(self, field: str, value: str | None) -> str | None:
        """ValueError naming the field, instead of a database error on PostgreSQL only."""
        limit = self.__table__.c[field].type.length
        if value is not None and len(value) > limit:
            raise ValueError(f"{field} is longer than {limit} characters")
        return value


class Outfit(Base):
    __tablename__ = "outfits"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), index=True)  # photo | suggested | manual
    created: Mapped[datetime] = mapped_column(DateTime)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    saved: Mapped[bool] = mapped_column(Boolean, default=True)
    # The sha256 of the "what I wore" photo an outfit was recorded from (source "photo"), so
    # the same photo uploaded twice is recognised and the outfit not counted twice in training.
    photo_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)

    items: Mapped[list[OutfitItem]] = relationship(
        back_populates="outfit", cascade="all, delete-orphan", order_by="OutfitItem.slot"
    )
    feedback: Mapped[list[Feedback]] = relationship(
        cascade="all, delete-orphan", order_by="Feedback.id"
    )
    wears: Mapped[list[Wear]] = relationship(cascade="all, delete-orphan", order_by="Wear.id")


class OutfitItem(Base):
    """An item in an outfit's slot (top, bottom, shoes, outerwear, onepiece)."""

    __tablename__ = "outfit_items"

    outfit_id: Mapped[str] = mapped_column(
        ForeignKey("outfits.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[str] = mapped_column(String(16), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)

    outfit: Mapped[Outfit] = relationship(back_populates="items")


class Feedback(Base):
    """A like (+1) or dislike (-1); the latest one is the outfit's rating."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outfit_id: Mapped[str] = mapped_column(
        ForeignKey("outfits.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int] = mapped_column(Integer)
    created: Mapped[datetime] = mapped_column(DateTime)


class Wear(Base):
    """A day an outfit was worn (history)."""

    __tablename__ = "wears"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outfit_id: Mapped[str] = mapped_column(
        ForeignKey("outfits.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date, index=True)


class ShownSuggestion(Base):
    """A suggested outfit shown to the person. One never liked, disliked, worn or saved although
    the person reacted to something after it was shown is a *skipped* suggestion: a weak
    negative for the personal taste layer. A log, not wardrobe content: it is kept short (the
    newest rows only), not exported, and rows whose items are gone are ignored."""

    __tablename__ = "shown_suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    items: Mapped[dict[str, str]] = mapped_column(JSON)  # slot -> item id
    shown: Mapped[datetime] = mapped_column(DateTime, index=True)
