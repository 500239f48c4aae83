"""A person's photos survive every command; a home always opens; checks only look.

Homes are built with the real service and CLI (tiny real models, real SQLite and Chroma), then
damaged the way an unlucky person would: a deleted or mistyped database, another encoder, a
corrupt index.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from base.config import Settings
from core.cli.main import main
from core.wardrobe.service import HomeRefused, Wardrobe
from db.mapping import embedding_to_bytes
from db.vectors import VectorStore, chroma_client
from devkit import imaging


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _two_items(settings: Settings) -> dict[str, str]:
    """item id -> sha256 of its original, for a home with a t-shirt and trousers."""
    with Wardrobe.open(settings) as w:
        ids = [w.ingest_bytes(imaging.garment_photo("tshirt", imaging.RED, seed=1), "a.jpg").item_id,
               w.ingest_bytes(imaging.garment_photo("trousers", imaging.BLUE, seed=1),
                              "b.jpg").item_id]
        return {i: w.item(i).sha256 for i in ids}


def originals(home: Path) -> dict[str, str]:
    """sha256 of every original photo anywhere under the home, by path."""
    return {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in home.rglob("original.*")}


def home_state(settings: Settings) -> tuple[dict[str, str], dict[str, list[tuple]], dict]:
    """Everything a command could change: every file outside Chroma's own folder (by content),
    every database row, and every vector (ids, metadata, values). Chroma rewrites its files on
    each open, so the index is compared by what it holds."""
    home = settings.home
    files = {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in home.rglob("*") if p.is_file() and p.name != ".lock"
             and not p.relative_to(home).parts[0].startswith("chroma")}
    with sqlite3.connect(settings.sqlite_path) as db:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        rows = {t: sorted(map(repr, db.execute(f"select * from {t}"))) for t in tables}
    entries = VectorStore(chroma_client(settings)).entries()
    vectors = {i: (e.category, e.embedding_model, e.embedding.round(6).tobytes())
               for i, e in entries.items()}
    return files, rows, vectors


# --- 1. originals are sacred ------------------------------------------------------------------


def test_a_lost_database_is_refused_not_taken_for_the_truth(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    items = _two_items(cli_env)
    before = originals(cli_env.home)
    cli_env.sqlite_path.unlink()  # the database is gone (or WHAT2WEAR_DATABASE_URL mistyped)
    for argv in (("doctor", "--check-only"), ("list",), ("doctor",), ("ingest", "x.jpg")):
        code, out = run_cli(capsys, *argv)
        assert code == 1, argv
        assert "2 photo(s)" in out or "no wardrobe database" in out, out
        assert originals(cli_env.home) == before  # every original still in place
    assert not cli_env.sqlite_path.exists()  # and no new, empty database was made
    with pytest.raises(HomeRefused, match="doctor --adopt"):
        Wardrobe.open(cli_env)
    assert originals(cli_env.home) == before and not cli_env.sqlite_path.exists()
    assert set(before.values()) == set(items.values())


def test_a_mistyped_database_url_changes_nothing(
    cli_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _two_items(cli_env)
    before = home_state(cli_env)
    typo = tmp_path / "wardrobe-typo.sqlite3"
    monkeypatch.setenv("WHAT2WEAR_DATABASE_URL", f"sqlite:///{typo}")
    code, out = run_cli(capsys, "doctor")
    assert code == 1 and "does not know" in out and "WHAT2WEAR_DATABASE_URL" in out
    assert not typo.exists()
    monkeypatch.delenv("WHAT2WEAR_DATABASE_URL")
    assert home_state(cli_env) == before


def test_adopt_rebuilds_items_from_the_photos_of_a_lost_database(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    items = _two_items(cli_env)
    cli_env.sqlite_path.unlink()
    code, out = run_cli(capsys, "doctor", "--adopt")
    assert code == 0, out
    assert "2 recovered as items" in out
    with Wardrobe.open(cli_env) as w:
        recovered = w.items()
        assert sorted(i.sha256 for i in recovered) == sorted(items.values())
        for item in recovered:
            assert "doctor --adopt" in item.notes and item.review_note.startswith("recovered")
            assert not item.pending_embedding and item.cutout_path.is_file()
            assert hashlib.sha256(item.original_path.read_bytes()).hexdigest() == item.sha256
        assert w.files.quarantined() == []  # each photo now lives in its item's folder
        assert w.doctor().ok
    assert run_cli(capsys, "doctor", "--adopt")[0] == 0  # nothing left: adopting again is a no-op


def test_crash_leftovers_are_quarantined_never_deleted(settings: Settings) -> None:
    with Wardrobe.open(settings) as w:
        w.ingest_bytes(imaging.garment_photo(seed=1), "kept.jpg")
        orphan = w.files.root / "0123456789abcdef0123456789abcdef"  # renamed, never committed
        orphan.mkdir()
        (orphan / "original.jpg").write_bytes(imaging.garment_photo(seed=2))
        half = w.files.root / ".tmp-fedcba9876543210fedcba9876543210-1a2b3c4d"
        half.mkdir()
        (half / "original.png").write_bytes(b"an interrupted write")
        photos = {hashlib.sha256((p / n).read_bytes()).hexdigest()
                  for p, n in ((orphan, "original.jpg"), (half, "original.png"))}
    with Wardrobe.open(settings) as w:
        problems = " | ".join(w.startup_report.problems)
        assert "1 image folder(s) without an item" in problems and "temporary" in problems
        assert not orphan.exists() and not half.exists()
        kept = {hashlib.sha256(p.read_bytes()).hexdigest()
                for p in w.files.quarantine_root.rglob("original.*")}
        assert kept == photos
        adopted = w.adopt_photos()
        assert [o.status for o in adopted].count("added") == 1  # the real photo
        assert [o.status for o in adopted].count("refused") == 1  # the broken bytes: kept aside
        assert len(w.files.quarantined()) == 1
        assert len(w.items()) == 2


# --- 2. a vector of another dimension never bricks the home -----------------------------------


def test_switching_to_an_encoder_of_another_size_and_back(
    settings: Settings, tiny_clip_256_dir: Path
) -> None:
    items = _two_items(settings)
    other = dataclasses.replace(settings, clip_model=str(tiny_clip_256_dir))
    with Wardrobe.open(other) as w:
        new = w.ingest_bytes(imaging.garment_photo("shoe", imaging.GREEN, seed=4), "c.jpg")
        assert new.status == "added" and not w.item(new.item_id).pending_embedding
        assert w.vectors.dimension() == 256
        assert w.search_text("green shoes", k=1)[0][0].id == new.item_id
        assert any("another encoder" in n for n in w.doctor().notes)
        assert w.doctor().ok
    with Wardrobe.open(settings) as w:  # and back: the 512-d items are indexed again
        assert w.vectors.dimension() == 512 and set(items) <= w.vectors.ids()
        assert w.doctor().ok
        assert w.reindex() == 1  # the 256-d item, embedded again by this encoder
        assert w.vectors.ids() == {*items, new.item_id} and w.doctor().ok
    with Wardrobe.open(other) as w:  # reindex under the other encoder works too
        assert w.reindex() == 3 and w.vectors.dimension() == 256 and w.doctor().ok


def test_a_row_whose_embedding_fits_no_index_is_reported_and_marked_pending(
    settings: Settings,
) -> None:
    items = _two_items(settings)
    bad = next(iter(items))
    with sqlite3.connect(settings.sqlite_path) as db:  # say an import from another encoder
        db.execute("update items set embedding = ? where id = ?",
                   (embedding_to_bytes(np.ones(300, np.float32)), bad))
    with Wardrobe.open(settings) as w:
        assert any("does not fit" in p and bad in p for p in w.startup_report.problems)
        assert w.item(bad).pending_embedding and w.doctor().ok
        assert w.reindex() == 1 and not w.item(bad).pending_embedding
        assert w.vectors.ids() == set(items) and w.doctor().ok


# --- 3. doctor --check-only looks, and says so in its exit code --------------------------------


def test_check_only_writes_nothing_and_exits_non_zero(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    items = _two_items(cli_env)
    store = VectorStore(chroma_client(cli_env))
    store.delete([next(iter(items))])  # a row without its vector
    store.upsert(["ghost"], np.ones((1, 512), np.float32), ["top"], "m")  # a vector, no row
    store.client.close()
    orphan = cli_env.home / "images" / "0123456789abcdef0123456789abcdef"
    orphan.mkdir()
    (orphan / "original.jpg").write_bytes(b"photo")
    (cli_env.home / "images" / ".tmp-half").mkdir()
    before = home_state(cli_env)
    code, out = run_cli(capsys, "doctor", "--check-only")
    assert code == 1 and "4 problem(s)" in out, out
    assert home_state(cli_env) == before
    for argv in (("list",), ("outfits",)):
        assert run_cli(capsys, *argv)[0] == 0
        assert home_state(cli_env) == before


def test_read_only_commands_do_not_create_a_home(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (("list",), ("doctor", "--check-only"), ("export", "out.zip")):
        code, out = run_cli(capsys, *argv)
        assert code == 1 and "no wardrobe here" in out
        assert not cli_env.home.exists()


# --- 4. a damaged index is rebuilt from the database -------------------------------------------


def test_a_corrupt_chroma_file_is_reported_by_a_check_and_rebuilt_at_open(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    items = _two_items(cli_env)
    damaged = cli_env.chroma_path / "chroma.sqlite3"
    damaged.write_bytes(b"\0garbage" * 1000)
    code, out = run_cli(capsys, "doctor", "--check-only")
    assert code == 1 and "vector index cannot be read" in out
    assert damaged.read_bytes() == b"\0garbage" * 1000  # a check moves nothing
    with Wardrobe.open(cli_env) as w:
        assert any("moved to chroma.damaged-" in n for n in w.startup_report.notes)
        assert w.vectors.ids() == set(items) and w.doctor().ok
        assert w.search_text("red t-shirt", k=2)
    aside = list(cli_env.home.glob("chroma.damaged-*"))
    assert len(aside) == 1 and (aside[0] / "chroma.sqlite3").read_bytes() == b"\0garbage" * 1000


def test_commands_that_need_no_encoder_never_load_it(settings: Settings, tmp_path: Path) -> None:
    _two_items(settings)
    with Wardrobe.open(settings, read_only=True) as w:  # list, outfits, export, a check
        assert len(w.items()) == 2 and w.outfits() == [] and w.counts()["items"] == 2
        w.export_zip(tmp_path / "out.zip")
        assert w.doctor(repair=False).ok
        assert w.encoder_dim is None  # never loaded
        assert w.status.encoder_ready and w.encoder_dim == 512  # asking for it loads it
