"""Body bands of full-body outfit photos: the seed's 20-row ratios inside the person's box."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.photos.background import BackgroundRemover, CutOut
from core.photos.bodycrop import SEED_ROWS, band_fractions, cut_bands, person_box
from core.photos.tagging import main_colours
from devkit import imaging


def test_band_fractions_map_seed_rows_into_the_box() -> None:
    assert band_fractions("top") == pytest.approx((3 / 17, 11 / 17))
    assert band_fractions("bottom") == pytest.approx((7 / 17, 16 / 17))
    assert band_fractions("shoes") == pytest.approx((13 / 17, 1.0))
    # The seed's overlaps survive the mapping.
    assert band_fractions("bottom")[0] < band_fractions("top")[1]
    assert band_fractions("shoes")[0] < band_fractions("bottom")[1]


@pytest.mark.parametrize("size", [(300, 600), (500, 700)])
def test_bands_with_background_removed(tiny_rembg_model: str, size: tuple[int, int]) -> None:
    photo = imaging.outfit_image(imaging.RED, imaging.NAVY, imaging.YELLOW, size=size)
    cut = BackgroundRemover(tiny_rembg_model).cut_out(photo)
    assert cut.removed
    bands = cut_bands(cut)
    expected = imaging.figure_layout(size).person_box
    assert bands.person_found
    assert np.abs(np.subtract(bands.person_box, expected)).max() <= 4
    left, top, right, bottom = bands.person_box
    for name in SEED_ROWS:
        f0, f1 = band_fractions(name)
        x0, y0, x1, y1 = bands.boxes[name]
        assert (x0, x1) == (left, right)
        assert abs(y0 - (top + f0 * (bottom - top))) <= 1
        assert abs(y1 - (top + f1 * (bottom - top))) <= 1
        assert getattr(bands, name).size == (x1 - x0, y1 - y0)
        assert getattr(bands, name).mode == "RGB"
    assert main_colours(bands.top)[0] == "red"
    assert main_colours(bands.bottom)[0] == "navy"
    assert "yellow" in main_colours(bands.shoes)
    assert bands.boxes["shoes"][3] == bottom  # the shoe band reaches the soles


def test_bands_are_on_white(tiny_rembg_model: str) -> None:
    cut = BackgroundRemover(tiny_rembg_model).cut_out(imaging.outfit_image())
    bottom = np.asarray(cut_bands(cut).bottom)
    legs = bottom[bottom.shape[0] // 2 :]  # the band's upper part still shows the top
    assert legs[:, legs.shape[1] // 2].min() > 230  # the gap between the legs is white
    assert legs[:, 2].min() > 230  # so is the room beside them


def test_person_box_without_removal_uses_the_background_colour() -> None:
    cut = BackgroundRemover("none").cut_out(imaging.outfit_image(size=(300, 600)))
    assert not cut.removed
    box = person_box(cut)
    assert box is not None
    assert np.abs(np.subtract(box, imaging.figure_layout((300, 600)).person_box)).max() <= 4


def test_no_person_falls_back_to_the_whole_photo() -> None:
    plain = Image.new("RGB", (200, 400), imaging.BACKGROUND)
    bands = cut_bands(CutOut(plain.convert("RGBA"), plain, False))
    assert not bands.person_found
    assert bands.person_box == (0, 0, 200, 400)
    assert bands.boxes["shoes"][3] == 400
