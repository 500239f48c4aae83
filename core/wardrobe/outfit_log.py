"""Outfits and what people said and did with them: feedback, wears, and the training set.

Outfits are the compatibility model's labels, so this module also turns them into
models.data.OutfitSet (positives and hard negatives) for training.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from base.records import OUTFIT_SOURCES, OutfitRecord
from base.vocabulary import ONEPIECE, PIECE_SLOTS, SLOT_OF_CATEGORY, SLOTS, UNKNOWN_CATEGORY
from core.wardrobe.stores import WardrobeStores, item_row
from db.mapping import embedding_from_bytes, outfit_record, utc_now
from db.schema import Feedback, Item, Outfit, OutfitItem, Wear
from models.data import OutfitSet


def outfit_query() -> Any:
    """Outfits with their items and feedback loaded, so records build outside the session."""
    return select(Outfit).options(selectinload(Outfit.items), selectinload(Outfit.feedback))


def outfit_row(session: Session, outfit_id: str) -> Outfit:
    """The outfit's row; KeyError names the id when there is none."""
    row = session.scalar(outfit_query().where(Outfit.id == outfit_id))
    if row is None:
        raise KeyError(f"no outfit {outfit_id!r}")
    return row


def new_outfit_row(
    outfit_id: str,
    items: dict[str, str],
    source: str,
    score: float | None,
    saved: bool,
    photo_sha256: str | None = None,
) -> Outfit:
    """An outfit row with its slot links (slots already validated)."""
    outfit = Outfit(id=outfit_id, source=source, created=utc_now(), score=score, saved=saved,
                    photo_sha256=photo_sha256)
    outfit.items = [OutfitItem(slot=s, item_id=i) for s, i in items.items()]
    return outfit


def save_outfit(
    stores: WardrobeStores,
    items: dict[str, str],
    source: str,
    score: float | None = None,
    saved: bool = True,
) -> OutfitRecord:
    if source not in OUTFIT_SOURCES:
        raise ValueError(f"unknown outfit source {source!r}; one of {OUTFIT_SOURCES}")
    with stores.write_lock, stores.sessions.begin() as session:
        slots = _validated_slots(items, session)
        outfit = new_outfit_row(
            uuid.uuid4().hex, slots, source, None if score is None else float(score), saved
        )
        session.add(outfit)
        session.flush()
        return outfit_record(outfit)


def set_outfit_slot(
    stores: WardrobeStores, outfit_id: str, slot: str, item_id: str | None
) -> OutfitRecord:
    """Put `item_id` into the outfit in place of what `slot` held (the slot follows the new
    item's category: a dress given for a top region fills "onepiece"), or empty the slot
    (None). The person correcting an outfit photo; the result is validated like a new outfit
    (ValueError / KeyError say why) and nothing changes when it is refused."""
    with stores.write_lock, stores.sessions.begin() as session:
        outfit = outfit_row(session, outfit_id)
        items = {link.slot: link.item_id for link in outfit.items}
        if slot not in items:
            raise KeyError(f"outfit {outfit_id} has nothing in slot {slot!r}")
        del items[slot]
        if item_id is not None:
            category = item_row(session, item_id).category
            items[SLOT_OF_CATEGORY.get(category, slot)] = item_id
        if not items:
            raise ValueError("an outfit needs at least one item; delete the outfit instead")
        slots = _validated_slots(items, session)
        outfit.items.clear()
        session.flush()
        outfit.items.extend(OutfitItem(slot=s, item_id=i) for s, i in slots.items())
        session.flush()
        return outfit_record(outfit)


def list_outfits(
    stores: WardrobeStores, source: str | None = None, saved_only: bool = False
) -> list[OutfitRecord]:
    query = outfit_query().order_by(Outfit.created.desc(), Outfit.id)
    if source is not None:
        query = query.where(Outfit.source == source)
    if saved_only:
        query = query.where(Outfit.saved.is_(True))
    with stores.session() as session:
        return [outfit_record(o) for o in session.scalars(query)]


