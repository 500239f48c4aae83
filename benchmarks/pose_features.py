"""Garments' rows read from the pose model's own features, against the shipped rules (issue 13).

A measurement fixed in `benchmarks/results/prereg_pose_features.md` before it ran: BlazePose's
decoder was trained to find the body and its mask on photos of dressed people, so its feature
maps may tell where one garment ends better than the rows' colours the rules read. For each
labelled photo the landmark model is run once more on the square of its shipped estimate with
every tensor kept; per row of the decoder's 64-row grid, the mean of its maps `add_11` (64×64×48)
and `add_10` (32×32×48, upsampled) over the person mask's cells, the mask's share of the row,
and the row's place relative to shoulders, hips, knees and ankles (one-hot bins of 0.25 torso
over [-1.5, 3] around the hips, and four signed distances). Per garment an L2 logistic
regression (λ 1e-2, standardised features) of "this row lies within the garment's labelled
rows"; the garment's span is the longest run of rows above 0.5, bridging gaps of up to 3 rows
(missing when shorter than 2 rows). Leave-one-split-out over the labelled splits; a photo where
the model finds nobody keeps the rules' regions.

    .venv/bin/python benchmarks/pose_features.py
"""

from __future__ import annotations

import itertools
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from outfit_parts import Box, _splits, load_labelled, predicted, vertical_iou

from core.photos import pose_model as pm
from core.photos.garment_regions import PARTS, find_regions
from models.personal import newton_logistic

GRID = 64  # rows of the decoder's finer map
CELL = pm.INPUT_SIDE // GRID
MAPS = ("model_1/model/add_11/", "model_1/model/add_10/")  # 64×64×48 and 32×32×48
BINS = np.arange(-1.5, 3.0001, 0.25)  # the row's place around the hips, in torso lengths
LAMBDA, GAP, MIN_RUN = 1e-2, 3, 2


@dataclass
class Photo:
    name: str
    split: str
    truth: dict[str, Box | None]
    rules: dict[str, Box | None]
    height: int
    rows: np.ndarray | None = None  # (GRID, features) or None when nobody was found
    ys: np.ndarray | None = None  # each grid row's centre in photo pixels
    row_height: float = 0.0


def describe() -> list[Photo]:
    """Every labelled photo with the rules' regions and, where the model finds the person, its
    rows' features."""
    from ai_edge_litert.interpreter import Interpreter

    path = pm.configured_path("") or pm.default_model_path()
    model = pm.PoseModel(path)
    net = Interpreter(model_path=str(path), num_threads=pm.THREADS,
                      experimental_preserve_all_tensors=True)
    net.allocate_tensors()
    tensors = net.get_tensor_details()
    maps = [next(t["index"] for t in tensors if t["name"].startswith(m)) for m in MAPS]
    mask_out = {d["name"]: d["index"] for d in net.get_output_details()}["Identity_2"]
    splits = _splits()
    photos: list[Photo] = []
    for name, cut, truth in load_labelled():
        regions = find_regions(cut, model)
        rgb = cut.on_white.convert("RGB")
        photo = Photo(name, splits[name], truth, {p: predicted(regions, p) for p in PARTS},
                      rgb.size[1])
        photos.append(photo)
        pose = model.estimate(rgb)
        if pose is None:
            continue
        coeffs = pm._affine(pose.roi)
        crop = rgb.transform((pm.INPUT_SIDE,) * 2, Image.Transform.AFFINE, coeffs,
                             resample=Image.Resampling.BILINEAR, fillcolor=(0, 0, 0))
        net.set_tensor(net.get_input_details()[0]["index"],
                       np.asarray(crop, np.float32)[None] / 255.0)
        net.invoke()
        fine, coarse = (net.get_tensor(i)[0] for i in maps)
        feats = np.concatenate([fine, coarse.repeat(2, 0).repeat(2, 1)], -1)
        mask = net.get_tensor(mask_out)[0, :, :, 0]
        inside = mask.reshape(GRID, CELL, GRID, CELL).mean((1, 3)) > 0
        rows = np.zeros((GRID, feats.shape[-1] + 1), np.float32)
        for r in range(GRID):
            rows[r, -1] = inside[r].mean()
            if inside[r].any():
                rows[r, :-1] = feats[r][inside[r]].mean(0)
        _a, _b, _c, d, e, f = coeffs
        photo.ys = d * pm.INPUT_SIDE / 2 + e * (CELL * np.arange(GRID) + CELL / 2) + f
        photo.row_height = CELL * pose.roi[2] / pm.INPUT_SIDE
        photo.rows = np.concatenate([rows, _place(pose.points, photo.ys)], 1)
    return photos


