"""Turn uploaded bytes into one safe, upright RGB image — or a refusal that says why.

Everything downstream (background removal, encoder, colour tags, thumbnails) assumes an RGB
image the right way up and of bounded size, so all the messy cases of real files are handled
here, once: phone rotation flags, CMYK / palette / 16-bit / transparent modes, huge photos,
decompression bombs, truncated uploads and files that are not photos at all.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, UnidentifiedImageError

pillow_heif.register_heif_opener()

# Pillow format names we decode; every other plugin is never even tried (smaller attack surface).
ACCEPTED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "HEIF")
ACCEPTED_DESCRIPTION = "JPEG, PNG, WebP or HEIC/HEIF"
THUMBNAIL_SIDE = 256
# The most a photo file may weigh: the app's upload limit too (server.maxUploadSize in
# .streamlit/config.toml); phone photos are 2-12 MB.
MAX_PHOTO_MB = 50
TRUNCATED = "the file is truncated (an incomplete upload or copy?)"
_ORIENTATION_TAG = 0x0112
_ROTATING_ORIENTATIONS = {5, 6, 7, 8}  # these swap width and height
# EXIF orientation -> the transpose that makes the pixels upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90,
}

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
        return ImageRejected(filename, TRUNCATED)
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return ImageRejected(filename, f"the image data is damaged ({detail})")


# Start-of-frame markers of Huffman-coded JPEGs (baseline, extended, progressive, lossless);
# arithmetic-coded ones can squeeze a flat picture into almost nothing, so they are not judged.
_HUFFMAN_FRAMES = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7})
_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_EOI, _SOS = 0xD9, 0xDA


def _no_length(marker: int) -> bool:
    """Markers that stand alone: RSTn, TEM, byte stuffing (0x00) and fill bytes (0xFF)."""
    return 0xD0 <= marker <= 0xD7 or marker in (0x00, 0x01, 0xFF)


def _jpeg_frame(data: bytes) -> tuple[int, bytes, int] | None:
    """(frame marker, frame header, offset of the first scan's data), or None when the
    headers cannot be walked (Pillow then judges the file)."""
    pos, frame = 2, None
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if _no_length(marker):
            pos += 1 if marker == 0xFF else 2
            continue
        if marker == _EOI:
            return None
        end = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker in _FRAMES:
            frame = (marker, data[pos + 4:end])
        if marker == _SOS:
            return None if frame is None else (*frame, end)
        pos = end
    return None


def _entropy_bytes(data: bytes, pos: int) -> int:
    """Bytes of entropy-coded scan data from `pos` to the end of the image (EOI), not counting
    the marker segments between progressive scans."""
    total = 0
    while (mark := data.find(b"\xff", pos)) >= 0 and mark + 1 < len(data):
        marker = data[mark + 1]
        total += mark - pos
        if _no_length(marker):  # stuffed 0xFF, a restart marker or fill: part of the scan
            total += 0 if marker == 0xFF else 2
            pos = mark + (1 if marker == 0xFF else 2)
            continue
        if marker == _EOI:
            return total
        pos = mark + 2 + int.from_bytes(data[mark + 2:mark + 4], "big")
    return total + max(len(data) - pos, 0)


def _jpeg_blocks(frame: bytes) -> int:
    """8x8 blocks the frame header says the picture has, summed over its components (0 when
    the sampling factors are invalid: libjpeg refuses those itself)."""
    height, width = int.from_bytes(frame[1:3], "big"), int.from_bytes(frame[3:5], "big")
    sampling = [(b >> 4, b & 15) for b in frame[7:6 + 3 * frame[5]:3]]
    if not sampling or any(h == 0 or v == 0 for h, v in sampling):
        return 0
    h_max, v_max = max(h for h, _ in sampling), max(v for _, v in sampling)

    def blocks(pixels: int, factor: int, largest: int) -> int:
        return math.ceil(math.ceil(pixels * factor / largest) / 8)

    return sum(blocks(width, h, h_max) * blocks(height, v, v_max) for h, v in sampling)


def _check_jpeg_complete(data: bytes, filename: str) -> None:
    """Refuse a JPEG whose scan data ends before its picture does.

    libjpeg paints the missing part grey and only warns, and Pillow drops that warning, so a
    cut-off file that still ends in an EOI marker (a 634-byte "6000x6000" photo) would be
    stored as a grey item. Every block of a Huffman-coded JPEG costs at least one bit (its DC
    code), so fewer than blocks/8 bytes of scan data cannot hold the whole picture.
    """
    found = _jpeg_frame(data)
    if found is None:
        return
    marker, frame, scan = found
    if marker not in _HUFFMAN_FRAMES or len(frame) < 6:
        return
    if _entropy_bytes(data, scan) * 8 < _jpeg_blocks(frame):
        raise ImageRejected(filename, TRUNCATED)


def _let_pillow_open(max_pixels: int) -> None:
    """Pillow refuses, on opening, images over twice its own MAX_IMAGE_PIXELS (179 MP by
    default): raise that to our limit, so a photo up to our limit opens, and one somewhat over
    it (up to twice) gets our check's reason, with the size and how to change the limit; both
    refuse from the header, before decoding. Only ever raised, never lowered."""
    current = Image.MAX_IMAGE_PIXELS
    if current is not None and current < max_pixels:
        Image.MAX_IMAGE_PIXELS = max_pixels


def _open(data: bytes, filename: str, max_pixels: int) -> Image.Image:
    """Read only the header; pixels are decoded later, after the size check."""
    _let_pillow_open(max_pixels)
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
    so a 48-megapixel phone photo never exists at full size in memory. Other formats (PNG,
    HEIC, WebP) are decoded whole: peak memory about 5 (PNG) to 7 (HEIC) bytes per pixel,
    measured by benchmarks/large_photos.py; `_reduce` then shrinks them before any copy."""
    if max(image.size) > max_side:
        scale = max_side / max(image.size)
        # JPEG: libjpeg's reduced decode; HEIC: an embedded thumbnail at least this large, if
        # the file has one; PNG and WebP: nothing (decoded whole)
        image.draft(None, (max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _damaged(filename, data, exc) from exc
    return image


_REDUCIBLE_MODES = frozenset({"L", "LA", "RGB", "RGBA", "I", "F", "CMYK", "YCbCr"})


def _reduce(image: Image.Image, max_side: int) -> Image.Image:
    """Shrink a decoded image by the largest whole factor that keeps its longest side at least
    `max_side` (box averaging, in the image's own mode), before any conversion or rotation
    makes more full-size copies; `_fit` then brings it to size with a good filter. Palette and
    bit modes (averaging their indices would be wrong) and modes Pillow cannot reduce are left
    as they are."""
    factor = max(image.size) // max_side
    if factor < 2 or image.mode not in _REDUCIBLE_MODES:
        return image
    return image.reduce(factor)


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
    return image if image.mode == "RGB" else image.convert("RGB")  # no needless copy


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
    opened = _open(data, filename, max_pixels)
    _check_size(opened, filename, max_pixels)
    if data[:2] == b"\xff\xd8":
        _check_jpeg_complete(data, filename)
    fmt = str(opened.format)
    orientation = _orientation(opened)
    width, height = opened.size
    original_size = (height, width) if orientation in _ROTATING_ORIENTATIONS else (width, height)

    decoded = _reduce(_decode(opened, data, filename, max_side), max_side)
    upright = decoded.transpose(_UPRIGHT[orientation]) if orientation in _UPRIGHT else decoded
    rgb = _fit(to_rgb(upright), max_side)
    # A fresh image with no metadata: nothing downstream (rembg, Pillow's own exif_transpose)
    # can find an orientation tag and rotate the pixels a second time.
    clean = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    return LoadedImage(filename, data, sha256_hex(data), fmt, clean, original_size)


_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
               (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def _check_photo_file(info: os.stat_result, name: str, max_bytes: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((k for test, k in _FILE_KINDS if test(info.st_mode)), "not a regular file")
        raise ImageRejected(name, f"not a photo file: it is {kind}")
    if info.st_size > max_bytes:
        raise ImageRejected(name, f"the file is {info.st_size / 2**20:,.0f} MB, more than the "
                                  f"{max_bytes / 2**20:,.0f} MB a photo may have")


def read_photo(path: Path, name: str | None = None, max_bytes: int = MAX_PHOTO_MB * 2**20) -> bytes:
    """A photo file's bytes, checked before anything is read: only a regular file of at most
    `max_bytes` (a FIFO would block forever, a device or a 2 GB file would be read whole).
    Every problem is ImageRejected naming `name` (default: the path as given) and the reason."""
    name = str(path) if name is None else name
    try:
        _check_photo_file(os.stat(path), name, max_bytes)  # before open: no side effects
        # O_NONBLOCK: should a pipe replace the file after the check, opening it still returns
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as file:
            _check_photo_file(os.fstat(file.fileno()), name, max_bytes)  # the file opened
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise ImageRejected(name, f"cannot read the file ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:  # it grew while being read
        raise ImageRejected(name, f"the file is larger than the {MAX_PHOTO_MB} MB a photo may have")
    return data


def read_image_file(path: Path, *, max_pixels: int, max_side: int) -> LoadedImage:
    """`load_image` for a file on disk; unreadable files are refusals too."""
    data = read_photo(path, Path(path).name)
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
