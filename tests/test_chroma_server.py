"""Server mode: the ingestion tests of test_wardrobe.py, run against a real `chroma run` server.

Only WHAT2WEAR_CHROMA_URL changes (here: `Settings.chroma_url`); the service code is the same.
One server is started for this module on a free port of 127.0.0.1 and stopped at the end; each
test starts from an empty collection.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from base.config import Settings
from db.vectors import chroma_client, collection_name
from tests import test_wardrobe
from tests.servers import free_port, stop

START_TIMEOUT_S = 60.0

# The same test functions, collected again in this module, where `wardrobe_settings` (below)
# points them at the server: parametrised over the store mode without copying them.
for _test in test_wardrobe.INGESTION_TESTS:
    globals()[_test.__name__] = _test
wardrobe = test_wardrobe.wardrobe  # the fixture that opens the service on `wardrobe_settings`


def _chroma_executable() -> str | None:
    beside_python = Path(sys.executable).with_name("chroma")
    return str(beside_python) if beside_python.exists() else shutil.which("chroma")



@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `chroma run` server on 127.0.0.1; yields its URL once its heartbeat answers."""
    executable = _chroma_executable()
    if executable is None:
        pytest.skip("the `chroma` command is not installed")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log_path = data.parent / "chroma-server.log"
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [executable, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(data)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        probe = dataclasses.replace(Settings(home=data), chroma_url=url)
        while True:
            if server.poll() is not None:
                pytest.fail(f"chroma run exited with {server.returncode}: "
                            f"{log_path.read_text(errors='replace')[-2000:]}")
            try:
                chroma_client(probe).heartbeat()
                break
            except Exception:
                if time.monotonic() > deadline:
                    pytest.fail(f"chroma run did not answer within {START_TIMEOUT_S:.0f} s")
                time.sleep(0.2)
        yield url
    finally:
        stop(server, timeout=10)


@pytest.fixture
def wardrobe_settings(settings: Settings, chroma_server: str) -> Settings:
    """The store mode under test: the SQLite file of a fresh home + the Chroma server. The
    server outlives each test; every fresh database gets its own collection on it."""
    return dataclasses.replace(settings, chroma_url=chroma_server)


def test_two_wardrobes_share_a_server_without_touching_each_other(
    wardrobe_settings: Settings, tmp_path: Path
) -> None:
    from core.wardrobe.service import Wardrobe
    from devkit import imaging

    other = dataclasses.replace(wardrobe_settings, home=tmp_path / "second-home")
    assert collection_name(other) != collection_name(wardrobe_settings)
    with Wardrobe.open(wardrobe_settings) as first:
        mine = first.ingest_bytes(imaging.garment_photo(seed=1), "a.jpg").item_id
    with Wardrobe.open(other) as second:  # its start-up reconciliation must not delete `mine`
        theirs = second.ingest_bytes(imaging.garment_photo(seed=2), "b.jpg").item_id
        assert second.vectors.ids() == {theirs}
    with Wardrobe.open(wardrobe_settings) as first:
        assert first.vectors.ids() == {mine} and first.startup_report.ok


def test_server_mode_really_uses_the_server(wardrobe_settings: Settings) -> None:
    from core.wardrobe.service import Wardrobe
    from devkit import imaging

    with Wardrobe.open(wardrobe_settings) as w:
        item = w.ingest_bytes(imaging.garment_photo(seed=1), "a.jpg").item_id
        assert not wardrobe_settings.chroma_path.exists()  # no embedded folder was made
    # Seen from an independent client of the server:
    collection = chroma_client(wardrobe_settings).get_collection(collection_name(wardrobe_settings))
    assert collection.get(ids=[item])["ids"] == [item]
    assert collection.metadata.get("hnsw:space") == "cosine" or (
        collection.configuration_json.get("hnsw", {}).get("space") == "cosine")
