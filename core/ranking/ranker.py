"""Outfit ranking: the best complete outfits around the items a person locks, exactly.

An outfit is top + bottom + shoes, or one-piece + shoes, with an optional outerwear layer. Its
score is the mean pairwise similarity the compatibility model gives its items, which decomposes
into pairs: every pair block is one matrix product of projected items, and the top K are found
by a bounded block search (core/ranking/search.py) instead of one model call per combination.

Definitions the tests and the app rely on:
- Anchors (locked items) replace their slot's pool and are always in, even if also excluded;
  excluded ids never appear otherwise. A one-piece anchor rules out top/bottom outfits, a top or
  bottom anchor rules out one-piece outfits; an anchor id is dropped from other slots' pools.
- Each base (top, bottom, shoes) or (one-piece, shoes) appears at most once; its outerwear is
  the choice that maximises the score among those allowed: `with_outerwear=None` -> no layer or
  any outerwear (a layer only when it strictly raises the score), True -> any outerwear (none
  in the pool: no outfits), False -> no layer. An outerwear anchor forces itself.
- Scores are float64 means of pair similarities (float32 latents, float64 dot products).
  Ties are broken by the item ids in slot order (top, bottom, onepiece, shoes, outerwear, bag,
  accessory; an absent slot counts as ""), ascending; equal-score layers by the smaller outerwear id.
- Accessories: a bag and one accessory (hat, scarf, belt, jewellery, ...) are optional pieces
  like the layer (core/ranking/accessories.py): each base's extras (layer, bag, accessory) are
  the choice that maximises the score among those allowed, an anchored bag or accessory is always
  in; equal-score choices prefer fewer pieces, then the smaller ids in slot order.
- No valid outfit (e.g. no shoes) gives []; malformed input raises ValueError naming the slot.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from base.vocabulary import ACCESSORY_SLOTS, BOTTOM, ONEPIECE, OUTERWEAR, SHOES, TOP
from core.ranking import accessories
from core.ranking.latent_cache import BytesLRU, LatentCache, fingerprint
from core.ranking.search import KEY_EPS, Candidates, SearchStats, TripleProblem, search_top
from models.compat import CompatModel

# Slot order for pair keys and for breaking ties between equal scores.
RANK_SLOTS: tuple[str, ...] = (TOP, BOTTOM, ONEPIECE, SHOES, OUTERWEAR, *ACCESSORY_SLOTS)
SEPARATES: tuple[str, ...] = (TOP, BOTTOM, SHOES)
ONEPIECE_BASE: tuple[str, ...] = (ONEPIECE, SHOES)
PRECOMPUTE_BLOCK = 1 << 24  # pair blocks up to 16M entries (64 MB) are computed in one product
SCORE_DECIMALS = 12  # pair similarities are rounded so identical items tie exactly


@dataclass(frozen=True)
class RankedOutfit:
    """One suggestion: slot -> item id, its score, and the similarity of each pair of its items."""

    items: dict[str, str]
    score: float
    pair_scores: dict[tuple[str, str], float]

    def tie_key(self) -> tuple[str, ...]:
        """Item ids in slot order ("" where absent): the documented tie-break."""
        return tuple(self.items.get(slot, "") for slot in RANK_SLOTS)


def weakest_pair(outfit: RankedOutfit) -> tuple[str, str]:
    """The pair of slots that agree least, so the app can say what to swap."""
    if not outfit.pair_scores:
        raise ValueError("outfit has no pairs")
    return min(outfit.pair_scores, key=lambda pair: outfit.pair_scores[pair])


@dataclass
class _Slot:
    """The items one slot may take in this query (an anchor: exactly one)."""

    name: str
    ids: list[str]
    x: np.ndarray  # (n, D) float32
    key: str  # content fingerprint for the latent cache
    anchored: bool
    partners: tuple[str, ...] = ()  # the query's other non-empty slots: latents needed next

    @property
    def size(self) -> int:
        return len(self.ids)

    def id_rank(self) -> np.ndarray:
        order = np.argsort(np.asarray(self.ids, dtype=object), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank


@dataclass
class _Shape:
    """One outfit shape (separates or one-piece) ready to search: slot order A, B, C."""

    base: tuple[str, ...]  # real base slots, in RANK_SLOTS order
    order: tuple[str | None, str, str]  # A (None: the one-item dummy), B, C
    problem: TripleProblem
    extras: tuple[str, ...] = (OUTERWEAR,)  # the layer's slots (several: core/ranking/accessories)


class OutfitRanker:
    """Ranks complete outfits from pools of items with a compatibility model."""

    def __init__(self, model: CompatModel, cache_bytes: int = 256 << 20) -> None:
        self.model = model
        self.cache = LatentCache(model, max_bytes=cache_bytes)
        # pool x pool similarity blocks: a new anchor over the same wardrobe reuses them
        self.blocks = BytesLRU(cache_bytes)
        self.last_stats = SearchStats()  # what the latest exact search touched (benchmarks)
        # one ranker serves every session of the app (its caches pay off across anchors), and
        # the LRU caches are not thread-safe: one ranking at a time
        self._lock = threading.RLock()

    def rank(
        self,
        anchors: Mapping[str, tuple[str, np.ndarray]],
        pool: Mapping[str, tuple[list[str], np.ndarray]],
        k: int = 10,
        diversity: float = 0.0,
        exclude: Iterable[str] = frozenset(),
        with_outerwear: bool | None = None,
    ) -> list[RankedOutfit]:
        """The k best outfits, best first (see the module docstring for the exact rules).

        diversity > 0 (at most 1): no two results share more than one non-anchor item; among
        the outfits allowed, each pick maximises score - diversity * (shares an item with an
        earlier pick), over an exact candidate list several times longer than k.
        """
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
            raise ValueError(f"k must be a non-negative integer, got {k!r}")
        if not 0.0 <= float(diversity) <= 1.0:
            raise ValueError(f"diversity must be between 0 and 1, got {diversity!r}")
        if with_outerwear not in (None, True, False):
            raise ValueError(f"with_outerwear must be None, True or False, got {with_outerwear!r}")
        slots, layer = _prepare(anchors, pool, frozenset(exclude), with_outerwear)
        if k == 0:
            return []
        with self._lock:
            if diversity == 0.0:
                return self._exact(slots, layer, int(k))
            return self._diverse(slots, layer, int(k), float(diversity))

    # -- exact top K ---------------------------------------------------------------------

    def _exact(self, slots: dict[str, _Slot], layer: str, k: int) -> list[RankedOutfit]:
        bases = (SEPARATES, ONEPIECE_BASE)
        shapes = [] if accessories.required(slots) else [
            s for s in (self._shape(slots, base, layer) for base in bases) if s is not None]
        shapes += [s for extras in accessories.combinations_of(slots, layer) for base in bases
                   if (s := self._shape(slots, base, "always", extras)) is not None]
        found: list[tuple[_Shape, Candidates]] = []
        floor = -np.inf
        self.last_stats = SearchStats()
        for shape in shapes:
            cands, floor = search_top(shape.problem, k, floor, self.last_stats)
            found.append((shape, cands))
        outfits: list[RankedOutfit] = []
        for shape, cands in found:
            cands = cands.above(floor - 2 * KEY_EPS)
            if shape.extras == (OUTERWEAR,):
                outfits.extend(self._rescore(slots, shape, cands))
                continue
            for items, score, pairs in accessories.rescore(
                    self._latents, slots, shape.order, shape.base, shape.extras,
                    shape.problem.full_pairs, cands, SCORE_DECIMALS):
                outfits.append(RankedOutfit({s: items[s] for s in RANK_SLOTS if s in items},
                                            score, pairs))
        if any(shape.extras != (OUTERWEAR,) for shape in shapes):  # a base found more than once
            outfits = accessories.best_per_base(outfits)
        outfits.sort(key=lambda o: (-o.score, o.tie_key()))
        return outfits[:k]

    def _latents(self, slot: _Slot, partner: str) -> np.ndarray:
        return self.cache.project(slot.name, partner, slot.key, slot.x, slot.partners)

    def _sims(self, a: _Slot, b: _Slot) -> np.ndarray:
        return self._latents(a, b.name) @ self._latents(b, a.name).T

    def _pool_block(self, b: _Slot, c: _Slot) -> tuple[np.ndarray, np.ndarray]:
        """Similarities between two slots and their row maxima, cached when both are pools."""
        key = (self.model.version, b.name, b.key, c.name, c.key)
        cached = None if b.anchored or c.anchored else self.blocks.get(key)
        if cached is not None:
            return cached[0], cached[1]
        bc = self._sims(b, c)
        row_max = bc.max(axis=1)
        if not (b.anchored or c.anchored):
            self.blocks.put(key, (bc, row_max))
        return bc, row_max

    def _shape(self, slots: dict[str, _Slot], base: tuple[str, ...], layer: str,
               extras: tuple[str, ...] = (OUTERWEAR,)) -> _Shape | None:
        """The search problem of one base shape; its layer is the outerwear slot, or, for
        several `extras`, every combination of one item per extras slot (accessories)."""
        if any(slots[s].size == 0 for s in base):
            return None
        outer: _Slot | accessories.Combined = slots[OUTERWEAR]
        layer_sims = lambda s, last=False: self._sims(s, slots[OUTERWEAR])  # noqa: E731
        if extras != (OUTERWEAR,):
            outer = accessories.Combined(self._sims, slots, extras)
            layer_sims = outer.sims
        if layer == "always" and outer.size == 0:
            return None
        if layer == "optional" and outer.size == 0:
            layer = "never"
        if len(base) == 3:  # the smallest slot (usually the anchor) drives the outer loop
            a_name = min(base, key=lambda s: (slots[s].size, RANK_SLOTS.index(s)))
            b_name, c_name = (s for s in base if s != a_name)
            a = slots[a_name]
            ab, ac = self._sims(a, slots[b_name]), self._sims(a, slots[c_name])
            ao = layer_sims(a) if layer != "never" else None
            order: tuple[str | None, str, str] = (a_name, b_name, c_name)
        else:
            b_name, c_name = base
            ab = np.zeros((1, slots[b_name].size), dtype=np.float32)
            ac = np.zeros((1, slots[c_name].size), dtype=np.float32)
            ao = np.zeros((1, outer.size), dtype=np.float32) if layer != "never" else None
            order = (None, b_name, c_name)
        b, c = slots[b_name], slots[c_name]
        if b.size * c.size <= PRECOMPUTE_BLOCK:
            bc, bc_row_max = self._pool_block(b, c)
            bc_rows = lambda rows: bc if rows.size == bc.shape[0] else bc[rows]  # noqa: E731
        else:  # too large to hold: each block of rows is one product, recomputed when visited
            zb, zc = self._latents(b, c.name), self._latents(c, b.name)
            bc_rows, bc_row_max = (lambda rows: zb[rows] @ zc.T), None
        pairs = len(base) * (len(base) - 1) // 2
        n_extra = len(extras)
        problem = TripleProblem(
            ab=ab, ac=ac, bc_rows=bc_rows, n_c=c.size, base_pairs=pairs,
            full_pairs=pairs + n_extra * len(base) + n_extra * (n_extra - 1) // 2,
            layer=layer, ao=ao,
            bo=layer_sims(b) if layer != "never" else None,
            co=layer_sims(c, True) if layer != "never" else None, bc_row_max=bc_row_max,
        )
        return _Shape(base, order, problem, extras)

    def _rescore(
        self, slots: dict[str, _Slot], shape: _Shape, cands: Candidates
    ) -> list[RankedOutfit]:
        """Exact float64 scores and the best layer of each candidate base (see module doc)."""
        if cands.keys.size == 0:
            return []
        index = {name: idx for name, idx in zip(shape.order, (cands.i, cands.j, cands.l),
                                                strict=True) if name is not None}
        pair_values: dict[tuple[str, str], np.ndarray] = {}
        for s1, s2 in combinations(shape.base, 2):
            z1 = self._latents(slots[s1], s2)[index[s1]].astype(np.float64)
            z2 = self._latents(slots[s2], s1)[index[s2]].astype(np.float64)
            pair_values[(s1, s2)] = np.round(np.einsum("nd,nd->n", z1, z2), SCORE_DECIMALS)
        base_sum = np.zeros(cands.keys.size, dtype=np.float64)
        for values in pair_values.values():
            base_sum = base_sum + values
        n_pairs = len(pair_values)
        score = base_sum / n_pairs
        layer = shape.problem.layer
        chosen = np.full(cands.keys.size, -1, dtype=np.int64)
        layer_pairs: dict[str, np.ndarray] = {}
        if layer != "never":
            outer = slots[OUTERWEAR]
            per_slot = {}
            for s in shape.base:  # layer similarities of the distinct candidate items only
                uniq, inv = np.unique(index[s], return_inverse=True)
                zs = self._latents(slots[s], OUTERWEAR)[uniq].astype(np.float64)
                zo = self._latents(outer, s).astype(np.float64)
                per_slot[s] = np.round(zs @ zo.T, SCORE_DECIMALS)[inv]
            layer_sum = np.zeros((cands.keys.size, outer.size), dtype=np.float64)
            for s in shape.base:
                layer_sum = layer_sum + per_slot[s]
            best = layer_sum.max(axis=1)
            ties = layer_sum == best[:, None]
            pick = np.argmin(np.where(ties, outer.id_rank()[None, :], np.iinfo(np.int64).max),
                             axis=1)
            with_layer = (base_sum + best) / (n_pairs + len(shape.base))
            use = with_layer > score if layer == "optional" else np.ones_like(score, dtype=bool)
            score = np.where(use, with_layer, score)
            chosen = np.where(use, pick, -1)
            rows = np.arange(cands.keys.size)
            layer_pairs = {s: per_slot[s][rows, pick] for s in shape.base}
        outfits = []
        for n in range(cands.keys.size):
            items = {s: slots[s].ids[index[s][n]] for s in shape.base}
            pairs = {p: float(v[n]) for p, v in pair_values.items()}
            if chosen[n] >= 0:
                items[OUTERWEAR] = slots[OUTERWEAR].ids[chosen[n]]
                pairs.update({(s, OUTERWEAR): float(layer_pairs[s][n]) for s in shape.base})
            ordered = {s: items[s] for s in RANK_SLOTS if s in items}
            outfits.append(RankedOutfit(ordered, float(score[n]), pairs))
        return outfits

    # -- diverse top K -------------------------------------------------------------------

    def _diverse(
        self, slots: dict[str, _Slot], layer: str, k: int, diversity: float
    ) -> list[RankedOutfit]:
        anchor_ids = {s.ids[0] for s in slots.values() if s.anchored}
        total = _count_bases(slots, layer)
        depth = max(4 * k, k + 20)
        while True:
            ranked = self._exact(slots, layer, min(depth, max(total, 1)))
            picked = _greedy_diverse(ranked, k, diversity, anchor_ids)
            if len(picked) == k or depth >= total:
                return picked
            depth *= 4


def _greedy_diverse(
    ranked: list[RankedOutfit], k: int, diversity: float, anchor_ids: set[str]
) -> list[RankedOutfit]:
    """MMR-style picks: feasible = shares at most one non-anchor item with every earlier pick."""
    free = [frozenset(o.items.values()) - anchor_ids for o in ranked]
    picked: list[int] = []
    remaining = list(range(len(ranked)))
    while remaining and len(picked) < k:
        best, best_value = -1, -np.inf
        still = []
        for n in remaining:
            shared = max((len(free[n] & free[p]) for p in picked), default=0)
            if shared > 1:
                continue  # can never become feasible again: picks only accumulate
            still.append(n)
            value = ranked[n].score - diversity * shared
            if value > best_value:
                best, best_value = n, value
        if best < 0:
            break
        picked.append(best)
        remaining = [n for n in still if n != best]
    return [ranked[n] for n in picked]


def _count_bases(slots: dict[str, _Slot], layer: str) -> int:
    """How many outfits exist (each base once), to know when a candidate list is complete."""
    sep = int(np.prod([slots[s].size for s in SEPARATES]))
    one = int(np.prod([slots[s].size for s in ONEPIECE_BASE]))
    if layer == "always" and slots[OUTERWEAR].size == 0:
        return 0
    return sep + one


def _as_matrix(slot: str, what: str, x: object, rows: int) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float32)
    if rows == 1 and arr.ndim == 1:
        arr = arr[None, :]
    if rows == 0 and arr.size == 0:
        return arr.reshape(0, arr.shape[-1] if arr.ndim == 2 else 0)
    if arr.ndim != 2 or arr.shape[0] != rows:
        raise ValueError(f"{what} for slot {slot!r}: expected {rows} embedding row(s), "
                         f"got an array of shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} for slot {slot!r}: embeddings contain NaN or infinity")
    return np.ascontiguousarray(arr)


def _prepare(
    anchors: Mapping[str, tuple[str, np.ndarray]],
    pool: Mapping[str, tuple[list[str], np.ndarray]],
    exclude: frozenset[str],
    with_outerwear: bool | None,
) -> tuple[dict[str, _Slot], str]:
    """Validate the query and resolve every slot's candidate items and the layer mode."""
    for what, mapping in (("anchor", anchors), ("pool", pool)):
        unknown = set(mapping) - set(RANK_SLOTS)
        if unknown:
            raise ValueError(f"unknown {what} slot(s) {sorted(unknown)}; slots are {RANK_SLOTS}")
    if ONEPIECE in anchors and (TOP in anchors or BOTTOM in anchors):
        raise ValueError("a one-piece anchor cannot be combined with a top or bottom anchor")
    if OUTERWEAR in anchors and with_outerwear is False:
        raise ValueError("with_outerwear=False contradicts the outerwear anchor")
    anchor_ids = [str(anchors[s][0]) for s in anchors]
    if len(set(anchor_ids)) != len(anchor_ids):
        raise ValueError(f"the same item is anchored in two slots: {anchor_ids}")
    seen: dict[str, str] = {}
    slots: dict[str, _Slot] = {}
    dims = set()
    for name in RANK_SLOTS:
        if name in anchors:
            item_id, x = anchors[name]
            arr = _as_matrix(name, "anchor", x, 1)
            slots[name] = _Slot(name, [str(item_id)], arr, fingerprint([str(item_id)], arr), True)
            dims.add(arr.shape[1])
            continue
        ids, x = pool.get(name, ([], np.zeros((0, 0), dtype=np.float32)))
        ids = [str(i) for i in ids]
        arr = _as_matrix(name, "pool", x, len(ids))
        for item_id in ids:
            if item_id in seen:
                raise ValueError(f"item {item_id!r} appears twice in the pools "
                                 f"({seen[item_id]!r} and {name!r})")
            seen[item_id] = name
        keep = [n for n, i in enumerate(ids) if i not in exclude and i not in anchor_ids]
        if len(keep) != len(ids):
            ids, arr = [ids[n] for n in keep], np.ascontiguousarray(arr[keep])
        if ids:
            dims.add(arr.shape[1])
        slots[name] = _Slot(name, ids, arr, fingerprint(ids, arr), False)
    if len(dims) > 1:
        raise ValueError(f"anchors and pools disagree on the embedding size: {sorted(dims)}")
    if ONEPIECE in anchors:
        for name in (TOP, BOTTOM):
            slots[name] = _Slot(name, [], slots[name].x[:0], fingerprint([], slots[name].x[:0]),
                                False)
    if TOP in anchors or BOTTOM in anchors:
        empty = slots[ONEPIECE].x[:0]
        slots[ONEPIECE] = _Slot(ONEPIECE, [], empty, fingerprint([], empty), False)
    for slot in slots.values():
        slot.partners = tuple(n for n, other in slots.items() if n != slot.name and other.size)
    if OUTERWEAR in anchors or with_outerwear is True:
        layer = "always"
    elif with_outerwear is False:
        layer = "never"
    else:
        layer = "optional"
    return slots, layer
