"""What2Wear: the Streamlit entry point. Page config and navigation.

Run with `make run` (or `streamlit run streamlit_app.py`). Pages live in `pages/`; each is a
thin script over `core/` that runs inside `ui.page.run_page` (banners + an error guard, so a
failure is shown as a sentence, never a traceback).

A fresh process first draws an "opening" screen, then imports the libraries the pages need
(torch, transformers, chromadb: many seconds on a small machine), so the browser shows the app
at once instead of a blank page. The photo models themselves load in the background after the
page is up (`ui.banners`). Both steps end by freezing the heap (`ui.resources.freeze_heap`),
which keeps the garbage collector off the libraries' objects.
"""

from __future__ import annotations

import importlib
import sys

import streamlit as st

from ui.page import APP_TITLE, configure

HEAVY = "ui.resources"  # imports the wardrobe service and with it torch and the stores

configure()
if HEAVY not in sys.modules:  # only the first run of a fresh process
    opening = st.empty()
    with opening.container():
        st.title(APP_TITLE)
        st.caption("Opening your wardrobe…")
    importlib.import_module(HEAVY).freeze_heap()
    opening.empty()
resources = importlib.import_module(HEAVY)

# Every page keeps one address (Today at "/", Wardrobe at "/wardrobe", ...), whatever the wardrobe
# holds: a default page has no address of its own, so a default that changed with the wardrobe
# made "/wardrobe" a "page not found" while the wardrobe was empty. A session that starts with an
# empty wardrobe and lands on "/" is sent to Wardrobe once; decided once per session, so adding
# the first photos does not move the person to another page mid-upload.
if "opens_on_today" not in st.session_state:
    st.session_state.opens_on_today = resources.has_items()

PAGES = [
    st.Page("pages/today.py", title="Today", icon=":material/wb_sunny:", default=True),
    st.Page("pages/wardrobe.py", title="Wardrobe", icon=":material/checkroom:"),
    st.Page("pages/what_goes_with_this.py", title="What goes with this", icon=":material/auto_awesome:"),
    st.Page("pages/outfits.py", title="Outfits", icon=":material/calendar_month:"),
    st.Page("pages/model.py", title="Model", icon=":material/psychology:"),
    st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
]

page = st.navigation(PAGES)
first_run = "landed" not in st.session_state
st.session_state.landed = True
if first_run and page.url_path == "" and not st.session_state.opens_on_today:
    st.switch_page(PAGES[1])
page.run()
