"""Garment regions of labelled photos cut by a synthetic frame: inventions and found slivers.

Why: the issue's hard rule is that a garment outside the frame is never invented, and the
labelled photos hold only one photo cut at the hips (unsplash_03_04). So each labelled photo
with a top and a bottom is also cut (benchmarks/outfit_parts.py's own labels, no new ones):

- at the top's hem: 12 px above where the top ends or the bottom first shows (the label grid
  is 25 px), kept when that leaves more than 100 px of the top; nothing but the top is in the
  frame, so a bottom or shoes found there are invented;
- into the bottom: 0.15 and 0.35 of the labelled bottom's height below where it starts, below
  the top's hem (one-pieces left out), at least 20 px above the photo's own edge; the bottom
  is then the sliver from its labelled start to the new edge, and shoes found are invented.

    .venv/bin/python benchmarks/outfit_cuts.py [--split NAME ...] [--per-photo]

Only the splits named (default: the 11 labelled up to round 11, DESIGN) are read; a split
added later (an unseen report set) is never read unless named.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.outfit_parts import load_labelled, vertical_iou
from core.photos import pose_model as pm
from core.photos.background import CutOut
from core.photos.garment_regions import GarmentRegions, find_regions

DESIGN = ("tuning", "held-out", "fresh", "fresh-3", "fresh-5", "fresh-6", "fresh-7", "fresh-8",
          "fresh-9", "fresh-10", "fresh-11")  # round 12's design splits
HEM_MARGIN = 12  # px above the top's hem (half the labels' 25 px grid)
INTO_BOTTOM = (0.15, 0.35)  # shares of the labelled bottom's height below its start


def _cut(cutout: CutOut, edge: int, model: pm.PoseModel) -> GarmentRegions:
    image = cutout.rgba.convert("RGB")
    part = image.crop((0, 0, image.width, edge))
    return find_regions(CutOut(part.convert("RGBA"), part, False), model)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", nargs="*", default=list(DESIGN))
    parser.add_argument("--per-photo", action="store_true")
    args = parser.parse_args()
    model = pm.PoseModel(pm.configured_path("") or pm.default_model_path(), threads=2)
    invented_at_hem: list[tuple[str, list[str]]] = []
    cuts_at_hem = 0
    slivers: dict[float, list[float]] = {share: [] for share in INTO_BOTTOM}
    sliver_shoes = 0
    for split in args.split:
        for name, cutout, truth in load_labelled(split):
            top, bottom = truth["top"], truth["bottom"]
            if top is None or bottom is None:
                continue
            height = cutout.rgba.height
            edge = min(top[3], bottom[1]) - HEM_MARGIN
            if edge - top[1] > 100 and edge < height - 20:
                cuts_at_hem += 1
                found = _cut(cutout, edge, model)
                extra = [p for p in ("bottom", "shoes") if p in found.boxes]
                if extra:
                    invented_at_hem.append((name, extra))
            if top[:2] == bottom[:2] or bottom[3] - bottom[1] < 100:
                continue  # a one-piece, or too short a bottom to cut into
            for share in INTO_BOTTOM:
                edge = int(bottom[1] + share * (bottom[3] - bottom[1]))
                if top[3] >= edge or edge > height - 20:
                    continue
                found = _cut(cutout, edge, model)
                box = found.boxes.get("bottom")
                score = vertical_iou(box, (0, bottom[1], 0, edge)) if box else 0.0
                slivers[share].append(score)
                sliver_shoes += "shoes" in found.boxes
                if args.per_photo:
                    print(f"{name} cut {share} into the bottom: vertical IoU {score:.2f}"
                          f"{' (missing)' if box is None else ''}")
    print(f"splits: {', '.join(args.split)}")
    print(f"cut at the top's hem: {cuts_at_hem} photos, {len(invented_at_hem)} with a garment "
          f"invented ({sum(len(e) for _, e in invented_at_hem)} garments)")
    for name, extra in invented_at_hem:
        print(f"  {name}: {', '.join(extra)}")
    for share, scores in slivers.items():
        print(f"cut {share} into the bottom: {len(scores)} photos, bottom vertical IoU mean "
              f"{statistics.mean(scores or [0.0]):.3f}, reported missing "
              f"{sum(s == 0.0 for s in scores)}")
    print(f"shoes invented in the cuts into the bottom: {sliver_shoes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
