"""An outfit drawn as a flat-lay: its pieces' cut-outs placed by body position on one picture.

One small JPEG per outfit instead of one image per piece: the card is compact, every piece is
fitted into a cell of its body position (core.views.outfit_cards.flat_lay), and the picture is
cached by the files it is made of, so a rerun (a like, a page switch) reads no photo again.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
from PIL import Image, ImageDraw

from core.views.outfit_cards import CANVAS, flat_lay

if TYPE_CHECKING:
    from base.records import ItemRecord

BACKGROUND = (246, 244, 240)
ANCHOR_RING = (255, 75, 75)  # Streamlit's primary red: "the piece you picked"
SCALE = 2  # drawn at twice the CSS size, so phones with dense screens see sharp pieces

Piece = tuple[str, str, int, bool]  # slot, picture path ("" when missing), mtime_ns, anchored


def _picture_path(item: ItemRecord) -> Path | None:
    for path in (item.cutout_path, item.thumbnail_path):
        if path and Path(path).is_file():
            return Path(path)
    return None


def pieces_of(ordered: list[tuple[str, ItemRecord]], anchors: frozenset[str]) -> tuple[Piece, ...]:
    """What the picture depends on: the cache key (a new cut-out changes its mtime)."""
    pieces = []
    for slot, item in ordered:
        path = _picture_path(item)
        mtime = path.stat().st_mtime_ns if path is not None else 0
        pieces.append((slot, str(path or ""), mtime, item.id in anchors))
    return tuple(pieces)


@st.cache_data(show_spinner=False, max_entries=2048)
def flat_lay_jpeg(pieces: tuple[Piece, ...]) -> bytes:
    """The flat-lay of `pieces` as JPEG bytes (missing pictures leave their cell empty)."""
    width, height = CANVAS
    canvas = Image.new("RGB", (width * SCALE, height * SCALE), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    cells = {cell.slot: cell for cell in flat_lay(slot for slot, *_ in pieces)}
    for slot, path, _mtime, anchored in pieces:
        cell = cells[slot]
        box = (cell.left * SCALE, cell.top * SCALE,
               (cell.left + cell.width) * SCALE, (cell.top + cell.height) * SCALE)
        if anchored:
            draw.rounded_rectangle(box, radius=10 * SCALE, outline=ANCHOR_RING, width=2 * SCALE)
        if not path:
            continue
        try:
            with Image.open(path) as image:
                piece = image.convert("RGBA")
        except OSError:
            continue
        pad = 6 * SCALE
        piece.thumbnail((box[2] - box[0] - 2 * pad, box[3] - box[1] - 2 * pad))
        x = box[0] + (box[2] - box[0] - piece.width) // 2
        y = box[1] + (box[3] - box[1] - piece.height) // 2
        canvas.paste(piece, (x, y), piece)
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def show_flat_lay(ordered: list[tuple[str, ItemRecord]], anchors: frozenset[str],
                  caption: str | None = None) -> None:
    """The outfit's flat-lay, as wide as the card."""
    # "stretch", not a number: Streamlit decodes and resizes on every run any image wider
    # than a numeric width; this way the cached bytes are sent as they are
    st.image(flat_lay_jpeg(pieces_of(ordered, anchors)), caption=caption, width="stretch")
