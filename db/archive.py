"""Export a wardrobe to one zip file and import it into an empty home.

The zip holds `manifest.json` (format name and version), `tables.json` (every row of every
table, embeddings included, as JSON) and the image files under their stored relative paths.
Rows are dumped column by column from the schema itself, so a new column travels without
touching this module.

An archive to import is untrusted input. It is validated completely before anything is
written: member sizes from the zip's directory against the limits below (before reading),
every read bounded whatever the headers claim, every row against the schema (types, ids,
keys, references), each item's files against the layout the app writes, the originals
against their sha256 and the embeddings against one shared dimension. Any problem is an
`ImportRefused` naming the file and the reason. Then it writes in the same crash-safe order
as ingestion: files (atomic folder rename), rows (one transaction), vectors (rebuildable from
the rows); a failure while writing removes what was written.
"""

from __future__ import annotations

import base64
import hashlib
import json
import lzma
import math
import re
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    func,
    insert,
    select,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from db.files import CUTOUT, IMAGES, ORIGINAL, THUMBNAIL, ImageFiles
from db.mapping import embedding_from_bytes
from db.schema import ID_LENGTH, Base, Feedback, Item, Outfit, OutfitItem, Wear

FORMAT = "what2wear-wardrobe"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES = "tables.json"
# Parents before children, so foreign keys hold while inserting.
TABLE_ORDER: tuple[Table, ...] = tuple(
    m.__table__ for m in (Item, Outfit, OutfitItem, Feedback, Wear)  # type: ignore[misc]
)
_FILE_COLUMNS = ("original_path", "cutout_path", "thumbnail_path")

# Limits on what an import decompresses, checked against the zip's directory before reading
# and again while reading. An original is the photo exactly as uploaded (a 40-megapixel photo,
# Settings.max_image_pixels, is some tens of MB even as PNG), so 200 MB per file is generous.
# tables.json carries ~4 KB per item (the base64 embedding dominates): 256 MB is ~60 000 items.
# The total (every member, from the zip's directory) bounds a whole import at a size no real
# wardrobe reaches; the free disk space (less a margin) bounds the images written further.
MAX_MEMBER_BYTES = 200 << 20
MAX_TABLES_BYTES = 256 << 20
MAX_MANIFEST_BYTES = 1 << 20
MAX_TOTAL_BYTES = 64 << 30
FREE_SPACE_MARGIN = 256 << 20
_CHUNK = 1 << 20
# Only what export writes. Bzip2/LZMA decompressors have no output bound per call, so a small
# compressed chunk could expand into memory far beyond the limits before it is cut.
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError,
                NotImplementedError, RuntimeError)

# Item and outfit ids are uuid4().hex (core/wardrobe/writes.py, core/wardrobe/outfit_log.py); anything else
# (`../x`, `.tmp-x`, which start-up would delete as a leftover) could escape or lose files.
ID_PATTERN = re.compile(f"[0-9a-f]{{{ID_LENGTH}}}")
# File names inside an item folder, as the app writes them (db/files.py).
_FILE_NAMES = {
    "original_path": re.compile(rf"{ORIGINAL}\.[A-Za-z0-9]{{1,16}}"),
    "cutout_path": re.compile(re.escape(CUTOUT)),
    "thumbnail_path": re.compile(re.escape(THUMBNAIL)),
}
_INT64 = 1 << 63


