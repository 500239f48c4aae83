"""A week of outfits: one a day, no piece worn more than k times, no outfit twice, the largest
total score (compatibility + each day's context terms).

Exact by construction where it says so: each day's best M outfits come from the exact ranker,
and an integer program (scipy's HiGHS) picks one per day under the limits. To know whether
outfits beyond the lists could do better, every day also gets a *wildcard* worth its M-th score
that uses no piece: no outfit outside a list can beat it, so the program with wildcards is an
upper bound on the true optimum. If its best plan uses no wildcard, the plan is optimal;
otherwise the lists of the days that wanted one grow (x4) and it is solved again, up to
`max_candidates`. Past that the plan without wildcards is returned with `exact=False` and
`gap_bound` = upper bound - its total (a proven bound on how far from the optimum it is).
Layers (outerwear) do not count toward the limit of k wears. Rotation terms are those of the plan's first day (the plan itself enforces the repeats).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from base.vocabulary import OUTERWEAR
from core.ranking.daily import DayOutfit, DayProblem, DayRanker

# A coat is worn every cold day: layers do not count toward the limit of wears a piece.
UNLIMITED_SLOTS = frozenset({OUTERWEAR})
START_CANDIDATES = 50
MAX_CANDIDATES = 3200


@dataclass(frozen=True)
class WeekPlan:
    """One outfit per day, the total score, and whether it is proven optimal."""

    days: tuple[DayOutfit, ...]
    total: float
    exact: bool
    gap_bound: float  # 0 when exact: the optimum is at most total + gap_bound
    candidates: int  # the longest list of a day's outfits that was needed


class PlanInfeasible(ValueError):
    """No plan meets the limits (say more days than outfits the pieces allow)."""


def _solve(lists: Sequence[Sequence[DayOutfit]], max_uses: int, distinct: bool,
           wildcard: Sequence[float | None]) -> tuple[list[int], float] | None:
    """Indices chosen per day (-1 = wildcard) and the objective, or None when infeasible."""
    n_days = len(lists)
    cols: list[tuple[int, int]] = [(d, c) for d in range(n_days) for c in range(len(lists[d]))]
    cols += [(d, -1) for d in range(n_days) if wildcard[d] is not None]
    if not cols:
        return None
    score = np.array([lists[d][c].score if c >= 0 else float(wildcard[d]) for d, c in cols])
    rows, colidx, lo, hi = [], [], [], []
    r = 0
    for d in range(n_days):  # exactly one choice a day
        for j, (dd, _) in enumerate(cols):
            if dd == d:
                rows.append(r)
                colidx.append(j)
        lo.append(1)
        hi.append(1)
        r += 1
    uses: dict[str, list[int]] = {}
    same: dict[frozenset[str], list[int]] = {}
    for j, (d, c) in enumerate(cols):
        if c < 0:
            continue
        outfit = lists[d][c]
        for slot, item in outfit.items.items():
            if slot not in UNLIMITED_SLOTS:
                uses.setdefault(item, []).append(j)
        same.setdefault(outfit.key, []).append(j)
    groups = [js for js in uses.values() if len(js) > max_uses]
    groups_once = [js for js in same.values() if len(js) > 1] if distinct else []
    for js, cap in [(g, max_uses) for g in groups] + [(g, 1) for g in groups_once]:
        rows.extend([r] * len(js))
        colidx.extend(js)
        lo.append(-np.inf)
        hi.append(cap)
        r += 1
    a = coo_matrix((np.ones(len(rows)), (rows, colidx)), shape=(r, len(cols))).tocsr()
    result = milp(-score, constraints=LinearConstraint(a, lo, hi), integrality=np.ones(len(cols)),
                  bounds=Bounds(0, 1))
    if result.x is None or result.status != 0:
        return None
    chosen = [-2] * n_days
    for j in np.flatnonzero(result.x > 0.5):
        d, c = cols[j]
        chosen[d] = c
    return chosen, float(score[result.x > 0.5].sum())


def plan_week(
    ranker: DayRanker,
    days: Sequence[DayProblem],
    max_uses: int = 2,
    distinct: bool = True,
    start: int = START_CANDIDATES,
    max_candidates: int = MAX_CANDIDATES,
) -> WeekPlan:
    """The best plan for `days` (see the module docstring for how exactness is proven)."""
    if not days:
        raise ValueError("a plan needs at least one day")
    if isinstance(max_uses, bool) or not isinstance(max_uses, int) or max_uses < 1:
        raise ValueError(f"max uses of a piece must be a whole number >= 1, not {max_uses!r}")
    size = [start] * len(days)
    cache: dict[tuple[object, int], list[DayOutfit]] = {}

    def outfits(d: int) -> list[DayOutfit]:
        key = (id(days[d]), size[d])
        if key not in cache:
            cache[key] = ranker.rank(days[d], k=size[d])
        return cache[key]

    while True:
        lists = [outfits(d) for d in range(len(days))]
        for d, found in enumerate(lists):
            if not found:
                raise PlanInfeasible(f"day {d + 1} ({days[d].ctx.label()}): no outfit fits "
                                     "(missing shoes, or a required layer?)")
        complete = [len(lists[d]) < size[d] for d in range(len(days))]
        wild = [None if complete[d] else lists[d][-1].score for d in range(len(days))]
        upper = _solve(lists, max_uses, distinct, wild)
        if upper is None:
            raise PlanInfeasible(f"no plan of {len(days)} days wears each piece at most "
                                 f"{max_uses} times{' with no outfit twice' if distinct else ''}")
        chosen, bound = upper
        wanting = [d for d, c in enumerate(chosen) if c == -1]
        if not wanting:
            plan = tuple(lists[d][c] for d, c in enumerate(chosen))
            return WeekPlan(plan, bound, True, 0.0, max(len(x) for x in lists))
        if max(size[d] for d in wanting) >= max_candidates:
            break
        for d in wanting:
            size[d] = min(size[d] * 4, max_candidates)
    plain = _solve(lists, max_uses, distinct, [None] * len(days))
    if plain is None:
        raise PlanInfeasible(f"no plan of {len(days)} days found among the best {max(size)} "
                             f"outfits a day with each piece at most {max_uses} times")
    chosen, total = plain
    plan = tuple(lists[d][c] for d, c in enumerate(chosen))
    return WeekPlan(plan, total, False, max(0.0, bound - total), max(len(x) for x in lists))
