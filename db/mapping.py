"""Rows -> frozen records, and embeddings <-> the bytes SQLite keeps."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from base.records import ItemRecord, OutfitRecord
from db.files import ImageFiles
from db.schema import Item, Outfit


def embedding_to_bytes(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").reshape(-1).tobytes()


def embedding_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def utc_now() -> datetime:
    """Naive UTC for storage (SQLite keeps no time zone); records add the zone back."""
    return datetime.now(UTC).replace(tzinfo=None)


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def item_record(row: Item, files: ImageFiles) -> ItemRecord:
    return ItemRecord(
        id=row.id,
        category=row.category,
        subtype=row.subtype,
        colours=tuple(row.colours or ()),
        name=row.name,
        notes=row.notes,
        seasons=tuple(row.seasons or ()),
        price=row.price,
        original_path=files.absolute(row.original_path),
        cutout_path=files.absolute(row.cutout_path),
        thumbnail_path=files.absolute(row.thumbnail_path),
        sha256=row.sha256,
        embedding_model=row.embedding_model,
        pending_embedding=row.pending_embedding,
        background_removed=row.background_removed,
        available=row.available,
        created=as_utc(row.created),
        times_worn=row.times_worn,
        last_worn=row.last_worn,
        user_edited=frozenset(row.user_edited or ()),
        review_note=row.review_note or "",
        warmth=row.warmth,
        formality=row.formality,
    )


def outfit_record(row: Outfit) -> OutfitRecord:
    return OutfitRecord(
        id=row.id,
        source=row.source,
        created=as_utc(row.created),
        score=row.score,
        items={link.slot: link.item_id for link in row.items},
        saved=row.saved,
        rating=row.feedback[-1].rating if row.feedback else None,
    )
