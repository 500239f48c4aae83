"""No tracebacks for people: a page that fails shows what went wrong in words, and logs the rest."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from ui.text import plain

log = logging.getLogger("what2wear.app")


def human_message(exc: BaseException) -> str:
    """One sentence a person can act on; details go to the server log."""
    if isinstance(exc, KeyError):
        return "That item or outfit no longer exists (it may have been deleted). Reload the page."
    if isinstance(exc, PermissionError):
        return f"The app may not read or write {getattr(exc, 'filename', None) or 'a file'}: check the data folder's permissions."
    if isinstance(exc, FileNotFoundError):
        return f"A file is missing: {getattr(exc, 'filename', None) or exc}. Settings → Check data can repair this."
    if isinstance(exc, OSError):
        return f"A file could not be read or written ({exc.strerror or exc}). Is the disk full?"
    if isinstance(exc, MemoryError):
        return "The computer ran out of memory for this step. Try fewer photos at once."
    text = str(exc).strip() or type(exc).__name__
    return text[0].upper() + text[1:]


@contextmanager
def shown_as_message(what: str = "This page") -> Iterator[None]:
    """Run a page (or one action) and turn any error into an `st.error` sentence."""
    try:
        yield
    except ScriptControlException:  # st.stop / st.rerun / st.switch_page are not errors
        raise
    except Exception as exc:
        log.exception("%s failed", what)
        st.error(f"{what} ran into a problem: {plain(human_message(exc))}", icon=":material/error:")
