"""Tiny but real models for tests, benchmarks and demos, loaded through the production paths.

The app loads FashionCLIP through transformers' `from_pretrained` and background removal
through rembg's sessions. Nothing can be downloaded here, so instead of mocking either these
*build* small models of the same kinds, to hand to exactly those loading paths:

- `build_tiny_clip`: a 2-layer CLIP (projection 512 like FashionCLIP, or another size) with a
  byte-level tokenizer and an image processor, written by `save_pretrained` (safetensors);
- `tiny_saliency_onnx`: a small ONNX saliency net with the U²-Net interface (1x3x320x320 ->
  1x1x320x320), for rembg's `u2net_custom` session (it must lie inside U2NET_HOME).

Never imported by the app (import-linter forbids it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

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


def tiny_saliency_onnx(path: Path) -> None:
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
