"""The storage layer on its own: migrations, the Chroma vector store, the home lock, atomic
image folders, embedding bytes and archive validation.

The tests in MIGRATION_TESTS take the `database_url` fixture; tests/test_postgres.py runs them
again on a PostgreSQL server by overriding it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from base.config import Settings, load_settings
from db.archive import FORMAT, FORMAT_VERSION, ImportRefused, read_archive
from db.database import alembic_config, create_database_engine, migrate
from db.files import ImageFiles
from db.lock import HomeLock, HomeLocked
from db.mapping import embedding_from_bytes, embedding_to_bytes
from db.schema import Base
from db.vectors import COLLECTION, VectorStore, chroma_client, collection_name

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The empty database under test: here a SQLite file."""
    return f"sqlite:///{tmp_path / 'w.sqlite3'}"


def test_migrations_create_exactly_the_models_schema(database_url: str) -> None:
    engine = create_database_engine(database_url)
    migrate(engine)
    migrate(engine)  # idempotent: every start runs it
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert context.get_current_revision() == head
    tables = set(inspect(engine).get_table_names())
    assert {"items", "outfits", "outfit_items", "feedback", "wears"} <= tables
    unique = inspect(engine).get_unique_constraints("items")
    assert any(c["column_names"] == ["sha256"] for c in unique)


