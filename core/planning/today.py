"""The logic behind the Today page and `today` / `plan` / `pack`: a wardrobe and a model -> the
day's best outfits with reasons in words, a week plan, a packing list.

The rules and terms live in core/ranking/context.py; this module only turns wardrobe records
into the ranker's pools and item facts, and ranked outfits back into records and sentences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from base.vocabulary import OUTERWEAR, SLOT_OF_CATEGORY
from core.ranking.context import (
    LAYER_BELOW_C,
    OCCASION_FORMALITY,
    DayContext,
    ItemFacts,
    slot_warmth_target,
)
from core.ranking.daily import DayOutfit, DayProblem, DayRanker, prepare_day
from core.ranking.packer import PackResult, pack
from core.ranking.planner import WeekPlan, plan_week
from core.wardrobe.naming import shown_names

if TYPE_CHECKING:
    from base.records import ItemRecord
    from core.wardrobe.service import Wardrobe
    from models.compat import CompatModel

DISPLAY_ORDER: tuple[str, ...] = ("outerwear", "top", "onepiece", "bottom", "shoes")  # head to toe
ALTERNATIVES = 3
VARIETY = 0.5  # score given up per piece an alternative shares with an earlier pick
CANDIDATES = 60  # the exact top list alternatives are picked from


def vary(ranked: Sequence[DayOutfit], k: int) -> list[DayOutfit]:
    """The best outfit first, then picks maximising score - VARIETY x pieces shared with an
    earlier pick, sharing at most one piece where the list allows (else as few as it can)."""
    picked: list[DayOutfit] = []
    rest = list(ranked)
    while rest and len(picked) < k:
        shared = [max((len(o.key & p.key) for p in picked), default=0) for o in rest]
        least = min(shared)
        allowed = [n for n, s in enumerate(shared) if s <= max(1, least)]
        best = max(allowed, key=lambda n: (rest[n].score - VARIETY * shared[n], -n))
        picked.append(rest.pop(best))
    return picked


def slot_of(item: ItemRecord) -> str | None:
    return SLOT_OF_CATEGORY.get(item.category)


def can_rank(item: ItemRecord) -> bool:
    """An item of an outfit slot with an embedding (as the suggestions page's rule)."""
    return slot_of(item) is not None and not item.pending_embedding


def display_names(items: Sequence[ItemRecord]) -> dict[str, str]:
    """id -> the name people see (as the gallery's: generated names numbered, oldest first)."""
    ordered = sorted(items, key=lambda i: (i.created, i.id))
    return shown_names([(i.id, i.name, i.subtype, i.colours, i.category) for i in ordered])


def facts_of(item: ItemRecord, slot: str) -> ItemFacts:
    return ItemFacts(item.id, slot, item.subtype, item.warmth, item.formality, item.last_worn,
                     item.created.date(), item.available)


@dataclass(frozen=True)
class TodayOutfit:
    """A suggestion for a day: pieces head to toe, its score, and why, in words."""

    pieces: tuple[tuple[str, ItemRecord], ...]  # (slot, item), head to toe
    outfit: DayOutfit
    reasons: tuple[str, ...]

    @property
    def items(self) -> dict[str, str]:
        return dict(self.outfit.items)


def _weeks(days: int) -> str:
    return f"{days} days" if days < 14 else f"{days // 7} weeks"


def reasons(outfit: DayOutfit, ctx: DayContext, records: Mapping[str, ItemRecord],
            names: Mapping[str, str], today: date) -> tuple[str, ...]:
    """Why this outfit today: weather, occasion, rotation (each only when it holds)."""
    pieces = [(slot, records[i]) for slot, i in outfit.items.items()]
    said: list[str] = []
    warm = [abs(r.warmth - slot_warmth_target(s, ctx)) for s, r in pieces if r.warmth is not None]
    layer = outfit.items.get(OUTERWEAR)
    if warm and max(warm) <= 1.0:
        said.append(f"fits {ctx.temperature_c:g} °C")
    elif warm:
        said.append(f"the best there is for {ctx.temperature_c:g} °C")
    if layer is not None and ctx.temperature_c < LAYER_BELOW_C:
        said.append(f"{names[layer]} against the cold")
    if ctx.rain and layer is not None:
        said.append(f"{names[layer]} for the rain")
    formal = [abs(r.formality - OCCASION_FORMALITY[ctx.occasion]) for _, r in pieces
              if r.formality is not None]
    if formal and max(formal) <= 1:
        said.append(f"right for {ctx.occasion}")
    idle = [((today - r.last_worn).days if r.last_worn else None, r) for _, r in pieces]
    never = [r for d, r in idle if d is None and (today - r.created.date()).days >= 21]
    long = sorted(((d, r) for d, r in idle if d is not None and d >= 21), key=lambda x: -x[0])
    if long:
        said.append(f"{names[long[0][1].id]} not worn for {_weeks(long[0][0])}")
    elif never:
        said.append(f"{names[never[0].id]} never worn yet")
    recent = [d for d, _ in idle if d is not None and d <= 2]
    if not recent:
        said.append("nothing in it worn in the last two days")
    return tuple(said)


class TodayPlanner:
    """One wardrobe + one model: the day's outfits, week plans and packing lists.

    Cheap to build; pass a long-lived `ranker` (per model) to reuse projection caches."""

    def __init__(self, wardrobe: Wardrobe, model: CompatModel, ranker: DayRanker | None = None,
                 today: date | None = None) -> None:
        self.wardrobe = wardrobe
        self.today = today or date.today()
        self.ranker = ranker or DayRanker(model)
        everything = wardrobe.items()
        self.records = {i.id: i for i in everything}
        self.names = display_names(everything)
        usable = [i for i in everything if can_rank(i)]
        self.facts = [facts_of(i, slot_of(i) or "") for i in usable]
        by_slot: dict[str, list[str]] = {}
        for item in usable:
            by_slot.setdefault(slot_of(item) or "", []).append(item.id)
        self.pool = {slot: (ids, wardrobe.embeddings(ids)) for slot, ids in by_slot.items()}

    @property
    def empty(self) -> bool:
        return not self.facts

    def last_worn_outfit(self) -> frozenset[str] | None:
        """The pieces of the most recent wear before today (or today's): never first again."""
        history = self.wardrobe.wear_history()
        return frozenset(history[0][1].items.values()) if history else None

    def problem(self, ctx: DayContext) -> DayProblem:
        return prepare_day(self.pool, self.facts, ctx, self.today)

    def _today_outfit(self, outfit: DayOutfit, ctx: DayContext) -> TodayOutfit:
        rank = {s: n for n, s in enumerate(DISPLAY_ORDER)}
        pieces = tuple(sorted(((s, self.records[i]) for s, i in outfit.items.items()),
                              key=lambda p: rank.get(p[0], len(rank))))
        return TodayOutfit(pieces, outfit, reasons(outfit, ctx, self.records, self.names,
                                                   self.today))

    def suggest(self, ctx: DayContext, alternatives: int = ALTERNATIVES) -> list[TodayOutfit]:
        """The best outfit for the day (never the last one worn), then varied alternatives."""
        day = self.problem(ctx)
        forbid = [k for k in [self.last_worn_outfit()] if k]
        ranked = self.ranker.rank(day, k=CANDIDATES, forbid=forbid)
        picked = vary(ranked, alternatives + 1)
        return [self._today_outfit(o, ctx) for o in picked]

    def notes(self, ctx: DayContext) -> tuple[str, ...]:
        """Rules that could not be applied today (no alternative in the wardrobe)."""
        return self.problem(ctx).rules.notes

    def plan(self, contexts: Sequence[DayContext], max_uses: int = 2) -> tuple[WeekPlan,
                                                                               list[TodayOutfit]]:
        days = self._problems(contexts)
        result = plan_week(self.ranker, days, max_uses=max_uses)
        return result, [self._today_outfit(o, c) for o, c in zip(result.days, contexts,
                                                                  strict=True)]

    def pack(self, contexts: Sequence[DayContext], max_pieces: int
             ) -> tuple[PackResult, list[TodayOutfit]]:
        result = pack(self.ranker, self._problems(contexts), max_pieces)
        plan = [] if result.plan is None else [
            self._today_outfit(o, c) for o, c in zip(result.plan.days, contexts, strict=True)]
        return result, plan

    def _problems(self, contexts: Sequence[DayContext]) -> list[DayProblem]:
        made: dict[DayContext, DayProblem] = {}
        return [made.setdefault(c, self.problem(c)) for c in contexts]


def parse_days(spec: str) -> list[DayContext]:
    """"8,work 12,casual,rain 20" -> contexts: temperature, then occasion and/or `rain`, days
    separated by spaces or semicolons. ValueError names the day that cannot be read."""
    contexts = []
    for n, chunk in enumerate(c for c in spec.replace(";", " ").split() if c):
        parts = [p.strip().lower() for p in chunk.split(",") if p.strip()]
        try:
            temperature = float(parts[0])
        except (IndexError, ValueError):
            raise ValueError(f"day {n + 1} ({chunk!r}): start with the temperature in °C, "
                             "e.g. 8,work,rain") from None
        rain = "rain" in parts[1:]
        occasions = [p for p in parts[1:] if p != "rain"]
        if len(occasions) > 1:
            raise ValueError(f"day {n + 1} ({chunk!r}): one occasion a day")
        try:
            contexts.append(DayContext(temperature, rain, occasions[0] if occasions else "casual"))
        except ValueError as error:
            raise ValueError(f"day {n + 1} ({chunk!r}): {error}") from None
    if not contexts:
        raise ValueError("no days given: e.g. \"8,work 12,casual,rain 20,evening\"")
    return contexts


def week_dates(start: date, n: int) -> list[date]:
    return [start + timedelta(days=k) for k in range(n)]


def mean_score(outfits: Sequence[TodayOutfit]) -> float:
    return float(np.mean([o.outfit.score for o in outfits])) if outfits else float("nan")
