"""Settings: where data lives, which models are used, export / import, data checks. Plain words
first; file paths, model names and environment variables behind "Details"."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import streamlit as st

from base.words import count as count_of
from core.views.settings import describe, model_lines, storage_sentence
from core.wardrobe.service import Wardrobe
from ui import resources
from ui.actions import act, show_messages
from ui.banners import ENCODER_HELP
from ui.page import run_page
from ui.text import code, plain

state = st.session_state


def where_data_lives() -> None:
    st.subheader("Where your data lives")
    settings = resources.settings()
    st.markdown(storage_sentence(settings, code(settings.home)))
    with st.expander("Details", icon=":material/folder_open:"):
        st.dataframe(
            [{"setting": line.label, "value": line.value, "change with": line.variable}
             for line in describe(settings)],
            hide_index=True, width="stretch",
        )
        st.caption("Settings are environment variables, read when the app starts: set them in "
                   "the shell before `make run`.")


def model_status(wardrobe: Wardrobe) -> None:
    st.subheader("Models")
    settings = wardrobe.settings
    status = wardrobe.status
    active = resources.model_service().active()
    trained = active.version != "identity"
    st.markdown("\n".join(f"- {line}" for line in model_lines(
        status.encoder_ready, status.background_ready, trained)))
    if not status.encoder_ready:
        st.error(f"Photo recognition is off. Encoder not loaded: "
                 f"{plain(status.encoder_message or 'unknown reason')}.\n\n{ENCODER_HELP}",
                 icon=":material/extension_off:")
    if not status.background_ready:
        st.warning(
            f"Background removal is off: {plain(status.background_message or 'not configured')}.\n\n"
            "Photos are kept with their background and flagged; once a model is available, "
            "re-run removal from the item editor. To enable it, put the rembg model file (for "
            "example `u2netp.onnx`) into the folder named by `U2NET_HOME` (default `~/.u2net`) "
            "and set `WHAT2WEAR_REMBG_MODEL` to its name (`u2netp`) or to the `.onnx` file's path.",
            icon=":material/content_cut:",
        )
    if active.message:
        st.warning(f"{plain(active.message)}\n\nUntil a model loads, outfits are ranked by how "
                   "alike their pieces look. Train one on the **Model** page, or point "
                   "`WHAT2WEAR_COMPAT_MODEL` at a folder holding `model.safetensors` and "
                   "`config.json` written by `python -m core.cli train`.",
                   icon=":material/psychology:")
    with st.expander("Details", icon=":material/memory:"):
        if status.encoder_ready:
            st.markdown(f"Encoder loaded: {code(settings.clip_model)} (FashionCLIP image and "
                        "text embeddings).")
        if status.background_ready:
            st.markdown(f"Background removal ready: {code(settings.rembg_model)}.")
        st.markdown(f"Compatibility model: {plain(active.name)}, version {code(active.version)}.")


def retry_models() -> str:
    status = resources.wardrobe().retry_models()
    encoder = "encoder loaded" if status.encoder_ready else "encoder still missing"
    background = ("background removal ready" if status.background_ready
                  else "background removal still off")
    return f"Tried again: {encoder}, {background}."


def reindex() -> str:
    count = resources.wardrobe().reindex()
    return f"Embedded {count_of(count, 'pending photo')}." if count else "Nothing was waiting to be embedded."


def doctor(repair: bool) -> str:
    report = resources.wardrobe().doctor(repair=repair)
    state.doctor_report = report
    if report.ok:
        return "Everything is consistent."
    if repair:
        return f"Repaired {report.repaired} of {count_of(len(report.problems), 'problem')}."
    return f"Found {count_of(len(report.problems), 'problem')}; press Repair to fix them."


def adopt() -> str:
    outcomes = resources.wardrobe().adopt_photos()
    added = sum(1 for o in outcomes if o.status == "added")
    return (f"Recovered {added} of {count_of(len(outcomes), 'set-aside photo')} as items, named "
            "“recovered …”: check their category and tags on the Wardrobe page.")


def set_aside_photos(wardrobe: Wardrobe) -> None:
    """What start-up found, and photos it set aside (never deleted) for the person to recover."""
    startup = wardrobe.startup_report
    for line in [*startup.problems, *startup.notes]:
        st.caption(f"• At start-up: {plain(line)}")
    held = wardrobe.files.quarantined()
    if held:
        st.warning(
            f"{count_of(len(held), 'photo folder')} the database did not know were set aside in "
            f"{code(str(wardrobe.files.quarantine_root))} (nothing is ever deleted). "
            "Recover makes items of them.", icon=":material/inventory_2:")
        st.button("Recover set-aside photos", key="adopt", on_click=act,
                  args=("Recovering", adopt))


def maintenance(wardrobe: Wardrobe) -> None:
    st.subheader("Maintenance")
    pending = sum(1 for i in wardrobe.items() if i.pending_embedding)
    with st.container(horizontal=True):
        st.button("Load models again", key="retry-models", on_click=act,
                  args=("Loading", retry_models),
                  help="After copying a model into the configured folder: no restart needed.")
        st.button(f"Embed pending photos ({pending})", key="reindex",
                  disabled=not wardrobe.status.encoder_ready, on_click=act,
                  args=("Embedding", reindex),
                  help="Needs the encoder. Photos added while it was missing are embedded now.")
        st.button("Check data", key="doctor", on_click=act, args=("Checking", doctor, False))
        st.button("Repair", key="doctor-repair", on_click=act, args=("Repairing", doctor, True))
    report = state.get("doctor_report")
    if report is not None:
        for line in [*report.problems, *report.notes]:
            st.caption(f"• {plain(line)}")
    set_aside_photos(wardrobe)


def prepare_export() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.zip"
        resources.wardrobe().export_zip(path)
        state.export_bytes = path.read_bytes()
    return "Export ready: press Download."


def import_upload() -> str:
    upload = state.get("import_zip")
    if upload is None:
        raise ValueError("choose a zip file first")
    wardrobe = resources.wardrobe()
    if wardrobe.items() or wardrobe.outfits():
        raise ValueError(
            "import only works into an empty wardrobe. Start the app with a new data folder "
            "(`WHAT2WEAR_HOME=/new/folder make run`) and import there."
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "import.zip"
        path.write_bytes(upload.getvalue())
        wardrobe.import_zip(path)
    return f"Imported {count_of(len(wardrobe.items()), 'item')} and {count_of(len(wardrobe.outfits()), 'outfit')}."


def export_import() -> None:
    st.subheader("Export and import")
    st.caption("An export is one zip with your photos, the list of your clothes and outfits, "
               "and what the app worked out from each photo. Importing it into an empty wardrobe "
               "(a new data folder) reproduces everything.")
    with st.container(horizontal=True):
        st.button("Prepare export", key="export", on_click=act, args=("Export", prepare_export))
        if state.get("export_bytes"):
            st.download_button("Download", state.export_bytes, icon=":material/download:",
                               key="export-download", mime="application/zip",
                               file_name=f"what2wear-{date.today().isoformat()}.zip")
    st.file_uploader("Import an export (.zip)", type=["zip"], key="import_zip", max_upload_size=1024,
                     help="Up to 1 GB here; for bigger exports use `python -m core.cli import FILE.zip`.")
    st.button("Import", key="import", on_click=act, args=("Import", import_upload))


def render() -> None:
    wardrobe = resources.wardrobe()
    st.title("Settings")
    show_messages()
    where_data_lives()
    model_status(wardrobe)
    maintenance(wardrobe)
    export_import()


run_page("Settings", render)
