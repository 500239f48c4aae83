"""One wardrobe (and with it the encoder, the rembg session and the model service) per process.

`st.cache_resource` keeps them across reruns and sessions; the key is the resolved settings, so
a test (or a person) pointing WHAT2WEAR_HOME elsewhere gets a fresh one. Releasing the cache
closes the wardrobe, which frees the home lock.
"""

from __future__ import annotations

import streamlit as st

from base.config import Settings, load_settings
from core.learning.service import ModelService
from core.views.jobs import JobQueue
from core.wardrobe.service import DatabaseUnavailable, HomeLocked, HomeRefused, Wardrobe
from ui.text import plain


def _close(wardrobe: Wardrobe) -> None:
    wardrobe.close()


@st.cache_resource(show_spinner="Opening your wardrobe…", on_release=_close)
def _open_wardrobe(key: str, _settings: Settings) -> Wardrobe:
    return Wardrobe.open(_settings)


def settings() -> Settings:
    return load_settings()


def wardrobe() -> Wardrobe:
    """The process's wardrobe; a home held by another process stops the page with a message."""
    current = settings()
    try:
        return _open_wardrobe(repr(current), current)
    except HomeLocked as exc:
        st.error(
            "Your wardrobe is open in another What2Wear process (the app in another terminal, "
            f"or a `python -m core.cli` command). Close it and reload this page.\n\n{plain(exc)}",
            icon=":material/lock:",
        )
        st.stop()
    except DatabaseUnavailable as exc:  # a server that is down: say which (no password)
        st.error(f"Your wardrobe's database cannot be reached.\n\n{plain(exc)}",
                 icon=":material/cloud_off:")
        st.stop()
    except HomeRefused as exc:  # a database that is not this home's: nothing was touched
        st.error(f"Your wardrobe was not opened, to keep your photos safe.\n\n{plain(exc)}",
                 icon=":material/shield:")
        st.stop()


def has_items() -> bool:
    """Whether the wardrobe holds items (a returning person: the Today page opens first).
    False when it cannot be opened: the page then says why, as it does for every page."""
    current = settings()
    try:
        return bool(_open_wardrobe(repr(current), current).items())
    except Exception:  # shown by the page's own guard, not here
        return False


@st.cache_resource(show_spinner=False)
def _model_service(key: str, _wardrobe: Wardrobe) -> ModelService:
    return ModelService.for_wardrobe(_wardrobe)


def model_service() -> ModelService:
    """One model service per wardrobe: which compatibility model is active, and why."""
    current = settings()
    return _model_service(repr(current), wardrobe())


def _close_jobs(jobs: JobQueue) -> None:
    jobs.close()


@st.cache_resource(show_spinner=False, on_release=_close_jobs)
def _job_queue(key: str) -> JobQueue:
    return JobQueue()


def jobs() -> JobQueue:
    """The process's job queue (uploads, training): its worker outlives every page run, so a
    click, a page switch or a reload never stops a batch; pages only poll it."""
    return _job_queue(repr(settings()))
