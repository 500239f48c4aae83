"""The wardrobe service end to end: real SQLite, real ChromaDB, tiny real models.

The tests listed in INGESTION_TESTS take the `wardrobe_settings` fixture; tests/test_chroma_server.py
runs the very same functions again against a `chroma run` server by overriding that fixture, and
tests/test_postgres.py runs DATABASE_TESTS against a PostgreSQL server the same way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from base.config import Settings
from base.vocabulary import CATEGORIES, ONEPIECE, SLOTS, UNKNOWN_CATEGORY
from core.photos.encoder import EncoderUnavailable, load_encoder
from core.wardrobe.naming import is_generated, readable_name
from core.wardrobe.service import Wardrobe
from db.archive import ImportRefused
from db.schema import NAME_LENGTH, SUBTYPE_LENGTH
from db.vectors import VectorStore, chroma_client
from devkit import imaging

BOGUS_CLIP = "/nonexistent/fashion-clip"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def wardrobe_settings(settings: Settings) -> Settings:
    """The store mode under test: here the embedded default (SQLite file + Chroma folder)."""
    return settings


@pytest.fixture
def another_wardrobe(wardrobe_settings: Settings, tmp_path: Path) -> Callable[[str], Settings]:
    """Settings for a second, independent wardrobe in the same store mode: its own home folder
    (which holds its own SQLite file here)."""
    return lambda name: dataclasses.replace(wardrobe_settings, home=tmp_path / name)


def store_environment(settings: Settings) -> dict[str, str]:
    """The variables that open the same wardrobe in a second process (the CLI reads only these)."""
    return {"WHAT2WEAR_HOME": str(settings.home), "WHAT2WEAR_DATABASE_URL": settings.database_url,
            "WHAT2WEAR_CHROMA_URL": settings.chroma_url,
            "WHAT2WEAR_CLIP_MODEL": settings.clip_model,
            "WHAT2WEAR_REMBG_MODEL": settings.rembg_model}


@pytest.fixture
def wardrobe(wardrobe_settings: Settings):
    with Wardrobe.open(wardrobe_settings) as opened:
        yield opened


class FlakyVectorStore(VectorStore):
    """A real VectorStore whose next `upsert` fails once, as a crash between the database
    commit and the vector write would leave things."""

    failures_left = 1

    def upsert(self, ids, embeddings, categories, model) -> None:  # type: ignore[no-untyped-def]
        if FlakyVectorStore.failures_left > 0:
            FlakyVectorStore.failures_left -= 1
            raise ConnectionError("vector index went away")
        super().upsert(ids, embeddings, categories, model)


def snapshot(w: Wardrobe) -> tuple[int, int, frozenset[str], frozenset[str]]:
    """Everything a write could change: rows, outfits, vector ids, files under home/images."""
    files = frozenset(
        str(p.relative_to(w.settings.home)) for p in w.files.root.rglob("*")
    ) if w.files.root.exists() else frozenset()
    counts = w.counts()
    return counts["items"], counts["outfits"], frozenset(w.vectors.ids()), files


def assert_index_matches_database(w: Wardrobe) -> None:
    embedded = [i for i in w.items() if not i.pending_embedding]
    entries = w.vectors.entries()
    assert set(entries) == {i.id for i in embedded}
    if embedded:
        stored = w.embeddings([i.id for i in embedded])
        for item, vector in zip(embedded, stored, strict=True):
            np.testing.assert_allclose(entries[item.id].embedding, vector, atol=1e-5)
            assert entries[item.id].category == item.category
            assert entries[item.id].embedding_model == item.embedding_model


# --- ingestion (also run against a Chroma server) ---------------------------------------------


def test_ingest_stores_files_row_embedding_and_vector(wardrobe: Wardrobe) -> None:
    data = imaging.garment_photo("tshirt", imaging.RED, seed=1)
    outcome = wardrobe.ingest_bytes(data, "red-shirt.jpg")
    assert outcome.status == "added", outcome
    item = wardrobe.item(outcome.item_id)
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert item.original_path.read_bytes() == data  # kept byte for byte
    assert item.category in CATEGORIES and item.subtype and item.seasons
    assert "red" in item.colours
    # Named for people (colour + type), never after the file.
    assert item.name == readable_name(item.colours, item.subtype, item.category)
    assert item.name.startswith("red ") and "shirt" not in item.name.split()[0]
    assert item.background_removed and not item.pending_embedding
    assert item.embedding_model == str(wardrobe.settings.clip_model)
    with Image.open(item.cutout_path) as cutout:
        assert cutout.mode == "RGBA" and cutout.format == "PNG"
        alpha = np.asarray(cutout.getchannel("A"))
        assert alpha.min() == 0 and alpha.max() == 255  # transparent background, opaque garment
    with Image.open(item.thumbnail_path) as thumb:
        assert max(thumb.size) <= 256
    vector = wardrobe.embeddings([item.id])[0]
    assert vector.shape == (512,) and vector.dtype == np.float32
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-4
    # Relative paths in the database: the home can move.
    assert all(not p.startswith("/") for p in _stored_paths(wardrobe, item.id))
    assert_index_matches_database(wardrobe)


def _stored_paths(w: Wardrobe, item_id: str) -> list[str]:
    from db.schema import Item

    with w._sessions() as session:
        row = session.get(Item, item_id)
        assert row is not None
        return [row.original_path, row.cutout_path, row.thumbnail_path]


def test_exact_duplicate_is_recognised_and_not_stored_twice(wardrobe: Wardrobe) -> None:
    data = imaging.garment_photo("trousers", imaging.BLUE, seed=3)
    first = wardrobe.ingest_bytes(data, "jeans.jpg")
    before = snapshot(wardrobe)
    again = wardrobe.ingest_bytes(data, "jeans-copy.jpg")
    assert again.status == "duplicate" and again.item_id == first.item_id
    assert first.item_id in again.reason
    assert snapshot(wardrobe) == before


def test_near_duplicates_are_reported_within_the_same_category(
    wardrobe_settings: Settings,
) -> None:
    # The tiny random CLIP maps every photo close together, so the threshold is raised to
    # separate "another photo of the same shirt" (cosine > 0.999) from other garments.
    strict = dataclasses.replace(wardrobe_settings, near_duplicate_threshold=0.999)
    with Wardrobe.open(strict) as w:
        a = w.ingest_bytes(imaging.garment_photo("tshirt", imaging.RED, seed=1), "a.jpg")
        other = w.ingest_bytes(imaging.garment_photo("shoe", imaging.GREEN, seed=1), "b.jpg")
        assert a.near_duplicates == () and a.item_id not in other.near_duplicates
        tagged = w.item(a.item_id).category
        elsewhere = next(c for c in CATEGORIES if c != tagged)
        w.update_item(a.item_id, category=elsewhere)  # now A is in another category
        b = w.ingest_bytes(imaging.garment_photo("tshirt", imaging.RED, seed=2), "c.jpg")
        assert w.item(b.item_id).category == tagged
        assert a.item_id not in b.near_duplicates  # same shirt, but filed elsewhere
        w.update_item(a.item_id, category=tagged)
        c = w.ingest_bytes(imaging.garment_photo("tshirt", imaging.RED, seed=4), "d.jpg")
        assert c.status == "added"  # reported, never refused
        assert {a.item_id, b.item_id} <= set(c.near_duplicates)


UNUSUAL_BUT_FINE = {
    "cmyk.jpg": (imaging.cmyk_jpeg(), "original.jpg"),
    "16bit.png": (imaging.png_16bit(), "original.png"),
    "palette.png": (imaging.palette_png(), "original.png"),
    "grey-alpha.png": (imaging.la_png(), "original.png"),
    "cut.png": (imaging.rgba_png(), "original.png"),
    "shirt.webp": (imaging.garment_photo(fmt="WEBP", seed=2), "original.webp"),
    "shirt.heic": (imaging.garment_photo(fmt="HEIF", seed=2), "original.heic"),
}


@pytest.mark.parametrize("filename", sorted(UNUSUAL_BUT_FINE))
def test_unusual_modes_and_formats_are_stored(wardrobe: Wardrobe, filename: str) -> None:
    data, stored_as = UNUSUAL_BUT_FINE[filename]
    outcome = wardrobe.ingest_bytes(data, filename)
    assert outcome.status == "added", outcome.message
    item = wardrobe.item(outcome.item_id)
    assert item.original_path.name == stored_as and item.original_path.read_bytes() == data
    with Image.open(item.cutout_path) as cutout:
        assert cutout.mode == "RGBA"


def test_exif_rotated_photo_is_stored_upright(wardrobe: Wardrobe) -> None:
    outcome = wardrobe.ingest_bytes(imaging.exif_rotated_jpeg(size=(120, 200)), "phone.jpg")
    item = wardrobe.item(outcome.item_id)
    with Image.open(item.cutout_path) as cutout:
        assert cutout.size == (120, 200)  # portrait again: the rotation was applied once
        rgb = np.asarray(cutout.convert("RGB"), dtype=int)
    red, blue, green = (np.array(c) for c in (imaging.RED, imaging.BLUE, imaging.GREEN))
    assert np.abs(rgb[60, 60] - red).sum() < 60  # red half on top
    assert np.abs(rgb[160, 60] - blue).sum() < 60  # blue half below
    assert np.abs(rgb[8, 8] - green).sum() < 60  # marker in the top-left corner: not mirrored


BAD_INPUTS = {
    "text-as-jpg": (imaging.text_file(), "not an image"),
    "empty": (b"", "empty"),
    "truncated": (imaging.truncated(imaging.garment_photo(seed=9), 0.4), "truncated"),
    "bomb-30000x30000": (imaging.png_bomb(), "decompression bomb"),
    "gif": (imaging.encode(imaging.garment_image(), "GIF"), "GIF"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_refused_file_writes_nothing_anywhere(wardrobe: Wardrobe, case: str) -> None:
    wardrobe.ingest_bytes(imaging.garment_photo(seed=5), "existing.jpg")
    before = snapshot(wardrobe)
    data, expected = BAD_INPUTS[case]
    outcome = wardrobe.ingest_bytes(data, f"{case}.jpg")
    assert outcome.status == "refused" and outcome.item_id is None
    assert expected.lower() in outcome.reason.lower()
    assert outcome.message.startswith(f"{case}.jpg: refused (")
    assert snapshot(wardrobe) == before
    assert wardrobe.doctor().ok


def test_failure_between_database_and_vector_write_is_repaired_by_doctor(
    wardrobe_settings: Settings,
) -> None:
    FlakyVectorStore.failures_left = 0
    with Wardrobe.open(wardrobe_settings, vector_store_factory=FlakyVectorStore.connect) as w:
        kept = w.ingest_bytes(imaging.garment_photo(seed=1), "kept.jpg")
        FlakyVectorStore.failures_left = 1
        hit = w.ingest_bytes(imaging.garment_photo("trousers", imaging.BLUE, seed=1), "hit.jpg")
        assert hit.status == "added"
        assert any("vector index" in warning for warning in hit.warnings)
        # The row (with its embedding) is committed; the vector is not there.
        assert hit.item_id in {i.id for i in w.items()}
        assert hit.item_id not in w.vectors.ids() and kept.item_id in w.vectors.ids()
        found = w.doctor(repair=False)
        assert any("missing from the vector index" in p for p in found.problems)
        assert hit.item_id not in w.vectors.ids()  # reporting alone changes nothing
        repaired = w.doctor(repair=True)
        assert repaired.repaired >= 1
        assert w.doctor().ok
        assert_index_matches_database(w)


CRASH_SCRIPT = """
import os, sys
from pathlib import Path
from base.config import load_settings
from core.wardrobe.service import Wardrobe
from db.vectors import VectorStore

