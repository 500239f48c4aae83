"""Outfits: saved and liked outfits, what was worn when, and which clothes earn their keep."""

from __future__ import annotations

from datetime import date

import streamlit as st

from base.records import ItemRecord, OutfitRecord
from core.views.gallery import category_label, display_name
from core.views.stats import ItemWear, least_worn, most_worn, priced_items, wear_days
from core.views.suggestions import outfit_pieces
from core.wardrobe.service import Wardrobe
from ui import resources
from ui.actions import act, show_messages
from ui.page import run_page
from ui.text import plain
from ui.widgets import picture

SOURCES = {"photo": "from a photo", "suggested": "suggested", "manual": "put together by you"}
state = st.session_state


def wear(outfit_id: str, key: str) -> str:
    day = state.get(f"wear-day-{key}") or date.today()
    resources.wardrobe().log_wear(outfit_id, day)
    when = "today" if day == date.today() else f"on {day.strftime('%A %d %B %Y')}"
    return f"Logged as worn {when}."


def set_saved(outfit_id: str, saved: bool) -> str:
    resources.wardrobe().set_outfit_saved(outfit_id, saved)
    if saved:
        return "Saved: the model learns from it the next time you train it."
    return "Unsaved: it no longer counts as an outfit to learn from (unless you liked it)."


def delete(outfit_id: str) -> str:
    resources.wardrobe().delete_outfit(outfit_id)
    return "Outfit deleted with its wears; its clothes and their photos are still in your wardrobe."


def outfit_actions(outfit: OutfitRecord, key: str) -> None:
    """Log a wear on any day, save / unsave, delete (after a confirmation)."""
    with st.container(horizontal=True, vertical_alignment="bottom", key=f"actions-{key}"):
        st.date_input("Worn on", value=date.today(), key=f"wear-day-{key}", width=140,
                      format="YYYY-MM-DD")
        st.button("Log wear", icon=":material/checkroom:", key=f"wear-{key}", on_click=act,
                  args=("Logging the wear", wear, outfit.id, key))
        st.button("Unsave" if outfit.saved else "Save",
                  icon=":material/bookmark_remove:" if outfit.saved else ":material/bookmark:",
                  key=f"saved-{key}", on_click=act,
                  args=("Saving" if not outfit.saved else "Unsaving", set_saved, outfit.id,
                        not outfit.saved),
                  help="Saved outfits are what the model learns from when you train it.")
        with st.popover("Delete", icon=":material/delete:"):
            st.caption("Forget this outfit and its wears? Its clothes and photos stay.")
            st.button("Delete outfit", key=f"delete-{key}", type="primary", on_click=act,
                      args=("Deleting", delete, outfit.id))


def outfit_row(wardrobe: Wardrobe, outfit: OutfitRecord, key: str, wear_button: bool = True) -> None:
    pieces = outfit_pieces(wardrobe, outfit.items)
    with st.container(border=True, key=key):
        if not pieces:
            st.caption("All pieces of this outfit have been deleted.")
            return
        with st.container(horizontal=True, gap="xsmall", key=f"pieces-{key}"):
            for slot, item in pieces:  # small and wrapping: four pieces fit a phone's width
                with st.container(width=66):
                    picture(item, width=64)
                    st.caption(f"{plain(slot)}: {plain(display_name(item))}")
        bits = [plain(SOURCES.get(outfit.source, outfit.source)),
                outfit.created.strftime("%d %b %Y")]
        if outfit.rating:
            bits.insert(0, ":material/thumb_up: liked" if outfit.rating > 0
                        else ":material/thumb_down: disliked")
        if outfit.saved:
            bits.append(":material/bookmark: saved")
        st.caption(" · ".join(bits))
        if wear_button:
            outfit_actions(outfit, key)


def wear_table(rows: list[ItemWear]) -> list[dict[str, object]]:
    return [
        {
            "item": display_name(r.item),
            "category": category_label(r.item.category),
            "times worn": r.times_worn,
            "last worn": r.last_worn.isoformat() if r.last_worn else "never",
            "price": r.item.price,
            "cost per wear": r.cost_per_wear,
        }
        for r in rows
    ]


def saved_outfits(wardrobe: Wardrobe) -> None:
    shown = [o for o in wardrobe.outfits() if o.saved or (o.rating or 0) > 0]
    if not shown:
        st.info("No saved outfits yet. On **What goes with this**, press **Like** or **Save** on an "
                "outfit you would wear; outfit photos you upload appear here too.")
    else:
        st.caption("Saved and liked outfits are what the model learns from when you train it "
                   "(**Model** page). Unsave one to leave it out; deleting an outfit forgets it "
                   "and its wears, never its clothes or photos.")
    for outfit in shown[:limit("saved")]:  # newest first
        outfit_row(wardrobe, outfit, key=f"saved-outfit-{outfit.id}")
    more_button("saved", len(shown), "outfits")


PAGE = 8  # outfits (or days) drawn at first: a long history would make every visit slow


def limit(list_key: str) -> int:
    return state.get(f"shown-{list_key}", PAGE)


def more_button(list_key: str, total: int, what: str) -> None:
    if total > limit(list_key):
        st.button(f"Show more ({total - limit(list_key)} older {what})", icon=":material/expand_more:",
                  key=f"more-{list_key}", on_click=show_more, args=(list_key,))


def show_more(list_key: str) -> None:
    state[f"shown-{list_key}"] = limit(list_key) + PAGE


def history(wardrobe: Wardrobe) -> None:
    days = wear_days(wardrobe.wear_history())
    if not days:
        st.info("Nothing logged yet. Press **Log wear** on a saved outfit (any day) or **Wear "
                "today** on a suggestion to start your history.")
    for day in days[:limit("history")]:
        st.markdown(f"#### {day.day.strftime('%A %d %B %Y')}")
        for n, outfit in enumerate(day.outfits):
            outfit_row(wardrobe, outfit, key=f"worn-{day.day.isoformat()}-{n}", wear_button=False)
    more_button("history", len(days), "days")


def wear_stats(items: list[ItemRecord]) -> None:
    if not items:
        st.info("Add clothes on the **Wardrobe** page to see which ones you wear.")
        return
    left, right = st.columns(2)
    with left:
        st.markdown("#### Most worn")
        top = most_worn(items, n=10)
        if top:
            st.dataframe(wear_table(top), hide_index=True, width="stretch")
        else:
            st.caption("Nothing worn yet.")
    with right:
        st.markdown("#### Least worn")
        st.dataframe(wear_table(least_worn(items, n=10)), hide_index=True, width="stretch")
    st.markdown("#### Cost per wear")
    priced = priced_items(items)
    if priced:
        st.caption("Price divided by times worn; never-worn pieces first.")
        st.dataframe(wear_table(priced), hide_index=True, width="stretch")
    else:
        st.caption("Give items a price in the item editor (Wardrobe page) to see cost per wear.")


def render() -> None:
    wardrobe = resources.wardrobe()
    st.title("Outfits")
    show_messages()
    saved_tab, history_tab, stats_tab = st.tabs(["Saved & liked", "Worn history", "Most & least worn"])
    with saved_tab:
        saved_outfits(wardrobe)
    with history_tab:
        history(wardrobe)
    with stats_tab:
        wear_stats(wardrobe.items())


run_page("Outfits", render)
