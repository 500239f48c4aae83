"""The words the whole project shares: item categories, outfit slots, sub-types, seasons and
colour names, defined once here.

The order of CATEGORIES is part of every saved compatibility model (its category ids index
it): new categories are appended, existing ones never move.
"""

from __future__ import annotations

from collections.abc import Mapping

TOP, BOTTOM, SHOES, OUTERWEAR, ONEPIECE = "top", "bottom", "shoes", "outerwear", "onepiece"
BAG, ACCESSORY = "bag", "accessory"

CATEGORIES: tuple[str, ...] = (TOP, BOTTOM, SHOES, OUTERWEAR, ONEPIECE, BAG, ACCESSORY)
UNKNOWN_CATEGORY = "unknown"  # until an encoder (or the person) has named the category

# A learned model's input slots. A one-piece takes the place of a top (its category says
# "onepiece") and leaves the bottom empty.
SLOTS: tuple[str, ...] = (TOP, BOTTOM, SHOES, OUTERWEAR)
# Slot names in stored outfits: a one-piece is kept under its own name.
OUTFIT_SLOTS: tuple[str, ...] = (*SLOTS, ONEPIECE)
# Optional finishing pieces an outfit may carry, at most one of each slot (like the one
# outerwear layer): a bag, and one accessory (hat, cap, scarf, belt, jewellery, ...). The learned
# model's input SLOTS do not include them (trainers feed clothes only).
ACCESSORY_SLOTS: tuple[str, ...] = (BAG, ACCESSORY)
# Every slot a stored or suggested outfit may hold.
PIECE_SLOTS: tuple[str, ...] = (*OUTFIT_SLOTS, *ACCESSORY_SLOTS)
# Item category -> the outfit slot it fills.
SLOT_OF_CATEGORY: Mapping[str, str] = {slot: slot for slot in PIECE_SLOTS}

# Sub-types the zero-shot tagger chooses from, each with the category it belongs to.
SUBTYPES: Mapping[str, str] = {
    "t-shirt": TOP, "shirt": TOP, "blouse": TOP, "polo shirt": TOP,
    "tank top": TOP, "knit sweater": TOP, "cardigan": TOP, "hoodie": TOP,
    "sweatshirt": TOP,
    "jeans": BOTTOM, "trousers": BOTTOM, "shorts": BOTTOM, "skirt": BOTTOM,
    "leggings": BOTTOM,
    "jacket": OUTERWEAR, "coat": OUTERWEAR, "blazer": OUTERWEAR, "parka": OUTERWEAR,
    "raincoat": OUTERWEAR,
    "dress": ONEPIECE, "jumpsuit": ONEPIECE,
    "sneakers": SHOES, "boots": SHOES, "sandals": SHOES, "heels": SHOES,
    "loafers": SHOES, "flats": SHOES,
    "handbag": BAG, "backpack": BAG, "tote bag": BAG,
    "hat": ACCESSORY, "cap": ACCESSORY, "scarf": ACCESSORY, "belt": ACCESSORY,
    "sunglasses": ACCESSORY, "tie": ACCESSORY,
    "necklace": ACCESSORY, "bracelet": ACCESSORY, "earrings": ACCESSORY, "watch": ACCESSORY,
}
SEASONS: tuple[str, ...] = ("spring", "summer", "autumn", "winter")
# Colour names the tagger gives and the gallery filters by: the words people use for clothes,
# lowercase, neutrals first. denim = the mid, greyed blue of jeans; khaki = the green-leaning tan
# of chinos and cargo trousers; camel = warm tan (camel coats, suede loafers); cream = a warm
# off-white; burgundy = dark red wine; olive = dark yellow-green. Their sRGB anchors live in
# core/photos/tagging.py. Stored items keep whatever names they were given.
COLOURS: tuple[str, ...] = (
    "black", "white", "grey", "cream", "beige", "camel", "khaki", "brown", "olive", "green",
    "navy", "blue", "denim", "red", "burgundy", "pink", "purple", "orange", "yellow",
)
# Warmth and formality levels of an item (1..5), the words shown for each. Warmth: how much the
# piece keeps you warm; formality: how dressed-up it reads. Guessed zero-shot at ingest
# (core/photos/tagging.py), editable; the day's rules (core/ranking/context.py) use them.
WARMTH_LEVELS: Mapping[int, str] = {
    1: "very light", 2: "light", 3: "medium", 4: "warm", 5: "heavy",
}
FORMALITY_LEVELS: Mapping[int, str] = {
    1: "sporty", 2: "casual", 3: "smart casual", 4: "business", 5: "formal",
}
