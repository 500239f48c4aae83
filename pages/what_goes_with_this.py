"""What goes with this: pick a piece, get complete outfits from your own wardrobe."""

from __future__ import annotations

import streamlit as st

from base.records import ItemRecord
from base.vocabulary import ACCESSORY_SLOTS, SLOT_OF_CATEGORY
from core.views import outfit_actions
from core.views.gallery import (
    CATEGORY_ORDER,
    category_label,
    display_name,
    display_names,
    group_by_category,
    picker_label,
    picker_order,
)
from core.views.suggestions import (
    OutfitSuggester,
    OutfitSuggestion,
    accessory_note,
    can_anchor,
    slot_of,
    unscored_slots,
)
from core.views.training import submit_taste_update
from core.wardrobe.batch import PhotoInput
from ui import resources
from ui.actions import act, flash, show_messages
from ui.page import run_page
from ui.text import plain
from ui.widgets import item_caption, picture, score_bar

ACTIONS = {  # key -> (action, button label, icon, message)
    "like": (outfit_actions.like, "Like", ":material/thumb_up:",
             "Liked — saved under **Outfits**; the model will learn from it."),
    "dislike": (outfit_actions.dislike, "Dislike", ":material/thumb_down:",
                "Disliked — the model will learn to avoid it."),
    "save": (outfit_actions.save, "Save", ":material/bookmark:", "Saved under **Outfits**."),
    "wear": (outfit_actions.wear_today, "Wear today", ":material/checkroom:",
             "Logged as worn today."),
}
SLOT_LABELS = {"onepiece": "one-piece"}
state = st.session_state


def slot_label(slot: str) -> str:
    return SLOT_LABELS.get(slot, slot)


# --- anchor ---------------------------------------------------------------------------------

def use_new_photo() -> str:
    upload = state.get("anchor_upload")
    if upload is None:
        raise ValueError("choose a photo first")
    category = state.get("anchor_upload_category")
    [result] = resources.wardrobe().ingest_batch(
        [PhotoInput.from_bytes(upload.name, upload.getvalue())],
        category=None if category == "auto" else category)
    if result.status == "refused" or not result.item_id:
        raise ValueError(f"{result.filename} was refused: {result.reason}")
    state.anchor_request = result.item_id
    verb = "is already in your wardrobe" if result.status == "duplicate" else "was added"
    return f"{plain(result.filename)} {verb}; outfits around it are below."


def new_photo_form() -> None:
    st.file_uploader("Photo of one piece", type=["jpg", "jpeg", "png", "webp", "heic", "heif"],
                     key="anchor_upload")
    st.selectbox("It is", ["auto", *[c for c in CATEGORY_ORDER if c in SLOT_OF_CATEGORY]],
                 format_func=lambda c: "let the app decide" if c == "auto" else category_label(c),
                 key="anchor_upload_category")
    st.button("Use this photo", key="anchor_upload_go", on_click=act,
              args=("Adding the photo", use_new_photo))


def pick_anchor(anchors: list[ItemRecord], every: list[ItemRecord]) -> ItemRecord:
    """The item to start from, from a list grouped by category and sorted by name."""
    names = display_names(every)
    by_id = {i.id: i for i in picker_order(anchors, names)}
    if state.get("anchor_request") in by_id:  # from the Wardrobe page or a new photo
        state.anchor_id = state.pop("anchor_request")
    if state.get("anchor_id") not in by_id:
        state.anchor_id = anchors[0].id
    c1, c2 = st.columns([3, 1])
    c1.selectbox("Start from", list(by_id), key="anchor_id",
                 format_func=lambda i: picker_label(by_id[i], names))
    with c2:
        picture(by_id[state.anchor_id], width=140)
    with st.expander("Choose by picture", icon=":material/grid_view:"):
        for category, group in group_by_category(by_id.values()).items():
            st.caption(category_label(category, plural=True))
            with st.container(horizontal=True, key=f"anchor-grid-{category}"):
                for item in group:
                    with st.container(width=110, key=f"anchor-pic-{item.id}"):
                        picture(item, cutout=False, width=90)
                        st.button(plain(names[item.id]), key=f"anchor-pick-{item.id}",
                                  on_click=choose_anchor, args=(item.id,), width="stretch",
                                  type="primary" if item.id == state.anchor_id else "secondary")
    return by_id[state.anchor_id]


def choose_anchor(item_id: str) -> None:
    state.anchor_id = item_id


# --- outfit cards ---------------------------------------------------------------------------

def feedback(kind: str, index: int) -> str:
    action, _label, _icon, message = ACTIONS[kind]
    outfit = state.suggestions[index]
    action(resources.wardrobe(), outfit.item_ids, outfit.score)
    if kind in ("like", "dislike", "wear"):  # the taste layer refits off the page's path
        submit_taste_update(resources.jobs(), resources.model_service(), resources.wardrobe())
    return message


def open_swap(index: int) -> None:
    state.swap_open = {index: state.get(f"swap-slot-{index}")}


def use_alternative(index: int, alternative: OutfitSuggestion) -> None:
    state.suggestions[index] = alternative
    state.swap_open = {}
    flash("info", "Swapped. Like or save the new combination if it works for you.")


def weakest_pair_text(outfit: OutfitSuggestion) -> str:
    weakest = outfit.weakest_pair
    if weakest is None:
        return ""
    a, b, value = weakest
    name = {slot: plain(display_name(item)) for slot, item in outfit.items.items()}
    return f"Weakest pair: **{name[a]}** + **{name[b]}** ({value:.2f}) — try swapping one of them."


