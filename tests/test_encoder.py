"""The encoder, loaded from the tiny CLIP folder through the same `from_pretrained` path as
FashionCLIP."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from core.photos.encoder import EncoderUnavailable, FashionEncoder, load_encoder
from devkit import imaging


@pytest.fixture(scope="module")
def encoder(tiny_clip_dir: Path) -> FashionEncoder:
    return load_encoder(str(tiny_clip_dir))


def _photos(n: int) -> list:
    colours = [imaging.RED, imaging.BLUE, imaging.GREEN, imaging.YELLOW, imaging.NAVY]
    kinds = ["tshirt", "trousers", "dress", "shoe", "tshirt"]
    return [imaging.garment_image(kinds[i % 5], colours[i % 5], seed=i) for i in range(n)]


def test_loads_once_per_process_from_safetensors(encoder: FashionEncoder,
                                                 tiny_clip_dir: Path) -> None:
    assert load_encoder(str(tiny_clip_dir)) is encoder
    assert encoder.name == str(tiny_clip_dir) and encoder.dim == 512
    saved = load_file(str(tiny_clip_dir / "model.safetensors"))
    projection = encoder.model.visual_projection.weight.detach().numpy()
    assert np.array_equal(projection, saved["visual_projection.weight"])


def test_image_vectors_are_unit_float32(encoder: FashionEncoder) -> None:
    vectors = encoder.encode_images(_photos(5))
    assert vectors.shape == (5, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(vectors[0], vectors[1], atol=1e-3)  # different photos differ


def test_batching_does_not_change_vectors(encoder: FashionEncoder) -> None:
    photos = _photos(5)
    together = encoder.encode_images(photos, batch_size=32)
    one_by_one = np.concatenate([encoder.encode_images([p]) for p in photos])
    uneven = encoder.encode_images(photos, batch_size=2)
    assert np.allclose(together, one_by_one, atol=1e-5)
    assert np.allclose(together, uneven, atol=1e-5)


def test_text_vectors(encoder: FashionEncoder) -> None:
    texts = ["a red t-shirt", "blue jeans", "white sneakers", "a winter coat", "a handbag"]
    vectors = encoder.encode_texts(texts)
    assert vectors.shape == (5, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    singles = np.concatenate([encoder.encode_texts([t]) for t in texts])
    assert np.allclose(vectors, singles, atol=1e-5)  # padding does not leak into features
    assert not np.allclose(vectors[0], vectors[1], atol=1e-3)


def test_empty_inputs(encoder: FashionEncoder) -> None:
    assert encoder.encode_images([]).shape == (0, 512)
    assert encoder.encode_texts([]).shape == (0, 512)


def test_unreachable_hub_id_is_a_clear_error() -> None:
    # conftest sets HF_HUB_OFFLINE, as on an offline machine: no local copy, no download.
    with pytest.raises(EncoderUnavailable) as caught:
        load_encoder("no-such-owner/no-such-fashion-model")
    message = str(caught.value)
    assert "no-such-owner/no-such-fashion-model" in message
    assert "WHAT2WEAR_CLIP_MODEL" in message and "folder" in message


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EncoderUnavailable) as caught:
        load_encoder(str(tmp_path / "not" / "there"))
    assert "does not exist" in str(caught.value)


def test_folder_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty-model").mkdir()
    with pytest.raises(EncoderUnavailable) as caught:
        load_encoder(str(tmp_path / "empty-model"))
    assert "config.json" in str(caught.value)
