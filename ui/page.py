"""The frame every page runs in: page config, the banners, and the no-traceback guard.

It lives in each page (not only in `streamlit_app.py`) because Streamlit treats a folder named
`pages/` specially: the first run of a fresh server, and every `AppTest.switch_page` run, execute
the page file directly without the entry point (Streamlit's multipage-v1 fallback). Framing each
page itself keeps the banner and the guard on every path.

This module imports no heavy library (torch, transformers, chromadb): `streamlit_app.py` draws
the navigation and a first screen with it before those are imported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ui import serving
from ui.guard import shown_as_message

APP_TITLE = "What2Wear"
# A file, not a Material icon or an emoji: those make the browser fetch the favicon from a
# font or emoji host on the internet, and a local-first app makes no outside requests.
APP_ICON = str(Path(__file__).resolve().parent / "assets" / "favicon.png")
_NAVIGATION_SEEN = "_navigation_seen"


def leave_pages_folder_mode() -> None:
    """Rerun through `streamlit_app.py`'s navigation when Streamlit ran a page the v1 way.

    A fresh server runs its first script the multipage-v1 way because a `pages/` folder exists:
    the sidebar then lists raw file names ("streamlit app", "model") until `st.navigation` has
    run once. Telling Streamlit the app uses `st.navigation` and rerunning shows the titled
    navigation from the first paint on. Only a session's first run is rerun: a later one may
    carry a button press, which a rerun would lose (AppTest starts each run the v1 way).
    """
    first_run = _NAVIGATION_SEEN not in st.session_state
    st.session_state[_NAVIGATION_SEEN] = True
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if first_run:
            st.rerun()


def configure() -> None:
    """Page config, then the serving check: nothing is shown when the app was started unsafely."""
    leave_pages_folder_mode()
    st.set_page_config(page_title=APP_TITLE, page_icon=APP_ICON, layout="wide")
    serving.enforce()


def run_page(title: str, render: Callable[[], None]) -> None:
    """Draw the banners, then the page; any error becomes a sentence on the page."""
    from ui import banners  # the wardrobe and its libraries: imported after the first paint

    configure()
    with shown_as_message("The app"):
        banners.show(current_page=title)
    with shown_as_message(title):
        render()
