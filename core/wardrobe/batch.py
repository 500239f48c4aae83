"""Many photos at once: the one ingestion path of the app's uploader and the command line.

Each photo is read and ingested on its own, so one bad file never stops the batch, and each
gets one `IngestOutcome`: added, duplicate or refused, and why. Batch options (garment or
outfit photos, the person's category for all of them) are passed in, not applied afterwards.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from base.records import IngestOutcome, OutfitPhotoOutcome
from base.words import count
from core.photos.images import ImageRejected, read_photo

if TYPE_CHECKING:
    from core.wardrobe.service import Wardrobe

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (done, total, the file being read)
Outcome = Callable[[int, IngestOutcome], None]  # (index in the batch, what became of it)


@dataclass(frozen=True)
class PhotoInput:
    """One photo of a batch: its name as the person knows it (an upload's file name, or a path
    as typed) and how to read its bytes."""

    filename: str
    read: Callable[[], bytes]

    @classmethod
    def from_bytes(cls, filename: str, data: bytes) -> PhotoInput:
        """An upload: the bytes are already here."""
        return cls(filename, lambda: data)

    @classmethod
    def from_path(cls, path: Path) -> PhotoInput:
        """A file, read only when its turn comes, with the size and file-type checks of
        `read_photo` (a pipe or a 2 GB file is refused, never read)."""
        return cls(str(path), lambda: read_photo(Path(path)))


def ingest_batch(
    wardrobe: Wardrobe,
    photos: Sequence[PhotoInput],
    *,
    outfit: bool = False,
    category: str | None = None,
    progress: Progress | None = None,
    on_outcome: Outcome | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[IngestOutcome]:
    """Ingest every photo; `category` (garment photos only) is the person's choice for all.

    `on_outcome` hears of each photo as soon as it is stored (a live queue shows it);
    `should_stop` is asked between photos, so a stop finishes the current photo cleanly and
    leaves the rest unread (they get no outcome)."""
    outcomes: list[IngestOutcome] = []
    for done, photo in enumerate(photos):
        if should_stop is not None and should_stop():
            break
        if progress:
            progress(done, len(photos), photo.filename)
        outcome = _guarded(wardrobe, photo, outfit, category)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(done, outcome)
    if progress:
        progress(len(outcomes), len(photos), "")
    return outcomes


def _guarded(
    wardrobe: Wardrobe, photo: PhotoInput, outfit: bool, category: str | None
) -> IngestOutcome:
    """One photo; an unexpected failure is that photo's refusal (traceback in the log)."""
    try:
        data = photo.read()
    except ImageRejected as error:
        return IngestOutcome(photo.filename, "refused", None, error.reason)
    name = Path(photo.filename).name
    try:
        if outfit:
            return _outfit_outcome(photo.filename, wardrobe.ingest_outfit_photo(data, name))
        outcome = wardrobe.ingest_bytes(data, name, category=category)
    except Exception as error:  # one broken file must not stop the batch
        log.exception("ingest of %s failed", photo.filename)
        return IngestOutcome(photo.filename, "refused", None, f"could not be processed: {error}")
    return dataclasses.replace(outcome, filename=photo.filename)


def _outfit_outcome(filename: str, result: OutfitPhotoOutcome) -> IngestOutcome:
    if result.outfit_id is None:  # refused, or a photo already recorded as an outfit
        return IngestOutcome(filename, result.status, None, result.reason,
                             warnings=result.warnings, outfit_id=result.duplicate_of)
    matched = sum(1 for band in result.bands if band.matched)
    pieces = tuple(dict.fromkeys(result.items.values()))
    # In a person's words: the outfit's id is in `outfit_id` (and `outfits --json`), not here.
    reason = (f"outfit recorded: {count(matched, 'piece')} matched to your items, "
              f"{len(result.bands) - matched} added as new")
    return IngestOutcome(filename, "added", None, reason, warnings=result.warnings,
                         outfit_id=result.outfit_id, item_ids=pieces, regions=result.bands)
