"""Small drawing helpers shared by pages: item pictures and tiles. User text goes through `plain`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
from PIL import Image, ImageOps

from core.views.gallery import category_label, display_name
from ui.text import plain

if TYPE_CHECKING:
    from base.records import ItemRecord


def picture(item: ItemRecord, cutout: bool = True, width: int | str = "content") -> None:
    """The item's cut-out (or thumbnail); a placeholder when the file is gone."""
    candidates = (item.cutout_path, item.thumbnail_path) if cutout else (item.thumbnail_path, item.cutout_path)
    for path in candidates:
        if path and Path(path).is_file():
            st.image(picture_bytes(str(path), Path(path).stat().st_mtime_ns), width=width)
            return
    st.caption("(picture missing — Settings → Check data)")


@st.cache_data(show_spinner=False, max_entries=4096)
def picture_bytes(path: str, mtime_ns: int) -> bytes:
    """A picture file's bytes, read once per version of the file (the mtime is in the key): a
    gallery rerun reads no photo from disk again."""
    return Path(path).read_bytes()


ORIGINAL_PREVIEW_SIDE = 600


def original_picture(item: ItemRecord, width: int | str = "content") -> None:
    """The item's original photo, scaled down here (a 48 MP or HEIC original is neither sent
    to the browser whole nor shown by every browser)."""
    try:
        with Image.open(item.original_path) as image:
            image.draft("RGB", (ORIGINAL_PREVIEW_SIDE, ORIGINAL_PREVIEW_SIDE))  # JPEG: decode small
            preview = ImageOps.exif_transpose(image).convert("RGB")
            preview.thumbnail((ORIGINAL_PREVIEW_SIDE, ORIGINAL_PREVIEW_SIDE))
    except (OSError, ValueError, Image.DecompressionBombError):
        st.caption("(original photo cannot be shown)")
        return
    st.image(preview, width=width)


def item_caption(item: ItemRecord) -> str:
    bits = [f"**{plain(display_name(item))}**", plain(category_label(item.category))]
    if not item.available:
        bits.append("unavailable")
    if item.pending_embedding:
        bits.append("not embedded yet")
    return " · ".join(bits)

