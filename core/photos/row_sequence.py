"""The body's column as a sequence of rows, labelled jointly (issue 13, round 18).

Why: rounds 9-17 placed the top's end and the bottom's start one hem at a time, by rules or by
a ranker over a few candidate rows, and neither found the right rows on held-out photos though
they were among the candidates. Here every row of the person between the shoulders and below
the hips is described alone (its colour against reference colours at the chest and at the
thighs, its skin, width and texture, where it lies against the joints and the rules' own
rows), a small learned model (models/row_labeller.py) gives each row the chance that it is
still inside the top and the chance that the bottom has begun, and a monotone dynamic
programme (a Viterbi over ordered states: in the top, then out of it; not yet the bottom, then
the bottom) reads off the one boundary per sequence that agrees best with all rows at once.
The states of a row are the pair (in the top?, in the bottom?): top only, both (an untucked
top over the trousers), neither (a bare midriff), bottom only; each chain is monotone, and the
pair is decoded as two chains (the model's chances are per chain). A boundary replaces the
rules' row only where its score beats the rules' row by a margin (else the rules stay).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.photos.hem_features import COLOUR_SCALE, column_sums, skin_counts

ROW_NAMES: tuple[str, ...] = (
    "from_shoulder", "from_hip", "from_hip_sq", "from_knee", "has_knee", "from_end_rule",
    "below_end_rule", "from_start_rule", "below_start_rule", "vs_chest", "vs_thighs",
    "chest_minus_thighs", "chest_vs_thighs", "skin", "width", "texture", "step",
    "above_chest_minus_thighs", "below_chest_minus_thighs", "cmt_from_hip", "chest_share",
    "far_share", "above_chest_share", "below_chest_share", "share_from_hip", "share_step")
FIRST = 0.15  # rows from this share of the torso below the shoulders ...
LAST = 1.6  # ... to this share of the torso below the hips (a long coat's hem, the frame)
STEP = 0.02  # a row every this share of the torso
SMOOTH = 0.04  # a row's colour is the mean over this share of the torso around it
WINDOW = 0.08  # rows compared above and below a row for its colour step
REACH = 1.0  # distances to the rules' rows are clipped at this share of the torso
CHEST = (0.1, 0.35)  # reference rows at the chest, shares of the torso below the shoulders
THIGHS = (0.35, 0.7)  # reference rows at the thighs, shares of the torso below the hips
PALETTE = 2  # colours per reference (an open jacket over a shirt; a print)
FAR = 28.0  # a pixel this far (colour distance) from every reference colour is neither


@dataclass(frozen=True)
class RowSequence:
    """One photo's rows (photo rows, top to bottom) and their features (ROW_NAMES)."""

    rows: np.ndarray  # (N,) int
    features: np.ndarray  # (N, len(ROW_NAMES))
    end_rule: int  # the rules' end of the top
    start_rule: int  # the rules' (or the start ranker's) start of the bottom


