"""Week plans and packing against the exhaustive optimum, their time at 50 / 200 / 1,000 items,
and the context rules checked on many random wardrobes. Prints Markdown tables.

    .venv/bin/python benchmarks/plan.py [--cases 60] [--repeats 3] [--quick]

Wardrobes are random: 512-d embeddings clustered in 6 "styles" (an item is its style's direction
plus noise, so compatibility varies as it does between real garments), categories 30 % tops,
25 % bottoms, 20 % shoes, 15 % outerwear, 10 % one-pieces, random sub-types, warmth, formality
and wear dates, 5 % unavailable; the model is the identity (raw similarity), as in the app
before a model is trained. Times are wall-clock medians on this machine, OpenBLAS 1 thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from itertools import product
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from base.vocabulary import BOTTOM, ONEPIECE, OUTERWEAR, SHOES, TOP
from core.ranking.context import DayContext, ItemFacts
from core.ranking.daily import DayRanker, prepare_day
from core.ranking.packer import (
    exhaustive,
    good_outfits,
    pack,
    pack_pieces,
    search_pieces,
    subsets,
)
from core.ranking.planner import PlanInfeasible, _solve, plan_week
from models.compat import identity

DIM = 512
TODAY = date(2026, 11, 29)
SHARES = ((TOP, 0.30), (BOTTOM, 0.25), (SHOES, 0.20), (OUTERWEAR, 0.15), (ONEPIECE, 0.10))
SUBTYPES = {TOP: ["t-shirt", "shirt", "blouse", "knit sweater", "tank top", "hoodie"],
            BOTTOM: ["jeans", "trousers", "shorts", "skirt", "leggings"],
            SHOES: ["sneakers", "boots", "sandals", "loafers", "heels"],
            OUTERWEAR: ["coat", "jacket", "blazer", "parka", "raincoat"],
            ONEPIECE: ["dress", "jumpsuit"]}
WEEK = [DayContext(8, occasion="work"), DayContext(8, occasion="work"),
        DayContext(12, rain=True, occasion="work"), DayContext(15, occasion="work"),
        DayContext(18, occasion="evening"), DayContext(20, occasion="casual"),
        DayContext(14, occasion="sport")]
TRIP = [DayContext(10, occasion="work"), DayContext(10, occasion="work"),
        DayContext(14, rain=True), DayContext(18, occasion="evening"), DayContext(14)]


def wardrobe(rng: np.random.Generator, n: int, exact_counts: dict[str, int] | None = None
             ) -> tuple[dict, list[ItemFacts]]:
    styles = rng.standard_normal((6, DIM))
    styles /= np.linalg.norm(styles, axis=1, keepdims=True)
    counts = exact_counts or {s: max(1, round(n * share)) for s, share in SHARES}
    pool, facts = {}, []
    for slot, count in counts.items():
        ids = [f"{slot[:2]}{i:04d}" for i in range(count)]
        x = styles[rng.integers(0, 6, count)] * 0.8 + rng.standard_normal((count, DIM)) * 0.6 / np.sqrt(DIM)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        pool[slot] = (ids, x.astype(np.float32))
        for i in ids:
            worn = int(rng.integers(0, 60))
            facts.append(ItemFacts(i, slot, str(rng.choice(SUBTYPES[slot])),
                                   int(rng.integers(1, 6)), int(rng.integers(1, 6)),
                                   TODAY - timedelta(days=worn) if worn < 45 else None,
                                   TODAY - timedelta(days=120), bool(rng.random() > 0.05)))
    return pool, facts


def timed(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


# --- packing --------------------------------------------------------------------------------

def packing_quality(cases: int) -> None:
    print("\n### Packing vs the exhaustive optimum (small wardrobes)\n")
    print("Objective = (days with a good outfit, distinct good outfits of packed pieces); "
          "equal = both the same as the optimum's; gap = 1 - good outfits / optimum's.\n")
    print("| pieces | cases | shipped `pack`: equal | worst gap | search alone: equal | "
          "worst gap | mean gap | days covered as optimum |")
    print("|---|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(7)
    for pieces in (5, 6, 7, 8):
        n_cases = eq_ship = eq_search = same_days = 0
        gaps_ship, gaps_search = [], []
        attempts = 0
        while n_cases < cases and attempts < cases * 20:
            attempts += 1
            counts = {TOP: int(rng.integers(3, 7)), BOTTOM: int(rng.integers(2, 5)),
                      SHOES: int(rng.integers(2, 5)), OUTERWEAR: int(rng.integers(1, 4)),
                      ONEPIECE: int(rng.integers(0, 3))}
            pool, facts = wardrobe(rng, 0, counts)
            ranker = DayRanker(identity())
            days = [prepare_day(pool, facts, c, TODAY) for c in TRIP]
            good, _ = good_outfits(ranker, days)
            if not (pieces < len(good.items) <= 20) or len(good.outfits) < 3:
                continue
            best = exhaustive(good, pieces)
            ship = pack_pieces(good, pieces)[1]
            search = search_pieces(good, pieces)[1]
            n_cases += 1
            eq_ship += ship == best
            eq_search += search == best
            same_days += search[0] == best[0]
            gaps_ship.append(1 - ship[1] / best[1] if ship[0] == best[0] and best[1] else 1.0)
            gaps_search.append(1 - search[1] / best[1] if search[0] == best[0] and best[1] else 1.0)
        print(f"| {pieces} | {n_cases} | {eq_ship / n_cases:.1%} | {max(gaps_ship):.1%} | "
              f"{eq_search / n_cases:.1%} | {max(gaps_search):.1%} | "
              f"{statistics.mean(gaps_search):.2%} | {same_days / n_cases:.0%} |")


def search_larger(cases: int) -> None:
    print("\n### The packing search alone on larger enumerable universes\n")
    print("Wardrobes of 14-29 items whose good outfits use 11-22 pieces; 8 and 10 pieces; the "
          "search (what wardrobes past the enumeration limit get) against every set.\n")
    print("| pieces | cases | equal | worst gap | days covered as optimum | search time (max) |")
    print("|---|---|---|---|---|---|")
    rng = np.random.default_rng(99)
    rows: dict[int, list] = {8: [], 10: []}
    while len(rows[8]) < cases:
        counts = {TOP: int(rng.integers(5, 9)), BOTTOM: int(rng.integers(4, 7)),
                  SHOES: int(rng.integers(3, 6)), OUTERWEAR: int(rng.integers(2, 4)),
                  ONEPIECE: int(rng.integers(0, 3))}
        pool, facts = wardrobe(rng, 0, counts)
        days = [prepare_day(pool, facts, c, TODAY) for c in TRIP]
        good, _ = good_outfits(DayRanker(identity()), days)
        if not (10 < len(good.items) <= 22):
            continue
        for pieces in rows:
            best = exhaustive(good, pieces)
            start = time.perf_counter()
            found = search_pieces(good, pieces)[1]
            rows[pieces].append((found == best, found[0] == best[0],
                                 1 - found[1] / best[1] if found[0] == best[0] and best[1] else 1.0,
                                 time.perf_counter() - start))
    for pieces, got in rows.items():
        print(f"| {pieces} | {len(got)} | {sum(r[0] for r in got) / len(got):.1%} | "
              f"{max(r[2] for r in got):.1%} | {sum(r[1] for r in got) / len(got):.0%} | "
              f"{max(r[3] for r in got):.2f} s |")


def packing_time(repeats: int, sizes: tuple[int, ...]) -> None:
    print("\n### Packing time (5-day trip, 4 distinct day contexts)\n")
    print("| items | pieces | good outfits | pieces in them | time (median) | exact? | days "
          "covered | good outfits packed |")
    print("|---|---|---|---|---|---|---|---|")
    for n in sizes:
        for pieces in (8, 12):
            pool, facts = wardrobe(np.random.default_rng(n), n)
            days = [prepare_day(pool, facts, c, TODAY) for c in TRIP]

            def run(days=days, pieces=pieces):
                return pack(DayRanker(identity()), days, pieces)  # cold: a fresh ranker

            seconds, result = timed(run, repeats)
            good, _ = good_outfits(DayRanker(identity()), days)
            enumerated = subsets(len(good.items), pieces) <= 200_000
            print(f"| {n} | {pieces} | {len(good.outfits)}{'' if good.complete else '+'} | "
                  f"{len(good.items)} | {seconds:.2f} s | "
                  f"{'yes (enumerated)' if enumerated else 'search'} | "
                  f"{result.days_covered}/{len(TRIP)} | {result.good_outfits} |")


# --- week plans -----------------------------------------------------------------------------

def full_optimum(ranker: DayRanker, days, max_uses: int) -> float | None:
    """Every outfit of every day (complete lists) in one integer program: the exact optimum."""
    lists = [ranker.rank(d, k=10**7) for d in days]
    solved = _solve(lists, max_uses, True, [None] * len(days))
    return None if solved is None else solved[1]


def brute_optimum(ranker: DayRanker, days, max_uses: int) -> float | None:
    """Plain enumeration of every combination (tiny cases only): checks `full_optimum`."""
    lists = [ranker.rank(d, k=10**7) for d in days]
    best = None
    for combo in product(*lists):
        if len({o.key for o in combo}) < len(combo):
            continue
        uses: dict[str, int] = {}
        for o in combo:
            for s, i in o.items.items():
                if s != OUTERWEAR:
                    uses[i] = uses.get(i, 0) + 1
        if max(uses.values()) > max_uses:
            continue
        total = sum(o.score for o in combo)
        best = total if best is None else max(best, total)
    return best


def week_quality(cases: int) -> None:
    print("\n### Week plans vs the exhaustive optimum (small wardrobes)\n")
    print("Reference = all outfits of every day in one integer program (checked against plain "
          "enumeration of every combination on the 3-day cases).\n")
    print("| days | k | cases | proven exact | equal to optimum | worst gap | brute-force checks |")
    print("|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(11)
    for n_days, k in ((3, 1), (3, 2), (7, 2), (7, 3)):
        n = exact = equal = brute = attempts = 0
        gaps = [0.0]
        while n < cases and attempts < 50 * cases:
            attempts += 1
            extra = 2 if n_days == 7 else 0  # 7 days at k = 2 need at least 4 pairs of shoes
            counts = {TOP: int(rng.integers(3, 6)) + extra, BOTTOM: int(rng.integers(2, 5)) + extra,
                      SHOES: int(rng.integers(2, 4)) + extra, OUTERWEAR: int(rng.integers(1, 3)),
                      ONEPIECE: int(rng.integers(0, 2))}
            pool, facts = wardrobe(rng, 0, counts)
            ranker = DayRanker(identity())
            days = [prepare_day(pool, facts, c, TODAY) for c in WEEK[:n_days]]
            want = full_optimum(ranker, days, k)
            if want is None:
                continue
            try:
                plan = plan_week(ranker, days, max_uses=k)
            except PlanInfeasible:
                continue
            n += 1
            exact += plan.exact
            equal += abs(plan.total - want) < 1e-6
            gaps.append((want - plan.total) / abs(want) if want else 0.0)
            if n_days == 3 and n <= 10:
                check = brute_optimum(ranker, days, k)
                brute += check is not None and abs(check - want) < 1e-6
        checks = f"{brute}/{min(n, 10)} equal" if n_days == 3 else "—"
        print(f"| {n_days} | {k} | {n} | {exact / n:.0%} | {equal / n:.0%} | {max(gaps):.2%} | "
              f"{checks} |")


def week_time(repeats: int, sizes: tuple[int, ...]) -> None:
    print("\n### Week plan time (7 days, 6 distinct contexts)\n")
    print("| items | k | time (median) | proven exact | gap bound | longest day list |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        for k in (1, 2):
            pool, facts = wardrobe(np.random.default_rng(100 + n), n)
            days = [prepare_day(pool, facts, c, TODAY) for c in WEEK]

            def run(days=days, k=k):
                return plan_week(DayRanker(identity()), days, max_uses=k)

            seconds, plan = timed(run, repeats)
            print(f"| {n} | {k} | {seconds:.3f} s | {'yes' if plan.exact else 'no'} | "
                  f"{plan.gap_bound:.4f} | {plan.candidates} |")


# --- context rules --------------------------------------------------------------------------

def rule_checks(cases: int) -> None:
    print("\n### Context rules on random wardrobes (top 20 outfits each)\n")
    print("| rule | wardrobes | outfits checked | violations |")
    print("|---|---|---|---|")
    rng = np.random.default_rng(3)
    checks = {"2 °C: every outfit has an outer layer": [0, 0, 0],
              "28 °C: no heavy coat (outerwear warmth >= 4)": [0, 0, 0],
              "formal: no sportswear (formality 1) where the slot has alternatives": [0, 0, 0]}
    for _ in range(cases):
        pool, facts = wardrobe(rng, int(rng.integers(20, 80)))
        by_id = {f.id: f for f in facts}
        ranker = DayRanker(identity())
        has_layer = any(f.slot == OUTERWEAR and f.available for f in facts)
        for name, ctx in zip(checks, (DayContext(2), DayContext(28),
                                      DayContext(18, occasion="formal")), strict=True):
            outfits = ranker.rank(prepare_day(pool, facts, ctx, TODAY), k=20)
            row = checks[name]
            row[0] += 1
            row[1] += len(outfits)
            for o in outfits:
                pieces = [(s, by_id[i]) for s, i in o.items.items()]
                if ctx.temperature_c == 2:
                    row[2] += has_layer and OUTERWEAR not in o.items
                elif ctx.temperature_c == 28:
                    row[2] += any(s == OUTERWEAR and f.warmth >= 4 for s, f in pieces)
                else:
                    row[2] += any(f.formality == 1 and any(
                        g.slot == f.slot and g.available and g.formality != 1 for g in facts)
                        for _, f in pieces)
    for name, (w, n, bad) in checks.items():
        print(f"| {name} | {w} | {n} | {bad} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="few cases, 50 and 200 items only")
    args = parser.parse_args()
    cases = 8 if args.quick else args.cases
    sizes = (50, 200) if args.quick else (50, 200, 1000)
    print(f"benchmarks/plan.py — {time.strftime('%Y-%m-%d %H:%M')}, cases={cases}, "
          f"repeats={args.repeats}, load average {os.getloadavg()[0]:.1f}")
    rule_checks(cases)
    packing_quality(cases)
    search_larger(max(4, cases // 2))
    week_quality(max(4, cases // 3))
    packing_time(args.repeats, sizes)
    week_time(args.repeats, sizes)


if __name__ == "__main__":
    main()
