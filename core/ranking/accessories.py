"""Accessories as optional pieces of an outfit: a bag and one accessory, like the outerwear layer.

Why a module of its own: the exact search (core/ranking/search.py) knows one optional layer slot.
Every combination of extras that holds an accessory ({bag}, {accessory}, {bag, accessory}, each
with or without outerwear) becomes one more search whose layer is a virtual slot `Combined`: one
virtual item per choice of one piece from each extras slot, its similarity to a base item the sum
over those pieces, and the pairs among the pieces added once (to the search's C slot). The score
stays the mean over every pair of the outfit, so each search is exact for its combination; a base
found by several searches keeps its best outfit (`best_per_base`). The virtual slot holds the
product of the extras pools (say 20 coats x 10 bags x 30 accessories = 6,000 items), which the
search handles at wardrobe sizes; an anchored bag or accessory is a pool of one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from base.vocabulary import ACCESSORY_SLOTS, BOTTOM, ONEPIECE, OUTERWEAR, SHOES, TOP

if TYPE_CHECKING:
    from core.ranking.search import Candidates

BASE_SLOTS: tuple[str, ...] = (TOP, BOTTOM, ONEPIECE, SHOES)
EXTRA_SLOTS: tuple[str, ...] = (OUTERWEAR, *ACCESSORY_SLOTS)  # in the ranker's slot order


class SlotLike(Protocol):
    """What this module needs of the ranker's `_Slot`."""

    name: str
    ids: list[str]
    anchored: bool

    @property
    def size(self) -> int: ...


Sims = Callable[[Any, Any], np.ndarray]  # (slot, slot) -> (n1, n2) float32 similarities
Latents = Callable[[Any, str], np.ndarray]  # (slot, partner name) -> (n, d) float32 latents
Outfit = tuple[dict[str, str], float, dict[tuple[str, str], float]]  # items, score, pair scores


def required(slots: dict[str, Any]) -> bool:
    """An anchored bag or accessory: outfits without it are not allowed."""
    return any(slots[s].anchored for s in ACCESSORY_SLOTS)


def combinations_of(slots: dict[str, Any], layer: str) -> list[tuple[str, ...]]:
    """Every allowed set of extras holding at least one accessory slot, in slot order.

    `layer` is the ranker's outerwear mode ("never", "always", "optional"); empty pools are
    left out, anchored accessory slots are in every set.
    """
    present = [s for s in ACCESSORY_SLOTS if slots[s].size]
    must = {s for s in ACCESSORY_SLOTS if slots[s].anchored}
    outer = {"never": (False,), "always": (True,), "optional": (False, True)}[layer]
    found = []
    for r in range(1, len(present) + 1):
        for chosen in combinations(present, r):
            if not must <= set(chosen):
                continue
            for with_outer in outer:
                if with_outer and slots[OUTERWEAR].size == 0:
                    continue
                found.append(((OUTERWEAR,) if with_outer else ()) + chosen)
    return found


class Combined:
    """The virtual layer slot of one extras combination (see the module docstring)."""

    def __init__(self, sims: Sims, slots: dict[str, Any], extras: tuple[str, ...]) -> None:
        self.parts = [slots[e] for e in extras]
        self.shape = tuple(p.size for p in self.parts)
        self.size = int(np.prod(self.shape))
        self._sims = sims
        intra = np.zeros(self.shape, dtype=np.float32)
        for p, q in combinations(range(len(self.parts)), 2):
            intra = intra + self._spread(sims(self.parts[p], self.parts[q]), (p, q))
        self.intra = intra.reshape(-1)

    def _spread(self, block: np.ndarray, axes: tuple[int, ...], lead: int | None = None) -> np.ndarray:
        """A block over some extras axes, shaped to broadcast against the full product."""
        shape = [1] * len(self.shape)
        for axis, n in zip(axes, block.shape[-len(axes):], strict=True):
            shape[axis] = n
        return block.reshape(([] if lead is None else [lead]) + shape)

    def sims(self, slot: Any, last: bool = False) -> np.ndarray:
        """(n, size) float32: a base item against every virtual item; `last` adds the pairs
        among the pieces (for the search's C slot, so each outfit counts them once)."""
        total = np.zeros((slot.size, *self.shape), dtype=np.float32)
        for p, part in enumerate(self.parts):
            total = total + self._spread(self._sims(slot, part), (p,), slot.size)
        out = total.reshape(slot.size, self.size)
        return out + self.intra[None, :] if last else out


