"""Packing for a trip: at most P pieces that give every day at least one good outfit, then as
many distinct good outfits as possible, and the day-by-day plan using only them.

A *good* outfit for a day is one its rules allow whose score is close to the best outfit the
whole wardrobe has for that day: within `GOOD_SHARE` of the gap between that best and a typical
outfit of the day (the median of a random sample). The margin is relative because score units
are not fixed: a trained model with an item gate scores on a smaller scale than raw cosine, and a
fixed margin would admit relatively more outfits under it. Each layer counts separately (a base
with coat A and with coat B are two outfits). The objective is lexicographic: (days covered, distinct
good outfits made only of packed pieces).

Search (`pack`): greedy construction (complete the next uncovered day's best outfit with the
fewest new pieces, then add the piece completing the most good outfits), from several seeds,
each followed by best-improvement swaps (one piece out, one in) computed for all pairs at once
from "outfits missing exactly one piece" counts, and two-for-two exchanges. When the pieces in
good outfits allow at most ENUMERATE_LIMIT sets, every set is tried instead (exact), as bit masks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from base.vocabulary import BOTTOM, ONEPIECE, OUTERWEAR, SHOES, TOP
from core.ranking.daily import DayProblem, DayRanker
from core.ranking.planner import PlanInfeasible, WeekPlan, plan_week
from models.compat import CompatModel

GOOD_SHARE = 0.25  # a good outfit is within this share of (day's best - typical outfit)
TYPICAL_SAMPLE = 500  # random outfits a day's typical (median) score is taken from
MAX_GOOD_PER_LIST = 10_000  # per day: past this the good list is cut (flagged incomplete)
DIRECT_LIMIT = 20_000_000  # up to this many outfits a day, every one is scored (exact)
BASE_LIST = 200  # beyond: the day's best outfits, whose pieces are combined with every layer...
MAX_BASE_LIST = 600  # ...grown until it reaches below the margin, up to this
SEEDS_PER_GROUP = 3
ALL_SEEDS_UP_TO = 100  # this few good outfits: every one seeds a greedy start
KICKED = 3  # swap optima that then get two-for-two exchanges
ENUMERATE_LIMIT = 200_000  # piece sets; up to this the packing is exact by enumeration


@dataclass(frozen=True)
class GoodOutfits:
    """Distinct good outfits over the trip: items as indices into `items`, and for each
    outfit which day groups (days with the same context) it is good for."""

    items: tuple[str, ...]
    outfits: np.ndarray  # (G, 5) int, -1 = no item
    groups: np.ndarray  # (G, n_groups) bool
    group_days: np.ndarray  # (n_groups,) how many days each group stands for
    complete: bool  # False when some list was cut at MAX_GOOD_PER_LIST


@dataclass(frozen=True)
class PackResult:
    pieces: tuple[str, ...]
    days_covered: int
    good_outfits: int
    plan: WeekPlan | None
    complete: bool  # the good-outfit lists were complete (else the count is of a subset)

    def objective(self) -> tuple[int, int]:
        return self.days_covered, self.good_outfits


def typical_score(model: CompatModel, day: DayProblem, n: int = TYPICAL_SAMPLE, seed: int = 0
                  ) -> float | None:
    """The median score of `n` random outfits of the day (same formula as the ranker: mean pair
    score, context terms included; a layer only when the day requires one). Shapes are drawn in
    proportion to how many outfits each makes. None when the day makes no outfit."""
    sizes = {slot: len(day.pool.get(slot, ([],))[0]) for slot in (TOP, BOTTOM, ONEPIECE, SHOES,
                                                                   OUTERWEAR)}
    layer = (OUTERWEAR,) if day.rules.with_outerwear is True else ()
    shapes = [shape + layer for shape in ((TOP, BOTTOM, SHOES), (ONEPIECE, SHOES))
              if all(sizes[s] for s in shape + layer)]
    if not shapes:
        return None
    counts = np.array([math.prod(sizes[s] for s in shape) for shape in shapes], dtype=np.float64)
    rng = np.random.default_rng(seed)
    picks = np.bincount(rng.choice(len(shapes), size=n, p=counts / counts.sum()),
                        minlength=len(shapes))
    scores = []
    for shape, m in zip(shapes, picks, strict=True):
        if not m:
            continue
        rows = {slot: rng.integers(0, sizes[slot], int(m)) for slot in shape}
        latents = {}
        total = np.zeros(int(m))
        for a, b in itertools.combinations(shape, 2):
            for one, other in ((a, b), (b, a)):
                if (one, other) not in latents:
                    x = np.asarray(day.pool[one][1])[rows[one]]
                    latents[one, other] = model.project(one, x, other).astype(np.float64)
            total += np.einsum("nd,nd->n", latents[a, b], latents[b, a])
        scores.append(total / math.comb(len(shape), 2))
    return float(np.median(np.concatenate(scores)))


def day_margin(ranker: DayRanker, day: DayProblem, best: float, share: float = GOOD_SHARE) -> float:
    """How far below the day's best a good outfit may score: `share` of the gap between the
    best and the day's typical outfit (0 when the best is the typical one)."""
    typical = typical_score(ranker.model, day)
    return 0.0 if typical is None else share * max(best - typical, 0.0)


