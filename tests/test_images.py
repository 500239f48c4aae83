"""Photo loading: every accepted kind of file becomes an upright RGB image; every bad one is
refused with the file's name and a reason."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from base.config import Settings, load_settings
from core.photos.images import (
    ImageRejected,
    LoadedImage,
    image_bytes,
    load_image,
    read_image_file,
    read_photo,
    thumbnail,
)
from devkit import imaging
from tests.servers import run_with_deadline

LIMITS = {"max_pixels": Settings.max_image_pixels, "max_side": Settings.max_image_side}


def load(data: bytes, filename: str = "photo.jpg", **limits: int) -> LoadedImage:
    return load_image(data, filename, **{**LIMITS, **limits})


def refusal(data: bytes, filename: str, **limits: int) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        load(data, filename, **limits)
    return caught.value


def mean_colour(image: Image.Image, box: tuple[int, int, int, int]) -> np.ndarray:
    return np.asarray(image.crop(box), dtype=np.float64).reshape(-1, 3).mean(axis=0)


@pytest.mark.parametrize(("fmt", "pillow_name"), [
    ("JPEG", "JPEG"), ("PNG", "PNG"), ("WEBP", "WEBP"), ("HEIF", "HEIF"),
])
def test_accepted_formats_become_rgb(fmt: str, pillow_name: str) -> None:
    data = imaging.garment_photo(fmt=fmt, seed=3)
    loaded = load(data, f"shirt.{fmt.lower()}")
    assert loaded.format == pillow_name
    assert loaded.image.mode == "RGB"
    assert loaded.image.size == loaded.original_size == (240, 320)
    assert loaded.sha256 == hashlib.sha256(data).hexdigest()
    assert loaded.data == data
    centre = mean_colour(loaded.image, (100, 150, 140, 200))
    assert centre[0] > 150 and centre[1] < 80 and centre[2] < 80  # the red shirt survived


def test_exif_rotated_jpeg_is_upright_and_carries_no_orientation() -> None:
    loaded = load(imaging.exif_rotated_jpeg(size=(120, 200)), "phone.jpg")
    image = loaded.image
    assert image.size == (120, 200) == loaded.original_size  # stored 200x120, shown portrait
    top, bottom = mean_colour(image, (40, 40, 110, 90)), mean_colour(image, (10, 120, 110, 190))
    assert top[0] > 150 and top[2] < 90  # red half on top
    assert bottom[2] > 150 and bottom[0] < 90  # blue half below
    corner = mean_colour(image, (2, 2, 25, 20))
    assert corner[1] > 120 and corner[0] < 90  # green block top-left: not mirrored either
    # Nothing downstream can rotate it a second time.
    assert image.getexif().get(0x0112) is None
    assert np.array_equal(np.asarray(ImageOps.exif_transpose(image)), np.asarray(image))


def test_cmyk_jpeg_becomes_rgb_with_its_colours() -> None:
    loaded = load(imaging.cmyk_jpeg(colour=imaging.RED), "print.jpg")
    assert loaded.image.mode == "RGB"
    centre = mean_colour(loaded.image, (100, 150, 140, 200))
    assert centre[0] > 150 and centre[1] < 90 and centre[2] < 90


def test_16bit_png_is_scaled_not_clipped() -> None:
    loaded = load(imaging.png_16bit(size=(160, 200)), "scan.png")
    assert loaded.image.mode == "RGB"
    background = mean_colour(loaded.image, (0, 0, 10, 10))
    garment = mean_colour(loaded.image, (60, 90, 100, 130))
    # 128*257 and 250*257 in 16 bits -> about 128 and 250 in 8 bits (clipping would give 255).
    assert 110 < background[0] < 146
    assert garment[0] > 235
    assert np.allclose(background, background[0])  # still grey


def test_palette_png_keeps_its_colours() -> None:
    loaded = load(imaging.palette_png(colour=imaging.BLUE), "small.png")
    centre = mean_colour(loaded.image, (100, 150, 140, 200))
    assert centre[2] > 150 and centre[0] < 80


@pytest.mark.parametrize("maker", [imaging.la_png, imaging.rgba_png])
def test_transparent_background_becomes_white(maker) -> None:
    loaded = load(maker(), "cutout.png")
    assert loaded.image.mode == "RGB"
    assert mean_colour(loaded.image, (0, 0, 15, 15)).min() > 250
    assert mean_colour(loaded.image, (100, 150, 140, 200)).max() < 230  # garment still there


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_large_images_are_downscaled_on_load(fmt: str) -> None:
    data = imaging.encode(imaging.garment_image(size=(2000, 1500)), fmt)
    loaded = load(data, f"big.{fmt.lower()}", max_side=500)
    assert loaded.image.size == (500, 375)
    assert loaded.original_size == (2000, 1500)


def test_empty_file_is_refused() -> None:
    error = refusal(b"", "empty.jpg")
    assert error.filename == "empty.jpg"
    assert "empty" in error.reason
    assert str(error) == f"empty.jpg: {error.reason}"
    assert isinstance(error, ValueError)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
@pytest.mark.parametrize("keep", [0.9, 0.5])
def test_truncated_files_are_refused(fmt: str, keep: float) -> None:
    error = refusal(imaging.truncated(imaging.garment_photo(fmt=fmt), keep), "cut-short.img")
    assert error.filename == "cut-short.img"
    assert "truncated" in error.reason


def test_text_saved_as_jpg_is_refused() -> None:
    error = refusal(imaging.text_file(), "notes.jpg")
    assert "not an image" in error.reason


@pytest.mark.parametrize(("fmt", "name"), [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF")])
def test_unsupported_formats_are_refused_by_name(fmt: str, name: str) -> None:
    error = refusal(imaging.garment_photo(fmt=fmt), f"shirt.{fmt.lower()}")
    assert f"{name} images are not supported" in error.reason
    assert "JPEG" in error.reason


def test_decompression_bomb_is_refused_without_decoding() -> None:
    bomb = imaging.png_bomb(30_000, 30_000)  # ~100 kB on disk, 900 megapixels decoded
    tracemalloc.start()
    try:
        error = refusal(bomb, "bomb.png")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "decompression bomb" in error.reason
    assert peak < 20_000_000  # decoding would need ~900 MB; we never got near it


def test_pixel_limit_is_checked_from_the_header() -> None:
    data = imaging.encode(Image.new("RGB", (3000, 2000), (128, 128, 128)), "PNG")
    error = refusal(data, "wide.png", max_pixels=5_000_000)
    assert "3000x2000" in error.reason and "megapixels" in error.reason


def test_the_default_limit_takes_200_megapixel_photos(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.delenv("WHAT2WEAR_MAX_IMAGE_PIXELS", raising=False)
    assert load_settings(tmp_path).max_image_pixels == 200_000_000
    monkeypatch.setenv("WHAT2WEAR_MAX_IMAGE_PIXELS", "60000000")
    assert load_settings(tmp_path).max_image_pixels == 60_000_000


def _gradient(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A smooth picture of `size`: compresses to little, decodes to the full size."""
    grey = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    if mode == "L":
        return grey
    return Image.merge("RGB", (grey, grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
                               Image.new("L", size, 90)))


