"""What goes with this: pick a piece, get complete outfits from your own wardrobe."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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
from core.views.outfit_actions import OutfitKey
from core.views.outfit_cards import rate, reason, reason_text
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
from ui.actions import act, act_in_place, queue_toast, show_messages, show_toasts
from ui.flat_lay import show_flat_lay
from ui.page import run_page
from ui.text import plain
from ui.widgets import item_caption, picture

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
    # a toggle, not an expander: an expander draws its pictures on every run even when closed
    if st.toggle("Choose by picture", key="anchor_by_picture"):
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
    state.anchor_by_picture = False  # the grid closes: the outfits are what the person wants now


# --- outfit cards ---------------------------------------------------------------------------

def _key(outfit: OutfitSuggestion) -> OutfitKey:
    return outfit_actions.outfit_key(outfit.item_ids)


def feedback(kind: str, index: int, context: Request) -> str:
    action, _label, _icon, message = ACTIONS[kind]
    outfit = state.suggestions[index]
    action(resources.wardrobe(), outfit.item_ids, outfit.score)
    if kind in ("like", "dislike", "wear"):  # the taste layer refits off the page's path
        submit_taste_update(resources.jobs(), resources.model_service(), resources.wardrobe())
    if kind == "wear":
        state.setdefault("worn_today", set()).add(_key(outfit))
    if kind == "dislike":  # the card goes; the next outfit not shown nor disliked comes in
        shown = state.suggestions
        del shown[index]
        state.swap_open = {}
        following = context.suggester.next_after(
            shown, [context.anchor_id], disliked(context.recorded) | {_key(outfit)},
            diversity=context.diversity, with_outerwear=context.layer)
        if following is not None:
            shown.append(following)
            outfit_actions.shown(resources.wardrobe(), [following.item_ids])
    return message


def open_swap(index: int) -> None:
    state.swap_open = {index: state.get(f"swap-slot-{index}")}


def use_alternative(index: int, alternative: OutfitSuggestion) -> None:
    state.suggestions[index] = alternative
    state.swap_open = {}
    queue_toast("Swapped. Like or save the new combination if it works for you.",
                ":material/swap_horiz:")


def alternatives(suggester: OutfitSuggester, index: int, outfit: OutfitSuggestion, slot: str) -> None:
    options = suggester.alternatives(outfit, slot, k=3)
    if not options:
        st.caption(f"No other {plain(slot_label(slot))} is available.")
    for col, alt in zip(st.columns(3), options, strict=False):
        with col:
            piece = alt.items[slot]
            picture(piece)
            st.caption(item_caption(piece))
            st.button("Use this", key=f"swap-use-{index}-{piece.id}", on_click=use_alternative,
                      args=(index, alt))


def marks(outfit: OutfitSuggestion, recorded: outfit_actions.OutfitIndex) -> str:
    """Badges for what the person did with this outfit (kept on the record, so they stay)."""
    key = _key(outfit)
    stored = recorded.get(key)
    bits = []
    if stored is not None and stored.rating:
        bits.append(":green-badge[:material/thumb_up: Liked]" if stored.rating > 0
                    else ":orange-badge[:material/thumb_down: Disliked]")
    if stored is not None and stored.saved:
        bits.append(":blue-badge[:material/bookmark: Saved]")
    if key in state.get("worn_today", set()):
        bits.append(":violet-badge[:material/checkroom: Worn today]")
    return " ".join(bits)


def outfit_card(context: Request, index: int, outfit: OutfitSuggestion) -> None:
    rating = rate(outfit.score, context.reference)
    pieces = outfit.ordered()
    names = {slot: plain(display_name(item)) for slot, item in pieces}
    with st.container(border=True, key=f"outfit-card-{index}"):
        st.markdown(f"**Outfit {index + 1}** · :orange[{rating.star_text}] **{rating.word}**",
                    help=f"Score {outfit.score:.2f} (mean pair match; its scale depends on the model, "
                         "so the stars compare it with your other outfits), "
                         f"{rating.sentence}.")
        st.caption(rating.sentence.capitalize())
        badges = marks(outfit, context.recorded)
        if badges:
            st.markdown(badges)
        show_flat_lay(pieces, outfit.anchors)
        st.caption(" · ".join(
            f"{names[slot]}{' :material/push_pin:' if item.id in outfit.anchors else ''}"
            for slot, item in pieces))
        st.caption(reason_text(reason(outfit.ranked.pair_scores), names))
        with st.container(horizontal=True, gap="small"):
            for kind, (_action, label, icon, _message) in ACTIONS.items():
                st.button(label, icon=icon, key=f"{kind}-{index}", on_click=act_in_place,
                          args=(label, icon, feedback, kind, index, context))
        slots = outfit.swappable_slots()
        if slots:
            with st.expander("Swap a piece", icon=":material/swap_horiz:",
                             expanded=index in state.get("swap_open", {})):
                s1, s2 = st.columns([2, 1], vertical_alignment="bottom")
                s1.selectbox("Swap this piece", slots, key=f"swap-slot-{index}",
                             format_func=lambda s: f"{slot_label(s)}: {display_name(outfit.items[s])}")
                s2.button("Show alternatives", key=f"swap-go-{index}", on_click=open_swap,
                          args=(index,))
                slot = state.get("swap_open", {}).get(index)
                if slot in outfit.items:
                    alternatives(context.suggester, index, outfit, slot)


def disliked(recorded: outfit_actions.OutfitIndex) -> set[OutfitKey]:
    return {key for key, outfit in recorded.items() if outfit.rating is not None and outfit.rating < 0}


@dataclass(frozen=True)
class Request:
    """What the cards were made from: a dislike asks the same suggester for the next outfit."""

    suggester: OutfitSuggester
    anchor_id: str
    diversity: float
    layer: bool
    reference: np.ndarray
    recorded: outfit_actions.OutfitIndex


@st.cache_data(show_spinner=False, max_entries=16)
def reference_scores(key: tuple[object, ...], _suggester: OutfitSuggester) -> np.ndarray:
    """This wardrobe's sampled outfit scores under this model (key: model and wardrobe state)."""
    return _suggester.reference_scores()


