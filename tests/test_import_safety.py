"""Importing an untrusted zip: every malformed or oversized archive is refused with the file
and a reason, and the home stays exactly as it was (files, rows, vectors).

Archives are a real export (tiny real models, real SQLite and Chroma) rewritten with zipfile.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json
import os
import random
import re
import struct
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select, text

from base.config import Settings, load_settings
from core.cli.main import main
from core.wardrobe.service import Wardrobe
from db import archive
from db.archive import TABLE_ORDER, ImportRefused
from devkit import imaging

Entries = dict[str, bytes]
Tables = dict[str, list[dict[str, Any]]]


# --- a real export and an empty home to import into -------------------------------------------


@pytest.fixture(scope="module")
def module_settings(tmp_path_factory: pytest.TempPathFactory, tiny_clip_dir: Path,
                    tiny_rembg_model: str) -> Iterator[Callable[[str], Settings]]:
    """Settings for fresh homes shared by this module's tests (no developer WHAT2WEAR_*)."""
    root = tmp_path_factory.mktemp("homes")
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("WHAT2WEAR_"):
                patch.delenv(name)
        yield lambda name: dataclasses.replace(load_settings(home=root / name),
                                               clip_model=str(tiny_clip_dir),
                                               rembg_model=tiny_rembg_model)


