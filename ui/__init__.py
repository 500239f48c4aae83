"""Streamlit-side helpers shared by the pages: cached resources, error guard, widgets.

Everything here may import streamlit; the logic the pages need lives in `core/`.
"""
