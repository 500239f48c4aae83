"""Cut a full-body "what I wore" photo into top / bottom / shoes bands.

The seed cut whole photos into 20 rows: top = rows 4..12, bottom = rows 8..17, shoes =
rows 14..18. Its photos had head room above the person and floor below, so those rows are
fractions of the *frame*. People's own photos are framed loosely and differently, so we first
find the person's box, then apply the seed's rows inside it.

Mapping. Applied unchanged to a tight box (head top = 0, soles = 1) the seed's shoe band (70–90 %)
would end at the shins and miss the shoes. In the seed's frames the person spans roughly rows
1..18 (one row of head room, two of floor), so seed row r maps to box fraction (r − 1) / 17:

    top    rows 4..12  -> 0.18 .. 0.65 of the person's height (shoulders to hips)
    bottom rows 8..17  -> 0.41 .. 0.94                           (waist to ankles)
    shoes  rows 14..18 -> 0.76 .. 1.00                           (shins to soles)

The overlaps of the seed are kept (they make each band robust to a person's proportions).
Bands are also cropped to the box horizontally, so a wide room does not dilute the garment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from core.photos.background import CutOut

SEED_ROWS: dict[str, tuple[int, int]] = {"top": (4, 12), "bottom": (8, 17), "shoes": (14, 18)}
SEED_PERSON_ROWS = (1, 18)  # where the person lies in the seed's 20-row frame
ALPHA_THRESHOLD = 128
BACKGROUND_TOLERANCE = 40.0  # colour distance from the border colour that counts as "person"
MIN_PROFILE_SHARE = 0.02  # rows/columns with fewer person pixels (stray specks) are ignored
MIN_PERSON_SHARE = 0.01  # less than this of the photo (or more than the max) is not a person
MAX_PERSON_SHARE = 0.95

Box = tuple[int, int, int, int]  # left, top, right, bottom (Pillow crop convention)


@dataclass(frozen=True)
class BodyBands:
    """The three bands of an outfit photo, each composited on white, plus where they came from."""

    person_box: Box
    person_found: bool  # False: no person could be separated; the whole photo was used
    boxes: dict[str, Box]  # band name -> crop box in the photo
    top: Image.Image
    bottom: Image.Image
    shoes: Image.Image


def band_fractions(band: str) -> tuple[float, float]:
    """The seed's rows of `band` as fractions of the person's height (see module docstring)."""
    first, last = SEED_PERSON_ROWS
    r0, r1 = SEED_ROWS[band]
    span = last - first
    return max(0.0, (r0 - first) / span), min(1.0, (r1 - first) / span)


def _box_of(mask: np.ndarray) -> Box | None:
    share = float(mask.mean())
    if not MIN_PERSON_SHARE <= share <= MAX_PERSON_SHARE:
        return None
    rows, cols = mask.sum(axis=1), mask.sum(axis=0)
    ys = np.flatnonzero(rows >= max(1.0, MIN_PROFILE_SHARE * rows.max()))
    xs = np.flatnonzero(cols >= max(1.0, MIN_PROFILE_SHARE * cols.max()))
    return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1


def _foreground_without_alpha(image: Image.Image) -> np.ndarray:
    """Pixels that differ from the photo's border colour (median of the edge pixels): a
    plain-wall approximation used when background removal is off."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32)
    edges = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    background = np.median(edges, axis=0)
    return np.linalg.norm(pixels - background, axis=2) > BACKGROUND_TOLERANCE


def person_box(cutout: CutOut) -> Box | None:
    """The person's bounding box: from the cut-out's alpha when the background was removed,
    else from pixels unlike the border. None when nothing person-sized is found."""
    if cutout.removed:
        mask = np.asarray(cutout.rgba.getchannel("A")) >= ALPHA_THRESHOLD
    else:
        mask = _foreground_without_alpha(cutout.on_white)
    return _box_of(mask)


def cut_bands(cutout: CutOut) -> BodyBands:
    """Top, bottom and shoes bands of a full-body photo, inside the person's box (or the whole
    photo when no person is found), composited on white as the encoder expects."""
    found = person_box(cutout)
    width, height = cutout.on_white.size
    left, top, right, bottom = found or (0, 0, width, height)
    person_height = bottom - top
    boxes: dict[str, Box] = {}
    for band in SEED_ROWS:
        f0, f1 = band_fractions(band)
        y0 = top + round(f0 * person_height)
        y1 = max(y0 + 1, top + round(f1 * person_height))
        boxes[band] = (left, y0, right, y1)
    crops = {band: cutout.on_white.crop(box) for band, box in boxes.items()}
    return BodyBands((left, top, right, bottom), found is not None, boxes,
                     crops["top"], crops["bottom"], crops["shoes"])
