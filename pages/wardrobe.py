"""Wardrobe: add photos, browse and filter the gallery, edit one item."""

from __future__ import annotations

import contextlib

import streamlit as st

from base.records import ItemRecord
from base.vocabulary import FORMALITY_LEVELS, SEASONS, SLOT_OF_CATEGORY, WARMTH_LEVELS
from base.words import count
from core.views.gallery import (
    CATEGORY_ORDER,
    PALETTE,
    GalleryFilter,
    category_label,
    colour_options,
    display_name,
    filter_items,
    group_by_category,
)
from core.views.item_edits import ItemForm, changed_fields
from core.views.jobs import JobSnapshot
from core.views.uploads import (
    UPLOAD,
    added_items,
    details,
    option_text,
    shared_warnings,
    submit_upload,
    summarise,
)
from core.wardrobe.batch import PhotoInput
from core.wardrobe.service import Wardrobe
from ui import outfit_review, resources
from ui.actions import act, show_messages
from ui.page import run_page
from ui.text import plain
from ui.widgets import item_caption, original_picture, picture

PHOTO_TYPES = ["jpg", "jpeg", "png", "webp", "heic", "heif"]
AUTO = "auto"
ANY = "any"
GRID_COLUMNS = 5
GALLERY_FIRST = 2 * GRID_COLUMNS  # tiles per category before "Show all": big wardrobes draw fast
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
    if resources.encoder_missing():
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
        help="Pick a category when every photo in this batch is the same kind of item. "
             "A batch keeps the choice it was added with, whatever you change afterwards.",
    )
    files = st.file_uploader("Photos (JPEG, PNG, WebP, HEIC)", type=PHOTO_TYPES,
                             accept_multiple_files=True, key=f"uploader-{state.upload_round}")
    if st.button("Add to wardrobe", type="primary", disabled=not files, key="upload_go"):
        # The bytes and the options are copied into the job now: the batch runs on the app's
        # worker, and nothing changed on this page later reaches it.
        photos = [PhotoInput.from_bytes(f.name, f.getvalue()) for f in files or []]
        outfit_review.remember(photos, outfit=mode == "outfits")  # to draw their regions after
        submit_upload(resources.jobs(), wardrobe, photos, outfit=mode == "outfits",
                      category=None if category == AUTO else category)
        state.upload_round += 1  # a fresh, empty uploader for the next batch
        st.rerun()


def stop_job(job_id: str) -> str:
    resources.jobs().stop(job_id)
    return "Stopping after the photo being added now."


def dismiss_job(job_id: str) -> str | None:
    resources.jobs().dismiss(job_id)
    return None


def live_queue() -> None:
    """Batches still running, polled every second (a fragment: the rest of the page stays);
    when one ends, the whole page runs again so the gallery and the review step show it."""
    jobs = [j for j in resources.jobs().jobs(UPLOAD) if j.active]
    if any(j.id not in state.get("jobs_running_at_full_run", ()) for j in jobs) or (
            set(state.get("jobs_running_at_full_run", ())) - {j.id for j in jobs}):
        st.rerun(scope="app")
    for job in jobs:
        running_job(job)


def running_job(job: JobSnapshot) -> None:
    wardrobe = resources.wardrobe()
    with st.container(border=True, key=f"job-{job.id}"):
        verb = "Stopping" if job.state == "stopping" else (
            "Waiting to add" if job.state == "queued" else "Adding")
        st.markdown(f":material/progress_activity: **{verb} {count(job.total, 'photo')}** — "
                    f"{option_text(job.options)}")
        current = job.labels[job.current] if job.current is not None else ""
        st.progress(job.fraction, text=f"{job.done}/{job.total} done"
                    + (f" · now: {plain(current)}" if current else ""))
        cols = st.columns(GRID_COLUMNS)
        for index, label in enumerate(job.labels):
            with cols[index % GRID_COLUMNS]:
                outcome = job.results[index]
                if outcome is None:
                    st.caption(("working on " if index == job.current else "waiting: ")
                               + plain(label))
                elif outcome.item_id and outcome.status == "added":
                    with contextlib.suppress(KeyError):  # deleted meanwhile
                        picture(wardrobe.item(outcome.item_id), cutout=False, width=120)
                    st.caption(f"{plain(label)}: added")
                else:
                    st.caption(f"{plain(label)}: {plain(outcome.status)}")
        st.button("Stop", icon=":material/stop_circle:", key=f"stop-{job.id}",
                  disabled=job.state != "running",
                  help="Finishes the photo being added, then stops; the rest are not added.",
                  on_click=act, args=("Stopping", stop_job, job.id))