def describe(pixels: np.ndarray, lab: np.ndarray, mask: np.ndarray, cols: tuple[int, int],
             shoulder: float, hip: float, knee: float | None, torso: float,
             face: np.ndarray | None, end_rule: int, start_rule: int) -> RowSequence | None:
    """The rows from below the shoulders to below the hips (inside the photo), each described
    by ROW_NAMES over the person's pixels in columns `cols`; None with fewer than 3 rows.
    Why vectorised (round 19): a row at a time it cost ~0.045 s a photo, too slow to ship;
    every window mean is now one gather from prefix sums over the rows actually read."""
    height = mask.shape[0]
    lo = int(max(0, shoulder + FIRST * torso))
    hi = int(min(height, hip + LAST * torso))
    ys = np.arange(lo, hi, max(1, round(STEP * torso)))
    if len(ys) < 3:
        return None
    w = max(2, round(WINDOW * torso))
    s = max(1, round(SMOOTH * torso / 2))
    # the rows read: the windows' and the chest's (rows past hi + w were never read)
    a = max(0, min(lo - w, int(shoulder + CHEST[0] * torso)))
    b = max(a, min(height, hi + w + 1))
    colour, count, skin = _band_rows(pixels, lab, mask, cols, a, b, face)
    texture = _texture(lab, mask, cols, lo - w, hi + w + 1)[a:b]
    colour_at, skin_at, width_at, tex_at = (_Prefix(colour, a), _Prefix(skin, a),
                                            _Prefix(count / torso, a), _Prefix(texture, a))
    chest = colour_at.mean(shoulder + CHEST[0] * torso, shoulder + CHEST[1] * torso)[0]
    thighs = colour_at.mean(hip + THIGHS[0] * torso, hip + THIGHS[1] * torso)[0]
    if not np.all(np.isfinite(thighs)):  # cut above the thighs: the rows at the frame's edge
        thighs = colour_at.mean(height - 0.1 * torso, height)[0]
    ref_gap = float(_dists(chest[None], thighs)[0])
    up, down = ys - s, ys + s + 1
    here = colour_at.mean(up, down)
    vc, vt = _dists(here, chest), _dists(here, thighs)
    fh = (ys - hip) / torso
    feats = np.zeros((len(ys), len(ROW_NAMES)))
    feats[:, 0] = (ys - shoulder) / torso
    feats[:, 1] = fh
    feats[:, 2] = fh * fh
    feats[:, 3] = (ys - knee) / torso if knee is not None else 0.0
    feats[:, 4] = knee is not None
    feats[:, 5] = np.clip((ys - end_rule) / torso, -REACH, REACH)
    feats[:, 6] = ys >= end_rule
    feats[:, 7] = np.clip((ys - start_rule) / torso, -REACH, REACH)
    feats[:, 8] = ys >= start_rule
    feats[:, 9], feats[:, 10], feats[:, 11], feats[:, 12] = vc, vt, vc - vt, ref_gap
    feats[:, 13] = np.nan_to_num(skin_at.mean(up, down))
    feats[:, 14] = np.nan_to_num(width_at.mean(up, down))
    feats[:, 15] = np.nan_to_num(tex_at.mean(up, down))
    feats[:, 16] = _dists(colour_at.mean(ys - w, ys), colour_at.mean(ys, ys + w))
    # context along the sequence: how much the rows above / below look like the chest rather
    # than the thighs (a boundary is where that changes for good, not at one odd row)
    cmt = feats[:, 11]
    csum = np.cumsum(cmt)
    n = np.arange(1, len(ys) + 1)
    feats[:, 17] = csum / n
    feats[:, 18] = (csum[-1] - csum + cmt) / (len(ys) - n + 1)
    feats[:, 19] = cmt * feats[:, 1]
    # pixel by pixel: the share of a row's person pixels nearer the chest's colours than the
    # thighs' (a row's mean mixes a jacket with the shirt under it; its pixels do not)
    share, far = _shares(lab, mask, cols, shoulder, hip, torso, lo - w, hi + w + 1)
    share_at, far_at = _Prefix(share[a:b], a), _Prefix(far[a:b], a)
    feats[:, 20] = np.nan_to_num(share_at.mean(up, down), nan=0.5)
    feats[:, 21] = np.nan_to_num(far_at.mean(up, down))
    feats[:, 25] = (np.nan_to_num(share_at.mean(ys - w, ys), nan=0.5)
                    - np.nan_to_num(share_at.mean(ys, ys + w), nan=0.5))
    sh = feats[:, 20]
    csum = np.cumsum(sh)
    feats[:, 22] = csum / n
    feats[:, 23] = (csum[-1] - csum + sh) / (len(ys) - n + 1)
    feats[:, 24] = (sh - 0.5) * feats[:, 1]
    return RowSequence(ys.astype(int), feats, int(end_rule), int(start_rule))


