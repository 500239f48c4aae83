"""Wear statistics: what was worn when, what is worn most and least, and cost per wear.

Numbers people use to decide what to keep: an expensive coat worn twice costs a lot per wear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from base.records import ItemRecord, OutfitRecord


@dataclass(frozen=True)
class WearDay:
    day: date
    outfits: tuple[OutfitRecord, ...]


@dataclass(frozen=True)
class ItemWear:
    """One item's wear record; `cost_per_wear` is None without a price or before a first wear."""

    item: ItemRecord
    times_worn: int
    last_worn: date | None
    cost_per_wear: float | None


def cost_per_wear(item: ItemRecord) -> float | None:
    if item.price is None or item.times_worn <= 0:
        return None
    return round(float(item.price) / item.times_worn, 2)


def wear_days(history: Sequence[tuple[date, OutfitRecord]]) -> list[WearDay]:
    """Wear log grouped by day, newest day first."""
    by_day: dict[date, list[OutfitRecord]] = {}
    for day, outfit in history:
        by_day.setdefault(day, []).append(outfit)
    return [WearDay(day, tuple(by_day[day])) for day in sorted(by_day, reverse=True)]


def item_wear(items: Sequence[ItemRecord]) -> list[ItemWear]:
    return [ItemWear(i, i.times_worn, i.last_worn, cost_per_wear(i)) for i in items]


def most_worn(items: Sequence[ItemRecord], n: int = 5) -> list[ItemWear]:
    """Items worn at least once, most first (ties: most recently worn first)."""
    worn = [i for i in items if i.times_worn > 0]
    worn.sort(key=lambda i: (-i.times_worn, -(i.last_worn or date.min).toordinal(), i.id))
    return item_wear(worn[:n])


def least_worn(items: Sequence[ItemRecord], n: int = 5) -> list[ItemWear]:
    """Available items worn least, the longest-owned first: candidates to wear or let go."""
    pool = [i for i in items if i.available]
    pool.sort(key=lambda i: (i.times_worn, i.created, i.id))
    return item_wear(pool[:n])


def priced_items(items: Sequence[ItemRecord]) -> list[ItemWear]:
    """Items with a price, highest cost per wear first (never-worn priced items on top)."""
    priced = [i for i in items if i.price is not None]
    rows = item_wear(priced)
    return sorted(
        rows,
        key=lambda r: (r.cost_per_wear is not None, -(r.cost_per_wear or 0.0), r.item.id),
    )