def get_outfit(stores: WardrobeStores, outfit_id: str) -> OutfitRecord:
    """One outfit; KeyError when there is none."""
    with stores.session() as session:
        return outfit_record(outfit_row(session, outfit_id))


def add_feedback(stores: WardrobeStores, outfit_id: str, rating: int) -> None:
    """+1 like / -1 dislike; the latest one counts (liked suggestions train as positives,
    disliked ones as hard negatives)."""
    if rating not in (1, -1):
        raise ValueError(f"rating must be +1 (like) or -1 (dislike), not {rating!r}")
    with stores.write_lock, stores.sessions.begin() as session:
        outfit_row(session, outfit_id)
        session.add(Feedback(outfit_id=outfit_id, rating=int(rating), created=utc_now()))


def set_saved(stores: WardrobeStores, outfit_id: str, saved: bool) -> OutfitRecord:
    """Save or unsave an outfit. An unsaved outfit leaves the saved list and no longer counts
    as an outfit to learn from (unless liked); its feedback and wears are kept."""
    with stores.write_lock, stores.sessions.begin() as session:
        outfit = outfit_row(session, outfit_id)
        outfit.saved = bool(saved)
        session.flush()
        return outfit_record(outfit)


def delete_outfit(stores: WardrobeStores, outfit_id: str) -> None:
    """Forget an outfit: its slots, feedback and wears. Its items and their photos stay (the
    pieces cut from an outfit photo are items, the crops their originals), and each item's
    wear count and last-worn day drop the wears of this outfit. KeyError when there is none."""
    with stores.write_lock, stores.sessions.begin() as session:
        outfit = outfit_row(session, outfit_id)
        days = list(session.scalars(select(Wear.day).where(Wear.outfit_id == outfit_id)))
        item_ids = {link.item_id for link in outfit.items}
        session.delete(outfit)
        session.flush()
        for item_id in item_ids if days else ():
            row = session.get(Item, item_id)
            if row is None:
                continue
            row.times_worn = max(0, row.times_worn - len(days))
            row.last_worn = session.scalar(  # the latest wear left of any outfit with this item
                select(func.max(Wear.day)).join(OutfitItem, OutfitItem.outfit_id == Wear.outfit_id)
                .where(OutfitItem.item_id == item_id))


def log_wear(stores: WardrobeStores, outfit_id: str, day: date | None = None) -> None:
    """Note that the outfit was worn on `day` (today by default; any past or future day)."""
    day = day or date.today()
    with stores.write_lock, stores.sessions.begin() as session:
        outfit = outfit_row(session, outfit_id)
        session.add(Wear(outfit_id=outfit_id, day=day))
        for link in outfit.items:
            row = item_row(session, link.item_id)
            row.times_worn += 1
            row.last_worn = day if row.last_worn is None else max(row.last_worn, day)


def wear_history(stores: WardrobeStores) -> list[tuple[date, OutfitRecord]]:
    with stores.session() as session:
        wears = session.execute(select(Wear.day, Wear.outfit_id).order_by(
            Wear.day.desc(), Wear.id.desc())).all()
        ids = {w.outfit_id for w in wears}
        outfits = {o.id: outfit_record(o) for o in session.scalars(
            outfit_query().where(Outfit.id.in_(ids)))}
    return [(w.day, outfits[w.outfit_id]) for w in wears]


