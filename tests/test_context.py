"""The day's rules and terms (core/ranking/context.py) and the day ranker against brute force."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pytest

from base.vocabulary import BOTTOM, ONEPIECE, OUTERWEAR, SHOES, TOP
from core.ranking.context import (
    W_RECENT,
    ContextModel,
    DayContext,
    ItemFacts,
    day_rules,
    item_term,
    warmth_target,
    with_terms,
)
from core.ranking.daily import DayRanker, prepare_day
from models.compat import CompatModel, identity, l2_normalise

DIM = 8
TODAY = date(2026, 11, 29)
SUBTYPES = {TOP: ["t-shirt", "shirt", "knit sweater", "tank top", "hoodie"],
            BOTTOM: ["jeans", "trousers", "shorts", "leggings"],
            SHOES: ["sneakers", "boots", "sandals", "loafers"],
            OUTERWEAR: ["coat", "jacket", "blazer", "parka", "raincoat"],
            ONEPIECE: ["dress"]}


class LinearModel(CompatModel):
    """A type-aware test model: one random map per (category, partner)."""

    name = "linear-test"

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)
        self._maps: dict[tuple[str, str | None], np.ndarray] = {}

    @property
    def version(self) -> str:
        return "linear-test-1"

    def project(self, category: str, x: np.ndarray, partner: str | None = None) -> np.ndarray:
        if (category, partner) not in self._maps:
            self._maps[(category, partner)] = self._rng.standard_normal((x.shape[1], DIM)).astype(
                np.float32)
        return l2_normalise(np.asarray(x, np.float32) @ self._maps[(category, partner)])


def wardrobe(rng: np.random.Generator, sizes: dict[str, int]) -> tuple[dict, list[ItemFacts]]:
    pool, facts = {}, []
    for slot, n in sizes.items():
        ids = [f"{slot[:2]}{i}" for i in range(n)]
        pool[slot] = (ids, rng.standard_normal((n, DIM)).astype(np.float32))
        for i in ids:
            worn = rng.integers(0, 40)
            facts.append(ItemFacts(i, slot, str(rng.choice(SUBTYPES[slot])),
                                   int(rng.integers(1, 6)), int(rng.integers(1, 6)),
                                   TODAY - timedelta(days=int(worn)) if worn < 30 else None,
                                   TODAY - timedelta(days=90), bool(rng.random() > 0.1)))
    return pool, facts


def brute_force(model: CompatModel, pool: dict, facts: list[ItemFacts], ctx: DayContext) -> list:
    """Every outfit the day's rules allow, scored as compat + mean item term, independently."""
    rules = day_rules(facts, ctx)
    by_id = {f.id: f for f in facts}
    cand = {s: [(i, x[n]) for n, i in enumerate(ids) if i in rules.allowed]
            for s, (ids, x) in pool.items()}
    layers = [None] if rules.with_outerwear is False else (
        cand.get(OUTERWEAR, []) if rules.with_outerwear else [None, *cand.get(OUTERWEAR, [])])
    best: dict[tuple, float] = {}
    bases = [dict(zip((TOP, BOTTOM, SHOES), c, strict=True)) for c in itertools.product(
        cand.get(TOP, []), cand.get(BOTTOM, []), cand.get(SHOES, []))]
    bases += [dict(zip((ONEPIECE, SHOES), c, strict=True)) for c in itertools.product(
        cand.get(ONEPIECE, []), cand.get(SHOES, []))]
    for base in bases:
        key = tuple(sorted(i for i, _ in base.values()))
        for layer in layers:
            outfit = dict(base) if layer is None else {**base, OUTERWEAR: layer}
            slots = list(outfit)
            vectors = np.stack([outfit[s][1] for s in slots])[None]
            compat = float(model.score(vectors, np.ones((1, len(slots)), bool), slots)[0])
            terms = [item_term(by_id[outfit[s][0]], ctx, TODAY).total for s in slots]
            score = compat + float(np.mean(terms))
            if rules.with_outerwear is None and layer is not None and score <= best.get(key, -9):
                continue
            best[key] = max(best.get(key, -9), score) if layer is not None else score
    return sorted(best.values(), reverse=True)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ctx", [DayContext(2, occasion="work"), DayContext(28),
                                 DayContext(16, rain=True, occasion="sport"),
                                 DayContext(9, occasion="formal")])
def test_day_ranking_is_exact_against_brute_force(seed: int, ctx: DayContext) -> None:
    rng = np.random.default_rng(seed)
    pool, facts = wardrobe(rng, {TOP: 5, BOTTOM: 4, SHOES: 4, OUTERWEAR: 3, ONEPIECE: 2})
    model = LinearModel(seed) if seed % 2 else identity()
    day = prepare_day(pool, facts, ctx, TODAY)
    got = DayRanker(model).rank(day, k=10)
    want = brute_force(model, pool, facts, ctx)
    assert [round(o.score, 5) for o in got] == [round(s, 5) for s in want[:10]]


