"""What2Wear: the Streamlit entry point. Page config and navigation.

Run with `make run` (or `streamlit run streamlit_app.py`). Pages live in `pages/`; each is a
thin script over `core/` that runs inside `ui.page.run_page` (banners + an error guard, so a
failure is shown as a sentence, never a traceback).
"""

from __future__ import annotations

import streamlit as st

from ui.page import configure
from ui.resources import has_items

configure()
# A wardrobe with items opens on Today, an empty one on Wardrobe; decided once per session, so
# adding the first photos does not move the person to another page mid-upload.
if "opens_on_today" not in st.session_state:
    st.session_state.opens_on_today = has_items()
returning = bool(st.session_state.opens_on_today)

PAGES = [
    st.Page("pages/today.py", title="Today", icon=":material/wb_sunny:", default=returning),
    st.Page("pages/wardrobe.py", title="Wardrobe", icon=":material/checkroom:",
            default=not returning),
    st.Page("pages/what_goes_with_this.py", title="What goes with this", icon=":material/auto_awesome:"),
    st.Page("pages/outfits.py", title="Outfits", icon=":material/calendar_month:"),
    st.Page("pages/model.py", title="Model", icon=":material/psychology:"),
    st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
]

st.navigation(PAGES).run()
