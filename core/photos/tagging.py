"""Automatic tags for a new item: category, sub-type and seasons by zero-shot CLIP, colours by
naming the garment's own pixels.

No extra model is needed: the image embedding we store anyway is compared with text prompts
from the same CLIP's text tower. The best-matching sub-type decides the category it belongs to,
so the pair is always consistent (choosing the category by summed sub-type probabilities was
tried and rejected: it favours categories that simply have more sub-types). Every tag is only
a first guess the person can edit (the storage layer never overwrites an edit).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image

from base.vocabulary import COLOURS, FORMALITY_LEVELS, SEASONS, SUBTYPES, WARMTH_LEVELS
from core.photos.encoder import FashionEncoder

_SUBTYPE_TEMPLATES = ("a photo of a {}.", "a product photo of a {}, a piece of clothing.")
_SEASON_PROMPTS = {
    "spring": "a photo of light clothing for mild spring weather.",
    "summer": "a photo of clothing for hot summer weather.",
    "autumn": "a photo of clothing for cool autumn weather.",
    "winter": "a photo of warm clothing for cold winter weather.",
}
# Warmth (1 very light .. 5 heavy) and formality (1 sporty .. 5 formal): one prompt a level.
_WARMTH_PROMPTS = (
    "a photo of a very light, thin piece of clothing for hot weather.",
    "a photo of a light piece of clothing for warm weather.",
    "a photo of a medium-weight piece of clothing for mild weather.",
    "a photo of a warm piece of clothing for cool weather.",
    "a photo of a heavy, thick, insulated piece of clothing for freezing weather.",
)
_FORMALITY_PROMPTS = (
    "a photo of sportswear, athletic clothing for the gym.",
    "a photo of casual everyday clothing.",
    "a photo of smart casual clothing.",
    "a photo of business clothing for the office.",
    "a photo of formal evening wear for a gala.",
)
# What each sub-type usually is, (warmth, formality): the zero-shot level is averaged with it,
# because five prompts on a 1..5 scale are a noisy reading on their own.
LEVEL_PRIORS: Mapping[str, tuple[int, int]] = {
    "t-shirt": (2, 2), "shirt": (2, 4), "blouse": (2, 4), "polo shirt": (2, 3),
    "tank top": (1, 2), "knit sweater": (4, 3), "cardigan": (3, 3), "hoodie": (3, 1),
    "sweatshirt": (3, 2), "jeans": (3, 2), "trousers": (3, 4), "shorts": (1, 2),
    "skirt": (2, 3), "leggings": (2, 1), "jacket": (3, 3), "coat": (5, 4), "blazer": (3, 4),
    "parka": (5, 2), "raincoat": (3, 2), "dress": (2, 4), "jumpsuit": (2, 3),
    "sneakers": (2, 2), "boots": (4, 3), "sandals": (1, 2), "heels": (2, 5),
    "loafers": (2, 4), "flats": (2, 3),
}
if len(_WARMTH_PROMPTS) != len(WARMTH_LEVELS) or len(_FORMALITY_PROMPTS) != len(FORMALITY_LEVELS):
    raise AssertionError("one warmth / formality prompt per level of base.vocabulary")

# Anchor sRGB values of each colour name of base.vocabulary.COLOURS (several where a name covers
# a range of shades, say a shadowed and a lit side). A pixel takes the name of its nearest anchor
# in CIELAB. Set by hand from typical garment shades before measuring; the garment-region and
# exposure settings below were then chosen on the tuning half of the labelled real photos
# (benchmarks/colours.py reports both halves).
PALETTE: Mapping[str, tuple[tuple[int, int, int], ...]] = {
    "black": ((20, 20, 20), (40, 40, 45)),
    "white": ((245, 245, 245), (225, 225, 222)),
    "grey": ((128, 128, 128), (90, 90, 92), (170, 170, 170), (200, 200, 200)),
    "cream": ((240, 232, 208), (230, 220, 190)),
    "beige": ((215, 195, 165), (195, 180, 150)),
    "camel": ((195, 150, 100), (170, 125, 80)),
    "khaki": ((180, 165, 120), (155, 140, 95)),
    "brown": ((110, 70, 40), (140, 95, 60), (75, 50, 35)),
    "olive": ((95, 95, 50), (75, 80, 45), (115, 115, 75)),
    "green": ((50, 140, 60), (30, 80, 40), (120, 180, 100)),
    "navy": ((25, 35, 80), (40, 45, 75)),
    "blue": ((40, 90, 200), (120, 170, 230), (60, 110, 175)),
    "denim": ((80, 110, 150), (115, 140, 175), (60, 80, 115)),
    "red": ((200, 30, 30), (225, 55, 55)),
    "burgundy": ((120, 20, 40), (95, 25, 35)),
    "pink": ((240, 150, 180), (220, 80, 140), (235, 190, 190)),
    "purple": ((110, 50, 150), (170, 130, 200), (130, 40, 100)),
    "orange": ((240, 130, 30), (235, 95, 50)),
    "yellow": ((240, 210, 40), (240, 230, 120)),
}
MAX_COLOURS = 3
MIN_COLOUR_SHARE = 0.15  # a colour must cover this share of the garment's pixels to be named
_COLOUR_SAMPLE_SIDE = 96  # colours are counted on a small copy: fast, same proportions


@dataclass(frozen=True)
class Tags:
    """First-guess tags for one item."""

    category: str  # one of CATEGORIES
    subtype: str  # a key of SUBTYPES
    seasons: tuple[str, ...]  # subset of SEASONS, in calendar order
    colours: tuple[str, ...]  # palette names, most covering first
    confidence: float  # probability of the chosen category, 0..1
    warmth: int | None = None  # 1 very light .. 5 heavy
    formality: int | None = None  # 1 sporty .. 5 formal


@dataclass(frozen=True)
class PromptVectors:
    """Unit text embeddings of the tag prompts, in SUBTYPES / SEASONS order."""

    subtypes: tuple[str, ...]
    subtype_vectors: np.ndarray  # (n_subtypes, dim)
    season_vectors: np.ndarray  # (4, dim)
    warmth_vectors: np.ndarray | None = None  # (5, dim), levels 1..5
    formality_vectors: np.ndarray | None = None  # (5, dim)


@functools.cache
def prompt_vectors(encoder: FashionEncoder) -> PromptVectors:
    """Text embeddings of all prompts, computed once per encoder (texts never change);
    each sub-type's vector is the mean of its templates (prompt ensembling)."""
    names = tuple(SUBTYPES)
    texts = [template.format(name) for name in names for template in _SUBTYPE_TEMPLATES]
    vectors = encoder.encode_texts(texts).reshape(len(names), len(_SUBTYPE_TEMPLATES), -1)
    mean = vectors.mean(axis=1)  # prompt ensembling, then back to unit length
    mean /= np.linalg.norm(mean, axis=1, keepdims=True)
    seasons = encoder.encode_texts([_SEASON_PROMPTS[s] for s in SEASONS])
    levels = encoder.encode_texts([*_WARMTH_PROMPTS, *_FORMALITY_PROMPTS])
    return PromptVectors(names, mean.astype(np.float32), seasons,
                         levels[:len(_WARMTH_PROMPTS)], levels[len(_WARMTH_PROMPTS):])


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def classify(
    encoder: FashionEncoder, embedding: np.ndarray, category: str | None = None
) -> tuple[str, str, float, tuple[str, ...]]:
    """(category, subtype, confidence, seasons) for one unit image embedding; confidence is
    the probability mass of all sub-types of the chosen category.

    `category`, when the person chose it ("these are all shoes"), limits the sub-type to that
    category's own sub-types (the best of them wins, however likely another category's looks)
    and is returned as is; confidence is then the model's probability of that category.

    Seasons rule: softmax over the four season prompts; every season whose probability is at
    least the uniform share (1/4) is tagged, so at least one season always is, and an
    all-season item (similar to every prompt) gets all four.
    """
    prompts = prompt_vectors(encoder)
    scale = encoder.logit_scale
    vector = np.asarray(embedding, np.float32).reshape(-1)
    subtype_p = _softmax(scale * (prompts.subtype_vectors @ vector))
    owners = np.array([SUBTYPES[name] for name in prompts.subtypes])
    if category is None:
        candidates = np.ones(len(owners), bool)
    else:
        candidates = owners == category
        if not candidates.any():
            raise ValueError(f"no sub-types are known for category {category!r}")
    best = int(np.argmax(np.where(candidates, subtype_p, -1.0)))
    subtype, chosen = prompts.subtypes[best], str(owners[best])
    season_p = _softmax(scale * (prompts.season_vectors @ vector))
    seasons = tuple(s for s, p in zip(SEASONS, season_p, strict=True) if p >= 1 / len(SEASONS))
    return chosen, subtype, float(subtype_p[owners == chosen].sum()), seasons