def _day_lists(ranker: DayRanker, day: DayProblem, margin: float | None, cap: int
               ) -> tuple[list[frozenset[str]], bool]:
    """Every good outfit of one day (each layer separately), best first, as item sets.

    Up to DIRECT_LIMIT outfits a day, every combination of the allowed pieces (each with every
    allowed layer, and without one where a layer is optional) is scored from the context
    model's latents (pair sums, as the ranker scores), against the exact ranker's best minus
    the margin (in score units; None: the day's relative margin, `day_margin`). Beyond, the exact ranker's best BASE_LIST.. outfits pick the pieces to combine:
    complete once that list reaches below the margin (a good outfit's base scores at least as
    well with its best layer, so its pieces are in the list; every layer is combined). A list
    cut at MAX_BASE_LIST is flagged incomplete and combines only its own layers (or, if even
    that is too many, is used as it is). Past `cap` outfits, the best `cap` are kept.
    """
    best = ranker.rank(day, k=1)
    if not best:
        return [], True
    if margin is None:
        margin = day_margin(ranker, day, best[0].score)
    floor = best[0].score - margin - 1e-9
    sizes = {slot: len(day.pool.get(slot, ([],))[0]) for slot in (TOP, BOTTOM, ONEPIECE, SHOES,
                                                                   OUTERWEAR)}
    variants = sizes[OUTERWEAR] + (day.rules.with_outerwear is not True)
    combos = (sizes[TOP] * sizes[BOTTOM] + sizes[ONEPIECE]) * sizes[SHOES] * variants
    use: dict[str, set[str]] | None = None  # None: every allowed piece (direct enumeration)
    complete = True
    size = BASE_LIST
    while combos > DIRECT_LIMIT:  # too many to score all: the pieces of the best outfits
        top = ranker.rank(day, k=size)
        complete = len(top) < size or top[-1].score < floor
        if complete or size >= MAX_BASE_LIST:
            use = {s: set() for s in (TOP, BOTTOM, ONEPIECE, SHOES, OUTERWEAR)}
            for outfit in top:
                if outfit.score >= floor:
                    for slot, item in outfit.items.items():
                        use[slot].add(item)
            if not complete:  # layers too, from the list only (an approximation, flagged)
                n = {slot: len(v) for slot, v in use.items()}
                combos = ((n[TOP] * n[BOTTOM] + n[ONEPIECE]) * n[SHOES]
                          * (n[OUTERWEAR] + (day.rules.with_outerwear is not True)))
                if combos > DIRECT_LIMIT:  # still too many: the list itself
                    return [o.key for o in top if o.score >= floor][:cap], False
            break
        size = min(size * 3, MAX_BASE_LIST)
    model = ranker.model

    def sub(slot: str) -> tuple[list[str], np.ndarray]:
        ids, x = day.pool.get(slot, ([], np.zeros((0, 1), np.float32)))
        keep = [n for n, i in enumerate(ids) if use is None or i in use[slot]
                or (slot == OUTERWEAR and complete)]
        return [ids[n] for n in keep], np.asarray(x)[keep]

    def sims(a: str, xa: np.ndarray, b: str, xb: np.ndarray) -> np.ndarray:
        za = model.project(a, xa, b).astype(np.float64)
        return za @ model.project(b, xb, a).astype(np.float64).T

    layers, lx = sub(OUTERWEAR)
    bare = day.rules.with_outerwear is not True
    scores: list[np.ndarray] = []
    found: list[tuple[np.ndarray, list[list[str]]]] = []  # hits (index rows) and their pieces

    def collect(values: np.ndarray, pieces: list[list[str]]) -> None:
        hits = np.argwhere(values >= floor)
        if len(hits):
            scores.append(values[tuple(hits.T)])
            found.append((hits, pieces))

    (ti, tx), (bi, bx), (si, sx), (oi, ox) = sub(TOP), sub(BOTTOM), sub(SHOES), sub(ONEPIECE)
    if ti and bi and si:
        tb, ts, bs = sims(TOP, tx, BOTTOM, bx), sims(TOP, tx, SHOES, sx), sims(BOTTOM, bx, SHOES, sx)
        if layers:
            to, bo, so = (sims(TOP, tx, OUTERWEAR, lx), sims(BOTTOM, bx, OUTERWEAR, lx),
                          sims(SHOES, sx, OUTERWEAR, lx))
        for t in range(len(ti)):
            base = tb[t][:, None] + ts[t][None, :] + bs
            if bare:
                collect((base / 3)[None], [[ti[t]], bi, si])
            if layers:
                full = (base[:, :, None] + to[t][None, None, :] + bo[:, None, :]
                        + so[None, :, :]) / 6
                collect(full[None], [[ti[t]], bi, si, layers])
    if oi and si:
        os_ = sims(ONEPIECE, ox, SHOES, sx)
        if bare:
            collect(os_, [oi, si])
        if layers:
            oo, so = sims(ONEPIECE, ox, OUTERWEAR, lx), sims(SHOES, sx, OUTERWEAR, lx)
            collect((os_[:, :, None] + oo[:, None, :] + so[None, :, :]) / 3, [oi, si, layers])
    if not scores:
        return [], complete
    flat = np.concatenate(scores)
    where = np.concatenate([np.full(len(v), n) for n, v in enumerate(scores)])
    row = np.concatenate([np.arange(len(v)) for v in scores])
    order = np.argsort(-flat, kind="stable")
    if len(order) > cap:
        order, complete = order[:cap], False
    keys = []
    for n in order:  # keys only for what is kept
        hits, pieces = found[where[n]]
        keys.append(frozenset(p[i] for p, i in zip(pieces, hits[row[n]], strict=True)))
    return keys, complete


