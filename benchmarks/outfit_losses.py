"""Where the garment regions lose: 1 − vertical IoU summed over labelled photos, by garment and side.

Each found garment's loss is given to the side (its start or its end) that lies further from
its label, as "starts too high", "ends too low" and so on; a labelled garment reported missing
loses 1 ("missing"). Photos are also split into those cut by the frame above the feet (no shoes
labelled) and the rest, so a group such as crops at the hips can be compared with full-body
photos. Only the splits named are read: by default round 17's 17 design splits
(benchmarks/train_hem.py ROUND_SPLITS[17]), so a split labelled later as an unseen check
(fresh-18) is never scored unless named.

    .venv/bin/python benchmarks/outfit_losses.py [--split S ...] [--threads 1]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.outfit_parts import SPLITS, Box, load_labelled, predicted, vertical_iou
from benchmarks.train_hem import ROUND_SPLITS
from core.photos import pose_model as pm
from core.photos.garment_regions import PARTS, find_regions


def loss_side(guess: Box | None, truth: Box) -> tuple[str, float]:
    """The side a garment's loss belongs to and the loss (1 − vertical IoU). Why: the start
    and the end of a region are placed by different rules, so a ranking by side says which
    rule to work on."""
    if guess is None:
        return "missing", 1.0
    loss = 1.0 - vertical_iou(guess, truth)
    height = max(1, truth[3] - truth[1])
    start, end = (guess[1] - truth[1]) / height, (guess[3] - truth[3]) / height
    if abs(start) >= abs(end):
        return ("starts too low" if start > 0 else "starts too high"), loss
    return ("ends too low" if end > 0 else "ends too high"), loss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", nargs="+", choices=SPLITS, default=list(ROUND_SPLITS[17]))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    model = pm.PoseModel(pm.configured_path("") or pm.default_model_path(), threads=args.threads)
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    framed: dict[tuple[str, str], list[float]] = defaultdict(list)
    photos = 0
    for split in args.split:
        for _name, cut, truth in load_labelled(split):
            photos += 1
            regions = find_regions(cut, model)
            kind = "cut above the feet" if truth["shoes"] is None else "feet in the photo"
            for part in PARTS:
                if truth[part] is None:
                    continue
                side, loss = loss_side(predicted(regions, part), truth[part])
                groups[(part, side)].append(loss)
                framed[(kind, part)].append(loss)
    print(f"{photos} labelled photos of {len(args.split)} splits: 1 − vertical IoU summed\n")
    print("| garment | side | loss | photos |\n|---|---|---:|---:|")
    for (part, side), losses in sorted(groups.items(), key=lambda kv: -sum(kv[1])):
        print(f"| {part} | {side} | {sum(losses):.2f} | {len(losses)} |")
    print("\n| photos | garment | labelled | loss | mean vertical IoU |\n|---|---|---:|---:|---:|")
    for (kind, part), losses in sorted(framed.items()):
        print(f"| {kind} | {part} | {len(losses)} | {sum(losses):.2f} | "
              f"{1 - sum(losses) / len(losses):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