class _Prefix:
    """Means of a per-row array (rows `offset`.. of the photo) over many row ranges [a, b) at
    once, NaN rows left out (NaN where none): prefix sums once, then one gather per call."""

    def __init__(self, values: np.ndarray, offset: int) -> None:
        v = np.asarray(values, np.float64)
        kept = np.isfinite(v) if v.ndim == 1 else np.isfinite(v).all(axis=1)
        self.offset, self.size = offset, len(v)
        self.sums = np.concatenate([np.zeros((1, *v.shape[1:])),
                                    np.cumsum(np.where(kept if v.ndim == 1 else kept[:, None],
                                                       v, 0.0), axis=0)])
        self.counts = np.concatenate([[0], np.cumsum(kept)])

    def mean(self, a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
        """(K,) or (K, C) means over photo rows [a_k, b_k) (truncated like int())."""
        lo = np.clip(np.trunc(np.atleast_1d(a)).astype(int) - self.offset, 0, self.size)
        hi = np.clip(np.trunc(np.atleast_1d(b)).astype(int) - self.offset, 0, self.size)
        hi = np.maximum(lo, hi)
        n = self.counts[hi] - self.counts[lo]
        total = self.sums[hi] - self.sums[lo]
        div = np.where(n > 0, n, 1).astype(np.float64)
        out = total / (div if total.ndim == 1 else div[:, None])
        out[n == 0] = np.nan
        return out


def _dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row of `a` (K, 3): its colour distance to `b` (or to each row of `b`) over
    COLOUR_SCALE, 0 where either is missing (NaN) — hem_features._dist, row by row."""
    d = np.sqrt(((a - b) ** 2).sum(axis=-1)) / COLOUR_SCALE
    return np.where(np.isfinite(d), d, 0.0)


def _band_rows(pixels: np.ndarray, lab: np.ndarray, mask: np.ndarray, cols: tuple[int, int],
               a: int, b: int, face: np.ndarray | None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Photo rows [a, b) over the columns `cols`: the person's mean colour (NaN with under 3
    of its pixels), its pixel count, and the share of them that is skin of the face's own
    chromaticity — hem_features._rows on the rows read only, the skin tests on the person's
    pixels only (the tests are per pixel, so the values are the same)."""
    x0, x1 = max(0, cols[0]), min(mask.shape[1], max(cols[0] + 1, cols[1]))
    inside = mask[a:b, x0:x1]
    count = inside.sum(axis=1).astype(np.float32)
    sums = column_sums(lab[a:b, x0:x1], inside)
    colour = np.where(count[:, None] >= 3, sums / np.maximum(count, 1)[:, None], np.nan)
    skin_count = skin_counts(pixels[a:b, x0:x1], inside, face).astype(np.float32)
    skin = skin_count / np.maximum(np.float32(1.0), count)
    return colour, count, skin


def _palette(pixels: np.ndarray) -> np.ndarray:
    """PALETTE colours of `pixels` (N, 3) by a few rounds of k-means from spread-out seeds."""
    if len(pixels) < PALETTE:
        return pixels.reshape(-1, 3)
    order = np.argsort(pixels[:, 0])
    centres = pixels[order[np.linspace(0, len(order) - 1, PALETTE).astype(int)]].astype(np.float64)
    wide = pixels.astype(np.float64)
    for _ in range(6):
        near = np.argmin(np.stack([(wide[:, 0] - c[0]) ** 2 + (wide[:, 1] - c[1]) ** 2
                                   + (wide[:, 2] - c[2]) ** 2 for c in centres], axis=1), axis=1)
        for k in range(PALETTE):
            if (near == k).any():
                centres[k] = pixels[near == k].mean(axis=0)
    return centres


def _shares(lab: np.ndarray, mask: np.ndarray, cols: tuple[int, int], shoulder: float,
            hip: float, torso: float, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Per photo row: the share of the person's pixels in `cols` nearer the chest's palette
    than the thighs' (NaN without pixels or references), and the share far from both."""
    height = mask.shape[0]
    share, far = np.full(height, np.nan), np.full(height, np.nan)
    x0, x1 = max(0, cols[0]), min(mask.shape[1], cols[1])
    stride = max(1, round(torso / 80))  # about 80 pixels a torso are enough, and cheap

    def ref(a: float, b: float) -> np.ndarray:
        ya, yb = int(max(0, a)), int(min(height, b))
        if yb <= ya or x1 <= x0:
            return np.zeros((0, 3))
        sel = mask[ya:yb:stride, x0:x1:stride]
        return lab[ya:yb:stride, x0:x1:stride][sel]

    chest = ref(shoulder + CHEST[0] * torso, shoulder + CHEST[1] * torso)
    thighs = ref(hip + THIGHS[0] * torso, hip + THIGHS[1] * torso)
    if len(thighs) < 10:
        thighs = ref(height - 0.1 * torso, height)
    lo, hi = max(0, lo), min(height, hi)
    if len(chest) < 10 or len(thighs) < 10 or hi <= lo or x1 <= x0:
        return share, far
    pc, pt = _palette(chest), _palette(thighs)
    # only the person's pixels are compared (the counts below read no others)
    row, col = np.nonzero(mask[lo:hi, x0:x1:stride])
    pixels = lab[lo:hi, x0:x1:stride][row, col].astype(np.float64)
    dc, dt = _nearest(pixels, pc), _nearest(pixels, pt)
    n = np.bincount(row, minlength=hi - lo)
    ok = n >= 3
    closer = np.bincount(row[dc < dt], minlength=hi - lo)
    neither = np.bincount(row[np.minimum(dc, dt) > FAR], minlength=hi - lo)
    share[lo:hi] = np.where(ok, closer / np.maximum(n, 1), np.nan)
    far[lo:hi] = np.where(ok, neither / np.maximum(n, 1), np.nan)
    return share, far


def _nearest(pixels: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Per pixel (N, 3): its distance to the nearest of `centres`, channel by channel (the
    same sums, in the same order, as one broadcast over (N, K, 3), without its memory)."""
    best = np.full(len(pixels), np.inf)
    for c in centres:
        d = np.sqrt((pixels[:, 0] - c[0]) ** 2 + (pixels[:, 1] - c[1]) ** 2
                    + (pixels[:, 2] - c[2]) ** 2)
        best = np.minimum(best, d)
    return best


def _texture(lab: np.ndarray, mask: np.ndarray, cols: tuple[int, int], lo: int,
             hi: int) -> np.ndarray:
    """Per photo row: the mean absolute step of lightness between neighbouring person pixels
    in `cols` (a print, a knit, denim), divided by 20; NaN where fewer than 3 pairs."""
    height = mask.shape[0]
    out = np.full(height, np.nan)
    lo, hi = max(0, lo), min(height, hi)
    x0, x1 = max(0, cols[0]), min(mask.shape[1], cols[1])
    if hi <= lo or x1 - x0 < 2:
        return out
    light = lab[lo:hi, x0:x1, 0]
    inside = mask[lo:hi, x0:x1]
    pair = inside[:, 1:] & inside[:, :-1]
    diff = np.abs(np.diff(light, axis=1)) * pair
    n = pair.sum(axis=1)
    out[lo:hi] = np.where(n >= 3, diff.sum(axis=1) / np.maximum(n, 1) / 20.0, np.nan)
    return out


def boundary(inside: np.ndarray) -> np.ndarray:
    """Scores of every boundary of a two-state monotone sequence: `inside` is each row's
    chance of the first state (in the top; not yet in the bottom); boundary k puts rows
    0..k-1 in the first state and k..N-1 in the second (k = 0..N). Why a dynamic programme
    over ordered states: a boundary must agree with every row at once, so one odd row (a hand,
    a belt, a shadow) cannot move it."""
    p = np.clip(np.asarray(inside, dtype=np.float64), 1e-6, 1 - 1e-6)
    first = np.concatenate([[0.0], np.cumsum(np.log(p))])
    second = np.concatenate([[0.0], np.cumsum(np.log1p(-p))])
    return first + (second[-1] - second)


def decode(inside: np.ndarray, rows: np.ndarray, rule: int, margin: float,
           step: int, reach: int | None = None) -> int | None:
    """The row where the first state ends, or None (keep the rules' row `rule`) when that
    boundary's score beats the boundary at the rules' row by less than `margin` (log units).
    A boundary after the last row is that row plus `step`. With `reach`, only boundaries
    within that many rows (of the sequence) of the rules' row are considered."""
    scores = boundary(inside)
    ends = np.append(rows, rows[-1] + step)
    at_rule = int(np.argmin(np.abs(ends - rule)))
    if reach is not None:
        far = np.abs(np.arange(len(scores)) - at_rule) > reach
        scores = np.where(far, -np.inf, scores)
    best = int(np.argmax(scores))
    if scores[best] - scores[at_rule] < margin or best == at_rule:
        return None
    return int(ends[best])


BOUNDARY_NAMES: tuple[str, ...] = (*(f"sum_{n}" for n in ROW_NAMES), *(f"at_{n}" for n in ROW_NAMES))


def boundary_features(seq: RowSequence) -> np.ndarray:
    """Features of each boundary k = 0..N of the two-state chain (rows before k in the first
    state): the sums of the row features over rows 0..k-1 (a linear chain's unary scores, so
    a linear score of these is exactly the chain's score of that labelling) and the features
    of row k itself (the transition's). Why: fitted as a conditional logit over boundaries,
    the chain is trained on the boundary itself, not on rows far from it that are easy."""
    x = seq.features / 50.0  # rows come every 0.02 torso: sums in torso units
    sums = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0)])
    at = np.vstack([seq.features, seq.features[-1:]])
    return np.hstack([sums, at])


def boundary_rows(seq: RowSequence, step: int) -> np.ndarray:
    """The photo row of each boundary k = 0..N (after the last row: that row plus `step`)."""
    return np.append(seq.rows, seq.rows[-1] + step)