def finished_job(wardrobe: Wardrobe, job: JobSnapshot, all_items: list[ItemRecord]) -> None:
    """A batch that ended: what became of each photo (full reasons, wrapped), then its review."""
    results = [r for r in job.results if r is not None]
    with st.container(border=True, key=f"batch-{job.id}"):
        counts = summarise(results)
        text = ", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing added"
        skipped = job.total - len(results)
        if skipped:
            text += f"; stopped before {count(skipped, 'photo')}, which were not added"
        if job.state == "failed":
            st.error(f"The batch stopped: {plain(job.error)}")
        (st.warning if counts.get("refused") or skipped else st.success)(
            f"Batch of {job.total} ({option_text(job.options)}): {text}.")
        shared = shared_warnings(results)
        for warning in shared:
            st.caption(f"For every photo: {plain(warning)}")
        st.table([{"file": r.filename, "outcome": r.status, "details": details(r, shared)}
                  for r in results])
        outfit_review.show(wardrobe, results)
        review_step(wardrobe, job, all_items)
        st.button("Done with this batch", key=f"dismiss-{job.id}", icon=":material/done_all:",
                  on_click=act, args=("Closing the batch", dismiss_job, job.id))


def review_step(wardrobe: Wardrobe, job: JobSnapshot, all_items: list[ItemRecord]) -> None:
    by_id = {i.id: i for i in all_items}
    items = [by_id[i] for i in added_items(job) if i in by_id]
    if not items:
        return
    items.sort(key=lambda i: not i.review_note)  # flagged first, upload order kept otherwise
    flagged = sum(bool(i.review_note) for i in items)
    st.markdown(f"#### Check what was added ({len(items)})"
                + (f" — {flagged} need a look" if flagged else ""))
    st.caption("Original on the left, what the app cut out on the right. Fix any guess in "
               "place; if the cut-out lost part of the garment, keep the original photo.")
    for item in items:
        with st.container(border=True, key=f"review-card-{item.id}"):
            if item.review_note:
                st.warning(f"Please check: {plain(item.review_note)}", icon=":material/flag:")
            c1, c2, c3 = st.columns([1, 1, 2])
            with c1:
                original_picture(item, width=200)
                st.caption("Original photo")
            with c2:
                picture(item, cutout=False, width=200)  # the thumbnail: a full cut-out is MBs
                st.caption("Cut-out" if item.background_removed
                           else "Whole photo (no background removed)")
            with c3:
                item_form(item, all_items, key=f"review-form-{item.id}", compact=True)
                with st.container(horizontal=True):
                    st.button("Keep original photo", icon=":material/image:",
                              key=f"keep-{item.id}", disabled=not item.background_removed,
                              help="Use the whole photo instead of the cut-out.",
                              on_click=act, args=("Keeping the original", keep_original,
                                                  item.id))
                    if item.review_note:
                        st.button("Looks right", icon=":material/check:",
                                  key=f"reviewed-{item.id}", on_click=act,
                                  args=("Marking as checked", mark_reviewed, item.id))


def keep_original(item_id: str) -> str:
    resources.wardrobe().keep_original(item_id)
    state.item_changed = True
    return "Kept the original photo; the background is no longer removed."


def mark_reviewed(item_id: str) -> str:
    resources.wardrobe().mark_reviewed(item_id)
    return "Marked as checked."


def upload_results(wardrobe: Wardrobe, all_items: list[ItemRecord]) -> None:
    jobs = resources.jobs().jobs(UPLOAD)
    state.jobs_running_at_full_run = [j.id for j in jobs if j.active]
    running = bool(state.jobs_running_at_full_run)
    st.fragment(live_queue, run_every=1.0 if running else None)()
    for job in reversed([j for j in jobs if not j.active]):
        finished_job(wardrobe, job, all_items)


