"""Keeping a wardrobe's stores whole: reconcile / doctor, reindex, export and import.

The checks and repairs themselves live in db/reconcile.py and db/archive.py; this module
runs them under the write lock and supplies what needs the models (re-cutting lost derived
images, embedding pending items).
"""

from __future__ import annotations

import dataclasses
import logging
from functools import partial
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from base.records import DoctorReport, IngestOutcome
from base.vocabulary import UNKNOWN_CATEGORY
from core.photos.encoder import FashionEncoder
from core.photos.images import ImageRejected
from core.photos.item_builder import auto_tags, cutout_from_file, derived_files
from core.photos.tagging import levels
from core.wardrobe.catalogue import get_item
from core.wardrobe.ingest import ingest_bytes
from core.wardrobe.stores import WardrobeStores, item_row
from core.wardrobe.writes import apply_tags, index_rows, set_embedding
from db.archive import export_home, import_home
from db.files import ORIGINAL
from db.mapping import embedding_from_bytes, utc_now
from db.reconcile import reconcile
from db.schema import Item

log = logging.getLogger(__name__)


def reconcile_stores(stores: WardrobeStores, repair: bool, deep: bool) -> DoctorReport:
    """Compare (and with `repair` fix) database, vector index and image folder."""
    with stores.write_lock:
        return reconcile(
            stores.sessions, stores.vectors, stores.files, stores.settings.clip_model,
            repair=repair, deep=deep,
            regenerate=partial(_regenerate_derived, stores) if repair else None,
        )


def reindex(stores: WardrobeStores) -> int:
    """Embed items pending an embedding or embedded by another model than the configured
    one; pending items are also tagged (fields a person edited are kept). Then make the
    vector index match. Returns how many items were (re-)embedded.

    Raises EncoderUnavailable when the encoder still cannot be loaded.
    """
    encoder = stores.require_encoder()
    with stores.session() as session:
        todo = session.scalars(select(Item).where(
            (Item.pending_embedding.is_(True)) | (Item.embedding.is_(None))
            | (Item.embedding_model != encoder.name))).all()
    done = 0
    for row in todo:
        cutout_file = stores.files.absolute(row.cutout_path)
        if not cutout_file.is_file():
            log.warning("item %s: cut-out %s is missing; run doctor", row.id, cutout_file)
            continue
        with Image.open(cutout_file) as stored:
            cut = cutout_from_file(stored, row.background_removed)
        embedding = encoder.encode_images([cut.on_white])[0]
        known = row.category if row.category != UNKNOWN_CATEGORY else None
        tags = auto_tags(encoder, embedding, cut.rgba, known) if row.pending_embedding else None
        with stores.write_lock, stores.sessions.begin() as session:
            fresh = item_row(session, row.id)
            if tags is not None:
                apply_tags(fresh, tags)
            set_embedding(fresh, embedding, encoder.name)
        index_rows(stores, [fresh])  # after the commit: the row is the truth
        done += 1
    _fill_levels(stores, encoder)
    reconcile_stores(stores, repair=True, deep=False)
    return done


def _fill_levels(stores: WardrobeStores, encoder: FashionEncoder) -> int:
    """Guess warmth and formality of items stored before they existed (migration 0004) from
    their stored embedding: nothing is re-embedded, and a level a person set is kept."""
    with stores.session() as session:
        rows = session.scalars(select(Item).where(
            (Item.warmth.is_(None) | Item.formality.is_(None)) & Item.embedding.is_not(None)
            & (Item.embedding_model == encoder.name) & Item.pending_embedding.is_(False))).all()
    filled = 0
    for row in rows:
        warmth, formality = levels(encoder, embedding_from_bytes(row.embedding), row.subtype)
        with stores.write_lock, stores.sessions.begin() as session:
            fresh = item_row(session, row.id)
            edited = set(fresh.user_edited or ())
            if fresh.warmth is None and "warmth" not in edited:
                fresh.warmth = warmth
            if fresh.formality is None and "formality" not in edited:
                fresh.formality = formality
        filled += 1
    return filled


def adopt_photos(stores: WardrobeStores) -> list[IngestOutcome]:
    """Rebuild items from the originals in `quarantine/` (where start-up sets aside photos the
    database does not know): each is ingested like a new photo (cut out, embedded, tagged),
    named like a new one and flagged for review (`review_note`). A quarantined folder is removed only once its
    original is committed as an item, byte for byte; a duplicate or an unreadable one stays.
    """
    outcomes: list[IngestOutcome] = []
    for folder in stores.files.quarantined():
        originals = sorted(folder.glob(f"{ORIGINAL}.*")) if folder.is_dir() else []
        if not originals:
            continue
        data = originals[0].read_bytes()
        outcome = ingest_bytes(stores, data, f"recovered {folder.name}{originals[0].suffix}")
        outcomes.append(dataclasses.replace(outcome, filename=str(folder)))
        if outcome.status != "added" or outcome.item_id is None:
            continue
        with stores.write_lock, stores.sessions.begin() as session:
            row = item_row(session, outcome.item_id)
            row.notes = (f"Recovered by `doctor --adopt` on {utc_now():%Y-%m-%d} from "
                         f"{folder.name}: check its category and tags.")
            row.review_note = "recovered from a set-aside photo: check its category and tags"
        if get_item(stores, outcome.item_id).original_path.read_bytes() == data:
            stores.files.remove(folder)  # its photo now lives in the item's own folder
    return outcomes


def export_zip(stores: WardrobeStores, path: Path) -> None:
    with stores.write_lock:
        export_home(stores.sessions, stores.files, Path(path))


def import_zip(stores: WardrobeStores, path: Path) -> None:
    with stores.write_lock:
        import_home(stores.sessions, stores.files, Path(path))
        reconcile_stores(stores, repair=True, deep=False)


def _regenerate_derived(stores: WardrobeStores, item_id: str) -> bool:
    """Rebuild a lost cut-out/thumbnail from the original (tags and embedding untouched).

    False when the original is gone or no longer readable: the item then stays a reported
    problem, and one damaged file never stops the wardrobe (or `doctor`) from opening.
    """
    record = get_item(stores, item_id)
    try:
        loaded = stores.load_image(record.original_path.read_bytes(), record.original_path.name)
    except (OSError, ImageRejected) as error:
        log.warning("item %s: cannot rebuild its display files: %s", item_id, error)
        return False
    stores.files.replace_files(item_id, derived_files(stores.remover.cut_out(loaded.image)))
    return True
