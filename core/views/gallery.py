"""What the gallery shows: filtering, grouping and facets over wardrobe items.

Pure functions over `ItemRecord`s so the Wardrobe page stays a thin renderer and the rules
(what "available" means, the category order people expect) are tested without a browser.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from base.vocabulary import (
    ACCESSORY,
    BAG,
    BOTTOM,
    CATEGORIES,
    ONEPIECE,
    OUTERWEAR,
    SEASONS,
    SHOES,
    TOP,
)
from core.photos.tagging import PALETTE
from core.wardrobe.naming import looks_like_file_name, readable_name, shown_names

if TYPE_CHECKING:
    from base.records import ItemRecord

__all__ = ["CATEGORIES", "CATEGORY_ORDER", "PALETTE", "SEASONS", "GalleryFilter"]

# Display order of the shared vocabulary (core.photos.tagging.CATEGORIES): head to toe, then extras.
CATEGORY_ORDER: tuple[str, ...] = (
    TOP, BOTTOM, ONEPIECE, OUTERWEAR, SHOES, BAG, ACCESSORY,
)
CATEGORY_LABELS: dict[str, str] = {
    "top": "Tops", "bottom": "Bottoms", "onepiece": "One-pieces", "outerwear": "Outerwear",
    "shoes": "Shoes", "bag": "Bags", "accessory": "Accessories",
}


def category_label(category: str, plural: bool = False) -> str:
    """Human label for a stored category ("onepiece" -> "one-piece")."""
    if plural:
        return CATEGORY_LABELS.get(category, category.capitalize())
    return "one-piece" if category == "onepiece" else category


@dataclass(frozen=True)
class GalleryFilter:
    """The gallery's filter controls; None means "any"."""

    category: str | None = None
    colour: str | None = None
    season: str | None = None
    available: bool | None = None

    def matches(self, item: ItemRecord) -> bool:
        return (
            (self.category is None or item.category == self.category)
            and (self.colour is None or self.colour in item.colours)
            and (self.season is None or self.season in item.seasons)
            and (self.available is None or item.available == self.available)
        )


def filter_items(items: Iterable[ItemRecord], flt: GalleryFilter) -> list[ItemRecord]:
    """Items passing the filter, order kept (search results stay ranked by relevance)."""
    return [item for item in items if flt.matches(item)]


def group_by_category(items: Iterable[ItemRecord]) -> dict[str, list[ItemRecord]]:
    """Items grouped by category in wardrobe order; unknown categories come last."""
    groups: dict[str, list[ItemRecord]] = {}
    for item in items:
        groups.setdefault(item.category, []).append(item)
    rank = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    return dict(sorted(groups.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def colour_options(items: Sequence[ItemRecord]) -> list[str]:
    """Colours present in the wardrobe, most common first (the filter offers only real ones)."""
    counts: dict[str, int] = {}
    for item in items:
        for colour in item.colours:
            counts[colour] = counts.get(colour, 0) + 1
    return sorted(counts, key=lambda c: (-counts[c], c))


def display_name(item: ItemRecord) -> str:
    """A name for people: the given name, unless it is empty or a file name / id ("IMG_4312"),
    then colour + type ("navy chinos"). The stored name is never rewritten."""
    if not looks_like_file_name(item.name):
        return item.name.strip()
    return readable_name(item.colours, item.subtype, item.category)


def display_names(items: Iterable[ItemRecord]) -> dict[str, str]:
    """id -> display name for a whole wardrobe, generated names numbered so none repeats
    ("white sneakers", "white sneakers 2"; the older item keeps the plain one)."""
    ordered = sorted(items, key=lambda i: (i.created, i.id))
    return shown_names([(i.id, i.name, i.subtype, i.colours, i.category) for i in ordered])


def picker_order(items: Iterable[ItemRecord], names: dict[str, str]) -> list[ItemRecord]:
    """Items for a drop-down: grouped by category in wardrobe order, by name within one."""
    rank = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    return sorted(items, key=lambda i: (rank.get(i.category, len(rank)), i.category,
                                        names.get(i.id, display_name(i)).lower(), i.id))


def picker_label(item: ItemRecord, names: dict[str, str]) -> str:
    """ "Tops · navy chinos": the group first, so a sorted list reads as grouped."""
    return f"{category_label(item.category, plural=True)} · {names.get(item.id, display_name(item))}"
