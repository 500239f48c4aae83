"""Synthetic outfits with a planted compatibility structure that raw cosine cannot see.

Each outfit has a latent style s ~ N(0, I_m). Every category sees the style through its own
random linear map (so a top and its matching bottom point in unrelated directions of the input
space); shoes see it non-linearly (s² − 1: they only know "how extreme", not the sign). On top:
- a "photo" factor: each item was photographed under one of `n_photos` conditions, and the items
  of one outfit always under *different* ones (they were photographed separately), so raw cosine
  prefers wrong pairs that happen to share a lighting;
- a direction shared by every item and a per-category offset (as real CLIP embeddings have), which
  is what a collapsed model maps everything onto;
- isotropic noise.
The world (maps, photo directions) comes from `world_seed`; outfits from `seed`, so train and
test sets drawn with different `seed`s share one world.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from base.vocabulary import ONEPIECE, OUTFIT_SLOTS, SLOTS
from models.compat import l2_normalise
from models.data import OutfitSet

STYLED = OUTFIT_SLOTS


@dataclass(frozen=True)
class SyntheticSpec:
    dim: int = 512
    style_dim: int = 16
    style: float = 1.0  # norm scale of the style signal
    photo: float = 0.8  # norm of the photo-condition vector
    n_photos: int = 6
    common: float = 1.0  # shared direction (all items)
    category_offset: float = 0.5
    noise: float = 1.5  # norm of the isotropic noise
    p_outerwear: float = 0.5
    p_onepiece: float = 0.15


@dataclass(frozen=True)
class SyntheticWorld:
    spec: SyntheticSpec
    maps: dict[str, np.ndarray]  # category -> (dim, style_dim)
    offsets: dict[str, np.ndarray]  # category -> (dim,)
    photos: np.ndarray  # (n_photos, dim) unit vectors
    common: np.ndarray  # (dim,) unit vector


def make_world(spec: SyntheticSpec = SyntheticSpec(), world_seed: int = 0) -> SyntheticWorld:
    rng = np.random.default_rng(world_seed)
    d, m = spec.dim, spec.style_dim
    maps = {c: rng.standard_normal((d, m)) / np.sqrt(d) for c in STYLED}
    offsets = {c: l2_normalise(rng.standard_normal(d)) for c in STYLED}
    return SyntheticWorld(spec, maps, offsets, l2_normalise(rng.standard_normal((spec.n_photos, d))), l2_normalise(rng.standard_normal(d)))


def _items(world: SyntheticWorld, category: str, style: np.ndarray, photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    spec = world.spec
    # E‖map @ v‖² = ‖v‖²; s has E‖s‖² = m and s² − 1 has 2m: scale both to norm ≈ spec.style.
    nonlinear = category == "shoes"
    view = style**2 - 1.0 if nonlinear else style
    signal = view @ world.maps[category].T * (spec.style / np.sqrt(spec.style_dim * (2 if nonlinear else 1)))
    noise = rng.standard_normal((style.shape[0], spec.dim)) * (spec.noise / np.sqrt(spec.dim))
    x = signal + spec.photo * world.photos[photo] + spec.common * world.common
    x += spec.category_offset * world.offsets[category] + noise
    return l2_normalise(x)


def synthetic_outfits(n: int, world: SyntheticWorld, seed: int = 0) -> OutfitSet:
    """`n` outfits (slots top, bottom, shoes, outerwear; some one-pieces) of `world`."""
    spec = world.spec
    rng = np.random.default_rng(seed)
    style = rng.standard_normal((n, spec.style_dim))
    # distinct photo conditions for the items of one outfit
    photos = np.argsort(rng.random((n, spec.n_photos)), axis=1)[:, : len(SLOTS)]
    onepiece = rng.random(n) < spec.p_onepiece
    mask = np.ones((n, len(SLOTS)), dtype=bool)
    mask[:, 1] = ~onepiece
    mask[:, 3] = rng.random(n) < spec.p_outerwear
    cats = np.tile(np.asarray(SLOTS, dtype=object), (n, 1))
    cats[onepiece, 0] = ONEPIECE
    x = np.zeros((n, len(SLOTS), spec.dim), dtype=np.float32)
    for k, slot in enumerate(SLOTS):
        for category in (slot, ONEPIECE) if slot == "top" else (slot,):
            rows = np.flatnonzero(mask[:, k] & (cats[:, k] == category))
            if rows.size:
                x[rows, k] = _items(world, category, style[rows], photos[rows, k], rng)
    return OutfitSet(x, mask, cats)
