"""Encoder and ingest speed on this CPU, printed as Markdown tables.

    .venv/bin/python benchmarks/encode.py [--threads 2] [--photos 6]

1. The machine's own float32 matrix-multiply rate (best of a few 1024^3 GEMMs), measured first
   in the same run, so the encoder's speed can be stated as a fraction of what this CPU can do.
2. Images/s of a full-size ViT-B/32 CLIP built from the default `CLIPConfig()` (random
   weights: speed does not depend on them) through our `FashionEncoder`, batch 1 and batch 32,
   with the achieved FLOP/s (analytic FLOPs of the vision tower) / measured GEMM FLOP/s.
3. Seconds per photo for the whole ingest path (read -> load/orient -> background removal ->
   encode -> tags) with removal off, with U²-Net-small (u2netp) and with full U²-Net (u2net).
   Where rembg's real weights are absent, the real architectures are built here with random
   weights and exported to ONNX (same input size, same FLOPs), then run by rembg's own code.

Photos: the real ones in ../shared/fixtures/photos when present, else synthetic ones.
Absolute numbers depend on whatever else the machine is doing; ratios are measured side by side.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PHOTOS = ROOT.parent.parent / "shared" / "fixtures" / "photos"
if not PHOTOS.is_dir():
    PHOTOS = Path("/work/shared/fixtures/photos")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (torch and ONNX)")
    parser.add_argument("--photos", type=int, default=5, help="photos per ingest configuration")
    return parser.parse_args()


ARGS = _parse()
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)  # rembg passes this to onnxruntime
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from base.config import load_settings  # noqa: E402
from core.photos.background import BackgroundRemover  # noqa: E402
from core.photos.encoder import FashionEncoder  # noqa: E402
from core.photos.images import load_image  # noqa: E402
from core.photos.tagging import prompt_vectors, tag_item  # noqa: E402
from devkit import imaging  # noqa: E402
from devkit.tiny_models import byte_level_vocab  # noqa: E402

torch.set_num_threads(ARGS.threads)


def best_seconds(work: Callable[[], object], repeats: int) -> float:
    """Fastest of `repeats` runs: the least disturbed by other processes on a shared machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def gemm_flops(n: int = 1024, repeats: int = 8) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)  # warm-up
    return 2 * n**3 / best_seconds(lambda: torch.mm(a, b), repeats)


