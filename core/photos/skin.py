"""Skin tests shared by the garment-region rules and the learned ranker's features.

Why one module: the rules (core/photos/garment_regions.py) and the ranker's features
(core/photos/hem_features.py, which the rules import) both ask "is this pixel skin?" and "is
this the face's own skin in other light?"; one copy of each test keeps them the same.
"""

from __future__ import annotations

import numpy as np

LEG_CHROMA = 0.05  # a leg's skin: the face's chromaticity within this (shares of R, G, B)


def skin_pixels(rgb: np.ndarray) -> np.ndarray:
    """Per pixel (or one mean colour), the classic RGB skin rule (Kovac et al. 2003); floats are
    compared as they are, so a mean colour is not rounded first. 8-bit pixels are compared in
    integers (the same answers, without three float copies: round 19, it is on every ingest)."""
    wide = np.int16 if isinstance(rgb, np.ndarray) and rgb.dtype == np.uint8 else np.float64
    r, g, b = (rgb[..., i].astype(wide) for i in range(3))
    spread = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)
    return (r > 95) & (g > 40) & (b > 20) & (spread > 15) & (r - g > 15) & (r > b)


def same_chroma(rgb: np.ndarray, face: np.ndarray) -> np.ndarray:
    """Per pixel (or one colour): the face's skin in other light — the same chromaticity (shares
    of R, G and B) within LEG_CHROMA; legs in the sun are lighter than the face."""
    a = np.asarray(rgb, np.float32)
    b = np.asarray(face, np.float32)
    a = a / np.maximum(1.0, a.sum(axis=-1, keepdims=True))
    b = b / np.maximum(1.0, b.sum(axis=-1, keepdims=True))
    return np.abs(a - b).max(axis=-1) < LEG_CHROMA
