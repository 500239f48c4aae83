"""Turning photos into items: one garment per photo, or a worn outfit cut into bands.

Single photos become one item each (exact duplicates refused by file hash, near-duplicates
reported); an outfit photo's top / bottom / shoes bands are matched to existing items, and
only bands that match none become new items.
"""

from __future__ import annotations

import logging
import uuid

import numpy as np
from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from base.records import BandMatch, IngestOutcome, OutfitPhotoOutcome
from base.vocabulary import BOTTOM, CATEGORIES, ONEPIECE, SHOES, TOP, UNKNOWN_CATEGORY
from core.photos.background import CutOut
from core.photos.garment_regions import ROWS_NOTE, find_regions
from core.photos.images import ImageRejected, LoadedImage, image_bytes, sha256_hex
from core.photos.item_builder import original_name, prepare_from_cutout, prepare_item
from core.wardrobe.outfit_log import new_outfit_row
from core.wardrobe.stores import WardrobeStores, item_row
from core.wardrobe.writes import NewItem, automatic_name, new_item, write_new_items
from db.schema import Item, Outfit

log = logging.getLogger(__name__)

# A band of an outfit photo is the same garment as an existing item of its category when their
# embeddings' cosine reaches this. Bands are cut from a worn, differently lit photo, so they sit
# further from the item's own flat-lay photo than two photos of one item do (near-duplicate
# threshold 0.95); 0.85 is a first guess until labelled pairs measure it.
BAND_MATCH_THRESHOLD = 0.85
NEAR_DUPLICATE_CANDIDATES = 5
BAND_SLOTS: tuple[str, ...] = (TOP, ONEPIECE, BOTTOM, SHOES)  # garment regions, in matching order
# Categories a band may match. The top band may be a one-piece: if it matches one, the outfit
# gets slot "onepiece" and the bottom band is not used. A "onepiece" region (a dress the regions
# found from pixels, instead of a top and a bottom) matches one-pieces only. A new item made
# from a band takes the band's name as its category.
BAND_CATEGORIES: dict[str, tuple[str, ...]] = {
    TOP: (TOP, ONEPIECE), ONEPIECE: (ONEPIECE,), BOTTOM: (BOTTOM,), SHOES: (SHOES,),
}


def ingest_bytes(
    stores: WardrobeStores, data: bytes, filename: str, category: str | None = None
) -> IngestOutcome:
    """Store one garment photo. Refusals (bad files) write nothing anywhere. `category` is the
    person's choice ("these are all shoes"): it replaces the guess, near-duplicates are looked
    for within it, and it counts as their edit, so re-tagging never undoes it."""
    if category is not None and category not in CATEGORIES:
        return IngestOutcome(filename, "refused", None,
                             f"unknown category {category!r}; one of {', '.join(CATEGORIES)}")
    try:
        loaded = stores.load_image(data, filename)
    except ImageRejected as error:
        return IngestOutcome(filename, "refused", None, error.reason)
    with stores.write_lock:
        existing = _existing_by_sha(stores, loaded.sha256)
        if existing is not None:
            return _duplicate(filename, existing)
        prepared = prepare_item(
            loaded.image,
            (original_name(loaded.format), loaded.data),
            stores.remover,
            stores.encoder,  # no retry per photo: an offline hub probe costs seconds
            category,  # the person's category limits the guessed sub-type
        )
        near = _near_duplicates(stores, prepared.embedding, category or prepared.tags.category)
        chosen = category or prepared.tags.category
        with stores.session() as session:
            name = automatic_name(session, prepared.tags.colours, prepared.tags.subtype, chosen)
        new = new_item(stores, prepared, loaded.sha256, name=name, category=category)
        if category is not None:
            new.row.user_edited = ["category"]
        try:
            warnings = write_new_items(stores, [new])
        except IntegrityError:  # the same bytes committed by a concurrent writer
            return _duplicate(filename, _existing_by_sha(stores, loaded.sha256))
    if prepared.embedding is None:
        warnings.insert(0, stores.encoder_message or "stored without an embedding")
    return IngestOutcome(
        filename,
        "added",
        new.row.id,
        "",
        near_duplicates=near,
        warnings=(*prepared.warnings, *warnings),
    )


