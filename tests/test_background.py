"""Background removal through rembg's real code with the tiny ONNX model from conftest."""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest

from core.photos.background import BackgroundRemover, CutOut
from devkit import imaging


def test_tiny_model_cuts_out_the_garment(tiny_rembg_model: str) -> None:
    remover = BackgroundRemover(tiny_rembg_model)
    assert remover.ready and remover.message is None
    cut = remover.cut_out(imaging.garment_image("tshirt", imaging.RED, size=(240, 320)))
    assert isinstance(cut, CutOut) and cut.removed
    assert cut.rgba.mode == "RGBA" and cut.rgba.size == (240, 320)
    alpha = np.asarray(cut.rgba.getchannel("A"))
    assert alpha[150:200, 100:140].min() > 200  # shirt body opaque
    assert alpha[:20, :20].max() < 40  # grey background transparent
    white = np.asarray(cut.on_white)
    assert cut.on_white.mode == "RGB"
    assert white[:20, :20].min() > 240  # composited on white
    red = white[150:200, 100:140].reshape(-1, 3).mean(axis=0)
    assert red[0] > 150 and red[1] < 80


def test_one_session_per_model_per_process(tiny_rembg_model: str) -> None:
    first, second = BackgroundRemover(tiny_rembg_model), BackgroundRemover(tiny_rembg_model)
    assert first.session is not None
    assert first.session is second.session


def test_relative_onnx_name_is_found_in_u2net_home(tiny_rembg_model: str) -> None:
    remover = BackgroundRemover(Path(tiny_rembg_model).name)
    assert remover.ready
    assert remover.cut_out(imaging.garment_image()).removed


def _missing_name() -> str:
    return f"missing-{uuid.uuid4().hex}.onnx"  # unique: the failure cache is process-wide


def test_missing_model_keeps_photo_and_warns_once(caplog: pytest.LogCaptureFixture,
                                                  rembg_home: Path) -> None:
    name = _missing_name()
    photo = imaging.garment_image(seed=5)
    with caplog.at_level(logging.WARNING, logger="core.photos.background"):
        remover = BackgroundRemover(name)
        cuts = [remover.cut_out(photo), BackgroundRemover(name).cut_out(photo)]
        ready, message = remover.ready, remover.message
    assert not ready
    for cut in cuts:
        assert not cut.removed
        assert np.array_equal(np.asarray(cut.on_white), np.asarray(photo))
        assert np.asarray(cut.rgba.getchannel("A")).min() == 255
    assert message is not None
    assert name in message and str(rembg_home) in message and "none" in message
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert name in warnings[0].getMessage()


def test_missing_builtin_model_fails_fast_offline(monkeypatch: pytest.MonkeyPatch,
                                                 rembg_home: Path) -> None:
    # A closed local port as proxy: the download is attempted (real rembg/pooch code) and fails
    # at once, and the test can never download anything even on a networked machine.
    for variable in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    remover = BackgroundRemover("u2netp")
    remover.retry()  # start clean even if another test already tried this name
    assert not remover.ready
    message = remover.message or ""
    assert "u2netp" in message and "could not be downloaded" in message
    assert "WHAT2WEAR_REMBG_MODEL" in message
    assert str(rembg_home / "models" / "u2netp") in message  # where to put the file
    assert not remover.cut_out(imaging.garment_image()).removed


def test_model_outside_u2net_home_is_explained(tiny_rembg_model: str, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.onnx"
    shutil.copy(tiny_rembg_model, outside)
    remover = BackgroundRemover(str(outside))
    assert not remover.ready
    assert "U2NET_HOME" in (remover.message or "")


def test_unknown_model_name_is_explained() -> None:
    remover = BackgroundRemover(f"no-such-model-{uuid.uuid4().hex}")
    assert not remover.ready
    assert "no model called" in (remover.message or "")


def test_retry_picks_up_a_model_put_in_place_later(tiny_rembg_model: str,
                                                   rembg_home: Path) -> None:
    name = _missing_name()
    remover = BackgroundRemover(name)
    assert not remover.ready
    shutil.copy(tiny_rembg_model, rembg_home / name)
    assert not remover.ready  # the failure is remembered: no retry per photo
    assert remover.retry()
    assert remover.cut_out(imaging.garment_image()).removed


def test_none_switches_removal_off(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="core.photos.background"):
        remover = BackgroundRemover("none")
        cut = remover.cut_out(imaging.garment_image())
    assert not remover.enabled and not remover.ready
    assert "switched off" in (remover.message or "")
    assert not cut.removed
    assert not caplog.records


def test_cut_out_of_rotated_upright_image_is_not_rotated_again(tiny_rembg_model: str) -> None:
    from core.photos.images import load_image

    loaded = load_image(imaging.exif_rotated_jpeg(size=(120, 200)), "phone.jpg",
                        max_pixels=10**7, max_side=2048)
    cut = BackgroundRemover(tiny_rembg_model).cut_out(loaded.image)
    assert cut.rgba.size == (120, 200)  # rembg's own orientation fix found nothing to do
