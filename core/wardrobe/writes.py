"""Writing items in the crash-safe order: files, then one database transaction, then vectors.

A crash between two writes loses nothing and leaves nothing that reconciliation
(db/reconcile.py) cannot remove: an item folder is complete or absent, a row carries its
embedding, and the vector index is only ever upserted from what was just committed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from base.vocabulary import UNKNOWN_CATEGORY
from core.photos.item_builder import CUTOUT, THUMBNAIL, AutoTags, PreparedItem
from core.wardrobe.naming import readable_name, unique_name
from core.wardrobe.stores import WardrobeStores
from db.mapping import embedding_from_bytes, embedding_to_bytes, utc_now
from db.schema import NAME_LENGTH, Item

log = logging.getLogger(__name__)


@dataclass
class NewItem:
    """An item about to be written: its row and its files."""

    row: Item
    files: dict[str, bytes]


def new_item(
    stores: WardrobeStores,
    prepared: PreparedItem,
    sha256: str,
    name: str,
    category: str | None = None,
) -> NewItem:
    """A fresh row (new id, automatic tags, embedding if any) and the files it points to."""
    item_id = uuid.uuid4().hex
    paths = {n: stores.files.relative(item_id, n) for n in prepared.files}
    original = next(n for n in prepared.files if n not in (CUTOUT, THUMBNAIL))
    tags = prepared.tags
    encoder = stores.encoder
    row = Item(
        id=item_id,
        category=category or tags.category,
        subtype=tags.subtype,
        colours=list(tags.colours),
        name=name[:NAME_LENGTH],
        notes="",
        seasons=list(tags.seasons),
        price=None,
        original_path=paths[original],
        cutout_path=paths[CUTOUT],
        thumbnail_path=paths[THUMBNAIL],
        sha256=sha256,
        embedding_model=encoder.name if prepared.embedding is not None and encoder else None,
        embedding=None if prepared.embedding is None else embedding_to_bytes(prepared.embedding),
        pending_embedding=prepared.embedding is None,
        background_removed=prepared.background_removed,
        available=True,
        user_edited=[],
        created=utc_now(),
        times_worn=0,
        last_worn=None,
        review_note=prepared.review_note,
        warmth=tags.warmth,
        formality=tags.formality,
    )
    return NewItem(row, prepared.files)


def automatic_name(session: Session, colours: Sequence[str], subtype: str, category: str,
                   pending: Sequence[str] = (), exclude: str | None = None) -> str:
    """Colour + type, numbered past the wardrobe's names and `pending` ones not yet
    committed (call under the write lock so two writers do not pick the same number)."""
    query = select(Item.name)
    if exclude is not None:
        query = query.where(Item.id != exclude)
    taken = [*session.scalars(query), *pending]
    return unique_name(readable_name(colours, subtype, category), taken)


def write_new_items(
    stores: WardrobeStores,
    new: Sequence[NewItem],
    also: Callable[[Session], None] | None = None,
) -> list[str]:
    """Files -> one transaction (rows, plus `also`) -> vectors. Returns warnings.

    A failure before the commit removes the files just written and re-raises; a failure of
    the vector write is only a warning, because the committed rows let start-up or
    `doctor` rebuild the vectors.
    """
    written: list[str] = []
    try:
        for item in new:
            stores.files.write_item(item.row.id, item.files)
            written.append(item.row.id)
        with stores.sessions.begin() as session:
            session.add_all([item.row for item in new])
            if also is not None:
                session.flush()
                also(session)
    except BaseException:
        for item_id in written:
            stores.files.delete_item(item_id)
        raise
    return index_rows(stores, [item.row for item in new])


def index_rows(stores: WardrobeStores, rows: Sequence[Item]) -> list[str]:
    """Upsert committed rows' embeddings into the vector index; failures become warnings."""
    embedded = [r for r in rows if r.embedding is not None and not r.pending_embedding]
    try:
        for model in {r.embedding_model for r in embedded}:
            group = [r for r in embedded if r.embedding_model == model]
            stores.vectors.upsert(
                [r.id for r in group],
                np.stack([embedding_from_bytes(r.embedding) for r in group]),  # type: ignore[arg-type]
                [r.category for r in group],
                model or "",
            )
    except Exception as error:
        log.warning("vector index update failed: %s", error)
        return [
            f"the vector index could not be updated ({error}); the item is safe in the "
            "database and the index is repaired at the next start or by `doctor`"
        ]
    return []


def set_embedding(row: Item, embedding: np.ndarray, model: str) -> None:
    """Store an embedding on its row, which is then no longer pending."""
    row.embedding = embedding_to_bytes(embedding)
    row.embedding_model = model
    row.pending_embedding = False


def apply_tags(row: Item, tags: AutoTags, colours_only: bool = False) -> None:
    """Set automatic tags on the fields a person has not edited.

    The category is only filled while it is unknown: it decides the outfit slots an item
    already fills (an outfit-photo band's item takes the band's category), so a re-tag must
    not move it.
    """
    edited = set(row.user_edited or ())
    if row.category != UNKNOWN_CATEGORY:
        edited.add("category")
    for name, value in tags.as_fields().items():
        if name in edited or (colours_only and name != "colours"):
            continue
        setattr(row, name, value)
