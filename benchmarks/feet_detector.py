"""Shoes regions: the shipped rules against a trained feet detector (issue 13, measured once).

No garment-parsing model ships its weights in a package here, but the PyPI wheel
`nudenet==3.4.2` ships a trained person-part detector (`nudenet/320n.onnx`, a YOLOv8n at
320 px; the wheel's metadata says MIT, its LICENSE file AGPL-3.0) whose classes include a
covered (shod) foot and a bare foot. This script runs it exactly as its package does (photo
padded right and bottom to a square, 320 px, RGB in [0, 1]; class score >= 0.2, then
non-maximum suppression at IoU 0.45 and score 0.25) and scores, on every labelled photo, the
rule fixed in `benchmarks/results/prereg_feet_detector.md` before any run:

- rules: the shipped shoes region (`find_regions` with the pose model);
- detector, else rules: when the detector finds any foot, the box around its covered feet
  (missing when it found only bare ones); when it finds none, the rules' region;
- detector alone: the box around its covered feet, else missing.

Get the model file (not part of the project's set-up: it was measured, not adopted):

    pip download nudenet==3.4.2 --no-deps -d /tmp/nn && unzip -o /tmp/nn/nudenet-*.whl \
        nudenet/320n.onnx -d /tmp/nn
    .venv/bin/python benchmarks/feet_detector.py --model /tmp/nn/nudenet/320n.onnx
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from outfit_parts import Box, _splits, load_labelled, predicted, vertical_iou

from core.photos import pose_model as pm
from core.photos.garment_regions import find_regions

# The detector's classes in its output order (nudenet 3.4.2's own list); only the feet are read.
COVERED, BARE = 9, 7
SIDE = 320


def _nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    order, keep = np.argsort(scores)[::-1], []
    while order.size:
        i, rest = order[0], order[1:]
        keep.append(int(i))
        a, b = boxes[i], boxes[rest]
        w = np.clip(np.minimum(a[0] + a[2], b[:, 0] + b[:, 2]) - np.maximum(a[0], b[:, 0]), 0, None)
        h = np.clip(np.minimum(a[1] + a[3], b[:, 1] + b[:, 3]) - np.maximum(a[1], b[:, 1]), 0, None)
        inter = w * h
        order = rest[inter / (a[2] * a[3] + b[:, 2] * b[:, 3] - inter + 1e-9) <= iou]
    return keep


def detect_feet(session: ort.InferenceSession, photo: Image.Image) -> list[tuple[int, Box]]:
    """(class, box) of every foot the detector keeps, in the photo's pixels."""
    rgb = np.asarray(photo.convert("RGB"))
    side = max(rgb.shape[:2])
    padded = np.zeros((side, side, 3), np.uint8)
    padded[: rgb.shape[0], : rgb.shape[1]] = rgb
    x = np.asarray(Image.fromarray(padded).resize((SIDE, SIDE), Image.BILINEAR), np.float32) / 255
    out = np.squeeze(session.run(None, {session.get_inputs()[0].name: x.transpose(2, 0, 1)[None]})[0]).T
    scores, classes = out[:, 4:].max(1), out[:, 4:].argmax(1)
    kept = scores >= 0.2
    xywh = out[kept, :4] * side / SIDE
    xywh[:, :2] -= xywh[:, 2:] / 2
    scores, classes = scores[kept], classes[kept]
    found = []
    for i in _nms(xywh, scores, 0.45):
        if scores[i] >= 0.25 and classes[i] in (COVERED, BARE):
            x0, y0, w, h = xywh[i]
            found.append((int(classes[i]), (int(x0), int(y0), int(x0 + w), int(y0 + h))))
    return found


def _around(boxes: list[Box]) -> Box | None:
    if not boxes:
        return None
    a = np.array(boxes)
    return int(a[:, 0].min()), int(a[:, 1].min()), int(a[:, 2].max()), int(a[:, 3].max())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="nudenet's 320n.onnx")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    session = ort.InferenceSession(str(args.model), options, providers=["CPUExecutionProvider"])
    pose = pm.PoseModel(pm.configured_path("") or pm.default_model_path(), threads=args.threads)
    splits = _splits()
    rows, times = [], []
    for name, cut, truth in load_labelled():
        rules = predicted(find_regions(cut, pose), "shoes")
        start = time.perf_counter()
        feet = detect_feet(session, cut.on_white)
        times.append(time.perf_counter() - start)
        alone = _around([box for cls, box in feet if cls == COVERED])
        rows.append((splits[name], truth["shoes"],
                     {"rules": rules, "detector, else rules": alone if feet else rules,
                      "detector alone": alone}))
    print(f"{len(rows)} labelled photos; detector time per photo median "
          f"{statistics.median(times):.3f} s, slowest {max(times):.3f} s ({args.threads} threads)\n")
    print("| photos | method | shoes: vertical IoU | photos with shoes | invented shoes |")
    print("|---|---|---:|---:|---:|")
    for title, keep in (("all", lambda s: True), ("design (all but fresh-24)", lambda s: s != "fresh-24"),
                        ("fresh-24", lambda s: s == "fresh-24")):
        subset = [r for r in rows if keep(r[0])]
        for method in rows[0][2]:
            ious = [vertical_iou(g[method], t) if g[method] else 0.0 for _, t, g in subset if t]
            invented = sum(1 for _, t, g in subset if t is None and g[method])
            print(f"| {title} | {method} | {statistics.mean(ious):.3f} | {len(ious)} | {invented} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