class ImportRefused(ValueError):
    """The archive cannot be imported; nothing was written."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Archive:
    """A validated export: rows ready to insert and the zip members each item folder gets."""

    manifest: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]]
    item_files: dict[str, list[str]]
    size: int  # decompressed bytes of every member an import writes


def _to_json(value: Any, column_type: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, LargeBinary):
        return base64.b64encode(value).decode("ascii")
    if isinstance(column_type, DateTime | Date):
        return value.isoformat()
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


# --- reading an untrusted zip ---------------------------------------------------------------


def _open_zip(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise ImportRefused(path, "no such file")
    try:
        return zipfile.ZipFile(path)
    except (*_READ_ERRORS, ValueError) as error:
        raise ImportRefused(path, f"not a zip file ({error})") from error


def _members(path: Path, archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The zip's directory by name; a name listed twice would make the content ambiguous."""
    infos = archive.infolist()
    members = {info.filename: info for info in infos}
    if len(members) != len(infos):
        raise ImportRefused(path, "damaged export (a file name appears twice in the zip)")
    return members


def _checked(path: Path, info: zipfile.ZipInfo, limit: int) -> zipfile.ZipInfo:
    """Refuse a member from its directory entry alone, before any of it is read."""
    name = info.filename
    if info.is_dir():
        raise ImportRefused(path, f"{name} is a folder, not a file")
    if info.flag_bits & 0x1:
        raise ImportRefused(path, f"{name} is encrypted")
    if info.compress_type not in _METHODS:
        raise ImportRefused(path, f"{name} uses an unsupported compression method")
    if info.file_size > limit:
        raise ImportRefused(
            path, f"{name} is too large ({info.file_size} bytes; the limit is {limit})")
    return info


def _chunks(
    path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int
) -> Iterator[bytes]:
    """A member's bytes in chunks, never more than `limit` whatever its headers claim."""
    _checked(path, info, limit)
    seen = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(min(_CHUNK, limit + 1 - seen)):
                seen += len(chunk)
                if seen > limit:
                    raise ImportRefused(path, f"{info.filename} decompresses to more than {limit} "
                                              "bytes (its header is wrong)")
                yield chunk
    except _READ_ERRORS as error:
        raise ImportRefused(path, f"{info.filename} is damaged ({error})") from error


