"""Outfit data sets: the one in-memory form every data source is turned into."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class OutfitSet:
    """Outfits as item embeddings by slot.

    vectors (N, K, D) float32; mask (N, K) bool, True where the slot holds an item;
    categories (K,) naming each slot, or (N, K) per outfit (a one-piece sits in the "top" slot
    with category "onepiece"). `hard_negatives` are outfits known to be bad (disliked
    suggestions), in the same layout.
    """

    vectors: np.ndarray
    mask: np.ndarray
    categories: np.ndarray
    hard_negatives: OutfitSet | None = None

    def __len__(self) -> int:
        return int(self.vectors.shape[0])
