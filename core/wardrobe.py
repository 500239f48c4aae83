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
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from PIL import Image
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from core.background import BackgroundRemover, CutOut
from core.bodycrop import cut_bands
from core.config import Settings
from core.encoder import EncoderUnavailable, FashionEncoder, load_encoder
from core.images import ImageRejected, LoadedImage, image_bytes, load_image, sha256_hex
from core.item_builder import (
    CUTOUT,
    THUMBNAIL,
    AutoTags,
    PreparedItem,
    auto_tags,
    cutout_from_file,
    derived_files,
    original_name,
    prepare_from_cutout,
    prepare_item,
)
from core.records import (
    EDITABLE_FIELDS,
    OUTFIT_SLOTS,
    OUTFIT_SOURCES,
    UNKNOWN_CATEGORY,
    BandMatch,
    DoctorReport,
    IngestOutcome,
    ItemRecord,
    OutfitPhotoOutcome,
    OutfitRecord,
    WardrobeStatus,
)
from core.tagging import CATEGORIES, SEASONS
from db.archive import export_home, import_home
from db.database import create_database_engine, migrate, session_factory
from db.files import ImageFiles
from db.lock import HomeLock, HomeLocked
from db.mapping import (
    embedding_from_bytes,
    embedding_to_bytes,
    item_record,
    outfit_record,
    utc_now,
)
from db.models import Feedback, Item, Outfit, OutfitItem, Wear
from db.reconcile import reconcile
from db.vectors import VectorStore
from models.compat import ONEPIECE, SLOTS, identity
from models.data import OutfitSet

__all__ = ["BAND_MATCH_THRESHOLD", "HomeLocked", "Wardrobe"]

log = logging.getLogger(__name__)

# A band of an outfit photo is the same garment as an existing item of its category when their
# embeddings' cosine reaches this. Bands are cut from a worn, differently lit photo, so they sit
# further from the item's own flat-lay photo than two photos of one item do (near-duplicate
# threshold 0.95); 0.85 is a first guess until labelled pairs measure it.
BAND_MATCH_THRESHOLD = 0.85
NEAR_DUPLICATE_CANDIDATES = 5
BAND_SLOTS: tuple[str, ...] = ("top", "bottom", "shoes")  # bodycrop's bands
# Categories a band may match. The top band may be a one-piece: if it matches one, the outfit
# gets slot "onepiece" and the bottom band is not used. A new item made from a band takes the
# band's name as its category.
BAND_CATEGORIES: dict[str, tuple[str, ...]] = {
    "top": ("top", ONEPIECE), "bottom": ("bottom",), "shoes": ("shoes",),
}

VectorStoreFactory = Callable[[Settings], VectorStore]


@dataclasses.dataclass
class _NewItem:
    """An item about to be written: its row and its files."""

    row: Item
    files: dict[str, bytes]


