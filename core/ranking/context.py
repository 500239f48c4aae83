"""The day's context — temperature, rain, occasion, what was worn lately — as rules and score
terms, written in one place (the README's "Today, week plans and packing" explains them).

Context turns into
- hard rules: which items a day allows and whether an outer layer is required (applied as pool
  filters and the ranker's `with_outerwear`, so the exact search never sees a forbidden item);
- per-item terms u_i (warmth near what the temperature asks, formality near the occasion, rain,
  rotation), added to the compatibility score as their mean over the outfit's pieces.

`ContextModel` folds u into any compatibility model the way the personal layer folds its
preference: item embeddings carry u as one extra column, and the projections get two extra
coordinates whose dot product is (u_a + u_b) / 2, so every pair gains the mean of its items' u
and the outfit's mean over pairs gains exactly mean_i(u_i). The ranker stays exact and unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from base.vocabulary import BOTTOM, ONEPIECE, OUTERWEAR, SHOES, TOP
from models.compat import CompatModel

OCCASIONS: tuple[str, ...] = ("casual", "work", "sport", "evening", "formal")
# Formality (1 sporty .. 5 formal) each occasion asks for.
OCCASION_FORMALITY: Mapping[str, int] = {"sport": 1, "casual": 2, "work": 4, "evening": 4,
                                         "formal": 5}
DRESSY_OCCASIONS = frozenset({"work", "evening", "formal"})  # sportswear (formality 1) is out

LAYER_BELOW_C = 12.0  # below: an outer layer is required (when the wardrobe has one allowed)
SUMMER_OUT_BELOW_C = 15.0  # below: shorts, sandals and tank tops are out
HOT_FROM_C = 24.0  # from: pieces of warmth >= 4 are out, outerwear only up to warmth 2 (3 in rain)
SUMMER_SUBTYPES = frozenset({"shorts", "sandals", "tank top"})
RAIN_GOOD = frozenset({"raincoat", "parka", "boots", "jacket"})
RAIN_BAD = frozenset({"sandals", "heels", "flats"})

# Score terms, in units of the compatibility score (a mean cosine similarity).
W_WARMTH = 0.04  # per level between an item's warmth and its slot's target
W_FORMALITY = 0.04  # per level between an item's formality and the occasion's
W_RAIN = 0.04  # raincoat / boots up, sandals / heels down when it rains
W_RECENT = 0.15  # worn yesterday (or today): fades linearly to 0 over RECENT_DAYS
RECENT_DAYS = 7
W_UNWORN = 0.03  # not worn for UNWORN_FROM_DAYS or more: up to this, reached at UNWORN_FULL_DAYS
UNWORN_FROM_DAYS = 21
UNWORN_FULL_DAYS = 60


@dataclass(frozen=True)
class DayContext:
    """What a day asks: temperature in °C, rain, and the occasion."""

    temperature_c: float
    rain: bool = False
    occasion: str = "casual"

    def __post_init__(self) -> None:
        t = self.temperature_c
        if isinstance(t, bool) or not isinstance(t, int | float) or not -60 <= float(t) <= 60:
            raise ValueError(f"temperature must be a number of °C between -60 and 60, not {t!r}")
        if self.occasion not in OCCASIONS:
            raise ValueError(f"unknown occasion {self.occasion!r}; one of {', '.join(OCCASIONS)}")

    def label(self) -> str:
        return f"{self.temperature_c:g} °C{', rain' if self.rain else ''}, {self.occasion}"


@dataclass(frozen=True)
class ItemFacts:
    """What the rules need of one item (built from an ItemRecord by the caller)."""

    id: str
    slot: str
    subtype: str = ""
    warmth: int | None = None
    formality: int | None = None
    last_worn: date | None = None
    created: date | None = None
    available: bool = True


@dataclass(frozen=True)
class DayRules:
    """The hard rules of one day over one wardrobe."""

    allowed: frozenset[str]
    with_outerwear: bool | None  # the ranker's layer mode
    excluded: Mapping[str, str]  # item id -> why it is out today
    notes: tuple[str, ...] = ()  # rules that could not be applied (no alternative), in words


@dataclass(frozen=True)
class ItemTerm:
    """An item's score term for the day and its parts (name -> value), for the reasons."""

    total: float
    parts: Mapping[str, float] = field(default_factory=dict)


def warmth_target(temperature_c: float) -> float:
    """Warmth level (1..5) the weather asks for: 26 °C -> 1, 20 -> 2, 14 -> 3, 8 -> 4, 2 -> 5."""
    return float(np.clip(1.0 + (26.0 - temperature_c) / 6.0, 1.0, 5.0))


def slot_warmth_target(slot: str, ctx: DayContext) -> float:
    """Under a required layer the top may be a step lighter (the coat does the work)."""
    target = warmth_target(ctx.temperature_c)
    if slot == TOP and ctx.temperature_c < LAYER_BELOW_C:
        target = max(1.0, target - 1.0)
    return target


def _out_reason(item: ItemFacts, ctx: DayContext) -> str | None:
    """Why this item is out today for the weather, or None."""
    t = ctx.temperature_c
    if t < SUMMER_OUT_BELOW_C and item.subtype in SUMMER_SUBTYPES:
        return f"{item.subtype} at {t:g} °C"
    if t >= HOT_FROM_C and item.warmth is not None:
        if item.slot == OUTERWEAR and item.warmth > (3 if ctx.rain else 2):
            return f"too warm a layer for {t:g} °C"
        if item.warmth >= 4:
            return f"too warm for {t:g} °C"
    return None


