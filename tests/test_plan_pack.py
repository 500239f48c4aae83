"""Week plans and packing against brute force on small random wardrobes."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest

from base.vocabulary import BOTTOM, ONEPIECE, OUTERWEAR, SHOES, TOP
from core.ranking.context import DayContext, with_terms
from core.ranking.daily import DayProblem, DayRanker, prepare_day
from core.ranking.packer import (
    GOOD_SHARE,
    GoodOutfits,
    _Evaluator,
    day_margin,
    exhaustive,
    good_outfits,
    pack,
    pack_pieces,
    search_pieces,
    typical_score,
)
from core.ranking.planner import PlanInfeasible, plan_week
from models.compat import CompatModel, identity
from tests.test_context import TODAY, LinearModel, wardrobe

CONTEXTS = [DayContext(5, occasion="work"), DayContext(15), DayContext(22, rain=True),
            DayContext(9, occasion="evening")]


def problems(seed: int, n_days: int, sizes: dict[str, int]):
    rng = np.random.default_rng(seed)
    pool, facts = wardrobe(rng, sizes)
    model = LinearModel(seed) if seed % 2 else identity()
    ctxs = [CONTEXTS[int(i)] for i in rng.integers(0, len(CONTEXTS), n_days)]
    return DayRanker(model), [prepare_day(pool, facts, c, TODAY) for c in ctxs]


def brute_plan(ranker: DayRanker, days, max_uses: int, distinct: bool) -> float | None:
    lists = [ranker.rank(d, k=10_000) for d in days]
    best = None
    for combo in itertools.product(*lists):
        keys = [o.key for o in combo]
        if distinct and len(set(keys)) < len(keys):
            continue
        uses = Counter(i for o in combo for s, i in o.items.items() if s != OUTERWEAR)
        if uses and max(uses.values()) > max_uses:
            continue
        total = sum(o.score for o in combo)
        best = total if best is None else max(best, total)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_week_plan_is_exact_against_brute_force(seed: int) -> None:
    sizes = {TOP: 3, BOTTOM: 2, SHOES: 2, OUTERWEAR: 2, ONEPIECE: 1}
    ranker, days = problems(seed, 3, sizes)
    max_uses = 1 + seed % 2
    want = brute_plan(ranker, days, max_uses, distinct=True)
    if want is None:
        with pytest.raises(PlanInfeasible):
            plan_week(ranker, days, max_uses=max_uses)
        return
    plan = plan_week(ranker, days, max_uses=max_uses, start=2)  # lists must grow to be proven
    assert plan.exact and plan.gap_bound == 0.0
    assert plan.total == pytest.approx(want, abs=1e-6)
    assert len({o.key for o in plan.days}) == len(days)
    uses = Counter(i for o in plan.days for s, i in o.items.items() if s != OUTERWEAR)
    assert max(uses.values()) <= max_uses
    assert sum(o.score for o in plan.days) == pytest.approx(plan.total)


def test_a_capped_plan_says_it_is_approximate_and_bounds_its_gap() -> None:
    approximate = 0
    for seed in range(8):
        ranker, days = problems(seed, 3, {TOP: 3, BOTTOM: 3, SHOES: 3, OUTERWEAR: 2})
        want = brute_plan(ranker, days, 2, distinct=True)
        if want is None:
            continue
        try:
            plan = plan_week(ranker, days, max_uses=2, start=5, max_candidates=5)
        except PlanInfeasible:  # honest: the short lists hold no plan at all
            continue
        approximate += not plan.exact
        assert plan.total <= want + 1e-9 <= plan.total + plan.gap_bound + 1e-6
        full = plan_week(ranker, days, max_uses=2)
        assert full.exact and full.total == pytest.approx(want, abs=1e-6)
    assert approximate  # the cap was hit somewhere, and the bound held there


def test_impossible_limits_are_refused_clearly() -> None:
    ranker, days = problems(2, 4, {TOP: 1, BOTTOM: 1, SHOES: 1})
    with pytest.raises(PlanInfeasible, match="at most 1 times"):
        plan_week(ranker, days, max_uses=1)
    with pytest.raises(ValueError, match="whole number"):
        plan_week(ranker, days, max_uses=0)


def brute_objective(good: GoodOutfits, max_pieces: int) -> tuple[int, int]:
    """Plain Python: every set of pieces, every outfit checked one by one."""
    best = (-1, -1)
    sets = [{int(i) for i in row if i >= 0} for row in good.outfits]
    for combo in itertools.combinations(range(len(good.items)), min(max_pieces, len(good.items))):
        chosen = set(combo)
        have = [s <= chosen for s in sets]
        days = sum(int(good.group_days[g]) for g in range(good.groups.shape[1])
                   if any(h and good.groups[r, g] for r, h in enumerate(have)))
        best = max(best, (days, sum(have)))
    return best


@pytest.mark.parametrize("seed", range(4))
def test_exhaustive_packing_matches_plain_brute_force(seed: int) -> None:
    ranker, days = problems(seed, 3, {TOP: 3, BOTTOM: 3, SHOES: 2, OUTERWEAR: 2, ONEPIECE: 1})
    good, _ = good_outfits(ranker, days, margin=0.3)
    if len(good.items) > 12:
        good = GoodOutfits(good.items, good.outfits, good.groups, good.group_days, good.complete)
    assert exhaustive(good, 5) == brute_objective(good, 5)


def test_packing_search_reaches_the_optimum_on_small_wardrobes() -> None:
    equal, total = 0, 0
    for seed in range(16):
        ranker, days = problems(100 + seed, 4, {TOP: 5, BOTTOM: 4, SHOES: 4, OUTERWEAR: 3,
                                                ONEPIECE: 2})
        good, _ = good_outfits(ranker, days, margin=0.2)
        if len(good.items) > 20:
            continue
        best = exhaustive(good, 7)
        packed, value = pack_pieces(good, 7)  # few enough sets: enumerated, exact
        assert int(packed.sum()) <= 7 and _Evaluator(good).value(packed) == value == best
        packed, value = search_pieces(good, 7)  # the search that large wardrobes get
        assert int(packed.sum()) <= 7 and _Evaluator(good).value(packed) == value
        assert value <= best and value[0] == best[0]
        assert value[1] >= 0.8 * best[1]
        equal += value == best
        total += 1
    assert total >= 8 and equal >= 0.9 * total


def test_pack_gives_a_day_plan_using_only_packed_pieces() -> None:
    ranker, days = problems(7, 5, {TOP: 6, BOTTOM: 4, SHOES: 3, OUTERWEAR: 3, ONEPIECE: 2})
    result = pack(ranker, days, 8)
    assert len(result.pieces) <= 8
    if result.days_covered == len(days):
        assert result.plan is not None and len(result.plan.days) == len(days)
        for outfit in result.plan.days:
            assert set(outfit.items.values()) <= set(result.pieces)
    with pytest.raises(ValueError, match="most pieces"):
        pack(ranker, days, 1)


class Scaled(CompatModel):
    """Another model whose every score is `c` times the base's: what an item gate does to a
    trained model's score scale (test model, not a stand-in for one of ours)."""

    name = "scaled-test"

    def __init__(self, base: CompatModel, c: float) -> None:
        self.base, self.root = base, float(np.sqrt(c))

    @property
    def version(self) -> str:
        return f"scaled-{self.root}-{self.base.version}"

    def project(self, category: str, x: np.ndarray, partner: str | None = None) -> np.ndarray:
        return (self.root * self.base.project(category, x, partner)).astype(np.float32)