def test_context_model_adds_the_mean_item_term() -> None:
    rng = np.random.default_rng(1)
    base = LinearModel(3)
    model = ContextModel(base)
    x = rng.standard_normal((5, 4, DIM)).astype(np.float32)
    u = rng.standard_normal((5, 4)).astype(np.float32)
    cats = [TOP, BOTTOM, SHOES, OUTERWEAR]
    for mask in ([1, 1, 1, 1], [1, 1, 1, 0], [0, 0, 1, 1]):
        m = np.array([mask] * 5, bool)
        aug = np.stack([with_terms(x[:, k], u[:, k]) for k in range(4)], axis=1)
        want = base.score(x, m, cats) + np.array([u[n][m[n]].mean() for n in range(5)])
        assert np.allclose(model.score(aug, m, cats), want, atol=1e-5)


def items(*specs: tuple) -> list[ItemFacts]:
    return [ItemFacts(*s) for s in specs]


def test_cold_days_require_a_layer_and_drop_summer_pieces() -> None:
    rng = np.random.default_rng(5)
    for seed in range(5):
        pool, facts = wardrobe(np.random.default_rng(seed), {TOP: 6, BOTTOM: 5, SHOES: 5,
                                                             OUTERWEAR: 3, ONEPIECE: 2})
        facts = [f if f.slot != OUTERWEAR else ItemFacts(f.id, f.slot, f.subtype, f.warmth,
                                                         f.formality) for f in facts]
        by_id = {f.id: f for f in facts}
        day = prepare_day(pool, facts, DayContext(2), TODAY)
        outfits = DayRanker(identity()).rank(day, k=200)
        assert outfits and all(OUTERWEAR in o.items for o in outfits)
        assert not any(by_id[i].subtype in ("shorts", "sandals", "tank top")
                       for o in outfits for i in o.items.values()
                       if sum(f.slot == by_id[i].slot and f.subtype not in
                              ("shorts", "sandals", "tank top") and f.available
                              for f in facts) > 0)
    del rng


def test_hot_days_never_bring_a_heavy_coat() -> None:
    for seed in range(5):
        pool, facts = wardrobe(np.random.default_rng(seed), {TOP: 6, BOTTOM: 5, SHOES: 5,
                                                             OUTERWEAR: 4})
        by_id = {f.id: f for f in facts}
        outfits = DayRanker(identity()).rank(prepare_day(pool, facts, DayContext(28), TODAY), 200)
        assert outfits
        for o in outfits:
            if OUTERWEAR in o.items:
                assert by_id[o.items[OUTERWEAR]].warmth <= 2


def test_formal_occasions_never_pair_with_sportswear_when_there_are_alternatives() -> None:
    facts = items(("t1", TOP, "hoodie", 3, 1), ("t2", TOP, "shirt", 2, 4),
                  ("b1", BOTTOM, "leggings", 2, 1), ("b2", BOTTOM, "trousers", 3, 4),
                  ("s1", SHOES, "sneakers", 2, 1))  # the only shoes are sporty
    rules = day_rules(facts, DayContext(18, occasion="formal"))
    assert rules.allowed == {"t2", "b2", "s1"}
    assert "sportswear for formal" in rules.excluded["t1"]
    assert rules.notes  # the sporty shoes stay: there is nothing else to wear
    assert day_rules(facts, DayContext(18, occasion="sport")).allowed == {"t1", "b1", "s1"}


def test_unavailable_items_are_out_and_rotation_demotes_what_was_just_worn() -> None:
    yesterday = TODAY - timedelta(days=1)
    assert item_term(ItemFacts("a", TOP, last_worn=yesterday), DayContext(18), TODAY).total == (
        pytest.approx(-W_RECENT))
    assert item_term(ItemFacts("a", TOP, last_worn=TODAY - timedelta(days=8)),
                     DayContext(18), TODAY).total == 0.0
    old = item_term(ItemFacts("a", TOP, last_worn=TODAY - timedelta(days=45)), DayContext(18),
                    TODAY)
    assert old.parts["unworn"] > 0
    assert "a" not in day_rules([ItemFacts("a", TOP, available=False)], DayContext(18)).allowed


def test_yesterdays_outfit_never_comes_back_first() -> None:
    x = np.eye(DIM, dtype=np.float32)
    same = x[0]
    # top0/bottom0/shoes0 are the same vector: the best outfit by far, worn yesterday
    pool = {TOP: (["t0", "t1"], np.stack([same, x[1]])), BOTTOM: (["b0", "b1"], np.stack([same, x[2]])),
            SHOES: (["s0", "s1"], np.stack([same, x[3]]))}
    yesterday = TODAY - timedelta(days=1)
    facts = [ItemFacts(i, s, last_worn=yesterday if i.endswith("0") else None)
             for s, (ids, _) in pool.items() for i in ids]
    day = prepare_day(pool, facts, DayContext(18), TODAY)
    ranked = DayRanker(identity()).rank(day, k=3, forbid=[frozenset({"t0", "b0", "s0"})])
    assert ranked and ranked[0].key != {"t0", "b0", "s0"}
    assert all(o.key != {"t0", "b0", "s0"} for o in ranked)


def test_warmth_target_and_bad_context() -> None:
    assert warmth_target(26) == 1 and warmth_target(2) == 5 and warmth_target(14) == 3
    with pytest.raises(ValueError, match="unknown occasion"):
        DayContext(10, occasion="party")
    with pytest.raises(ValueError, match="temperature"):
        DayContext(float("nan"))
