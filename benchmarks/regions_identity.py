"""Are two versions' outfit regions the same, photo by photo? (issue 13, round 19)
`dump` runs this checkout's find_regions on every design photo (never the unseen split) and
stores the boxes, the missing garments, the start ranker's candidate features and the row
features; `compare` tells where two dumps differ (bit for bit for boxes and ranker features).
Run `dump` from each checkout (its own process, its own code), then `compare`:
    cd /work/main && WHAT2WEAR_ROW_LABELLER=on nice -n 15 .venv/bin/python \\
        /path/to/benchmarks/regions_identity.py dump /tmp/a.pkl
    nice -n 15 .venv/bin/python benchmarks/regions_identity.py dump /tmp/b.pkl
    .venv/bin/python benchmarks/regions_identity.py compare /tmp/a.pkl /tmp/b.pkl
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np

# Splits never designed on: never read here (fresh-19 was used by round 19; fresh-20 by round
# 20's check, then designed on in round 21; fresh-21 by round 21's check, then designed on in
# round 22; fresh-22 by round 22's check, then designed on in round 23; fresh-23 by round 23's
# check, then designed on in round 24; fresh-24 was run once, by round 24's check, and never
# designed on).
UNSEEN = ("fresh-24",)


def dump(out: Path) -> None:
    sys.path.insert(0, str(Path.cwd()))  # the checkout it is run from
    from benchmarks.outfit_parts import _splits, load_labelled
    from core.photos import garment_regions as gr
    from core.photos import pose_model as pm

    model = pm.PoseModel(pm.configured_path("") or pm.default_model_path(), threads=1)
    found = {}
    for split in sorted(set(_splits().values()) - set(UNSEEN)):
        for name, cut, _truth in load_labelled(split):
            regions = gr.find_regions(cut, model)
            seq = gr.find_regions(cut, model, sequence=True).sequence
            found[name] = (regions.boxes, regions.missing,
                           None if regions.start is None else regions.start.features,
                           None if seq is None else seq.features)
    out.write_bytes(pickle.dumps(found))  # our own file, read back by compare only
    print(f"{len(found)} design photos ({' and '.join(UNSEEN)} not read) -> {out}")


def compare(a_path: Path, b_path: Path) -> None:
    a, b = pickle.loads(a_path.read_bytes()), pickle.loads(b_path.read_bytes())
    if a.keys() != b.keys():
        raise SystemExit("the dumps hold different photos")
    boxes = ranker = rows = 0
    worst = 0.0
    for name in sorted(a):
        x, y = a[name], b[name]
        if x[:2] != y[:2]:
            boxes += 1
            print("regions differ:", name, x[0], y[0])
        if (x[2] is None) != (y[2] is None) or (x[2] is not None and not np.array_equal(x[2], y[2])):
            ranker += 1
        if (x[3] is None) != (y[3] is None) or (x[3] is not None and x[3].shape != y[3].shape):
            rows += 1
        elif x[3] is not None:
            worst = max(worst, float(np.abs(x[3] - y[3]).max()))
    print(f"{len(a)} design photos: boxes or missing garments differ on {boxes}; the start "
          f"ranker's features (bit for bit) on {ranker}; row sequences on {rows}, largest row "
          f"feature difference {worst:.1e}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "dump":
        dump(Path(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        raise SystemExit(__doc__)