def training_set(stores: WardrobeStores) -> OutfitSet | None:
    """Outfits as model input: the outfits the person keeps are positives (saved ones of any
    source, photo and manual outfits are saved when recorded, and liked ones), unless their
    latest rating is a dislike; disliked suggestions are hard negatives. Slots follow models.compat.SLOTS; a one-piece sits
    in "top" with category "onepiece" (so categories is (N, K)). Items without an
    embedding, or embedded by another model than the majority, are left out of their
    slot; outfits with fewer than two items left are skipped. None without positives."""
    records = list_outfits(stores)
    positives = [o for o in records if (o.saved or o.rating == 1) and o.rating != -1]
    negatives = [o for o in records if o.source == "suggested" and o.rating == -1]
    vectors = _majority_vectors(stores, positives + negatives)
    if vectors is None:
        return None
    pos = _outfit_set(positives, vectors)
    if pos is None:
        return None
    pos.hard_negatives = _outfit_set(negatives, vectors)
    return pos


def _majority_vectors(
    stores: WardrobeStores, outfits: Sequence[OutfitRecord | _Pieces]
) -> dict[str, np.ndarray] | None:
    """Embeddings of the outfits' items made by the model most of them were embedded with
    (vectors of two encoders cannot meet in one model input); None when none is embedded."""
    with stores.session() as session:
        wanted = {i for o in outfits for i in o.items.values()}
        rows = session.scalars(select(Item).where(Item.id.in_(wanted))).all()
    embedded = [r for r in rows if r.embedding is not None and not r.pending_embedding]
    if not embedded:
        return None
    models = [r.embedding_model for r in embedded]
    model = max(set(models), key=models.count)
    return {r.id: embedding_from_bytes(r.embedding) for r in embedded  # type: ignore[arg-type]
            if r.embedding_model == model}


def feedback_set(stores: WardrobeStores) -> tuple[OutfitSet, np.ndarray] | None:
    """Outfits the person reacted to, for the personal taste layer: liked or worn (+1),
    disliked (-1, the latest feedback wins over a wear) and suggestions shown but skipped
    (-SKIP_WEIGHT, a weak negative; see core/wardrobe/shown.py), one rating per outfit row.
    None when fewer than one outfit of two or more embedded items has a reaction."""
    from core.wardrobe.shown import skipped_outfits
    from models.personal import SKIP_WEIGHT

    with stores.session() as session:
        worn = set(session.scalars(select(Wear.outfit_id)).all())
    rated = [o for o in list_outfits(stores) if o.rating is not None or o.id in worn]
    liked = [o for o in rated if o.rating != -1]
    disliked = [o for o in rated if o.rating == -1]
    skipped = [_Pieces(items) for items in skipped_outfits(stores)] if rated else []
    vectors = _majority_vectors(stores, [*rated, *skipped])
    if vectors is None:
        return None
    parts = [(s, sign) for s, sign in ((_outfit_set(liked, vectors), 1.0),
                                       (_outfit_set(disliked, vectors), -1.0),
                                       (_outfit_set(skipped, vectors), -SKIP_WEIGHT))
             if s is not None]
    if not parts:
        return None
    data = OutfitSet(np.concatenate([s.vectors for s, _ in parts]),
                     np.concatenate([s.mask for s, _ in parts]),
                     np.concatenate([s.category_grid() for s, _ in parts]).astype(object))
    ratings = np.concatenate([np.full(len(s), sign, np.float64) for s, sign in parts])
    return data, ratings


@dataclass(frozen=True)
class _Pieces:
    """A shown suggestion's pieces where an outfit record is expected (only `items` is read)."""

    items: dict[str, str]


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
        if slot not in PIECE_SLOTS:
            raise ValueError(f"unknown slot {slot!r}; one of {PIECE_SLOTS}")
        if row.category not in (slot, UNKNOWN_CATEGORY):
            raise ValueError(f"item {item_id} is a {row.category}, it cannot fill slot {slot!r}")
        slots[slot] = item_id
    if ONEPIECE in slots and ({"top", "bottom"} & set(slots)):
        raise ValueError("a one-piece fills top and bottom: leave those slots empty")
    return slots


def _outfit_set(outfits: Sequence[OutfitRecord | _Pieces], vectors: dict[str, np.ndarray]) -> OutfitSet | None:
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
