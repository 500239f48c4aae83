"""Outfit data sets: the one in-memory form every data source is turned into, and its loaders.

A data path may name an `.npz`, the seed's `.json` or a Polyvore Outfits folder (the person's
own wardrobe is a source the app adds: core/learning/sources.py). Every loader checks what it reads and raises `DataError` with a message
naming the file and the reason, so the command line can print it and exit non-zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from base.vocabulary import CATEGORIES, SLOTS

if TYPE_CHECKING:
    from models.polyvore import ItemEmbedder

SEED_SLOTS: tuple[str, ...] = ("top", "bottom", "shoes")


def category_grid(categories: object, shape: tuple[int, ...]) -> np.ndarray:
    """Categories as an (N, K) array: given either (K,), shared by all outfits, or (N, K), per
    outfit (a one-piece in the top slot says so). A read-only view, never a copy."""
    return np.broadcast_to(np.asarray(categories, dtype=object), shape)


class DataError(ValueError):
    """Unusable training or evaluation data; the message names the source and the reason."""


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

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[2])

    def category_grid(self) -> np.ndarray:
        """Categories as (N, K), whatever form they were given in."""
        return category_grid(self.categories, self.mask.shape)

    def subset(self, index: np.ndarray) -> OutfitSet:
        cats = np.asarray(self.categories, dtype=object)
        return OutfitSet(
            vectors=self.vectors[index],
            mask=self.mask[index],
            categories=cats if cats.ndim == 1 else cats[index],
            hard_negatives=self.hard_negatives,
        )


def split_outfits(data: OutfitSet, val_fraction: float, seed: int) -> tuple[OutfitSet, OutfitSet | None]:
    """Random train/validation split; hard negatives stay with the training part."""
    n_val = round(len(data) * val_fraction)
    if n_val == 0:
        return data, None
    if len(data) - n_val < 2:
        raise DataError(f"{len(data)} outfits are too few to hold out {n_val} for validation")
    order = np.random.default_rng(seed).permutation(len(data))
    val = data.subset(np.sort(order[:n_val]))
    val.hard_negatives = None
    return data.subset(np.sort(order[n_val:])), val


def validate_outfits(data: OutfitSet, source: str) -> OutfitSet:
    """Check shapes, values and categories; returns a normalised copy (float32, bool, object)."""
    vectors = np.asarray(data.vectors)
    if vectors.ndim != 3 or vectors.shape[0] == 0 or vectors.shape[1] < 2 or vectors.shape[2] == 0:
        raise DataError(f"{source}: vectors must have shape (N, K, D) with N >= 1 and K >= 2, got {vectors.shape}")
    if not np.issubdtype(vectors.dtype, np.number):
        raise DataError(f"{source}: vectors must be numbers, got dtype {vectors.dtype}")
    vectors = vectors.astype(np.float32)
    mask = np.asarray(data.mask)
    if mask.shape != vectors.shape[:2]:
        raise DataError(f"{source}: mask must have shape {vectors.shape[:2]}, got {mask.shape}")
    mask = mask.astype(bool)
    if not np.isfinite(vectors[mask]).all():
        raise DataError(f"{source}: vectors contain NaN or infinite values")
    cats = np.asarray(data.categories).astype(str).astype(object)
    if cats.shape not in {(vectors.shape[1],), vectors.shape[:2]}:
        raise DataError(f"{source}: categories must have shape (K,) or (N, K), got {cats.shape}")
    unknown = sorted(set(cats.ravel().tolist()) - set(CATEGORIES))
    if unknown:
        raise DataError(f"{source}: unknown categories {unknown}; known: {', '.join(CATEGORIES)}")
    if (mask.sum(1) < 2).all():
        raise DataError(f"{source}: no outfit has two or more items")
    return OutfitSet(vectors, mask, cats, data.hard_negatives)


def load_npz(path: str | Path) -> OutfitSet:
    """`.npz` with `vectors` (N, K, D), optional `mask` (N, K) and `categories` (K,) or (N, K).

    An optional `rating` (+1 liked / -1 disliked per outfit): -1 outfits become hard negatives.
    """
    data, rating = load_rated_npz(path)
    if rating is None or (rating > 0).all():
        return data
    if not (rating > 0).any():
        raise DataError(f"{path}: every outfit has rating -1; training needs liked outfits too")
    positives = validate_outfits(data.subset(np.flatnonzero(rating > 0)), str(path))
    hard = data.subset(np.flatnonzero(rating < 0))
    hard.hard_negatives = None
    positives.hard_negatives = hard
    return positives


def load_rated_npz(path: str | Path) -> tuple[OutfitSet, np.ndarray | None]:
    """Every outfit of an `.npz` and its optional `rating` array (None when absent)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"{path}: not a readable .npz without pickled objects ({exc})") from None
    if "vectors" not in arrays:
        raise DataError(f"{path}: missing array 'vectors' (has: {', '.join(arrays) or 'nothing'})")
    vectors = arrays["vectors"]
    if vectors.ndim != 3:
        raise DataError(f"{path}: vectors must have shape (N, K, D), got {vectors.shape}")
    mask = arrays.get("mask", np.ones(vectors.shape[:2], dtype=bool))
    if "categories" in arrays:
        cats = arrays["categories"]
    elif vectors.shape[1] <= len(SLOTS):
        cats = np.asarray(SLOTS[: vectors.shape[1]])
    else:
        raise DataError(f"{path}: missing array 'categories' naming the {vectors.shape[1]} slots")
    data = validate_outfits(OutfitSet(vectors, mask, cats), str(path))
    if "rating" not in arrays:
        return data, None
    rating = np.asarray(arrays["rating"])
    if rating.shape != (len(data),) or not np.isin(rating, (1, -1)).all():
        raise DataError(f"{path}: 'rating' must hold +1 or -1 for each of the {len(data)} outfits "
                        f"(got shape {rating.shape})")
    return data, rating.astype(np.int64)


def load_seed_json(path: str | Path) -> OutfitSet:
    """The seed's own format: `{id: [[top], [bottom], [shoes]]}`."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(raw, dict) or not raw:
        raise DataError(f"{path}: expected a non-empty object {{id: [[top], [bottom], [shoes]]}}")
    for key, value in raw.items():
        if not (isinstance(value, list) and len(value) == len(SEED_SLOTS)):
            raise DataError(f"{path}: outfit {key!r} must be a list of 3 vectors (top, bottom, shoes)")
    try:
        vectors = np.asarray(list(raw.values()), dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{path}: vectors must be equal-length lists of numbers ({exc})") from None
    mask = np.ones(vectors.shape[:2], dtype=bool)
    return validate_outfits(OutfitSet(vectors, mask, np.asarray(SEED_SLOTS)), str(path))


def load_outfits(
    spec: str | Path, split: str = "train", embedder: ItemEmbedder | None = None
) -> OutfitSet:
    """Dispatch on a data path: a Polyvore folder (its `split`, embedded by `embedder`), `.npz`
    or the seed's `.json`. (A wardrobe is a source of the app's: core/learning/sources.py.)"""
    path = Path(spec).expanduser()
    if path.is_dir():
        from models.polyvore import PolyvoreFolder

        if embedder is None:
            raise DataError(f"{path}: a Polyvore folder needs an encoder for its item images")
        return PolyvoreFolder(path).outfits(split, embedder)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.suffix == ".npz":
        return load_npz(path)
    if path.suffix == ".json":
        return load_seed_json(path)
    raise DataError(f"{path}: unsupported data ({path.suffix or 'no suffix'}); use .npz, .json, a Polyvore folder or 'wardrobe'")
