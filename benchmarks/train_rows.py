"""Train and measure the row labeller (round 18): the top's end and the bottom's start decoded
jointly from the body's row sequence (core/photos/row_sequence.py, models/row_labeller.py).

Leave-one-split-out over round 17's 17 design splits (benchmarks/train_hem.py ROUND_SPLITS[17];
a split added later, fresh-18, is never read): for each split S the two heads are fitted on the
other 16, their L2, the margin a decoded boundary must beat the rules' row by and how far from
the rules' row it may lie (REACHES) are chosen by leave-one-split-out inside those 16 alone, and the boundaries are decoded on S's photos. Printed
per split: the top's and the bottom's mean vertical IoU with the rules (main) and with the
labeller, and how many photos changed. `--write` fits on all 17 and writes models/row_labeller.json.

    nice -n 15 .venv/bin/python benchmarks/train_rows.py [--cache FILE] [--per-photo] [--write]
        [--heads end start] [--near 0.0] [--focus ROWS]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.outfit_parts import _splits, load_labelled, vertical_iou
from benchmarks.train_hem import ROUND_SPLITS
from core.photos import pose_model as pm
from core.photos.garment_regions import ROW_LABELLER, find_regions
from core.photos.row_sequence import ROW_NAMES, decode
from models import row_labeller

SPLITS = ROUND_SPLITS[17]
L2_GRID = (1.0, 10.0, 100.0)
MARGINS = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0, float("inf"))
REACHES = (None, 15, 25)  # boundaries anywhere, or within 0.3 / 0.5 torso of the rules' row
LATER = ("fresh-14", "fresh-15", "fresh-16", "fresh-17")
FOCUS: int | None = None  # --focus: train on rows within this many rows of the rules' row


def collect(cache: Path | None) -> list[dict]:
    """Per design photo: split, labels, the shipped rules' top and bottom boxes and the row
    sequence (cached as JSON when `cache` is given)."""
    if cache is not None and cache.exists():
        return json.loads(cache.read_text())
    model = pm.PoseModel(pm.configured_path("") or pm.default_model_path(), threads=1)
    splits = _splits()
    out = []
    for split in SPLITS:
        for name, cut, truth in load_labelled(split):
            regions = find_regions(cut, model, sequence=True)
            seq = regions.sequence
            out.append({
                "name": name, "split": splits[name],
                "truth": {k: list(v) if v else None for k, v in truth.items()},
                "boxes": {k: list(v) for k, v in regions.boxes.items()},
                "seq": None if seq is None else {
                    "rows": seq.rows.tolist(), "features": seq.features.tolist(),
                    "end": seq.end_rule, "start": seq.start_rule}})
    if cache is not None:
        cache.write_text(json.dumps(out))
    return out


def targets(photo: dict, key: str) -> np.ndarray | None:
    """Each row's state by the labels: inside the top (end) / inside the bottom (start)."""
    rows = np.asarray(photo["seq"]["rows"])
    if key == "end":
        t = photo["truth"]["top"]
        return None if t is None else (rows < t[3]).astype(float)
    b = photo["truth"]["bottom"]
    return None if b is None else (rows >= b[1]).astype(float)


def fit(photos: list[dict], key: str, l2: float, near: float) -> row_labeller.Head:
    xs, ys, ws = [], [], []
    for p in photos:
        if p["seq"] is None:
            continue
        y = targets(p, key)
        if y is None:
            continue
        x = np.asarray(p["seq"]["features"])
        w = np.full(len(y), 1.0 / len(y))
        if FOCUS is not None:
            rows = np.asarray(p["seq"]["rows"])
            at = int(np.argmin(np.abs(rows - p["seq"][key])))
            w *= np.abs(np.arange(len(y)) - at) <= FOCUS
            if w.sum() == 0:
                continue
        if near > 0:  # rows near the labelled boundary weigh more
            edge = np.flatnonzero(np.diff(y) != 0)
            if edge.size:
                d = np.abs(np.arange(len(y)) - edge[0]) / len(y)
                w *= 1.0 + near * np.exp(-d / 0.1)
        xs.append(x)
        ys.append(y)
        ws.append(w)
    return row_labeller.fit_head(np.vstack(xs), np.concatenate(ys), np.concatenate(ws), l2=l2)


def place(photo: dict, key: str, head: row_labeller.Head | None, margin: float,
          reach: int | None = None) -> tuple:
    """The photo's top (end) or bottom (start) box after decoding (None when not found)."""
    part = "top" if key == "end" else "bottom"
    box = photo["boxes"].get(part)
    if box is None or head is None or photo["seq"] is None or not np.isfinite(margin):
        return tuple(box) if box else None
    seq = photo["seq"]
    rows = np.asarray(seq["rows"])
    inside = head.chances(np.asarray(seq["features"]))
    step = int(rows[1] - rows[0]) if len(rows) > 1 else 1
    row = decode(inside if key == "end" else 1.0 - inside, rows, seq[key], margin, step,
                 reach)
    if row is None:
        return tuple(box)
    return (box[0], box[1], box[2], row) if key == "end" else (box[0], row, box[2], box[3])


