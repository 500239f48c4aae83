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


def wear(outfit_id: str) -> str:
    resources.wardrobe().log_wear(outfit_id, date.today())
    return "Logged as worn today."


def outfit_row(wardrobe: Wardrobe, outfit: OutfitRecord, key: str, wear_button: bool = True) -> None:
    pieces = outfit_pieces(wardrobe, outfit.items)
    with st.container(border=True, key=key):
        if not pieces:
            st.caption("All pieces of this outfit have been deleted.")
            return
        cols = st.columns([1] * len(pieces) + [2])
        for col, (slot, item) in zip(cols, pieces, strict=False):
            with col:
                picture(item)
                st.caption(f"{plain(slot)}: {plain(display_name(item))}")
        with cols[-1]:
            bits = [plain(SOURCES.get(outfit.source, outfit.source)),
                    outfit.created.strftime("%d %b %Y")]
            if outfit.rating:
                bits.insert(0, ":material/thumb_up: liked" if outfit.rating > 0
                            else ":material/thumb_down: disliked")
            if outfit.score is not None:
                bits.append(f"match {outfit.score:.2f}")
            st.caption(" · ".join(bits))
            if wear_button:
                st.button("Wear today", icon=":material/checkroom:", key=f"wear-{key}", on_click=act,
                          args=("Logging the wear", wear, outfit.id))


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
    for outfit in shown:  # newest first
        outfit_row(wardrobe, outfit, key=f"saved-outfit-{outfit.id}")


def history(wardrobe: Wardrobe) -> None:
    days = wear_days(wardrobe.wear_history())
    if not days:
        st.info("Nothing logged yet. Press **Wear today** on an outfit to start your history.")
    for day in days:
        st.markdown(f"#### {day.day.strftime('%A %d %B %Y')}")
        for n, outfit in enumerate(day.outfits):
            outfit_row(wardrobe, outfit, key=f"worn-{day.day.isoformat()}-{n}", wear_button=False)


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
