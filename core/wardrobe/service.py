"""The wardrobe service: the one object the app and the CLI use to read and change a wardrobe.

Three stores hold a wardrobe: the database (source of truth, embeddings included), the image
folder and the vector index. Every change writes them in the same order, so a crash between
two writes loses nothing and leaves nothing that reconciliation cannot remove:

1. files: written to a temporary folder, renamed into place (an item folder is complete or
   absent);
2. database: one transaction per change (an item's row carries its embedding);
3. vector index: upserted from what was just committed.

Deleting runs the other way round for the row (row first, then vector and files). Start-up
(`Wardrobe.open`) and `doctor` repair any drift (db/reconcile.py).

`Wardrobe` owns the life cycle (lock, engine) and is the facade of the package's modules (see
core/wardrobe/__init__.py); its methods' docstrings are the contract, the modules' say how.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from base.config import Settings
from base.records import (
    DoctorReport,
    IngestOutcome,
    ItemRecord,
    OutfitPhotoOutcome,
    OutfitRecord,
    WardrobeStatus,
)
from core.photos.background import BackgroundRemover
from core.wardrobe import batch, catalogue, ingest, maintenance, outfit_log, shown
from core.wardrobe.batch import Outcome, PhotoInput, Progress
from core.wardrobe.ingest import BAND_MATCH_THRESHOLD
from core.wardrobe.stores import WardrobeStores
from db.database import (
    DatabaseUnavailable,
    create_database_engine,
    migrate,
    session_factory,
    sqlite_file,
)
from db.files import ImageFiles
from db.home import (
    HomeRefused,
    check_database_matches_images,
    check_readable,
    check_schema_current,
)
from db.lock import HomeLock, HomeLocked
from db.schema import Item, Outfit
from db.vectors import VectorStore, open_vector_store
from models.data import OutfitSet

__all__ = ["BAND_MATCH_THRESHOLD", "DatabaseUnavailable", "HomeLocked", "HomeRefused", "Wardrobe"]

log = logging.getLogger(__name__)

VectorStoreFactory = Callable[[Settings], VectorStore]
T = TypeVar("T")
P = ParamSpec("P")


def _changes_items(
    method: Callable[Concatenate[Wardrobe, P], T],
) -> Callable[Concatenate[Wardrobe, P], T]:
    """Bump `items_revision` after a write that may change items, even one that failed half-way
    (the stores are reconciled, but the embedding or the picture may already differ)."""

    @functools.wraps(method)
    def write(wardrobe: Wardrobe, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(wardrobe, *args, **kwargs)
        finally:
            wardrobe._stores.note_item_change()

    return write


class _OnStores(Generic[T]):
    """A Wardrobe attribute kept on its WardrobeStores, so that replacing it (tests swap the
    vector store) reaches every module, not only the facade."""

    def __init__(self, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, wardrobe: None, owner: type) -> _OnStores[T]: ...

    @overload
    def __get__(self, wardrobe: Wardrobe, owner: type) -> T: ...

    def __get__(self, wardrobe: Wardrobe | None, owner: type) -> T | _OnStores[T]:
        return self if wardrobe is None else getattr(wardrobe._stores, self.name)

    def __set__(self, wardrobe: Wardrobe, value: T) -> None:
        setattr(wardrobe._stores, self.name, value)


class Wardrobe:
    """Open with `Wardrobe.open(settings)`; close (or use `with`) to release the home."""

    settings: _OnStores[Settings] = _OnStores("settings")
    vectors: _OnStores[VectorStore] = _OnStores("vectors")
    files: _OnStores[ImageFiles] = _OnStores("files")
    remover: _OnStores[BackgroundRemover] = _OnStores("remover")
    _sessions: _OnStores[sessionmaker[Session]] = _OnStores("sessions")

    def __init__(
        self,
        settings: Settings,
        lock: HomeLock,
        vector_store_factory: VectorStoreFactory,
        read_only: bool = False,
        adopt: bool = False,
    ) -> None:
        self._lock = lock
        self.read_only = read_only
        url = settings.effective_database_url
        self.engine = create_database_engine(url)
        try:
            if not adopt:  # before any write: a wrong database must not even be migrated
                check_database_matches_images(self.engine, ImageFiles(settings.home), url)
            if read_only:
                check_schema_current(self.engine, url)
            else:
                migrate(self.engine)
            vectors, note = open_vector_store(settings, vector_store_factory, read_only)
        except BaseException:
            self.engine.dispose()
            raise
        self._stores = WardrobeStores(
            settings=settings,
            sessions=session_factory(self.engine),
            vectors=vectors,
            files=ImageFiles(settings.home),
            remover=BackgroundRemover(settings.rembg_model),
        )
        self.startup_report = DoctorReport(notes=[note] if note else [])

    # --- life cycle -----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        settings: Settings,
        vector_store_factory: VectorStoreFactory = VectorStore.connect,
        *,
        read_only: bool = False,
        adopt: bool = False,
    ) -> Wardrobe:
        """Lock the home, migrate the database, reconcile the stores (models load on first use).

        `read_only` (list, checks) writes nothing: no migration, no start-up repair, and a
        missing home or database is refused instead of created. A database that knows none
        of the home's photos is refused (HomeRefused) unless `adopt`, which lets
        `doctor --adopt` rebuild items from them. Raises HomeLocked when another process holds
        the home. `vector_store_factory` lets tests put a VectorStore subclass (say one whose
        upsert fails once) under the service.
        """
        url = settings.effective_database_url
        if read_only:
            check_readable(settings.home, sqlite_file(url))
        settings.home.mkdir(parents=True, exist_ok=True)
        lock = HomeLock(settings.lock_path).acquire()
        wardrobe: Wardrobe | None = None
        try:
            wardrobe = cls(settings, lock, vector_store_factory, read_only, adopt)
            if not read_only:
                report = wardrobe._reconcile(repair=True, deep=False)
                wardrobe.startup_report = dataclasses.replace(
                    report, notes=wardrobe.startup_report.notes + report.notes)
        except BaseException:
            if wardrobe is not None:
                wardrobe.close()  # releases the lock too
            lock.release()
            raise
        if wardrobe.startup_report.problems:
            log.warning("Start-up repaired: %s", "; ".join(wardrobe.startup_report.problems))
        return wardrobe

    def close(self) -> None:
        close_client = getattr(self.vectors.client, "close", None)
        if callable(close_client):
            try:
                close_client()
            except Exception as error:  # closing must always release the home
                log.debug("closing the Chroma client: %s", error)
        self.engine.dispose()
        self._lock.release()

    def __enter__(self) -> Wardrobe:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- models ---------------------------------------------------------------------------

    def retry_models(self) -> WardrobeStatus:
        """Try again to load the encoder and the background model (say after installing them)."""
        self._stores.load_encoder()
        self.remover.retry()
        return self.status

    @property
    def encoder_tried(self) -> bool:
        """Whether loading the encoder has been tried and finished (never loads it)."""
        return self._stores.encoder_tried

    @property
    def encoder_dim(self) -> int | None:
        """The loaded encoder's embedding size; None while it is not (or cannot be) loaded.
        Never loads it: asking must not cost a model load."""
        encoder = self._stores.loaded_encoder
        return encoder.dim if encoder is not None else None

    @property
    def items_revision(self) -> int:
        """Grows with every write that may change an item: its row, picture or embedding.

        Cheap to read on every page run; suggestions computed at an older revision are stale
        (re-embedding keeps ids and categories but changes the vectors). Outfit, feedback and
        wear writes leave it alone, so liking a suggestion does not reshuffle the list.
        """
        return self._stores.items_revision

    @property
    def status(self) -> WardrobeStatus:
        return WardrobeStatus(
            encoder_ready=self._stores.encoder is not None,  # loads it on first use
            encoder_message=self._stores.encoder_message,
            background_ready=self.remover.ready,
            background_message=self.remover.message,
        )

    # --- ingestion (ingest.py, batch.py) ---------------------------------------------------------

    @_changes_items
    def ingest_bytes(
        self, data: bytes, filename: str, category: str | None = None
    ) -> IngestOutcome:
        """Store one garment photo, in `category` when the person chose one. Refusals (bad
        files) write nothing anywhere."""
        return ingest.ingest_bytes(self._stores, data, filename, category)

    def ingest_batch(
        self,
        photos: Sequence[PhotoInput],
        *,
        outfit: bool = False,
        category: str | None = None,
        progress: Progress | None = None,
        on_outcome: Outcome | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[IngestOutcome]:
        """Many photos, one outcome each; the app's uploader and the CLI both come here.
        `on_outcome` hears of each photo when stored; `should_stop`, asked between photos,
        ends the batch early (photos not reached get no outcome)."""
        return batch.ingest_batch(self, photos, outfit=outfit, category=category,
                                  progress=progress, on_outcome=on_outcome,
                                  should_stop=should_stop)

    @_changes_items
    def ingest_outfit_photo(self, data: bytes, filename: str) -> OutfitPhotoOutcome:
        """Record a full-body "what I wore" photo as an outfit (source "photo")."""
        return ingest.ingest_outfit_photo(self._stores, data, filename)

    # --- reading and editing items (catalogue.py) ----------------------------------

    def items(self, category: str | None = None, available: bool | None = None) -> list[ItemRecord]:
        """Items, newest first, optionally of one category and/or availability."""
        return catalogue.list_items(self._stores, category, available)

    def item(self, item_id: str) -> ItemRecord:
        return catalogue.get_item(self._stores, item_id)

    @_changes_items
    def update_item(self, item_id: str, **fields: Any) -> ItemRecord:
        """Change tags or details; every field given is marked as edited by a person. An
        edit clears the review note, and a generated name follows corrected tags."""
        return catalogue.update_item(self._stores, item_id, **fields)

    @_changes_items
    def set_available(self, item_id: str, available: bool) -> ItemRecord:
        """Mark an item as at hand or not (in the wash, lent out); not a tag edit."""
        return catalogue.set_available(self._stores, item_id, available)

    @_changes_items
    def reprocess_background(self, item_id: str) -> ItemRecord:
        """Cut the item out again from its original, then re-embed and re-tag it."""
        return catalogue.reprocess_background(self._stores, item_id)

    @_changes_items
    def keep_original(self, item_id: str) -> ItemRecord:
        """Use the whole original photo instead of its cut-out (the removal lost part of the
        garment): background_removed becomes False, the item is re-embedded and re-tagged
        (a person's edits are kept) and its review note cleared. Written like
        `reprocess_background`: files, then the row, then the vector."""
        return catalogue.keep_original(self._stores, item_id)

    @_changes_items
    def mark_reviewed(self, item_id: str) -> ItemRecord:
        """A person looked at the item and it is fine: its review note is cleared."""
        return catalogue.mark_reviewed(self._stores, item_id)

    @_changes_items
    def delete_item(self, item_id: str) -> None:
        """Remove the item's row (and its places in outfits), then its vector and files."""
        catalogue.delete_item(self._stores, item_id)

    def embeddings(self, item_ids: Sequence[str]) -> np.ndarray:
        """(n, D) float32 embeddings in the order given, read from the database."""
        return catalogue.embeddings(self._stores, item_ids)

    def search_text(self, query: str, k: int = 20) -> list[tuple[ItemRecord, float]]:
        """Items whose image matches a text ("red summer dress"), best first, with cosine."""
        return catalogue.search_text(self._stores, query, k)

    # --- outfits, feedback, wear history (outfit_log.py) ---------------------------------

    def save_outfit(
        self,
        items: dict[str, str],
        source: str,
        score: float | None = None,
        saved: bool = True,
    ) -> OutfitRecord:
        """Record an outfit. A one-piece given in slot "top" is stored under "onepiece"."""
        return outfit_log.save_outfit(self._stores, items, source, score, saved)

    def set_outfit_item(self, outfit_id: str, slot: str, item_id: str | None) -> OutfitRecord:
        """Correct an outfit: another item in place of `slot`'s, or (None) the slot emptied."""
        return outfit_log.set_outfit_slot(self._stores, outfit_id, slot, item_id)

    def set_outfit_saved(self, outfit_id: str, saved: bool) -> OutfitRecord:
        """Save or unsave an outfit (an unsaved one does not count as one to learn from)."""
        return outfit_log.set_saved(self._stores, outfit_id, saved)

    def delete_outfit(self, outfit_id: str) -> None:
        """Forget an outfit, its feedback and wears; its items and photos stay."""
        outfit_log.delete_outfit(self._stores, outfit_id)

    def outfits(self, source: str | None = None, saved_only: bool = False) -> list[OutfitRecord]:
        """Outfits, newest first."""
        return outfit_log.list_outfits(self._stores, source, saved_only)

    def outfit(self, outfit_id: str) -> OutfitRecord:
        return outfit_log.get_outfit(self._stores, outfit_id)

    def add_feedback(self, outfit_id: str, rating: int) -> None:
        """+1 like / -1 dislike; the latest one counts."""
        outfit_log.add_feedback(self._stores, outfit_id, rating)

    def log_wear(self, outfit_id: str, day: date | None = None) -> None:
        """Note that an outfit was worn; each of its items' times_worn and last_worn follow."""
        outfit_log.log_wear(self._stores, outfit_id, day)

    def wear_history(self) -> list[tuple[date, OutfitRecord]]:
        """(day, outfit) for every logged wear, most recent first."""
        return outfit_log.wear_history(self._stores)

    def training_set(self) -> OutfitSet | None:
        """Outfits as model input (positives, disliked suggestions as hard negatives)."""
        return outfit_log.training_set(self._stores)

    def feedback_set(self) -> tuple[OutfitSet, np.ndarray] | None:
        """Reacted-to outfits and their ratings (+1 liked/worn, -1 disliked, a small negative
        weight for a suggestion shown and skipped): taste data."""
        return outfit_log.feedback_set(self._stores)

    def log_shown(self, outfits: Sequence[Mapping[str, str]]) -> int:
        """Record suggestions (slot -> item id) as shown now; unreacted ones become skipped."""
        return shown.log_shown(self._stores, outfits)

    def skipped_outfits(self) -> list[dict[str, str]]:
        """Shown suggestions the person passed over (see core/wardrobe/shown.py)."""
        return shown.skipped_outfits(self._stores)

    # --- maintenance (maintenance.py) -------------------------------------------------------

    def _reconcile(self, repair: bool, deep: bool) -> DoctorReport:
        return maintenance.reconcile_stores(self._stores, repair=repair, deep=deep)

    @_changes_items
    def doctor(self, repair: bool = False) -> DoctorReport:
        """Compare database, vector index (ids, metadata and values) and image folder.

        `problems` lists what was found; with repair=True it is fixed where possible
        (see db/reconcile.py) and `repaired` counts the fixes.
        """
        return self._reconcile(repair=repair, deep=True)

    @_changes_items
    def reindex(self) -> int:
        """Embed pending (or other-model) items, then make the vector index match; the count.

        Raises EncoderUnavailable when the encoder still cannot be loaded.
        """
        return maintenance.reindex(self._stores)

    @_changes_items
    def adopt_photos(self) -> list[IngestOutcome]:
        """Rebuild items from quarantined originals (`doctor --adopt`); one outcome each."""
        self._reconcile(repair=True, deep=False)  # unknown photos go to quarantine first
        return maintenance.adopt_photos(self._stores)

    def export_zip(self, path: Path) -> None:
        """Write images, every row and every embedding to one zip (see db/archive.py)."""
        maintenance.export_zip(self._stores, path)

    @_changes_items
    def import_zip(self, path: Path) -> None:
        """Import an export into this home, which must be empty (ImportRefused otherwise)."""
        maintenance.import_zip(self._stores, path)

    def counts(self) -> dict[str, int]:
        """Items and outfits stored (for summaries)."""
        with self._stores.session() as session:
            return {
                "items": session.scalar(select(func.count()).select_from(Item)) or 0,
                "outfits": session.scalar(select(func.count()).select_from(Outfit)) or 0,
            }