def alternatives(suggester: OutfitSuggester, index: int, outfit: OutfitSuggestion, slot: str) -> None:
    options = suggester.alternatives(outfit, slot, k=3)
    if not options:
        st.caption(f"No other {plain(slot_label(slot))} is available.")
    for col, alt in zip(st.columns(3), options, strict=False):
        with col:
            piece = alt.items[slot]
            picture(piece)
            st.caption(item_caption(piece))
            score_bar(alt.score, label="outfit")
            st.button("Use this", key=f"swap-use-{index}-{piece.id}", on_click=use_alternative,
                      args=(index, alt))


def outfit_card(recorded: outfit_actions.OutfitIndex, suggester: OutfitSuggester, index: int,
                outfit: OutfitSuggestion) -> None:
    with st.container(border=True, key=f"outfit-card-{index}"):
        st.markdown(f"**Outfit {index + 1}**")
        pieces = outfit.ordered()
        for col, (slot, item) in zip(st.columns(len(pieces)), pieces, strict=True):
            with col:
                picture(item)
                pin = " :material/push_pin:" if item.id in outfit.anchors else ""
                st.caption(f"{plain(slot_label(slot))}{pin}: {plain(display_name(item))}")
        score_bar(outfit.score)
        st.caption(weakest_pair_text(outfit))
        stored = recorded.get(outfit_actions.outfit_key(outfit.item_ids))
        if stored is not None and stored.rating:
            st.caption("You liked this outfit." if stored.rating > 0 else "You disliked this outfit.")
        with st.container(horizontal=True):
            for kind, (_action, label, icon, _message) in ACTIONS.items():
                st.button(label, icon=icon, key=f"{kind}-{index}", on_click=act,
                          args=(label, feedback, kind, index))
        slots = outfit.swappable_slots()
        if slots:
            s1, s2 = st.columns([2, 1], vertical_alignment="bottom")
            s1.selectbox("Swap this piece", slots, key=f"swap-slot-{index}",
                         format_func=lambda s: f"{slot_label(s)}: {display_name(outfit.items[s])}")
            s2.button("Show alternatives", key=f"swap-go-{index}", on_click=open_swap, args=(index,))
        slot = state.get("swap_open", {}).get(index)
        if slot in outfit.items:
            alternatives(suggester, index, outfit, slot)


def render() -> None:
    wardrobe = resources.wardrobe()
    active = resources.model_service().active()
    st.title("What goes with this?")
    show_messages()
    items = wardrobe.items()
    if not items:
        st.info("Add a few tops, bottoms and shoes on the **Wardrobe** page first; then pick one here.")
        return
    anchors = [i for i in items if can_anchor(i, unscored_slots(active.model))]
    anchors.sort(key=lambda i: slot_of(i) in ACCESSORY_SLOTS)  # start from clothes by default
    pick, upload = st.tabs(["From my wardrobe", "A new photo"])
    with upload:
        new_photo_form()
    if not anchors:
        missing = "" if wardrobe.status.encoder_ready else (
            " (the encoder is not loaded — see the banner above)")
        st.warning("None of your items can anchor an outfit yet: suggestions need tops, bottoms, "
                   f"one-pieces, outerwear or shoes whose photos have been embedded{missing}.")
        return
    with pick:
        anchor = pick_anchor(anchors, items)
    o1, o2, o3 = st.columns(3)
    k = o1.slider("How many outfits", 2, 12, 6, key="suggest_k")
    layer = o2.toggle("Add a layer (outerwear)", key="suggest_layer")
    varied = o3.toggle("Varied results", value=True, key="suggest_varied",
                       help="No two outfits share more than one piece besides the one you picked.")
    if not anchor.available:
        st.caption("This piece is marked unavailable; it is used anyway because you picked it.")

    suggester = OutfitSuggester(wardrobe, active.model, resources.model_service().ranker(active))
    # the revision catches re-embedding ("Remove background again", reindex), which keeps ids,
    # categories and flags as they were but changes the vectors suggestions are ranked from
    wardrobe_state = (wardrobe.items_revision, hash(tuple(
        (i.id, i.category, i.available, i.pending_embedding, i.embedding_model) for i in items)))
    request = (anchor.id, k, layer, varied, active.version, wardrobe_state)
    if state.get("suggest_request") != request or state.get("suggestions") is None:
        state.suggestions = suggester.suggest([anchor.id], k=k, diversity=0.5 if varied else 0.0,
                                              with_outerwear=layer)
        state.suggest_request = request
        state.swap_open = {}
        outfit_actions.shown(wardrobe, [o.item_ids for o in state.suggestions])
    suggestions: list[OutfitSuggestion] = state.suggestions
    st.caption(f"Ranked by the {plain(active.name)} compatibility model.")
    note = accessory_note(active.model, items)  # why the hats and bags are missing, if they are
    if note:
        st.caption(note)
    if not suggestions:
        have = {slot_of(i) for i in anchors}
        missing = [c for c in ("bottom", "shoes") if c != slot_of(anchor) and c not in have]
        hint = f" Add some {' and '.join(missing)} first." if missing else ""
        st.info(f"No complete outfit can be made around this piece yet.{hint} An outfit needs a "
                "top, a bottom and shoes (or a one-piece and shoes), all available and embedded.")
        return
    recorded = outfit_actions.index_outfits(wardrobe.outfits())  # once per run, not per card
    for start in range(0, len(suggestions), 2):
        for col, index in zip(st.columns(2), range(start, min(start + 2, len(suggestions))),
                              strict=False):
            with col:
                outfit_card(recorded, suggester, index, suggestions[index])


run_page("What goes with this", render)
