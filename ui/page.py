"""The frame every page runs in: page config, the banners, and the no-traceback guard.

It lives in each page (not only in `streamlit_app.py`) because Streamlit treats a folder named
`pages/` specially: the first run of a fresh server, and every `AppTest.switch_page` run, execute
the page file directly without the entry point (Streamlit's multipage-v1 fallback). Framing each
page itself keeps the banner and the guard on every path.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui import banners, serving
from ui.guard import shown_as_message

APP_TITLE = "What2Wear"
APP_ICON = ":material/checkroom:"


def configure() -> None:
    """Page config, then the serving check: nothing is shown when the app was started unsafely."""
    st.set_page_config(page_title=APP_TITLE, page_icon=APP_ICON, layout="wide")
    serving.enforce()


def run_page(title: str, render: Callable[[], None]) -> None:
    """Draw the banners, then the page; any error becomes a sentence on the page."""
    configure()
    with shown_as_message("The app"):
        banners.show(current_page=title)
    with shown_as_message(title):
        render()