class DyingStore(VectorStore):
    def upsert(self, *args, **kwargs):
        os._exit(17)  # the process dies after the database commit, before the vector write

wardrobe = Wardrobe.open(load_settings(), vector_store_factory=DyingStore.connect)
wardrobe.ingest_bytes(Path(sys.argv[1]).read_bytes(), "shirt.jpg")
"""


def test_process_killed_between_database_and_vector_write_loses_nothing(
    wardrobe_settings: Settings, tmp_path: Path
) -> None:
    photo = tmp_path / "shirt.jpg"
    photo.write_bytes(imaging.garment_photo(seed=11))
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1",
           **store_environment(wardrobe_settings)}
    crashed = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, str(photo)], cwd=REPO,
                             env=env, capture_output=True, text=True, timeout=120)
    assert crashed.returncode == 17, crashed.stderr
    with Wardrobe.open(wardrobe_settings) as w:  # the dead process's lock is gone with it
        assert [i.sha256 for i in w.items()] == [hashlib.sha256(photo.read_bytes()).hexdigest()]
        assert any("missing from the vector index" in p for p in w.startup_report.problems)
        assert_index_matches_database(w)
        assert w.doctor().ok


def test_start_up_reconciles_drift_both_ways(wardrobe_settings: Settings) -> None:
    with Wardrobe.open(wardrobe_settings) as w:
        a = w.ingest_bytes(imaging.garment_photo(seed=1), "a.jpg").item_id
        b = w.ingest_bytes(imaging.garment_photo("shoe", imaging.GREEN, seed=1), "b.jpg").item_id
        w.vectors.delete([a])  # a row without its vector
        w.vectors.upsert(["ghost"], np.ones((1, 512), np.float32), ["top"], "m")  # no row
        (w.files.root / "ghostitem").mkdir()  # files without a row
        (w.files.root / "ghostitem" / "original.jpg").write_bytes(b"x")
        (w.files.root / ".tmp-half-written").mkdir()  # an interrupted write
        w.item(b).thumbnail_path.unlink()  # a derived file lost: rebuilt from the original
        home = w.settings.home
    with Wardrobe.open(wardrobe_settings) as w:
        problems = " | ".join(w.startup_report.problems)
        assert "missing from the vector index" in problems
        assert "without an item" in problems
        assert "temporary" in problems
        assert w.item(b).thumbnail_path.is_file()
        assert not (home / "images" / "ghostitem").exists()
        assert (home / "quarantine" / "ghostitem" / "original.jpg").read_bytes() == b"x"
        assert not (home / "images" / ".tmp-half-written").exists()
        assert w.doctor().ok
        assert_index_matches_database(w)
        # A vanished original cannot be rebuilt: reported, kept reported.
        w.item(a).original_path.unlink()
        w.item(a).cutout_path.unlink()
        report = w.doctor(repair=True)
        assert any(a in p and "missing" in p for p in report.problems)
        assert any(a in p for p in w.doctor().problems)


def test_a_damaged_original_never_stops_the_wardrobe_from_opening(
    wardrobe_settings: Settings,
) -> None:
    """A lost cut-out whose original is no longer decodable stays a reported problem."""
    with Wardrobe.open(wardrobe_settings) as w:
        bad = w.ingest_bytes(imaging.garment_photo(seed=3), "bad.jpg").item_id
        good = w.ingest_bytes(imaging.garment_photo("shoe", imaging.GREEN, seed=3), "g.jpg").item_id
        item = w.item(bad)
        item.cutout_path.unlink()
        item.original_path.write_bytes(item.original_path.read_bytes()[:40])  # truncated on disk
    with Wardrobe.open(wardrobe_settings) as w:  # start-up repair meets the damaged file
        assert any(bad in p for p in w.startup_report.problems)
        assert not w.item(bad).cutout_path.exists()
        assert w.item(good).cutout_path.is_file()
        report = w.doctor(repair=True)
        assert any(bad in p for p in report.problems) and not report.ok


def test_encoder_unavailable_keeps_items_pending_until_reindex(
    wardrobe_settings: Settings,
) -> None:
    offline = dataclasses.replace(wardrobe_settings, clip_model=BOGUS_CLIP)
    with Wardrobe.open(offline) as w:
        assert not w.status.encoder_ready and BOGUS_CLIP in (w.status.encoder_message or "")
        outcome = w.ingest_bytes(imaging.garment_photo("tshirt", imaging.RED, seed=1), "r.jpg")
        assert outcome.status == "added"
        assert any("pending" in warning for warning in outcome.warnings)
        item = w.item(outcome.item_id)
        assert item.pending_embedding and item.embedding_model is None
        assert item.category == UNKNOWN_CATEGORY and "red" in item.colours
        assert item.cutout_path.is_file()
        assert w.vectors.ids() == set()
        w.update_item(item.id, colours=["burgundy"], name="my favourite")
        with pytest.raises(EncoderUnavailable):
            w.reindex()
        assert w.ingest_outfit_photo(imaging.outfit_photo(), "look.jpg").outfit_id is None
        assert w.outfits() == []
    with Wardrobe.open(wardrobe_settings) as w:
        assert w.reindex() == 1
        item = w.item(outcome.item_id)
        assert not item.pending_embedding
        assert item.category in CATEGORIES and item.subtype  # tagged now...
        assert item.colours == ("burgundy",) and item.name == "my favourite"  # ...edits kept
        assert_index_matches_database(w)
        assert w.reindex() == 0


def test_outfit_photo_creates_items_then_matches_them(wardrobe: Wardrobe) -> None:
    first = wardrobe.ingest_outfit_photo(imaging.outfit_photo(seed=1), "monday.jpg")
    assert first.outfit_id is not None, first.reason
    assert set(first.items) == {"top", "bottom", "shoes"}
    assert not any(b.matched for b in first.bands)
    for slot, item_id in first.items.items():
        item = wardrobe.item(item_id)
        assert item.category == slot and not item.pending_embedding
        assert is_generated(item.name, item.colours, item.subtype, slot), item.name
    names = [wardrobe.item(i).name for i in first.items.values()]
    assert len(set(names)) == len(names)  # no two read alike
    outfit = wardrobe.outfit(first.outfit_id)
    assert outfit.source == "photo" and outfit.items == first.items
    # The same clothes photographed again: every band matches the items made the first time.
    second = wardrobe.ingest_outfit_photo(imaging.outfit_photo(seed=2), "tuesday.jpg")
    assert second.items == first.items
    assert all(b.matched and b.similarity is not None and b.similarity >= 0.85
               for b in second.bands)
    assert len(wardrobe.items()) == 3 and len(wardrobe.outfits(source="photo")) == 2
    # Re-tagging never moves an item out of the slot it fills.
    assert wardrobe.reprocess_background(first.items["shoes"]).category == "shoes"
    assert_index_matches_database(wardrobe)


def test_outfit_photo_top_band_can_match_a_one_piece(wardrobe: Wardrobe) -> None:
    first = wardrobe.ingest_outfit_photo(imaging.outfit_photo(seed=1), "monday.jpg")
    dress = first.items["top"]
    wardrobe.update_item(dress, category=ONEPIECE)  # it was a dress all along
    second = wardrobe.ingest_outfit_photo(imaging.outfit_photo(seed=2), "tuesday.jpg")
    assert second.items == {"onepiece": dress, "shoes": first.items["shoes"]}
    assert wardrobe.outfit(second.outfit_id).items == second.items
    assert len(wardrobe.items()) == 3  # the bottom band made no new item


class BrokenSearchVectorStore(VectorStore):
    """A real VectorStore whose searches fail, as an index gone away mid-session would."""

    def nearest(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("vector index went away")


def test_same_outfit_photo_twice_is_a_duplicate_that_writes_nothing(
    wardrobe_settings: Settings,
) -> None:
    photo = imaging.outfit_photo(seed=1)
    with Wardrobe.open(wardrobe_settings) as w:
        first = w.ingest_outfit_photo(photo, "monday.jpg")
        assert first.status == "added", first.reason
        before = snapshot(w)
        again = w.ingest_outfit_photo(photo, "monday-again.jpg")
        assert again.status == "duplicate" and again.outfit_id is None
        assert again.duplicate_of == first.outfit_id and first.outfit_id in again.reason
        assert snapshot(w) == before and len(w.outfits(source="photo")) == 1
        # Another photo of the same clothes is a new wear, recorded as before.
        assert w.ingest_outfit_photo(imaging.outfit_photo(seed=2), "tuesday.jpg").status == "added"
        after_second = snapshot(w)
    # The hash is checked before any band work: even without the encoder it is a duplicate.
    offline = dataclasses.replace(wardrobe_settings, clip_model=BOGUS_CLIP)
    with Wardrobe.open(offline) as w:
        assert w.ingest_outfit_photo(photo, "m.jpg").duplicate_of == first.outfit_id
        assert snapshot(w) == after_second


def test_a_tiny_outfit_photo_is_refused_and_writes_nothing(wardrobe_settings: Settings) -> None:
    """A 1x3 photo cuts two bands to the same pixels: refused with a reason, not a crash."""
    tiny = imaging.encode(Image.new("RGB", (1, 3), (200, 30, 30)), "PNG")
    with Wardrobe.open(wardrobe_settings) as w:
        before = snapshot(w)
        outcome = w.ingest_outfit_photo(tiny, "tiny.png")
        assert outcome.status == "refused" and "too small" in outcome.reason
        assert "tiny.png" in outcome.message
        assert snapshot(w) == before


def test_band_matching_with_a_broken_index_refuses_the_photo_and_writes_nothing(
    wardrobe_settings: Settings,
) -> None:
    with Wardrobe.open(wardrobe_settings,
                       vector_store_factory=BrokenSearchVectorStore.connect) as w:
        before = snapshot(w)
        outcome = w.ingest_outfit_photo(imaging.outfit_photo(seed=1), "monday.jpg")
        assert outcome.status == "refused" and outcome.outfit_id is None
        assert "vector index" in outcome.reason and "went away" in outcome.reason
        assert snapshot(w) == before
    with Wardrobe.open(wardrobe_settings) as w:  # index back: the same photo is recorded
        assert w.ingest_outfit_photo(imaging.outfit_photo(seed=1), "monday.jpg").outfit_id


# Run again by tests/test_chroma_server.py against a `chroma run` server.
INGESTION_TESTS = (
    test_ingest_stores_files_row_embedding_and_vector,
    test_exact_duplicate_is_recognised_and_not_stored_twice,
    test_near_duplicates_are_reported_within_the_same_category,
    test_refused_file_writes_nothing_anywhere,
    test_exif_rotated_photo_is_stored_upright,
    test_failure_between_database_and_vector_write_is_repaired_by_doctor,
    test_start_up_reconciles_drift_both_ways,
    test_encoder_unavailable_keeps_items_pending_until_reindex,
    test_outfit_photo_creates_items_then_matches_them,
    test_outfit_photo_top_band_can_match_a_one_piece,
)


# --- editing, outfits, history, training data ---------------------------------------------


def _three_items(w: Wardrobe) -> dict[str, str]:
    ids = {}
    for slot, kind, colour in (("top", "tshirt", imaging.RED), ("bottom", "trousers", imaging.NAVY),
                               ("shoes", "shoe", imaging.YELLOW)):
        item_id = w.ingest_bytes(imaging.garment_photo(kind, colour, seed=7), f"{slot}.jpg").item_id
        w.update_item(item_id, category=slot)
        ids[slot] = item_id
    return ids


def test_edits_are_marked_and_never_overwritten_by_retagging(wardrobe: Wardrobe) -> None:
    item_id = wardrobe.ingest_bytes(imaging.garment_photo(seed=1), "x.jpg").item_id
    auto = wardrobe.item(item_id)
    new_category = next(c for c in CATEGORIES if c != auto.category)
    edited = wardrobe.update_item(item_id, category=new_category, subtype="polo shirt",
                                  price=19.5, notes="gift")
    assert edited.user_edited == {"category", "subtype", "price", "notes"}
    assert wardrobe.vectors.entries([item_id])[item_id].category == new_category
    again = wardrobe.reprocess_background(item_id)  # re-cuts, re-embeds and re-tags
    assert (again.category, again.subtype, again.price, again.notes) == (
        new_category, "polo shirt", 19.5, "gift")
    assert again.seasons == auto.seasons  # not edited: re-tagged (same picture, same tags)
    with pytest.raises(ValueError, match="unknown category"):
        wardrobe.update_item(item_id, category="hat")
    with pytest.raises(ValueError, match="cannot edit"):
        wardrobe.update_item(item_id, sha256="0")
    assert not wardrobe.set_available(item_id, False).available
    assert [i.id for i in wardrobe.items(available=False)] == [item_id]
    assert wardrobe.items(available=True) == []
    with pytest.raises(KeyError):
        wardrobe.item("missing")


def test_text_longer_than_its_column_is_handled_alike_on_every_database(
    wardrobe: Wardrobe,
) -> None:
    """PostgreSQL enforces VARCHAR lengths, SQLite does not: a long file name does not fail
    the photo (it is not the name), and an edit that does not fit is refused on both."""
    stem = "summer-" * 40  # 280 characters
    outcome = wardrobe.ingest_bytes(imaging.garment_photo(seed=1), f"{stem}.jpg")
    assert outcome.status == "added", outcome.reason
    named = wardrobe.item(outcome.item_id).name
    assert named and "summer" not in named  # colour + type, not the (long) file name
    look = wardrobe.ingest_outfit_photo(imaging.outfit_photo(seed=1), f"{stem}.png")
    assert look.outfit_id is not None, look.reason
    before = snapshot(wardrobe)
    for field, limit in (("name", NAME_LENGTH), ("subtype", SUBTYPE_LENGTH)):
        with pytest.raises(ValueError, match=f"{field} is longer than {limit} characters"):
            wardrobe.update_item(outcome.item_id, **{field: "y" * (limit + 1)})
    item = wardrobe.item(outcome.item_id)
    assert item.name == named and not item.user_edited
    assert snapshot(wardrobe) == before
    assert wardrobe.update_item(outcome.item_id, name="z" * NAME_LENGTH).name == "z" * NAME_LENGTH


def test_items_revision_moves_with_item_writes_only(wardrobe: Wardrobe) -> None:
    """Re-embedding keeps ids and categories, so suggestions are keyed on this revision."""
    start = wardrobe.items_revision
    top = wardrobe.ingest_bytes(imaging.garment_photo(seed=1), "t.jpg").item_id
    other = wardrobe.ingest_bytes(imaging.garment_photo(seed=2), "o.jpg").item_id
    assert top and other
    assert wardrobe.items_revision > start
    wardrobe.update_item(top, category="top")
    before_edit = wardrobe.items_revision
    wardrobe.update_item(other, category="bottom")
    after_edits = wardrobe.items_revision
    assert after_edits > before_edit
    outfit = wardrobe.save_outfit({"top": top, "bottom": other}, source="manual")
    wardrobe.add_feedback(outfit.id, +1)
    wardrobe.log_wear(outfit.id)
    assert wardrobe.items_revision == after_edits  # outfits and feedback change no item
    wardrobe.reprocess_background(top)
    after_reprocess = wardrobe.items_revision
    assert after_reprocess > after_edits
    with pytest.raises(ValueError):
        wardrobe.update_item(top, category="hat")
    assert wardrobe.items_revision > after_reprocess  # counted even when the write fails
    before = wardrobe.items_revision
    wardrobe.reindex()
    assert wardrobe.items_revision > before


def test_outfits_feedback_wears_and_training_set(wardrobe: Wardrobe) -> None:
    assert wardrobe.training_set() is None
    ids = _three_items(wardrobe)
    dress = wardrobe.ingest_bytes(imaging.garment_photo("dress", imaging.GREEN, seed=2),
                                  "dress.jpg").item_id
    wardrobe.update_item(dress, category=ONEPIECE)
    manual = wardrobe.save_outfit(ids, "manual")
    liked = wardrobe.save_outfit({"top": dress, "shoes": ids["shoes"]}, "suggested", 0.7)
    assert liked.items == {"onepiece": dress, "shoes": ids["shoes"]}  # stored under onepiece
    disliked = wardrobe.save_outfit({"top": ids["top"], "bottom": ids["bottom"]}, "suggested",
                                    0.2, saved=False)
    ignored = wardrobe.save_outfit({"top": ids["top"], "shoes": ids["shoes"]}, "suggested")
    wardrobe.add_feedback(liked.id, -1)
    wardrobe.add_feedback(liked.id, 1)  # the latest rating counts
    wardrobe.add_feedback(disliked.id, -1)
    assert wardrobe.outfit(liked.id).rating == 1
    assert {o.id for o in wardrobe.outfits(saved_only=True)} == {manual.id, liked.id, ignored.id}
    assert [o.id for o in wardrobe.outfits(source="manual")] == [manual.id]

    data = wardrobe.training_set()
    assert data is not None and len(data) == 3  # manual, liked and the saved (unrated) one
    assert data.vectors.shape == (3, len(SLOTS), 512) and data.categories.shape == (3, len(SLOTS))
    by_first = {str(row[0]): i for i, row in enumerate(data.categories)}
    onepiece_row = by_first[ONEPIECE]
    assert list(data.mask[onepiece_row]) == [True, False, True, False]
    np.testing.assert_allclose(data.vectors[onepiece_row, 0], wardrobe.embeddings([dress])[0])
    manual_row = by_first["top"]
    np.testing.assert_allclose(
        data.vectors[manual_row, :3], wardrobe.embeddings([ids["top"], ids["bottom"],
                                                           ids["shoes"]]))
    assert data.hard_negatives is not None and len(data.hard_negatives) == 1
    assert list(data.hard_negatives.mask[0]) == [True, True, False, False]

    wardrobe.log_wear(manual.id, date(2025, 3, 1))
    wardrobe.log_wear(manual.id, date(2025, 2, 1))
    top = wardrobe.item(ids["top"])
    assert top.times_worn == 2 and top.last_worn == date(2025, 3, 1)
    assert [(d, o.id) for d, o in wardrobe.wear_history()] == [
        (date(2025, 3, 1), manual.id), (date(2025, 2, 1), manual.id)]

    with pytest.raises(ValueError, match="source"):
        wardrobe.save_outfit(ids, "random")
    with pytest.raises(ValueError, match="cannot fill slot"):
        wardrobe.save_outfit({"bottom": ids["top"]}, "manual")
    with pytest.raises(ValueError, match="one-piece"):
        wardrobe.save_outfit({"onepiece": dress, "top": ids["top"]}, "manual")
    with pytest.raises(ValueError, match="rating"):
        wardrobe.add_feedback(manual.id, 5)
    with pytest.raises(KeyError):
        wardrobe.add_feedback("missing", 1)


def test_outfits_can_be_unsaved_deleted_and_worn_on_any_day(wardrobe: Wardrobe) -> None:
    """Saved outfits are what training learns from; unsaving takes one out, deleting forgets it
    with its wears (the items' wear counts follow) and never touches items or photos."""
    ids = _three_items(wardrobe)
    hat = wardrobe.ingest_bytes(imaging.garment_photo("tshirt", imaging.GREEN, seed=5),
                                "hat.jpg").item_id
    wardrobe.update_item(hat, category="accessory", subtype="hat")
    kept = wardrobe.save_outfit({**ids, "accessory": hat}, "suggested", 0.4)
    assert kept.items["accessory"] == hat  # accessories are pieces of a stored outfit
    other = wardrobe.save_outfit({"top": ids["top"], "shoes": ids["shoes"]}, "suggested", 0.3)
    data = wardrobe.training_set()
    assert data is not None and len(data) == 2  # saved, unrated suggestions count
    assert wardrobe.set_outfit_saved(other.id, False).saved is False
    assert len(wardrobe.training_set()) == 1
    assert {o.id for o in wardrobe.outfits(saved_only=True)} == {kept.id}
    wardrobe.add_feedback(other.id, 1)  # liked counts even when not saved
    assert len(wardrobe.training_set()) == 2
    wardrobe.add_feedback(kept.id, -1)  # a saved outfit disliked last is a negative
    data = wardrobe.training_set()
    assert len(data) == 1 and data.hard_negatives is not None and len(data.hard_negatives) == 1

    wardrobe.log_wear(kept.id, date(2024, 12, 24))
    wardrobe.log_wear(other.id, date(2025, 1, 3))
    wardrobe.log_wear(kept.id, date(2025, 2, 14))  # any day, not only today
    assert wardrobe.item(ids["shoes"]).times_worn == 3
    assert wardrobe.item(ids["shoes"]).last_worn == date(2025, 2, 14)
    files = {i: _stored_paths(wardrobe, i) for i in (*ids.values(), hat)}
    items_before = {i.id for i in wardrobe.items()}
    wardrobe.delete_outfit(kept.id)
    with pytest.raises(KeyError):
        wardrobe.outfit(kept.id)
    assert {i.id for i in wardrobe.items()} == items_before  # items stay
    for paths in files.values():
        assert paths and all((wardrobe.settings.home / p).is_file() for p in paths)
    shoes, hat_row = wardrobe.item(ids["shoes"]), wardrobe.item(hat)
    assert shoes.times_worn == 1 and shoes.last_worn == date(2025, 1, 3)  # other's wear is left
    assert hat_row.times_worn == 0 and hat_row.last_worn is None
    assert [(d, o.id) for d, o in wardrobe.wear_history()] == [(date(2025, 1, 3), other.id)]
    with pytest.raises(KeyError):
        wardrobe.delete_outfit(kept.id)
    with pytest.raises(KeyError):
        wardrobe.set_outfit_saved("missing", True)


def test_delete_item_removes_row_vector_files_and_its_outfit_slots(wardrobe: Wardrobe) -> None:
    ids = _three_items(wardrobe)
    outfit = wardrobe.save_outfit(ids, "manual")
    lonely = wardrobe.save_outfit({"top": ids["top"]}, "manual")
    folder = wardrobe.item(ids["top"]).original_path.parent
    wardrobe.delete_item(ids["top"])
    assert ids["top"] not in {i.id for i in wardrobe.items()}
    assert ids["top"] not in wardrobe.vectors.ids() and not folder.exists()
    assert wardrobe.outfit(outfit.id).items == {"bottom": ids["bottom"], "shoes": ids["shoes"]}
    with pytest.raises(KeyError):
        wardrobe.outfit(lonely.id)  # nothing left in it
    assert wardrobe.doctor().ok


def test_search_text_ranks_items_by_cosine(wardrobe: Wardrobe) -> None:
    ids = _three_items(wardrobe)
    hits = wardrobe.search_text("a red t-shirt", k=2)
    assert len(hits) == 2 and {r.id for r, _ in hits} <= set(ids.values())
    sims = [s for _, s in hits]
    assert sims == sorted(sims, reverse=True)
    query = load_encoder(wardrobe.settings.clip_model).encode_texts(["a red t-shirt"])[0]
    expected = wardrobe.embeddings([r.id for r, _ in hits]) @ query
    np.testing.assert_allclose(sims, expected, atol=1e-4)


# --- export / import ------------------------------------------------------------------------


def test_export_import_round_trip_reproduces_the_wardrobe(
    wardrobe_settings: Settings, another_wardrobe: Callable[[str], Settings], tmp_path: Path
) -> None:
    settings = wardrobe_settings
    archive = tmp_path / "wardrobe.zip"
    with Wardrobe.open(settings) as w:
        ids = _three_items(w)
        w.update_item(ids["top"], notes="linen", price=30.0)
        photo = w.ingest_outfit_photo(imaging.outfit_photo(seed=3), "look.jpg")
        manual = w.save_outfit(ids, "manual", score=0.5)
        w.add_feedback(manual.id, 1)
        w.log_wear(photo.outfit_id, date(2025, 1, 2))
        w.export_zip(archive)
        items, outfits, history = w.items(), w.outfits(), w.wear_history()
        embeddings = w.embeddings([i.id for i in items])
        vectors = w.vectors.entries()
    other = another_wardrobe("other-home")
    with Wardrobe.open(other) as w2:
        w2.import_zip(archive)

        def relocated(item):  # the same record, but under the other home
            return dataclasses.replace(item, **{
                f: other.home / getattr(item, f).relative_to(settings.home)
                for f in ("original_path", "cutout_path", "thumbnail_path")})

        assert w2.items() == [relocated(i) for i in items]
        assert w2.outfits() == outfits and w2.wear_history() == history
        np.testing.assert_array_equal(w2.embeddings([i.id for i in items]), embeddings)
        for item in w2.items():
            original = settings.home / item.original_path.relative_to(other.home)
            assert item.original_path.read_bytes() == original.read_bytes()
            assert item.cutout_path.read_bytes() == (
                settings.home / item.cutout_path.relative_to(other.home)).read_bytes()
        imported = w2.vectors.entries()
        assert set(imported) == set(vectors)
        for item_id, entry in vectors.items():
            np.testing.assert_allclose(imported[item_id].embedding, entry.embedding, atol=1e-6)
            assert imported[item_id].category == entry.category
        assert w2.doctor().ok
        # A second import would mix two wardrobes: refused, nothing changes.
        before = snapshot(w2)
        with pytest.raises(ImportRefused, match="not empty") as refusal:
            w2.import_zip(archive)
        assert str(archive) in str(refusal.value)
        assert snapshot(w2) == before


def test_import_refuses_damaged_or_foreign_archives(
    wardrobe: Wardrobe, another_wardrobe: Callable[[str], Settings], tmp_path: Path
) -> None:
    wardrobe.ingest_bytes(imaging.garment_photo(seed=1), "a.jpg")
    good = tmp_path / "good.zip"
    wardrobe.export_zip(good)
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("hello")
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as z:
        z.writestr("manifest.json", '{"format": "something-else", "version": 1}')
        z.writestr("tables.json", "{}")
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, b"changed" + data if "original" in name else data)
    empty = another_wardrobe("empty")
    wardrobe.close()
    with Wardrobe.open(empty) as w:
        for path, reason in ((not_zip, "not a zip"), (foreign, "unknown format"),
                             (tampered, "sha256"), (tmp_path / "nope.zip", "no such file")):
            with pytest.raises(ImportRefused, match=reason) as refusal:
                w.import_zip(path)
            assert str(path) in str(refusal.value)
            assert snapshot(w) == (0, 0, frozenset(), frozenset())


