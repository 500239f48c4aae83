"""The banners above every page: first run, and what to do when a model cannot be loaded."""

from __future__ import annotations

import streamlit as st

from ui import resources
from ui.text import plain

ENCODER_HELP = (
    "Photos you add are still stored (choose their category yourself) and are embedded later. "
    "To fix it, copy the FashionCLIP model folder (`patrickjohncyh/fashion-clip`: config, "
    "weights, tokenizer and processor files) to this computer and start the app with "
    "`WHAT2WEAR_CLIP_MODEL=/path/to/fashion-clip make run`, then press "
    "**Settings → Embed pending photos**."
)


def show(current_page: str) -> None:
    wardrobe = resources.wardrobe()
    if resources.models_loading():
        models_loading_note()
    else:
        encoder_banner()
    if current_page != "Wardrobe" and not wardrobe.counts()["items"]:
        st.info(
            "Your wardrobe is empty. Start on the **Wardrobe** page: upload photos of your "
            "clothes (one piece per photo), then come back here.",
            icon=":material/waving_hand:",
        )


def encoder_banner() -> None:
    """What to do when FashionCLIP cannot be loaded (nothing when it is loaded)."""
    status = resources.wardrobe().status
    if status.encoder_ready:
        return
    reason = plain(status.encoder_message or "unknown reason")
    st.warning(
        f"**The FashionCLIP encoder is not loaded**, so suggestions and text search are off. "
        f"{ENCODER_HELP}\n\nDetails: {reason}",
        icon=":material/extension_off:",
    )


@st.fragment(run_every=1.0)
def models_loading_note() -> None:
    """Says the photo models are loading, then, in the same place, nothing (or the encoder
    banner when the load failed). It redraws only itself: a rerun of the whole page here could
    swallow a click made at that moment. Drawn only while the models load."""
    if resources.models_loading(wait_s=0.0):
        st.caption(":material/hourglass_top: Loading the photo models in the background; "
                   "adding photos and text search wait for them.")
    else:
        encoder_banner()
