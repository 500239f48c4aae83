"""Bring the vector index and the image folder back in line with the database.

The database is the source of truth; the vector index is a cache of its embeddings. Drift comes
from a crash (or a failed write) between two stores, from switching the encoder, or from a
damaged index, and each case has one safe repair:

- a row with an embedding but no vector (crash after the row's commit) -> upsert from the row;
- a vector whose metadata or values differ from its row (crash during an edit) -> upsert;
- a vector without a row -> delete the vector;
- an index of another dimension than the configured encoder's rows -> re-create the index
  (another encoder's rows of another size stay unindexed until `reindex`);
- a row whose embedding does not fit the others (say an import from another encoder) ->
  reported and marked pending, so `reindex` embeds it again;
- an image folder without a row, or a temporary file (crash before the row's commit) ->
  moved to `quarantine/` when it holds an original photo, removed otherwise;
- a row whose files vanished -> derived files rebuilt from the original; a lost original is
  reported only: nothing else holds those pixels.

`repair=False` only looks. A repair that fails is reported, never raised, so a home always
opens.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from base.records import DoctorReport
from db.files import ImageFiles
from db.mapping import embedding_from_bytes
from db.schema import Item
from db.vectors import VectorEntry, VectorStore

VECTOR_TOLERANCE = 1e-5

log = logging.getLogger(__name__)


@dataclass
class Findings:
    """What differs between the stores; `problems()` words it for people."""

    index_error: str | None = None  # the index could not be read at all
    index_dimension: int | None = None
    expected_dimension: int | None = None
    missing_vectors: list[str] = field(default_factory=list)
    stale_vectors: list[str] = field(default_factory=list)
    orphan_vectors: list[str] = field(default_factory=list)
    misfits: list[str] = field(default_factory=list)  # embeddings that fit no index
    orphan_files: list[str] = field(default_factory=list)
    leftovers: list[Path] = field(default_factory=list)
    missing_files: dict[str, list[str]] = field(default_factory=dict)
    pending: int = 0
    other_model: int = 0  # rows embedded by another encoder than the configured one

    @property
    def wrong_dimension(self) -> bool:
        return None not in (self.index_dimension, self.expected_dimension) and (
            self.index_dimension != self.expected_dimension)

    def problems(self) -> list[str]:
        out: list[str] = []
        if self.index_error:
            out.append(f"the vector index cannot be read ({self.index_error}); it is rebuilt "
                       "from the database by `python -m core.cli doctor`")
        if self.wrong_dimension:
            out.append(f"the vector index holds {self.index_dimension}-d vectors but the "
                       f"configured encoder's items are {self.expected_dimension}-d")
        if self.misfits:
            out.append(f"{len(self.misfits)} item(s) have an embedding that does not fit the "
                       f"index ({', '.join(self.misfits[:5])}): they wait for `reindex`")
        if self.missing_vectors:
            out.append(f"{len(self.missing_vectors)} item(s) missing from the vector index")
        if self.stale_vectors:
            out.append(f"{len(self.stale_vectors)} vector(s) differ from the database")
        if self.orphan_vectors:
            out.append(f"{len(self.orphan_vectors)} vector(s) without an item")
        if self.orphan_files:
            out.append(f"{len(self.orphan_files)} image folder(s) without an item")
        if self.leftovers:
            out.append(f"{len(self.leftovers)} temporary file(s) left by an interrupted write")
        for item_id, names in self.missing_files.items():
            out.append(f"item {item_id}: file(s) missing: {', '.join(names)}")
        return out

    def notes(self) -> list[str]:
        out: list[str] = []
        if self.pending:
            out.append(f"{self.pending} item(s) wait for an embedding: run `python -m core.cli "
                       "reindex` once the encoder is available")
        if self.other_model:
            out.append(f"{self.other_model} item(s) were embedded by another encoder: run "
                       "`python -m core.cli reindex` to embed them with the configured one")
        return out


def inspect(
    sessions: sessionmaker[Session],
    store: VectorStore,
    files: ImageFiles,
    current_model: str,
    deep: bool = False,
) -> tuple[Findings, dict[str, Item]]:
    """Compare the three stores without changing any; also returns the rows the index should
    hold, by id. `deep` also compares every vector's values (doctor)."""
    with sessions() as session:
        rows = session.scalars(select(Item)).all()
    findings = Findings(pending=sum(1 for r in rows if r.pending_embedding))
    embedded = [r for r in rows if r.embedding is not None and not r.pending_embedding]
    findings.other_model = sum(1 for r in embedded if r.embedding_model != current_model)
    try:
        findings.index_dimension = store.dimension()
        on_index = store.entries(with_embeddings=deep)
    except Exception as error:  # a damaged index must not stop the check
        findings.index_error = f"{type(error).__name__}: {error}"
        on_index = {}
    findings.expected_dimension = _expected_dimension(
        embedded, current_model, findings.index_dimension)
    indexed: dict[str, Item] = {}
    for row in embedded:
        if _fits(row.embedding, findings.expected_dimension):
            indexed[row.id] = row
        elif row.embedding_model == current_model:
            findings.misfits.append(row.id)
        # else: another encoder's vector of another size waits for `reindex`, unindexed
    if not findings.wrong_dimension:
        for item_id, entry in on_index.items():
            row = indexed.get(item_id)
            if row is None:
                findings.orphan_vectors.append(item_id)
            elif _differs(entry, row, deep):
                findings.stale_vectors.append(item_id)
    findings.missing_vectors = [i for i in indexed if i not in on_index or findings.wrong_dimension]
    findings.orphan_files = sorted(files.item_folders() - {r.id for r in rows})
    findings.leftovers = files.leftovers()
    for r in rows:
        lost = [p for p in (r.original_path, r.cutout_path, r.thumbnail_path)
                if not files.absolute(p).is_file()]
        if lost:
            findings.missing_files[r.id] = lost
    return findings, indexed


