"""Button callbacks that never raise: the outcome becomes a message shown on the next run.

Callbacks run before the page script, outside the page's error guard, so each one is wrapped
here; the page calls `show_messages()` near its top to display what happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.guard import human_message
from ui.text import plain

log = logging.getLogger("what2wear.app")
_KEY = "_flash_messages"


def flash(kind: str, text: str) -> None:
    """Queue a message ("success" | "info" | "warning" | "error") for the next run; text is Markdown."""
    st.session_state.setdefault(_KEY, []).append((kind, text))


def act(what: str, fn: Callable[..., str | None], *args: Any) -> None:
    """Run `fn(*args)`; its return value (Markdown) is shown as success, an error as a sentence."""
    try:
        message = fn(*args)
    except Exception as exc:
        log.exception("%s failed", what)
        flash("error", f"{what} failed: {plain(human_message(exc))}")
    else:
        if message:
            flash("success", message)


def show_messages() -> None:
    for kind, text in st.session_state.pop(_KEY, []):
        getattr(st, kind)(text)


_TOASTS = "_toast_messages"


def queue_toast(text: str, icon: str | None = None) -> None:
    """A short confirmation shown as a toast (beside the page, not at its top) on the next run
    of the part of the page that shows `show_toasts()`; text is Markdown."""
    st.session_state.setdefault(_TOASTS, []).append((text, icon))


def act_in_place(what: str, icon: str, fn: Callable[..., str | None], *args: Any) -> None:
    """`act` for a click whose effect shows where it happened (a card's mark): the outcome is
    a toast; an error is a toast too, and stays in the log."""
    try:
        message = fn(*args)
    except Exception as exc:
        log.exception("%s failed", what)
        queue_toast(f"{what} failed: {plain(human_message(exc))}", ":material/error:")
    else:
        if message:
            queue_toast(message, icon)


def show_toasts() -> None:
    for text, icon in st.session_state.pop(_TOASTS, []):
        st.toast(text, icon=icon)
