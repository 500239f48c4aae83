"""The colour tagger as it was on main at commit 7042d8d (before issue 10), frozen here so
`benchmarks/colours.py` can measure it beside today's tagger without checking out old code.

Only the palette and `main_colours` are copied, unchanged; nothing imports this but the
benchmark.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from PIL import Image

from core.photos.tagging import srgb_to_lab

PALETTE: Mapping[str, tuple[tuple[int, int, int], ...]] = {
    "black": ((20, 20, 20),),
    "white": ((245, 245, 245),),
    "grey": ((128, 128, 128), (85, 85, 85), (185, 185, 185)),
    "beige": ((220, 200, 165), (200, 180, 140)),
    "brown": ((110, 70, 40), (150, 100, 60)),
    "red": ((200, 30, 30), (150, 20, 30)),
    "orange": ((240, 130, 30),),
    "yellow": ((240, 210, 40),),
    "green": ((50, 140, 60), (110, 120, 50), (30, 80, 40)),
    "blue": ((40, 90, 200), (120, 170, 230)),
    "navy": ((25, 35, 80),),
    "purple": ((110, 50, 150), (170, 130, 200)),
    "pink": ((240, 150, 180), (220, 80, 140)),
}
_ANCHOR_NAMES = tuple(name for name, anchors in PALETTE.items() for _ in anchors)
_ANCHOR_LAB = srgb_to_lab(np.array([a for anchors in PALETTE.values() for a in anchors]))


def main_colours(cutout: Image.Image, max_colours: int = 3,
                 min_share: float = 0.15) -> tuple[str, ...]:
    """Main's rule: every visible pixel (alpha >= 128) of a 96 px copy takes the nearest anchor
    in CIELAB; names covering `min_share` are returned. An uncut photo counts its background."""
    small = cutout.convert("RGBA")
    small.thumbnail((96, 96), Image.Resampling.NEAREST)
    pixels = np.asarray(small).reshape(-1, 4)
    visible = pixels[pixels[:, 3] >= 128, :3]
    if len(visible) == 0:
        return ()
    distances = np.linalg.norm(srgb_to_lab(visible)[:, None, :] - _ANCHOR_LAB[None], axis=2)
    nearest = np.asarray(_ANCHOR_NAMES)[distances.argmin(axis=1)]
    names, counts = np.unique(nearest, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    shares = counts[order] / len(visible)
    ranked = [str(names[i]) for i in order]
    chosen = [n for n, s in zip(ranked, shares, strict=True) if s >= min_share][:max_colours]
    return tuple(chosen or ranked[:1])
