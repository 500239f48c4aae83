"""Suggestions shown to the person, and which of them were skipped (weak negatives for taste).

Why: a person rarely dislikes outfits; mostly they pass over the ones they do not want. A
suggestion shown, never liked, disliked, worn or saved, although the person reacted to something
*after* it was shown (so they were not just away), was skipped. The taste layer counts it as a
small fraction of a dislike (`models.personal.SKIP_WEIGHT`). The log keeps the newest
`MAX_SHOWN` rows only; rows naming deleted items are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time

from sqlalchemy import delete, func, select

from core.wardrobe.outfit_log import _validated_slots
from core.wardrobe.stores import WardrobeStores
from db.mapping import utc_now
from db.schema import Feedback, Item, Outfit, OutfitItem, ShownSuggestion, Wear

MAX_SHOWN = 2000  # rows kept: a few hundred page views of suggestions


def log_shown(stores: WardrobeStores, outfits: Sequence[Mapping[str, str]]) -> int:
    """Record that these outfits (slot -> item id) were shown now; the number recorded.

    Every outfit is checked first (ValueError / KeyError name the bad one) and nothing is
    written when one is refused.
    """
    if not outfits:
        return 0
    now = utc_now()
    with stores.write_lock, stores.sessions.begin() as session:
        rows = []
        for n, items in enumerate(outfits):
            try:
                slots = _validated_slots(dict(items), session)
            except (ValueError, KeyError) as exc:
                raise type(exc)(f"shown outfit {n + 1}: {exc.args[0]}") from None
            rows.append(ShownSuggestion(items=slots, shown=now))
        session.add_all(rows)
        session.flush()
        newest = session.scalars(select(ShownSuggestion.id).order_by(
            ShownSuggestion.id.desc()).offset(MAX_SHOWN).limit(1)).first()
        if newest is not None:
            session.execute(delete(ShownSuggestion).where(ShownSuggestion.id <= newest))
    return len(rows)


def skipped_outfits(stores: WardrobeStores) -> list[dict[str, str]]:
    """Shown outfits (slot -> item id, distinct) the person passed over: no feedback, wear or
    save of exactly those pieces, and shown before their latest reaction. Oldest first."""
    with stores.session() as session:
        last_feedback = session.scalar(select(func.max(Feedback.created)))
        last_saved = session.scalar(select(func.max(Outfit.created)).where(Outfit.saved.is_(True)))
        last_wear = session.scalar(select(func.max(Wear.day)))
        moments = [m for m in (last_feedback, last_saved,
                               None if last_wear is None else datetime.combine(last_wear, time()))
                   if m is not None]
        if not moments:
            return []
        reacted_ids = set(session.scalars(select(Feedback.outfit_id)).all())
        reacted_ids |= set(session.scalars(select(Wear.outfit_id)).all())
        reacted_ids |= set(session.scalars(select(Outfit.id).where(Outfit.saved.is_(True))).all())
        links = session.execute(select(OutfitItem.outfit_id, OutfitItem.slot, OutfitItem.item_id)
                                .where(OutfitItem.outfit_id.in_(reacted_ids))).all()
        shown = session.scalars(select(ShownSuggestion).where(ShownSuggestion.shown < max(moments))
                                .order_by(ShownSuggestion.id)).all()
        present = set(session.scalars(select(Item.id)).all())
        candidates = [dict(row.items) for row in shown if isinstance(row.items, dict)]
    pieces: dict[str, set[tuple[str, str]]] = {}
    for outfit_id, slot, item_id in links:
        pieces.setdefault(outfit_id, set()).add((slot, item_id))
    reacted = {frozenset(p) for p in pieces.values()}
    out: list[dict[str, str]] = []
    seen: set[frozenset[tuple[str, str]]] = set()
    for items in candidates:
        key = frozenset(items.items())
        if key in reacted or key in seen or not set(items.values()) <= present:
            continue
        seen.add(key)
        out.append(items)
    return out
