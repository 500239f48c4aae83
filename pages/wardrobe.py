"""Wardrobe: add photos, browse and filter the gallery, edit one item."""

from __future__ import annotations

import streamlit as st

from base.records import ItemRecord
from base.vocabulary import SEASONS, SLOT_OF_CATEGORY
from core.views.gallery import (
    CATEGORY_ORDER,
    PALETTE,
    GalleryFilter,
    category_label,
    colour_options,
    filter_items,
    group_by_category,
)
from core.views.item_edits import ItemForm, changed_fields
from core.views.uploads import details, shared_warnings, summarise
from core.wardrobe.batch import PhotoInput
from core.wardrobe.service import Wardrobe
from ui import outfit_review, resources
from ui.actions import act, show_messages
from ui.page import run_page
from ui.text import plain
from ui.widgets import item_caption, picture

PHOTO_TYPES = ["jpg", "jpeg", "png", "webp", "heic", "heif"]
AUTO = "auto"
ANY = "any"
GRID_COLUMNS = 5
SEARCH_RESULTS = "Search results"
EMPTY_HELP = (
    "**Your wardrobe is empty — let's start.**\n\n"
    "1. Lay one piece of clothing flat (or hang it) against a plain background and take a photo. "
    "One piece per photo works best; a few tops, bottoms and shoes are enough to begin.\n"
    "2. Upload the photos below. Tell the app what they are if they are all the same kind "
    "(\"these are all shoes\"); otherwise it guesses, and you can fix any guess later.\n"
    "3. Open **What goes with this** and pick a piece: the app puts complete outfits together "
    "from your own clothes.\n\n"
    "You can also upload full-body photos of outfits you wore: they teach the app your style."
)
state = st.session_state


# --- upload ---------------------------------------------------------------------------------

def upload_section(wardrobe: Wardrobe) -> None:
    state.setdefault("upload_round", 0)
    if not wardrobe.status.encoder_ready:
        st.caption("The encoder is not loaded, so the app cannot guess categories: choose one "
                   "for each batch. Photos are embedded once the model is available.")
    mode = st.radio(
        "Each photo shows", ["items", "outfits"], horizontal=True, key="upload_mode",
        format_func=lambda m: "one piece of clothing" if m == "items"
        else "an outfit I wore (full body)",
    )
    category = st.selectbox(
        "These are all", [AUTO, *CATEGORY_ORDER], key="upload_category",
        format_func=lambda c: "let the app decide (you can edit later)" if c == AUTO
        else category_label(c, plural=True).lower(),
        disabled=mode == "outfits",
        help="Pick a category when every photo in this batch is the same kind of item.",
    )
    files = st.file_uploader("Photos (JPEG, PNG, WebP, HEIC)", type=PHOTO_TYPES,
                             accept_multiple_files=True, key=f"uploader-{state.upload_round}")
    if st.button("Add to wardrobe", type="primary", disabled=not files, key="upload_go"):
        uploads = [PhotoInput.from_bytes(f.name, f.getvalue()) for f in files or []]
        outfit_review.remember(uploads, outfit=mode == "outfits")
        bar = st.progress(0.0, text=f"Adding {len(uploads)} photo(s)…")

        def progress(done: int, total: int, filename: str) -> None:
            text = f"{done}/{total}: {plain(filename)}" if filename else f"{total}/{total} done"
            bar.progress(done / max(total, 1), text=text)

        state.upload_results = wardrobe.ingest_batch(
            uploads, outfit=mode == "outfits",
            category=None if category == AUTO or mode == "outfits" else category,
            progress=progress,
        )
        state.upload_round += 1  # a fresh, empty uploader for the next batch
        st.rerun()
    results = state.get("upload_results")
    if results:
        counts = summarise(results)
        text = ", ".join(f"{n} {status}" for status, n in counts.items())
        (st.warning if counts.get("refused") else st.success)(f"Last batch: {text}.")
        shared = shared_warnings(results)
        for warning in shared:
            st.caption(f"For every photo: {plain(warning)}")
        st.dataframe([{"file": r.filename, "outcome": r.status, "details": details(r, shared)}
                      for r in results], hide_index=True, width="stretch")
        outfit_review.show(wardrobe, results)


# --- item detail ----------------------------------------------------------------------------

def select(item_id: str | None) -> None:
    state.selected_item = item_id
    state.confirm_delete = False


