"""Candidate rows for the bottom's hem and the features the learned ranker scores them by.

Why: the hand rules place the bottom's lower end well on the photos they were designed on and
not on unseen ones (README, "Garment regions of outfit photos", round 9). The ranker
(models/hem_ranker.py) picks one of these candidate rows instead, from what the rules already
look at: where the row lies relative to hips, knees, ankles and the frame (in torso lengths),
the colour step there, how far the rows above and below are from the bottom's own colour, how
much of them is the face's own skin, the person's width, and where the rules put the hem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.photos.skin import same_chroma, skin_pixels

NAMES: tuple[str, ...] = (
    "from_hip", "from_knee", "has_knee", "from_ankle", "has_ankle", "to_edge", "at_edge",
    "from_top", "from_rule", "is_rule", "step", "below_vs_bottom", "above_vs_bottom",
    "skin_below", "skin_above", "width_below", "width_above", "empty_below", "bent_from_hip",
    "near_ankle", "near_knee", "near_leg_hem", "near_below_hem", "near_bare", "near_legs_low")
CUES: tuple[str, ...] = ("ankle", "knee", "leg_hem", "below_hem", "bare", "legs_low")
NEAR = 0.05  # a candidate's closeness to a rule's row decays over this share of the torso
STEP = 0.04  # candidates every this share of the torso
WINDOW = 0.08  # rows compared above and below a candidate, as a share of the torso
FIRST = 0.15  # the first candidate lies this share of the torso below the bottom's start
COLOUR_SCALE = 50.0  # colour differences are divided by this (about a clear hem's size)


@dataclass(frozen=True)
class HemCandidates:
    """One photo's candidate rows for the bottom's lower end and their features."""

    rows: np.ndarray  # (N,) int, photo rows
    features: np.ndarray  # (N, len(NAMES))
    rule: int  # the row the hand rules chose


def bottom_candidates(pixels: np.ndarray, lab: np.ndarray, mask: np.ndarray,
                      cols: tuple[int, int], top: int, rule: int, hip: float,
                      knee: float | None, ankle: float | None, torso: float,
                      face: np.ndarray | None, bent: bool,
                      cues: dict[str, float] | None = None) -> HemCandidates:
    """Candidate rows from just below the bottom's start `top` to the frame's edge (and the
    rules' own row `rule`, and the rows each rule proposed: `cues`, named as CUES), each
    described by NAMES, over the person's columns `cols`."""
    cues = cues or {}
    height = mask.shape[0]
    colour, count, skin = _rows(pixels, lab, mask, cols, top, face)
    width = count / torso
    w = max(2, round(WINDOW * torso))
    colour_at, skin_at, width_at = _Band(colour), _Band(skin), _Band(width)
    ref = colour[top + int(0.05 * torso):top + int(0.3 * torso)]
    ref_colour = np.nanmean(ref, axis=0) if np.isfinite(ref).any() else np.zeros(3)
    ys = np.arange(int(top + FIRST * torso), height + 1, max(1, round(STEP * torso)))
    extra = [rule, height] + [int(v) for k, v in cues.items() if k in CUES and v > top]
    ys = np.unique(np.clip(np.append(ys, extra), 0, height))
    feats = np.zeros((len(ys), len(NAMES)))

    for i, y in enumerate(ys):
        above, below = colour_at(y - w, y), colour_at(y, y + w)
        empty = float(np.mean(count[y:min(height, y + w)] < 3)) if y < height else 1.0
        feats[i] = (
            (y - hip) / torso,
            (y - knee) / torso if knee is not None else 0.0, knee is not None,
            (y - ankle) / torso if ankle is not None else 0.0, ankle is not None,
            min(2.0, (height - y) / torso), y >= height - 2,
            (y - top) / torso, min(2.0, abs(y - rule) / torso), abs(y - rule) <= 1,
            _dist(above, below), _dist(below, ref_colour), _dist(above, ref_colour),
            np.nan_to_num(skin_at(y, y + w)), np.nan_to_num(skin_at(y - w, y)),
            np.nan_to_num(width_at(y, y + w)), np.nan_to_num(width_at(y - w, y)),
            empty, bent * (y - hip) / torso,
            *(np.exp(-abs(y - cues[k]) / (NEAR * torso)) if k in cues else 0.0 for k in CUES))
    return HemCandidates(ys.astype(int), feats, int(rule))


START_NAMES: tuple[str, ...] = (
    "from_shoulder", "from_hip", "from_knee", "from_rule", "is_rule", "step",
    "above_vs_chest", "below_vs_chest", "below_vs_legs", "above_vs_legs", "skin_above",
    "skin_below", "width_above", "width_below", "bent_from_hip", "near_hem", "near_midriff",
    "near_hip", "near_legs_high", "from_shoulder_sq", "from_hip_sq", "one_colour_from_shoulder",
    "step_below_vs_chest", "skin_below_above_vs_legs")
START_CUES: tuple[str, ...] = ("hem", "midriff", "hip", "legs_high")


def _rows(pixels: np.ndarray, lab: np.ndarray, mask: np.ndarray, cols: tuple[int, int],
          lo: int, face: np.ndarray | None, hi: int | None = None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per photo row over the columns `cols`: the person's mean colour (NaN with under 3 of
    its pixels), its pixel count, and the share of them that is skin of the face's own
    chromaticity (rows from `lo` on; 0 above). Only rows before `hi` are read (the rest: NaN
    colour, count 0, skin 0) — the caller's windows end there, and the per-pixel work is most
    of the features' cost."""
    height = mask.shape[0]
    hi = height if hi is None else max(0, min(height, hi))
    x0, x1 = max(0, cols[0]), min(mask.shape[1], max(cols[0] + 1, cols[1]))
    inside = mask[:hi, x0:x1]
    count = np.zeros(height, dtype=np.float32)
    count[:hi] = inside.sum(axis=1)
    sums = np.zeros((height, lab.shape[2]), dtype=np.float32)
    sums[:hi] = column_sums(lab[:hi, x0:x1], inside)
    colour = np.where(count[:, None] >= 3, sums / np.maximum(count, 1)[:, None], np.nan)
    lo = max(0, min(lo, hi))
    skin = np.zeros(height, dtype=np.float32)
    skin[lo:hi] = skin_counts(pixels[lo:hi, x0:x1], inside[lo:], face) / np.maximum(1.0, count[lo:hi])
    return colour, count, skin


def skin_counts(pixels: np.ndarray, inside: np.ndarray, face: np.ndarray | None) -> np.ndarray:
    """Per row of a band (`pixels` and `inside` of the same rows and columns): how many of the
    person's pixels are skin, of the face's own chromaticity when `face` is given. The tests
    are per pixel, so they run on the person's pixels only (round 19; the same counts)."""
    row, col = np.nonzero(inside)
    person = pixels[row, col]
    is_skin = skin_pixels(person)
    if face is not None:
        is_skin[is_skin] = same_chroma(person[is_skin], face)
    return np.bincount(row[is_skin], minlength=inside.shape[0])


def column_sums(values: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Per row of `values` (rows, columns, channels): the sum over the columns where `inside`,
    in float32 (or wider) added column after column — exactly `(values * inside[..., None])
    .sum(axis=1)`, but laid out column-major so each step adds a whole column of rows (round
    19: twice as fast; the ranker's and the row labeller's features are on every ingest)."""
    by_column = np.empty((values.shape[1], values.shape[0], values.shape[2]),
                         dtype=np.result_type(values, np.float32))
    np.multiply(values.transpose(1, 0, 2), inside.T[..., None], out=by_column)
    return by_column.sum(axis=0)


class _Band:
    """Means of a per-row array over row ranges [a, b), NaN rows left out (NaN when none):
    prefix sums once, then each of the few hundred windows a photo asks for costs O(1)
    instead of a pass over its rows (the ranker's features were ~30 ms a photo)."""

    def __init__(self, values: np.ndarray) -> None:
        v = np.asarray(values, np.float64)
        rows = np.isfinite(v) if v.ndim == 1 else np.isfinite(v).all(axis=1)
        kept = np.where(rows if v.ndim == 1 else rows[:, None], v, 0.0)
        self.size = len(v)
        self.sums = np.concatenate([np.zeros((1, *v.shape[1:])), np.cumsum(kept, axis=0)])
        self.counts = np.concatenate([[0], np.cumsum(rows)])

    def __call__(self, a: float, b: float) -> np.ndarray | float:
        lo, hi = max(0, int(a)), max(0, min(self.size, int(b)))
        n = self.counts[hi] - self.counts[lo] if hi > lo else 0
        return np.nan if n == 0 else (self.sums[hi] - self.sums[lo]) / n



def _dist(a: np.ndarray | float, b: np.ndarray | float) -> float:
    d = np.linalg.norm(np.asarray(a) - np.asarray(b)) / COLOUR_SCALE
    return float(d) if np.isfinite(d) else 0.0


def start_candidates(pixels: np.ndarray, lab: np.ndarray, mask: np.ndarray,
                     cols: tuple[int, int], top: int, end: int, rule: int, shoulder: float,
                     hip: float, knee: float | None, torso: float, face: np.ndarray | None,
                     bent: bool, cues: dict[str, float]) -> HemCandidates:
    """Candidate rows for where the bottom begins (the waist; a dress's neckline), from just
    below the top's start `top` to above the bottom's end `end`, plus the rules' row `rule`
    and the rows the rules considered (`cues`, named as START_CUES), each described by
    START_NAMES."""
    w = max(2, round(WINDOW * torso))
    colour, count, skin = _rows(pixels, lab, mask, cols, top, face, hi=end + w + 1)
    width = count / torso
    colour_at, skin_at, width_at = _Band(colour), _Band(skin), _Band(width)
    chest = colour_at(shoulder + 0.1 * torso, shoulder + 0.35 * torso)
    legs = colour_at(end - 0.3 * torso, end - 0.05 * torso)
    step = max(1, round(STEP * torso))
    ys = np.arange(int(top + 0.1 * torso), int(end - FIRST * torso), step)
    extra = [rule] + [int(v) for k, v in cues.items() if k in START_CUES and top < v < end]
    ys = np.unique(np.clip(np.append(ys, extra), max(0, top), max(top, end - 1)))
    feats = np.zeros((len(ys), len(START_NAMES)))
    for i, y in enumerate(ys):
        above, below = colour_at(y - w, y), colour_at(y, y + w)
        feats[i] = (
            (y - shoulder) / torso, (y - hip) / torso,
            (y - knee) / torso if knee is not None else 0.0,
            min(2.0, abs(y - rule) / torso), abs(y - rule) <= 1, _dist(above, below),
            _dist(above, chest), _dist(below, chest), _dist(below, legs), _dist(above, legs),
            np.nan_to_num(skin_at(y - w, y)), np.nan_to_num(skin_at(y, y + w)),
            np.nan_to_num(width_at(y - w, y)), np.nan_to_num(width_at(y, y + w)),
            bent * (y - hip) / torso,
            *(np.exp(-abs(y - cues[k]) / (NEAR * torso)) if k in cues else 0.0
              for k in START_CUES),
            0.0, 0.0, 0.0, 0.0, 0.0)
    # a few products: the row's place as a curve, a person of one colour from chest to legs
    # (a dress, a suit) by how far down the row lies, a step away from the chest's colour,
    # skin below a row unlike the legs (a crop top's midriff)
    fs, fh = feats[:, 0], feats[:, 1]
    feats[:, -5] = fs ** 2
    feats[:, -4] = fh ** 2
    feats[:, -3] = _dist(chest, legs) * fs
    feats[:, -2] = feats[:, 5] * feats[:, 7]
    feats[:, -1] = feats[:, 11] * feats[:, 9]
    return HemCandidates(ys.astype(int), feats, int(rule))