def rescore(latents: Latents, slots: dict[str, Any], order: Sequence[str | None],
            base: tuple[str, ...], extras: tuple[str, ...], full_pairs: int,
            cands: Candidates, decimals: int) -> list[Outfit]:
    """Exact float64 scores of candidate bases with their best choice of extras.

    Pair similarities are rounded to `decimals` like the ranker's; among equal scores the
    smaller ids in slot order win.
    """
    n = cands.keys.size
    if n == 0:
        return []
    index = {name: idx for name, idx in zip(order, (cands.i, cands.j, cands.l), strict=True)
             if name is not None}

    def pair(s1: str, rows1: np.ndarray | None, s2: str,
             rows2: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        z1 = latents(slots[s1], s2).astype(np.float64)
        z2 = latents(slots[s2], s1).astype(np.float64)
        z1 = z1 if rows1 is None else z1[rows1]
        z2 = z2 if rows2 is None else z2[rows2]
        return z1, z2

    values: dict[tuple[str, str], np.ndarray] = {}
    for s1, s2 in combinations(base, 2):
        z1, z2 = pair(s1, index[s1], s2, index[s2])
        values[(s1, s2)] = np.round(np.einsum("nd,nd->n", z1, z2), decimals)
    base_sum = sum(values.values(), np.zeros(n))
    parts = [slots[e] for e in extras]
    shape = tuple(p.size for p in parts)
    total = np.zeros((n, *shape))
    extra_values: dict[tuple[str, str], np.ndarray] = {}
    for s in base:  # (n, n_e) per extras slot, from the distinct candidate items only
        uniq, inv = np.unique(index[s], return_inverse=True)
        for p, e in enumerate(extras):
            z1, z2 = pair(s, uniq, e, None)
            block = np.round(z1 @ z2.T, decimals)[inv]
            extra_values[(s, e)] = block
            total = total + block.reshape([n] + [shape[q] if q == p else 1
                                                 for q in range(len(shape))])
    for p, q in combinations(range(len(extras)), 2):
        z1, z2 = pair(extras[p], None, extras[q], None)
        block = np.round(z1 @ z2.T, decimals)
        extra_values[(extras[p], extras[q])] = block
        total = total + block.reshape([1] + [shape[r] if r in (p, q) else 1
                                             for r in range(len(shape))])
    flat = total.reshape(n, -1)
    best = flat.max(axis=1)
    tie_rank = _id_rank(parts)
    pick = np.argmin(np.where(flat == best[:, None], tie_rank[None, :], np.iinfo(np.int64).max),
                     axis=1)
    chosen = np.unravel_index(pick, shape)
    score = (base_sum + best) / full_pairs
    outfits: list[Outfit] = []
    for r in range(n):
        items = {s: slots[s].ids[index[s][r]] for s in base}
        pairs = {k: float(v[r]) for k, v in values.items()}
        for p, e in enumerate(extras):
            items[e] = parts[p].ids[chosen[p][r]]
            pairs.update({(s, e): float(extra_values[(s, e)][r, chosen[p][r]]) for s in base})
        for p, q in combinations(range(len(extras)), 2):
            pairs[(extras[p], extras[q])] = float(
                extra_values[(extras[p], extras[q])][chosen[p][r], chosen[q][r]])
        outfits.append((items, float(score[r]), pairs))
    return outfits


def _id_rank(parts: Sequence[Any]) -> np.ndarray:
    """Rank of each virtual item by its pieces' ids in slot order (the tie-break)."""
    grids = np.meshgrid(*[np.asarray(p.ids, dtype=object) for p in parts], indexing="ij")
    keys = list(zip(*(g.reshape(-1) for g in grids), strict=True))
    order = sorted(range(len(keys)), key=keys.__getitem__)
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys))
    return rank


def best_per_base(outfits: Sequence[Any]) -> list[Any]:
    """One outfit per base (the clothes without extras): the best score, then fewer extras,
    then the smaller extras ids in slot order ("" where absent)."""
    best: dict[tuple[str, ...], Any] = {}
    for outfit in outfits:
        key = tuple(outfit.items.get(s, "") for s in BASE_SLOTS)
        if key not in best or _preference(outfit) < _preference(best[key]):
            best[key] = outfit
    return list(best.values())


def _preference(outfit: Any) -> tuple[float, int, tuple[str, ...]]:
    extras = tuple(outfit.items.get(s, "") for s in EXTRA_SLOTS)
    return -outfit.score, sum(1 for e in extras if e), extras