def day_rules(items: Iterable[ItemFacts], ctx: DayContext) -> DayRules:
    """Hard rules: unavailable items are out; weather rules drop items (in a base slot only
    when something else is left in that slot, so there is always something to wear); on a
    dressy occasion sportswear (formality 1) is dropped, on a sport occasion formality >= 4,
    each only where the slot has alternatives. A layer is required below LAYER_BELOW_C or in
    rain, when an allowed layer exists."""
    by_slot: dict[str, list[ItemFacts]] = {}
    excluded: dict[str, str] = {}
    for item in items:
        if not item.available:
            excluded[item.id] = "unavailable"
        else:
            by_slot.setdefault(item.slot, []).append(item)
    notes: list[str] = []

    def drop(slot: str, reasons: dict[str, str], optional: bool) -> None:
        keep = [i for i in by_slot.get(slot, []) if i.id not in reasons]
        if keep or optional:
            excluded.update(reasons)
            by_slot[slot] = keep
        elif reasons:
            notes.append(f"no other {slot} for {ctx.label()}: kept what there is")

    for slot in list(by_slot):
        optional = slot == OUTERWEAR
        drop(slot, {i.id: r for i in by_slot[slot] if (r := _out_reason(i, ctx))}, optional)
        if ctx.occasion in DRESSY_OCCASIONS:
            drop(slot, {i.id: f"sportswear for {ctx.occasion}" for i in by_slot[slot]
                        if i.formality == 1}, optional)
        elif ctx.occasion == "sport":
            drop(slot, {i.id: "too dressy for sport" for i in by_slot[slot]
                        if i.formality is not None and i.formality >= 4}, optional)
    allowed = frozenset(i.id for slot_items in by_slot.values() for i in slot_items)
    layers = bool(by_slot.get(OUTERWEAR))
    need_layer = ctx.temperature_c < LAYER_BELOW_C or ctx.rain
    if need_layer and not layers:
        notes.append("no outer layer in the wardrobe for this weather")
    with_outerwear = True if need_layer and layers else None
    return DayRules(allowed, with_outerwear, excluded, tuple(notes))


def days_since(day: date | None, today: date) -> int | None:
    return None if day is None else (today - day).days


def item_term(item: ItemFacts, ctx: DayContext, today: date) -> ItemTerm:
    """The item's additive score term for the day (see the module constants)."""
    parts: dict[str, float] = {}
    if item.warmth is not None:
        parts["warmth"] = -W_WARMTH * abs(item.warmth - slot_warmth_target(item.slot, ctx))
    if item.formality is not None:
        parts["formality"] = -W_FORMALITY * abs(item.formality - OCCASION_FORMALITY[ctx.occasion])
    if ctx.rain and item.subtype in RAIN_GOOD:
        parts["rain"] = W_RAIN
    elif ctx.rain and item.subtype in RAIN_BAD:
        parts["rain"] = -W_RAIN
    worn = days_since(item.last_worn, today)
    if worn is not None and worn <= RECENT_DAYS:
        parts["recent"] = -W_RECENT * (1.0 - (max(worn, 1) - 1) / RECENT_DAYS)
    idle = worn if worn is not None else days_since(item.created, today)
    if idle is not None and idle >= UNWORN_FROM_DAYS:
        parts["unworn"] = W_UNWORN * min(1.0, idle / UNWORN_FULL_DAYS)
    return ItemTerm(float(sum(parts.values())), parts)


def item_terms(items: Iterable[ItemFacts], ctx: DayContext, today: date) -> dict[str, ItemTerm]:
    return {i.id: item_term(i, ctx, today) for i in items}


# --- folding u into a compatibility model ---------------------------------------------------

def with_terms(x: np.ndarray, u: Sequence[float] | np.ndarray) -> np.ndarray:
    """Item embeddings (n, D) with their terms u as one more column: ContextModel's input."""
    x = np.asarray(x, np.float32)
    return np.hstack([x, np.asarray(u, np.float32).reshape(-1, 1)]).astype(np.float32)


class ContextModel(CompatModel):
    """A compatibility model plus per-item terms: score = base score + mean of the items' u.

    Inputs are (n, D + 1): the embedding and u. Projections are [z, u/2, 1] against
    [z, 1, u/2] (ordered by category name, as the personal layer does), so a pair's dot
    product is base pair + (u_a + u_b)/2; averaged over an outfit's pairs, each item appears in
    n - 1 of n(n - 1)/2 pairs, which adds exactly mean(u). The default `CompatModel.score`
    is therefore the definition, and the ranker's exact search applies unchanged.
    """

    name = "context"

    def __init__(self, base: CompatModel) -> None:
        self.base = base
        self._version = "context-" + hashlib.sha256(base.version.encode()).hexdigest()[:16]

    @property
    def version(self) -> str:
        return self._version

    @property
    def categories(self) -> tuple[str, ...] | None:
        return self.base.categories

    def project(self, category: str, x: np.ndarray, partner: str | None = None) -> np.ndarray:
        return self.project_partners(category, x, [partner])[0]

    def project_partners(
        self, category: str, x: np.ndarray, partners: Sequence[str | None]
    ) -> list[np.ndarray]:
        x = np.asarray(x, np.float32)
        half = (x[:, -1:] / 2).astype(np.float32)
        ones = np.ones_like(half)
        out = []
        for partner, z in zip(partners, self.base.project_partners(category, x[:, :-1], partners),
                              strict=True):
            z = np.asarray(z, np.float32)
            if partner is None or partner == category:
                extra = [np.zeros_like(half), np.zeros_like(half)]
            elif category < partner:
                extra = [half, ones]
            else:
                extra = [ones, half]
            out.append(np.hstack([z, *extra]).astype(np.float32, copy=False))
        return out


SLOT_WORDS: Mapping[str, str] = {TOP: "top", BOTTOM: "bottom", ONEPIECE: "one-piece",
                                 SHOES: "shoes", OUTERWEAR: "layer"}
