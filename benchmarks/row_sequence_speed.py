"""Round 19: the row labeller's features, round 18's row-by-row code against the vectorised
one, on the design photos (issue 13). Per photo, the same pose and the regions found with each
version of `describe` (round 18's is read from git, commit ROUND18): do any boxes differ, how
far apart are the features, and how long does `describe` take. Never reads the unseen split.
    nice -n 15 .venv/bin/python benchmarks/row_sequence_speed.py [--split S ...]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["WHAT2WEAR_ROW_LABELLER"] = "on"
from benchmarks.outfit_parts import _splits, load_labelled  # noqa: E402
from core.photos import garment_regions as gr  # noqa: E402
from core.photos import pose_model as pm  # noqa: E402
from core.photos import row_sequence as new  # noqa: E402

ROUND18 = "cf1d825"  # main with round 18 merged: the row-by-row describe
# Splits never designed on: never read here (fresh-19 was used by round 19; fresh-20 by round
# 20's check, then designed on in round 21; fresh-21 by round 21's check, then designed on in
# round 22; fresh-22 by round 22's check, then designed on in round 23; fresh-23 by round 23's
# check, then designed on in round 24; fresh-24 was run once, by round 24's check, and never
# designed on).
UNSEEN = ("fresh-24",)


def _round18_module():
    """core/photos/row_sequence.py as round 18 shipped it, imported under another name."""
    text = subprocess.run(["git", "show", f"{ROUND18}:core/photos/row_sequence.py"], cwd=ROOT,
                          check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "row_sequence_round18.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("row_sequence_round18", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", nargs="+", default=None)
    args = parser.parse_args()
    splits = args.split or sorted(set(_splits().values()) - set(UNSEEN))
    if set(UNSEEN) & set(splits):
        raise SystemExit(f"{' and '.join(UNSEEN)} are the unseen splits: not read here")
    old = _round18_module()
    model = pm.PoseModel(pm.configured_path("") or pm.default_model_path(), threads=1)
    estimate, poses = model.estimate, {}

    def same_pose(image, *a, **k):  # both versions see the same pose (estimated once)
        key = (hashlib.md5(np.asarray(image).tobytes()).hexdigest(), a, tuple(sorted(k.items())))
        if key not in poses:
            poses[key] = estimate(image, *a, **k)
        return poses[key]

    model.estimate = same_pose
    spent: dict[str, list[float]] = {"round 18": [], "round 19": []}
    differ, worst, n = [], 0.0, 0
    for split in splits:
        for name, cut, _truth in load_labelled(split):
            poses.clear()
            found = {}
            for tag, module in (("round 18", old), ("round 19", new)):
                took: list[float] = []

                def timed(*a, _m=module, _t=took, **k):
                    start = time.perf_counter()
                    out = _m.describe(*a, **k)
                    _t.append(time.perf_counter() - start)
                    return out

                gr.describe = timed
                found[tag] = gr.find_regions(cut, model)
                spent[tag].append(sum(took))
            n += 1
            a, b = found["round 18"], found["round 19"]
            if a.sequence is not None and b.sequence is not None:
                worst = max(worst, float(np.abs(a.sequence.features - b.sequence.features).max()))
            if a.boxes != b.boxes or a.missing != b.missing:
                differ.append(name)
                print("differs:", split, name, a.boxes, b.boxes)
    print(f"{n} design photos of {len(splits)} splits ({' and '.join(UNSEEN)} not read), "
          f"labeller on: regions differ on {len(differ)}; largest feature difference {worst:.1e}")
    for tag, times in spent.items():
        ms = np.asarray(times) * 1000
        print(f"{tag} describe: median {np.median(ms):.1f} ms, mean {ms.mean():.1f} ms, "
              f"slowest {ms.max():.1f} ms")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