def ingest_outfit_photo(stores: WardrobeStores, data: bytes, filename: str) -> OutfitPhotoOutcome:
    """Record a full-body "what I wore" photo as an outfit (source "photo").

    The background is removed and the garments found from the body's joints
    (core/photos/garment_regions.py: top, bottom, shoes, or a one-piece for a dress found
    from pixels instead of top and bottom; the seed's fixed rows of
    core/photos/bodycrop.py when the pose model is unavailable, with a warning saying so). A
    garment outside the frame is left out and named in `missing`. Each region is matched to
    the most similar existing item of its categories (BAND_CATEGORIES) when the cosine reaches BAND_MATCH_THRESHOLD,
    else it becomes a new item (its original is the band's crop). Needs the encoder and the
    vector index: without either, bands could not be matched and every photo would duplicate
    the wardrobe, so the photo is refused and nothing is written. A photo whose exact bytes
    already made an outfit is a "duplicate" (checked first, before any band work), so the
    training set never counts one worn outfit twice.
    """
    try:
        loaded = stores.load_image(data, filename)
    except ImageRejected as error:
        return OutfitPhotoOutcome(filename, None, {}, error.reason)
    recorded = _outfit_by_photo_sha(stores, loaded.sha256)
    if recorded is not None:
        return _duplicate_outfit(filename, recorded)
    encoder = stores.encoder
    if encoder is None:
        return OutfitPhotoOutcome(
            filename,
            None,
            {},
            "outfit photos need the encoder to match each band to your items, and it is "
            f"unavailable ({stores.encoder_message}); try again once it is installed",
        )
    cut = stores.remover.cut_out(loaded.image)
    model = stores.pose_model
    note = ROWS_NOTE + (f" ({stores.pose_message})" if stores.pose_message else "")
    regions = find_regions(cut, model, note, photo=loaded.image)
    warnings: list[str] = []
    if not cut.removed:
        warnings.append(stores.remover.message or "background removal found no person")
    if regions.note and (model is not None or stores.pose_message):
        warnings.append(regions.note)
    if not regions.person_found:
        warnings.append("no person could be separated from the background; bands were "
                        "cut from the whole photo")
    if regions.missing:
        warnings.append(f"not in the photo, so not recorded: {', '.join(regions.missing)}")
    slots = tuple(s for s in BAND_SLOTS if s in regions.boxes)
    crops = regions.crops
    vectors = encoder.encode_images([crops[s] for s in slots])
    with stores.write_lock:
        recorded = _outfit_by_photo_sha(stores, loaded.sha256)
        if recorded is not None:  # recorded by a concurrent upload meanwhile
            return _duplicate_outfit(filename, recorded)
        matches: list[BandMatch] = []
        new_items: list[NewItem] = []
        for slot, vector in zip(slots, vectors, strict=True):
            box = regions.boxes[slot]
            if slot == "bottom" and any(m.slot == ONEPIECE for m in matches):
                continue  # the one-piece worn covers the bottom band too
            try:
                hits = stores.vectors.nearest(vector, 1, category=BAND_CATEGORIES[slot],
                                              model=encoder.name)
            except Exception as error:  # any index failure: the same clean refusal
                # Unlike a near-duplicate hint, a band match decides what is written: treating
                # a failed search as "no match" would add a copy of every garment worn.
                log.warning("band matching for %s failed", filename, exc_info=True)
                return OutfitPhotoOutcome(
                    filename, None, {},
                    f"the vector index could not be searched to match the {slot} band to "
                    f"your items ({error}); nothing was recorded, try again later "
                    "(`doctor` checks the index)",
                    warnings=tuple(warnings),
                )
            best = hits[0] if hits else None
            if best is not None and best[1] >= BAND_MATCH_THRESHOLD:
                matched_slot = _category_of(stores, best[0]) if slot == "top" else slot
                if matched_slot == ONEPIECE and BOTTOM in regions.boxes:  # covers both regions
                    below = regions.boxes[BOTTOM]
                    box = (min(box[0], below[0]), box[1], max(box[2], below[2]), below[3])
                matches.append(BandMatch(matched_slot, best[0], True, best[1], box))
                continue
            new = _band_item(stores, loaded, cut, box, crops[slot], vector, slot,
                             [q.row.name for q in new_items])
            if any(q.row.sha256 == new.row.sha256 for q in new_items):
                # two bands cut to the same pixels: a tiny or blank photo, no outfit to read
                return OutfitPhotoOutcome(
                    filename, None, {},
                    "the photo is too small or too uniform to tell top, bottom and shoes "
                    "apart; use a full-body photo",
                    warnings=tuple(warnings),
                )
            existing = _existing_by_sha(stores, new.row.sha256)
            if existing is not None:  # the very same crop was stored before
                matches.append(BandMatch(slot, existing, True, None, box))
                continue
            new_items.append(new)
            matches.append(BandMatch(slot, new.row.id, False, best[1] if best else None, box))
        items = {m.slot: m.item_id for m in matches}
        outfit_id = uuid.uuid4().hex

        def add_outfit(session: Session) -> None:
            session.add(new_outfit_row(outfit_id, items, "photo", None, True,
                                       photo_sha256=loaded.sha256))

        warnings += write_new_items(stores, new_items, also=add_outfit)
    return OutfitPhotoOutcome(filename, outfit_id, items, "", tuple(matches), tuple(warnings),
                              regions_method=regions.method, missing=regions.missing)


