"""Style features of the raw item vector: per-category linear maps into one shared space.

Why: the personal layer's per-item preference was read from the base's compatibility latent z,
which keeps only part of the style (the best direction in z ranks held-out preferences at 0.833,
the true taste through the same form at 0.878-0.900; README, round 5). The preference may be
computed from anything about the item, so it can be read from the raw item vector x instead:
f_c(x) = A_cᵀ (x − mean_c), with the maps A_c (input_dim × k) from a multi-set (generalised,
MAXVAR) CCA of the raw vectors across the categories of the base's training outfits: the k
directions in which a top, a bottom, shoes... of one outfit agree, the same k-dim space for every
category, so one preference vector serves them all.

MAXVAR: the consensus G (outfits × k, orthonormal columns) maximises Σ_c ‖P_c G‖², P_c the ridge
hat matrix of category c's centred vectors (rows of outfits without c are zero); found by subspace
iteration G ← orth(Σ_c P_c G). A_c is then the ridge regression of √N·G on category c's vectors,
so f_c(x) is the best linear prediction of an outfit's shared style from one item (a category
that does not see the style linearly gets small features, not noise of full size).

Reliability (issue 12 round 9): each map is then scaled by ρ_c, how well category c's features
agree with the mean features of the other categories of the same outfit (a correlation over the
training outfits, no user involved), so a category that sees the style poorly (shoes: ρ 0.37
against 0.93 for tops and bottoms) weighs less in the preference read from all of them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from safetensors.numpy import load_file, save_file

from models.data import OutfitSet

if TYPE_CHECKING:
    from models.compat import CompatModel

log = logging.getLogger(__name__)

STYLE_FEATURES_FILE = "style_features.safetensors"
Maps = dict[str, tuple[np.ndarray, np.ndarray]]  # category -> (A (D, k), mean (D,))
K = 16  # shared dimensions; calibration users (world 1, users 100-111, 30 + 30, no guard):
# k 8 / 16 / 32 gave preference AUC 0.650 / 0.811 / 0.795 (benchmarks/personal_features.py)
RIDGE = 1.0  # ridge of each category's regression, × the mean eigenvalue of its covariance;
# same users, k 16: 0.1 / 1 / 10 gave 0.782 / 0.811 / 0.807
ITERATIONS = 60  # subspace iterations
MIN_ITEMS = 50  # a category with fewer items in the training outfits gets no map
MIN_OUTFITS = 400  # fewer training outfits write no maps (the style prior's floor, not re-measured)


def gcca_maps(data: OutfitSet, k: int = K, ridge: float = RIDGE, seed: int = 0) -> Maps:
    """category -> (A (D, k), mean (D,)) from the outfits in `data` (one item per category and
    outfit: the first slot holding it); empty when fewer than `MIN_OUTFITS` outfits or two
    categories with `MIN_ITEMS` items."""
    cats = data.category_grid()
    m = np.asarray(data.mask, bool)
    n = len(m)
    if n < MIN_OUTFITS:
        return {}
    views: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    for cat in sorted(set(cats[m].tolist())):
        has = m & (cats == cat)
        rows = np.flatnonzero(has.any(1))
        if rows.size < MIN_ITEMS:
            continue
        cols = has[rows].argmax(1)
        x = np.asarray(data.vectors[rows, cols], np.float64)
        mean = x.mean(0)
        x = x - mean
        cov = x.T @ x / len(x)
        cov += ridge * np.trace(cov) / len(cov) * np.eye(len(cov))
        views[cat] = (rows, x, np.linalg.inv(cov) / len(x), mean)
    if len(views) < 2:
        return {}
    rng = np.random.default_rng(seed)
    g = np.linalg.qr(rng.standard_normal((n, k)))[0]
    for _ in range(ITERATIONS):
        total = np.zeros((n, k))
        for rows, x, inv, _mean in views.values():
            total[rows] += x @ (inv @ (x.T @ g[rows]))
        g = np.linalg.qr(total)[0]
    g *= np.sqrt(n)
    return {cat: ((inv @ (x.T @ g[rows])).astype(np.float32), mean.astype(np.float32))
            for cat, (rows, x, inv, mean) in views.items()}


def feature_grid(maps: Maps, data: OutfitSet) -> np.ndarray:
    """(N, K, k) f_c(x) of every present item of `data` (zeros where the slot is empty)."""
    cats = data.category_grid()
    m = np.asarray(data.mask, bool)
    k = next(iter(maps.values()))[0].shape[1]
    out = np.zeros((*m.shape, k))
    for cat in sorted(set(cats[m].tolist())):
        rows, cols = np.nonzero(m & (cats == cat))
        out[rows, cols] = features(maps, cat, data.vectors[rows, cols])
    return out


def reliability(maps: Maps, data: OutfitSet) -> dict[str, float]:
    """category -> ρ_c in [0, 1]: correlation (summed over the k dimensions) of f_c with the mean
    f of the other mapped categories of the same outfit, over `data` (the base's training
    outfits); 0 for a category never seen beside another."""
    grid = feature_grid(maps, data)
    cats = data.category_grid()
    m = np.asarray(data.mask, bool) & np.isin(cats, list(maps))
    out = {}
    for cat in maps:
        own = m & (cats == cat)
        rows = np.flatnonzero(own.any(1))
        cols = own[rows].argmax(1)
        others = m[rows] & ~own[rows]
        keep = others.any(1)
        if not keep.any():
            out[cat] = 0.0
            continue
        f = grid[rows, cols][keep]
        h = (grid[rows] * others[..., None]).sum(1)[keep] / np.maximum(others[keep].sum(1), 1)[:, None]
        f, h = f - f.mean(0), h - h.mean(0)
        denom = np.sqrt((f * f).sum() * (h * h).sum())
        out[cat] = max(float((f * h).sum() / denom), 0.0) if denom > 0 else 0.0
    return out


def scaled_maps(maps: Maps, weights: dict[str, float]) -> Maps:
    """The maps with category c's map multiplied by weights[c] (the means kept)."""
    return {c: ((a * np.float32(weights[c])).astype(np.float32), mean) for c, (a, mean) in maps.items()}


