"""A batch of uploads as the person sees it: a summary line, the warnings every file got said
once, and one line per file. The batch itself runs through the wardrobe's one ingestion path
(`Wardrobe.ingest_batch`), the same as the command line's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from base.records import IngestOutcome


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
    near = (f"looks very similar to {len(outcome.near_duplicates)} item(s) you have"
            if outcome.near_duplicates else "")
    own = [w for w in outcome.warnings if w not in shared]
    return "; ".join(x for x in (outcome.reason, near, *own) if x)