def levels(encoder: FashionEncoder, embedding: np.ndarray, subtype: str = "") -> tuple[int, int]:
    """(warmth, formality), each 1..5, for one unit image embedding.

    Each is the expected level under a softmax over its five prompts, averaged with the
    sub-type's usual level (`LEVEL_PRIORS`) when the sub-type is known, then rounded: a parka
    stays heavy even when its photo reads "medium", and an unusual piece can still move a step.
    """
    prompts = prompt_vectors(encoder)
    vector = np.asarray(embedding, np.float32).reshape(-1)
    steps = np.arange(1, 6, dtype=np.float64)
    out = []
    for which, vectors in enumerate((prompts.warmth_vectors, prompts.formality_vectors)):
        p = _softmax(encoder.logit_scale * (np.asarray(vectors) @ vector)).astype(np.float64)
        level = float(p @ steps)
        if subtype in LEVEL_PRIORS:
            level = (level + LEVEL_PRIORS[subtype][which]) / 2
        out.append(int(np.clip(np.floor(level + 0.5), 1, 5)))
    return out[0], out[1]


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0..255, shape (..., 3)) to CIELAB (D65): distances there match what people call
    'the same colour' far better than RGB distances."""
    c = rgb.astype(np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805],
                             [0.2126, 0.7152, 0.0722],
                             [0.0193, 0.1192, 0.9505]]).T
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


if tuple(PALETTE) != COLOURS:  # one list of names for tagger, filters and docs
    raise AssertionError("PALETTE must name exactly base.vocabulary.COLOURS, in that order")
_ANCHOR_NAMES = np.array([name for name, anchors in PALETTE.items() for _ in anchors])
_ANCHOR_LAB = srgb_to_lab(np.array([a for anchors in PALETTE.values() for a in anchors]))
# Without a cut-out, the garment is looked for in the middle of the photo: an ellipse of this
# share of the width and height (people centre what they photograph) ...
CENTRE_WIDTH, CENTRE_HEIGHT = 0.5, 0.6
# ... minus the pixels that look like the photo's border (the floor or bed around the garment):
# within this CIELAB distance of a border colour. Dropped again when that would leave less than
# MIN_GARMENT_SHARE of the ellipse (a garment the colour of its background).
BORDER_DISTANCE = 12.0
MIN_GARMENT_SHARE = 0.25
_BORDER_SHARE = 0.06  # the outer strip, as a share of each side, that shows the background
# Uncut photos only: brighten until the brightest pixels reach the target (see `_exposed`).
EXPOSURE_PERCENTILE, EXPOSURE_TARGET, MAX_EXPOSURE_GAIN = 99.0, 240.0, 1.4


def _centre_mask(height: int, width: int) -> np.ndarray:
    rows = (np.arange(height)[:, None] + 0.5) / height - 0.5
    cols = (np.arange(width)[None, :] + 0.5) / width - 0.5
    return (rows / (CENTRE_HEIGHT / 2)) ** 2 + (cols / (CENTRE_WIDTH / 2)) ** 2 <= 1.0


def _border_mask(height: int, width: int) -> np.ndarray:
    strip_h, strip_w = max(1, round(height * _BORDER_SHARE)), max(1, round(width * _BORDER_SHARE))
    mask = np.zeros((height, width), bool)
    mask[:strip_h], mask[-strip_h:], mask[:, :strip_w], mask[:, -strip_w:] = True, True, True, True
    return mask


def _unlike_border(lab: np.ndarray, centre: np.ndarray, border: np.ndarray) -> np.ndarray:
    """Centre pixels farther than BORDER_DISTANCE from every border pixel's colour (border
    colours are thinned to at most 256 for speed)."""
    edge = lab[border]
    if len(edge) > 256:
        edge = edge[np.linspace(0, len(edge) - 1, 256).astype(int)]
    inner = lab[centre]
    nearest = np.full(len(inner), np.inf)
    for start in range(0, len(edge), 64):  # bounded memory: (pixels, 64) distances at a time
        chunk = np.linalg.norm(inner[:, None, :] - edge[None, start:start + 64], axis=2)
        nearest = np.minimum(nearest, chunk.min(axis=1))
    return nearest > BORDER_DISTANCE


def _exposed(rgb: np.ndarray) -> np.ndarray:
    """A whole photo brightened so that its brightest pixels (the EXPOSURE_PERCENTILE of their
    channel means) reach EXPOSURE_TARGET, by at most MAX_EXPOSURE_GAIN: phone photos indoors are
    dim, and a white tee photographed at 190 is still white to its owner. Judged on the whole
    scene, so a dark garment in a well-lit photo stays dark."""
    values = rgb.astype(np.float64)
    bright = float(np.percentile(values.mean(axis=-1), EXPOSURE_PERCENTILE))
    gain = min(MAX_EXPOSURE_GAIN, EXPOSURE_TARGET / max(bright, 1.0))
    return np.clip(values * max(gain, 1.0), 0, 255)


def garment_pixels(cutout: Image.Image) -> np.ndarray:
    """CIELAB values (n, 3) of the pixels that show the garment, on a small copy.

    A cut-out (any transparency) gives its visible pixels (alpha >= 128), as they are. An uncut
    photo (fully opaque: background removal off or failed) is first corrected for exposure
    (`_exposed`), then gives a central ellipse minus the pixels that look like the photo's
    border, so a floor or bed around the garment is not named as its colour."""
    small = cutout.convert("RGBA")
    small.thumbnail((_COLOUR_SAMPLE_SIDE, _COLOUR_SAMPLE_SIDE), Image.Resampling.NEAREST)
    pixels = np.asarray(small)
    alpha = pixels[..., 3]
    if alpha.min() < 255:  # a cut-out: its background is gone, so exposure cannot be judged
        return srgb_to_lab(pixels[..., :3][alpha >= 128])
    lab = srgb_to_lab(_exposed(pixels[..., :3]))
    height, width = alpha.shape
    centre = _centre_mask(height, width)
    if not centre.any():
        return lab.reshape(-1, 3)
    keep = _unlike_border(lab, centre, _border_mask(height, width))
    inner = lab[centre]
    return inner[keep] if keep.mean() >= MIN_GARMENT_SHARE else inner


def main_colours(cutout: Image.Image, max_colours: int = MAX_COLOURS,
                 min_share: float = MIN_COLOUR_SHARE) -> tuple[str, ...]:
    """Named main colours of a garment: each of its pixels (`garment_pixels`) takes the name of
    the nearest palette anchor in CIELAB; names covering at least `min_share` of the pixels are
    returned, most covering first, at most `max_colours`, and always at least the most covering
    one. Empty only for a cut-out with nothing visible."""
    lab = garment_pixels(cutout)
    if len(lab) == 0:
        return ()
    distances = np.linalg.norm(lab[:, None, :] - _ANCHOR_LAB[None], axis=2)
    names, counts = np.unique(_ANCHOR_NAMES[distances.argmin(axis=1)], return_counts=True)
    order = np.argsort(-counts, kind="stable")
    shares = counts[order] / len(lab)
    ranked = [str(names[i]) for i in order]
    chosen = [n for n, s in zip(ranked, shares, strict=True) if s >= min_share][:max_colours]
    return tuple(chosen or ranked[:1])


def tag_item(encoder: FashionEncoder, embedding: np.ndarray, cutout: Image.Image,
             category: str | None = None) -> Tags:
    """All first-guess tags for an item from its stored embedding and its cut-out; `category`
    (the person's choice, if any) limits the sub-type to its own (see `classify`)."""
    category, subtype, confidence, seasons = classify(encoder, embedding, category)
    warmth, formality = levels(encoder, embedding, subtype)
    return Tags(category, subtype, seasons, main_colours(cutout), confidence, warmth, formality)
