"""Turning the item editor's form into an update: only what the person actually changed.

`Wardrobe.update_item` marks every field it receives as user-edited (protected from automatic
re-tagging), so sending unchanged values would freeze tags the person never touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from base.records import ItemRecord


@dataclass(frozen=True)
class ItemForm:
    """The editor's values, as typed."""

    name: str
    category: str
    subtype: str
    colours: Iterable[str]
    seasons: Iterable[str]
    price: float | None
    notes: str
    warmth: int | None = None  # 1..5; None = left unset (never clears a level)
    formality: int | None = None


def _tags(values: Iterable[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for value in values:
        tag = value.strip().lower()
        if tag and tag not in seen:
            seen.append(tag)
    return tuple(seen)


def changed_fields(item: ItemRecord, form: ItemForm) -> dict[str, object]:
    """Fields whose cleaned value differs from the record; raises ValueError on a negative price."""
    if form.price is not None and form.price < 0:
        raise ValueError("a price cannot be negative")
    proposed: dict[str, object] = {
        "name": form.name.strip(),
        "category": form.category,
        "subtype": form.subtype.strip().lower(),
        "colours": _tags(form.colours),
        "seasons": _tags(form.seasons),
        "price": None if form.price is None else round(float(form.price), 2),
        "notes": form.notes.strip(),
    }
    for level in ("warmth", "formality"):
        value = getattr(form, level)
        if value is not None:
            proposed[level] = int(value)
    return {k: v for k, v in proposed.items() if getattr(item, k) != v}