def test_upgrading_an_initial_schema_database_keeps_its_outfits(database_url: str) -> None:
    engine = create_database_engine(database_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(
            text("INSERT INTO outfits (id, source, created, score, saved) "
                 "VALUES ('o1', 'photo', :created, NULL, :saved)"),
            {"created": datetime(2025, 1, 1), "saved": True},  # typed: PostgreSQL is strict
        )
    migrate(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, photo_sha256 FROM outfits")).all()
    assert [tuple(r) for r in rows] == [("o1", None)]


# Run again by tests/test_postgres.py against a PostgreSQL server.
MIGRATION_TESTS = (
    test_migrations_create_exactly_the_models_schema,
    test_upgrading_an_initial_schema_database_keeps_its_outfits,
)


def test_embedding_bytes_round_trip_is_exact() -> None:
    vector = np.random.default_rng(0).standard_normal(512).astype(np.float32)
    data = embedding_to_bytes(vector)
    assert len(data) == 512 * 4
    np.testing.assert_array_equal(embedding_from_bytes(data), vector)


def _store(tmp_path: Path) -> VectorStore:
    return VectorStore.connect(Settings(home=tmp_path / "home"))


def test_vector_store_is_cosine_filtered_and_explicit(tmp_path: Path) -> None:
    store = _store(tmp_path)
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((4, 512)).astype(np.float32)
    store.upsert(["a", "b"], vectors[:2], ["top", "top"], "clip-1")
    store.upsert(["c"], vectors[2:3], ["shoes"], "clip-1")
    store.upsert(["d"], vectors[3:4], ["top"], "clip-2")
    assert store.ids() == {"a", "b", "c", "d"} and store.count() == 4
    # Cosine: a scaled copy of a vector is a perfect match.
    hits = store.nearest(vectors[0] * 7.5, k=3, category="top", model="clip-1")
    assert [h[0] for h in hits] == ["a", "b"]
    assert hits[0][1] == pytest.approx(1.0, abs=1e-4)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert hits[1][1] == pytest.approx(float(unit[0] @ unit[1]), abs=1e-4)
    assert [h[0] for h in store.nearest(vectors[2], k=5, category="shoes")] == ["c"]
    assert [h[0] for h in store.nearest(vectors[3], k=5, model="clip-2")] == ["d"]
    entry = store.entries(["d"])["d"]
    assert (entry.category, entry.embedding_model) == ("top", "clip-2")
    np.testing.assert_allclose(entry.embedding, vectors[3], rtol=1e-6)
    store.delete(["a", "d"])
    assert store.ids() == {"b", "c"}
    assert store.collection.metadata.get("hnsw:space") == "cosine" or (
        store.collection.configuration_json.get("hnsw", {}).get("space") == "cosine")


def test_each_database_gets_its_own_collection_on_a_server() -> None:
    home = Settings(home=Path("/tmp/h"))
    assert collection_name(home) == COLLECTION  # embedded: the home's own folder

    def on_server(url: str) -> str:
        return collection_name(dataclasses.replace(home, chroma_url="http://x:1",
                                                   database_url=url))

    assert on_server("postgresql://u:secret@db/w") == on_server("postgresql://u:other@db/w")
    assert on_server("postgresql://u@db/w") != on_server("postgresql://u@db/other")
    assert "secret" not in on_server("postgresql://u:secret@db/w")


def test_chroma_url_is_validated() -> None:
    bad = dataclasses.replace(Settings(home=Path("/tmp")), chroma_url="localhost:8000")
    with pytest.raises(ValueError, match="WHAT2WEAR_CHROMA_URL"):
        chroma_client(bad)


def test_a_chroma_url_with_a_wrong_scheme_never_shows_its_password() -> None:
    bad = dataclasses.replace(Settings(home=Path("/tmp")), chroma_url="ftp://user:s3cret@host:1")
    with pytest.raises(ValueError, match="WHAT2WEAR_CHROMA_URL") as refused:
        chroma_client(bad)
    assert "s3cret" not in str(refused.value)
    assert "ftp://user:***@host:1" in str(refused.value)  # still says which URL is wrong


def test_server_urls_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHAT2WEAR_DATABASE_URL", "postgresql+psycopg://u@db/w2w")
    monkeypatch.setenv("WHAT2WEAR_CHROMA_URL", "http://vectors:8000")
    settings = load_settings(home="/tmp/somewhere")
    assert settings.effective_database_url == "postgresql+psycopg://u@db/w2w"
    assert settings.chroma_url == "http://vectors:8000"


def test_home_lock_refuses_a_second_holder_and_names_the_pid(tmp_path: Path) -> None:
    first = HomeLock(tmp_path / ".lock").acquire()
    with pytest.raises(HomeLocked) as refused:
        HomeLock(tmp_path / ".lock").acquire()
    assert refused.value.pid == os.getpid()
    assert f"process {os.getpid()}" in str(refused.value) and str(tmp_path) in str(refused.value)
    first.release()
    HomeLock(tmp_path / ".lock").acquire().release()


def test_home_lock_dies_with_its_process(tmp_path: Path) -> None:
    """A crashed owner never leaves a stale lock: the OS drops it with the process."""
    script = (
        "import os, sys; from pathlib import Path; from db.lock import HomeLock; "
        f"HomeLock(Path({str(tmp_path / '.lock')!r})).acquire(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script], cwd=REPO, check=True, timeout=60,
                   env={**os.environ, "PYTHONPATH": str(REPO)})
    HomeLock(tmp_path / ".lock").acquire().release()


def test_item_files_appear_complete_or_not_at_all(tmp_path: Path) -> None:
    files = ImageFiles(tmp_path)
    paths = files.write_item("abc", {"original.jpg": b"1", "cutout.png": b"2"})
    assert paths == {"original.jpg": "images/abc/original.jpg", "cutout.png": "images/abc/cutout.png"}
    assert files.absolute(paths["cutout.png"]).read_bytes() == b"2"
    with pytest.raises(TypeError):
        files.write_item("broken", {"original.jpg": b"1", "cutout.png": None})  # type: ignore[dict-item]
    assert files.item_folders() == {"abc"}  # no half-written folder under an item's name
    assert files.leftovers() == []
    with pytest.raises(FileExistsError):
        files.write_item("abc", {"original.jpg": b"again"})


def _zip(path: Path, entries: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_archive_validation_names_the_file_and_the_reason(tmp_path: Path) -> None:
    manifest = json.dumps({"format": FORMAT, "version": FORMAT_VERSION})
    item = "0123456789abcdef" * 2  # an id as the app makes them (uuid4().hex)
    newer = _zip(tmp_path / "newer.zip", {
        "manifest.json": json.dumps({"format": FORMAT, "version": FORMAT_VERSION + 1}),
        "tables.json": "{}"})
    escaping = _zip(tmp_path / "escape.zip", {
        "manifest.json": manifest,
        "tables.json": json.dumps({"items": [{
            "id": item, "sha256": "0", "original_path": "../../etc/passwd",
            "cutout_path": f"images/{item}/cutout.png",
            "thumbnail_path": f"images/{item}/thumbnail.png"}]}),
    })
    incomplete = _zip(tmp_path / "incomplete.zip", {
        "manifest.json": manifest,
        "tables.json": json.dumps({"items": [{
            "id": item, "sha256": "0", "original_path": f"images/{item}/original.jpg",
            "cutout_path": f"images/{item}/cutout.png",
            "thumbnail_path": f"images/{item}/thumbnail.png"}]}),
    })
    no_manifest = _zip(tmp_path / "plain.zip", {"photo.jpg": b"..."})
    for path, reason in ((newer, "newer than this program"), (escaping, "unexpected file path"),
                         (incomplete, "is missing"), (no_manifest, "not a What2Wear export")):
        with pytest.raises(ImportRefused, match=reason) as refused:
            read_archive(path)
        assert str(path) in str(refused.value)