def close_item() -> None:
    select(None)
    state.item_changed = True  # a full rerun closes the dialog


def save_edits(item_id: str, form_key: str) -> str:
    wardrobe = resources.wardrobe()
    form = ItemForm(**{field: state[f"{form_key}-{field}"] for field in (
        "name", "category", "subtype", "colours", "seasons", "price", "notes")})
    changes = changed_fields(wardrobe.item(item_id), form)
    if not changes:
        return "Nothing changed."
    wardrobe.update_item(item_id, **changes)
    state.item_changed = True
    return f"Saved {', '.join(sorted(changes))}."


def reprocess(item_id: str) -> str:
    item = resources.wardrobe().reprocess_background(item_id)
    state.item_changed = True
    return "Background removed again." if item.background_removed else (
        "Background removal is not available; the photo is kept as it is.")


def toggle_available(item_id: str) -> str:
    wardrobe = resources.wardrobe()
    item = wardrobe.set_available(item_id, not wardrobe.item(item_id).available)
    state.item_changed = True
    return "Back in the wardrobe." if item.available else (
        "Marked unavailable: it will not be suggested until you mark it available again.")


def delete(item_id: str) -> str:
    resources.wardrobe().delete_item(item_id)
    close_item()
    return "Deleted the item, its photos and its embedding."


def set_confirm_delete(value: bool) -> None:
    state.confirm_delete = value


def goto_suggestions(item_id: str) -> None:
    select(None)
    state.anchor_request = item_id
    state.switch_to_suggest = True


def item_form(item: ItemRecord, all_items: list[ItemRecord]) -> None:
    """Name, tags, price and notes; only fields that changed are saved (and marked edited)."""
    key = f"edit-{item.id}"
    categories = list(dict.fromkeys([*CATEGORY_ORDER, item.category]))
    colours = list(dict.fromkeys([*item.colours, *colour_options(all_items), *PALETTE]))
    with st.form(key):
        st.text_input("Name", value=item.name, key=f"{key}-name", placeholder="e.g. Blue linen shirt")
        c1, c2 = st.columns(2)
        c1.selectbox("Category", categories, index=categories.index(item.category),
                     format_func=category_label, key=f"{key}-category")
        c2.text_input("Type", value=item.subtype, key=f"{key}-subtype",
                      placeholder="t-shirt, jeans, sneakers…")
        st.multiselect("Colours", colours, default=list(item.colours), accept_new_options=True,
                       key=f"{key}-colours")
        st.multiselect("Seasons", list(SEASONS), default=[s for s in item.seasons if s in SEASONS],
                       key=f"{key}-seasons")
        st.number_input("Price", min_value=0.0, value=item.price, step=1.0, format="%.2f",
                        placeholder="optional — for cost per wear", key=f"{key}-price")
        st.text_area("Notes", value=item.notes, key=f"{key}-notes")
        st.form_submit_button("Save changes", type="primary", key=f"{key}-save",
                              on_click=act, args=("Saving", save_edits, item.id, key))


@st.dialog("Item", width="large", on_dismiss=close_item)
def item_dialog(item_id: str) -> None:
    """The item editor, as a modal over the gallery. Changes rerun the whole page so the
    gallery behind it is current; closing it clears the selection."""
    if state.pop("switch_to_suggest", False):
        st.switch_page("pages/what_goes_with_this.py")
    if state.pop("item_changed", False):
        st.rerun()
    show_messages()
    wardrobe = resources.wardrobe()
    try:
        item = wardrobe.item(item_id)
    except KeyError:
        st.info("This item no longer exists.")
        st.button("Close", key="detail-close", on_click=close_item)
        return
    left, right = st.columns([1, 2])
    with left:
        picture(item)
        st.caption(item_caption(item))
        if not item.background_removed:
            st.caption("Background not removed yet.")
        worn = f"Worn {item.times_worn}×"
        st.caption(worn + (f", last on {item.last_worn}" if item.last_worn else ""))
    with right:
        item_form(item, wardrobe.items())
    with st.container(horizontal=True):
        st.button("What goes with this", icon=":material/auto_awesome:", key="detail-suggest",
                  on_click=goto_suggestions, args=(item.id,),
                  disabled=item.category not in SLOT_OF_CATEGORY)
        st.button("Remove background again", icon=":material/content_cut:", key="detail-rembg",
                  on_click=act, args=("Background removal", reprocess, item.id))
        st.button("Mark unavailable" if item.available else "Mark available",
                  icon=":material/local_laundry_service:", key="detail-available",
                  help="In the laundry, lent out…",
                  on_click=act, args=("Changing availability", toggle_available, item.id))
        st.button("Delete…", icon=":material/delete:", key="detail-delete",
                  on_click=set_confirm_delete, args=(True,))
        st.button("Close", key="detail-close", on_click=close_item)
    if state.get("confirm_delete"):
        label = plain(item.name or item.subtype or "this item")
        st.warning(f"Delete **{label}** with its photos? Outfits that use it lose this piece. "
                   "This cannot be undone.")
        with st.container(horizontal=True):
            st.button("Yes, delete it", type="primary", key="detail-delete-yes",
                      on_click=act, args=("Deleting", delete, item.id))
            st.button("Cancel", key="detail-delete-no", on_click=set_confirm_delete, args=(False,))


