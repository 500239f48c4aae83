"""Colour tags against colours labelled by eye on real photos, before and after issue 10.

    .venv/bin/python benchmarks/colours.py [--show]

Photos and labels: tests/fixtures/colours/ (36 real CC0 phone photos, colours decided by
looking at each; see its README). The set is split in two halves, two photos of each kind in
each: "tune" (the anchors and thresholds in core/photos/tagging.py were chosen looking at these)
and "report" (not looked at while tuning). Both are printed.

Each photo goes the app's way: `load_image` (upright, <= 2048 px), background removal, then the
colour tagger on the cut-out. Background removal: rembg's real models cannot be downloaded
here, so two settings are measured: "none" (WHAT2WEAR_REMBG_MODEL=none: the uncut photo) and
"tiny-saliency" (devkit's tiny ONNX saliency model run by rembg's own u2net_custom session; it
treats saturated pixels as foreground, so it is a poor stand-in for U²-Net on real photos).

"before" is main's tagger at commit 7042d8d (benchmarks/colours_before.py), "after" today's.
Metrics per photo: top-1 right = the first colour named is one of the labelled colours;
main right = it is the labelled main colour; all right = every colour named is labelled.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FIXTURES = ROOT / "tests" / "fixtures" / "colours"

from PIL import Image  # noqa: E402

from benchmarks import colours_before  # noqa: E402
from core.photos import tagging  # noqa: E402
from core.photos.background import BackgroundRemover  # noqa: E402
from core.photos.images import load_image  # noqa: E402
from devkit.tiny_models import TINY_REMBG_FILE, tiny_saliency_onnx  # noqa: E402

Tagger = Callable[[Image.Image], tuple[str, ...]]


def labelled() -> dict[str, list[str]]:
    """File name -> labelled colours (main first)."""
    data = json.loads((FIXTURES / "labels.json").read_text())["photos"]
    return {name: entry["colours"] for name, entry in data.items()}


def split(names: list[str]) -> dict[str, list[str]]:
    """Two photos of each kind to "tune", two to "report" (sorted by name within a kind)."""
    kinds: dict[str, list[str]] = {}
    data = json.loads((FIXTURES / "labels.json").read_text())["photos"]
    for name in sorted(names):
        kinds.setdefault(data[name]["kind"], []).append(name)
    halves: dict[str, list[str]] = {"tune": [], "report": []}
    for members in kinds.values():
        middle = len(members) // 2
        halves["tune"] += members[:middle]
        halves["report"] += members[middle:]
    return halves


def cut_outs(remover: BackgroundRemover, names: list[str]) -> dict[str, Image.Image]:
    images = {}
    for name in names:
        loaded = load_image((FIXTURES / name).read_bytes(), name, max_pixels=200_000_000,
                            max_side=2048)
        images[name] = remover.cut_out(loaded.image).rgba
    return images


def score(tagger: Tagger, images: dict[str, Image.Image], labels: dict[str, list[str]],
          names: list[str]) -> tuple[float, float, float, dict[str, tuple[str, ...]]]:
    found = {name: tagger(images[name]) for name in names}
    top1 = sum(bool(found[n]) and found[n][0] in labels[n] for n in names) / len(names)
    main = sum(bool(found[n]) and found[n][0] == labels[n][0] for n in names) / len(names)
    every = sum(bool(found[n]) and set(found[n]) <= set(labels[n]) for n in names) / len(names)
    return top1, main, every, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every photo's colours")
    args = parser.parse_args()
    labels = labelled()
    halves = split(list(labels))
    with tempfile.TemporaryDirectory() as home:
        os.environ["U2NET_HOME"] = home
        model = Path(home) / TINY_REMBG_FILE
        tiny_saliency_onnx(model)
        removals = {"none": BackgroundRemover("none"),
                    "tiny-saliency": BackgroundRemover(str(model))}
        images = {label: cut_outs(remover, list(labels)) for label, remover in removals.items()}
    taggers: dict[str, Tagger] = {"before": colours_before.main_colours,
                                  "after": tagging.main_colours}
    print(f"{len(labels)} labelled photos: tune {len(halves['tune'])}, "
          f"report {len(halves['report'])}\n")
    print("| half | background removal | tagger | top-1 right | main right | all right |")
    print("| --- | --- | --- | --- | --- | --- |")
    shown: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
    for half in ("tune", "report"):
        for removal in removals:
            for label, tagger in taggers.items():
                top1, main_, every, found = score(tagger, images[removal], labels, halves[half])
                shown.setdefault((removal, label), {}).update(found)
                n = len(halves[half])
                print(f"| {half} | {removal} | {label} | {top1:.0%} ({round(top1 * n)}/{n}) | "
                      f"{main_:.0%} | {every:.0%} |")
    if args.show:
        for (removal, label), found in shown.items():
            print(f"\n{removal} / {label}")
            for half in ("tune", "report"):
                for name in halves[half]:
                    mark = "ok" if found[name] and found[name][0] in labels[name] else "--"
                    print(f"  {half:6} {mark} {name[:8]} labelled {labels[name]} "
                          f"found {list(found[name])}")


if __name__ == "__main__":
    main()
