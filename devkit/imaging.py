"""Synthetic photos for tests: garments and full-body outfits drawn with Pillow.

Tests never read the real photos in ../shared (a fresh clone lacks them), so every image a test
needs is drawn here. Each maker is deterministic for its arguments (same arguments -> same bytes)
and distinct across arguments (a different seed changes the bytes), so exact-duplicate and
near-duplicate logic can be tested. Garments are saturated colours on a neutral grey background,
which is what the tiny segmentation model of `devkit/tiny_models.py` treats as salient.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

RGB = tuple[int, int, int]

BACKGROUND: RGB = (128, 128, 128)
RED: RGB = (200, 30, 30)
BLUE: RGB = (30, 60, 190)
GREEN: RGB = (40, 160, 60)
YELLOW: RGB = (230, 200, 30)
NAVY: RGB = (20, 30, 90)
SKIN: RGB = (225, 170, 130)

GARMENT_KINDS = ("tshirt", "trousers", "dress", "shoe")


def _noise(image: Image.Image, seed: int, amplitude: int = 6) -> Image.Image:
    """Add seeded pixel noise so two photos of 'the same' garment differ in bytes, like reality."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image, dtype=np.int16)
    jitter = rng.integers(-amplitude, amplitude + 1, size=pixels.shape, dtype=np.int16)
    return Image.fromarray(np.clip(pixels + jitter, 0, 255).astype(np.uint8), mode=image.mode)


def garment_image(
    kind: str = "tshirt",
    colour: RGB = RED,
    size: tuple[int, int] = (240, 320),
    seed: int = 0,
    background: RGB = BACKGROUND,
) -> Image.Image:
    """An RGB garment shape centred on a plain background (a flat-lay product photo)."""
    if kind not in GARMENT_KINDS:
        raise ValueError(f"unknown garment kind {kind!r}; one of {GARMENT_KINDS}")
    w, h = size
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> None:
        draw.rectangle((x0 * w, y0 * h, x1 * w, y1 * h), fill=colour)

    if kind == "tshirt":
        box(0.30, 0.20, 0.70, 0.85)  # body
        draw.polygon(
            [(0.30 * w, 0.20 * h), (0.10 * w, 0.35 * h), (0.18 * w, 0.45 * h), (0.30 * w, 0.35 * h)],
            fill=colour,
        )
        draw.polygon(
            [(0.70 * w, 0.20 * h), (0.90 * w, 0.35 * h), (0.82 * w, 0.45 * h), (0.70 * w, 0.35 * h)],
            fill=colour,
        )
        draw.ellipse((0.42 * w, 0.15 * h, 0.58 * w, 0.25 * h), fill=background)  # neckline
    elif kind == "trousers":
        box(0.30, 0.10, 0.70, 0.30)
        box(0.30, 0.10, 0.48, 0.92)
        box(0.52, 0.10, 0.70, 0.92)
    elif kind == "dress":
        box(0.38, 0.10, 0.62, 0.40)
        draw.polygon(
            [(0.38 * w, 0.40 * h), (0.62 * w, 0.40 * h), (0.80 * w, 0.90 * h), (0.20 * w, 0.90 * h)],
            fill=colour,
        )
    else:  # shoe
        box(0.15, 0.55, 0.85, 0.75)
        box(0.15, 0.40, 0.45, 0.75)
    return _noise(image, seed)


def encode(image: Image.Image, fmt: str = "JPEG", **save_options: object) -> bytes:
    """Serialise an image the way a camera or browser upload would hand it to us."""
    out = io.BytesIO()
    if fmt.upper() in {"JPEG", "JPG"}:
        save_options.setdefault("quality", 92)
    image.save(out, format=fmt, **save_options)
    return out.getvalue()


def garment_photo(
    kind: str = "tshirt",
    colour: RGB = RED,
    fmt: str = "JPEG",
    seed: int = 0,
    size: tuple[int, int] = (240, 320),
) -> bytes:
    """A garment photo as file bytes (JPEG, PNG, WEBP, HEIF, GIF, BMP, TIFF...)."""
    return encode(garment_image(kind, colour, size, seed), fmt)


# --- orientation ------------------------------------------------------------------------------

