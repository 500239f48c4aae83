"""The review after an outfit upload (core/views/outfit_review.py): regions drawn on the photo,
a region given to another item or dropped. Real photos, the real pose model, real stores."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from base.config import Settings
from core.views import outfit_review as review
from core.wardrobe import Wardrobe
from core.wardrobe.batch import PhotoInput
from devkit.imaging import GREEN, garment_photo

FIXTURES = Path(__file__).parent / "fixtures" / "outfits"
PHOTO = "unsplash_03_07.jpg"


@pytest.fixture
def wardrobe(settings: Settings) -> Iterator[Wardrobe]:
    with Wardrobe.open(dataclasses.replace(settings, pose_model="")) as opened:
        yield opened


def upload(wardrobe: Wardrobe):  # type: ignore[no-untyped-def]
    data = (FIXTURES / PHOTO).read_bytes()
    [outcome] = wardrobe.ingest_batch([PhotoInput.from_bytes(PHOTO, data)], outfit=True)
    assert outcome.status == "added", outcome.reason
    return outcome, data


def test_regions_are_drawn_on_the_photo_as_ingest_saw_it(wardrobe: Wardrobe) -> None:
    outcome, data = upload(wardrobe)
    regions = review.regions_of(outcome)
    assert {r.slot for r in regions} == {"top", "bottom", "shoes"}
    assert all(not r.matched for r in regions)  # an empty wardrobe: every piece is new
    names = review.item_names(wardrobe)
    image = review.draw_regions(data, PHOTO, regions, wardrobe.settings)
    assert image is not None and image.size == (575, 900)
    top = next(r for r in regions if r.slot == "top")
    assert image.getpixel((top.box[0] + 1, (top.box[1] + top.box[3]) // 2)) == review.REGION_COLOURS["top"].rgb
    # the piece's name is tagged in letters sized to the photo (readable when shown ~400 px
    # wide): the tag's fill reaches well below the box's top edge
    assert image.getpixel((top.box[0] + 8, top.box[1] + 24)) == review.REGION_COLOURS["top"].rgb
    assert (top.piece, top.what_it_became(names)) == ("top", f"new item {wardrobe.item(top.item_id).name}")
    dress = review.RegionView("onepiece", top.item_id, top.box, True, 0.91)  # a dress found from pixels
    assert (dress.piece, dress.what_it_became(names)) == ("one-piece", f"matched {wardrobe.item(top.item_id).name} (0.91)")
    assert review.draw_regions(b"broken", PHOTO, regions, wardrobe.settings) is None


def test_a_region_is_given_to_another_item(wardrobe: Wardrobe) -> None:
    outcome, _ = upload(wardrobe)
    shirt = wardrobe.ingest_bytes(garment_photo("tshirt", GREEN, seed=3), "green shirt.png", category="top")
    top = next(r for r in review.regions_of(outcome) if r.slot == "top")
    choices = review.candidates(wardrobe, "top", top.item_id)
    assert choices[0].id == top.item_id and shirt.item_id in {c.id for c in choices}
    assert all(c.category in ("top", "outerwear", "onepiece") for c in choices)
    message = review.reassign(wardrobe, str(outcome.outfit_id), "top", str(shirt.item_id))
    assert message == f"The top is now {wardrobe.item(shirt.item_id).name}."
    outfit = wardrobe.outfit(str(outcome.outfit_id))
    assert outfit.items["top"] == shirt.item_id
    shown = review.current_regions(review.regions_of(outcome), outfit)
    assert next(r for r in shown if r.slot == "top").item_id == shirt.item_id
    assert wardrobe.item(top.item_id)  # the item made from the region is kept


def test_a_dress_for_the_top_needs_the_bottom_dropped_first(wardrobe: Wardrobe) -> None:
    outcome, _ = upload(wardrobe)
    dress = wardrobe.ingest_bytes(garment_photo("dress", GREEN, seed=5), "dress.png", category="onepiece")
    outfit_id = str(outcome.outfit_id)
    before = wardrobe.outfit(outfit_id).items
    message = review.reassign(wardrobe, outfit_id, "top", str(dress.item_id))
    assert message.startswith("Not changed:") and "one-piece" in message
    assert wardrobe.outfit(outfit_id).items == before  # a refusal changes nothing
    assert "no longer part" in review.drop(wardrobe, outfit_id, "bottom")
    assert review.reassign(wardrobe, outfit_id, "top", str(dress.item_id)) == (
        f"The top is now {wardrobe.item(dress.item_id).name} (as onepiece).")
    assert set(wardrobe.outfit(outfit_id).items) == {"onepiece", "shoes"}


def test_dropping_regions_keeps_their_items_and_at_least_one_piece(wardrobe: Wardrobe) -> None:
    outcome, _ = upload(wardrobe)
    outfit_id = str(outcome.outfit_id)
    items_before = {i.id for i in wardrobe.items()}
    review.drop(wardrobe, outfit_id, "shoes")
    review.drop(wardrobe, outfit_id, "bottom")
    assert set(wardrobe.outfit(outfit_id).items) == {"top"}
    assert review.drop(wardrobe, outfit_id, "top").startswith("Not changed:")
    assert review.drop(wardrobe, outfit_id, "shoes").startswith("Not changed:")
    assert {i.id for i in wardrobe.items()} == items_before
    shown = review.current_regions(review.regions_of(outcome), wardrobe.outfit(outfit_id))
    assert [r.slot for r in shown] == ["top"]
