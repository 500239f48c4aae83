"""Bring the vector index and the image folder back in line with the database.

SQLite is the source of truth. Drift can only come from a crash (or a failed write) between
two stores, and each case has one safe repair:

- a row with an embedding but no vector (crash after the row's commit) -> upsert from SQLite;
- a vector whose metadata or values differ from its row (crash during an edit) -> upsert;
- a vector without a row (crash during a delete) -> delete the vector;
- an image folder without a row, or a temporary file (crash before the row's commit) -> delete;
- a row whose files vanished -> reported only: nothing else holds those pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.records import DoctorReport
from db.files import ImageFiles
from db.mapping import embedding_from_bytes
from db.models import Item
from db.vectors import VectorStore

VECTOR_TOLERANCE = 1e-5


@dataclass
class _Findings:
    missing_vectors: list[str] = field(default_factory=list)
    stale_vectors: list[str] = field(default_factory=list)
    orphan_vectors: list[str] = field(default_factory=list)
    orphan_files: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    pending: int = 0


def reconcile(
    sessions: sessionmaker[Session],
    store: VectorStore,
    files: ImageFiles,
    repair: bool,
    deep: bool = False,
    regenerate: Callable[[str], bool] | None = None,
) -> DoctorReport:
    """Compare the three stores, optionally repair, and say what was found.

    `deep` also compares every vector's values (doctor); start-up compares ids and metadata only.
    `regenerate(item_id)` may rebuild an item's derived images from its original; it returns
    whether it did.
    """
    with sessions() as session:
        rows = session.scalars(select(Item)).all()
        indexed = {r.id: r for r in rows if r.embedding is not None and not r.pending_embedding}
        findings = _Findings(pending=sum(1 for r in rows if r.pending_embedding))
        on_index = store.entries(with_embeddings=deep)
        for item_id, entry in on_index.items():
            row = indexed.get(item_id)
            if row is None:
                findings.orphan_vectors.append(item_id)
            elif entry.category != row.category or entry.embedding_model != row.embedding_model or (
                deep and not _same_vector(entry.embedding, row.embedding)
            ):
                findings.stale_vectors.append(item_id)
        findings.missing_vectors = [i for i in indexed if i not in on_index]
        row_ids = {r.id for r in rows}
        findings.orphan_files = sorted(files.item_folders() - row_ids)
        leftovers = files.leftovers()
        missing_by_item = {
            r.id: [p for p in (r.original_path, r.cutout_path, r.thumbnail_path)
                   if not files.absolute(p).is_file()]
            for r in rows
        }
        findings.missing_files = [i for i, paths in missing_by_item.items() if paths]

    report = DoctorReport()
    problems = report.problems
    repaired = 0
    if findings.missing_vectors:
        problems.append(f"{len(findings.missing_vectors)} item(s) missing from the vector index")
    if findings.stale_vectors:
        problems.append(f"{len(findings.stale_vectors)} vector(s) differ from the database")
    if findings.orphan_vectors:
        problems.append(f"{len(findings.orphan_vectors)} vector(s) without an item")
    if findings.orphan_files:
        problems.append(f"{len(findings.orphan_files)} image folder(s) without an item")
    if leftovers:
        problems.append(f"{len(leftovers)} temporary file(s) left by an interrupted write")
    for item_id in findings.missing_files:
        names = ", ".join(missing_by_item[item_id])
        problems.append(f"item {item_id}: file(s) missing: {names}")
    if findings.pending:
        report.notes.append(
            f"{findings.pending} item(s) wait for an embedding: run `python -m core.cli reindex` "
            "once the encoder is available"
        )

    if repair:
        to_upsert = findings.missing_vectors + findings.stale_vectors
        for model in {indexed[i].embedding_model for i in to_upsert}:
            ids = [i for i in to_upsert if indexed[i].embedding_model == model]
            store.upsert(
                ids,
                np.stack([embedding_from_bytes(indexed[i].embedding) for i in ids]),  # type: ignore[arg-type]
                [indexed[i].category for i in ids],
                model or "",
            )
        repaired += len(to_upsert)
        store.delete(findings.orphan_vectors)
        repaired += len(findings.orphan_vectors)
        for item_id in findings.orphan_files:
            files.delete_item(item_id)
        repaired += len(findings.orphan_files)
        for path in leftovers:
            files.remove(path)
        repaired += len(leftovers)
        if regenerate is not None:
            repaired += sum(1 for i in findings.missing_files if regenerate(i))
    return DoctorReport(problems=problems, repaired=repaired, notes=report.notes)


def _same_vector(a: np.ndarray, b: bytes | None) -> bool:
    if b is None:
        return False
    expected = embedding_from_bytes(b)
    return a.shape == expected.shape and bool(np.allclose(a, expected, atol=VECTOR_TOLERANCE))