def orientation_marker(size: tuple[int, int] = (120, 200), seed: int = 0) -> Image.Image:
    """An upright portrait image whose layout reveals any rotation: red top half, blue bottom
    half and a green block in the top-left corner (so mirroring is visible too)."""
    w, h = size
    image = Image.new("RGB", size, BLUE)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, w, h // 2), fill=RED)
    draw.rectangle((0, 0, w // 4, h // 8), fill=GREEN)
    return _noise(image, seed, amplitude=2)


def exif_rotated_jpeg(size: tuple[int, int] = (120, 200), seed: int = 0) -> bytes:
    """A JPEG stored sideways with EXIF Orientation=6 ("rotate 90° clockwise to display"), as
    phones write them. Displayed correctly it equals `orientation_marker(size, seed)`."""
    upright = orientation_marker(size, seed)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # 90° counter-clockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(stored, "JPEG", exif=exif.tobytes())


# --- unusual modes ----------------------------------------------------------------------------

def cmyk_jpeg(colour: RGB = RED, seed: int = 0) -> bytes:
    """A CMYK JPEG (print workflows, some scanners)."""
    return encode(garment_image("tshirt", colour, seed=seed).convert("CMYK"), "JPEG")


def png_16bit(size: tuple[int, int] = (160, 200), seed: int = 0) -> bytes:
    """A 16-bit greyscale PNG (mode I;16): a bright garment shape on a darker field."""
    grey = np.asarray(garment_image("tshirt", (250, 250, 250), size, seed).convert("L"))
    wide = (grey.astype("<u2") * 257).tobytes()  # full 16-bit range, little-endian
    return encode(Image.frombytes("I;16", size, wide), "PNG")


def palette_png(colour: RGB = RED, seed: int = 0) -> bytes:
    """A palette (mode P) PNG, as produced by image optimisers."""
    return encode(garment_image("tshirt", colour, seed=seed).quantize(colors=16), "PNG")


def la_png(seed: int = 0) -> bytes:
    """A greyscale + alpha PNG whose background is fully transparent."""
    grey = garment_image("tshirt", (40, 40, 40), seed=seed).convert("L")
    alpha = grey.point(lambda v: 0 if 110 <= v <= 150 else 255)
    image = Image.merge("LA", (grey, alpha))
    return encode(image, "PNG")


def rgba_png(colour: RGB = RED, seed: int = 0) -> bytes:
    """An RGBA PNG with a transparent background (a cut-out someone already made)."""
    rgb = garment_image("tshirt", colour, seed=seed)
    mask = Image.fromarray(
        (np.abs(np.asarray(rgb, dtype=np.int16) - np.array(BACKGROUND)).sum(axis=2) > 40)
        .astype(np.uint8) * 255,
        mode="L",
    )
    rgba = rgb.convert("RGBA")
    rgba.putalpha(mask)
    return encode(rgba, "PNG")


# --- bad input --------------------------------------------------------------------------------

def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first part of a file, as left by an interrupted upload."""
    return data[: max(1, int(len(data) * keep))]


def text_file() -> bytes:
    """Plain text, which a test saves under an image name."""
    return b"This is not a photo. It is a shopping list: socks, a belt, a scarf.\n" * 20


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid 1-bit PNG of width x height that compresses to well under a megabyte.

    Decoding it would allocate ~900 megapixels; a loader must refuse it from the header alone.
    Written by hand (streaming zlib) because Pillow would have to allocate the image to save it.
    """

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    rows_per_block = 256
    block = row * rows_per_block
    parts = []
    for start in range(0, height, rows_per_block):
        parts.append(compressor.compress(block if height - start >= rows_per_block
                                         else row * (height - start)))
    parts.append(compressor.flush())
    signature = b"\x89PNG\r\n\x1a\n"
    return (signature + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


# --- full-body outfit photos ------------------------------------------------------------------

@dataclass(frozen=True)
class FigureLayout:
    """Where the parts of a drawn figure lie, in pixels (y0, y1 inclusive-exclusive)."""

    person_box: tuple[int, int, int, int]  # left, top, right, bottom
    head: tuple[int, int]
    top: tuple[int, int]
    bottom: tuple[int, int]
    shoes: tuple[int, int]


def figure_layout(size: tuple[int, int] = (300, 600)) -> FigureLayout:
    """The geometry `outfit_image` draws: a person filling the middle of the frame with empty
    background above, below and to the sides (the person box is smaller than the photo)."""
    w, h = size
    top_y, bottom_y = int(0.12 * h), int(0.92 * h)
    span = bottom_y - top_y
    head = (top_y, top_y + int(0.13 * span))
    top = (head[1], top_y + int(0.50 * span))
    bottom = (top[1], top_y + int(0.92 * span))
    shoes = (bottom[1], bottom_y)
    return FigureLayout((int(0.28 * w), top_y, int(0.72 * w), bottom_y), head, top, bottom, shoes)


def outfit_image(
    top: RGB = RED,
    bottom: RGB = NAVY,
    shoes: RGB = YELLOW,
    size: tuple[int, int] = (300, 600),
    seed: int = 0,
) -> Image.Image:
    """A full-body 'what I wore' figure: head, top with sleeves, trousers and shoes."""
    w = size[0]
    layout = figure_layout(size)
    left, _, right, _ = layout.person_box
    image = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(image)
    cx = w // 2
    head_w = (right - left) // 4
    draw.ellipse((cx - head_w, layout.head[0], cx + head_w, layout.head[1]), fill=SKIN)
    draw.rectangle((left, layout.top[0], right, layout.top[1]), fill=top)  # torso + sleeves
    leg_gap = (right - left) // 20
    inner_left, inner_right = left + (right - left) // 6, right - (right - left) // 6
    draw.rectangle((inner_left, layout.bottom[0], cx - leg_gap, layout.bottom[1]), fill=bottom)
    draw.rectangle((cx + leg_gap, layout.bottom[0], inner_right, layout.bottom[1]), fill=bottom)
    draw.rectangle((inner_left - 4, layout.shoes[0], cx - leg_gap, layout.shoes[1]), fill=shoes)
    draw.rectangle((cx + leg_gap, layout.shoes[0], inner_right + 4, layout.shoes[1]), fill=shoes)
    return _noise(image, seed, amplitude=3)


def outfit_photo(
    top: RGB = RED,
    bottom: RGB = NAVY,
    shoes: RGB = YELLOW,
    fmt: str = "JPEG",
    seed: int = 0,
    size: tuple[int, int] = (300, 600),
) -> bytes:
    """A full-body outfit photo as file bytes."""
    return encode(outfit_image(top, bottom, shoes, size, seed), fmt)