@st.fragment
def outfit_cards(suggester: OutfitSuggester, anchor_id: str, diversity: float, layer: bool,
                 reference: np.ndarray) -> None:
    """The cards; a click on one reruns only this part of the page."""
    show_toasts()
    suggestions: list[OutfitSuggestion] = state.suggestions
    recorded = outfit_actions.index_outfits(resources.wardrobe().outfits())  # once per run
    context = Request(suggester, anchor_id, diversity, layer, reference, recorded)
    if not suggestions:
        st.info("No other outfit can be made around this piece: every one left is one you "
                "disliked. Pick another piece, or add clothes on the **Wardrobe** page.")
        return
    per_row = 3
    for start in range(0, len(suggestions), per_row):
        row = range(start, min(start + per_row, len(suggestions)))
        for col, index in zip(st.columns(per_row), row, strict=False):
            with col:
                outfit_card(context, index, suggestions[index])


def render() -> None:
    wardrobe = resources.wardrobe()
    active = resources.model_service().active()
    st.title("What goes with this?")
    show_messages()
    items = resources.items()
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

    suggester = OutfitSuggester(wardrobe, active.model, resources.model_service().ranker(active),
                                items=items)
    # the revision catches re-embedding ("Remove background again", reindex), which keeps ids,
    # categories and flags as they were but changes the vectors suggestions are ranked from
    wardrobe_state = (wardrobe.items_revision, hash(tuple(
        (i.id, i.category, i.available, i.pending_embedding, i.embedding_model) for i in items)))
    request = (anchor.id, k, layer, varied, active.version, wardrobe_state)
    diversity = 0.5 if varied else 0.0
    if state.get("suggest_request") != request or state.get("suggestions") is None:
        recorded = outfit_actions.index_outfits(wardrobe.outfits())
        state.suggestions = suggester.suggest([anchor.id], k=k, diversity=diversity,
                                              with_outerwear=layer, exclude=disliked(recorded))
        state.suggest_request = request
        state.swap_open = {}
        outfit_actions.shown(wardrobe, [o.item_ids for o in state.suggestions])
        if not state.suggestions:
            have = {slot_of(i) for i in anchors}
            missing = [c for c in ("bottom", "shoes") if c != slot_of(anchor) and c not in have]
            hint = f" Add some {' and '.join(missing)} first." if missing else ""
            st.info(f"No complete outfit can be made around this piece yet.{hint} An outfit needs "
                    "a top, a bottom and shoes (or a one-piece and shoes), all available and "
                    "embedded.")
            state.suggestions = None
            return
    st.caption(f"Ranked by the {plain(active.name)} compatibility model; stars say how an outfit "
               "compares with the other outfits your wardrobe makes.")
    note = accessory_note(active.model, items)  # why the hats and bags are missing, if they are
    if note:
        st.caption(note)
    reference = reference_scores((active.version, wardrobe_state), suggester)
    outfit_cards(suggester, anchor.id, diversity, layer, reference)


run_page("What goes with this", render)