def _read(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    return b"".join(_chunks(path, archive, info, limit))


def _sha256(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """Hash a member as it streams by (the zip's CRC is checked at its end too)."""
    digest = hashlib.sha256()
    for chunk in _chunks(path, archive, info, MAX_MEMBER_BYTES):
        digest.update(chunk)
    return digest.hexdigest()


def _json(path: Path, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo],
          name: str, limit: int) -> Any:
    data = _read(path, archive, members[name], limit)
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as error:
        raise ImportRefused(path, f"damaged export ({name} is not valid JSON: {error})") from error


# --- manifest and tables ----------------------------------------------------------------------


def _check_manifest(path: Path, manifest: Any) -> dict[str, Any]:
    if not isinstance(manifest, dict):
        raise ImportRefused(path, f"{MANIFEST} is not a JSON object")
    if manifest.get("format") != FORMAT:
        raise ImportRefused(path, f"unknown format {manifest.get('format')!r}")
    version = manifest.get("version")
    if type(version) is not int or version < 1:  # bool is an int subclass: `true` is not 1
        raise ImportRefused(path, f"{MANIFEST}: format version {version!r} is not valid "
                                  f"(a whole number from 1 to {FORMAT_VERSION})")
    if version > FORMAT_VERSION:
        raise ImportRefused(
            path,
            f"format version {version!r} is newer than this program understands "
            f"({FORMAT_VERSION}); update What2Wear",
        )
    return manifest


def _check_shape(path: Path, tables: Any) -> dict[str, list[dict[str, Any]]]:
    """tables.json is {known table: [row object with known columns, ...]}; a table may be
    absent (no rows). Unknown tables or columns are refused, not dropped: they come from a
    newer schema, and importing without them would silently lose data."""
    if not isinstance(tables, dict):
        raise ImportRefused(path, f"{TABLES} is not a JSON object of tables")
    known = {t.name: t for t in TABLE_ORDER}
    unknown = sorted(set(tables) - set(known))
    if unknown:
        raise ImportRefused(path, f"{TABLES}: unknown table(s) {', '.join(map(repr, unknown))} "
                                  "(made by a newer What2Wear?)")
    for name, rows in tables.items():
        if not isinstance(rows, list):
            raise ImportRefused(path, f"{TABLES}: table {name} is not a list of rows")
        columns = set(known[name].columns.keys())
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                raise ImportRefused(path, f"{TABLES}: {name}[{index}] is not an object")
            extra = sorted(set(row) - columns)
            if extra:
                raise ImportRefused(path, f"{TABLES}: {name}[{index}]: unknown column(s) "
                                          f"{', '.join(map(repr, extra))}")
    return {t.name: tables.get(t.name, []) for t in TABLE_ORDER}


def _surrogate(column: Column[Any]) -> bool:
    """Integer keys the database assigns; an import leaves them out so sequences stay ahead."""
    return bool(column.primary_key and column.autoincrement is True)


def _typed(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
    if kind is str:
        value.encode("utf-8")  # lone surrogates (legal in JSON) cannot be stored
    return value


def _from_json(value: Any, column_type: Any) -> Any:
    """A JSON value as the column's Python value; TypeError or ValueError when it is not one.

    String lengths are not enforced: SQLite does not enforce them either, so a home's own
    export may exceed them (a server database that does refuses at insert, which rolls back).
    """
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(_typed(value, str), validate=True)
    if isinstance(column_type, DateTime):
        moment = datetime.fromisoformat(_typed(value, str))
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    if isinstance(column_type, Date):
        return date.fromisoformat(_typed(value, str))
    if isinstance(column_type, JSON):  # every JSON column of the schema is a list of tags
        return [_typed(v, str) for v in _typed(value, list)]
    if isinstance(column_type, Boolean):
        return _typed(value, bool)
    if isinstance(column_type, Integer):
        if not -_INT64 <= _typed(value, int) < _INT64:
            raise ValueError(f"{value} is out of range")
        return value
    if isinstance(column_type, Float):
        if type(value) not in (int, float):
            raise TypeError(f"expected a number, got {type(value).__name__}")
        if not math.isfinite(number := float(value)):
            raise ValueError(f"{value} is not a finite number")
        return number
    if isinstance(column_type, String):
        return _typed(value, str)
    raise TypeError(f"import does not know column type {column_type!r}")


def _convert(path: Path, table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as insertable values: a NOT NULL column must be present and of its type."""
    out = []
    for index, row in enumerate(rows):
        converted: dict[str, Any] = {}
        for column in (c for c in table.columns if not _surrogate(c)):
            where = f"{TABLES}: {table.name}[{index}].{column.name}"
            value = row.get(column.name)
            if column.name not in row and _scalar_default(column) is not None:
                value = _scalar_default(column)  # an export from before the column existed
            if value is None:
                if not column.nullable:
                    reason = "is null" if column.name in row else "is missing"
                    raise ImportRefused(path, f"{where} {reason}")
                converted[column.name] = None
                continue
            try:
                converted[column.name] = _from_json(value, column.type)
            except (TypeError, ValueError, OverflowError) as error:
                raise ImportRefused(path, f"{where}: {error}") from error
        out.append(converted)
    return out


def _scalar_default(column: Column[Any]) -> Any:
    """A column's plain default ("" for `items.review_note`), None when it has none."""
    default = column.default
    return default.arg if default is not None and default.is_scalar else None  # type: ignore[attr-defined]


def _check_id(path: Path, table: str, value: Any) -> str:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise ImportRefused(path, f"{TABLES}: {table} id {value!r} is not an id this program "
                                  f"makes ({ID_LENGTH} hex digits)")
    return value


def _unique_keys(table: Table) -> list[tuple[str, ...]]:
    """The primary key first, then unique constraints and indexes (in a fixed order)."""
    unique = {tuple(c.name for c in constraint.columns) for constraint in table.constraints
              if isinstance(constraint, UniqueConstraint)}
    unique |= {tuple(c.name for c in index.columns) for index in table.indexes if index.unique}
    keys = [tuple(c.name for c in table.primary_key.columns), *sorted(unique)]
    return [k for k in keys if k and not any(_surrogate(table.c[name]) for name in k)]


def _check_keys(path: Path, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Primary and unique keys are unique; every foreign key names a row of the archive."""
    for table in TABLE_ORDER:
        for key in _unique_keys(table):
            seen: set[tuple[Any, ...]] = set()
            for row in rows[table.name]:
                value = tuple(row[name] for name in key)
                if value in seen:
                    raise ImportRefused(path, f"{TABLES}: {table.name}: duplicate "
                                              f"{'/'.join(key)} {'/'.join(map(str, value))}")
                seen.add(value)
        for column in table.columns:
            for foreign in column.foreign_keys:
                target = foreign.column
                present = {r[target.name] for r in rows[target.table.name]}
                for row in rows[table.name]:
                    if row[column.name] is not None and row[column.name] not in present:
                        raise ImportRefused(path, f"{TABLES}: {table.name}.{column.name} "
                                                  f"{row[column.name]!r} names no "
                                                  f"{target.table.name} row")


def _check_embeddings(path: Path, items: list[dict[str, Any]]) -> None:
    """Each embedding is a finite float32 vector with its model, and all share one dimension:
    the vector index (one collection) holds them all, and a row it cannot take would stop
    the home from opening (start-up rebuilds the index from the rows)."""
    sizes: dict[int, str] = {}
    for row in items:
        data = row["embedding"]
        if data is None:
            continue
        where = f"item {row['id']}"
        if not row["embedding_model"]:
            raise ImportRefused(path, f"{where}: embedding without an embedding_model")
        if not data or len(data) % 4:
            raise ImportRefused(path, f"{where}: embedding of {len(data)} bytes is not a "
                                      "float32 vector")
        vector = embedding_from_bytes(data)
        if not np.isfinite(vector).all():
            raise ImportRefused(path, f"{where}: embedding holds NaN or infinite values")
        sizes.setdefault(vector.size, row["id"])
        if len(sizes) > 1:
            first, other = sizes.items()
            raise ImportRefused(path, f"{where}: embeddings differ in size ({first[0]} values "
                                      f"for item {first[1]}, {other[0]} for item {other[1]})")


def _item_members(
    path: Path, row: dict[str, Any], members: dict[str, zipfile.ZipInfo]
) -> tuple[str, list[zipfile.ZipInfo]]:
    """The item's id and files in the zip, at exactly the paths the app writes for that id."""
    item_id = _check_id(path, Item.__tablename__, row.get("id"))
    prefix = f"{IMAGES}/{item_id}/"
    found = []
    for column, name in _FILE_NAMES.items():
        value = row.get(column)
        if not (isinstance(value, str) and value.startswith(prefix)
                and name.fullmatch(value.removeprefix(prefix))):
            raise ImportRefused(path, f"item {item_id}: unexpected file path {value!r}")
        if value in members:
            found.append(_checked(path, members[value], MAX_MEMBER_BYTES))
        elif column == "original_path":  # display files can be rebuilt; the original cannot
            raise ImportRefused(path, f"item {item_id}: {value} is missing")
    return item_id, found


def _check_contents(path: Path, archive: zipfile.ZipFile, items: list[dict[str, Any]],
                    item_files: dict[str, list[zipfile.ZipInfo]]) -> None:
    """Read every file an import writes once (streamed, bounded): originals must match their
    sha256, and a damaged file shows now rather than halfway through the writes."""
    for row in items:
        for info in item_files[row["id"]]:
            if info.filename != row["original_path"]:
                for _ in _chunks(path, archive, info, MAX_MEMBER_BYTES):
                    pass
            elif _sha256(path, archive, info) != row["sha256"]:
                raise ImportRefused(path, f"item {row['id']}: original does not match its sha256")


def read_archive(path: Path) -> Archive:
    """Open and validate an export completely; ImportRefused names the first problem."""
    with _open_zip(path) as archive:
        members = _members(path, archive)
        if MANIFEST not in members or TABLES not in members:
            raise ImportRefused(path, "not a What2Wear export (no manifest.json/tables.json)")
        declared = sum(info.file_size for info in members.values())
        if declared > MAX_TOTAL_BYTES:
            raise ImportRefused(path, f"the export is too large ({declared} bytes unpacked; the "
                                      f"limit is {MAX_TOTAL_BYTES})")
        manifest = _check_manifest(
            path, _json(path, archive, members, MANIFEST, MAX_MANIFEST_BYTES))
        raw = _check_shape(path, _json(path, archive, members, TABLES, MAX_TABLES_BYTES))
        item_files = dict(_item_members(path, row, members) for row in raw[Item.__tablename__])
        rows = {t.name: _convert(path, t, raw[t.name]) for t in TABLE_ORDER}
        for outfit in rows[Outfit.__tablename__]:
            _check_id(path, Outfit.__tablename__, outfit["id"])
        _check_keys(path, rows)
        _check_embeddings(path, rows[Item.__tablename__])
        _check_contents(path, archive, rows[Item.__tablename__], item_files)
    return Archive(manifest, rows, {k: [i.filename for i in v] for k, v in item_files.items()},
                   sum(i.file_size for infos in item_files.values() for i in infos))


# --- writing ----------------------------------------------------------------------------------


def _check_empty(sessions: sessionmaker[Session], path: Path) -> None:
    with sessions() as session:
        items = session.scalar(select(func.count()).select_from(Item)) or 0
        outfits = session.scalar(select(func.count()).select_from(Outfit)) or 0
    if items or outfits:
        raise ImportRefused(
            path,
            f"this home is not empty ({items} item(s), {outfits} outfit(s)); "
            "import only into an empty home (set WHAT2WEAR_HOME to a new folder)",
        )


def _check_free_space(home: Path, needed: int, path: Path) -> None:
    folder = home
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if needed + FREE_SPACE_MARGIN > free:
        raise ImportRefused(path, f"not enough free space in {home} ({needed} bytes of images "
                                  f"to write, {free} bytes free)")


def _insert_rows(
    sessions: sessionmaker[Session], path: Path, rows: dict[str, list[dict[str, Any]]]
) -> None:
    """All rows in one transaction; a database refusal rolls it back and becomes a refusal."""
    try:
        with sessions.begin() as session:
            for table in TABLE_ORDER:
                if rows[table.name]:
                    session.execute(insert(table), rows[table.name])
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise ImportRefused(path, f"the database refused the rows ({reason})") from error


def import_home(
    sessions: sessionmaker[Session], files: ImageFiles, path: Path
) -> list[str]:
    """Import an export into an empty home; returns the imported item ids.

    Raises ImportRefused (nothing written) when the home is not empty, the file is not a
    valid export, or the database refuses its rows.
    """
    _check_empty(sessions, path)  # first: cheap, and the likeliest mistake
    archive = read_archive(path)
    _check_free_space(files.home, archive.size, path)
    written: list[str] = []
    try:
        with _open_zip(path) as zipped:
            for item_id, names in archive.item_files.items():
                if files.folder(item_id).exists():  # an orphan folder in an empty home: a crash
                    files.set_aside(files.folder(item_id))  # its photo goes to quarantine
                payload = {PurePosixPath(name).name: _read(path, zipped, zipped.getinfo(name),
                                                           MAX_MEMBER_BYTES) for name in names}
                files.write_item(item_id, payload)
                written.append(item_id)
        _insert_rows(sessions, path, archive.rows)
    except BaseException:
        for item_id in written:
            files.delete_item(item_id)
        raise
    return list(archive.item_files)
