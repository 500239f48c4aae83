"""From one accepted photo to everything an item stores: files, embedding and first-guess tags.

Nothing here touches a database, the vector index or the disk: the wardrobe service decides
when and in which order the results are written (see core/wardrobe/service.py), so a refused or
failed photo never leaves a trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from base.vocabulary import UNKNOWN_CATEGORY
from core.photos.background import BackgroundRemover, CutOut, composite_on_white
from core.photos.encoder import FashionEncoder
from core.photos.images import image_bytes, thumbnail
from core.photos.tagging import main_colours, tag_item
from db.files import CUTOUT, ORIGINAL, THUMBNAIL

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic"}


def original_name(fmt: str) -> str:
    """`original.<ext>`: the bytes are kept exactly as uploaded, under the photo's own type."""
    return f"{ORIGINAL}.{EXTENSIONS.get(fmt.upper(), fmt.lower())}"


@dataclass(frozen=True)
class AutoTags:
    """Tags the machine proposes; the service applies only those a person has not edited."""

    category: str
    subtype: str
    colours: tuple[str, ...]
    seasons: tuple[str, ...]
    warmth: int | None = None  # None without an encoder: nothing guessed
    formality: int | None = None

    def as_fields(self) -> dict[str, object]:
        fields: dict[str, object] = {
            "category": self.category,
            "subtype": self.subtype,
            "colours": list(self.colours),
            "seasons": list(self.seasons),
        }
        if self.warmth is not None:  # never clear a level because no encoder could guess it
            fields["warmth"] = self.warmth
        if self.formality is not None:
            fields["formality"] = self.formality
        return fields


@dataclass(frozen=True)
class PreparedItem:
    """An item ready to be written: file bytes by file name, embedding (None when pending)."""

    files: dict[str, bytes]
    embedding: np.ndarray | None
    tags: AutoTags
    background_removed: bool
    warnings: tuple[str, ...] = field(default=())
    # Why a person should look at this item (say a doubtful cut-out); "" when nothing is.
    # Written to `items.review_note` by core/wardrobe/writes.new_item.
    review_note: str = ""


def auto_tags(
    encoder: FashionEncoder | None,
    embedding: np.ndarray | None,
    cutout: Image.Image,
    category: str | None = None,
) -> AutoTags:
    """Zero-shot tags when an embedding exists; colours alone (category unknown, or the
    person's `category`) otherwise. A given `category` limits the guessed sub-type to its own."""
    if encoder is None or embedding is None:
        return AutoTags(category or UNKNOWN_CATEGORY, "", main_colours(cutout), ())
    tags = tag_item(encoder, embedding, cutout, category)
    return AutoTags(tags.category, tags.subtype, tags.colours, tags.seasons, tags.warmth,
                    tags.formality)


def derived_files(cut: CutOut) -> dict[str, bytes]:
    """The display files made from a cut-out (original excluded)."""
    return {
        CUTOUT: image_bytes(cut.rgba, "PNG", optimize=False),
        THUMBNAIL: image_bytes(thumbnail(cut.rgba), "PNG"),
    }


def encode_one(encoder: FashionEncoder | None, on_white: Image.Image) -> np.ndarray | None:
    return None if encoder is None else encoder.encode_images([on_white])[0]


def prepare_item(
    image: Image.Image,
    original: tuple[str, bytes],
    remover: BackgroundRemover,
    encoder: FashionEncoder | None,
    category: str | None = None,
) -> PreparedItem:
    """Cut out, encode and tag one garment photo. `original` = (file name, bytes as stored);
    `category` = the person's choice, if any (limits the guessed sub-type)."""
    cut = remover.cut_out(image)
    return prepare_from_cutout(cut, original, encoder, remover.message, category=category)


def prepare_from_cutout(
    cut: CutOut,
    original: tuple[str, bytes],
    encoder: FashionEncoder | None,
    background_message: str | None,
    embedding: np.ndarray | None = None,
    category: str | None = None,
) -> PreparedItem:
    """As `prepare_item` for an existing cut-out (e.g. a band of an outfit photo whose
    embedding is already computed)."""
    warnings: list[str] = []
    if not cut.removed:
        warnings.append(background_message or "background removal found no garment; kept uncut")
    if embedding is None:
        embedding = encode_one(encoder, cut.on_white)
    files = {original[0]: original[1], **derived_files(cut)}
    return PreparedItem(files, embedding, auto_tags(encoder, embedding, cut.rgba, category),
                        cut.removed, tuple(warnings), review_note=cut.doubt or "")


def cutout_from_file(rgba: Image.Image, removed: bool) -> CutOut:
    """Rebuild the CutOut of a stored item from its transparent PNG."""
    rgba = rgba.convert("RGBA")
    return CutOut(rgba, composite_on_white(rgba), removed)
