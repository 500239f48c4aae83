"""After an outfit photo is uploaded: what was taken as which piece, and the person's fixes.

The photo is shown with each garment region drawn and named after the item it matched or was
made into; a region can be given to another item of the wardrobe (the band matching guessed
wrong) or dropped from the outfit (it is not a garment, or not one worth recording). Items are
never deleted here: a dropped region's new item stays in the wardrobe, to delete or keep from
the gallery.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from base.config import Settings
from base.records import IngestOutcome, ItemRecord, OutfitRecord
from base.vocabulary import BOTTOM, ONEPIECE, OUTERWEAR, SHOES, TOP
from core.photos.images import ImageRejected, load_image
from core.views.gallery import category_label, display_name
from core.wardrobe.service import Wardrobe


@dataclass(frozen=True)
class RegionColour:
    """A slot's colour: `rgb` for its box on the photo (readable on light and dark photos with
    the outline), `name` for the row of controls that belongs to that box."""

    name: str
    rgb: tuple[int, int, int]


REGION_COLOURS: dict[str, RegionColour] = {
    TOP: RegionColour("red", (230, 57, 70)), BOTTOM: RegionColour("blue", (29, 120, 216)),
    SHOES: RegionColour("green", (46, 160, 67)), ONEPIECE: RegionColour("violet", (155, 89, 182)),
}
OTHER_REGION = RegionColour("orange", (255, 200, 0))
LABEL_SHARE = 1 / 32  # the piece's name on its box, as a share of the photo's longer side
# Categories an item may have to be given a region cut for this slot.
REASSIGN_CATEGORIES: dict[str, tuple[str, ...]] = {
    TOP: (TOP, OUTERWEAR, ONEPIECE), ONEPIECE: (ONEPIECE, TOP), BOTTOM: (BOTTOM,), SHOES: (SHOES,),
}


@dataclass(frozen=True)
class RegionView:
    """One region of an outfit photo as the review shows it."""

    slot: str
    item_id: str
    box: tuple[int, int, int, int]
    matched: bool  # an existing item (True) or one made from this region (False)
    similarity: float | None

    @property
    def piece(self) -> str:
        return category_label(self.slot)

    @property
    def colour(self) -> RegionColour:
        return REGION_COLOURS.get(self.slot, OTHER_REGION)

    def what_it_became(self, names: dict[str, str]) -> str:
        how = (f"matched {names.get(self.item_id, self.item_id)}" if self.matched
               else f"new item {names.get(self.item_id, self.item_id)}")
        score = f" ({self.similarity:.2f})" if self.similarity is not None else ""
        return f"{how}{score}"


def regions_of(outcome: IngestOutcome) -> list[RegionView]:
    """The regions of an added outfit photo that have a box to draw."""
    return [RegionView(r.slot, r.item_id, r.box, r.matched, r.similarity)
            for r in outcome.regions if r.box is not None]


def current_regions(regions: list[RegionView], outfit: OutfitRecord) -> list[RegionView]:
    """The regions as the outfit stands now: reassigned items shown, dropped regions gone."""
    by_item = {item: slot for slot, item in outfit.items.items()}
    shown: list[RegionView] = []
    for region in regions:
        if region.slot in outfit.items:
            item = outfit.items[region.slot]
            shown.append(RegionView(region.slot, item, region.box,
                                    region.matched if item == region.item_id else True,
                                    region.similarity if item == region.item_id else None))
        elif region.item_id in by_item:  # still there under another slot (top -> onepiece)
            shown.append(RegionView(by_item[region.item_id], region.item_id, region.box,
                                    region.matched, region.similarity))
    return shown


def draw_regions(data: bytes, filename: str, regions: list[RegionView],
                 settings: Settings) -> Image.Image | None:
    """The photo as ingest saw it (same orientation and size, so the boxes fit) with each
    region outlined and tagged with its piece's name, in letters sized to the photo so they stay
    readable when it is shown small (which item it went to is written beside the photo); None
    when the photo cannot be read again."""
    try:
        image = load_image(data, filename, max_pixels=settings.max_image_pixels,
                           max_side=settings.max_image_side).image.convert("RGB")
    except ImageRejected:
        return None
    draw = ImageDraw.Draw(image)
    width = max(2, round(max(image.size) / 250))
    font = ImageFont.load_default(size=max(12, round(max(image.size) * LABEL_SHARE)))
    pad = max(2, width)
    for region in regions:
        colour = region.colour.rgb
        draw.rectangle(region.box, outline=colour, width=width)
        left, top = region.box[0] + width + pad, region.box[1] + width + pad
        bbox = draw.textbbox((left, top), region.piece, font=font)
        draw.rectangle((bbox[0] - pad, bbox[1] - pad, bbox[2] + pad, bbox[3] + pad), fill=colour)
        draw.text((left, top), region.piece, fill=(255, 255, 255), font=font)
    return image


def candidates(wardrobe: Wardrobe, slot: str, current: str) -> list[ItemRecord]:
    """Items the region may be given to instead: the slot's categories, current one first."""
    allowed = REASSIGN_CATEGORIES.get(slot, (slot,))
    items = [i for i in wardrobe.items() if i.category in allowed]
    return sorted(items, key=lambda i: (i.id != current, display_name(i).lower()))


def item_names(wardrobe: Wardrobe) -> dict[str, str]:
    return {i.id: display_name(i) for i in wardrobe.items()}


def reassign(wardrobe: Wardrobe, outfit_id: str, slot: str, item_id: str) -> str:
    """Give the region to another item; the sentence says what happened or why not."""
    try:
        outfit = wardrobe.set_outfit_item(outfit_id, slot, item_id)
    except (KeyError, ValueError) as error:
        return f"Not changed: {str(error).strip(chr(39))}"
    name = display_name(wardrobe.item(item_id))
    new_slot = next(s for s, i in outfit.items.items() if i == item_id)
    return f"The {slot} is now {name}" + (f" (as {new_slot})" if new_slot != slot else "") + "."


def drop(wardrobe: Wardrobe, outfit_id: str, slot: str) -> str:
    """Leave the region out of the outfit (its item stays in the wardrobe)."""
    try:
        wardrobe.set_outfit_item(outfit_id, slot, None)
    except (KeyError, ValueError) as error:
        return f"Not changed: {str(error).strip(chr(39))}"
    return f"The {slot} region is no longer part of this outfit; its item stays in your wardrobe."
