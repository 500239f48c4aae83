"""Time the garment rules after the pose, with one switch on and off, on the same poses.

Why: a rule's own cost (a few milliseconds) is far below the noise of whole-photo timings on a
shared machine (main against itself moved a split's median by 0.03 s in round 21), so it is
measured here on poses estimated once per photo and reused: per photo, the best of `--repeats`
runs of `find_regions` with the switch off and on, in alternating passes off / on / off / on.

    nice -n 15 .venv/bin/python benchmarks/rules_time.py --split S [--switch WHAT2WEAR_X]
        [--repeats 3] [--threads 1]

Prints the median and the slowest seconds per photo of each pass, and the median over photos of
(on − off) of the later pair.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.outfit_parts import SPLITS, load_labelled
from core.photos import pose_model as pm
from core.photos.garment_regions import find_regions


class _Reused:
    """The pose model's answers, estimated once per image and view and then reused."""

    def __init__(self, model: pm.PoseModel) -> None:
        self.model = model
        self.poses: dict[tuple[int, tuple[int, int], float], pm.Pose | None] = {}

    def estimate(self, image: Image.Image, extend_below: float = 0.0) -> pm.Pose | None:
        key = (hash(image.tobytes()), image.size, extend_below)
        if key not in self.poses:
            self.poses[key] = self.model.estimate(image, extend_below=extend_below)
        return self.poses[key]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, required=True)
    parser.add_argument("--switch", default="WHAT2WEAR_HANGING_SLEEVES")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    model = _Reused(pm.PoseModel(pm.configured_path("") or pm.default_model_path(),
                                 threads=args.threads))
    photos = [cut for _name, cut, _truth in load_labelled(args.split)]
    for cut in photos:
        find_regions(cut, model)  # estimate every pose once, outside the timing
    passes: list[tuple[str, list[float]]] = []
    for mode in ("off", "on", "off", "on"):
        os.environ[args.switch] = mode
        seconds = []
        for cut in photos:
            best = float("inf")
            for _ in range(args.repeats):
                start = time.perf_counter()
                find_regions(cut, model)
                best = min(best, time.perf_counter() - start)
            seconds.append(best)
        passes.append((mode, seconds))
        print(f"{args.switch}={mode}: median {statistics.median(seconds):.4f} s, slowest "
              f"{max(seconds):.4f} s ({len(seconds)} photos)")
    added = [on - off for off, on in zip(passes[2][1], passes[3][1], strict=True)]
    print(f"added per photo (later pair): median {statistics.median(added):+.4f} s, "
          f"most {max(added):+.4f} s; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