def _place(points: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Each row's place relative to the joints, in torso lengths: bins around the hips (a
    garment's rows are not a linear function of place) and the signed distances."""
    shoulders, hips, knees, ankles = (points[list(pair), 1].mean() for pair in (
        (pm.L_SHOULDER, pm.R_SHOULDER), (pm.L_HIP, pm.R_HIP), (pm.L_KNEE, pm.R_KNEE),
        (pm.L_ANKLE, pm.R_ANKLE)))
    torso = max(abs(hips - shoulders), 1.0)
    bins = np.zeros((ys.size, BINS.size + 1))
    bins[np.arange(ys.size), np.searchsorted(BINS, (ys - hips) / torso)] = 1
    return np.concatenate([bins, np.stack([(ys - v) / torso for v in
                                           (shoulders, hips, knees, ankles)], 1)], 1)


def _in_frame(photo: Photo) -> np.ndarray:
    return (photo.ys >= 0) & (photo.ys < photo.height)


def _inside(photo: Photo, part: str) -> np.ndarray:
    box = photo.truth[part]
    return np.zeros(GRID) if box is None else ((photo.ys >= box[1]) & (photo.ys <= box[3])) * 1.0


def _span(prob: np.ndarray, photo: Photo) -> Box | None:
    on = np.flatnonzero((prob > 0.5) & _in_frame(photo))
    if on.size == 0:
        return None
    runs, start = [], on[0]
    for prev, row in itertools.pairwise(on):
        if row - prev > GAP + 1:
            runs.append((start, prev))
            start = row
    runs.append((start, on[-1]))
    first, last = max(runs, key=lambda run: run[1] - run[0])
    if last - first + 1 < MIN_RUN:
        return None
    half = photo.row_height / 2
    return (0, int(max(0, photo.ys[first] - half)), 1,
            int(min(photo.height, photo.ys[last] + half)))


def leave_one_split_out(photos: list[Photo]) -> dict[tuple[str, str], Box | None]:
    found = [p for p in photos if p.rows is not None]
    guesses: dict[tuple[str, str], Box | None] = {}
    for split in sorted({p.split for p in found}):
        train = [p for p in found if p.split != split]
        x = np.vstack([p.rows[_in_frame(p)] for p in train])
        mean, spread = x.mean(0), x.std(0) + 1e-6
        design = np.hstack([(x - mean) / spread, np.ones((len(x), 1))])
        penalty = np.full(design.shape[1], LAMBDA * len(x))
        penalty[-1] = 0.0
        for part in PARTS:
            y = np.concatenate([_inside(p, part)[_in_frame(p)] for p in train]) * 2 - 1
            beta = newton_logistic(design, y, np.ones(len(x)), penalty)
            for p in (q for q in found if q.split == split):
                z = np.hstack([(p.rows - mean) / spread, np.ones((GRID, 1))]) @ beta
                guesses[(p.name, part)] = _span(pm._sigmoid(z), p)
    return guesses


def table(photos: list[Photo], guesses: dict[tuple[str, str], Box | None], title: str) -> dict:
    scores = {}
    for method in ("rules", "pose features"):
        ious: dict[str, list[float]] = {p: [] for p in PARTS}
        invented = 0
        for photo in photos:
            for part in PARTS:
                guess = (guesses.get((photo.name, part), photo.rules[part])
                         if method != "rules" else photo.rules[part])
                if photo.truth[part] is None:
                    invented += guess is not None
                elif guess is not None:
                    ious[part].append(vertical_iou(guess, photo.truth[part]))
                else:
                    ious[part].append(0.0)
        scores[method] = {p: statistics.mean(v) for p, v in ious.items() if v}
        print(f"| {title} | {method} | " + " | ".join(
            f"{scores[method].get(p, float('nan')):.3f}" for p in PARTS) + f" | {invented} |")
    return scores


def main() -> int:
    photos = describe()
    guesses = leave_one_split_out(photos)
    print(f"{len(photos)} labelled photos, {sum(p.rows is not None for p in photos)} with a "
          "pose; leave-one-split-out\n")
    print("| photos | method | top | bottom | shoes | invented |")
    print("|---|---|---:|---:|---:|---:|")
    table(photos, guesses, "all")
    table([p for p in photos if p.split != "fresh-24"], guesses, "design (all but fresh-24)")
    table([p for p in photos if p.split == "fresh-24"], guesses, "fresh-24")
    worst: dict[str, dict[str, tuple[float, str]]] = {}
    for split in sorted({p.split for p in photos}):
        with_split = [p for p in photos if p.split == split]
        print(f"\n{split}: {len(with_split)} photos")
        print("| photos | method | top | bottom | shoes | invented |")
        print("|---|---|---:|---:|---:|---:|")
        for method, scores in table(with_split, guesses, split).items():
            for part, value in scores.items():
                worst.setdefault(method, {}).setdefault(part, (9.0, ""))
                worst[method][part] = min(worst[method][part], (value, split))
    print("\nworst split:", {m: {p: f"{v:.3f} ({s})" for p, (v, s) in w.items()}
                             for m, w in worst.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
