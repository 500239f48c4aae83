"""The outfit-compatibility model interface shared by training, evaluation and ranking.

A model maps each item embedding into a latent space (optionally depending on the category of
the item it is paired with). The score of an outfit is the mean pairwise cosine similarity of its
present items in that space. Because the score decomposes into pairs, the ranker can search every
combination exactly with matrix products instead of one model call per outfit.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from itertools import combinations

import numpy as np

# Slot order used by data files, training and the ranker. A one-piece fills the top and bottom
# slots of an outfit: it is stored in the "top" slot, its category "onepiece", with "bottom" absent.
SLOTS: tuple[str, ...] = ("top", "bottom", "shoes", "outerwear")
ONEPIECE = "onepiece"


def l2_normalise(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), eps)


class CompatModel(ABC):
    """Anything that can project items of a category into the shared latent space."""

    name: str = "model"

    @property
    @abstractmethod
    def version(self) -> str:
        """Changes whenever the weights change; the ranker caches projections under it."""

    @abstractmethod
    def project(self, category: str, x: np.ndarray, partner: str | None = None) -> np.ndarray:
        """(n, D) item embeddings of one category -> (n, d) L2-normalised float32 latents.

        `partner` is the category of the other item of the pair being scored; models with one
        shared space ignore it, type-aware models use it to pick the pair's subspace.
        """

    def pair_similarity(
        self, cat_a: str, xa: np.ndarray, cat_b: str, xb: np.ndarray
    ) -> np.ndarray:
        """(na, nb) cosine similarities between items of two categories."""
        return self.project(cat_a, xa, cat_b) @ self.project(cat_b, xb, cat_a).T

    def score(
        self, vectors: np.ndarray, mask: np.ndarray, categories: Sequence[Sequence[str]] | Sequence[str]
    ) -> np.ndarray:
        """Mean pairwise similarity of present items for a batch of outfits.

        vectors (N, K, D), mask (N, K) bool, categories either (K,) shared by all outfits or
        (N, K) per outfit (so a one-piece in the top slot can say so). Outfits with fewer than
        two present items score NaN.
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        mask = np.asarray(mask, dtype=bool)
        n, k, _ = vectors.shape
        cats = np.asarray(categories, dtype=object)
        if cats.ndim == 1:
            cats = np.broadcast_to(cats, (n, k))
        total = np.zeros(n, dtype=np.float64)
        count = np.zeros(n, dtype=np.int64)
        for i, j in combinations(range(k), 2):
            both = mask[:, i] & mask[:, j]
            for ci, cj in {(cats[r, i], cats[r, j]) for r in np.flatnonzero(both)}:
                rows = np.flatnonzero(both & (cats[:, i] == ci) & (cats[:, j] == cj))
                za = self.project(ci, vectors[rows, i], cj)
                zb = self.project(cj, vectors[rows, j], ci)
                total[rows] += np.einsum("nd,nd->n", za, zb)
                count[rows] += 1
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan).astype(np.float32)


class IdentityModel(CompatModel):
    """No learned weights: the score is the mean raw FashionCLIP cosine. Used until one is trained."""

    name = "identity"

    @property
    def version(self) -> str:
        return "identity"

    def project(self, category: str, x: np.ndarray, partner: str | None = None) -> np.ndarray:
        return l2_normalise(x)


def identity() -> IdentityModel:
    return IdentityModel()
