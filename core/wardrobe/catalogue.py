"""Reading, editing and deleting stored items, their embeddings and text search over them.

Edits go through the same write order as ingestion (core/wardrobe/writes.py): files, then the
row, then the vector, so the index always follows what the database committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image
from sqlalchemy import delete, select

from base.records import EDITABLE_FIELDS, ItemRecord
from base.vocabulary import CATEGORIES, SEASONS, UNKNOWN_CATEGORY
from core.photos.background import CutOut
from core.photos.item_builder import auto_tags, derived_files
from core.wardrobe.naming import is_generated
from core.wardrobe.stores import WardrobeStores, item_row
from core.wardrobe.writes import apply_tags, automatic_name, index_rows, set_embedding
from db.mapping import embedding_from_bytes, item_record
from db.schema import Item, Outfit, OutfitItem

log = logging.getLogger(__name__)


def list_items(
    stores: WardrobeStores, category: str | None = None, available: bool | None = None
) -> list[ItemRecord]:
    query = select(Item).order_by(Item.created.desc(), Item.id)
    if category is not None:
        query = query.where(Item.category == category)
    if available is not None:
        query = query.where(Item.available == available)
    with stores.session() as session:
        return [item_record(r, stores.files) for r in session.scalars(query)]


def get_item(stores: WardrobeStores, item_id: str) -> ItemRecord:
    """One item; KeyError when there is none."""
    with stores.session() as session:
        return item_record(item_row(session, item_id), stores.files)


def update_item(stores: WardrobeStores, item_id: str, **fields: Any) -> ItemRecord:
    """Change tags or details; every field given is marked as edited by a person, so
    automatic re-tagging never overwrites it."""
    values = _validated_edits(fields)
    with stores.write_lock, stores.sessions.begin() as session:
        row = item_row(session, item_id)
        old_category = row.category
        automatic = "name" not in values and "name" not in (row.user_edited or ()) and is_generated(
            row.name, row.colours or (), row.subtype, row.category)
        for name, value in values.items():
            setattr(row, name, value)
        row.user_edited = sorted(set(row.user_edited or ()) | set(values))
        row.review_note = ""  # a person has looked at it
        if automatic and {"colours", "subtype", "category"} & set(values):
            row.name = automatic_name(session, row.colours or (), row.subtype, row.category,
                                      exclude=row.id)  # the name follows the corrected tags
        session.flush()
        record = item_record(row, stores.files)
    if record.category != old_category:
        index_rows(stores, [row])  # the index keeps the category for filtered queries
    return record


def set_available(stores: WardrobeStores, item_id: str, available: bool) -> ItemRecord:
    with stores.write_lock, stores.sessions.begin() as session:
        row = item_row(session, item_id)
        row.available = bool(available)
        session.flush()
        return item_record(row, stores.files)


def mark_reviewed(stores: WardrobeStores, item_id: str) -> ItemRecord:
    """A person checked the item: its review note is cleared, nothing else changes."""
    with stores.write_lock, stores.sessions.begin() as session:
        row = item_row(session, item_id)
        row.review_note = ""
        session.flush()
        return item_record(row, stores.files)


def reprocess_background(stores: WardrobeStores, item_id: str) -> ItemRecord:
    """Cut the item out again from its original (say the rembg model has been installed
    since), then re-embed and re-tag it (a person's edits are kept)."""
    stores.remover.retry()
    return _recut(stores, item_id, stores.remover.cut_out, clear_review=False)


def keep_original(stores: WardrobeStores, item_id: str) -> ItemRecord:
    """Use the whole original photo as the item's picture (the cut-out lost part of the
    garment): no background removal, then re-embedded and re-tagged like a re-cut (a
    person's edits are kept). The original file itself is never touched."""
    return _recut(stores, item_id, uncut, clear_review=True)


def uncut(image: Image.Image) -> CutOut:
    """The photo as its own "cut-out": opaque, nothing removed."""
    rgb = image.convert("RGB")
    return CutOut(rgb.convert("RGBA"), rgb, False)


def _recut(
    stores: WardrobeStores,
    item_id: str,
    cut_out: Callable[[Image.Image], CutOut],
    clear_review: bool,
) -> ItemRecord:
    """New display files from the original, then the row (tags, embedding), then the vector:
    the write order of ingestion, so a crash leaves a complete old or new item."""
    with stores.session() as session:
        row = item_row(session, item_id)
        original = stores.files.absolute(row.original_path)
        known = row.category if row.category != UNKNOWN_CATEGORY else None
    loaded = stores.load_image(original.read_bytes(), original.name)
    cut = cut_out(loaded.image)
    encoder = stores.load_encoder()
    embedding = None if encoder is None else encoder.encode_images([cut.on_white])[0]
    tags = auto_tags(encoder, embedding, cut.rgba, known)  # the type stays within the category
    with stores.write_lock:
        stores.files.replace_files(item_id, derived_files(cut))
        with stores.sessions.begin() as session:
            row = item_row(session, item_id)
            row.background_removed = cut.removed
            before = (tuple(row.colours or ()), row.subtype, row.category)
            apply_tags(row, tags, colours_only=embedding is None)
            row.review_note = "" if clear_review else (cut.doubt or "")
            if "name" not in (row.user_edited or ()) and is_generated(row.name, *before) and before != (
                    tuple(row.colours or ()), row.subtype, row.category):
                row.name = automatic_name(session, row.colours or (), row.subtype,
                                          row.category, exclude=row.id)
            if embedding is not None and encoder is not None:
                set_embedding(row, embedding, encoder.name)
            session.flush()
            record = item_record(row, stores.files)
        index_rows(stores, [row])
    return record


def delete_item(stores: WardrobeStores, item_id: str) -> None:
    """Remove the item's row (and its places in outfits), then its vector and files.

    Outfits left with no item are removed too.
    """
    with stores.write_lock:
        with stores.sessions.begin() as session:
            row = item_row(session, item_id)
            session.execute(delete(OutfitItem).where(OutfitItem.item_id == item_id))
            session.delete(row)
            session.flush()
            empty = select(Outfit.id).where(~Outfit.items.any())
            for outfit in session.scalars(select(Outfit).where(Outfit.id.in_(empty))):
                session.delete(outfit)
        try:
            stores.vectors.delete([item_id])
        except Exception as error:  # reconciliation removes the orphan vector later
            log.warning("could not delete vector %s: %s", item_id, error)
        stores.files.delete_item(item_id)


def embeddings(stores: WardrobeStores, item_ids: Sequence[str]) -> np.ndarray:
    """(n, D) float32 embeddings in the order given, read from the database.

    KeyError for an unknown id; ValueError for an item still pending its embedding.
    """
    ids = list(item_ids)
    with stores.session() as session:
        rows = {r.id: r for r in session.scalars(select(Item).where(Item.id.in_(ids)))}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise KeyError(f"no item(s) {', '.join(missing)}")
    pending = [i for i in ids if rows[i].embedding is None]
    if pending:
        raise ValueError(f"item(s) {', '.join(pending)} have no embedding yet (run reindex)")
    if not ids:
        return np.zeros((0, stores.encoder.dim if stores.encoder else 512), np.float32)
    return np.stack([embedding_from_bytes(rows[i].embedding) for i in ids])  # type: ignore[arg-type]


def search_text(stores: WardrobeStores, query: str, k: int = 20) -> list[tuple[ItemRecord, float]]:
    encoder = stores.require_encoder()
    vector = encoder.encode_texts([query])[0]
    hits = stores.vectors.nearest(vector, k, model=encoder.name)
    with stores.session() as session:
        rows = {r.id: r for r in session.scalars(select(Item).where(
            Item.id.in_([i for i, _ in hits])))}
        return [(item_record(rows[i], stores.files), s) for i, s in hits if i in rows]


def _validated_edits(fields: dict[str, Any]) -> dict[str, Any]:
    """Check edit fields and normalise their values; ValueError names the bad field."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValueError(f"cannot edit {', '.join(unknown)}; editable: {', '.join(EDITABLE_FIELDS)}")
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "category":
            if value not in CATEGORIES:
                raise ValueError(f"unknown category {value!r}; one of {', '.join(CATEGORIES)}")
            out[name] = value
        elif name in ("colours", "seasons"):
            if isinstance(value, str):
                value = [value]
            values = [str(v).strip().lower() for v in value if str(v).strip()]
            if name == "seasons" and (bad := [v for v in values if v not in SEASONS]):
                raise ValueError(f"unknown season(s) {bad}; one of {', '.join(SEASONS)}")
            out[name] = list(dict.fromkeys(values))
        elif name in ("warmth", "formality"):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | np.integer)
                                      or not 1 <= value <= 5):
                raise ValueError(f"{name} must be a whole number from 1 to 5 or None, not {value!r}")
            out[name] = None if value is None else int(value)
        elif name == "price":
            if value is not None and (not isinstance(value, int | float) or value < 0):
                raise ValueError(f"price must be a non-negative number or None, not {value!r}")
            out[name] = None if value is None else float(value)
        else:
            out[name] = str(value).strip()
    return out
