"""Adding clothes people trust: upload batches as jobs, the review step's service methods,
the review note column and names people read (issue 10)."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import text, update

from base.config import Settings
from base.records import ItemRecord
from core.views.gallery import display_name, display_names, picker_label, picker_order
from core.views.jobs import DONE, STOPPED, JobQueue
from core.views.uploads import added_items, submit_upload
from core.wardrobe.batch import PhotoInput
from core.wardrobe.naming import (
    is_generated,
    looks_like_file_name,
    readable_name,
    shown_names,
    unique_name,
)
from core.wardrobe.service import Wardrobe
from db.database import alembic_config, create_database_engine, migrate
from db.schema import Item
from devkit import imaging

WAIT_S = 120


@pytest.fixture
def wardrobe(settings: Settings) -> Iterator[Wardrobe]:
    with Wardrobe.open(settings) as opened:
        yield opened


@pytest.fixture
def jobs() -> Iterator[JobQueue]:
    queue = JobQueue()
    yield queue
    queue.close(timeout=WAIT_S)


def photo(seed: int, kind: str = "tshirt", colour=imaging.RED) -> bytes:
    return imaging.garment_photo(kind, colour, seed=seed)


def set_note(wardrobe: Wardrobe, item_id: str, note: str) -> None:
    """What the cut-out check writes at ingest (another module): a reason to look."""
    with wardrobe.engine.begin() as connection:
        connection.execute(update(Item).where(Item.id == item_id).values(review_note=note))


# --- uploads as jobs --------------------------------------------------------------------------

def test_a_batch_keeps_its_options_and_stores_each_photo_once(
        wardrobe: Wardrobe, jobs: JobQueue) -> None:
    options_on_page = {"category": "top"}
    photos = [PhotoInput.from_bytes(f"IMG_43{n}.jpg", photo(n)) for n in range(3)]
    job_id = submit_upload(jobs, wardrobe, photos, outfit=False,
                           category=options_on_page["category"])
    options_on_page["category"] = "shoes"  # the person changes "These are all" meanwhile
    again = submit_upload(jobs, wardrobe, photos[:1], outfit=False, category="shoes")
    done = jobs.wait(job_id, WAIT_S)
    assert done.state == DONE and [o.status for o in done.results] == ["added"] * 3
    assert dict(done.options) == {"outfit": False, "category": "top"}
    repeat = jobs.wait(again, WAIT_S)
    assert [o.status for o in repeat.results] == ["duplicate"]  # never filed twice
    items = wardrobe.items()
    assert sorted(i.category for i in items) == ["top"] * 3
    assert {i.sha256 for i in items} == {hashlib.sha256(p.read()).hexdigest() for p in photos}
    assert set(added_items(done)) == {i.id for i in items}
    assert all("IMG" not in i.name for i in items)


def test_stop_finishes_the_photo_in_hand_and_adds_no_more(
        wardrobe: Wardrobe, jobs: JobQueue) -> None:
    reading, go = threading.Event(), threading.Event()
    first = photo(1)

    def slow_read() -> bytes:  # the person presses Stop while this photo is being added
        reading.set()
        assert go.wait(WAIT_S)
        return first

    photos = [PhotoInput("first.jpg", slow_read),
              *(PhotoInput.from_bytes(f"p{n}.jpg", photo(n)) for n in (2, 3))]
    job_id = submit_upload(jobs, wardrobe, photos, outfit=False, category="bottom")
    assert reading.wait(WAIT_S)
    jobs.stop(job_id)
    go.set()
    snap = jobs.wait(job_id, WAIT_S)
    assert snap.state == STOPPED
    assert snap.results[0].status == "added" and snap.results[1:] == (None, None)
    assert [i.category for i in wardrobe.items()] == ["bottom"]


def test_the_command_line_batch_is_unchanged(wardrobe: Wardrobe) -> None:
    seen: list[tuple[int, int, str]] = []
    outcomes = wardrobe.ingest_batch([PhotoInput.from_bytes("a.jpg", photo(1)),
                                      PhotoInput.from_bytes("b.jpg", b"not a photo")],
                                     progress=lambda *a: seen.append(a))
    assert [o.status for o in outcomes] == ["added", "refused"]
    assert seen == [(0, 2, "a.jpg"), (1, 2, "b.jpg"), (2, 2, "")]


# --- review: keep the original, the review note ---------------------------------------------------

def test_keep_original_uses_the_whole_photo_and_keeps_edits(wardrobe: Wardrobe) -> None:
    data = photo(5, "tshirt", imaging.GREEN)
    item_id = wardrobe.ingest_bytes(data, "IMG_0005.jpg").item_id
    before = wardrobe.item(item_id)
    assert before.background_removed
    old_vector = wardrobe.embeddings([item_id])[0]
    wardrobe.update_item(item_id, subtype="polo")
    set_note(wardrobe, item_id, "only a small part of the photo was kept")
    kept = wardrobe.keep_original(item_id)
    assert not kept.background_removed and kept.review_note == ""
    assert kept.subtype == "polo"  # the person's edit survives the re-tag
    assert kept.original_path.read_bytes() == data  # the original itself is never touched
    with Image.open(kept.cutout_path) as cut, Image.open(kept.original_path) as original:
        assert cut.size == original.size
        assert np.asarray(cut.getchannel("A")).min() == 255  # nothing removed
    new_vector = wardrobe.embeddings([item_id])[0]
    assert not np.allclose(new_vector, old_vector)  # re-embedded from the whole photo
    entry = wardrobe.vectors.entries()[item_id]
    np.testing.assert_allclose(entry.embedding, new_vector, atol=1e-5)


def test_the_review_note_is_cleared_by_a_review_or_an_edit(wardrobe: Wardrobe) -> None:
    a = wardrobe.ingest_bytes(photo(1), "a.jpg").item_id
    b = wardrobe.ingest_bytes(photo(2, "trousers", imaging.NAVY), "b.jpg").item_id
    assert wardrobe.item(a).review_note == ""
    for item_id in (a, b):
        set_note(wardrobe, item_id, "several disjoint pieces")
        assert wardrobe.item(item_id).review_note == "several disjoint pieces"
    assert wardrobe.mark_reviewed(a).review_note == ""
    assert wardrobe.update_item(b, notes="from the market").review_note == ""


def test_the_review_note_travels_in_an_export(settings: Settings, tmp_path: Path) -> None:
    with Wardrobe.open(settings) as w:
        item_id = w.ingest_bytes(photo(1), "a.jpg").item_id
        set_note(w, item_id, "low mask confidence")
        w.export_zip(tmp_path / "export.zip")
    fresh = dataclasses.replace(settings, home=tmp_path / "fresh")
    with Wardrobe.open(fresh) as w:
        w.import_zip(tmp_path / "export.zip")
        assert w.item(item_id).review_note == "low mask confidence"


def test_an_export_from_before_the_review_note_still_imports(
        settings: Settings, tmp_path: Path) -> None:
    with Wardrobe.open(settings) as w:
        item_id = w.ingest_bytes(photo(1), "a.jpg").item_id
        w.export_zip(tmp_path / "export.zip")
    old = tmp_path / "old.zip"
    with zipfile.ZipFile(tmp_path / "export.zip") as src, zipfile.ZipFile(old, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "tables.json":
                data = data.replace(b', "review_note": ""', b"")
                assert b"review_note" not in data
            dst.writestr(info, data)
    with Wardrobe.open(dataclasses.replace(settings, home=tmp_path / "fresh")) as w:
        w.import_zip(old)
        assert w.item(item_id).review_note == ""


def test_upgrading_a_0002_database_gives_items_an_empty_review_note(tmp_path: Path) -> None:
    from alembic import command

    engine = create_database_engine(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(text(
            "INSERT INTO items (id, category, subtype, colours, name, notes, seasons, "
            "original_path, cutout_path, thumbnail_path, sha256, pending_embedding, "
            "background_removed, available, user_edited, created, times_worn) VALUES ('i1', "
            "'top', '', '[]', 'IMG_1', '', '[]', 'o', 'c', 't', 'x', 0, 1, 1, '[]', :created, 0)"
        ), {"created": datetime(2025, 1, 1)})
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT review_note FROM items")).scalar_one() == ""


# --- names people read ------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "", "IMG_4312", "img_4312.JPG", "DSC01234", "PXL_20231012_123456789", "MVIMG_20200101_1",
    "WhatsApp Image 2024-01-02 at 10.11.12", "Screenshot 2024-01-02 at 10.11.12", "20240101_101010",
    "3f2a9c4e8b7d4e0fa1b2c3d4e5f60718", "3f2a9c4e-8b7d-4e0f-a1b2-c3d4e5f60718",
    "IMG_4312 (top)", "photo (2)",
])
def test_file_names_and_ids_are_not_names(name: str) -> None:
    assert looks_like_file_name(name)


@pytest.mark.parametrize("name", ["navy chinos", "Mum's scarf", "Levi's 501", "white sneakers 2",
                                  "imagine dragons tee", "pic-nic dress"])
def test_names_people_give_are_kept(name: str) -> None:
    assert not looks_like_file_name(name)


def test_generated_names_are_colour_and_type_and_unique() -> None:
    assert readable_name(("navy", "white"), "Chinos", "bottom") == "navy chinos"
    assert readable_name((), "", "shoes") == "shoes"
    assert readable_name(("red",), "", "outerwear") == "red jacket"
    assert readable_name(("black",), "hoodie", "shoes") == "black shoes"  # not a shoe's type
    assert readable_name(("blue",), "sunglasses", "bottom") == "blue bottoms"
    assert unique_name("white sneakers", ["White Sneakers", "white sneakers 2"]) == "white sneakers 3"
    assert is_generated("white sneakers 3", ("white",), "sneakers", "shoes")
    assert not is_generated("my sneakers", ("white",), "sneakers", "shoes")
    shown = shown_names([
        ("a", "IMG_1", "sneakers", ("white",), "shoes"),
        ("b", "white sneakers", "sneakers", ("white",), "shoes"),
        ("c", "", "sneakers", ("white",), "shoes"),
    ])
    assert shown == {"a": "white sneakers 2", "b": "white sneakers", "c": "white sneakers 3"}


def _record(item_id: str, name: str, category: str, subtype: str, colour: str,
            created: int) -> ItemRecord:
    here = Path(".")
    return ItemRecord(item_id, category, subtype, (colour,), name, "", (), None, here, here, here,
                      item_id, None, False, True, True, datetime(2025, 1, created), 0, None,
                      frozenset())


def test_pickers_group_by_category_and_never_show_file_names() -> None:
    items = [
        _record("s1", "PXL_20231012_1", "shoes", "sneakers", "white", 1),
        _record("t1", "zebra tee", "top", "t-shirt", "black", 2),
        _record("s2", "", "shoes", "sneakers", "white", 3),
        _record("b1", "3f2a9c4e8b7d4e0fa1b2c3d4e5f60718", "bottom", "chinos", "navy", 4),
        _record("t2", "IMG_9", "top", "shirt", "blue", 5),
    ]
    names = display_names(items)
    ordered = [picker_label(i, names) for i in picker_order(items, names)]
    assert ordered == ["Tops · blue shirt", "Tops · zebra tee", "Bottoms · navy chinos",
                       "Shoes · white sneakers", "Shoes · white sneakers 2"]
    assert display_name(items[0]) == "white sneakers"


def test_a_prepared_items_review_note_is_written_with_its_row(wardrobe: Wardrobe) -> None:
    """The hook the cut-out check fills at ingest: PreparedItem.review_note -> items.review_note."""
    from core.photos.item_builder import original_name, prepare_item
    from core.wardrobe.writes import new_item, write_new_items

    stores = wardrobe._stores  # the write path itself, below the service
    loaded = stores.load_image(photo(9), "a.jpg")
    prepared = dataclasses.replace(
        prepare_item(loaded.image, (original_name(loaded.format), loaded.data), stores.remover,
                     stores.encoder),
        review_note="only a small part of the photo was kept")
    new = new_item(stores, prepared, loaded.sha256, name="red top")
    write_new_items(stores, [new])
    assert wardrobe.item(new.row.id).review_note == "only a small part of the photo was kept"


def test_a_doubtful_cut_out_is_flagged_for_review_at_ingest(wardrobe: Wardrobe) -> None:
    """A grey top with a small red print: the tiny background model keeps only the print (as
    the real one did on a bear-print shirt). The item is stored, and flagged with the reason."""
    image = imaging.garment_image("tshirt", (150, 150, 150), size=(240, 320))
    ImageDraw.Draw(image).rectangle((105, 140, 135, 175), fill=imaging.RED)
    flagged = wardrobe.ingest_bytes(imaging.encode(image), "printed.jpg")
    plain = wardrobe.ingest_bytes(photo(1), "plain.jpg")
    assert flagged.status == plain.status == "added"
    assert "of the photo" in wardrobe.item(flagged.item_id).review_note
    assert wardrobe.item(plain.item_id).review_note == ""
    wardrobe.reprocess_background(flagged.item_id)  # the same model: the doubt stays
    assert "of the photo" in wardrobe.item(flagged.item_id).review_note
    wardrobe.keep_original(flagged.item_id)  # the person chose: no more doubt
    assert wardrobe.item(flagged.item_id).review_note == ""
