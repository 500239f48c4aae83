"""Batch upload: many photos in, one outcome line per file out.

The app's uploader hands over (filename, bytes) pairs. Each is ingested on its own so that one
bad file never stops the batch, and the person gets a line per file: added, duplicate or
refused, and why. An optional category chosen by the person ("these are all shoes") overrides
the zero-shot guess and is recorded as their own edit, so re-tagging never undoes it. It is
applied after the item is stored, so a failure to apply it leaves the file "added" with a
warning, and the near-duplicate hint was searched within the automatic guess's category
(passing the choice into ingestion would need a new argument on the Wardrobe facade).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.wardrobe import Wardrobe

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (done, total, filename)


@dataclass(frozen=True)
class UploadFile:
    filename: str
    data: bytes


@dataclass(frozen=True)
class UploadResult:
    """One file's outcome as the person sees it."""

    filename: str
    status: str  # "added" | "duplicate" | "refused" | "outfit"
    detail: str  # why it was refused, or what to know about this file
    item_ids: tuple[str, ...] = ()
    outfit_id: str | None = None
    warnings: tuple[str, ...] = ()  # conditions of this run (say, no background removal)


def _single(wardrobe: Wardrobe, upload: UploadFile, category: str | None) -> UploadResult:
    outcome = wardrobe.ingest_bytes(upload.data, upload.filename)
    warnings = outcome.warnings
    if outcome.status == "added" and outcome.item_id and category:
        try:
            _apply_category(wardrobe, outcome.item_id, category)
        except Exception as exc:  # the item is stored: say "added", never "refused"
            log.warning("category of %s not applied", upload.filename, exc_info=True)
            warnings = (*warnings, f"stored, but the chosen category {category!r} could not "
                                   f"be set ({exc}); set it on the item")
    detail = outcome.reason
    if outcome.near_duplicates:
        note = f"looks very similar to {len(outcome.near_duplicates)} item(s) you have"
        detail = f"{detail}; {note}" if detail else note
    ids = (outcome.item_id,) if outcome.item_id else ()
    return UploadResult(upload.filename, outcome.status, detail, ids, warnings=warnings)


def _apply_category(wardrobe: Wardrobe, item_id: str, category: str) -> None:
    """The person's category for a freshly stored item, recorded as their edit."""
    if wardrobe.item(item_id).category != category:
        wardrobe.update_item(item_id, category=category)


def _outfit(wardrobe: Wardrobe, upload: UploadFile) -> UploadResult:
    outcome = wardrobe.ingest_outfit_photo(upload.data, upload.filename)
    if outcome.status == "duplicate":
        return UploadResult(upload.filename, "duplicate", outcome.reason)
    if outcome.outfit_id is None:
        return UploadResult(upload.filename, "refused", outcome.reason or "no outfit found",
                            warnings=outcome.warnings)
    ids = tuple(_item_ids(outcome.items))
    detail = outcome.reason or f"outfit with {len(ids)} piece(s) recorded"
    return UploadResult(upload.filename, "outfit", detail, ids, outcome.outfit_id,
                        outcome.warnings)


def _item_ids(items: object) -> list[str]:
    """The outfit photo's items, whether reported as slot->id, ids, or records/outcomes."""
    values = items.values() if isinstance(items, dict) else items
    ids: list[str] = []
    for value in values:  # type: ignore[union-attr]
        if isinstance(value, str):
            ids.append(value)
        else:
            item_id = getattr(value, "item_id", None) or getattr(value, "id", None)
            if item_id:
                ids.append(str(item_id))
    return ids


def ingest_uploads(
    wardrobe: Wardrobe,
    uploads: Sequence[UploadFile],
    *,
    as_outfit: bool = False,
    category: str | None = None,
    progress: Progress | None = None,
) -> list[UploadResult]:
    """Ingest every file; `category` (single items only) is the person's choice for all of them."""
    results: list[UploadResult] = []
    for done, upload in enumerate(uploads):
        if progress:
            progress(done, len(uploads), upload.filename)
        try:
            if as_outfit:
                results.append(_outfit(wardrobe, upload))
            else:
                results.append(_single(wardrobe, upload, category))
        except Exception as exc:  # one broken file must not stop the batch
            log.exception("ingest of %s failed", upload.filename)
            results.append(UploadResult(upload.filename, "refused", f"could not be processed: {exc}"))
    if progress:
        progress(len(uploads), len(uploads), "")
    return results


def summarise(results: Sequence[UploadResult]) -> dict[str, int]:
    """Counts by status, for the one-line summary above the per-file table."""
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    return counts


def shared_warnings(results: Sequence[UploadResult]) -> tuple[str, ...]:
    """Warnings every file of the batch got (say it once, not once per file)."""
    if len(results) < 2:
        return ()
    common = set(results[0].warnings).intersection(*(r.warnings for r in results[1:]))
    return tuple(w for w in results[0].warnings if w in common)


def details(result: UploadResult, shared: Sequence[str] = ()) -> str:
    """The per-file line: its own reason and the warnings not already said for the batch."""
    own = [w for w in result.warnings if w not in shared]
    return "; ".join(x for x in (result.detail, *own) if x)
