"""Automatic tags for a new item: category, sub-type and seasons by zero-shot CLIP, colours by
counting pixels.

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

from base.vocabulary import SEASONS, SUBTYPES
from core.photos.encoder import FashionEncoder

_SUBTYPE_TEMPLATES = ("a photo of a {}.", "a product photo of a {}, a piece of clothing.")
_SEASON_PROMPTS = {
    "spring": "a photo of light clothing for mild spring weather.",
    "summer": "a photo of clothing for hot summer weather.",
    "autumn": "a photo of clothing for cool autumn weather.",
    "winter": "a photo of warm clothing for cold winter weather.",
}

# Named colours and their anchor sRGB values (several anchors where a name covers a range).
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


@dataclass(frozen=True)
class PromptVectors:
    """Unit text embeddings of the tag prompts, in SUBTYPES / SEASONS order."""

    subtypes: tuple[str, ...]
    subtype_vectors: np.ndarray  # (n_subtypes, dim)
    season_vectors: np.ndarray  # (4, dim)


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
    return PromptVectors(names, mean.astype(np.float32), seasons)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def classify(encoder: FashionEncoder, embedding: np.ndarray) -> tuple[str, str, float,
                                                                       tuple[str, ...]]:
    """(category, subtype, confidence, seasons) for one unit image embedding; confidence is
    the probability mass of all sub-types of the chosen category.

    Seasons rule: softmax over the four season prompts; every season whose probability is at
    least the uniform share (1/4) is tagged, so at least one season always is, and an
    all-season item (similar to every prompt) gets all four.
    """
    prompts = prompt_vectors(encoder)
    scale = encoder.logit_scale
    vector = np.asarray(embedding, np.float32).reshape(-1)
    subtype_p = _softmax(scale * (prompts.subtype_vectors @ vector))
    owners = np.array([SUBTYPES[name] for name in prompts.subtypes])
    best = int(np.argmax(subtype_p))
    subtype, category = prompts.subtypes[best], str(owners[best])
    season_p = _softmax(scale * (prompts.season_vectors @ vector))
    seasons = tuple(s for s, p in zip(SEASONS, season_p, strict=True) if p >= 1 / len(SEASONS))
    return category, subtype, float(subtype_p[owners == category].sum()), seasons


def _srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
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


_ANCHOR_NAMES = tuple(name for name, anchors in PALETTE.items() for _ in anchors)
_ANCHOR_LAB = _srgb_to_lab(np.array([a for anchors in PALETTE.values() for a in anchors]))


def main_colours(cutout: Image.Image, max_colours: int = MAX_COLOURS,
                 min_share: float = MIN_COLOUR_SHARE) -> tuple[str, ...]:
    """Named main colours of a garment: each visible pixel (alpha >= 128) takes the nearest
    palette colour in CIELAB; names covering at least `min_share` of the pixels are returned,
    most covering first, at most `max_colours`, and always at least the most covering one.
    An uncut photo (no alpha) counts its background too."""
    small = cutout.convert("RGBA")
    small.thumbnail((_COLOUR_SAMPLE_SIDE, _COLOUR_SAMPLE_SIDE), Image.Resampling.NEAREST)
    pixels = np.asarray(small).reshape(-1, 4)
    visible = pixels[pixels[:, 3] >= 128, :3]
    if len(visible) == 0:
        return ()
    distances = np.linalg.norm(_srgb_to_lab(visible)[:, None, :] - _ANCHOR_LAB[None], axis=2)
    nearest = np.asarray(_ANCHOR_NAMES)[distances.argmin(axis=1)]
    names, counts = np.unique(nearest, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    shares = counts[order] / len(visible)
    ranked = [str(names[i]) for i in order]
    chosen = [n for n, s in zip(ranked, shares, strict=True) if s >= min_share][:max_colours]
    return tuple(chosen or ranked[:1])


def tag_item(encoder: FashionEncoder, embedding: np.ndarray, cutout: Image.Image) -> Tags:
    """All first-guess tags for an item from its stored embedding and its cut-out."""
    category, subtype, confidence, seasons = classify(encoder, embedding)
    return Tags(category, subtype, seasons, main_colours(cutout), confidence)