def test_vector_index_is_a_cache_rebuilt_from_sqlite(wardrobe: Wardrobe) -> None:
    _three_items(wardrobe)
    client = chroma_client(wardrobe.settings)
    client.delete_collection(wardrobe.vectors.collection.name)  # the whole index lost
    wardrobe.vectors = VectorStore(client)
    assert wardrobe.vectors.count() == 0
    assert wardrobe.doctor(repair=True).repaired == 3
    assert_index_matches_database(wardrobe)


# Run again by tests/test_postgres.py against a PostgreSQL server: every test whose outcome rests
# on the database (rows, constraints, transactions, migrations at start-up, reconciliation
# against the rows, a crash after a commit, export/import of every table, outfits).
DATABASE_TESTS = (
    *INGESTION_TESTS,
    test_process_killed_between_database_and_vector_write_loses_nothing,
    test_a_damaged_original_never_stops_the_wardrobe_from_opening,
    test_same_outfit_photo_twice_is_a_duplicate_that_writes_nothing,
    test_a_tiny_outfit_photo_is_refused_and_writes_nothing,
    test_band_matching_with_a_broken_index_refuses_the_photo_and_writes_nothing,
    test_edits_are_marked_and_never_overwritten_by_retagging,
    test_text_longer_than_its_column_is_handled_alike_on_every_database,
    test_items_revision_moves_with_item_writes_only,
    test_outfits_feedback_wears_and_training_set,
    test_delete_item_removes_row_vector_files_and_its_outfit_slots,
    test_export_import_round_trip_reproduces_the_wardrobe,
    test_import_refuses_damaged_or_foreign_archives,
    test_vector_index_is_a_cache_rebuilt_from_sqlite,
)