def reliability_weighted(maps: Maps, data: OutfitSet) -> Maps:
    """The maps with each category's scaled by its `reliability` on `data` (empty stays empty)."""
    return scaled_maps(maps, reliability(maps, data)) if maps else maps


def features(maps: Maps, category: str, x: np.ndarray) -> np.ndarray:
    """(n, D) items of one category -> (n, k) f_c(x); zeros for a category without a map."""
    x = np.asarray(x, np.float64)
    if category not in maps:
        k = next(iter(maps.values()))[0].shape[1]
        return np.zeros((len(x), k))
    a, mean = maps[category]
    return (x - mean) @ np.asarray(a, np.float64)


def save_style_features(folder: Path, maps: Maps, version: str) -> Path:
    """Write the maps with the model version they belong to (safetensors, no pickle)."""
    path = Path(folder) / STYLE_FEATURES_FILE
    tensors = {}
    for cat, (a, mean) in maps.items():
        tensors[f"map.{cat}"] = np.ascontiguousarray(a, np.float32)
        tensors[f"mean.{cat}"] = np.ascontiguousarray(mean, np.float32)
    save_file(tensors, str(path), metadata={"version": version})
    return path


def load_style_features(folder: Path, model: CompatModel) -> Maps | None:
    """The folder's maps for `model`, or None: absent (no message), or unusable (a logged
    warning naming the file and why; the personal layer then reads the preference from the
    base's latent, as before)."""
    path = Path(folder) / STYLE_FEATURES_FILE
    if not path.exists():
        return None
    found = _check(path, model.version, model.input_dim)
    if isinstance(found, str):
        log.warning("%s: ignored, the personal layer reads the base's latent instead (%s)", path, found)
        return None
    return found


def _check(path: Path, version: str, input_dim: int | None) -> Maps | str:
    """The maps, or why they cannot be used."""
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
        tensors = load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types; all mean "unusable file"
        return f"not readable style features ({type(exc).__name__}: {exc})"
    if meta.get("version") != version:
        return f"made for model version {meta.get('version')!r}, this model is {version!r}"
    cats = sorted(key.split(".", 1)[1] for key in tensors if key.startswith("map."))
    if not cats or set(tensors) != {f"{kind}.{c}" for c in cats for kind in ("map", "mean")}:
        return f"expected map.<category> and mean.<category> pairs, found {sorted(tensors)}"
    maps: Maps = {}
    ks = set()
    for cat in cats:
        a, mean = tensors[f"map.{cat}"], tensors[f"mean.{cat}"]
        if a.ndim != 2 or mean.shape != (a.shape[0],) or (input_dim and a.shape[0] != input_dim):
            return (f"map of {cat!r} has shape {tuple(a.shape)} (mean {tuple(mean.shape)}), which does "
                    f"not fit the model's input size {input_dim}")
        if not (np.isfinite(a).all() and np.isfinite(mean).all()):
            return f"map of {cat!r} holds values that are not finite"
        ks.add(a.shape[1])
        maps[cat] = (a, mean)
    if len(ks) != 1 or 0 in ks:
        return f"the categories' maps have different or zero widths {sorted(ks)}"
    return maps
