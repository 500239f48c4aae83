"""A category chosen at upload ("these are all shoes") limits the guessed sub-type: through the
real ingest path (tiny CLIP, tiny background model, SQLite and Chroma in a temporary home)."""

from __future__ import annotations

import pytest

from base.config import Settings
from base.vocabulary import CATEGORIES, SUBTYPES
from core.wardrobe.service import Wardrobe
from devkit import imaging


def test_every_chosen_category_gets_a_subtype_of_its_own(settings: Settings) -> None:
    with Wardrobe.open(settings) as wardrobe:
        for seed, category in enumerate(CATEGORIES):
            # a t-shirt photo filed as anything: the tiny CLIP's guess is arbitrary, the
            # restriction is not
            data = imaging.garment_photo("tshirt", imaging.RED, seed=100 + seed)
            outcome = wardrobe.ingest_bytes(data, f"{category}.jpg", category=category)
            assert outcome.status == "added", outcome.reason
            item = wardrobe.item(outcome.item_id)
            assert item.category == category
            assert SUBTYPES[item.subtype] == category, (category, item.subtype)


@pytest.mark.parametrize("seed", range(2))
def test_shoes_never_get_a_non_shoe_subtype(settings: Settings, seed: int) -> None:
    with Wardrobe.open(settings) as wardrobe:
        for kind in imaging.GARMENT_KINDS:
            data = imaging.garment_photo(kind, imaging.BLUE, seed=10 * seed + len(kind))
            outcome = wardrobe.ingest_bytes(data, f"{kind}.jpg", category="shoes")
            assert SUBTYPES[wardrobe.item(outcome.item_id).subtype] == "shoes"
