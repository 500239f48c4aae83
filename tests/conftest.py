"""Shared fixtures: tiny but real models, built once per test session.

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

import numpy as np
import pytest

from core.config import Settings, load_settings

# The throwaway PostgreSQL cluster and per-test databases (tests/test_postgres.py uses them).
pytest_plugins = ("tests.postgres",)

TINY_REMBG_FILE = "tiny-saliency.onnx"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _byte_level_alphabet() -> list[str]:
    """GPT-2/CLIP's byte -> printable-unicode table: every byte has one visible character, so a
    vocabulary of these 256 symbols (plus their word-final forms) can tokenize any text."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                 *range(ord("®"), ord("ÿ") + 1)]
    chars = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in chars:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]


def byte_level_vocab() -> dict[str, int]:
    """A BPE vocabulary with no merges: every byte as a symbol and as a word end, plus CLIP's
    start/end tokens. Tokenizes any text (one token per byte); used by the tiny CLIP and by
    benchmarks/encode.py, which only needs token ids, not meaningful ones."""
    alphabet = _byte_level_alphabet()
    vocab: dict[str, int] = {}
    for symbol in [*alphabet, *(c + "</w>" for c in alphabet), "<|startoftext|>",
                   "<|endoftext|>"]:
        vocab[symbol] = len(vocab)
    return vocab


def build_tiny_clip(folder: Path, projection_dim: int = 512) -> Path:
    """Write a tiny CLIP saved like a hub snapshot (config, safetensors weights, tokenizer,
    preprocessor) into `folder`, loadable with `CLIPModel/CLIPProcessor.from_pretrained`."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer

    vocab = byte_level_vocab()
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[])
    bos, eos = vocab["<|startoftext|>"], vocab["<|endoftext|>"]
    config = CLIPConfig(
        text_config={
            "vocab_size": len(vocab), "hidden_size": 32, "intermediate_size": 64,
            "num_hidden_layers": 2, "num_attention_heads": 2, "max_position_embeddings": 77,
            "bos_token_id": bos, "eos_token_id": eos, "pad_token_id": eos,
        },
        vision_config={
            "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 2, "image_size": 32, "patch_size": 16,
        },
        projection_dim=projection_dim,
    )
    torch.manual_seed(0)
    model = CLIPModel(config).eval()
    processor = CLIPImageProcessor(size={"shortest_edge": 32},
                                   crop_size={"height": 32, "width": 32})
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


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


def _tiny_saliency_onnx(path: Path) -> None:
    """Write a U²-Net-shaped saliency model: undo rembg's ImageNet normalisation, measure how
    far each pixel is from grey (|r-g|, |g-b|, |r-b| via a 1x1 conv + ReLU), smooth over 3x3 and
    squash with a sigmoid. Saturated garments on grey backgrounds come out salient; greys,
    blacks and whites do not (a limitation of this test model only)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    differences = np.array(
        [[1, -1, 0], [-1, 1, 0], [0, 1, -1], [0, -1, 1], [1, 0, -1], [-1, 0, 1]], np.float32
    )
    std, mean = np.array(IMAGENET_STD, np.float32), np.array(IMAGENET_MEAN, np.float32)
    w1 = (differences * std[None, :]).reshape(6, 3, 1, 1)  # conv(x) = D @ (x * std + mean)
    b1 = differences @ mean
    gain, threshold = 30.0, 6.0
    w2 = np.full((1, 6, 3, 3), gain / 9.0, np.float32)
    b2 = np.array([-threshold], np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["input.1", "w1", "b1"], ["diff"]),
            helper.make_node("Relu", ["diff"], ["colourfulness"]),
            helper.make_node("Conv", ["colourfulness", "w2", "b2"], ["logit"], pads=[1, 1, 1, 1]),
            helper.make_node("Sigmoid", ["logit"], ["saliency"]),
        ],
        "tiny_saliency",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, 320, 320])],
        [helper.make_tensor_value_info("saliency", TensorProto.FLOAT, [1, 1, 320, 320])],
        initializer=[
            numpy_helper.from_array(w1.astype(np.float32), "w1"),
            numpy_helper.from_array(b1.astype(np.float32), "b1"),
            numpy_helper.from_array(w2, "w2"),
            numpy_helper.from_array(b2, "b2"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


@pytest.fixture(scope="session")
def tiny_rembg_model(rembg_home: Path) -> str:
    """Absolute path of the tiny ONNX model inside U2NET_HOME: the value WHAT2WEAR_REMBG_MODEL
    takes for a custom model (a `.onnx` path makes rembg use its `u2net_custom` session)."""
    path = rembg_home / TINY_REMBG_FILE
    if not path.exists():
        _tiny_saliency_onnx(path)
    return str(path)


@pytest.fixture
def settings(tmp_path: Path, tiny_clip_dir: Path, tiny_rembg_model: str,
             monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for a fresh home in a temporary folder, using the tiny models. Any WHAT2WEAR_*
    variable of the developer's shell is cleared so tests never reach a real database."""
    for name in list(os.environ):
        if name.startswith("WHAT2WEAR_"):
            monkeypatch.delenv(name)
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
