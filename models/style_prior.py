"""The base's style subspace, computed when a base is trained and kept beside it in its folder.

Why: the personal layer estimates its taste direction from ~60 reactions in a 256-dimensional
latent. A generalised-ridge prior toward the directions along which a top's and a bottom's latents
co-vary when they go together (the canonical directions of their cross-covariance over the base's
*training* outfits) made that estimate steadier: preference AUC with the guard 0.690 / 0.749
against 0.614 / 0.659 for the plain ridge (README, round 4, benchmarks/personal_prior.py). The app
does not keep the training outfits, so the basis is computed at training time and stored as an
optional `style_prior.safetensors`; a model without it (saved before, the identity model, trained
on too few outfits) falls back to the plain ridge.

A bad file (unreadable, another model's, wrong shape, not orthonormal) is ignored with a logged
reason naming the file: it never changes how the model ranks, only how a personal layer over it
is estimated, so it should not cost the person their model.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from safetensors.numpy import load_file, save_file

if TYPE_CHECKING:
    from models.compat import CompatModel
    from models.data import OutfitSet

log = logging.getLogger(__name__)

STYLE_PRIOR_FILE = "style_prior.safetensors"
K = 16  # canonical directions per side (round 4: the synthetic world's style has 16 dimensions)
EPS = 0.1  # prior variance outside the basis relative to inside (round 4: 0.1 beat a hard cut, 0)
RIDGE_CCA = 0.1  # whitening ridge of each side, × its mean variance (round 4)
MIN_OUTFITS = 400  # outfits with a top and a bottom needed; round 4 measured 400 (the person's
# outfits: +0.01-0.02 preference AUC) and 3,000 (the training outfits: +0.02-0.03), nothing fewer
SIDES = ("top", "bottom")


def style_basis(model: CompatModel, data: OutfitSet, k: int = K) -> np.ndarray | None:
    """(d, ≤ 2k) orthonormal basis: the top k canonical directions of each side of the top–bottom
    cross-covariance of the model's latents over `data` (each outfit weighs the same, split over
    its top–bottom pairs); None when fewer than `MIN_OUTFITS` outfits hold both sides or the
    model does not know both categories."""
    if model.categories is not None and not set(SIDES) <= set(model.categories):
        return None
    cats = data.category_grid()
    m = np.asarray(data.mask, bool)
    tops, bottoms, weights = [], [], []
    has = [m & (cats == side) for side in SIDES]
    rows = np.flatnonzero(has[0].any(1) & has[1].any(1))
    if rows.size < MIN_OUTFITS:
        return None
    for r in rows:
        ti, bi = np.flatnonzero(has[0][r]), np.flatnonzero(has[1][r])
        for t in ti:
            for b in bi:
                tops.append((r, t))
                bottoms.append((r, b))
                weights.append(1.0 / (ti.size * bi.size))
    vectors = np.asarray(data.vectors, np.float32)
    a = np.asarray(model.project("top", vectors[tuple(np.array(tops).T)], None), np.float64)
    b = np.asarray(model.project("bottom", vectors[tuple(np.array(bottoms).T)], None), np.float64)
    w = np.asarray(weights) / rows.size
    return cca_basis(a, b, w, k)


def cca_basis(a: np.ndarray, b: np.ndarray, w: np.ndarray, k: int = K) -> np.ndarray:
    """Paired views a (n, d), b (n, d) with weights w (n,) summing to 1 -> (d, ≤ 2k) orthonormal
    basis spanning the top k canonical directions of each side (whitening ridge `RIDGE_CCA`)."""
    a = a - w @ a
    b = b - w @ b
    cross = (a * w[:, None]).T @ b

    def inv_sqrt(x: np.ndarray) -> np.ndarray:
        cov = (x * w[:, None]).T @ x
        cov += RIDGE_CCA * np.trace(cov) / len(cov) * np.eye(len(cov))
        values, vectors = np.linalg.eigh(cov)
        return (vectors / np.sqrt(values)) @ vectors.T

    ia, ib = inv_sqrt(a), inv_sqrt(b)
    u, _, vt = np.linalg.svd(ia @ cross @ ib)
    return np.linalg.qr(np.hstack([ia @ u[:, :k], ib @ vt[:k].T]))[0].astype(np.float32)


def prior_map(basis: np.ndarray, eps: float = EPS) -> np.ndarray:
    """B = P + √eps (I − P), P the projector on the basis: a ridge fitted on B z penalises
    directions outside the basis 1/eps times more."""
    basis = np.asarray(basis, np.float64)
    projector = basis @ basis.T
    return projector + np.sqrt(eps) * (np.eye(len(projector)) - projector)


def save_style_prior(folder: Path, basis: np.ndarray, version: str) -> Path:
    """Write the basis with the model version it belongs to (safetensors, no pickle)."""
    path = Path(folder) / STYLE_PRIOR_FILE
    save_file({"basis": np.ascontiguousarray(basis, np.float32)}, str(path), metadata={"version": version})
    return path


def load_style_prior(folder: Path, model: CompatModel) -> np.ndarray | None:
    """The folder's basis for `model`, or None: absent (no message), or unusable (a logged
    warning naming the file and why; the personal layer then uses the plain ridge)."""
    path = Path(folder) / STYLE_PRIOR_FILE
    if not path.exists():
        return None
    cats, dim = model.categories, model.input_dim
    latent_dim = model.project(cats[0], np.zeros((1, dim), np.float32), None).shape[1] if cats and dim else 0
    problem = _check(path, model.version, latent_dim)
    if isinstance(problem, str):
        log.warning("%s: ignored, the personal layer uses the plain ridge (%s)", path, problem)
        return None
    return problem


def _check(path: Path, version: str, latent_dim: int) -> np.ndarray | str:
    """The basis, or why it cannot be used."""
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
        basis = load_file(str(path))["basis"]
    except Exception as exc:  # safetensors raises its own error types; all mean "unusable file"
        return f"not a readable style basis ({type(exc).__name__}: {exc})"
    if meta.get("version") != version:
        return f"made for model version {meta.get('version')!r}, this model is {version!r}"
    if basis.ndim != 2 or basis.shape[0] != latent_dim or not 0 < basis.shape[1] <= latent_dim:
        return f"shape {tuple(basis.shape)} does not fit the model's latent size {latent_dim}"
    basis = basis.astype(np.float64)
    if not np.isfinite(basis).all() or not np.allclose(basis.T @ basis, np.eye(basis.shape[1]), atol=1e-3):
        return "its columns are not orthonormal"
    return basis.astype(np.float32)