@pytest.fixture(scope="module")
def export(module_settings: Callable[[str], Settings],
           tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two items in an outfit that was liked and worn, exported."""
    path = tmp_path_factory.mktemp("export") / "wardrobe.zip"
    with Wardrobe.open(module_settings("source")) as w:
        ids = {}
        for slot, kind, colour in (("top", "tshirt", imaging.RED),
                                   ("bottom", "trousers", imaging.NAVY)):
            photo = imaging.garment_photo(kind, colour, seed=3)
            ids[slot] = w.ingest_bytes(photo, f"{slot}.jpg").item_id
            w.update_item(ids[slot], category=slot)
        outfit = w.save_outfit(ids, "manual", score=0.5)
        w.add_feedback(outfit.id, 1)
        w.log_wear(outfit.id, date(2025, 1, 2))
        w.export_zip(path)
    return path


@pytest.fixture(scope="module")
def empty(module_settings: Callable[[str], Settings]) -> Iterator[Wardrobe]:
    """One empty home for all refusals: each must leave it empty."""
    with Wardrobe.open(module_settings("empty")) as w:
        yield w


def snapshot(w: Wardrobe) -> tuple[Any, ...]:
    """Every file of the home (but the database's and Chroma's own) with its hash, every row
    of every table, and the vector ids."""
    home = w.settings.home
    skip = (w.settings.chroma_path, w.settings.lock_path)
    files = {
        str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in home.rglob("*")
        if p.is_file() and not p.name.startswith(w.settings.sqlite_path.name)
        and not any(p == s or s in p.parents for s in skip)
    }
    with w._stores.sessions() as session:
        rows = {t.name: sorted(map(tuple, session.execute(select(t)).all()), key=repr)
                for t in TABLE_ORDER}
    return files, rows, w.vectors.ids()


EMPTY_SNAPSHOT = ({}, {t.name: [] for t in TABLE_ORDER}, set())


def assert_refused(w: Wardrobe, path: Path, reason: str) -> ImportRefused:
    before = snapshot(w)
    with pytest.raises(ImportRefused, match=reason) as refusal:
        w.import_zip(path)
    assert str(refusal.value).startswith(f"{path}: ")
    assert snapshot(w) == before == EMPTY_SNAPSHOT
    return refusal.value


# --- rewriting an export ----------------------------------------------------------------------


def load(path: Path) -> Entries:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def save(path: Path, entries: Entries, method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def tables(entries: Entries) -> Tables:
    return json.loads(entries["tables.json"])


def put_tables(entries: Entries, value: Any) -> None:
    entries["tables.json"] = json.dumps(value).encode()


def edit_tables(change: Callable[[Tables], Any]) -> Callable[[Entries], None]:
    def apply(entries: Entries) -> None:
        value = tables(entries)
        change(value)
        put_tables(entries, value)
    return apply


def set_manifest(value: Any) -> Callable[[Entries], None]:
    def apply(entries: Entries) -> None:
        entries["manifest.json"] = json.dumps(value).encode()
    return apply


def set_version(version: Any) -> Callable[[Entries], None]:
    return set_manifest({"format": archive.FORMAT, "version": version})


def rename_item(entries: Entries, new_id: str) -> None:
    """Give the first item another id everywhere: its row, its files and outfit links."""
    value = tables(entries)
    old = value["items"][0]["id"]
    for row in value["items"]:
        if row["id"] == old:
            row["id"] = new_id
            for column in ("original_path", "cutout_path", "thumbnail_path"):
                row[column] = row[column].replace(old, new_id)
    for link in value["outfit_items"]:
        if link["item_id"] == old:
            link["item_id"] = new_id
    for name in [n for n in entries if old in n]:
        entries[name.replace(old, new_id)] = entries.pop(name)
    put_tables(entries, value)


def first(table: str, column: str, value: Any) -> Callable[[Entries], None]:
    def change(t: Tables) -> None:
        t[table][0][column] = value
    return edit_tables(change)


def drop(table: str, column: str) -> Callable[[Entries], None]:
    return edit_tables(lambda t: t[table][0].pop(column))


def embedding(values: np.ndarray | bytes) -> str:
    data = values if isinstance(values, bytes) else values.astype("<f4").tobytes()
    return base64.b64encode(data).decode()


def shrink_embedding(t: Tables) -> None:
    """One item's embedding is a float32 vector of another size than the others."""
    data = base64.b64decode(t["items"][1]["embedding"])
    t["items"][1]["embedding"] = embedding(data[:-8])


def same_sha256(t: Tables) -> None:
    t["items"][1]["sha256"] = t["items"][0]["sha256"]


def original_as_folder(entries: Entries) -> None:
    name = tables(entries)["items"][0]["original_path"]
    del entries[name]
    entries[name + "/"] = b""  # zipfile writes a name ending in "/" as a folder entry


MALFORMED: dict[str, tuple[Callable[[Entries], None], str]] = {
    # manifest.json
    "manifest not json": (lambda e: e.update({"manifest.json": b"{"}), "not valid JSON"),
    "manifest a list": (set_manifest([archive.FORMAT, 1]), "manifest.json is not a JSON object"),
    "manifest a string": (set_manifest("what2wear"), "manifest.json is not a JSON object"),
    "version true": (set_version(True), "version True is not valid"),
    "version 0": (set_version(0), "version 0 is not valid"),
    "version -5": (set_version(-5), "version -5 is not valid"),
    "version '1'": (set_version("1"), "version '1' is not valid"),
    "version 1.5": (set_version(1.5), "version 1.5 is not valid"),
    "version missing": (set_manifest({"format": archive.FORMAT}), "version None is not valid"),
    # tables.json as a whole
    "tables not json": (lambda e: e.update({"tables.json": e["tables.json"][:-10]}),
                        "tables.json is not valid JSON"),
    "tables a list": (lambda e: put_tables(e, [tables(e)]), "not a JSON object of tables"),
    "table not a list": (edit_tables(lambda t: t.update(items={})),
                         "table items is not a list"),
    "unknown table": (edit_tables(lambda t: t.update(secrets=[])), "unknown table.*'secrets'"),
    # rows
    "row not an object": (edit_tables(lambda t: t["outfits"].__setitem__(0, "x")),
                          r"outfits\[0\] is not an object"),
    "item row a list": (edit_tables(lambda t: t["items"].__setitem__(0, [1])),
                        r"items\[0\] is not an object"),
    "unknown column": (first("items", "colour", "red"), "unknown column.*'colour'"),
    "missing column": (drop("items", "created"), r"items\[0\]\.created is missing"),
    "missing item id": (drop("items", "id"), "items id None is not an id"),
    "missing sha256": (drop("items", "sha256"), r"items\[0\]\.sha256 is missing"),
    "null column": (first("items", "category", None), r"items\[0\]\.category is null"),
    "string for int": (first("items", "times_worn", "3"), "times_worn: expected int, got str"),
    "bool for int": (first("items", "times_worn", True), "times_worn: expected int, got bool"),
    "huge int": (first("items", "times_worn", 10**30), "times_worn: .* out of range"),
    "list for str": (first("items", "name", ["a"]), "name: expected str, got list"),
    "int for bool": (first("items", "available", 1), "available: expected bool, got int"),
    "string for float": (first("outfits", "score", "0.5"), "score: expected a number"),
    "infinite float": (first("items", "price", 1e400), "price: inf is not a finite number"),
    "tags not strings": (first("items", "colours", ["red", 3]), "colours: expected str"),
    "tags not a list": (first("items", "seasons", "summer"), "seasons: expected list"),
    "bad datetime": (first("items", "created", "yesterday"), "created: Invalid isoformat"),
    "datetime a number": (first("outfits", "created", 20250102), "created: expected str"),
    "bad date": (first("wears", "day", "2025-13-40"), r"wears\[0\]\.day"),
    "lone surrogate": (first("items", "notes", "\ud800"), "notes: .*surrogate"),
    "bad base64": (first("items", "embedding", "@@not base64@@"), "embedding: .*"),
    # ids, keys and references
    "duplicate item": (edit_tables(lambda t: t["items"].append(copy.deepcopy(t["items"][0]))),
                       "items: duplicate id"),
    "duplicate sha256": (edit_tables(same_sha256), "items: duplicate sha256"),
    "duplicate slot": (edit_tables(lambda t: t["outfit_items"].append(t["outfit_items"][0])),
                       "outfit_items: duplicate outfit_id/slot"),
    "outfit id not ours": (first("outfits", "id", ".tmp-outfit"), "outfits id '.tmp-outfit'"),
    "dangling item link": (first("outfit_items", "item_id", "f" * 32),
                           "outfit_items.item_id 'f{32}' names no items row"),
    "dangling feedback": (first("feedback", "outfit_id", "e" * 32),
                          "feedback.outfit_id 'e{32}' names no outfits row"),
    "dangling wear": (first("wears", "outfit_id", "d" * 32), "wears.outfit_id .* names no"),
    # files
    "path escapes": (edit_tables(lambda t: t["items"][0].update(
        cutout_path=t["items"][0]["cutout_path"].replace("cutout.png", "../x/cutout.png"))),
        "unexpected file path"),
    "path to a leftover name": (edit_tables(lambda t: t["items"][0].update(
        original_path=t["items"][0]["original_path"].replace("original", ".tmp-original"))),
        "unexpected file path"),
    "path not a string": (first("items", "thumbnail_path", 7), "unexpected file path 7"),
    "original a folder": (original_as_folder, "original.jpg is missing"),
    # embeddings
    "embedding mis-sized": (edit_tables(shrink_embedding), "embeddings differ in size"),
    "embedding odd bytes": (first("items", "embedding", embedding(b"\0" * 10)),
                            "embedding of 10 bytes is not a float32 vector"),
    "embedding empty": (first("items", "embedding", ""), "embedding of 0 bytes"),
    "embedding NaN": (first("items", "embedding", embedding(np.full(512, np.nan))), "NaN"),
    "embedding without model": (first("items", "embedding_model", None),
                                "embedding without an embedding_model"),
}


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_malformed_archives_are_refused_with_a_reason(
    kind: str, export: Path, empty: Wardrobe, tmp_path: Path
) -> None:
    change, reason = MALFORMED[kind]
    entries = load(export)
    change(entries)
    assert_refused(empty, save(tmp_path / "bad.zip", entries), reason)


@pytest.mark.parametrize("bad_id", [".tmp-evil", "../evil", "", "A" * 32, "a" * 31, "a" * 33,
                                    "images", 17, None])
def test_item_ids_other_than_the_apps_own_are_refused(
    bad_id: Any, export: Path, empty: Wardrobe, tmp_path: Path
) -> None:
    entries = load(export)
    if isinstance(bad_id, str) and bad_id:
        rename_item(entries, bad_id)  # files and links follow, so only the id is wrong
    else:
        first("items", "id", bad_id)(entries)
    assert_refused(empty, save(tmp_path / "bad.zip", entries), f"items id {bad_id!r} is not an id")


def test_the_untouched_export_still_imports_and_the_home_reopens(
    export: Path, module_settings: Callable[[str], Settings]
) -> None:
    settings = module_settings("roundtrip")
    with Wardrobe.open(settings) as w:
        w.import_zip(export)
        assert (w.counts()["items"], w.counts()["outfits"]) == (2, 1)
    with Wardrobe.open(settings) as w:  # the next start reconciles cleanly
        assert len(w.vectors.ids()) == 2 and w.doctor().ok


def test_not_a_zip_and_truncated_zips_are_refused(
    export: Path, empty: Wardrobe, tmp_path: Path
) -> None:
    data = export.read_bytes()
    for cut in (0, 100, len(data) // 2, len(data) - 30):
        path = tmp_path / f"cut-{cut}.zip"
        path.write_bytes(data[:cut])
        assert_refused(empty, path, "not a zip file|damaged|not a What2Wear export")


def test_a_name_listed_twice_is_refused(export: Path, empty: Wardrobe, tmp_path: Path) -> None:
    path = tmp_path / "twice.zip"
    entries = load(export)
    with zipfile.ZipFile(path, "w") as z, pytest.warns(UserWarning, match="Duplicate name"):
        for name, data in entries.items():
            z.writestr(name, data)
        z.writestr("tables.json", b"{}")
    assert_refused(empty, path, "a file name appears twice")


def test_other_compression_methods_are_refused(
    export: Path, empty: Wardrobe, tmp_path: Path
) -> None:
    """bzip2/lzma decompress without an output bound per call: refused before reading."""
    path = save(tmp_path / "bzip2.zip", load(export), method=zipfile.ZIP_BZIP2)
    assert_refused(empty, path, "manifest.json uses an unsupported compression method")


# --- sizes ------------------------------------------------------------------------------------


def cutout_name(entries: Entries) -> str:
    return tables(entries)["items"][0]["cutout_path"]


def test_an_oversized_member_is_refused_before_it_is_read(
    export: Path, empty: Wardrobe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 1 << 20)  # 200 MB in real life
    entries = load(export)
    entries[cutout_name(entries)] = bytes(8 << 20)  # compresses to a few KB
    path = save(tmp_path / "bomb.zip", entries)
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(cutout_name(entries)).compress_size < 100_000
    peak = peak_memory(lambda: assert_refused(
        empty, path, f"{cutout_name(entries)} is too large .8388608 bytes"))
    assert peak < 4 << 20


def test_an_oversized_tables_json_is_refused(
    export: Path, empty: Wardrobe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = load(export)
    monkeypatch.setattr(archive, "MAX_TABLES_BYTES", len(entries["tables.json"]) - 1)
    assert_refused(empty, export, "tables.json is too large")


def test_an_oversized_export_is_refused_from_its_directory(
    export: Path, empty: Wardrobe, monkeypatch: pytest.MonkeyPatch
) -> None:
    with zipfile.ZipFile(export) as z:
        total = sum(i.file_size for i in z.infolist())
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", total - 1)
    assert_refused(empty, export, f"the export is too large .{total} bytes")


def test_an_import_the_disk_cannot_hold_is_refused(
    export: Path, empty: Wardrobe, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "FREE_SPACE_MARGIN", 1 << 62)  # no disk has this much free
    assert_refused(empty, export, "not enough free space")


def peak_memory(action: Callable[[], None]) -> int:
    """Peak bytes Python allocated while `action` ran."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _lie_about_size(data: bytearray, name: bytes, size: int) -> None:
    """Patch the uncompressed size of `name` in its local header and the central directory."""
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at:start + name_at + len(name)] == name:
                struct.pack_into("<I", data, start + size_at, size)
            start += 4


def test_a_header_that_lies_about_the_size_cannot_blow_memory(
    export: Path, empty: Wardrobe, tmp_path: Path
) -> None:
    """Declared 1 000 bytes, inflates to 64 MB: reading stops at the declared size and the
    zip's CRC then fails, so it is refused as damaged with little memory used."""
    entries = load(export)
    name = cutout_name(entries)
    entries[name] = bytes(64 << 20)
    path = save(tmp_path / "liar.zip", entries)
    data = bytearray(path.read_bytes())
    _lie_about_size(data, name.encode(), 1000)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(name).file_size == 1000
    assert peak_memory(lambda: assert_refused(empty, path, f"{name} is damaged")) < 8 << 20


# --- writing ----------------------------------------------------------------------------------


def test_a_database_refusal_rolls_back_and_removes_the_written_folders(
    export: Path, module_settings: Callable[[str], Settings]
) -> None:
    """The last table's insert fails (a real SQLite trigger): no row, no folder, no vector."""
    with Wardrobe.open(module_settings("trigger")) as w:
        with w._stores.sessions.begin() as session:
            session.execute(text("CREATE TRIGGER refuse_wears BEFORE INSERT ON wears "
                                 "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"))
        assert_refused(w, export, "the database refused the rows .*disk is full")
        assert not any(w.files.root.iterdir())
        with w._stores.sessions.begin() as session:
            session.execute(text("DROP TRIGGER refuse_wears"))
        w.import_zip(export)  # the same archive, once the database takes it
        assert w.counts()["items"] == 2


def test_the_cli_prints_the_file_and_the_reason(
    export: Path, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("WHAT2WEAR_HOME", str(settings.home))
    monkeypatch.setenv("WHAT2WEAR_CLIP_MODEL", settings.clip_model)
    monkeypatch.setenv("WHAT2WEAR_REMBG_MODEL", settings.rembg_model)
    for kind in ("version true", "tables a list", "embedding mis-sized"):
        change, reason = MALFORMED[kind]
        entries = load(export)
        change(entries)
        bad = save(tmp_path / "bad.zip", entries)
        assert main(["import", str(bad)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: {bad}: ") and "Traceback" not in err
        assert re.search(reason, err)
    assert main(["list"]) == 0 and "0 item(s)" in capsys.readouterr().out


def test_randomly_damaged_archives_are_refused_or_read_never_crash(
    export: Path, tmp_path: Path
) -> None:
    """Flipped bytes, cut files and garbled JSON: a refusal (or, where the damage hits nothing
    that matters, a valid archive), never another exception."""
    rng = random.Random(8)
    source = export.read_bytes()
    entries = load(export)
    path = tmp_path / "damaged.zip"
    refused = 0
    for _ in range(300):
        data = bytearray(source)
        kind = rng.randrange(3)
        if kind == 0:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 1:
            data = data[:rng.randrange(len(data))]
        else:
            garbled = bytearray(entries["tables.json"])
            for _ in range(rng.randint(1, 3)):
                garbled[rng.randrange(len(garbled))] = rng.choice(b'{}[]",:0123456789tfn-.e')
            data = bytearray(save(path, {**entries, "tables.json": bytes(garbled)}).read_bytes())
        path.write_bytes(bytes(data))
        try:
            archive.read_archive(path)
        except ImportRefused as error:
            assert str(error).startswith(f"{path}: ")
            refused += 1
    assert refused > 200
