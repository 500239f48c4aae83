"""The best outfits for one day: the day's rules filter the pools, its per-item terms ride
along as one extra embedding column (core/ranking/context.py), and the exact ranker does the
rest. Whole outfits that must not come back (yesterday's) are dropped after an exact search
for k + their number, so the top k of what remains is still exact.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from core.ranking.context import (
    ContextModel,
    DayContext,
    DayRules,
    ItemFacts,
    ItemTerm,
    day_rules,
    item_terms,
    with_terms,
)
from core.ranking.ranker import OutfitRanker, RankedOutfit
from models.compat import CompatModel

Pool = Mapping[str, tuple[list[str], np.ndarray]]  # slot -> (ids, embeddings)


@dataclass(frozen=True)
class DayOutfit:
    """One outfit for a day: its items, total score, and the context part of it."""

    items: dict[str, str]  # slot -> item id
    score: float  # compatibility + context
    context: float  # mean of the items' terms

    @property
    def compat(self) -> float:
        return self.score - self.context

    @property
    def key(self) -> frozenset[str]:
        return frozenset(self.items.values())


@dataclass(frozen=True)
class DayProblem:
    """Everything needed to rank one day (built once, ranked as often as needed)."""

    ctx: DayContext
    rules: DayRules
    terms: Mapping[str, ItemTerm]
    pool: Pool  # allowed items only, embeddings with the term column


def prepare_day(pool: Pool, facts: Sequence[ItemFacts], ctx: DayContext, today: date) -> DayProblem:
    """Apply the day's rules and attach its terms (items without facts are left out)."""
    rules = day_rules(facts, ctx)
    terms = item_terms([f for f in facts if f.id in rules.allowed], ctx, today)
    day_pool: dict[str, tuple[list[str], np.ndarray]] = {}
    for slot, (ids, x) in pool.items():
        keep = [n for n, i in enumerate(ids) if i in rules.allowed]
        if keep:
            kept = [ids[n] for n in keep]
            day_pool[slot] = (kept, with_terms(np.asarray(x)[keep], [terms[i].total for i in kept]))
    return DayProblem(ctx, rules, terms, day_pool)


class DayRanker:
    """An exact ranker over context scores; keep one per base model to reuse its caches."""

    def __init__(self, model: CompatModel) -> None:
        self.model = ContextModel(model)
        self.ranker = OutfitRanker(self.model)

    def rank(
        self,
        day: DayProblem,
        k: int,
        forbid: Collection[frozenset[str]] = (),
        diversity: float = 0.0,
        anchors: Mapping[str, tuple[str, np.ndarray]] | None = None,
        with_outerwear: bool | str | None = "day",
    ) -> list[DayOutfit]:
        """The k best outfits for the day, none of them an item set in `forbid`."""
        forbid = set(forbid)
        layer = day.rules.with_outerwear if with_outerwear == "day" else with_outerwear
        ranked = self.ranker.rank(anchors or {}, day.pool, k=k + len(forbid),
                                  diversity=diversity, with_outerwear=layer)  # type: ignore[arg-type]
        out = [self._outfit(day, r) for r in ranked]
        return [o for o in out if o.key not in forbid][:k]

    @staticmethod
    def _outfit(day: DayProblem, r: RankedOutfit) -> DayOutfit:
        context = float(np.mean([day.terms[i].total for i in r.items.values()]))
        return DayOutfit(dict(r.items), float(r.score), context)
