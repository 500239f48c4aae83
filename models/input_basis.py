"""Each category's principal subspace of its training items: what a tower reads (issue 11, round 15).

Item vectors carry noise in every dimension, while what the items of one outfit share lies in a few
directions per category; a net that reads all of them can pair one-off items by their private noise
(round 11 found it memorising its training outfits). Keeping each item's part in the top k principal
directions of its category's distinct training items leaves the net d − k fewer dimensions of noise to
do that with. It is computed from the training items alone (no outfit labels) and stored in the net.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.data import OutfitSet


def principal_subspace(vectors: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, d) items -> their mean (d,) and top `rank` principal directions (d, rank). Fewer distinct
    items than that give as many directions as they span; the other columns are zero (they add nothing)."""
    x = np.asarray(vectors, dtype=np.float64)
    mean = x.mean(axis=0)
    _, sv, vt = np.linalg.svd(x - mean, full_matrices=False)
    keep = min(rank, int(np.sum(sv > sv[:1].max(initial=0.0) * 1e-9)))
    basis = np.zeros((x.shape[1], rank))
    basis[:, :keep] = vt[:keep].T
    return mean.astype(np.float32), basis.astype(np.float32)


def principal_bases(data: OutfitSet, categories: Sequence[str], rank: int) -> tuple[np.ndarray, np.ndarray]:
    """Per category (in `categories` order): mean (n_cat, d) and basis (n_cat, d, rank) of its distinct
    training items (a staple in many outfits counts once). A category with too few items to fill `rank`
    directions (none at all, or a handful in a small wardrobe) gets those of all the items together."""
    grid = data.category_grid()
    distinct = {c: np.unique(data.vectors[(grid == c) & data.mask], axis=0) for c in categories}
    pooled = principal_subspace(np.concatenate([v for v in distinct.values() if len(v)]), rank)
    means, bases = zip(*(principal_subspace(v, rank) if len(v) > rank else pooled
                         for v in distinct.values()), strict=True)
    return np.stack(means), np.stack(bases)
