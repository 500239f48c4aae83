"""Background removal through rembg's real code with the tiny ONNX model from conftest."""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.photos.background import BackgroundRemover, CutOut, cutout_doubt
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


# --- the cut-out doubt check (core/photos/maskcheck.py) ------------------------------------------

def _mask(size: tuple[int, int] = (300, 400)) -> np.ndarray:
    return np.zeros((size[1], size[0]), np.uint8)


def _alpha(mask: np.ndarray) -> Image.Image:
    return Image.fromarray(mask, mode="L")


def test_a_whole_garment_raises_no_doubt() -> None:
    mask = _mask()
    mask[60:360, 70:230] = 255  # ~40 % of the photo, one piece
    assert cutout_doubt(_alpha(mask)) is None
    rgba = Image.new("RGBA", (300, 400), (200, 30, 30, 255))
    rgba.putalpha(_alpha(mask))
    assert cutout_doubt(rgba) is None  # an RGBA cut-out is judged by its alpha


def test_a_pair_of_shoes_is_two_pieces_and_fine() -> None:
    mask = _mask()
    mask[150:330, 30:140] = 255
    mask[150:330, 160:270] = 255
    assert cutout_doubt(_alpha(mask)) is None


def test_only_a_print_kept_is_flagged() -> None:
    mask = _mask()
    mask[170:230, 120:180] = 255  # a 60x60 print on a shirt: 3 % of the photo
    reason = cutout_doubt(_alpha(mask))
    assert reason is not None and "only 3% of the photo" in reason


def test_a_garment_in_pieces_is_flagged() -> None:
    mask = _mask()
    for top in (40, 140, 240, 330):
        mask[top:top + 50, 60:240] = 255
    reason = cutout_doubt(_alpha(mask))
    assert reason is not None and "4 separate pieces" in reason


def test_an_unsure_mask_is_flagged() -> None:
    mask = _mask()
    rng = np.random.default_rng(0)
    mask[60:360, 70:230] = rng.integers(70, 190, size=(300, 160))
    mask[60:360:4, 70:230] = 255  # some solid pixels, most half-transparent
    reason = cutout_doubt(_alpha(mask))
    assert reason is not None and "unsure" in reason and "half-transparent" in reason


def test_a_kept_background_is_flagged() -> None:
    mask = np.full((400, 300), 255, np.uint8)
    mask[100:300, 80:220] = 0  # the garment removed, the bed around it kept
    reason = cutout_doubt(_alpha(mask))
    assert reason is not None and "edges" in reason


def test_nothing_removed_raises_no_doubt() -> None:
    assert cutout_doubt(Image.new("RGBA", (300, 400), (10, 20, 30, 255))) is None


def test_cut_out_carries_its_doubt(tiny_rembg_model: str) -> None:
    remover = BackgroundRemover(tiny_rembg_model)
    good = remover.cut_out(imaging.garment_image("tshirt", imaging.RED, size=(240, 320)))
    assert good.removed and good.doubt is None
    # A grey long-sleeve with a small red print on a grey floor: the tiny model (like the real
    # one on the red bear-print shirt) keeps only the print.
    photo = imaging.garment_image("tshirt", (150, 150, 150), size=(240, 320))
    ImageDraw.Draw(photo).rectangle((105, 140, 135, 175), fill=imaging.RED)
    printed = remover.cut_out(photo)
    assert printed.removed
    assert printed.doubt is not None and "of the photo" in printed.doubt
    assert remover.cut_out(photo).doubt == printed.doubt  # deterministic
    off = BackgroundRemover("none").cut_out(photo)
    assert not off.removed and off.doubt is None
