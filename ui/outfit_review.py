"""Outfit photos just uploaded: each photo with its garment regions drawn, and per region the
item it became, to give to another item or drop (logic: core/views/outfit_review.py)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from base.records import IngestOutcome
from core.views import outfit_review as review
from core.wardrobe.batch import PhotoInput
from core.wardrobe.service import Wardrobe
from ui import resources
from ui.actions import act
from ui.text import plain

_PHOTOS = "outfit_review_photos"
MAX_KEPT_BYTES = 200 * 2**20  # photos kept for the review, per batch (session memory)


def remember(uploads: Sequence[PhotoInput], outfit: bool) -> None:
    """Keep the batch's photos when they are outfit photos, to draw their regions after the
    page reruns (the uploader is emptied then); any earlier batch's photos are let go."""
    kept: dict[str, bytes] = {}
    total = 0
    for upload in uploads if outfit else ():
        data = upload.read()
        total += len(data)
        if total > MAX_KEPT_BYTES:
            break
        kept[upload.filename] = data
    st.session_state[_PHOTOS] = kept


def show(wardrobe: Wardrobe, results: Sequence[IngestOutcome]) -> None:
    """The review of the last batch's outfit photos (nothing when it had none)."""
    photos: dict[str, bytes] = st.session_state.get(_PHOTOS) or {}
    added = [r for r in results if r.outfit_id and r.regions and r.filename in photos]
    if not added:
        return
    names = review.item_names(wardrobe)
    st.subheader("What was taken from your outfit photos")
    st.caption("Each box is one piece of the outfit. If a box went to the wrong item, give it "
               "to the right one; if it is not a piece you wore, drop it.")
    for outcome in added:
        try:
            outfit = wardrobe.outfit(str(outcome.outfit_id))
        except KeyError:  # the outfit was deleted since
            continue
        regions = review.current_regions(review.regions_of(outcome), outfit)
        photo_column, controls = st.columns([2, 3])
        with photo_column:
            image = review.draw_regions(photos[outcome.filename], outcome.filename, regions,
                                        wardrobe.settings)
            if image is not None:
                st.image(image, caption=plain(outcome.filename))
        with controls:
            for region in regions:
                _region_controls(wardrobe, outfit.id, region, names)


def _region_controls(wardrobe: Wardrobe, outfit_id: str, region: review.RegionView,
                     names: dict[str, str]) -> None:
    # the piece's name in the colour of its box on the photo
    st.markdown(f":{region.colour.name}[**{plain(region.piece)}**]: "
                f"{plain(region.what_it_became(names))}")
    key = f"review-{outfit_id}-{region.slot}"
    options = [i.id for i in review.candidates(wardrobe, region.slot, region.item_id)]
    give, keep_out = st.columns([3, 1])
    with give:
        st.selectbox("Give it to", options, key=key, format_func=lambda i: names.get(i, i),
                     label_visibility="collapsed")
        st.button("Give to this item", key=f"{key}-give", on_click=act,
                  args=("Reassigning the region", _reassign, outfit_id, region.slot, key))
    with keep_out:
        st.button("Drop", key=f"{key}-drop", on_click=act,
                  args=("Dropping the region", _drop, outfit_id, region.slot))


def _reassign(outfit_id: str, slot: str, key: str) -> str:
    item_id = st.session_state.get(key)
    if not item_id:
        return "Choose an item first."
    return plain(review.reassign(resources.wardrobe(), outfit_id, slot, item_id))


def _drop(outfit_id: str, slot: str) -> str:
    return plain(review.drop(resources.wardrobe(), outfit_id, slot))