def iou(photo: dict, key: str, head: row_labeller.Head | None, margin: float,
        reach: int | None = None) -> float | None:
    part = "top" if key == "end" else "bottom"
    truth = photo["truth"][part]
    if truth is None:
        return None
    box = place(photo, key, head, margin, reach)
    return 0.0 if box is None else vertical_iou(box, tuple(truth))


def split_means(photos: list[dict], key: str, heads: dict[str, row_labeller.Head | None],
                margin: float, reach: int | None) -> float:
    """Mean over splits of the garment's mean IoU, each split with its own head."""
    means = []
    for s in sorted({p["split"] for p in photos}):
        v = [iou(p, key, heads[s], margin, reach) for p in photos if p["split"] == s]
        v = [x for x in v if x is not None]
        if v:
            means.append(statistics.mean(v))
    return statistics.mean(means)


def choose(photos: list[dict], key: str, near: float) -> tuple[float, float, int | None]:
    """L2, margin and reach by leave-one-split-out inside `photos` alone."""
    inner = sorted({p["split"] for p in photos})
    best: tuple[float, float, int | None, float] = (L2_GRID[0], float("inf"), None, -1.0)
    for l2 in L2_GRID:
        heads = {s: fit([p for p in photos if p["split"] != s], key, l2, near) for s in inner}
        for reach in REACHES:
            for margin in MARGINS:
                score = split_means(photos, key, heads, margin, reach)
                if score > best[3] + 1e-9:
                    best = (l2, margin, reach, score)
    return best[0], best[1], best[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--per-photo", action="store_true")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--heads", nargs="+", choices=row_labeller.HEADS,
                        default=list(row_labeller.HEADS))
    parser.add_argument("--near", type=float, default=0.0,
                        help="extra weight of rows near the labelled boundary")
    parser.add_argument("--focus", type=int, default=None,
                        help="train only on rows within this many rows of the rules' row")
    args = parser.parse_args()
    global FOCUS
    FOCUS = args.focus
    photos = [p for p in collect(args.cache) if p["split"] in SPLITS]
    print(f"{len(photos)} photos of {len(SPLITS)} design splits, "
          f"{sum(p['seq'] is not None for p in photos)} with a row sequence; near {args.near}\n")
    results: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for key in args.heads:
        part = "top" if key == "end" else "bottom"
        print(f"### the {part}'s {'end' if key == 'end' else 'start'}\n")
        print(f"| held-out split | {part}s | rules | labeller | changed | l2, margin, reach |")
        print("|---|---:|---:|---:|---:|---|")
        per: dict[str, list[tuple[float, float]]] = {}
        for split in SPLITS:
            train = [p for p in photos if p["split"] != split]
            l2, margin, reach = choose(train, key, args.near)
            head = fit(train, key, l2, args.near)
            test = [p for p in photos if p["split"] == split]
            pairs = [(iou(p, key, None, margin), iou(p, key, head, margin, reach), p["name"])
                     for p in test]
            pairs = [(a, b, n) for a, b, n in pairs if a is not None]
            per[split] = [(a, b) for a, b, _ in pairs]
            changed = sum(abs(a - b) > 1e-9 for a, b, _ in pairs)
            print(f"| {split} | {len(pairs)} | {statistics.mean(a for a, _, _ in pairs):.3f} | "
                  f"{statistics.mean(b for _, b, _ in pairs):.3f} | {changed} | {l2:g}, "
                  f"{margin:g}, {reach} |")
            if args.per_photo:
                for a, b, n in pairs:
                    if abs(a - b) > 1e-9:
                        print(f"    {n}: {a:.2f} -> {b:.2f}")
        results[key] = per
        split_r = statistics.mean(statistics.mean(a for a, _ in per[s]) for s in SPLITS)
        split_l = statistics.mean(statistics.mean(b for _, b in per[s]) for s in SPLITS)
        allp = [x for s in SPLITS for x in per[s]]
        later = [x for s in LATER for x in per[s]]
        print(f"| mean of the 17 splits | | {split_r:.4f} | {split_l:.4f} | | |")
        print(f"| fresh-14 to fresh-17 (together) | {len(later)} | "
              f"{statistics.mean(a for a, _ in later):.4f} | "
              f"{statistics.mean(b for _, b in later):.4f} | | |")
        print(f"| all design photos | {len(allp)} | {statistics.mean(a for a, _ in allp):.4f} | "
              f"{statistics.mean(b for _, b in allp):.4f} | "
              f"{sum(abs(a - b) > 1e-9 for a, b in allp)} | |\n")
    if args.write:
        heads = {}
        for key in args.heads:
            l2, margin, reach = choose(photos, key, args.near)
            h = fit(photos, key, l2, args.near)
            heads[key] = row_labeller.Head(h.weights, h.mean, h.scale, margin, reach)
            print(f"{key}: l2 {l2:g}, margin {margin:g}, reach {reach}")
        row_labeller.RowLabeller(ROW_NAMES, heads).save(ROW_LABELLER)
        print(f"wrote {ROW_LABELLER}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