# --- gallery --------------------------------------------------------------------------------

def gallery_filters(all_items: list[ItemRecord]) -> tuple[GalleryFilter, str]:
    c = st.columns([2, 1, 1, 1, 1])
    query = c[0].text_input("Search", placeholder="red knit, summer dress…", key="gallery_query")
    present = list(group_by_category(all_items))
    every = "all"
    category = c[1].selectbox("Category", [ANY, *present], key="gallery_category",
                              format_func=lambda v: every if v == ANY else category_label(v))
    colour = c[2].selectbox("Colour", [ANY, *colour_options(all_items)], key="gallery_colour",
                            format_func=lambda v: every if v == ANY else v)
    season = c[3].selectbox("Season", [ANY, *SEASONS], key="gallery_season",
                            format_func=lambda v: every if v == ANY else v)
    availability = c[4].selectbox("Availability", [ANY, "available", "unavailable"],
                                  key="gallery_available",
                                  format_func=lambda v: every if v == ANY else v)
    flt = GalleryFilter(
        category=None if category == ANY else category,
        colour=None if colour == ANY else colour,
        season=None if season == ANY else season,
        available=None if availability == ANY else availability == "available",
    )
    return flt, query.strip()


def gallery(wardrobe: Wardrobe, all_items: list[ItemRecord]) -> None:
    st.subheader("Your clothes")
    flt, query = gallery_filters(all_items)
    items, searching = all_items, bool(query) and wardrobe.status.encoder_ready
    if searching:
        items = [item for item, _score in wardrobe.search_text(query, k=len(all_items))]
        st.caption(f"Best matches for “{plain(query)}” first.")
    elif query:
        st.caption("Text search needs the encoder, which is not loaded; showing everything.")
    shown = filter_items(items, flt)
    if not shown:
        st.info("No item matches these filters.")
        return
    groups = {SEARCH_RESULTS: shown} if searching else group_by_category(shown)
    for title, group in groups.items():
        label = title if title == SEARCH_RESULTS else category_label(title, plural=True)
        st.markdown(f"#### {plain(label)} ({len(group)})")
        for start in range(0, len(group), GRID_COLUMNS):
            cols = st.columns(GRID_COLUMNS)
            for col, item in zip(cols, group[start:start + GRID_COLUMNS], strict=False):
                with col, st.container(border=True, key=f"tile-{item.id}"):
                    picture(item, cutout=False)
                    st.caption(item_caption(item))
                    st.button("Open", key=f"open-{item.id}", on_click=select, args=(item.id,),
                              width="stretch")


def render() -> None:
    if state.pop("switch_to_suggest", False):  # set by "What goes with this" in the editor
        st.switch_page("pages/what_goes_with_this.py")
    state.pop("item_changed", None)  # this run is a full one already
    wardrobe = resources.wardrobe()
    st.title("Wardrobe")
    if not state.get("selected_item"):
        show_messages()  # else the item dialog shows them
    all_items = wardrobe.items()
    if not all_items:
        st.info(EMPTY_HELP, icon=":material/waving_hand:")
    with st.expander("Add clothes", icon=":material/add_a_photo:", expanded=not all_items or bool(state.get("upload_results"))):
        upload_section(wardrobe)
    if all_items:
        gallery(wardrobe, all_items)
    if state.get("selected_item"):
        item_dialog(state.selected_item)


run_page("Wardrobe", render)