def good_outfits(ranker: DayRanker, days: Sequence[DayProblem], margin: float | None = None,
                 cap: int = MAX_GOOD_PER_LIST) -> tuple[GoodOutfits, list[int]]:
    """The trip's good outfits, and each day's group index. `margin` in score units for every
    day, or None: each day's relative margin (`day_margin`)."""
    groups: dict[object, int] = {}
    day_group = []
    for day in days:
        day_group.append(groups.setdefault(day.ctx, len(groups)))
    members: dict[frozenset[str], set[int]] = {}
    complete = True
    for g in groups.values():
        day = days[day_group.index(g)]
        found, ok = _day_lists(ranker, day, margin, cap)
        complete &= ok
        for key in found:
            members.setdefault(key, set()).add(g)
    items = tuple(sorted({i for key in members for i in key}))
    index = {i: n for n, i in enumerate(items)}
    keys = list(members)
    outfits = np.full((len(keys), 5), -1, dtype=np.int64)
    flags = np.zeros((len(keys), len(groups)), dtype=bool)
    for r, key in enumerate(keys):
        ids = sorted(index[i] for i in key)
        outfits[r, :len(ids)] = ids
        flags[r, sorted(members[key])] = True
    counts = np.bincount(day_group, minlength=len(groups))
    return GoodOutfits(items, outfits, flags, counts, complete), day_group


