"""Exact top-K search over outfits whose score is a sum of pairwise similarities.

Why a search of its own: an outfit's score decomposes into pairs, so every pair block is one
matrix product, but the number of outfits is the product of the slot sizes (10^9 and more), and
"best optional layer per outfit" is a max-plus product that no BLAS call computes. This module
enumerates block-wise and prunes with upper bounds, so memory stays bounded and most of the
outfits are never touched, while the answer stays exact.

The problem has three base slots A, B, C (a fourth, optional, layer slot O):

    base(i, j, l) = ab[i, j] + ac[i, l] + bc[j, l]
    layer(i, j, l) = max_o ao[i, o] + bo[j, o] + co[l, o]
    key = base / base_pairs                         (layer "never")
        = (base + layer) / full_pairs               (layer "always")
        = max(base / base_pairs, (base + layer) / full_pairs)   (layer "optional")

A two-slot outfit (one-piece + shoes) is the same problem with a one-item dummy slot A whose
pair terms are all zero. Keys are float32 and therefore only accurate to ~1e-6: the search
returns every outfit whose key is within `2 * eps` of the K-th best, a superset that the caller
re-scores in float64 (see core/ranking/ranker.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LAYER_MODES = ("never", "always", "optional")
BLOCK_ELEMENTS = 1 << 20  # outfits scored per block: bounds memory to a few tens of MB
KEY_EPS = 1e-5  # float32 key error is ~1e-6; candidates within 2*eps of the K-th best are kept


@dataclass
class TripleProblem:
    """Pair-similarity blocks of one outfit shape (see the module docstring)."""

    ab: np.ndarray  # (nA, nB) float32
    ac: np.ndarray  # (nA, nC)
    bc_rows: Callable[[np.ndarray], np.ndarray]  # B row indices -> (len, nC) block of bc
    n_c: int
    base_pairs: int
    full_pairs: int
    layer: str = "never"
    ao: np.ndarray | None = None  # (nA, nO), needed unless layer == "never"
    bo: np.ndarray | None = None  # (nB, nO)
    co: np.ndarray | None = None  # (nC, nO)
    bc_row_max: np.ndarray | None = None  # (nB,) when bc is precomputed: sharper bounds

    @property
    def n_a(self) -> int:
        return int(self.ab.shape[0])

    @property
    def n_b(self) -> int:
        return int(self.ab.shape[1])

    def combine(self, base: np.ndarray, layer: np.ndarray | float) -> np.ndarray:
        """Key from base sum and best layer addition (monotone in both: works on bounds too)."""
        if self.layer == "never":
            return base / self.base_pairs
        with_layer = (base + layer) / self.full_pairs
        if self.layer == "always":
            return with_layer
        return np.maximum(base / self.base_pairs, with_layer)


@dataclass
class Candidates:
    """Outfits (i, j, l) whose float32 key may place them in the top K."""

    keys: np.ndarray
    i: np.ndarray
    j: np.ndarray
    l: np.ndarray  # noqa: E741 - the third slot's index, named like the others

    @classmethod
    def empty(cls) -> Candidates:
        e = np.empty(0, dtype=np.int64)
        return cls(np.empty(0, dtype=np.float32), e, e.copy(), e.copy())

    def above(self, threshold: float) -> Candidates:
        keep = self.keys >= threshold
        return Candidates(self.keys[keep], self.i[keep], self.j[keep], self.l[keep])


@dataclass
class SearchStats:
    """How much of the outfit space one search touched (bounds skip the rest)."""

    outfits: int = 0  # bases in the problem
    bases_scored: int = 0  # base sums computed (blocks not skipped by their bound)
    layers_scored: int = 0  # bases whose best layer was computed (each costs n_layers adds)


class _Threshold:
    """The K-th best known lower bound of distinct outfits: anything below it minus 2*eps is out."""

    def __init__(self, k: int, floor: float) -> None:
        self.k = k
        self.floor = floor
        self.best = np.empty(0, dtype=np.float32)

    def value(self, block: np.ndarray | None = None) -> float:
        pool = self.best if block is None else np.concatenate([self.best, block.ravel()])
        pool = pool[np.isfinite(pool)]
        if pool.size < self.k:
            return self.floor
        kth = float(np.partition(pool, pool.size - self.k)[pool.size - self.k])
        return max(self.floor, kth)

    def absorb(self, block: np.ndarray) -> None:
        pool = np.concatenate([self.best, block.ravel()])
        pool = pool[np.isfinite(pool)]
        if pool.size > self.k:
            pool = np.partition(pool, pool.size - self.k)[pool.size - self.k :]
        self.best = pool


def search_top(
    problem: TripleProblem, k: int, floor: float = -np.inf, stats: SearchStats | None = None
) -> tuple[Candidates, float]:
    """Every outfit that may be in the top k, and the final threshold (a lower bound on the K-th key).

    `floor` is a known lower bound on the K-th best key (e.g. from another outfit shape), so
    shapes searched later prune against shapes searched earlier.
    """
    stats = stats if stats is not None else SearchStats()
    stats.outfits += problem.n_a * problem.n_b * problem.n_c
    if problem.layer not in LAYER_MODES:
        raise ValueError(f"layer must be one of {LAYER_MODES}, got {problem.layer!r}")
    p = problem
    if k <= 0 or p.n_a == 0 or p.n_b == 0 or p.n_c == 0:
        return Candidates.empty(), floor
    layered = p.layer != "never"
    if layered and (p.ao is None or p.bo is None or p.co is None or p.ao.shape[1] == 0):
        if p.layer == "always":
            return Candidates.empty(), floor  # a layer is required and there is none
        layered = False
        p = TripleProblem(p.ab, p.ac, p.bc_rows, p.n_c, p.base_pairs, p.full_pairs, "never",
                          bc_row_max=p.bc_row_max)
    thr = _Threshold(k, floor)
    found: list[Candidates] = []

    # Outer loop over slot A, best upper bound first, so the threshold rises early.
    bc_max = float(p.bc_row_max.max()) if p.bc_row_max is not None else np.inf
    base_ub_a = p.ab.max(axis=1) + p.ac.max(axis=1) + bc_max
    if layered:
        m_b, m_c = p.bo.max(axis=0), p.co.max(axis=0)
        layer_ub_a = (p.ao + m_b + m_c).max(axis=1)
        ub_a = p.combine(base_ub_a, layer_ub_a)
    else:
        ub_a = p.combine(base_ub_a, 0.0)
    rows_per_block = max(1, min(p.n_b, BLOCK_ELEMENTS // max(p.n_c, 1)))

    for i in np.argsort(-ub_a, kind="stable"):
        if ub_a[i] < thr.value() - 2 * KEY_EPS:
            break
        row_order = np.arange(p.n_b)
        if p.n_b > rows_per_block and p.bc_row_max is not None:
            row_order = np.argsort(-(p.ab[i] + p.bc_row_max), kind="stable")
        for start in range(0, p.n_b, rows_per_block):
            rows = row_order[start : start + rows_per_block]
            if p.bc_row_max is not None:
                row_ub = p.ab[i, rows] + p.ac[i].max() + p.bc_row_max[rows]
                block_ub = p.combine(row_ub.max(), layer_ub_a[i] if layered else 0.0)
                if block_ub < thr.value() - 2 * KEY_EPS:
                    continue
            base = np.add(p.bc_rows(rows), p.ab[i, rows][:, None])  # a fresh array: in place below
            base += p.ac[i][None, :]
            stats.bases_scored += base.size
            if layered:
                block = _layered_block(p, i, rows, base, thr, stats)
            else:
                keys = np.multiply(base, np.float32(1.0 / p.base_pairs), out=base)
                top = _top_values(keys, thr.k)
                cut = thr.value(top) - 2 * KEY_EPS
                r, c = np.nonzero(keys >= cut)
                block = Candidates(keys[r, c], np.full(r.size, i), rows[r], c)
                thr.absorb(top)
            if block.keys.size:
                found.append(block)
    final = thr.value()
    if not found:
        return Candidates.empty(), final
    merged = Candidates(*(np.concatenate(parts) for parts in zip(
        *((c.keys, c.i, c.j, c.l) for c in found), strict=True)))
    return merged.above(final - 2 * KEY_EPS), final


def _top_values(keys: np.ndarray, k: int) -> np.ndarray:
    """The k largest values of a block (row maxima first: their K-th best bounds the rest)."""
    flat = keys.ravel()
    if flat.size <= k:
        return flat
    if keys.ndim == 2 and keys.shape[0] >= k and keys.shape[1] > 1:
        row_max = keys.max(axis=1)
        floor = np.partition(row_max, row_max.size - k)[row_max.size - k]
        flat = keys[keys >= floor]  # at least k values: the k best rows each hold one
    return np.partition(flat, flat.size - k)[flat.size - k :]


def _layered_block(
    p: TripleProblem, i: int, rows: np.ndarray, base: np.ndarray, thr: _Threshold,
    stats: SearchStats,
) -> Candidates:
    """Exact keys for the outfits of one block whose upper bound can still reach the top K.

    The best layer of outfit (i, j, l) is bounded by the best layer for row j against the best
    C item per layer, and by the best layer for column l against the best B item of the block;
    outfits are then evaluated in decreasing bound order and evaluation stops as soon as the
    bound falls below the rising threshold.
    """
    ao_i = p.ao[i]
    row_layer = ao_i[None, :] + p.bo[rows]  # (R, nO): A and B contributions per layer item
    m_c = p.co.max(axis=0)
    m_b = p.bo[rows].max(axis=0)
    ub_layer = np.minimum(
        (row_layer + m_c).max(axis=1)[:, None], (ao_i + m_b + p.co).max(axis=1)[None, :]
    )
    ub = p.combine(base, ub_layer)
    exact = np.full(base.shape, -np.inf, dtype=np.float32)
    if p.layer == "optional":
        values = (base / p.base_pairs).astype(np.float32)  # no layer is always allowed
    else:
        values = np.full(base.shape, -np.inf, dtype=np.float32)
    flat_ub = ub.ravel()
    todo = np.flatnonzero(flat_ub >= thr.value(values) - 2 * KEY_EPS)
    todo = todo[np.argsort(-flat_ub[todo], kind="stable")]
    n_o = p.co.shape[1]
    chunk = max(256, thr.k * 4)
    pos = 0
    while pos < todo.size:
        cut = thr.value(values) - 2 * KEY_EPS
        if flat_ub[todo[pos]] < cut:
            break
        step = todo[pos : pos + min(chunk, max(1, (1 << 21) // n_o))]
        pos += step.size
        stats.layers_scored += step.size
        r, c = np.divmod(step, base.shape[1])
        layer = (row_layer[r] + p.co[c]).max(axis=1)
        keys = p.combine(base[r, c], layer).astype(np.float32)
        exact[r, c] = keys
        values[r, c] = np.maximum(values[r, c], keys)
        chunk *= 2
    cut = thr.value(values) - 2 * KEY_EPS
    r, c = np.nonzero(exact >= cut)
    thr.absorb(_top_values(values, thr.k))
    return Candidates(exact[r, c], np.full(r.size, i), rows[r], c)