def vision_flops(config) -> float:
    """FLOPs (2 x multiply-adds) of one image through the CLIP vision tower + projection."""
    v = config.vision_config
    tokens = (v.image_size // v.patch_size) ** 2 + 1
    d, mlp = v.hidden_size, v.intermediate_size
    patch_embed = (tokens - 1) * 3 * v.patch_size**2 * d
    per_layer = 4 * tokens * d * d + 2 * tokens * d * mlp + 2 * tokens * tokens * d
    projection = d * config.projection_dim
    return 2.0 * (patch_embed + v.num_hidden_layers * per_layer + projection)


def vit_b32_encoder() -> FashionEncoder:
    from transformers import (
        CLIPConfig,
        CLIPImageProcessor,
        CLIPModel,
        CLIPProcessor,
        CLIPTokenizer,
    )

    config = CLIPConfig()  # ViT-B/32 at 224 px, projection 512: FashionCLIP's shape
    torch.manual_seed(0)
    model = CLIPModel(config).eval()
    processor = CLIPProcessor(image_processor=CLIPImageProcessor(),
                              tokenizer=CLIPTokenizer(vocab=byte_level_vocab(), merges=[]))
    return FashionEncoder(name="random ViT-B/32", model=model, processor=processor,
                          dim=config.projection_dim)


# --- U²-Net (Qin et al. 2020), the architecture of rembg's u2net / u2netp -----------------

class ConvBnRelu(nn.Sequential):
    def __init__(self, cin: int, cout: int, dilation: int = 1) -> None:
        super().__init__(nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def _up(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return nn.functional.interpolate(x, size=like.shape[2:], mode="bilinear", align_corners=False)


class RSU(nn.Module):
    """Residual U-block of height L; `dilated` = the RSU-4F variant (no pooling)."""

    def __init__(self, height: int, cin: int, mid: int, cout: int, dilated: bool = False) -> None:
        super().__init__()
        self.dilated = dilated
        self.conv_in = ConvBnRelu(cin, cout)
        rates = [1, 2, 4, 8] if dilated else [1] * (height - 1) + [2]
        self.encoder = nn.ModuleList(
            ConvBnRelu(cout if i == 0 else mid, mid, rates[i]) for i in range(height)
        )
        self.decoder = nn.ModuleList(
            ConvBnRelu(2 * mid, cout if i == height - 2 else mid,
                       rates[height - 2 - i] if dilated else 1)
            for i in range(height - 1)
        )
        self.pool = nn.MaxPool2d(2, stride=2, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_in = self.conv_in(x)
        skips, h = [], x_in
        for i, conv in enumerate(self.encoder):
            h = conv(h)
            skips.append(h)
            if not self.dilated and i < len(self.encoder) - 2:
                h = self.pool(h)
        h = skips.pop()
        for conv in self.decoder:
            skip = skips.pop()
            if not self.dilated:
                h = _up(h, skip)
            h = conv(torch.cat([h, skip], dim=1))
        return h + x_in


class U2Net(nn.Module):
    def __init__(self, small: bool) -> None:
        super().__init__()
        if small:  # u2netp, 4.7 MB
            enc = [(7, 3, 16, 64), (6, 64, 16, 64), (5, 64, 16, 64), (4, 64, 16, 64),
                   (4, 64, 16, 64), (4, 64, 16, 64)]
            dec = [(4, 128, 16, 64), (4, 128, 16, 64), (5, 128, 16, 64), (6, 128, 16, 64),
                   (7, 128, 16, 64)]
        else:  # u2net, 176 MB
            enc = [(7, 3, 32, 64), (6, 64, 32, 128), (5, 128, 64, 256), (4, 256, 128, 512),
                   (4, 512, 256, 512), (4, 512, 256, 512)]
            dec = [(4, 1024, 256, 512), (4, 1024, 128, 256), (5, 512, 64, 128),
                   (6, 256, 32, 64), (7, 128, 16, 64)]
        self.stages = nn.ModuleList(RSU(h, i, m, o, dilated=k >= 4) for k, (h, i, m, o)
                                    in enumerate(enc))
        self.decoders = nn.ModuleList(RSU(h, i, m, o, dilated=k == 0) for k, (h, i, m, o)
                                      in enumerate(dec))
        sides = [enc[-1][3]] + [d[3] for d in dec]
        self.sides = nn.ModuleList(nn.Conv2d(c, 1, 3, padding=1) for c in sides)
        self.fuse = nn.Conv2d(6, 1, 1)
        self.pool = nn.MaxPool2d(2, stride=2, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips, h = [], x
        for i, stage in enumerate(self.stages):
            h = stage(h if i == 0 else self.pool(h))
            skips.append(h)
        outs = [h]
        h = skips.pop()
        for decoder in self.decoders:
            skip = skips.pop()
            h = decoder(torch.cat([_up(h, skip), skip], dim=1))
            outs.append(h)
        maps = [_up(side(o), x) for side, o in zip(self.sides, outs, strict=True)]
        return torch.sigmoid(self.fuse(torch.cat(maps[::-1], dim=1)))


def conv_flops(net: nn.Module, size: int = 320) -> float:
    """FLOPs (2 x multiply-adds) of the convolutions of one forward pass, counted with hooks."""
    total = 0.0

    def count(module: nn.Conv2d, _inputs: object, output: torch.Tensor) -> None:
        nonlocal total
        k = module.kernel_size[0] * module.kernel_size[1]
        total += 2.0 * output.numel() * module.in_channels // module.groups * k

    hooks = [m.register_forward_hook(count) for m in net.modules() if isinstance(m, nn.Conv2d)]
    with torch.inference_mode():
        net(torch.zeros(1, 3, size, size))
    for hook in hooks:
        hook.remove()
    return total


def rembg_model(name: str, home: Path) -> tuple[str, str]:
    """(WHAT2WEAR_REMBG_MODEL value, description): the real weights if rembg has them, else
    the same architecture with random weights exported to ONNX inside `home` (U2NET_HOME)."""
    from rembg.sessions.base import BaseSession

    real = [Path(BaseSession.legacy_home()) / f"{name}.onnx",
            Path(os.path.expanduser("~/.u2net")) / f"{name}.onnx",
            Path(os.path.expanduser("~/.rembg")) / "models" / name / f"{name}.onnx"]
    target = home / f"{name}.onnx"
    net = U2Net(small=name == "u2netp").eval()
    gflop = conv_flops(net) / 1e9
    for path in real:
        if path.is_file():
            target.symlink_to(path)
            return str(target), f"{name} (real weights, {gflop:.0f} GFLOP)"
    params = sum(p.numel() for p in net.parameters())
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (torch.zeros(1, 3, 320, 320),), str(target), dynamo=False,
                          input_names=["input.1"], output_names=["d0"], opset_version=17)
    size_mb = target.stat().st_size / 1e6
    return str(target), (f"{name} architecture, random weights ({params / 1e6:.2f} M params, "
                         f"{size_mb:.1f} MB, {gflop:.0f} GFLOP at 320²)")


def photo_files(count: int) -> tuple[list[tuple[str, bytes]], str]:
    if PHOTOS.is_dir():
        files = sorted(PHOTOS.glob("*/*.jpg"))
        if files:
            step = max(1, len(files) // count)
            chosen = files[::step][:count]
            return [(f.name, f.read_bytes()) for f in chosen], \
                f"{len(chosen)} real phone photos ({PHOTOS})"
    kinds = imaging.GARMENT_KINDS
    made = [(f"synthetic-{i}.jpg", imaging.garment_photo(kinds[i % len(kinds)], seed=i,
                                                          size=(400, 533)))
            for i in range(count)]
    return made, f"{count} synthetic 400x533 JPEGs (real photos not found)"


@dataclass
class Stages:
    """Seconds of each stage, one entry per photo."""

    load: list[float] = field(default_factory=list)
    removal: list[float] = field(default_factory=list)
    encode: list[float] = field(default_factory=list)
    tags: list[float] = field(default_factory=list)

    def totals(self) -> list[float]:
        return [sum(t) for t in zip(self.load, self.removal, self.encode, self.tags, strict=True)]


def ingest_one(name: str, data: bytes, remover: BackgroundRemover, encoder: FashionEncoder,
               stages: Stages) -> bool:
    """One photo through the ingest path, adding each stage's seconds to `stages`."""
    settings = load_settings()
    t0 = time.perf_counter()
    loaded = load_image(data, name, max_pixels=settings.max_image_pixels,
                        max_side=settings.max_image_side)
    t1 = time.perf_counter()
    cut = remover.cut_out(loaded.image)
    t2 = time.perf_counter()
    vector = encoder.encode_images([cut.on_white])[0]
    t3 = time.perf_counter()
    tag_item(encoder, vector, cut.rgba)
    t4 = time.perf_counter()
    stages.load.append(t1 - t0)
    stages.removal.append(t2 - t1)
    stages.encode.append(t3 - t2)
    stages.tags.append(t4 - t3)
    return cut.removed


def main() -> None:
    started = time.perf_counter()
    print(f"threads: {ARGS.threads} (torch and onnxruntime); CPU: {os.cpu_count()} visible; "
          f"load average at start: {os.getloadavg()[0]:.2f}\n")

    peak = gemm_flops()
    encoder = vit_b32_encoder()
    flops = vision_flops(encoder.model.config)
    image = imaging.garment_image(size=(400, 533))
    encoder.encode_images([image])  # warm-up
    rates = {}
    for batch, repeats in ((1, 8), (32, 2)):
        images = [image] * batch
        rates[batch] = batch / best_seconds(lambda im=images, b=batch: encoder.encode_images(
            im, batch_size=b), repeats)
        peak = max(peak, gemm_flops())  # re-measured between runs: best rate seen is the peak
    print("| encoder (ViT-B/32 @224, random weights) | images/s | GFLOP/s achieved | "
          "fraction of measured GEMM rate |")
    print("|---|---:|---:|---:|")
    print(f"| float32 GEMM 1024³ (`torch.mm`), best of 24 | – | {peak / 1e9:.1f} | 1.00 |")
    for batch, rate in rates.items():
        print(f"| batch {batch} (incl. preprocessing) | {rate:.1f} | {rate * flops / 1e9:.1f} | "
              f"{rate * flops / peak:.2f} |")
    print(f"\nVision tower: {flops / 1e9:.2f} GFLOP per image (= {flops / 2e9:.2f} G "
          "multiply-adds), counted analytically.\n")

    photos, source = photo_files(ARGS.photos)
    prompt_vectors(encoder)  # once per process in the app too; not part of per-photo time
    with tempfile.TemporaryDirectory() as home:
        os.environ["U2NET_HOME"] = home
        configs = [("off (`none`)", "none")]
        for name in ("u2netp", "u2net"):
            value, description = rembg_model(name, Path(home))
            configs.append((description, value))
        print(f"Ingest path, {source}, configurations interleaved photo by photo; stages are "
              "median seconds per photo, then the median and best total:\n")
        print("| background removal | load + orient | removal | encode (batch 1) | tags | "
              "median s/photo | best s/photo | cut out |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        removers = [BackgroundRemover(value) for _, value in configs]
        for remover in removers:
            if remover.enabled:
                assert remover.ready, remover.message
                remover.cut_out(image)  # warm-up: session creation is once per process
        stages = [Stages() for _ in configs]
        removed = [0 for _ in configs]
        for name, data in photos:  # interleaved, so machine load hits every row alike
            for i, remover in enumerate(removers):
                removed[i] += ingest_one(name, data, remover, encoder, stages[i])
        for (description, _), s, cut in zip(configs, stages, removed, strict=True):
            med = statistics.median
            print(f"| {description} | {med(s.load):.3f} | {med(s.removal):.3f} | "
                  f"{med(s.encode):.3f} | {med(s.tags):.3f} | {med(s.totals()):.2f} | "
                  f"{min(s.totals()):.2f} | {cut}/{len(photos)} |")
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}; "
          f"benchmark wall time {time.perf_counter() - started:.0f} s")
    if not np.isfinite(peak):
        raise SystemExit("GEMM measurement failed")


if __name__ == "__main__":
    main()
