"""Turn uploaded bytes into one safe, upright RGB image — or a refusal that says why.

Everything downstream (background removal, encoder, colour tags, thumbnails) assumes an RGB
image the right way up and of bounded size, so all the messy cases of real files are handled
here, once: phone rotation flags, CMYK / palette / 16-bit / transparent modes, huge photos,
decompression bombs, truncated uploads and files that are not photos at all.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

# Pillow format names we decode; every other plugin is never even tried (smaller attack surface).
ACCEPTED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "HEIF")
ACCEPTED_DESCRIPTION = "JPEG, PNG, WebP or HEIC/HEIF"
THUMBNAIL_SIDE = 256
_ORIENTATION_TAG = 0x0112
_ROTATING_ORIENTATIONS = {5, 6, 7, 8}  # these swap width and height

# Leading bytes of formats people commonly upload that we do not accept, for a precise message.
_KNOWN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF"), (b"GIF89a", "GIF"), (b"BM", "BMP"), (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"), (b"%PDF", "PDF"), (b"\x00\x00\x01\x00", "ICO"), (b"8BPS", "PSD"),
)


class ImageRejected(ValueError):
    """A file we refuse to ingest; `str()` is the message shown to the person."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.reason = reason


@dataclass(frozen=True)
class LoadedImage:
    """An accepted photo: the original bytes (stored as-is) and the normalised image."""

    filename: str
    data: bytes
    sha256: str
    format: str  # Pillow's name: JPEG, PNG, WEBP, HEIF
    image: Image.Image  # RGB, upright, longest side <= max_side, no EXIF orientation left
    original_size: tuple[int, int]  # (width, height) upright, before downscaling


def sha256_hex(data: bytes) -> str:
    """Content hash used to recognise exact duplicates."""
    return hashlib.sha256(data).hexdigest()


def _unsupported_format_reason(data: bytes) -> str:
    head = data[:16]
    for signature, name in _KNOWN_SIGNATURES:
        if head.startswith(signature):
            return f"{name} images are not supported (use {ACCEPTED_DESCRIPTION})"
    if head[4:8] == b"ftyp" and b"avif" in data[8:32]:
        return f"AVIF images are not supported (use {ACCEPTED_DESCRIPTION})"
    return f"not an image file, or a damaged one (expected {ACCEPTED_DESCRIPTION})"


_TRUNCATION_HINTS = ("truncated", "end of file", "broken data stream", "outside of file bounds")


def _looks_truncated(data: bytes, error: BaseException) -> bool:
    text = str(error).lower()
    if any(hint in text for hint in _TRUNCATION_HINTS):
        return True
    # RIFF (WebP) headers state the file length; libwebp only says "could not create decoder".
    return data[:4] == b"RIFF" and int.from_bytes(data[4:8], "little") + 8 > len(data)


def _damaged(filename: str, data: bytes, error: BaseException) -> ImageRejected:
    if _looks_truncated(data, error):
        return ImageRejected(filename, "the file is truncated (an incomplete upload or copy?)")
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return ImageRejected(filename, f"the image data is damaged ({detail})")


def _open(data: bytes, filename: str) -> Image.Image:
    """Read only the header; pixels are decoded later, after the size check."""
    try:
        with warnings.catch_warnings():
            # We apply our own, lower pixel limit right after opening.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
    except Image.DecompressionBombError as exc:
        raise ImageRejected(filename, f"refused as a possible decompression bomb ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise ImageRejected(filename, _unsupported_format_reason(data)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _damaged(filename, data, exc) from exc


def _check_size(image: Image.Image, filename: str, max_pixels: int) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageRejected(filename, f"the image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise ImageRejected(
            filename,
            f"the image is {width}x{height} = {width * height / 1e6:.0f} megapixels, more than "
            f"the limit of {max_pixels / 1e6:.0f} (refused as a possible decompression bomb; "
            "WHAT2WEAR_MAX_IMAGE_PIXELS raises the limit)",
        )


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_ORIENTATION_TAG, 1))
    except (ValueError, TypeError, OSError, SyntaxError):
        return 1  # unreadable EXIF: show the pixels as stored


def _decode(image: Image.Image, data: bytes, filename: str, max_side: int) -> Image.Image:
    """Decode the pixels; for JPEG let libjpeg scale down by 2/4/8 while decoding (`draft`),
    so a 48-megapixel phone photo never exists at full size in memory."""
    if image.format == "JPEG" and max(image.size) > max_side:
        scale = max_side / max(image.size)
        image.draft(None, (max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _damaged(filename, data, exc) from exc
    return image


def _high_bit_depth_to_l(image: Image.Image) -> Image.Image:
    """16/32-bit greyscale -> 8-bit by scaling, not clipping (Pillow's convert would clip
    everything above 255 to white)."""
    values = np.asarray(image, dtype=np.float64)
    top = 65535.0 if values.max(initial=0) > 255 or image.mode.startswith("I;16") else 255.0
    return Image.fromarray(np.clip(values * (255.0 / top), 0, 255).round().astype(np.uint8))


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode -> RGB; transparent areas become white (the product-photo convention the
    encoder also sees after background removal)."""
    if image.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        image = _high_bit_depth_to_l(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _fit(image: Image.Image, max_side: int) -> Image.Image:
    if max(image.size) <= max_side:
        return image
    scale = max_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def load_image(data: bytes, filename: str, *, max_pixels: int, max_side: int) -> LoadedImage:
    """Validate and normalise one uploaded photo; raises `ImageRejected` with a human reason."""
    if not data:
        raise ImageRejected(filename, "the file is empty")
    opened = _open(data, filename)
    _check_size(opened, filename, max_pixels)
    fmt = str(opened.format)
    orientation = _orientation(opened)
    width, height = opened.size
    original_size = (height, width) if orientation in _ROTATING_ORIENTATIONS else (width, height)

    decoded = _decode(opened, data, filename, max_side)
    upright = ImageOps.exif_transpose(decoded) if orientation != 1 else decoded
    rgb = _fit(to_rgb(upright), max_side)
    # A fresh image with no metadata: nothing downstream (rembg, Pillow's own exif_transpose)
    # can find an orientation tag and rotate the pixels a second time.
    clean = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    return LoadedImage(filename, data, sha256_hex(data), fmt, clean, original_size)


def read_image_file(path: Path, *, max_pixels: int, max_side: int) -> LoadedImage:
    """`load_image` for a file on disk; unreadable files are refusals too."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImageRejected(Path(path).name, f"cannot read the file ({exc.strerror or exc})") from exc
    return load_image(data, Path(path).name, max_pixels=max_pixels, max_side=max_side)


def thumbnail(image: Image.Image, side: int = THUMBNAIL_SIDE) -> Image.Image:
    """A small copy for grids and lists (keeps the aspect ratio and any alpha)."""
    small = image.copy()
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    return small


def image_bytes(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    """Serialise an image for storage: PNG keeps the cut-out's transparency; JPEG/WebP are
    smaller for opaque thumbnails."""
    out = io.BytesIO()
    if fmt.upper() in ("JPEG", "JPG") and image.mode != "RGB":
        image = to_rgb(image)
    image.save(out, format=fmt, **options)
    return out.getvalue()
