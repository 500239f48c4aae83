"""What the person does with a suggested outfit: like, dislike, save, wear today.

Each action records the outfit once (the same pieces are found again instead of stored twice)
and adds the feedback the compatibility model learns from: likes are positives, dislikes hard
negatives (see `Wardrobe.training_set`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from base.records import OutfitRecord
    from core.wardrobe.service import Wardrobe


OutfitKey = frozenset[tuple[str, str]]
OutfitIndex = dict[OutfitKey, "OutfitRecord"]


def outfit_key(items: Mapping[str, str]) -> OutfitKey:
    """The same pieces in the same slots, whatever the order they are listed in."""
    return frozenset(items.items())


def index_outfits(outfits: Iterable[OutfitRecord]) -> OutfitIndex:
    """Recorded outfits by their pieces, the saved (then oldest) one kept for each.

    A page showing many suggestions builds this once per run instead of reading every outfit
    again per card.
    """
    index: OutfitIndex = {}
    for outfit in sorted(outfits, key=lambda o: (not o.saved, o.created)):
        index.setdefault(outfit_key(outfit.items), outfit)
    return index


def find_outfit(wardrobe: Wardrobe, items: Mapping[str, str]) -> OutfitRecord | None:
    """An outfit already recorded with exactly these pieces in these slots, saved ones first."""
    return index_outfits(wardrobe.outfits()).get(outfit_key(items))


def record_outfit(
    wardrobe: Wardrobe, items: Mapping[str, str], score: float | None, saved: bool
) -> OutfitRecord:
    """The stored outfit for these pieces; created (as a suggestion) when new.

    An outfit first recorded unsaved (say, disliked) and then saved is the same record, now
    saved: one record per outfit, so its latest reaction decides what training makes of it
    (a copy would count one outfit as a positive and a negative at once).
    """
    existing = find_outfit(wardrobe, items)
    if existing is not None:
        if saved and not existing.saved:
            return wardrobe.set_outfit_saved(existing.id, True)
        return existing
    return wardrobe.save_outfit(dict(items), source="suggested", score=score, saved=saved)


def shown(wardrobe: Wardrobe, suggestions: Iterable[Mapping[str, str]]) -> int:
    """Log suggestions (slot -> item id) as shown to the person: the ones they pass over
    become weak negatives for their taste layer (core/wardrobe/shown.py)."""
    return wardrobe.log_shown(list(suggestions))


def like(wardrobe: Wardrobe, items: Mapping[str, str], score: float | None) -> OutfitRecord:
    outfit = record_outfit(wardrobe, items, score, saved=True)
    wardrobe.add_feedback(outfit.id, +1)
    return outfit


def dislike(wardrobe: Wardrobe, items: Mapping[str, str], score: float | None) -> OutfitRecord:
    outfit = record_outfit(wardrobe, items, score, saved=False)
    wardrobe.add_feedback(outfit.id, -1)
    return outfit


def save(wardrobe: Wardrobe, items: Mapping[str, str], score: float | None) -> OutfitRecord:
    return record_outfit(wardrobe, items, score, saved=True)


def wear_today(
    wardrobe: Wardrobe, items: Mapping[str, str], score: float | None, day: date | None = None
) -> OutfitRecord:
    outfit = record_outfit(wardrobe, items, score, saved=True)
    wardrobe.log_wear(outfit.id, day or date.today())
    return outfit