def _duplicate(filename: str, existing: str | None) -> IngestOutcome:
    """The outcome for a photo whose exact bytes are already an item."""
    return IngestOutcome(
        filename, "duplicate", existing, f"the same file is already item {existing}"
    )


def _duplicate_outfit(filename: str, outfit_id: str) -> OutfitPhotoOutcome:
    """The outcome for an outfit photo whose exact bytes already made an outfit."""
    return OutfitPhotoOutcome(
        filename, None, {}, f"the same photo is already outfit {outfit_id}",
        duplicate_of=outfit_id,
    )


def _band_item(
    stores: WardrobeStores,
    loaded: LoadedImage,
    cut: CutOut,
    box: tuple[int, int, int, int],
    on_white: Image.Image,
    vector: np.ndarray,
    slot: str,
    pending_names: list[str],
) -> NewItem:
    """A new item from one band: its crop is the original, the band's name its category."""
    original = image_bytes(loaded.image.crop(box), "PNG")
    band_cut = CutOut(cut.rgba.crop(box), on_white, cut.removed)
    prepared = prepare_from_cutout(
        band_cut, ("original.png", original), stores.encoder, stores.remover.message, vector,
        category=slot,
    )
    with stores.session() as session:
        name = automatic_name(session, prepared.tags.colours, prepared.tags.subtype, slot,
                              pending=pending_names)
    return new_item(stores, prepared, sha256_hex(original), name=name, category=slot)


def _near_duplicates(
    stores: WardrobeStores, embedding: np.ndarray | None, category: str
) -> tuple[str, ...]:
    """Items of the same category that look like this photo (reported, never refused)."""
    encoder = stores.encoder
    if embedding is None or encoder is None or category == UNKNOWN_CATEGORY:
        return ()
    try:
        hits = stores.vectors.nearest(
            embedding, NEAR_DUPLICATE_CANDIDATES, category=category, model=encoder.name
        )
    except Exception as error:  # a broken index must not stop ingestion
        log.warning("near-duplicate search failed: %s", error)
        return ()
    return tuple(i for i, sim in hits if sim > stores.settings.near_duplicate_threshold)


def _category_of(stores: WardrobeStores, item_id: str) -> str:
    with stores.session() as session:
        return item_row(session, item_id).category


def _outfit_by_photo_sha(stores: WardrobeStores, sha256: str) -> str | None:
    with stores.session() as session:
        return session.scalar(
            select(Outfit.id).where(Outfit.photo_sha256 == sha256).order_by(Outfit.created)
        )


def _existing_by_sha(stores: WardrobeStores, sha256: str) -> str | None:
    with stores.session() as session:
        return session.scalar(select(Item.id).where(Item.sha256 == sha256))
