"""Shared fixtures: tiny but real models (built by devkit/tiny_models.py), once per session.

The production code loads FashionCLIP through transformers' `from_pretrained` and background
removal through rembg's sessions. Tests run offline, so instead of mocking either we *build*
small models of the same kinds and hand them to exactly those loading paths:

- `tiny_clip_dir`: a 2-layer CLIP (projection 512, like FashionCLIP) with a byte-level
  tokenizer and an image processor, written by `save_pretrained` (safetensors) to a folder.
- `tiny_rembg_model`: a small ONNX saliency net with the U²-Net interface (1x3x320x320 ->
  1x1x320x320), written into a temporary `U2NET_HOME` and selected by its path, which makes
  rembg use its `u2net_custom` session.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

# Never touch the network from tests: the hub is offline, and a missing file must fail fast.
# Set before anything imports huggingface_hub (it reads this once, at import).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest

from base.config import Settings, load_settings
from devkit.tiny_models import TINY_REMBG_FILE, build_tiny_clip, tiny_saliency_onnx

# The throwaway PostgreSQL cluster and per-test databases (tests/test_postgres.py uses them).
pytest_plugins = ("tests.postgres",)


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny CLIP with FashionCLIP's projection size (512)."""
    return build_tiny_clip(tmp_path_factory.mktemp("tiny-clip"))


@pytest.fixture(scope="session")
def tiny_clip_256_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another encoder, of another projection size: what switching WHAT2WEAR_CLIP_MODEL to a
    different model does to a home."""
    return build_tiny_clip(tmp_path_factory.mktemp("tiny-clip-256"), projection_dim=256)


@pytest.fixture(scope="session", autouse=True)
def rembg_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private U2NET_HOME for the whole session, so no test reads or writes ~/.u2net."""
    home = tmp_path_factory.mktemp("u2net-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("U2NET_HOME", str(home))
        yield home


@pytest.fixture(scope="session")
def tiny_rembg_model(rembg_home: Path) -> str:
    """Absolute path of the tiny ONNX model inside U2NET_HOME: the value WHAT2WEAR_REMBG_MODEL
    takes for a custom model (a `.onnx` path makes rembg use its `u2net_custom` session)."""
    path = rembg_home / TINY_REMBG_FILE
    if not path.exists():
        tiny_saliency_onnx(path)
    return str(path)


@pytest.fixture
def settings(tmp_path: Path, tiny_clip_dir: Path, tiny_rembg_model: str,
             monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for a fresh home in a temporary folder, using the tiny models. Any WHAT2WEAR_*
    variable of the developer's shell is cleared so tests never reach a real database."""
    for name in list(os.environ):
        if name.startswith("WHAT2WEAR_"):
            monkeypatch.delenv(name)
    # The synthetic outfit photos (devkit.imaging) are colour blocks, not people: the pose
    # model is off for them (the seed's rows cut them). Tests of the pose model turn it on
    # and use real photos (tests/test_outfit_parts.py).
    monkeypatch.setenv("WHAT2WEAR_POSE_MODEL", "none")
    return dataclasses.replace(
        load_settings(home=tmp_path / "home"),
        clip_model=str(tiny_clip_dir),
        rembg_model=tiny_rembg_model,
    )


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the CLI (which reads only the environment) at the test home and tiny models."""
    monkeypatch.setenv("WHAT2WEAR_HOME", str(settings.home))
    monkeypatch.setenv("WHAT2WEAR_CLIP_MODEL", settings.clip_model)
    monkeypatch.setenv("WHAT2WEAR_REMBG_MODEL", settings.rembg_model)
    return settings