# --- item detail ----------------------------------------------------------------------------

def select(item_id: str | None) -> None:
    state.selected_item = item_id
    state.confirm_delete = False


def close_item() -> None:
    select(None)
    state.item_changed = True  # a full rerun closes the dialog


def save_edits(item_id: str, form_key: str) -> str:
    wardrobe = resources.wardrobe()
    item = wardrobe.item(item_id)
    form = ItemForm(**{field: state.get(f"{form_key}-{field}", getattr(item, field)) for field in (
        "name", "category", "subtype", "colours", "seasons", "price", "notes", "warmth",
        "formality")})
    changes = changed_fields(item, form)
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


def level_index(level: int | None) -> int | None:
    """Selectbox index of a 1..5 level (None: nothing selected yet)."""
    return None if level is None else int(level) - 1


def item_form(item: ItemRecord, all_items: list[ItemRecord], key: str | None = None,
              compact: bool = False) -> None:
    """Name, tags, price and notes (`compact`: name and tags only, for the review step); only
    fields that changed are saved (and marked edited)."""
    key = key or f"edit-{item.id}"
    categories = list(dict.fromkeys([*CATEGORY_ORDER, item.category]))
    colours = list(dict.fromkeys([*item.colours, *colour_options(all_items), *PALETTE]))
    with st.form(key, border=not compact):
        st.text_input("Name", value=display_name(item), key=f"{key}-name",
                      placeholder="e.g. Blue linen shirt")
        c1, c2 = st.columns(2)
        c1.selectbox("Category", categories, index=categories.index(item.category),
                     format_func=category_label, key=f"{key}-category")
        c2.text_input("Type", value=item.subtype, key=f"{key}-subtype",
                      placeholder="t-shirt, jeans, sneakers…")
        st.multiselect("Colours", colours, default=list(item.colours), accept_new_options=True,
                       key=f"{key}-colours")
        if compact:
            st.form_submit_button("Save", key=f"{key}-save", on_click=act,
                                  args=("Saving", save_edits, item.id, key))
            return
        st.multiselect("Seasons", list(SEASONS), default=[s for s in item.seasons if s in SEASONS],
                       key=f"{key}-seasons")
        w1, w2 = st.columns(2)
        w1.selectbox("Warmth", list(WARMTH_LEVELS), index=level_index(item.warmth),
                     format_func=lambda v: f"{v} · {WARMTH_LEVELS[v]}", placeholder="not set",
                     key=f"{key}-warmth", help="1 very light … 5 heavy: used for the day's weather")
        w2.selectbox("Formality", list(FORMALITY_LEVELS), index=level_index(item.formality),
                     format_func=lambda v: f"{v} · {FORMALITY_LEVELS[v]}", placeholder="not set",
                     key=f"{key}-formality", help="1 sporty … 5 formal: used for the occasion")
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
        label = plain(display_name(item))
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
        visible = group if title in state.get("gallery_all", set()) else group[:GALLERY_FIRST]
        for start in range(0, len(visible), GRID_COLUMNS):
            cols = st.columns(GRID_COLUMNS)
            for col, item in zip(cols, visible[start:start + GRID_COLUMNS], strict=False):
                with col, st.container(border=True, key=f"tile-{item.id}"):
                    picture(item, cutout=False)
                    st.caption(item_caption(item))
                    st.button("Open", key=f"open-{item.id}", on_click=select, args=(item.id,),
                              width="stretch")
        if len(visible) < len(group):
            st.button(f"Show all {len(group)}", icon=":material/expand_more:",
                      key=f"gallery-all-{title}", on_click=show_all, args=(title,))


def show_all(title: str) -> None:
    state.setdefault("gallery_all", set()).add(title)


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
    batches = bool(resources.jobs().jobs(UPLOAD))
    with st.expander("Add clothes", icon=":material/add_a_photo:",
                     expanded=not all_items or batches):
        upload_section(wardrobe)
    upload_results(wardrobe, all_items)
    if all_items:
        gallery(wardrobe, all_items)
    if state.get("selected_item"):
        item_dialog(state.selected_item)


run_page("Wardrobe", render)
