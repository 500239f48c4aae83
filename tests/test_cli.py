"""The real command line (`core.cli.main.main`, and `python -m core.cli` in a second process), with
the tiny models selected through the same environment variables a person would set."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from base.config import Settings
from core.cli.main import main
from core.wardrobe.service import Wardrobe
from db.vectors import VectorStore, chroma_client
from devkit import imaging
from tests.servers import run_with_deadline

REPO = Path(__file__).resolve().parents[1]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    (folder / "shirt.jpg").write_bytes(imaging.garment_photo("tshirt", imaging.RED, seed=1))
    (folder / "sub" / "jeans.png").write_bytes(
        imaging.garment_photo("trousers", imaging.BLUE, fmt="PNG", seed=1))
    (folder / "readme.txt").write_text("not a photo, and not picked up from a folder")
    return folder


def test_ingest_summarises_and_exit_status_reflects_refusals(
    cli_env: Settings, photos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "ingest", str(photos))
    assert code == 0, out + err
    assert "2 photo(s): 2 added, 0 duplicate, 0 refused" in out
    assert "ingesting" in err  # the progress bar

    bad = tmp_path / "holiday.jpg"
    bad.write_bytes(imaging.text_file())
    missing = tmp_path / "gone.jpg"
    code, out, _ = run_cli(capsys, "ingest", str(photos / "shirt.jpg"), str(bad), str(missing))
    assert code == 1
    assert "3 photo(s): 0 added, 1 duplicate, 2 refused" in out
    assert f"refused    {bad}: not an image file" in out
    assert f"refused    {missing}: cannot read the file" in out
    assert f"duplicate  {photos / 'shirt.jpg'}" in out

    code, out, _ = run_cli(capsys, "list", "--json")
    listed = json.loads(out)
    assert code == 0 and len(listed) == 2
    assert all({"id", "category", "colours", "cutout_path"} <= set(row) for row in listed)
    code, out, _ = run_cli(capsys, "list")
    assert "2 item(s)" in out and all(row["id"] in out for row in listed)


def test_ingest_lists_skipped_files_and_refuses_pipes_and_huge_files_without_reading(
    cli_env: Settings, photos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe, huge = tmp_path / "pipe.jpg", photos / "huge.jpg"  # a pipe named explicitly
    os.mkfifo(pipe)
    with huge.open("wb") as f:
        f.truncate(2 * 2**30)  # sparse: 2 GB that takes no disk space
    (photos / ".DS_Store").write_bytes(b"\0")
    try:
        code, out, err = run_with_deadline(
            lambda: run_cli(capsys, "ingest", str(photos), str(pipe)), 120)
    finally:
        with contextlib.suppress(OSError):  # release a reader stuck on the pipe, if any
            os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
    assert code == 1, out + err
    assert "4 photo(s): 2 added, 0 duplicate, 2 refused, 2 other file(s) skipped" in out
    assert "Traceback" not in err
    assert f"refused    {pipe}: not a photo file: it is a named pipe" in out
    assert f"refused    {huge}: the file is 2,048 MB, more than the 50 MB a photo may have" in out
    assert f"skipped    {photos / 'readme.txt'}: not a photo (extension .txt;" in out
    assert "skipped    1 hidden file(s)" in out


def test_a_chroma_url_with_a_wrong_scheme_is_one_line_without_the_password(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "doctor")[0] == 0  # a home to list
    monkeypatch.setenv("WHAT2WEAR_CHROMA_URL", "ftp://user:s3cret@host:1")
    code, out, err = run_cli(capsys, "list")
    assert code == 2 and not out
    assert err.strip() == ("error: WHAT2WEAR_CHROMA_URL='ftp://user:***@host:1': expected "
                           "http(s)://host:port")


def test_outfit_photos_are_listed_with_items_by_slot(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    look = tmp_path / "look.jpg"
    look.write_bytes(imaging.outfit_photo(seed=1))
    code, out, _ = run_cli(capsys, "ingest", "--outfit", str(look))
    assert code == 0 and "1 added" in out and "outfit recorded: 0 pieces matched to your items, 3 added as new" in out
    code, out, _ = run_cli(capsys, "outfits", "--json")
    outfits = json.loads(out)
    assert code == 0 and len(outfits) == 1 and outfits[0]["source"] == "photo"
    assert {slot: v["category"] for slot, v in outfits[0]["items"].items()} == {
        "top": "top", "bottom": "bottom", "shoes": "shoes"}
    code, out, _ = run_cli(capsys, "outfits")
    assert "1 outfit(s)" in out and "shoes" in out
    # The same photo again, under another name: a duplicate, not a second outfit.
    again = tmp_path / "look-again.jpg"
    again.write_bytes(look.read_bytes())
    code, out, _ = run_cli(capsys, "ingest", "--outfit", str(again))
    assert code == 0 and "0 added, 1 duplicate, 0 refused" in out
    assert f"duplicate  {again}: the same photo is already outfit {outfits[0]['id']}" in out
    code, out, _ = run_cli(capsys, "outfits")
    assert "1 outfit(s)" in out


def test_an_unexpected_failure_refuses_that_file_and_the_batch_goes_on(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "doctor")[0] == 0  # a fresh home (`list` would not create one)...
    (cli_env.home / "images").write_text("")  # ...whose image folder is now a plain file
    first, second = tmp_path / "monday.jpg", tmp_path / "tuesday.jpg"
    first.write_bytes(imaging.outfit_photo(seed=1))
    second.write_bytes(imaging.outfit_photo(seed=2))
    code, out, _ = run_cli(capsys, "ingest", "--outfit", str(first), str(second))
    assert code == 1 and "2 outfit photo(s): 0 added, 0 duplicate, 2 refused" in out
    for path in (first, second):  # the first failure did not stop the second file
        assert f"refused    {path}: could not be processed:" in out
    code, out, _ = run_cli(capsys, "outfits")
    assert "0 outfit(s)" in out


def test_doctor_reports_then_repairs_drift(
    cli_env: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "ingest", str(photos))
    client = chroma_client(cli_env)  # between two commands nobody holds the home
    store = VectorStore(client)
    first, second = sorted(store.ids())
    entry = store.entries([second])[second]
    store.delete([first])  # a row without its vector: found and fixed by any start-up
    store.upsert(["orphan"], np.ones((1, 512), np.float32), ["top"], "m")  # a vector, no row
    changed = entry.embedding.copy()
    changed[:8] = -changed[:8]  # a vector whose values drifted: only doctor compares values
    store.upsert([second], changed[None], [entry.category], entry.embedding_model)
    client.close()
    for _ in range(2):  # a check only looks: the second finds exactly what the first did
        code, out, _ = run_cli(capsys, "doctor", "--check-only")
        assert code == 1 and "repaired" not in out
        assert "problem: 1 item(s) missing from the vector index" in out
        assert "problem: 1 vector(s) without an item" in out
        assert "problem: 1 vector(s) differ from the database" in out
    code, out, _ = run_cli(capsys, "doctor")
    assert "repaired at start-up: 1 item(s) missing from the vector index" in out
    assert "repaired at start-up: 1 vector(s) without an item" in out
    assert code == 0 and "repaired 3 thing(s); all consistent" in out
    code, out, _ = run_cli(capsys, "doctor", "--check-only")
    assert code == 0 and "no problems" in out


def test_reindex_embeds_items_stored_while_the_encoder_was_missing(
    cli_env: Settings, photos: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("WHAT2WEAR_CLIP_MODEL", "/nonexistent/clip")
    code, out, _ = run_cli(capsys, "ingest", str(photos))
    assert code == 0 and "pending embedding" in out
    code, _, err = run_cli(capsys, "reindex")
    assert code == 1 and "/nonexistent/clip" in err
    rows = json.loads(run_cli(capsys, "list", "--json")[1])
    assert all(r["pending_embedding"] and r["category"] == "unknown" for r in rows)
    monkeypatch.setenv("WHAT2WEAR_CLIP_MODEL", cli_env.clip_model)
    code, out, _ = run_cli(capsys, "reindex")
    assert code == 0 and "embedded 2 item(s)" in out
    rows = json.loads(run_cli(capsys, "list", "--json")[1])
    assert not any(r["pending_embedding"] or r["category"] == "unknown" for r in rows)


def test_export_then_import_into_empty_home_only(
    cli_env: Settings, photos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run_cli(capsys, "ingest", str(photos))
    archive = tmp_path / "backup.zip"
    code, out, _ = run_cli(capsys, "export", str(archive))
    assert code == 0 and "exported 2 item(s)" in out and archive.is_file()
    source = json.loads(run_cli(capsys, "list", "--json")[1])
    monkeypatch.setenv("WHAT2WEAR_HOME", str(tmp_path / "new-home"))
    code, out, _ = run_cli(capsys, "import", str(archive))
    assert code == 0 and "imported 2 item(s)" in out
    copied = json.loads(run_cli(capsys, "list", "--json")[1])
    strip = ("original_path", "cutout_path", "thumbnail_path")
    assert [{k: v for k, v in r.items() if k not in strip} for r in copied] == [
        {k: v for k, v in r.items() if k not in strip} for r in source]
    code, _, err = run_cli(capsys, "import", str(archive))
    assert code == 1 and str(archive) in err and "not empty" in err


def test_second_process_is_refused_while_the_home_is_held(
    cli_env: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "ingest", str(photos))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "core.cli", "list"]
    with Wardrobe.open(cli_env) as holder:
        before = holder.vectors.entries()
        second = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                                timeout=120)
        assert second.returncode != 0
        assert f"in use by process {os.getpid()}" in second.stderr
        assert str(cli_env.home) in second.stderr
        assert "Traceback" not in second.stderr
        # The holder's index is intact.
        after = holder.vectors.entries()
        assert set(after) == set(before) and len(after) == 2
        assert holder.doctor().ok
    third = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=120)
    assert third.returncode == 0 and "2 item(s)" in third.stdout


def test_database_url_moves_the_database_with_no_code_change(
    cli_env: Settings, photos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sqlalchemy import create_engine, text

    elsewhere = tmp_path / "elsewhere.sqlite3"
    monkeypatch.setenv("WHAT2WEAR_DATABASE_URL", f"sqlite:///{elsewhere}")
    code, out, _ = run_cli(capsys, "ingest", str(photos))
    assert code == 0 and "2 added" in out
    assert elsewhere.is_file() and not cli_env.sqlite_path.exists()
    with create_engine(f"sqlite:///{elsewhere}").connect() as connection:
        assert connection.execute(text("select count(*) from items")).scalar() == 2