def _tally(index: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Counts (or per-group sums, weights (m, g)) of flat indices: a fast np.add.at. `index`
    is (m,) or (m, r): each of the r indices of a row gets that row's weight."""
    index = np.asarray(index)
    reps = 1 if index.ndim == 1 else index.shape[1]
    flat = index.reshape(-1)
    if weights is None:
        return np.bincount(flat, minlength=size)
    cols = [np.bincount(flat, weights=np.repeat(weights[:, c], reps), minlength=size)
            for c in range(weights.shape[1])]
    return np.stack(cols, axis=-1).astype(np.int64) if cols else np.zeros((size, 0), np.int64)


class _Evaluator:
    """Objective of a piece set, and of every one-piece swap at once."""

    def __init__(self, good: GoodOutfits) -> None:
        self.good = good
        self.n = len(good.items)
        self.o = np.where(good.outfits < 0, self.n, good.outfits)  # n = "always packed"
        self.size = (good.outfits >= 0).sum(axis=1)

    def value(self, packed: np.ndarray) -> tuple[int, int]:
        have = np.append(packed, True)[self.o].all(axis=1)
        per_group = (self.good.groups & have[:, None]).any(axis=0)
        return int(self.good.group_days[per_group].sum()), int(have.sum())

    def swaps(self, packed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(rows, cols, days, count): the objective after removing packed piece rows[a] and
        adding piece cols[b], as (a, b) arrays. Only pieces completing some outfit on their own
        are columns: any other swap cannot raise the objective."""
        inside = np.append(packed, True)[self.o]
        missing = (~inside).sum(axis=1)
        grp = self.good.groups.astype(np.int64)
        done = missing == 0
        one = np.flatnonzero(missing == 1)
        miss_item = self.o[one][~inside[one]]  # the single missing piece of each
        rows, cols = np.flatnonzero(packed), np.unique(miss_item)
        r, c = len(rows), len(cols)
        lr = np.full(self.n + 1, r, np.int64)  # local row index, r = "not a packed piece"
        lr[rows] = np.arange(r)
        lc = np.zeros(self.n + 1, np.int64)
        lc[cols] = np.arange(c)
        c0 = grp[done].sum(axis=0)  # (g,) complete outfits per group
        lose = _tally(lr[self.o[done]], r + 1, grp[done])[:r]
        gain = _tally(lc[miss_item], c, grp[one]) if c else np.zeros((0, grp.shape[1]), np.int64)
        pair = lr[self.o[one]] * c + lc[miss_item][:, None]  # (packed piece, missing piece)
        both = _tally(pair, (r + 1) * max(c, 1), grp[one]).reshape(r + 1, max(c, 1), -1)[:r, :c]
        per_group = c0[None, None, :] - lose[:, None, :] + gain[None, :, :] - both
        days = ((per_group > 0) * self.good.group_days[None, None, :]).sum(axis=2)
        # distinct outfits: count each outfit once (an outfit in several groups is one)
        lose_a = _tally(lr[self.o[done]], r + 1)[:r]
        gain_a = _tally(lc[miss_item], c) if c else np.zeros(0, np.int64)
        both_a = _tally(pair, (r + 1) * max(c, 1)).reshape(r + 1, max(c, 1))[:r, :c]
        count = int(done.sum()) - lose_a[:, None] + gain_a[None, :] - both_a
        return rows, cols, days, count


def _greedy(ev: _Evaluator, good: GoodOutfits, max_pieces: int, seed: int | None,
            order: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    packed = np.zeros(ev.n, bool) if start is None else start.copy()

    def add_outfit(r: int) -> bool:
        need = good.outfits[r][good.outfits[r] >= 0]
        new = need[~packed[need]]
        if len(new) + packed.sum() > max_pieces:
            return False
        packed[new] = True
        return True

    if seed is not None:
        add_outfit(seed)
    while packed.sum() < max_pieces:
        have = np.append(packed, True)[ev.o].all(axis=1)
        covered = (good.groups & have[:, None]).any(axis=0)
        if not covered.all():  # the next uncovered group's outfit needing fewest new pieces
            g = int(np.flatnonzero(~covered)[0])
            cand = np.flatnonzero(good.groups[:, g])
            new = (~np.append(packed, True)[ev.o[cand]]).sum(axis=1)
            fits = cand[new + packed.sum() <= max_pieces]
            if len(fits):
                pick = fits[np.lexsort((order[fits], new[np.isin(cand, fits)]))[0]]
                add_outfit(int(pick))
                continue
        inside = np.append(packed, True)[ev.o]
        missing = (~inside).sum(axis=1)
        one = np.flatnonzero(missing == 1)
        if len(one):
            miss = ev.o[one][~inside[one]]
            gain = np.bincount(miss, minlength=ev.n + 1)[:ev.n]
            packed[int(np.argmax(gain))] = True
            continue
        two = np.flatnonzero(missing == 2)  # complete the best outfit two pieces away
        if len(two) and packed.sum() + 2 <= max_pieces:
            add_outfit(int(two[np.argmin(order[two])]))
            continue
        # room left: the piece closest to completing outfits (weight 2^-missing per outfit)
        weight = np.where(inside, 0.0, 0.5 ** missing[:, None])
        closeness = np.bincount(ev.o.ravel(), weights=weight.ravel(), minlength=ev.n + 1)[:ev.n]
        closeness[packed] = -1.0
        if closeness.max() <= 0:
            break
        packed[int(np.argmax(closeness))] = True
    return packed


def _improve(ev: _Evaluator, packed: np.ndarray) -> np.ndarray:
    best = ev.value(packed)
    while True:
        inside, outside, d, c = ev.swaps(packed)
        if not len(inside) or not len(outside):
            return packed
        key = d.astype(np.int64) * (ev.o.shape[0] + 1) + c
        flat = int(np.argmax(key))
        i, j = np.unravel_index(flat, key.shape)
        if (int(d[i, j]), int(c[i, j])) <= best:
            return packed
        packed = packed.copy()
        packed[inside[i]], packed[outside[j]] = False, True
        best = ev.value(packed)


def _add_two(ev: _Evaluator, packed: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """The best two unpacked pieces to add at once, and the objective with them. Only pieces
    that complete something within two additions are candidates (others add nothing)."""
    inside = np.append(packed, True)[ev.o]
    missing = (~inside).sum(axis=1)
    grp = ev.good.groups.astype(np.int64)
    n_g = grp.shape[1]
    done = missing == 0
    c_g, c_all = grp[done].sum(axis=0), int(done.sum())
    one = np.flatnonzero(missing == 1)
    two = np.flatnonzero(missing == 2)
    miss1 = ev.o[one][~inside[one]]
    miss2 = ev.o[two][~inside[two]].reshape(-1, 2)
    cand = np.union1d(miss1, miss2.ravel())
    outside = np.flatnonzero(~packed)
    if len(cand) < 2:  # nothing to complete: any two pieces (the first unpacked ones)
        cand = np.union1d(cand, outside[:2])
    if len(cand) < 2:
        return packed, ev.value(packed)
    local = np.full(ev.n + 1, -1, np.int64)
    local[cand] = np.arange(len(cand))
    m = len(cand)
    l1, l2 = local[miss1], local[miss2]
    g1 = _tally(l1, m, grp[one])
    a1 = _tally(l1, m)
    flat = l2[:, 0] * m + l2[:, 1]
    g2 = _tally(flat, m * m, grp[two]).reshape(m, m, n_g)
    g2 = g2 + g2.transpose(1, 0, 2)
    a2 = _tally(flat, m * m).reshape(m, m)
    a2 = a2 + a2.T
    per_group = c_g[None, None] + g1[:, None] + g1[None, :] + g2
    days = ((per_group > 0) * ev.good.group_days).sum(axis=2)
    key = days.astype(np.int64) * (len(ev.o) + 1) + (c_all + a1[:, None] + a1[None, :] + a2)
    np.fill_diagonal(key, -1)
    i, j = np.unravel_index(int(np.argmax(key)), key.shape)
    result = packed.copy()
    result[[cand[i], cand[j]]] = True
    return result, ev.value(result)


def _kick(ev: _Evaluator, packed: np.ndarray, rounds: int = 5) -> np.ndarray:
    """Leave a swap optimum by two-for-two exchanges: drop every pair of packed pieces in
    turn, add the best pair of others, then swap again; keep the first that improves."""
    best = ev.value(packed)
    for _ in range(rounds):
        improved = False
        for a, b in itertools.combinations(np.flatnonzero(packed), 2):
            trial = packed.copy()
            trial[[a, b]] = False
            trial, value = _add_two(ev, trial)
            if value > best:
                packed = _improve(ev, trial)
                best, improved = ev.value(packed), True
                break
        if not improved:
            break
    return packed


def pack_pieces(good: GoodOutfits, max_pieces: int, enumerate_limit: int | None = None
                ) -> tuple[np.ndarray, tuple[int, int]]:
    """The best piece set (boolean over good.items) and its objective: by enumeration when
    there are at most `enumerate_limit` sets (exact), else by the search."""
    limit = ENUMERATE_LIMIT if enumerate_limit is None else enumerate_limit
    if subsets(len(good.items), max_pieces) <= limit:
        return exhaustive_set(good, max_pieces)
    return search_pieces(good, max_pieces)


def search_pieces(good: GoodOutfits, max_pieces: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The search alone (greedy + swaps + two-for-two exchanges from several seeds)."""
    ev = _Evaluator(good)
    if ev.n <= max_pieces:
        packed = np.ones(ev.n, bool)
        return packed, ev.value(packed)
    order = np.arange(len(good.outfits))  # outfits come best-first per group
    seeds: list[int | None] = [None]
    per_group = len(good.outfits) if len(good.outfits) <= ALL_SEEDS_UP_TO else SEEDS_PER_GROUP
    for g in range(good.groups.shape[1]):
        seeds.extend(np.flatnonzero(good.groups[:, g])[:per_group].tolist())
    found: dict[bytes, tuple[tuple[int, int], np.ndarray]] = {}
    for seed in dict.fromkeys(seeds):
        packed = _improve(ev, _greedy(ev, good, max_pieces, seed, order))
        found[packed.tobytes()] = (ev.value(packed), packed)
    best_set, best_value = np.zeros(ev.n, bool), (-1, -1)
    ranked = sorted(found.values(), key=lambda vp: vp[0], reverse=True)
    for _value, packed in ranked[:KICKED]:  # the exchanges cost most: only the best few
        packed = _kick(ev, packed)
        value = ev.value(packed)
        if value > best_value:
            best_set, best_value = packed, value
    return best_set, best_value


def exhaustive(good: GoodOutfits, max_pieces: int) -> tuple[int, int]:
    """The optimum objective over every set of `max_pieces` pieces (small universes only)."""
    return exhaustive_set(good, max_pieces)[1]


def exhaustive_set(good: GoodOutfits, max_pieces: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The best set of `max_pieces` pieces by enumerating them all (at most 62 pieces; meant
    for `subsets(...)` up to ENUMERATE_LIMIT). More pieces never lower the objective, so only
    sets of exactly `max_pieces` are tried; ties go to the first in lexicographic order."""
    n = len(good.items)
    if n <= max_pieces:
        packed = np.ones(n, bool)
        return packed, _Evaluator(good).value(packed)
    if n > 62:
        raise ValueError(f"{n} pieces are too many to enumerate")
    bits = np.zeros(len(good.outfits), np.int64)
    for col in range(good.outfits.shape[1]):
        present = good.outfits[:, col] >= 0
        bits[present] |= np.int64(1) << good.outfits[present, col]
    weights = np.int64(1) << np.arange(n, dtype=np.int64)
    best_key, best_combo = -1, ()
    combos = itertools.combinations(range(n), max_pieces)
    while True:
        chunk = np.array(list(itertools.islice(combos, 4096)), dtype=np.int64)
        if not len(chunk):
            break
        masks = weights[chunk].sum(axis=1)
        have = (bits[None, :] & ~masks[:, None]) == 0  # (S, G)
        days = ((have[:, :, None] & good.groups[None]).any(axis=1) * good.group_days).sum(axis=1)
        key = days * (len(good.outfits) + 1) + have.sum(axis=1)
        top = int(np.argmax(key))
        if key[top] > best_key:
            best_key, best_combo = int(key[top]), tuple(chunk[top])
        if len(chunk) < 4096:
            break
    packed = np.zeros(n, bool)
    packed[list(best_combo)] = True
    return packed, _Evaluator(good).value(packed)


def subsets(n: int, k: int) -> int:
    return math.comb(n, k) if n > k else 1


def restrict(day: DayProblem, pieces: frozenset[str]) -> DayProblem:
    """The same day with only the packed pieces (the rules stay those of the whole wardrobe)."""
    pool = {}
    for slot, (ids, x) in day.pool.items():
        keep = [n for n, i in enumerate(ids) if i in pieces]
        if keep:
            pool[slot] = ([ids[n] for n in keep], x[keep])
    return DayProblem(day.ctx, day.rules, day.terms, pool)


def pack(ranker: DayRanker, days: Sequence[DayProblem], max_pieces: int,
         margin: float | None = None) -> PackResult:
    """Choose the pieces, then plan the trip with them (repeats allowed when needed)."""
    if isinstance(max_pieces, bool) or not isinstance(max_pieces, int) or max_pieces < 2:
        raise ValueError(f"the most pieces to pack must be a whole number >= 2, not {max_pieces!r}")
    if not days:
        raise ValueError("a trip needs at least one day")
    good, _ = good_outfits(ranker, days, margin)
    packed, (covered, count) = pack_pieces(good, max_pieces)
    pieces = frozenset(good.items[n] for n in np.flatnonzero(packed))
    plan = None
    if covered == len(days):
        trip = [restrict(d, pieces) for d in days]
        for distinct in (True, False):
            try:
                plan = plan_week(ranker, trip, max_uses=len(days), distinct=distinct)
                break
            except PlanInfeasible:
                continue
    return PackResult(tuple(sorted(pieces)), covered, count, plan, good.complete)
