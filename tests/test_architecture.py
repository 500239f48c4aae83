"""The layout is checked by a machine: import-linter's contracts (pyproject.toml), and the two
rules a newcomer relies on when reading the folders."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from base.config import Settings
from base.vocabulary import SLOTS
from core.cli.main import main
from core.wardrobe import Wardrobe
from models.compat import load_model

REPO = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_models_and_db_never_import_core() -> None:
    upward = re.compile(r"^\s*(from|import)\s+(core|ui)\b", re.M)
    offenders = [str(p.relative_to(REPO)) for folder in ("models", "db", "base")
                 for p in (REPO / folder).rglob("*.py") if upward.search(p.read_text())]
    assert offenders == []


def test_every_core_module_lives_in_a_stage_package() -> None:
    loose = [p.name for p in (REPO / "core").glob("*.py") if p.name != "__init__.py"]
    assert loose == []
    for package in (p for p in (REPO / "core").iterdir() if p.is_dir() and p.name != "__pycache__"):
        init = package / "__init__.py"
        assert init.is_file() and init.read_text().lstrip().startswith('"""'), package


FIXTURE = REPO / "tests" / "fixtures" / "home-before-layout"


def test_a_home_and_a_model_saved_before_the_new_layout_still_load(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = json.loads((FIXTURE / "expected.json").read_text())
    shutil.copytree(FIXTURE / "home", settings.home)
    with Wardrobe.open(settings) as w:
        assert w.startup_report.ok, w.startup_report.problems
        items = {i.category: i for i in w.items()}
        assert {c: i.id for c, i in items.items()} == expected["items"]
        assert all(i.original_path.is_file() and not i.pending_embedding for i in items.values())
        [outfit] = w.outfits()
        assert outfit.id == expected["outfit"] and outfit.rating == 1
        assert [o.id for _, o in w.wear_history()] == [outfit.id]
        assert w.vectors.ids() == set(expected["items"].values()) and w.doctor().ok
        embeddings = w.embeddings([expected["items"][s] for s in ("top", "bottom", "shoes")])
    model = load_model(settings.compat_model_dir)
    assert model.version == expected["model_version"]
    x = np.zeros((1, len(SLOTS), embeddings.shape[1]), np.float32)
    x[0, :3] = embeddings
    mask = np.array([[True, True, True, False]])
    score = model.score(x, mask, np.array([list(SLOTS)], dtype=object))[0]
    assert score == pytest.approx(expected["score"], abs=1e-6)
    for name, value in (("WHAT2WEAR_HOME", settings.home), ("WHAT2WEAR_CLIP_MODEL",
                                                            settings.clip_model)):
        monkeypatch.setenv(name, str(value))
    assert main(["list"]) == 0 and "3 item(s)" in capsys.readouterr().out