def without_terms(day: DayProblem) -> DayProblem:
    """The same day with every context term 0, so scores are the model's alone."""
    pool = {slot: (ids, with_terms(np.asarray(x)[:, :-1], np.zeros(len(ids))))
            for slot, (ids, x) in day.pool.items()}
    return DayProblem(day.ctx, day.rules, day.terms, pool)


def test_good_outfits_do_not_depend_on_the_models_score_scale() -> None:
    """A model scoring everything a quarter as high finds the same good outfits (the margin is
    a share of the day's best-to-typical gap); a fixed margin in score units would not."""
    differs = 0
    for seed in range(6):
        ranker, days = problems(seed, 3, {TOP: 5, BOTTOM: 4, SHOES: 3, OUTERWEAR: 2, ONEPIECE: 2})
        days = [without_terms(d) for d in days]
        base = ranker.model.base
        small = DayRanker(Scaled(base, 0.25))
        good, groups = good_outfits(ranker, days)
        same, same_groups = good_outfits(small, days)
        assert groups == same_groups
        assert {frozenset(good.items[i] for i in row if i >= 0) for row in good.outfits} == {
            frozenset(same.items[i] for i in row if i >= 0) for row in same.outfits}
        fixed = good_outfits(ranker, days, margin=0.1)[0]
        fixed_small = good_outfits(small, days, margin=0.1)[0]
        differs += len(fixed.outfits) != len(fixed_small.outfits)
    assert differs  # the old fixed margin did depend on the scale


def all_scores(ranker: DayRanker, day: DayProblem) -> np.ndarray:
    """Every bare outfit of the day (no layer), scored one by one as mean pair scores."""
    model, pool = ranker.model, day.pool

    def pair(a: str, xa: np.ndarray, b: str, xb: np.ndarray) -> float:
        return float(model.project(a, xa[None], b)[0] @ model.project(b, xb[None], a)[0])

    out = []
    for shape in ((TOP, BOTTOM, SHOES), (ONEPIECE, SHOES)):
        if not all(pool.get(s) for s in shape):
            continue
        for rows in itertools.product(*(range(len(pool[s][0])) for s in shape)):
            xs = [pool[s][1][r] for s, r in zip(shape, rows, strict=True)]
            pairs = list(itertools.combinations(range(len(shape)), 2))
            out.append(sum(pair(shape[i], xs[i], shape[j], xs[j]) for i, j in pairs) / len(pairs))
    return np.array(out)


def test_the_typical_score_is_the_median_of_the_days_outfits() -> None:
    checked = 0
    for seed in range(4):
        ranker, days = problems(seed, 2, {TOP: 6, BOTTOM: 5, SHOES: 4, ONEPIECE: 3})
        for day in days:
            if day.rules.with_outerwear is True:
                continue  # a required layer: the sample includes it, the enumeration above not
            exact = all_scores(ranker, day)
            typical = typical_score(ranker.model, day, n=20_000)
            lo, hi = np.quantile(exact, [0.45, 0.55])
            assert lo <= typical <= hi
            best = ranker.rank(day, k=1)[0].score
            assert best == pytest.approx(exact.max(), abs=1e-5)
            assert day_margin(ranker, day, best) == pytest.approx(
                GOOD_SHARE * (best - typical_score(ranker.model, day)))
            checked += 1
    assert checked >= 4


def test_a_day_without_outfits_has_no_typical_score() -> None:
    ranker, days = problems(3, 1, {TOP: 2, SHOES: 2})  # no bottom, no one-piece
    assert typical_score(ranker.model, days[0]) is None
