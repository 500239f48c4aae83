"""One wardrobe (and with it the encoder, the rembg session and the model service) per process.

`st.cache_resource` keeps them across reruns and sessions; the key is the resolved settings, so
a test (or a person) pointing WHAT2WEAR_HOME elsewhere gets a fresh one. Releasing the cache
closes the wardrobe, which frees the home lock.
"""

from __future__ import annotations

import gc
import logging
import threading

import streamlit as st

from base.config import Settings, load_settings
from base.records import ItemRecord
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


@st.cache_resource(show_spinner=False, max_entries=4)
def _items(key: str, revision: int, _wardrobe: Wardrobe) -> tuple[ItemRecord, ...]:
    return tuple(_wardrobe.items())


def items() -> list[ItemRecord]:
    """The wardrobe's items, newest first, read once per wardrobe revision (every write that
    may change an item bumps it), not on every page run."""
    current = wardrobe()
    return list(_items(repr(settings()), current.items_revision, current))


def freeze_heap() -> None:
    """Exempt everything alive now (libraries, models) from Python's cyclic garbage collector.

    torch, transformers, chromadb and pandas leave ~660k objects on the heap; every full
    collection walked them all (~0.4 s each on the shared 2-core machine, several per page
    switch). Frozen, a collection only looks at what page runs create. Called once the
    libraries are imported and once the models are loaded; garbage is collected first.
    """
    gc.collect()
    gc.freeze()


def _load_models(wardrobe: Wardrobe) -> None:
    try:
        wardrobe.retry_models()  # the encoder and the background model; failures are kept
    except Exception:  # a message on the page comes from `status`; the rest goes to the log
        logging.getLogger("what2wear.app").exception("loading the photo models failed")
    freeze_heap()


@st.cache_resource(show_spinner=False)
def _models_warm_up(key: str, _wardrobe: Wardrobe) -> threading.Thread:
    thread = threading.Thread(target=_load_models, args=(_wardrobe,), daemon=True,
                              name="what2wear-models")
    thread.start()
    return thread


def models_loading(wait_s: float = 1.0) -> bool:
    """Load the photo models (FashionCLIP, background removal) in the background, once per
    wardrobe, so the first page is shown before them; True while they are still loading.
    Waits up to `wait_s` first, so a quick load (or a quick failure) is seen at once."""
    thread = _models_warm_up(repr(settings()), wardrobe())
    thread.join(wait_s)
    return thread.is_alive()


def encoder_missing() -> bool:
    """The encoder has been tried and could not be loaded (False while it is still loading)."""
    current = wardrobe()
    return current.encoder_tried and not current.status.encoder_ready