def reconcile(
    sessions: sessionmaker[Session],
    store: VectorStore,
    files: ImageFiles,
    current_model: str,
    repair: bool,
    deep: bool = False,
    regenerate: Callable[[str], bool] | None = None,
) -> DoctorReport:
    """Compare the three stores, optionally repair, and say what was found.

    `current_model` is the configured encoder's name: the index caches its embeddings only.
    `regenerate(item_id)` may rebuild an item's derived images from its original; it returns
    whether it did. Never raises for a failed repair: it becomes a reported problem.
    """
    findings, indexed = inspect(sessions, store, files, current_model, deep)
    problems = findings.problems()
    repaired = 0
    if repair:
        steps: list[tuple[str, Callable[[], int]]] = [
            ("mark misfit embeddings pending", lambda: _mark_pending(sessions, findings.misfits)),
            ("rebuild the vector index", lambda: _repair_index(store, findings, indexed)),
            ("set aside image folders without an item", lambda: _set_aside(
                files, [files.folder(i) for i in findings.orphan_files])),
            ("clear interrupted writes", lambda: _set_aside(files, findings.leftovers)),
        ]
        if regenerate is not None:
            steps.append(("rebuild display files", lambda: sum(
                1 for i in findings.missing_files if regenerate(i))))
        for what, step in steps:
            try:
                repaired += step()
            except Exception as error:  # one failed repair must not stop the others
                log.warning("could not %s: %s", what, error)
                problems.append(f"could not {what}: {type(error).__name__}: {error}")
    return DoctorReport(problems=problems, repaired=repaired, notes=findings.notes())


def _expected_dimension(
    rows: list[Item], current_model: str, index_dimension: int | None
) -> int | None:
    """The vector size the index should have: that of most of the configured encoder's
    embeddings (ties: the index's); without any, the index's own, else the most common.

    Another encoder's vectors of the same size stay indexed (queries filter by model), so
    trying an encoder and switching back costs no rebuild.
    """
    def most_common(sizes: Counter[int]) -> int | None:
        if not sizes:
            return None
        best = max(sizes.values())
        candidates = sorted(d for d, n in sizes.items() if n == best)
        return index_dimension if index_dimension in candidates else candidates[0]

    def size(row: Item) -> int:
        return len(row.embedding or b"") // 4

    current = Counter(size(r) for r in rows if r.embedding_model == current_model)
    if current:
        return most_common(current)
    return index_dimension or most_common(Counter(size(r) for r in rows))


def _fits(embedding: bytes | None, dimension: int | None) -> bool:
    if not embedding or len(embedding) % 4 or len(embedding) // 4 != dimension:
        return False
    return bool(np.isfinite(embedding_from_bytes(embedding)).all())


def _differs(entry: VectorEntry, row: Item, deep: bool) -> bool:
    if entry.category != row.category or entry.embedding_model != row.embedding_model:
        return True
    return deep and not _same_vector(entry.embedding, row.embedding)


def _same_vector(a: np.ndarray, b: bytes | None) -> bool:
    if b is None:
        return False
    expected = embedding_from_bytes(b)
    return a.shape == expected.shape and bool(np.allclose(a, expected, atol=VECTOR_TOLERANCE))


def _mark_pending(sessions: sessionmaker[Session], item_ids: list[str]) -> int:
    """Rows whose embedding fits no index wait for `reindex` (the bytes are kept)."""
    if not item_ids:
        return 0
    with sessions.begin() as session:
        for row in session.scalars(select(Item).where(Item.id.in_(item_ids))):
            row.pending_embedding = True
    return len(item_ids)


def _repair_index(store: VectorStore, findings: Findings, indexed: dict[str, Item]) -> int:
    """Make the index hold exactly `indexed`: re-create it when unreadable or of another
    dimension (it is a cache), delete orphans, upsert what is missing or stale."""
    fixed = 0
    to_upsert = findings.missing_vectors + findings.stale_vectors
    if findings.index_error or findings.wrong_dimension:
        store.recreate()
        to_upsert = list(indexed)
        fixed += 1
    elif findings.orphan_vectors:
        store.delete(findings.orphan_vectors)
        fixed += len(findings.orphan_vectors)
    for model in {indexed[i].embedding_model for i in to_upsert}:
        ids = [i for i in to_upsert if indexed[i].embedding_model == model]
        store.upsert(
            ids,
            np.stack([embedding_from_bytes(indexed[i].embedding) for i in ids]),  # type: ignore[arg-type]
            [indexed[i].category for i in ids],
            model or "",
        )
    return fixed + len(to_upsert)


def _set_aside(files: ImageFiles, paths: list[Path]) -> int:
    for path in paths:
        log.warning("%s: %s", path, files.set_aside(path))
    return len(paths)
