"""Small drawing helpers shared by pages: item pictures and tiles. User text goes through `plain`."""

from __future__ import annotations

import io
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
            side = width if isinstance(width, int) else 0
            st.image(picture_bytes(str(path), Path(path).stat().st_mtime_ns, side), width=width)
            return
    st.caption("(picture missing — Settings → Check data)")


@st.cache_data(show_spinner=False, max_entries=4096)
def picture_bytes(path: str, mtime_ns: int, width: int = 0) -> bytes:
    """A picture file's bytes, read once per version of the file (the mtime is in the key), and
    already `width` pixels wide when one is given: Streamlit would otherwise decode and resize
    an image wider than its numeric width on every run."""
    data = Path(path).read_bytes()
    if not width:
        return data
    with Image.open(io.BytesIO(data)) as image:
        if image.width <= width:
            return data
        small = image.resize((width, max(1, round(image.height * width / image.width))),
                             Image.Resampling.LANCZOS)
        out = io.BytesIO()
        small.save(out, "PNG" if small.mode in ("RGBA", "LA", "P") else "JPEG")
    return out.getvalue()


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