def _peak_growth_mb(action) -> float | None:
    """Peak resident memory during `action()` above the resident memory before it (Linux:
    VmHWM reset via /proc/self/clear_refs); None where that cannot be measured."""
    status = Path("/proc/self/status")

    def field(name: str) -> float:
        line = next(x for x in status.read_text().splitlines() if x.startswith(name + ":"))
        return int(line.split()[1]) / 1024

    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        action()
        return None
    before = field("VmRSS")
    action()
    return field("VmHWM") - before


def test_a_48_megapixel_jpeg_is_accepted_and_decoded_at_reduced_scale() -> None:
    data = imaging.encode(_gradient((8000, 6000)), "JPEG", quality=85)
    assert len(data) < 5_000_000
    loaded: list[LoadedImage] = []
    growth = _peak_growth_mb(lambda: loaded.append(load(data, "IMG_4312.jpg")))
    (photo,) = loaded
    assert photo.format == "JPEG" and photo.original_size == (8000, 6000)
    assert photo.image.size == (2048, 1536) and photo.image.mode == "RGB"
    top, bottom = mean_colour(photo.image, (900, 0, 1100, 40)), mean_colour(
        photo.image, (900, 1496, 1100, 1536))
    assert top[0] < 40 and bottom[0] > 215  # the gradient survived the reduced decode
    if growth is not None:  # decoded whole it would take 137 MB for the pixels alone
        assert growth < 130, f"peak memory grew by {growth:.0f} MB"


def test_a_48_megapixel_png_is_accepted_and_downscaled() -> None:
    data = imaging.encode(_gradient((8000, 6000)), "PNG", compress_level=1)
    photo = load(data, "scan.png")
    assert photo.original_size == (8000, 6000) and photo.image.size == (2048, 1536)
    assert mean_colour(photo.image, (900, 0, 1100, 40))[0] < 40


