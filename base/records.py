"""Plain, frozen records the wardrobe service hands out (never ORM objects).

Pages and the CLI only ever see these, so they never hold a database session or trip over
lazy loading; the service converts rows to records at its boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

# Outfit sources: a photo of what someone wore, a ranker suggestion, or put together by hand.
OUTFIT_SOURCES: tuple[str, ...] = ("photo", "suggested", "manual")
# Item fields a person may edit; editing one protects it from automatic re-tagging.
EDITABLE_FIELDS: tuple[str, ...] = (
    "category", "subtype", "colours", "name", "notes", "seasons", "price", "warmth", "formality",
)


@dataclass(frozen=True)
class ItemRecord:
    id: str
    category: str
    subtype: str
    colours: tuple[str, ...]
    name: str
    notes: str
    seasons: tuple[str, ...]
    price: float | None
    original_path: Path  # absolute (home / relative path stored in the database)
    cutout_path: Path  # transparent PNG for display
    thumbnail_path: Path
    sha256: str
    embedding_model: str | None
    pending_embedding: bool
    background_removed: bool
    available: bool
    created: datetime  # UTC
    times_worn: int
    last_worn: date | None
    user_edited: frozenset[str]
    review_note: str = ""  # why a person should check this item ("" = nothing to check)
    warmth: int | None = None  # 1 light .. 5 heavy (base.vocabulary.WARMTH_LEVELS); None = unknown
    formality: int | None = None  # 1 sporty .. 5 formal (base.vocabulary.FORMALITY_LEVELS)


@dataclass(frozen=True)
class OutfitRecord:
    id: str
    source: str  # "photo" | "suggested" | "manual"
    created: datetime  # UTC
    score: float | None
    items: dict[str, str]  # slot -> item id
    saved: bool
    rating: int | None  # latest feedback: +1 like, -1 dislike


@dataclass(frozen=True)
class IngestOutcome:
    """What became of one photo: the one outcome type of every ingestion, in the app's table
    and the command line's lines alike."""

    filename: str
    status: str  # "added" | "duplicate" | "refused"
    item_id: str | None  # a garment photo: the item stored, or the one it duplicates
    reason: str
    near_duplicates: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    outfit_id: str | None = None  # an outfit photo: the outfit recorded, or the one it repeats
    item_ids: tuple[str, ...] = ()  # an outfit photo: its pieces
    regions: tuple[BandMatch, ...] = ()  # an outfit photo: each garment region and its item

    @property
    def message(self) -> str:
        """One line for people: the file, what happened and why."""
        return f"{self.filename}: {self.status}" + (f" ({self.reason})" if self.reason else "")


@dataclass(frozen=True)
class BandMatch:
    """How one band of an outfit photo became an item."""

    slot: str
    item_id: str
    matched: bool  # True: an existing item; False: a new item made from the band crop
    similarity: float | None  # cosine to the matched item (best candidate when not matched)
    box: tuple[int, int, int, int] | None = None  # the region in the photo (left, top, right, bottom)


@dataclass(frozen=True)
class OutfitPhotoOutcome:
    filename: str
    outfit_id: str | None  # None when the photo was refused or is a duplicate
    items: dict[str, str]  # slot -> item id
    reason: str
    bands: tuple[BandMatch, ...] = ()
    warnings: tuple[str, ...] = ()
    duplicate_of: str | None = None  # the outfit already recorded from this very photo
    regions_method: str = ""  # "pose" (garments found from the body) or "rows" (fixed rows)
    missing: tuple[str, ...] = ()  # garments not in the photo (say, shoes of a photo cut at the knees)

    @property
    def status(self) -> str:
        if self.duplicate_of:
            return "duplicate"
        return "added" if self.outfit_id else "refused"

    @property
    def message(self) -> str:
        return f"{self.filename}: {self.status}" + (f" ({self.reason})" if self.reason else "")


@dataclass(frozen=True)
class WardrobeStatus:
    encoder_ready: bool
    encoder_message: str | None
    background_ready: bool
    background_message: str | None


@dataclass(frozen=True)
class DoctorReport:
    problems: list[str] = field(default_factory=list)  # drift found (before any repair)
    repaired: int = 0  # how many of them were fixed
    notes: list[str] = field(default_factory=list)  # not drift, but worth knowing

    @property
    def ok(self) -> bool:
        return not self.problems
