"""Export a wardrobe to one zip file and import it into an empty home.

The zip holds `manifest.json` (format name and version), `tables.json` (every row of every
table, embeddings included, as JSON) and the image files under their stored relative paths.
Rows are dumped column by column from the schema itself, so a new column travels without
touching this module. Import validates everything before writing anything, then writes in the
same crash-safe order as ingestion: files (atomic folder rename), rows (one transaction),
vectors (rebuildable from the rows).
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import JSON, Date, DateTime, LargeBinary, Table, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from db.files import IMAGES, ImageFiles
from db.models import Base, Feedback, Item, Outfit, OutfitItem, Wear

FORMAT = "what2wear-wardrobe"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES = "tables.json"
# Parents before children, so foreign keys hold while inserting.
TABLE_ORDER: tuple[Table, ...] = tuple(
    m.__table__ for m in (Item, Outfit, OutfitItem, Feedback, Wear)  # type: ignore[misc]
)
_FILE_COLUMNS = ("original_path", "cutout_path", "thumbnail_path")


class ImportRefused(ValueError):
    """The archive cannot be imported; nothing was written."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")


def _to_json(value: Any, column_type: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, LargeBinary):
        return base64.b64encode(value).decode("ascii")
    if isinstance(column_type, DateTime | Date):
        return value.isoformat()
    return value


def _from_json(value: Any, column_type: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(value)
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, JSON):
        return list(value) if isinstance(value, list) else value
    return value


def dump_tables(session: Session) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for table in TABLE_ORDER:
        columns = list(table.columns)
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        out[table.name] = [
            {c.name: _to_json(row._mapping[c], c.type) for c in columns} for row in rows
        ]
    return out


def export_home(sessions: sessionmaker[Session], files: ImageFiles, path: Path) -> None:
    """Write the whole wardrobe to `path` (via a temporary name, so a crash leaves no half zip)."""
    with sessions() as session:
        tables = dump_tables(session)
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported": datetime.now(UTC).isoformat(),
        "counts": {name: len(rows) for name, rows in tables.items()},
        "schema": sorted(Base.metadata.tables),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
        archive.writestr(TABLES, json.dumps(tables))
        for row in tables[Item.__tablename__]:
            for column in _FILE_COLUMNS:
                source = files.absolute(row[column])
                if source.is_file():  # a vanished file is reported by doctor, not fatal here
                    archive.write(source, row[column], compress_type=zipfile.ZIP_STORED)
    tmp.replace(path)


def _check_item_paths(path: Path, row: dict[str, Any], names: set[str]) -> None:
    for column in _FILE_COLUMNS:
        rel = PurePosixPath(row[column])
        if rel.parts[:2] != (IMAGES, row["id"]) or len(rel.parts) != 3 or ".." in rel.parts:
            raise ImportRefused(path, f"item {row['id']}: unexpected file path {row[column]!r}")
        if row[column] not in names and column == "original_path":
            raise ImportRefused(path, f"item {row['id']}: {row[column]} is missing")


def read_archive(path: Path) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Open and validate an export: manifest, tables, paths and originals' checksums."""
    if not path.is_file():
        raise ImportRefused(path, "no such file")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportRefused(path, f"not a zip file ({error})") from error
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names or TABLES not in names:
            raise ImportRefused(path, "not a What2Wear export (no manifest.json/tables.json)")
        try:
            manifest = json.loads(archive.read(MANIFEST))
            tables = json.loads(archive.read(TABLES))
        except (ValueError, zipfile.BadZipFile) as error:
            raise ImportRefused(path, f"damaged export ({error})") from error
        if manifest.get("format") != FORMAT:
            raise ImportRefused(path, f"unknown format {manifest.get('format')!r}")
        if not isinstance(manifest.get("version"), int) or manifest["version"] > FORMAT_VERSION:
            raise ImportRefused(
                path,
                f"format version {manifest.get('version')!r} is newer than this program "
                f"understands ({FORMAT_VERSION}); update What2Wear",
            )
        for row in tables.get(Item.__tablename__, []):
            _check_item_paths(path, row, names)
            original = archive.read(row["original_path"])
            if hashlib.sha256(original).hexdigest() != row["sha256"]:
                raise ImportRefused(path, f"item {row['id']}: original does not match its sha256")
    return manifest, tables


def import_home(
    sessions: sessionmaker[Session], files: ImageFiles, path: Path
) -> list[str]:
    """Import an export into an empty home; returns the imported item ids.

    Raises ImportRefused (nothing written) when the home is not empty or the file is not a
    valid export.
    """
    _, tables = read_archive(path)
    with sessions() as session:
        items = session.scalar(select(func.count()).select_from(Item)) or 0
        outfits = session.scalar(select(func.count()).select_from(Outfit)) or 0
    if items or outfits:
        raise ImportRefused(
            path,
            f"this home is not empty ({items} item(s), {outfits} outfit(s)); "
            "import only into an empty home (set WHAT2WEAR_HOME to a new folder)",
        )
    item_rows = tables.get(Item.__tablename__, [])
    written: list[str] = []
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())  # one set, not a list scan per file column
            for row in item_rows:
                stale = files.folder(row["id"])
                if stale.exists():  # an orphan folder in an empty home: an old crash
                    files.delete_item(row["id"])
                payload = {
                    PurePosixPath(row[c]).name: archive.read(row[c])
                    for c in _FILE_COLUMNS
                    if row[c] in names
                }
                files.write_item(row["id"], payload)
                written.append(row["id"])
        with sessions.begin() as session:
            for table in TABLE_ORDER:
                # Surrogate integer keys are left to the database (order is kept), so a
                # server's sequence stays ahead of the imported rows.
                columns = [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]
                rows = [
                    {c.name: _from_json(r.get(c.name), c.type) for c in columns}
                    for r in tables.get(table.name, [])
                ]
                if rows:
                    session.execute(insert(table), rows)
    except BaseException:
        for item_id in written:
            files.delete_item(item_id)
        raise
    return [row["id"] for row in item_rows]