def test_a_192_megapixel_jpeg_passes_pillows_own_bomb_check() -> None:
    # Pillow alone refuses anything over 179 MP when opening; our limit is 200 MP.
    data = imaging.encode(_gradient((16000, 12000), "L"), "JPEG", quality=80)
    photo = load(data, "200mp.jpg")
    assert photo.original_size == (16000, 12000)
    assert photo.image.size == (2048, 1536) and photo.image.mode == "RGB"


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is rewritten to claim width x height."""
    data = bytearray(imaging.encode(_gradient((64, 48)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


@pytest.mark.parametrize(("maker", "name"), [
    (lambda: imaging.png_bomb(20_000, 12_500), "bomb.png"),
    (lambda: _jpeg_claiming(20_000, 12_500), "bomb.jpg"),
])
def test_a_250_megapixel_header_is_refused_before_decoding(maker, name: str) -> None:
    data = maker()
    tracemalloc.start()
    try:
        error = refusal(data, name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.filename == name
    assert error.reason == (
        "the image is 20000x12500 = 250 megapixels, more than the limit of 200 (refused as a "
        "possible decompression bomb; WHAT2WEAR_MAX_IMAGE_PIXELS raises the limit)")
    assert peak < 20_000_000


def test_read_image_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "shirt.webp"
    path.write_bytes(imaging.garment_photo(fmt="WEBP"))
    assert read_image_file(path, **LIMITS).filename == "shirt.webp"
    with pytest.raises(ImageRejected) as caught:
        read_image_file(tmp_path / "missing.jpg", **LIMITS)
    assert caught.value.filename == "missing.jpg"
    assert "cannot read" in caught.value.reason


def test_thumbnail_and_png_bytes_keep_aspect_and_alpha() -> None:
    cut = Image.new("RGBA", (400, 800), (255, 0, 0, 0))
    small = thumbnail(cut, side=100)
    assert small.size == (50, 100) and small.mode == "RGBA"
    assert cut.size == (400, 800)  # the original is untouched
    again = Image.open(io.BytesIO(image_bytes(small, "PNG")))
    assert again.mode == "RGBA" and again.getpixel((0, 0))[3] == 0


# --- truncated JPEGs and files that are not photo files ---------------------------------------

def test_a_cut_off_jpeg_ending_in_eoi_is_refused_not_stored_grey() -> None:
    """634 bytes claiming 6000x6000: libjpeg paints the missing scan grey and only warns."""
    full = imaging.encode(Image.new("RGB", (6000, 6000), (200, 30, 30)), "JPEG", quality=10)
    cut = full[:632] + b"\xff\xd9"  # the headers and a few bytes of scan, then End Of Image
    assert len(cut) == 634
    error = refusal(cut, "big.jpg")
    assert str(error).startswith("big.jpg: ") and "truncated" in error.reason


@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK"])
@pytest.mark.parametrize("options", [
    {}, {"progressive": True}, {"optimize": True}, {"subsampling": 0},
    {"progressive": True, "optimize": True, "quality": 1}, {"restart_marker_blocks": 1},
], ids=["baseline", "progressive", "optimized", "444", "tiny-progressive", "restarts"])
def test_complete_jpegs_of_every_kind_pass_the_truncation_check(
    mode: str, options: dict[str, object]
) -> None:
    """The bound is one bit per 8x8 block: flat pictures, compressed hardest, still pass."""
    for picture in (Image.new(mode, (1600, 1200), 0), imaging.garment_image("tshirt", imaging.RED, (640, 480), 0).convert(mode)):
        assert load(imaging.encode(picture, "JPEG", **options)).original_size == picture.size


def test_only_regular_photo_sized_files_are_read(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.jpg"
    os.mkfifo(pipe)
    sparse = tmp_path / "huge.jpg"
    with sparse.open("wb") as f:
        f.truncate(2 * 2**30)  # 2 GB that takes no disk space
    folder = tmp_path / "folder.jpg"
    folder.mkdir()
    try:
        tracemalloc.start()
        for path, reason in ((pipe, "it is a named pipe"), (folder, "it is a folder"),
                             (Path("/dev/zero"), "it is a device"),
                             (sparse, "the file is 2,048 MB, more than the 50 MB")):
            with pytest.raises(ImageRejected) as refused:
                run_with_deadline(lambda p=path: read_photo(p))
            assert str(refused.value).startswith(f"{path}: ") and reason in refused.value.reason
        assert tracemalloc.get_traced_memory()[1] < 50 * 2**20  # nothing big was read
    finally:
        tracemalloc.stop()
        with contextlib.suppress(OSError):  # release a reader stuck on the pipe, if any
            os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
    photo = tmp_path / "shirt.jpg"
    photo.write_bytes(imaging.garment_photo())
    assert read_photo(photo) == photo.read_bytes()