class Wardrobe:
    """Open with `Wardrobe.open(settings)`; close (or use `with`) to release the home."""

    def __init__(
        self,
        settings: Settings,
        lock: HomeLock,
        vector_store_factory: VectorStoreFactory,
    ) -> None:
        self.settings = settings
        self._lock = lock
        self._write = threading.RLock()  # one writer at a time inside this process
        self.engine = create_database_engine(settings.effective_database_url)
        migrate(self.engine)
        self._sessions = session_factory(self.engine)
        self.vectors = vector_store_factory(settings)
        self.files = ImageFiles(settings.home)
        self.remover = BackgroundRemover(settings.rembg_model)
        self._encoder: FashionEncoder | None = None
        self._encoder_message: str | None = None
        self._load_encoder()
        self.startup_report = DoctorReport()

    # --- life cycle -----------------------------------------------------------------------

    @classmethod
    def open(
        cls, settings: Settings, vector_store_factory: VectorStoreFactory = VectorStore.connect
    ) -> Wardrobe:
        """Lock the home, migrate the database, load the models, reconcile the stores.

        Raises HomeLocked when another process holds the home. `vector_store_factory` lets
        tests put a VectorStore subclass (say one whose upsert fails once) under the service.
        """
        settings.home.mkdir(parents=True, exist_ok=True)
        lock = HomeLock(settings.lock_path).acquire()
        try:
            wardrobe = cls(settings, lock, vector_store_factory)
            wardrobe.startup_report = wardrobe._reconcile(repair=True, deep=False)
        except BaseException:
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

    def _load_encoder(self) -> FashionEncoder | None:
        """Load (or retry loading) the encoder; failures are kept as a message, never raised.

        Called at open and by explicit actions (reindex, search, reprocess), not per ingested
        photo: an offline hub id costs a network probe on every try.
        """
        if self._encoder is None:
            try:
                self._encoder = load_encoder(self.settings.clip_model)
                self._encoder_message = None
            except Exception as error:  # EncoderUnavailable, or a broken model folder
                detail = str(error) if isinstance(error, EncoderUnavailable) else (
                    f"{type(error).__name__}: {error}")
                self._encoder_message = (
                    f"Encoder unavailable, photos are kept as 'pending embedding': {detail}"
                )
        return self._encoder

    def _require_encoder(self) -> FashionEncoder:
        encoder = self._load_encoder()
        if encoder is None:
            raise EncoderUnavailable(self._encoder_message or "the encoder is unavailable")
        return encoder

    def retry_models(self) -> WardrobeStatus:
        """Try again to load the encoder and the background model (say after installing them)."""
        self._load_encoder()
        self.remover.retry()
        return self.status

    @property
    def status(self) -> WardrobeStatus:
        compat_dir = self.settings.compat_model_dir
        compat = f"trained ({compat_dir})" if compat_dir.is_dir() else identity().version
        return WardrobeStatus(
            encoder_ready=self._encoder is not None,
            encoder_message=self._encoder_message,
            background_ready=self.remover.ready,
            background_message=self.remover.message,
            compat_model=compat,
        )

    # --- sessions and records ---------------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def _record(self, row: Item) -> ItemRecord:
        return item_record(row, self.files)

    def _item_row(self, session: Session, item_id: str) -> Item:
        row = session.get(Item, item_id)
        if row is None:
            raise KeyError(f"no item {item_id!r}")
        return row

    def _outfit_query(self) -> Any:
        return select(Outfit).options(selectinload(Outfit.items), selectinload(Outfit.feedback))

    def _outfit_row(self, session: Session, outfit_id: str) -> Outfit:
        row = session.scalar(self._outfit_query().where(Outfit.id == outfit_id))
        if row is None:
            raise KeyError(f"no outfit {outfit_id!r}")
        return row

    # --- writing items (the crash-safe order) -------------------------------------------------

    def _new_row(
        self, prepared: PreparedItem, sha256: str, name: str, category: str | None = None
    ) -> _NewItem:
        item_id = uuid.uuid4().hex
        paths = {n: self.files.relative(item_id, n) for n in prepared.files}
        original = next(n for n in prepared.files if n not in (CUTOUT, THUMBNAIL))
        tags = prepared.tags
        encoder = self._encoder
        row = Item(
            id=item_id,
            category=category or tags.category,
            subtype=tags.subtype,
            colours=list(tags.colours),
            name=name,
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
        )
        return _NewItem(row, prepared.files)

    def _write_new(
        self, new: Sequence[_NewItem], also: Callable[[Session], None] | None = None
    ) -> list[str]:
        """Files -> one transaction (rows, plus `also`) -> vectors. Returns warnings.

        A failure before the commit removes the files just written and re-raises; a failure of
        the vector write is only a warning, because the committed rows let start-up or
        `doctor` rebuild the vectors.
        """
        written: list[str] = []
        try:
            for item in new:
                self.files.write_item(item.row.id, item.files)
                written.append(item.row.id)
            with self._sessions.begin() as session:
                session.add_all([item.row for item in new])
                if also is not None:
                    session.flush()
                    also(session)
        except BaseException:
            for item_id in written:
                self.files.delete_item(item_id)
            raise
        return self._index_rows([item.row for item in new])

    def _index_rows(self, rows: Sequence[Item]) -> list[str]:
        """Upsert committed rows' embeddings into the vector index; failures become warnings."""
        embedded = [r for r in rows if r.embedding is not None and not r.pending_embedding]
        try:
            for model in {r.embedding_model for r in embedded}:
                group = [r for r in embedded if r.embedding_model == model]
                self.vectors.upsert(
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

    def _near_duplicates(self, embedding: np.ndarray | None, category: str) -> tuple[str, ...]:
        encoder = self._encoder
        if embedding is None or encoder is None or category == UNKNOWN_CATEGORY:
            return ()
        try:
            hits = self.vectors.nearest(
                embedding, NEAR_DUPLICATE_CANDIDATES, category=category, model=encoder.name
            )
        except Exception as error:  # a broken index must not stop ingestion
            log.warning("near-duplicate search failed: %s", error)
            return ()
        return tuple(i for i, sim in hits if sim > self.settings.near_duplicate_threshold)

    def _category_of(self, item_id: str) -> str:
        with self._session() as session:
            return self._item_row(session, item_id).category

    def _existing_by_sha(self, sha256: str) -> str | None:
        with self._session() as session:
            return session.scalar(select(Item.id).where(Item.sha256 == sha256))

    def _load(self, data: bytes, filename: str) -> LoadedImage:
        return load_image(
            data,
            filename,
            max_pixels=self.settings.max_image_pixels,
            max_side=self.settings.max_image_side,
        )

    # --- ingestion ------------------------------------------------------------------------------

    def ingest_bytes(self, data: bytes, filename: str) -> IngestOutcome:
        """Store one garment photo. Refusals (bad files) write nothing anywhere."""
        try:
            loaded = self._load(data, filename)
        except ImageRejected as error:
            return IngestOutcome(filename, "refused", None, error.reason)
        with self._write:
            existing = self._existing_by_sha(loaded.sha256)
            if existing is not None:
                return IngestOutcome(
                    filename, "duplicate", existing, f"the same file is already item {existing}"
                )
            prepared = prepare_item(
                loaded.image,
                (original_name(loaded.format), loaded.data),
                self.remover,
                self._encoder,  # no retry per photo: an offline hub probe costs seconds
            )
            near = self._near_duplicates(prepared.embedding, prepared.tags.category)
            new = self._new_row(prepared, loaded.sha256, name=Path(filename).stem)
            try:
                warnings = self._write_new([new])
            except IntegrityError:  # the same bytes committed by a concurrent writer
                existing = self._existing_by_sha(loaded.sha256)
                return IngestOutcome(
                    filename, "duplicate", existing, f"the same file is already item {existing}"
                )
        if prepared.embedding is None:
            warnings.insert(0, self._encoder_message or "stored without an embedding")
        return IngestOutcome(
            filename,
            "added",
            new.row.id,
            "",
            near_duplicates=near,
            warnings=(*prepared.warnings, *warnings),
        )

    def ingest_path(self, path: Path) -> IngestOutcome:
        """`ingest_bytes` for a file; the outcome names the path as given."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            return IngestOutcome(
                str(path), "refused", None, f"cannot read the file ({error.strerror or error})"
            )
        outcome = self.ingest_bytes(data, path.name)
        return dataclasses.replace(outcome, filename=str(path))

    def ingest_outfit_photo(self, data: bytes, filename: str) -> OutfitPhotoOutcome:
        """Record a full-body "what I wore" photo as an outfit (source "photo").

        The background is removed, the person's box found and cut into the seed's top / bottom
        / shoes bands (core/bodycrop.py). Each band is matched to the most similar existing
        item of its categories (BAND_CATEGORIES) when the cosine reaches BAND_MATCH_THRESHOLD,
        else it becomes a new item (its original is the band's crop). Needs the encoder: without it, bands could
        not be matched and every photo would duplicate the wardrobe, so the photo is refused.
        """
        try:
            loaded = self._load(data, filename)
        except ImageRejected as error:
            return OutfitPhotoOutcome(filename, None, {}, error.reason)
        encoder = self._encoder
        if encoder is None:
            return OutfitPhotoOutcome(
                filename,
                None,
                {},
                "outfit photos need the encoder to match each band to your items, and it is "
                f"unavailable ({self._encoder_message}); try again once it is installed",
            )
        cut = self.remover.cut_out(loaded.image)
        bands = cut_bands(cut)
        warnings: list[str] = []
        if not cut.removed:
            warnings.append(self.remover.message or "background removal found no person")
        if not bands.person_found:
            warnings.append("no person could be separated from the background; bands were "
                            "cut from the whole photo")
        crops = {"top": bands.top, "bottom": bands.bottom, "shoes": bands.shoes}
        vectors = encoder.encode_images([crops[s] for s in BAND_SLOTS])
        with self._write:
            matches: list[BandMatch] = []
            new_items: list[_NewItem] = []
            for slot, vector in zip(BAND_SLOTS, vectors, strict=True):
                if slot == "bottom" and any(m.slot == ONEPIECE for m in matches):
                    continue  # the one-piece worn covers the bottom band too
                hits = self.vectors.nearest(vector, 1, category=BAND_CATEGORIES[slot],
                                            model=encoder.name)
                best = hits[0] if hits else None
                if best is not None and best[1] >= BAND_MATCH_THRESHOLD:
                    matched_slot = self._category_of(best[0]) if slot == "top" else slot
                    matches.append(BandMatch(matched_slot, best[0], True, best[1]))
                    continue
                new = self._band_item(loaded, cut, bands.boxes[slot], crops[slot], vector, slot)
                existing = self._existing_by_sha(new.row.sha256)
                if existing is not None:  # the very same crop was stored before
                    matches.append(BandMatch(slot, existing, True, None))
                    continue
                new_items.append(new)
                matches.append(BandMatch(slot, new.row.id, False, best[1] if best else None))
            items = {m.slot: m.item_id for m in matches}
            outfit_id = uuid.uuid4().hex

            def add_outfit(session: Session) -> None:
                session.add(self._outfit_row_for(outfit_id, items, "photo", None, True))

            warnings += self._write_new(new_items, also=add_outfit)
        return OutfitPhotoOutcome(filename, outfit_id, items, "", tuple(matches), tuple(warnings))

    def _band_item(
        self,
        loaded: LoadedImage,
        cut: CutOut,
        box: tuple[int, int, int, int],
        on_white: Image.Image,
        vector: np.ndarray,
        slot: str,
    ) -> _NewItem:
        original = image_bytes(loaded.image.crop(box), "PNG")
        band_cut = CutOut(cut.rgba.crop(box), on_white, cut.removed)
        prepared = prepare_from_cutout(
            band_cut, ("original.png", original), self._encoder, self.remover.message, vector
        )
        stem = Path(loaded.filename).stem
        return self._new_row(prepared, sha256_hex(original), name=f"{stem} ({slot})",
                             category=slot)

    # --- reading and editing items -----------------------------------------------------------

    def items(self, category: str | None = None, available: bool | None = None) -> list[ItemRecord]:
        """Items, newest first, optionally of one category and/or availability."""
        query = select(Item).order_by(Item.created.desc(), Item.id)
        if category is not None:
            query = query.where(Item.category == category)
        if available is not None:
            query = query.where(Item.available == available)
        with self._session() as session:
            return [self._record(r) for r in session.scalars(query)]

    def item(self, item_id: str) -> ItemRecord:
        with self._session() as session:
            return self._record(self._item_row(session, item_id))

    def update_item(self, item_id: str, **fields: Any) -> ItemRecord:
        """Change tags or details; every field given is marked as edited by a person, so
        automatic re-tagging never overwrites it."""
        values = _validated_edits(fields)
        with self._write, self._sessions.begin() as session:
            row = self._item_row(session, item_id)
            old_category = row.category
            for name, value in values.items():
                setattr(row, name, value)
            row.user_edited = sorted(set(row.user_edited or ()) | set(values))
            session.flush()
            record = self._record(row)
        if record.category != old_category:
            self._index_rows([row])  # the index keeps the category for filtered queries
        return record

    def set_available(self, item_id: str, available: bool) -> ItemRecord:
        """Mark an item as at hand or not (in the wash, lent out); not a tag edit."""
        with self._write, self._sessions.begin() as session:
            row = self._item_row(session, item_id)
            row.available = bool(available)
            session.flush()
            return self._record(row)

    def reprocess_background(self, item_id: str) -> ItemRecord:
        """Cut the item out again from its original (say the rembg model has been installed
        since), then re-embed and re-tag it (a person's edits are kept)."""
        with self._session() as session:
            row = self._item_row(session, item_id)
            original = self.files.absolute(row.original_path)
        self.remover.retry()
        loaded = self._load(original.read_bytes(), original.name)
        cut = self.remover.cut_out(loaded.image)
        encoder = self._load_encoder()
        embedding = None if encoder is None else encoder.encode_images([cut.on_white])[0]
        tags = auto_tags(encoder, embedding, cut.rgba)
        with self._write:
            self.files.replace_files(item_id, derived_files(cut))
            with self._sessions.begin() as session:
                row = self._item_row(session, item_id)
                row.background_removed = cut.removed
                _apply_tags(row, tags, colours_only=embedding is None)
                if embedding is not None and encoder is not None:
                    _set_embedding(row, embedding, encoder.name)
                session.flush()
                record = self._record(row)
            self._index_rows([row])
        return record

    def delete_item(self, item_id: str) -> None:
        """Remove the item's row (and its places in outfits), then its vector and files.

        Outfits left with no item are removed too.
        """
        with self._write:
            with self._sessions.begin() as session:
                row = self._item_row(session, item_id)
                session.execute(delete(OutfitItem).where(OutfitItem.item_id == item_id))
                session.delete(row)
                session.flush()
                empty = select(Outfit.id).where(~Outfit.items.any())
                for outfit in session.scalars(select(Outfit).where(Outfit.id.in_(empty))):
                    session.delete(outfit)
            try:
                self.vectors.delete([item_id])
            except Exception as error:  # reconciliation removes the orphan vector later
                log.warning("could not delete vector %s: %s", item_id, error)
            self.files.delete_item(item_id)

    def embeddings(self, item_ids: Sequence[str]) -> np.ndarray:
        """(n, D) float32 embeddings in the order given, read from the database.

        KeyError for an unknown id; ValueError for an item still pending its embedding.
        """
        ids = list(item_ids)
        with self._session() as session:
            rows = {r.id: r for r in session.scalars(select(Item).where(Item.id.in_(ids)))}
        missing = [i for i in ids if i not in rows]
        if missing:
            raise KeyError(f"no item(s) {', '.join(missing)}")
        pending = [i for i in ids if rows[i].embedding is None]
        if pending:
            raise ValueError(f"item(s) {', '.join(pending)} have no embedding yet (run reindex)")
        if not ids:
            return np.zeros((0, self._encoder.dim if self._encoder else 512), np.float32)
        return np.stack([embedding_from_bytes(rows[i].embedding) for i in ids])  # type: ignore[arg-type]

    def search_text(self, query: str, k: int = 20) -> list[tuple[ItemRecord, float]]:
        """Items whose image matches a text ("red summer dress"), best first, with cosine."""
        encoder = self._require_encoder()
        vector = encoder.encode_texts([query])[0]
        hits = self.vectors.nearest(vector, k, model=encoder.name)
        with self._session() as session:
            rows = {r.id: r for r in session.scalars(select(Item).where(
                Item.id.in_([i for i, _ in hits])))}
            return [(self._record(rows[i]), s) for i, s in hits if i in rows]

    # --- outfits, feedback, wear history --------------------------------------------------------

    def _outfit_row_for(
        self, outfit_id: str, items: dict[str, str], source: str, score: float | None, saved: bool
    ) -> Outfit:
        outfit = Outfit(id=outfit_id, source=source, created=utc_now(), score=score, saved=saved)
        outfit.items = [OutfitItem(slot=s, item_id=i) for s, i in items.items()]
        return outfit

    def save_outfit(
        self,
        items: dict[str, str],
        source: str,
        score: float | None = None,
        saved: bool = True,
    ) -> OutfitRecord:
        """Record an outfit. A one-piece given in slot "top" is stored under "onepiece"."""
        if source not in OUTFIT_SOURCES:
            raise ValueError(f"unknown outfit source {source!r}; one of {OUTFIT_SOURCES}")
        with self._write, self._sessions.begin() as session:
            slots = _validated_slots(items, session)
            outfit = self._outfit_row_for(
                uuid.uuid4().hex, slots, source, None if score is None else float(score), saved
            )
            session.add(outfit)
            session.flush()
            return outfit_record(outfit)

    def outfits(self, source: str | None = None, saved_only: bool = False) -> list[OutfitRecord]:
        """Outfits, newest first."""
        query = self._outfit_query().order_by(Outfit.created.desc(), Outfit.id)
        if source is not None:
            query = query.where(Outfit.source == source)
        if saved_only:
            query = query.where(Outfit.saved.is_(True))
        with self._session() as session:
            return [outfit_record(o) for o in session.scalars(query)]

    def outfit(self, outfit_id: str) -> OutfitRecord:
        with self._session() as session:
            return outfit_record(self._outfit_row(session, outfit_id))

    def add_feedback(self, outfit_id: str, rating: int) -> None:
        """+1 like / -1 dislike; the latest one counts (liked suggestions train as positives,
        disliked ones as hard negatives)."""
        if rating not in (1, -1):
            raise ValueError(f"rating must be +1 (like) or -1 (dislike), not {rating!r}")
        with self._write, self._sessions.begin() as session:
            self._outfit_row(session, outfit_id)
            session.add(Feedback(outfit_id=outfit_id, rating=int(rating), created=utc_now()))

    def log_wear(self, outfit_id: str, day: date | None = None) -> None:
        """Note that an outfit was worn; each of its items' times_worn and last_worn follow."""
        day = day or date.today()
        with self._write, self._sessions.begin() as session:
            outfit = self._outfit_row(session, outfit_id)
            session.add(Wear(outfit_id=outfit_id, day=day))
            for link in outfit.items:
                row = self._item_row(session, link.item_id)
                row.times_worn += 1
                row.last_worn = day if row.last_worn is None else max(row.last_worn, day)

    def wear_history(self) -> list[tuple[date, OutfitRecord]]:
        """(day, outfit) for every logged wear, most recent first."""
        with self._session() as session:
            wears = session.execute(select(Wear.day, Wear.outfit_id).order_by(
                Wear.day.desc(), Wear.id.desc())).all()
            ids = {w.outfit_id for w in wears}
            outfits = {o.id: outfit_record(o) for o in session.scalars(
                self._outfit_query().where(Outfit.id.in_(ids)))}
        return [(w.day, outfits[w.outfit_id]) for w in wears]

    def training_set(self) -> OutfitSet | None:
        """Outfits as model input: photo, manual and liked suggested outfits are positives,
        disliked suggestions hard negatives. Slots follow models.compat.SLOTS; a one-piece sits
        in "top" with category "onepiece" (so categories is (N, K)). Items without an
        embedding, or embedded by another model than the majority, are left out of their
        slot; outfits with fewer than two items left are skipped. None without positives."""
        records = self.outfits()
        positives = [o for o in records if o.source in ("photo", "manual")
                     or (o.source == "suggested" and o.rating == 1)]
        negatives = [o for o in records if o.source == "suggested" and o.rating == -1]
        with self._session() as session:
            wanted = {i for o in positives + negatives for i in o.items.values()}
            rows = session.scalars(select(Item).where(Item.id.in_(wanted))).all()
        embedded = [r for r in rows if r.embedding is not None and not r.pending_embedding]
        if not embedded:
            return None
        models = [r.embedding_model for r in embedded]
        model = max(set(models), key=models.count)
        vectors = {r.id: embedding_from_bytes(r.embedding) for r in embedded  # type: ignore[arg-type]
                   if r.embedding_model == model}
        pos = _outfit_set(positives, vectors)
        if pos is None:
            return None
        pos.hard_negatives = _outfit_set(negatives, vectors)
        return pos

    # --- maintenance ------------------------------------------------------------------------------

    def _reconcile(self, repair: bool, deep: bool) -> DoctorReport:
        with self._write:
            return reconcile(
                self._sessions, self.vectors, self.files, repair=repair, deep=deep,
                regenerate=self._regenerate_derived if repair else None,
            )

    def _regenerate_derived(self, item_id: str) -> bool:
        """Rebuild a lost cut-out/thumbnail from the original (tags and embedding untouched);
        False when the original is gone too."""
        record = self.item(item_id)
        if not record.original_path.is_file():
            return False
        loaded = self._load(record.original_path.read_bytes(), record.original_path.name)
        self.files.replace_files(item_id, derived_files(self.remover.cut_out(loaded.image)))
        return True

    def doctor(self, repair: bool = False) -> DoctorReport:
        """Compare database, vector index (ids, metadata and values) and image folder.

        `problems` lists what was found; with repair=True it is fixed where possible
        (see db/reconcile.py) and `repaired` counts the fixes.
        """
        return self._reconcile(repair=repair, deep=True)

    def reindex(self) -> int:
        """Embed items pending an embedding or embedded by another model than the configured
        one; pending items are also tagged (fields a person edited are kept). Then make the
        vector index match. Returns how many items were (re-)embedded.

        Raises EncoderUnavailable when the encoder still cannot be loaded.
        """
        encoder = self._require_encoder()
        with self._session() as session:
            todo = session.scalars(select(Item).where(
                (Item.pending_embedding.is_(True)) | (Item.embedding.is_(None))
                | (Item.embedding_model != encoder.name))).all()
        done = 0
        for row in todo:
            cutout_file = self.files.absolute(row.cutout_path)
            if not cutout_file.is_file():
                log.warning("item %s: cut-out %s is missing; run doctor", row.id, cutout_file)
                continue
            with Image.open(cutout_file) as stored:
                cut = cutout_from_file(stored, row.background_removed)
            embedding = encoder.encode_images([cut.on_white])[0]
            tags = auto_tags(encoder, embedding, cut.rgba) if row.pending_embedding else None
            with self._write, self._sessions.begin() as session:
                fresh = self._item_row(session, row.id)
                if tags is not None:
                    _apply_tags(fresh, tags)
                _set_embedding(fresh, embedding, encoder.name)
            self._index_rows([fresh])  # after the commit: the row is the truth
            done += 1
        self._reconcile(repair=True, deep=False)
        return done

    def export_zip(self, path: Path) -> None:
        """Write images, every row and every embedding to one zip (see db/archive.py)."""
        with self._write:
            export_home(self._sessions, self.files, Path(path))

    def import_zip(self, path: Path) -> None:
        """Import an export into this home, which must be empty (ImportRefused otherwise)."""
        with self._write:
            import_home(self._sessions, self.files, Path(path))
            self._reconcile(repair=True, deep=False)

    def counts(self) -> dict[str, int]:
        """Items and outfits stored (for summaries)."""
        with self._session() as session:
            return {
                "items": session.scalar(select(func.count()).select_from(Item)) or 0,
                "outfits": session.scalar(select(func.count()).select_from(Outfit)) or 0,
            }


# --- helpers --------------------------------------------------------------------------------


def _set_embedding(row: Item, embedding: np.ndarray, model: str) -> None:
    row.embedding = embedding_to_bytes(embedding)
    row.embedding_model = model
    row.pending_embedding = False


def _apply_tags(row: Item, tags: AutoTags, colours_only: bool = False) -> None:
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


def _validated_edits(fields: dict[str, Any]) -> dict[str, Any]:
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
        elif name == "price":
            if value is not None and (not isinstance(value, int | float) or value < 0):
                raise ValueError(f"price must be a non-negative number or None, not {value!r}")
            out[name] = None if value is None else float(value)
        else:
            out[name] = str(value).strip()
    return out


def _validated_slots(items: dict[str, str], session: Session) -> dict[str, str]:
    """Check slot names and items; a one-piece passed as "top" moves to "onepiece"."""
    if not items:
        raise ValueError("an outfit needs at least one item")
    slots: dict[str, str] = {}
    for slot, item_id in items.items():
        row = session.get(Item, item_id)
        if row is None:
            raise KeyError(f"no item {item_id!r}")
        if slot == "top" and row.category == ONEPIECE:
            slot = ONEPIECE
        if slot not in OUTFIT_SLOTS:
            raise ValueError(f"unknown slot {slot!r}; one of {OUTFIT_SLOTS}")
        if row.category not in (slot, UNKNOWN_CATEGORY):
            raise ValueError(f"item {item_id} is a {row.category}, it cannot fill slot {slot!r}")
        slots[slot] = item_id
    if ONEPIECE in slots and ({"top", "bottom"} & set(slots)):
        raise ValueError("a one-piece fills top and bottom: leave those slots empty")
    return slots


def _outfit_set(outfits: Sequence[OutfitRecord], vectors: dict[str, np.ndarray]) -> OutfitSet | None:
    """Stack outfits into models.data.OutfitSet (slots models.compat.SLOTS)."""
    rows: list[tuple[np.ndarray, np.ndarray, list[str]]] = []
    dim = len(next(iter(vectors.values()))) if vectors else 0
    for outfit in outfits:
        stack = np.zeros((len(SLOTS), dim), np.float32)
        mask = np.zeros(len(SLOTS), bool)
        categories = list(SLOTS)
        for slot, item_id in outfit.items.items():
            model_slot, category = ("top", ONEPIECE) if slot == ONEPIECE else (slot, slot)
            if model_slot not in SLOTS or item_id not in vectors:
                continue
            k = SLOTS.index(model_slot)
            stack[k], mask[k], categories[k] = vectors[item_id], True, category
        if mask.sum() >= 2:
            rows.append((stack, mask, categories))
    if not rows:
        return None
    return OutfitSet(
        vectors=np.stack([r[0] for r in rows]),
        mask=np.stack([r[1] for r in rows]),
        categories=np.array([r[2] for r in rows], dtype=object),
    )
