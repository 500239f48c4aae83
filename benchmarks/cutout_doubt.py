"""Precision and recall of the cut-out doubt check (core/photos/maskcheck.py) on labelled masks.

    .venv/bin/python benchmarks/cutout_doubt.py [--show] [--sheets DIR]

No real background-removal model can be downloaded here, and no real photo comes with a true
mask, so the labelled set is built as follows, from the 36 real photos of
tests/fixtures/colours/ (loaded at 512 px):

1. Masks from two weak segmenters that run here, on every photo:
   - "tiny-saliency": devkit's tiny ONNX saliency model through rembg's own session (keeps
     saturated pixels: on real photos often the wrong ones);
   - "border-colour": pixels unlike the photo's border colours, smoothed, holes filled, small
     specks dropped (defined below; a stand-in, not the app's method).
   Each of these 72 masks was labelled BY EYE from an overlay sheet (`--sheets` writes them):
   "bad" = a person should check it (misses much of the garment, keeps much background, or
   falls apart), "good" = the garment is cut out roughly whole. Labels:
   tests/fixtures/colours/cutout_labels.json. Masks with (almost) no foreground (under
   MIN_FOREGROUND_SHARE) are left out: the app keeps those photos uncut, nothing to doubt.
2. Damaged copies of every mask labelled good, labelled by construction: "print" (only a
   disc of 3 % of the photo around the garment's centre is kept: the bear-print failure),
   "split" (three cuts across it: 4+ pieces), "eroded" (eroded to under 30 % of its area),
   "unsure" (its inside replaced by mid-grey alpha values 60-190, as an unsure model gives)
   are "bad"; "feathered" (eroded 2 px, edges blurred) is "good" (an ordinary soft edge).

Photos are split as in benchmarks/colours.py: two of each kind "tune" (the thresholds in
maskcheck.py were chosen on these), two "report". Flagged = `cutout_doubt` returns a reason.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw  # noqa: E402
from scipy import ndimage  # noqa: E402

from benchmarks.colours import FIXTURES, labelled, split  # noqa: E402
from core.photos import maskcheck  # noqa: E402
from core.photos.background import MIN_FOREGROUND_SHARE, BackgroundRemover  # noqa: E402
from core.photos.images import load_image  # noqa: E402
from core.photos.tagging import srgb_to_lab  # noqa: E402
from devkit.tiny_models import TINY_REMBG_FILE, tiny_saliency_onnx  # noqa: E402

LABELS = FIXTURES / "cutout_labels.json"
SIDE = 512
DAMAGES = ("print", "split", "eroded", "unsure", "feathered")
DAMAGE_IS_BAD = {"print": True, "split": True, "eroded": True, "unsure": True,
                 "feathered": False}


def border_colour_mask(image: Image.Image, distance: float = 18.0) -> np.ndarray:
    """alpha (0/255): pixels farther than `distance` (CIELAB) from every colour on the
    photo's outer 4 %, opened and closed, holes filled, pieces under 1 % of the photo dropped;
    worked out on a 128 px copy and enlarged to the photo's size."""
    small = image.convert("RGB")
    small.thumbnail((128, 128), Image.Resampling.BOX)
    lab = srgb_to_lab(np.asarray(small))
    h, w = lab.shape[:2]
    edge = max(2, round(0.04 * min(h, w)))
    ring = np.zeros((h, w), bool)
    ring[:edge], ring[-edge:], ring[:, :edge], ring[:, -edge:] = True, True, True, True
    colours = lab[ring][:: max(1, int(ring.sum()) // 300)]  # at most ~300 border colours
    nearest = np.linalg.norm(lab.reshape(-1, 1, 3) - colours[None], axis=2).min(1)
    mask = nearest.reshape(h, w) > distance
    mask = ndimage.binary_opening(mask, iterations=1)
    mask = ndimage.binary_closing(mask, iterations=2)
    mask = ndimage.binary_fill_holes(mask)
    labels, count = ndimage.label(mask)
    sizes = np.bincount(labels.ravel())
    keep = np.zeros(count + 1, bool)
    keep[1:] = sizes[1:] >= 0.01 * h * w
    alpha = Image.fromarray((keep[labels] * 255).astype(np.uint8))
    big = np.asarray(alpha.resize(image.size, Image.Resampling.BILINEAR))
    return np.where(big >= 128, 255, 0).astype(np.uint8)


def damaged(alpha: np.ndarray, kind: str, seed: int) -> np.ndarray:
    """A damaged copy of a good mask (see the module docstring)."""
    solid = alpha >= 128
    h, w = solid.shape
    ys, xs = np.nonzero(solid)
    cy, cx = (ys.mean(), xs.mean()) if len(ys) else (h / 2, w / 2)
    if kind == "print":
        radius = np.sqrt(0.03 * h * w / np.pi)
        yy, xx = np.mgrid[:h, :w]
        return (((yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2) * 255).astype(np.uint8)
    if kind == "split":
        out = alpha.copy()
        band = max(3, round(0.05 * min(h, w)))
        height = (ys.max() - ys.min()) if len(ys) else h
        for y in (cy - height / 4, cy + height / 4):
            out[max(0, int(y) - band // 2):int(y) + band // 2 + 1] = 0
        out[:, max(0, int(cx) - band // 2):int(cx) + band // 2 + 1] = 0
        return out
    if kind == "eroded":
        out, area = solid, solid.sum()
        while out.sum() > 0.3 * area:
            out = ndimage.binary_erosion(out, iterations=3)
        return (out * 255).astype(np.uint8)
    if kind == "unsure":
        rng = np.random.default_rng(seed)
        grey = rng.integers(60, 191, size=alpha.shape)
        return np.where(solid, grey, alpha // 8).astype(np.uint8)
    if kind == "feathered":
        eroded = ndimage.binary_erosion(solid, iterations=2).astype(np.float64) * 255
        return np.clip(ndimage.gaussian_filter(eroded, 1.5), 0, 255).astype(np.uint8)
    raise ValueError(kind)


def base_masks() -> dict[str, tuple[Image.Image, dict[str, np.ndarray]]]:
    """photo name -> (photo at SIDE px, {segmenter: alpha})."""
    with tempfile.TemporaryDirectory() as home:
        os.environ["U2NET_HOME"] = home
        model = Path(home) / TINY_REMBG_FILE
        tiny_saliency_onnx(model)
        remover = BackgroundRemover(str(model))
        out = {}
        for name in sorted(labelled()):
            photo = load_image((FIXTURES / name).read_bytes(), name, max_pixels=10**8,
                               max_side=SIDE).image
            tiny = np.asarray(remover.cut_out(photo).rgba.getchannel("A"))
            out[name] = (photo, {"tiny-saliency": tiny, "border-colour": border_colour_mask(photo)})
    return out


def write_sheets(masks: dict[str, tuple[Image.Image, dict[str, np.ndarray]]], folder: Path) -> None:
    """Sheets for labelling by eye: each cut-out composited on bright green (half-transparent
    parts show greenish), 6 photos x 2 segmenters per sheet."""
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted(masks)
    for sheet_no in range(0, len(names), 6):
        tiles = []
        for name in names[sheet_no:sheet_no + 6]:
            photo, by_model = masks[name]
            for model, alpha in by_model.items():
                rgb = np.asarray(photo, np.float64)
                a = alpha[..., None] / 255.0
                shown = rgb * a + np.array([0, 255, 0]) * (1 - a)  # on bright green
                tile = Image.fromarray(shown.astype(np.uint8))
                tile.thumbnail((240, 240))
                canvas = Image.new("RGB", (240, 262), "white")
                canvas.paste(tile, (0, 22))
                ImageDraw.Draw(canvas).text((3, 3), f"{name[:8]} {model}", fill="black")
                tiles.append(canvas)
        sheet = Image.new("RGB", (240 * 4, 262 * 3), "white")
        for k, tile in enumerate(tiles):
            sheet.paste(tile, ((k % 4) * 240, (k // 4) * 262))
        sheet.save(folder / f"sheet{sheet_no // 6}.png")


def cases(masks) -> list[tuple[str, str, str, np.ndarray, bool]]:
    """(photo, segmenter, variant, alpha, should be flagged) for every labelled case."""
    eye = json.loads(LABELS.read_text())["masks"]
    out = []
    for name, (_, by_model) in masks.items():
        for model, alpha in by_model.items():
            if (alpha >= 128).mean() < MIN_FOREGROUND_SHARE:
                continue  # the app keeps such a photo uncut: there is no cut-out to doubt
            bad = eye[name][model] == "bad"
            out.append((name, model, "as segmented", alpha, bad))
            if bad:
                continue
            for seed, kind in enumerate(DAMAGES):
                out.append((name, model, kind, damaged(alpha, kind, seed), DAMAGE_IS_BAD[kind]))
    return out


def measure(rows, names: set[str]) -> tuple[int, int, int, int]:
    tp = fp = fn = tn = 0
    for name, _, _, alpha, bad in rows:
        if name not in names:
            continue
        flagged = maskcheck.cutout_doubt(Image.fromarray(alpha, "L")) is not None
        tp += flagged and bad
        fp += flagged and not bad
        fn += (not flagged) and bad
        tn += (not flagged) and not bad
    return tp, fp, fn, tn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every case")
    parser.add_argument("--sheets", type=Path, help="write overlay sheets for labelling")
    args = parser.parse_args()
    masks = base_masks()
    if args.sheets:
        write_sheets(masks, args.sheets)
        return
    rows = cases(masks)
    halves = split(list(masks))
    print("| half | cases (bad / good) | flagged right (TP) | false alarms (FP) | missed (FN) | "
          "precision | recall |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for half in ("tune", "report"):
        tp, fp, fn, tn = measure(rows, set(halves[half]))
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        print(f"| {half} | {tp + fp + fn + tn} ({tp + fn} / {fp + tn}) | {tp} | {fp} | {fn} | "
              f"{precision:.0%} | {recall:.0%} |")
    print("\nby kind of case (both halves): flagged / cases")
    kinds: dict[tuple[str, bool], list[int]] = {}
    for _name, model, variant, alpha, bad in rows:
        key = (variant if variant != "as segmented" else f"{model} as segmented", bad)
        flagged = maskcheck.cutout_doubt(Image.fromarray(alpha, "L")) is not None
        kinds.setdefault(key, [0, 0])
        kinds[key][0] += flagged
        kinds[key][1] += 1
    for (kind, bad), (flagged, total) in sorted(kinds.items()):
        print(f"  {kind:30} labelled {'bad ' if bad else 'good'}: {flagged}/{total}")
    if args.show:
        for name, model, variant, alpha, bad in rows:
            stats = maskcheck.mask_stats(maskcheck.small_alpha(Image.fromarray(alpha, "L")))
            half = "tune" if name in halves["tune"] else "report"
            print(f"{half:6} {name[:8]} {model:13} {variant:12} {'bad ' if bad else 'good'} "
                  f"fg {stats.foreground:.2f} pieces {stats.pieces} soft {stats.soft:.2f} "
                  f"edge {stats.edge:.2f}")


if __name__ == "__main__":
    main()
