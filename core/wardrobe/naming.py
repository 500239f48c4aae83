"""Names people read: colour + type ("navy chinos"), unique within the wardrobe.

A photo's file name (`IMG_4312`, a uuid) means nothing to the person, so new items are named
from their tags, and names that look like file names are replaced for display only (a
person's stored data is never rewritten).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from base.vocabulary import SUBTYPES, UNKNOWN_CATEGORY

# How cameras, phones and messengers name photos, and ids: never a name a person chose.
_CAMERA = re.compile(
    r"^(img|image|dsc|dscn|dscf|dcim|pxl|mvimg|photo|pic|pict|picture|wp|screenshot|"
    r"screen shot|snapshot|whatsapp image|signal|telegram|fb_img|received|capture|p|gopr|"
    r"sam|cimg|imag|vid|original|cutout|upload)"
    r"[\s_\-.]*[\d_\-.: ]*(at [\d.\-: ]+)?(\s*\(\d+\))?$",
    re.IGNORECASE,
)
_HEX_ID = re.compile(r"^[0-9a-f]{8}(-?[0-9a-f]{4}){3}-?[0-9a-f]{12}$|^[0-9a-f]{16,64}$", re.I)
_NUMBERS = re.compile(r"^[\d\s_\-.:()]+$")
_EXTENSION = re.compile(r"\.(jpe?g|png|webp|heic|heif|gif|bmp|tiff?)$", re.IGNORECASE)
_BAND = re.compile(r"^(?P<stem>.+) \((top|bottom|shoes)\)$")  # outfit-photo bands, before 0003
_SUFFIX = re.compile(r"^(?P<base>.+?) (?P<n>\d+)$")

CATEGORY_WORDS: dict[str, str] = {
    "top": "top", "bottom": "bottoms", "onepiece": "one-piece", "outerwear": "jacket",
    "shoes": "shoes", "bag": "bag", "accessory": "accessory",
}


def looks_like_file_name(name: str) -> bool:
    """True for an empty name, a camera or messenger file stem, a uuid-like id or digits."""
    text = _EXTENSION.sub("", name.strip())
    band = _BAND.match(text)
    if band:
        text = band["stem"]
    return (not text or bool(_CAMERA.match(text)) or bool(_HEX_ID.match(text))
            or bool(_NUMBERS.match(text)))


def readable_name(colours: Sequence[str], subtype: str, category: str) -> str:
    """Colour + type ("navy chinos"); the category stands in for an unknown type or one
    that belongs to another category."""
    kind = subtype.strip().lower()
    if SUBTYPES.get(kind, category) != category and category in CATEGORY_WORDS:
        kind = ""  # a type of another category ("shoes" guessed "hoodie"): not a name
    if not kind:
        kind = CATEGORY_WORDS.get(category, "" if category == UNKNOWN_CATEGORY else category)
    kind = kind or "item"
    colour = colours[0].strip().lower() if colours else ""
    return f"{colour} {kind}".strip()


def is_generated(name: str, colours: Sequence[str], subtype: str, category: str) -> bool:
    """True when `name` is what `readable_name` made of these tags (numbered or not), so it
    may follow corrected tags; a name a person typed or kept never does."""
    base = readable_name(colours, subtype, category).lower()
    text = name.strip().lower()
    suffix = _SUFFIX.match(text)
    return text == base or (suffix is not None and suffix["base"] == base)


def unique_name(base: str, taken: Iterable[str]) -> str:
    """`base`, or `base 2`, `base 3`… whichever is not taken yet (case-insensitive)."""
    used = {t.strip().lower() for t in taken}
    if base.lower() not in used:
        return base
    n = 2
    while f"{base} {n}".lower() in used:
        n += 1
    return f"{base} {n}"


def shown_names(entries: Sequence[tuple[str, str, str, Sequence[str], str]]) -> dict[str, str]:
    """Display names for (id, name, subtype, colours, category) entries, oldest first:
    a real name is kept; a missing or file-like one becomes colour + type, numbered so no two
    items read alike ("white sneakers", "white sneakers 2")."""
    shown: dict[str, str] = {}
    taken = [name.strip() for _id, name, *_ in entries if not looks_like_file_name(name)]
    for item_id, name, subtype, colours, category in entries:
        if not looks_like_file_name(name):
            shown[item_id] = name.strip()
            continue
        generated = unique_name(readable_name(colours, subtype, category), taken)
        taken.append(generated)
        shown[item_id] = generated
    return shown
