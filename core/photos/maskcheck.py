"""Does a cut-out look wrong? A check of the background-removal mask alone, so the review step
can flag it for the person ("keep the original photo" or fix it) instead of storing a bad one
silently.

A segmenter that fails on a garment photo fails in a few recognisable ways: it keeps only a
print or a label (far less foreground than a garment photo has), cuts the garment into pieces
or keeps scattered bits of background, is unsure (much of the mask half-transparent), or keeps
the background (the mask runs along the photo's edges). Each is measured on a small copy of
the alpha channel. The thresholds were chosen on half of a labelled set and measured on the
other half (benchmarks/cutout_doubt.py, which says what the labels are).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

CHECK_SIDE = 128  # the alpha is judged on a copy this size (nearest: no new soft values)
MIN_GARMENT_SHARE = 0.10  # a garment photo's garment covers at least this share of it
PIECE_SHARE = 0.05  # a piece counts when it holds this share of the foreground
MAX_PIECES = 2  # a pair of shoes is two pieces; more is suspicious
MAX_SOFT_SHARE = 0.25  # half-transparent share of the mask above which it was unsure
MAX_EDGE_SHARE = 0.6  # share of the photo's edge the garment may run along
_SOFT_LOW, _SOFT_HIGH = 32, 224  # alpha values between these are "half-transparent"
_FOREGROUND = 128


@dataclass(frozen=True)
class MaskStats:
    """What `cutout_doubt` judges, all shares 0..1."""

    foreground: float  # share of the photo kept (alpha >= 128)
    pieces: int  # separate pieces holding at least PIECE_SHARE of the foreground each
    soft: float  # share of the touched pixels (alpha >= 32) that are half-transparent
    edge: float  # share of the photo's outermost pixels that are kept


def mask_stats(alpha: np.ndarray) -> MaskStats:
    """Measure an alpha channel (2-D, 0..255)."""
    alpha = np.asarray(alpha)
    solid = alpha >= _FOREGROUND
    foreground = float(solid.mean()) if solid.size else 0.0
    labels, count = ndimage.label(solid, structure=np.ones((3, 3), bool))
    sizes = np.bincount(labels.ravel())[1:] if count else np.zeros(0, int)
    pieces = int((sizes >= PIECE_SHARE * max(int(solid.sum()), 1)).sum())
    touched = alpha >= _SOFT_LOW
    soft = float(((alpha > _SOFT_LOW) & (alpha < _SOFT_HIGH)).sum() / max(int(touched.sum()), 1))
    edge_pixels = np.concatenate([solid[0], solid[-1], solid[1:-1, 0], solid[1:-1, -1]])
    return MaskStats(foreground, pieces, soft, float(edge_pixels.mean()))


def small_alpha(rgba: Image.Image) -> np.ndarray:
    """The alpha channel (of an RGBA cut-out, or a mode-L mask) at CHECK_SIDE, nearest."""
    alpha = rgba.getchannel("A") if rgba.mode in ("RGBA", "LA", "La", "RGBa") else rgba
    small = alpha.convert("L")
    small.thumbnail((CHECK_SIDE, CHECK_SIDE), Image.Resampling.NEAREST)
    return np.asarray(small)


def cutout_doubt(rgba: Image.Image) -> str | None:
    """Why this cut-out looks wrong, in words for the person (several reasons joined by "; "),
    or None when nothing is suspicious. Accepts an RGBA cut-out or its alpha channel (mode L).
    A fully opaque image (nothing removed) raises no doubt: there is no cut-out to doubt."""
    alpha = small_alpha(rgba)
    if alpha.size == 0 or alpha.min() == 255:
        return None
    stats = mask_stats(alpha)
    reasons = []
    if stats.foreground < MIN_GARMENT_SHARE:
        reasons.append(
            f"the cut-out keeps only {stats.foreground:.0%} of the photo, less than a garment "
            "usually fills: the background removal may have kept just a part of it (a print, "
            "a label)")
    if stats.pieces > MAX_PIECES:
        reasons.append(
            f"the cut-out is in {stats.pieces} separate pieces: the background removal may have "
            "cut the garment apart or kept bits of the background")
    if stats.soft > MAX_SOFT_SHARE:
        reasons.append(
            f"the background removal was unsure: {stats.soft:.0%} of the cut-out is "
            "half-transparent")
    if stats.edge > MAX_EDGE_SHARE:
        reasons.append(
            f"the cut-out runs along {stats.edge:.0%} of the photo's edges: the background may "
            "not have been removed")
    return "; ".join(reasons) or None
