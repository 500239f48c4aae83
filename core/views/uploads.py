"""A batch of uploads as the person sees it: a summary line, the warnings every file got said
once, and one line per file. The batch itself runs through the wardrobe's one ingestion path
(`Wardrobe.ingest_batch`), the same as the command line's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from base.records import IngestOutcome
from base.words import count
from core.views.gallery import category_label
from core.views.jobs import JobControl, JobQueue, JobSnapshot

if TYPE_CHECKING:
    from core.wardrobe.batch import PhotoInput
    from core.wardrobe.service import Wardrobe


def summarise(outcomes: Sequence[IngestOutcome]) -> dict[str, int]:
    """Counts by status, in the order they first occur, for the line above the table."""
    return dict(Counter(o.status for o in outcomes))


def shared_warnings(outcomes: Sequence[IngestOutcome]) -> tuple[str, ...]:
    """Warnings every file of the batch got (say it once, not once per file)."""
    if len(outcomes) < 2:
        return ()
    common = set(outcomes[0].warnings).intersection(*(o.warnings for o in outcomes[1:]))
    return tuple(w for w in outcomes[0].warnings if w in common)


def details(outcome: IngestOutcome, shared: Sequence[str] = ()) -> str:
    """The per-file line: its reason, a near-duplicate hint, and the warnings not already said
    for the whole batch."""
    near = (f"looks very similar to {count(len(outcome.near_duplicates), 'item')} you have"
            if outcome.near_duplicates else "")
    own = [w for w in outcome.warnings if w not in shared]
    return "; ".join(x for x in (outcome.reason, near, *own) if x)


# --- uploads as jobs ----------------------------------------------------------------------------

UPLOAD = "upload"


def upload_options(outfit: bool, category: str | None) -> dict[str, object]:
    """A batch's options as fixed at submission (a category only for garment photos)."""
    return {"outfit": bool(outfit), "category": None if outfit else category}


def submit_upload(jobs: JobQueue, wardrobe: Wardrobe, photos: Sequence[PhotoInput],
                  outfit: bool, category: str | None) -> str:
    """Queue a batch; its bytes are already in `photos` (copied by the caller) and its options
    are copied into the job now, so later clicks cannot change what it files where."""
    batch = tuple(photos)

    def work(control: JobControl) -> list[IngestOutcome]:
        options = control.options  # only the job's own copy: never the page's widgets
        return wardrobe.ingest_batch(
            batch, outfit=bool(options["outfit"]), category=options["category"],  # type: ignore[arg-type]
            progress=lambda done, _total, name: control.started(done) if name else None,
            on_outcome=control.item_done, should_stop=control.stop_requested,
        )

    return jobs.submit(UPLOAD, upload_options(outfit, category), [p.filename for p in batch],
                       work)


def added_items(job: JobSnapshot) -> list[str]:
    """Ids of the garment photos a batch added (for its review step), in upload order."""
    ids: list[str] = []
    for outcome in job.results:
        if isinstance(outcome, IngestOutcome) and outcome.status == "added" and outcome.item_id:
            ids.append(outcome.item_id)  # outfit photos have their own review (issue 10.5)
    return list(dict.fromkeys(ids))


def option_text(options: Mapping[str, object]) -> str:
    """What the batch was submitted as, in words ("garment photos, all shoes")."""
    if options.get("outfit"):
        return "outfit photos"
    category = options.get("category")
    if not category:
        return "garment photos, category guessed"
    return f"garment photos, all {category_label(str(category), plural=True).lower()}"
