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
    elif not wardrobe.status.encoder_ready:
        status = wardrobe.status
        reason = plain(status.encoder_message or "unknown reason")
        st.warning(
            f"**The FashionCLIP encoder is not loaded**, so suggestions and text search are off. "
            f"{ENCODER_HELP}\n\nDetails: {reason}",
            icon=":material/extension_off:",
        )
    if current_page != "Wardrobe" and not wardrobe.counts()["items"]:
        st.info(
            "Your wardrobe is empty. Start on the **Wardrobe** page: upload photos of your "
            "clothes (one piece per photo), then come back here.",
            icon=":material/waving_hand:",
        )


@st.fragment(run_every=1.0)
def models_loading_note() -> None:
    """Says the photo models are loading; once they are, the page is drawn again (with the
    encoder banner if the load failed). Only drawn while they load, so it stops polling then."""
    if resources.models_loading(wait_s=0.0):
        st.caption(":material/hourglass_top: Loading the photo models in the background; "
                   "adding photos and text search wait for them.")
    else:
        st.rerun(scope="app")
