"""Training batches and the seed's "modified outfits", drawn on the fly.

A modified outfit copies a true outfit and replaces `n_swap` random present slots with the same
slot's item (same category) from random other outfits. It is never equal to the true outfit:
a donor holding the very same vector is redrawn, and a copy that ends up unchanged is flagged
invalid so losses skip it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from models.compat import CompatNet
from models.data import OutfitSet

MAX_REDRAWS = 10


@dataclass
class Batch:
    """Outfits as tensors: x (B, K, D) float, mask (B, K) bool, cat (B, K) category ids."""

    x: torch.Tensor
    mask: torch.Tensor
    cat: torch.Tensor
    valid: torch.Tensor | None = None  # (B,) for modified outfits: actually differs from the original
    # (B, K): 1 / how many training outfits hold this very item (1 for a one-off or absent item)
    rarity: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.x.shape[0])


def item_rarity(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(N, K) 1 / count of each present item (the identical vector) over all outfits; absent: 1.
    An item worn in many outfits (a staple) says little about any one of them."""
    rarity = torch.ones(mask.shape, dtype=x.dtype)
    if mask.any():
        _, inverse, counts = torch.unique(x[mask], dim=0, return_inverse=True, return_counts=True)
        rarity[mask] = 1.0 / counts[inverse].to(x.dtype)
    return rarity


class OutfitSampler:
    """Holds a training set as tensors; yields shuffled batches and their modified copies."""

    def __init__(self, data: OutfitSet, net: CompatNet) -> None:
        self.x = torch.from_numpy(data.vectors.astype("float32"))
        self.mask = torch.from_numpy(data.mask)
        self.cat = net.category_ids(data.category_grid())
        # donor pools: (slot, category id) -> outfits holding such an item
        self.pools: dict[tuple[int, int], torch.Tensor] = {}
        for k in range(self.mask.shape[1]):
            for c in torch.unique(self.cat[self.mask[:, k], k]).tolist():
                self.pools[(k, c)] = torch.nonzero(self.mask[:, k] & (self.cat[:, k] == c)).flatten()
        self.rarity = item_rarity(self.x, self.mask)
        hard = data.hard_negatives
        self.hard = None
        if hard is not None and len(hard):
            self.hard = Batch(
                torch.from_numpy(hard.vectors.astype("float32")),
                torch.from_numpy(hard.mask),
                net.category_ids(hard.category_grid()),
            )

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def epoch_batches(self, batch_size: int, gen: torch.Generator) -> list[torch.Tensor]:
        """Shuffled index batches; a last batch of one outfit is dropped (no in-batch negative)."""
        order = torch.randperm(len(self), generator=gen)
        return [b for b in order.split(batch_size) if b.numel() >= 2]

    def batch(self, idx: torch.Tensor) -> Batch:
        return Batch(self.x[idx], self.mask[idx], self.cat[idx], rarity=self.rarity[idx])

    def modified(self, idx: torch.Tensor, n_swap: int, gen: torch.Generator) -> Batch:
        """Copies of outfits `idx` with `n_swap` random present slots taken from other outfits."""
        x, mask, cat = self.x[idx].clone(), self.mask[idx], self.cat[idx]
        keys = torch.rand(mask.shape, generator=gen).masked_fill(~mask, 2.0)
        swap = (keys.argsort(1).argsort(1) < n_swap) & mask
        for (k, c), pool in self.pools.items():
            rows = torch.nonzero(swap[:, k] & (cat[:, k] == c)).flatten()
            for _ in range(MAX_REDRAWS):
                if rows.numel() == 0 or pool.numel() < 2:
                    break
                donors = pool[torch.randint(pool.numel(), (rows.numel(),), generator=gen)]
                same = (self.x[donors, k] == x[rows, k]).all(1)
                x[rows[~same], k] = self.x[donors[~same], k]
                rows = rows[same]
        valid = (x != self.x[idx]).any(2).any(1)
        return Batch(x, mask, cat, valid)

    def hard_batch(self, size: int, gen: torch.Generator) -> Batch | None:
        """A random batch of known-bad outfits (disliked suggestions), if there are any."""
        if self.hard is None:
            return None
        pick = torch.randint(self.hard.x.shape[0], (size,), generator=gen)
        return Batch(self.hard.x[pick], self.hard.mask[pick], self.hard.cat[pick])
