"""Tags: zero-shot category/sub-type/season plumbing on the tiny CLIP, colours from pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from base.vocabulary import CATEGORIES, SEASONS, SUBTYPES
from core.photos.background import BackgroundRemover
from core.photos.encoder import FashionEncoder, load_encoder
from core.photos.tagging import Tags, classify, main_colours, prompt_vectors, tag_item
from devkit import imaging


@pytest.fixture(scope="module")
def encoder(tiny_clip_dir: Path) -> FashionEncoder:
    return load_encoder(str(tiny_clip_dir))


def test_vocabulary_matches_the_shared_categories() -> None:
    assert set(CATEGORIES) == {"top", "bottom", "outerwear", "onepiece", "shoes", "bag",
                               "accessory"}
    assert set(SUBTYPES.values()) == set(CATEGORIES)


def test_prompt_vectors_are_computed_once_per_encoder(encoder: FashionEncoder) -> None:
    first = prompt_vectors(encoder)
    assert prompt_vectors(encoder) is first
    assert first.subtype_vectors.shape == (len(SUBTYPES), 512)
    assert first.season_vectors.shape == (len(SEASONS), 512)
    assert np.allclose(np.linalg.norm(first.subtype_vectors, axis=1), 1.0, atol=1e-5)


def test_an_embedding_equal_to_a_prompt_gets_that_subtype(encoder: FashionEncoder) -> None:
    prompts = prompt_vectors(encoder)
    for index, subtype in enumerate(prompts.subtypes):
        category, found, confidence, seasons = classify(encoder, prompts.subtype_vectors[index])
        assert (found, category) == (subtype, SUBTYPES[subtype])
        assert 0.0 < confidence <= 1.0
        assert seasons and set(seasons) <= set(SEASONS)
        assert list(seasons) == [s for s in SEASONS if s in seasons]  # calendar order


def test_season_rule_takes_every_season_at_least_as_likely_as_chance(
        encoder: FashionEncoder) -> None:
    prompts = prompt_vectors(encoder)
    winter = prompts.season_vectors[SEASONS.index("winter")]
    assert "winter" in classify(encoder, winter)[3]
    middle = prompts.season_vectors.mean(axis=0)
    middle /= np.linalg.norm(middle)
    # Roughly equally close to every season: several seasons qualify, never none.
    assert len(classify(encoder, middle)[3]) >= 2


def _cut(colour, kind: str = "tshirt", model: str | None = None) -> Image.Image:
    photo = imaging.garment_image(kind, colour, seed=1)
    if model is None:
        return photo
    cut = BackgroundRemover(model).cut_out(photo)
    assert cut.removed
    return cut.rgba


@pytest.mark.parametrize(("colour", "name"), [
    (imaging.RED, "red"), (imaging.BLUE, "blue"), (imaging.GREEN, "green"),
    (imaging.YELLOW, "yellow"), (imaging.NAVY, "navy"),
])
def test_colours_of_a_cut_out_garment(colour, name: str, tiny_rembg_model: str) -> None:
    colours = main_colours(_cut(colour, model=tiny_rembg_model))
    assert colours[0] == name
    assert "grey" not in colours  # the removed background does not count


def test_uncut_photo_counts_its_background() -> None:
    colours = main_colours(_cut(imaging.RED))
    assert set(colours) >= {"red", "grey"}


def test_colour_share_threshold_and_limit() -> None:
    def stripes(shares: dict[tuple[int, int, int], int]) -> Image.Image:
        rows = [np.tile(np.array(c, np.uint8), (n, 100, 1)) for c, n in shares.items()]
        return Image.fromarray(np.concatenate(rows))

    assert main_colours(stripes({imaging.RED: 70, imaging.YELLOW: 30})) == ("red", "yellow")
    assert main_colours(stripes({imaging.RED: 95, imaging.YELLOW: 5})) == ("red",)
    four = stripes({imaging.RED: 30, imaging.BLUE: 26, imaging.GREEN: 24, imaging.YELLOW: 20})
    assert main_colours(four) == ("red", "blue", "green")
    black_white = stripes({(15, 15, 15): 50, (250, 250, 250): 50})
    assert set(main_colours(black_white)) == {"black", "white"}


def test_transparent_pixels_are_ignored() -> None:
    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[:, :, :3] = imaging.RED
    rgba[:, :20] = (*imaging.BLUE, 255)  # only this strip is visible
    assert main_colours(Image.fromarray(rgba, mode="RGBA")) == ("blue",)
    rgba[:, :, 3] = 0
    assert main_colours(Image.fromarray(rgba, mode="RGBA")) == ()


def test_tag_item_combines_model_and_colour_tags(encoder: FashionEncoder,
                                                 tiny_rembg_model: str) -> None:
    cut = BackgroundRemover(tiny_rembg_model).cut_out(imaging.garment_image(seed=2))
    vector = encoder.encode_images([cut.on_white])[0]
    tags = tag_item(encoder, vector, cut.rgba)
    assert isinstance(tags, Tags)
    assert tags.category in CATEGORIES and SUBTYPES[tags.subtype] == tags.category
    assert tags.colours[0] == "red"
    assert tags.seasons and 0.0 < tags.confidence <= 1.0
