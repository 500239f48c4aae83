"""Garment regions of a full-body photo, found from the body's joints instead of fixed rows.

The seed's rows (core/photos/bodycrop.py) cut the person's box at fixed fractions, which put a
third of the trousers into the "top" band and mostly trousers into the "shoes" band. Here the
pose model's landmarks say where shoulders, hips, knees, ankles and feet are; the person mask
(the cut-out's alpha near the pose model's own person mask when the background was removed,
else that mask) gives each garment's width row by row; and a change of colour along the body finds the hems:

- top: from just above the shoulders to the hem, searched around the hips (a tucked shirt ends
  above them, a long jacket below), or to a bare midriff above it (rows of the face's own
  skin between the hips, hands away: a crop top), moved up to a sharp step of colour just
  above it (light from above makes the trousers' top unlike the thighs); when the thighs
  look like the top, down to the knees against the trousers below them (a long coat; not
  above bare shins: shorts or a skirt);
  in a photo cut above the knees it is looked for against the colour of the rows at the
  frame's edge (a sliver of trousers, however short; hands on it read past, a shaded top of
  the sliver taken at a sharp step, or, with no step, where rows near the edge's colour
  begin below rows clearly of another colour: round 12); above a short bottom over bare
  legs, against that bottom's own colour; with nothing below it in the frame (cut at the hips) it runs to the
  photo's edge; long sleeves on arms hanging below the hem (a tucked shirt's or a crop top's
  cuffs) carry the top's box down to their cuffs, as the labels draw it (opt-in, round 22,
  `WHAT2WEAR_HANGING_SLEEVES=on`; off by default: it did not fire on the unseen fresh-22,
  README; the bottom's start is not moved);
- bottom: from that hem down to the ankles, or to a hem found on the thighs/knees (shorts),
  or to where the legs show the face's own skin (shorts, a mini skirt, seated too),
  and on below that hem while its rows still show the garment's colour (a dress held up at
  one side, legs that cross); below a bare midriff it starts there; with bent legs (seated,
  cross-legged) over the leg landmarks' own rows (opt-in, round 24, `WHAT2WEAR_SEATED_HEELS=on`:
  down to the knees, ankles and heels, not to the toes of feet resting forward, which are the
  shoes'; off by default: on the unseen fresh-24 it changed one photo, for the worse, README),
  else to the frame's edge when a leg runs
  off it away from the feet (the other foot raised), or when the knees are seen but no ankle
  and the rows at the edge are not bare skin (the trousers run on out of the frame);
  opt-in (round 23, `WHAT2WEAR_MIDDLE_SLIVER=on`; off by default: it did not fire on the unseen
  fresh-23, README): in a photo cut above the knees where no hem is seen against the edge's
  colour over the hips' width, a sliver between the hips (front or back views; unlike the rows
  above it in hue, not only in light) places where the bottom begins (an open jacket, a held
  poster at the sides); the top keeps its hem;
- shoes: from the edge between shin and shoe above the ankles (none seen when the rows are
  unlike the shin from the first row searched: a slanting shin, a tall boot) to the soles under the feet;
  none when the feet look like the bare shins (skin), or when the feet's own pixels around
  heel and toe (both feet pooled) are mostly skin: bare feet are no garment; a foot the model is unsure of and
  its own person mask leaves out is hidden behind something (a bathtub's rim): no shoes;
  opt-in (round 21, `WHAT2WEAR_FEET_UNDER_HEM=on`; off by default: it did not fire on the unseen
  fresh-21, README): where the model sees no ankle of a standing person in the frame, the ankles
  it places on the person are under a hem (wide trousers, a maxi dress) and are used, not
  dropped as if outside the frame.

A one-piece is found from pixels only in one case (round 20, `WHAT2WEAR_ONE_PIECE`, on by
default): a standing person whose chest colour runs on over the hips and thighs down to a hem
between the knees and the ankles, with the person's own bare skin on the legs below it: a midi
or knee-length dress. Why only there: a dress and a top over trousers of one colour (a suit,
a tracksuit, black on black) look alike down to the ankles (rounds 5-8 found no cue for them),
but trousers do not end above the ankles over bare shins. The region is then "onepiece" from the
collar to that hem, instead of a top and a bottom. Otherwise ingest records a one-piece when the
top region matches a one-piece of the wardrobe (core/wardrobe/ingest.py).

Where the bottom begins is placed by a small learned ranker over candidate rows
(core/photos/hem_features.py, models/hem_ranker.py; round 9), on by default since round 10:
switched on by a rule written down before the unseen fresh-10 photos were run, which it met
(bottom 0.60 -> 0.64 there, 0.57 -> 0.69 on fresh-9; README). `WHAT2WEAR_HEM_RANKER=none` leaves
it to these rules, which still place everything else. Where the rules saw the top's hem, the
ranker's row is kept below the chest (round 13): a bottom from the shoulders is a dress.
Opt-in (`WHAT2WEAR_ROW_LABELLER=on`; off by default, so the regions are round 17's): after the
rules and the ranker, the body's rows are labelled jointly (round 18, core/photos/row_sequence.py,
models/row_labeller.py): where the learned boundary of "the bottom has begun" beats the row chosen
by its margin, the bottom starts there (the top's end head was measured and is not shipped). On
the unseen fresh-18 photos it met the quality rule but not the time rule; round 19 computes the
same rows' features ~3x faster, the same regions photo by photo, but on the unseen fresh-19
photos it lowered the bottom (0.57 -> 0.55), so it stays off by default (README).

A dark photo (night, a dim hall) in which the model finds nobody is looked at again with its
tones spread out (histogram equalisation), and its hems are then looked for in that version.

A garment whose joints are outside the photo (cut at the knees: no shoes) is reported in
`missing`, never invented. Without the pose model (switched off or not downloaded) the seed's
rows are used and `note` tells the person outfit photos are cut less precisely.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from scipy import ndimage

from base.config import load_settings
from core.photos import pose_model as pm
from core.photos.background import CutOut
from core.photos.bodycrop import ALPHA_THRESHOLD, Box, cut_bands
from core.photos.hem_features import START_NAMES as START_FEATURES
from core.photos.hem_features import HemCandidates, bottom_candidates, start_candidates
from core.photos.row_sequence import ROW_NAMES, RowSequence, decode, describe
from core.photos.skin import same_chroma, skin_pixels
from models import hem_ranker, row_labeller

PARTS: tuple[str, ...] = ("top", "bottom", "shoes")
ROWS_NOTE = ("the pose model is unavailable, so outfit photos are cut into fixed rows of the "
             "person's box and less precisely")
MIN_VISIBLE = 0.5  # a landmark needs this presence (inside the frame) to be used
EDGE_MARGIN = 0.01  # landmarks within this share of the photo's height of its bottom are cut off
HEM_DISTANCE = 28.0  # colour difference (CIELAB-like, 0..~150) that counts as a hem
COLLAR = 0.26  # the top starts this share of the torso above the shoulder joints
MIN_BELOW_HIPS = 0.45  # a bottom cut by the frame needs this share of the torso below the hips
SHOE_RISE = 0.45  # without a visible edge, shoes start this share of a foot above the ankles
SOLE_REACH = 0.8  # soles are looked for down to this share of a foot below the feet
CUT_EXTENSIONS = (0.6, 1.2)  # room added below a photo that cuts the person off, in turn
DARK = 60.0  # mean brightness (0..255) under which an unfound person is looked for again
CUT_EDGE_SHARE = 0.04  # person pixels in the bottom rows above this share of the width: cut
EDGE_ROWS = 0.08  # share of the torso above the frame's edge that shows a sliver's colour
SLIVER = 0.05  # a bottom below a hem seen above the frame's edge needs this share of the torso
EDGE_HEM_REACH = 0.35  # a top's hem above a sliver is looked for down to this below the hips
NEAR_BODY = 0.04  # cut-out pixels count as the person within this share of the body's height
LONG_REF = (0.1, 0.5)  # a long jacket's hem is seen against these rows between knee and ankle
LEG_EDGE = 0.25  # a leg away from the feet this close (share of the torso) to the edge leaves it
MIN_AGREEMENT = 0.5  # of the pose model's person pixels, the cut-out must keep this much
STEP_REACH = 0.3  # a sharp step of colour this share of the torso above a hem is the hem
BARE_SHARE = 0.6  # a foot whose person pixels are skin at least this share is bare
FOOT_PATCH = 0.1  # a foot's pixels: within this share of the torso of its heel and toe
KNEE_DEPTH = 0.1  # a bent leg's trousers reach this share of the torso below the knee joint
STILL_GARMENT = 0.3  # rows below a leg hem with this share of its colour are still the garment
MIDRIFF_FROM = 0.4  # a bare midriff is looked for from this share of the torso below the shoulders
CHEST = 0.4  # a bottom that starts above this share of the torso below the shoulders is a dress
MIDRIFF_RUN = 0.06  # ... and needs this share of the torso of rows mostly skin
FACE_MATCH = 35.0  # RGB distance within which a bare midriff's colour is the face's skin
BENT = 0.5  # knees less than this share of the torso below the hips: bent legs (seated)
SHARP_EDGE_HEM = 2.0  # a sliver's hem within the hem distance of the edge: a step this sharp
EDGE_UNLIKE = 1.5  # ... or rows above it this many hem distances from the edge's colour
BARE_LEG_PATCH = 0.07  # a leg's pixels: within this share of the torso of a point on it
BARE_LEG_RUN = 0.15  # bare legs need this share of the torso of skin points along a leg
SHORT_BOTTOM = 0.2  # a top's hem this share of the torso above bare legs is a short bottom's
SURE_FOOT = 0.65  # a foot seen with less visibility than this ...
FOOT_COVER = 0.25  # ... and less of the model's person mask around it than this is hidden
OWN_SKIN = 0.01  # bare shins: more than none (this share) of their pixels has the face's chroma
# unseen ankles under a hem (round 21, WHAT2WEAR_FEET_UNDER_HEM=on, opt-in) are used only where the person
# ends within this share of the torso below them (a foot and a shoe: of the standing design
# photos with a seen ankle, median 0.42 and 95% within 0.94) ...
FEET_END = 1.0
TALL_PERSON = 0.5  # ... and the person's mask spans at least this share of the photo's height
HAND_REACH = 0.12  # pixels within this share of the torso of a hand are not read for hems
HAND_POINTS = (pm.L_WRIST, pm.R_WRIST, 17, 18, 19, 20, 21, 22)  # wrists, then fingers
# a dress (round 20): the chest's colour (rows this share of the torso below the shoulders) ...
DRESS_CHEST = (0.25, 0.6)
DRESS_LIKE = 0.6  # ... kept by this share of the rows down to its hem, and lost by this share below
DRESS_HEM = (-0.25, 0.9)  # its hem between these shares of the way from the knees (0) to the ankles
LEG_SKIN = 0.3  # below it, this share of the legs' pixels skin, and of those the face's chroma
# a sleeve hanging below the top's hem (round 22, WHAT2WEAR_HANGING_SLEEVES=on, opt-in): patches
# of this share of the torso along the arm
SLEEVE_PATCH = 0.05
SLEEVE_COVERED = 0.3  # a patch with less than this share of skin pixels is covered (a sleeve)
SLEEVE_REACH = 0.85  # a sleeve still seen this far from the elbow to the wrist ends at the wrist
SLEEVE_GREY = 2.0  # a person whose pixels' mean chroma is under this is in a black-and-white photo
# a sliver between the hips at a cut frame (round 23): the hip joints at least this share of the
# torso apart (seen from the front or the back: a side view has no middle between them) ...
MIDDLE_HIPS = 0.25
MIDDLE_SHARE = 0.25  # ... read over the middle half of the way between them (this share each side)
MIDDLE_HUE = 10.0  # ... and unlike the garment above it in hue (a*, b*), not only in light
# the learned ranker of where the bottom begins (round 9; benchmarks/train_hem.py writes it):
# on by default (WHAT2WEAR_HEM_RANKER, base.config; README round 10); a ranker of the bottom's
# lower end was measured and not adopted, its file is not shipped
START_RANKER = Path(__file__).resolve().parents[2] / "models" / "start_ranker.json"
RANKER_FILES = {"end": START_RANKER.with_name("end_ranker.json"), "start": START_RANKER}
# the learned row labeller (round 18; benchmarks/train_rows.py writes it): opt-in
# (WHAT2WEAR_ROW_LABELLER=on; off by default: slower on fresh-18, worse bottom on fresh-19, README);
# WHAT2WEAR_HEM_RANKER=none switches it off with the start ranker
ROW_LABELLER = START_RANKER.with_name("row_labeller.json")
LEG_POINTS = (pm.L_KNEE, pm.R_KNEE, pm.L_ANKLE, pm.R_ANKLE, pm.L_HEEL, pm.R_HEEL, pm.L_TOE,
              pm.R_TOE)  # a bent leg's own rows
# where a bent leg's bottom ends (round 24, WHAT2WEAR_SEATED_HEELS=on, opt-in): the lowest of these, not the
# toes (of seated design photos in long trousers the labelled hem lies a median 0.1 torso below
# the ankle joint, about level with the heel, and 0.3 above the toes)
BENT_LEG_END = LEG_POINTS[:6]


@dataclass(frozen=True)
class GarmentRegions:
    """Each garment found, as a box in the photo and a tight crop composited on white."""

    method: str  # "pose" | "rows"
    person_box: Box
    boxes: dict[str, Box]  # part ("top", "bottom", "shoes") -> box
    crops: dict[str, Image.Image]
    missing: tuple[str, ...]  # garments that could not be found (outside the frame)
    note: str | None = None  # shown to the person (why the result is less precise)
    person_found: bool = True  # False: rows cut from the whole photo (no person separated)
    # the bottom's candidate end rows (training only) and start rows (training, the ranker)
    hem: HemCandidates | None = field(default=None, compare=False, repr=False)
    start: HemCandidates | None = field(default=None, compare=False, repr=False)
    start_method: str = "rules"  # "ranker" when the learned ranker placed the bottom's start
    # the body's rows between shoulders and thighs and their features (training, round 18)
    sequence: RowSequence | None = field(default=None, compare=False, repr=False)

    def as_json(self, scale: float = 1.0) -> dict[str, object]:
        """The CLI's JSON shape: boxes as [left, top, right, bottom], multiplied by `scale`
        (from the analysed image back to the photo's own pixels)."""
        def box(b: Box) -> list[int]:
            return [round(v * scale) for v in b]
        return {"person": box(self.person_box),
                "parts": {k: box(v) for k, v in self.boxes.items()},
                "method": self.method, "missing": list(self.missing)}


def rows_regions(cutout: CutOut, note: str | None = ROWS_NOTE) -> GarmentRegions:
    """The seed's fixed rows, as regions (the fallback without a pose model)."""
    bands = cut_bands(cutout)
    crops = {"top": bands.top, "bottom": bands.bottom, "shoes": bands.shoes}
    return GarmentRegions("rows", bands.person_box, dict(bands.boxes), crops, (), note,
                          bands.person_found)


def ranker_path() -> Path | None:
    """The learned ranker's weights: `WHAT2WEAR_HEM_RANKER` (a path, `shipped` for the file in
    models/ — the default — or `none`); None (the hand rules alone, as in round 8) for `none`."""
    value = load_settings().hem_ranker.strip()
    if not value or value.lower() == "none":
        return None
    return START_RANKER if value.lower() == "shipped" else Path(value)


@functools.lru_cache(maxsize=4)
def _load_ranker(path: Path) -> hem_ranker.HemRanker | None:
    return hem_ranker.load(path, START_FEATURES)


def shipped_ranker() -> hem_ranker.HemRanker | None:
    """The ranker of the bottom's start, loaded once per process and path; None (the rules
    place it) when switched off or when its file is missing or bad (a warning names the file)."""
    path = ranker_path()
    return None if path is None else _load_ranker(path)


@functools.lru_cache(maxsize=4)
def _load_labeller(path: Path) -> row_labeller.RowLabeller | None:
    return row_labeller.load(path, ROW_NAMES)


def labeller_path() -> Path | None:
    """The row labeller's weights: `WHAT2WEAR_ROW_LABELLER` (`off` — the default —, `on` for
    the file in models/, or a path); None when off or when WHAT2WEAR_HEM_RANKER=none."""
    value = load_settings().row_labeller.strip()
    if not value or value.lower() in ("off", "none") or ranker_path() is None:
        return None
    return ROW_LABELLER if value.lower() == "on" else Path(value)


def shipped_labeller() -> row_labeller.RowLabeller | None:
    """The row labeller (round 18; opt-in, off by default), loaded once per process and path;
    None (the rules and the ranker place the rows) when it is off, the default, or its file is
    missing or bad (a warning names the file)."""
    path = labeller_path()
    return None if path is None else _load_labeller(path)


def find_regions(cutout: CutOut, model: pm.PoseModel | None,
                 note: str | None = ROWS_NOTE, photo: Image.Image | None = None,
                 learned: bool = True, candidates: bool = False,
                 sequence: bool = False) -> GarmentRegions:
    """Garment regions of a full-body photo: from the pose when a model is given and finds a
    person, else the seed's rows (with `note`). `photo` is the original (the pose model was
    trained on whole scenes, not cut-outs); default: the cut-out's own colour channels.
    `learned`: where the bottom begins is placed by the learned ranker when one is switched on
    (WHAT2WEAR_HEM_RANKER) and it does not abstain, else by the hand rules alone;
    `candidates`: keep both candidate sets (for training); `sequence`: keep the body's row
    sequence and leave the rows' boundaries to the rules (for training the row labeller); both
    keep a dress as a top and a bottom (the training labels are per part)."""
    if model is None:
        return rows_regions(cutout, note)
    photo = photo if photo is not None else cutout.rgba.convert("RGB")
    pose = model.estimate(photo)
    if pose is None and _dark(photo):
        # a person in the dark is often only found once the photo's tones are spread out;
        # the hems are then looked for in the brightened photo too
        lit = ImageOps.equalize(photo)
        pose = model.estimate(lit)
        photo = lit if pose is not None else photo
    if pose is None or _legs_unseen(pose) or _cut_by_frame(pose.mask):
        # nobody found, the person runs off the bottom edge, or the legs are not to be seen:
        # ask again with room below, so legs and feet that are not in the photo are placed
        # outside it instead of squeezed into it (a half body is often only found this way);
        # more room when even then no knee is seen
        for extension in CUT_EXTENSIONS:
            pose = model.estimate(photo, extend_below=extension) or pose
            if pose is not None and not _legs_unseen(pose):
                break
    if pose is None:
        return rows_regions(cutout, "no body could be found in the photo, so it was cut into "
                            "fixed rows of the person's box")
    # the rules' switches (base/config.py: WHAT2WEAR_ONE_PIECE, on by default since round 20; the
    # opt-in WHAT2WEAR_FEET_UNDER_HEM, _HANGING_SLEEVES and _MIDDLE_SLIVER of rounds 21-23, each off
    # because it changed nothing on its unseen split; WHAT2WEAR_SEATED_HEELS of round 24, off
    # because on its unseen split it raised nothing and lowered one photo's bottom), read once per
    # photo; training (`candidates`, `sequence`) keeps the toes, as the shipped rankers were
    # trained
    switches = load_settings()
    reading = not (candidates or sequence)  # not a training path
    return _pose_regions(cutout, pose, photo, shipped_ranker() if learned else None,
                         candidates, None if sequence or not learned else shipped_labeller(),
                         sequence, one_piece=switches.one_piece_on and reading,
                         under_hem=switches.feet_under_hem_on,
                         sleeves=switches.hanging_sleeves_on and reading,
                         middle_sliver=switches.middle_sliver_on,
                         seated_heels=switches.seated_heels_on and reading)


def _below_chest(ranker: hem_ranker.HemRanker, start: HemCandidates, chest: float,
                 pick: int) -> int | None:
    """The ranker's row for where the bottom begins, kept below the chest when the rules saw
    the top's hem. Why: a bottom from the shoulders is a one-piece, which the ranker learned
    from the dresses labelled as top and bottom; where a colour change ends the top, the
    garments are two, so its most likely row below the chest is taken (None: the rules' row)."""
    rows = np.asarray(start.rows, dtype=np.float64)
    if rows[pick] >= chest:
        return pick
    below = np.flatnonzero(rows >= chest)
    if below.size == 0:
        return None
    return int(below[np.argmax(ranker.chances(start.features)[below])])


def _dark(photo: Image.Image) -> bool:
    """True for a photo whose mean brightness is below DARK (night, a dim hall)."""
    small = photo.convert("L").reduce(8) if min(photo.size) >= 64 else photo.convert("L")
    return float(np.asarray(small, dtype=np.float32).mean()) < DARK


def _lab(pixels: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A cheap perceptual colour space (lightness and two opponent channels), enough to see
    a hem; computed with plain array arithmetic (a reduction over channels costs 5x more),
    and only inside the person's box (only person pixels are ever read; the rest is 0)."""
    out = np.zeros(pixels.shape, dtype=np.float32)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return out
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    rgb = pixels[y0:y1, x0:x1].astype(np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    box = out[y0:y1, x0:x1]
    box[..., 0] = (r + g + b) * (1 / 3)
    box[..., 1] = r - g
    box[..., 2] = (r + g) * 0.5 - b
    return out


def _profile(lab: np.ndarray, mask: np.ndarray, x0: float, x1: float, y0: int, y1: int,
             x_start: float | None = None) -> np.ndarray:
    """Mean colour per row between x0 and x1 (or within x0 of a line from x_start at y0 to x1
    at y1), person pixels only; NaN rows with too few of them. Row index 0 is y0."""
    height, width = mask.shape
    ys = np.arange(y0, y1)
    rows = np.full((len(ys), 3), np.nan, dtype=np.float32)
    valid = (ys >= 0) & (ys < height)
    if not valid.any():
        return rows
    if x_start is None:
        a = np.full(len(ys), x0)
        b = np.full(len(ys), x1)
    else:
        t = (ys - y0) / max(1, y1 - y0)
        centre = x_start + t * (x1 - x_start)
        a, b = centre - x0, centre + x0 + 1
    lo = int(max(0, np.floor(a.min())))
    hi = int(min(width, np.ceil(b.max())))
    if hi <= lo:
        return rows
    yv = ys[valid]
    cols = np.arange(lo, hi)
    inside = (cols[None, :] >= a[valid, None]) & (cols[None, :] < b[valid, None])
    sel = mask[yv, lo:hi] & inside
    counts = sel.sum(axis=1)
    sums = (lab[yv, lo:hi] * sel[..., None]).sum(axis=1)
    enough = counts >= np.maximum(2, 0.3 * inside.sum(axis=1))
    out = np.full((len(yv), 3), np.nan, dtype=np.float32)
    out[enough] = sums[enough] / counts[enough, None]
    rows[valid] = out
    return rows


def _hem(profile: np.ndarray, lo: int, hi: int, window: int) -> int | None:
    """The row index in [lo, hi) where the colour above differs most from the colour below
    (means over `window` rows each side, no row without person pixels), if the difference
    reaches HEM_DISTANCE."""
    n = len(profile)
    if n < 2 * window + 1:
        return None
    bad = np.isnan(profile).any(axis=1)
    values = np.where(bad[:, None], 0.0, profile)
    csum = np.vstack([np.zeros((1, 3)), np.cumsum(values, axis=0)])
    cbad = np.concatenate([[0], np.cumsum(bad)])
    ys = np.arange(max(window, lo), min(n - window, hi))
    if ys.size == 0:
        return None
    above = (csum[ys] - csum[ys - window]) / window
    below = (csum[ys + window] - csum[ys]) / window
    clean = (cbad[ys + window] - cbad[ys - window]) == 0
    diff = np.where(clean, np.linalg.norm(above - below, axis=1), 0.0)
    best = int(np.argmax(diff))
    return int(ys[best]) if diff[best] >= HEM_DISTANCE else None


def person_pixels(alpha: np.ndarray, body: np.ndarray) -> np.ndarray:
    """The cut-out's pixels near the body the pose model sees.

    Why: a cut-out that kept part of the background (night lights, a wall, a second person)
    would make every garment as wide as what was kept; the pose model's own person mask is a
    second opinion of where the person is. Within `NEAR_BODY` of that mask the cut-out's finer
    edge is kept; if the two hardly agree (less than `MIN_AGREEMENT` of the body kept), the
    cut-out is not trusted at all and the body mask is used.
    """
    if body.sum() < 50:  # no person mask to compare with
        return alpha
    if alpha.mean() < 0.005:  # the cut-out kept (almost) nothing
        return body
    kept = alpha & _dilate(body, NEAR_BODY)
    return kept if kept.sum() >= MIN_AGREEMENT * body.sum() else body


def _dilate(mask: np.ndarray, share: float) -> np.ndarray:
    """`mask` grown by `share` of its own height (a square neighbourhood), on a small copy: a
    full-resolution filter would cost as much as the pose model."""
    rows = np.flatnonzero(mask.any(axis=1))
    height, width = mask.shape
    scale = min(1.0, 256 / max(height, width))
    small = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize(
        (max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BOX)) > 0
    radius = max(1, round(share * (rows[-1] - rows[0] + 1) * scale))
    grown = ndimage.maximum_filter(small, size=2 * radius + 1, mode="constant", cval=0)
    big = Image.fromarray(grown.astype(np.uint8) * 255).resize((width, height), Image.Resampling.NEAREST)
    return np.asarray(big) > 0


def _extent(mask: np.ndarray, y0: int, y1: int, fallback: tuple[float, float]) -> tuple[int, int]:
    """The person's columns between rows y0 and y1 (2nd..98th percentile of person pixels)."""
    band = mask[max(0, y0):max(0, y1)]
    cols = np.nonzero(band)[1]
    if cols.size < 20:
        return int(fallback[0]), int(fallback[1])
    return int(np.percentile(cols, 1)), int(np.percentile(cols, 99)) + 1


def _pose_regions(cutout: CutOut, pose: pm.Pose, photo: Image.Image,
                  ranker: hem_ranker.HemRanker | None = None,
                  candidates: bool = False, labeller: row_labeller.RowLabeller | None = None,
                  sequence: bool = False, one_piece: bool = False,
                  under_hem: bool = False, sleeves: bool = False,
                  middle_sliver: bool = False, seated_heels: bool = False) -> GarmentRegions:
    width, height = photo.size
    if cutout.removed:
        mask = person_pixels(np.asarray(cutout.rgba.getchannel("A")) >= ALPHA_THRESHOLD, pose.mask)
    else:
        mask = pose.mask
    if mask.sum() < 50:
        mask = np.ones((height, width), dtype=bool)
    lab = _lab(np.asarray(photo), mask)
    p = pose.points
    inside = ((pose.presence >= MIN_VISIBLE) & (p[:, 1] < height * (1 - EDGE_MARGIN))
              & (p[:, 1] >= 0))
    # the model places every joint somewhere, even legs outside a photo cut at the hips; a
    # limb joint counts only where the model also sees it (visibility), on one side at least
    seen = inside & (pose.visibility >= MIN_VISIBLE)
    # ankles under a hem (wide trousers, a maxi dress) are seen by the model as hidden, not
    # as absent: where no ankle is seen on a standing person inside the frame, the feet's
    # points on the person count as seen (round 21)
    hidden = _feet_under_hem(pose, inside, seen, mask) if under_hem else np.zeros_like(seen)
    seen |= hidden
    for pair in ((pm.L_KNEE, pm.R_KNEE), (pm.L_ANKLE, pm.R_ANKLE), (pm.L_HEEL, pm.R_HEEL),
                 (pm.L_TOE, pm.R_TOE)):
        if not seen[list(pair)].any():
            inside[list(pair)] = False

    def y_of(*idx: int) -> float | None:
        ok = [i for i in idx if inside[i]]
        return float(np.mean([p[i, 1] for i in ok])) if ok else None

    def x_range(*idx: int) -> tuple[float, float]:
        xs = [p[i, 0] for i in idx]
        return float(min(xs)), float(max(xs))

    boxes: dict[str, Box] = {}
    missing: list[str] = []
    hem_rows: HemCandidates | None = None
    start_rows: HemCandidates | None = None
    start_method = "rules"
    shoulder = y_of(pm.L_SHOULDER, pm.R_SHOULDER)
    hip = y_of(pm.L_HIP, pm.R_HIP)
    if shoulder is None:  # no shoulders in the frame: nothing to anchor a top on
        shoulder = float(p[[pm.L_SHOULDER, pm.R_SHOULDER], 1].mean())
    hip_est = hip if hip is not None else float(p[[pm.L_HIP, pm.R_HIP], 1].mean())
    torso = max(8.0, hip_est - shoulder)
    top_y0 = int(max(0, shoulder - COLLAR * torso))
    knee = y_of(pm.L_KNEE, pm.R_KNEE)
    ankle_y = y_of(pm.L_ANKLE, pm.R_ANKLE)
    # hands held in front of the body (a bag, joined hands, thumbs in pockets) are no hem:
    # the hem searches read the person's pixels away from them
    clothes = mask & ~_near_hands(p, mask.shape, torso)
    face = _face_skin(np.asarray(photo), mask, p, torso)
    bare = _bare_legs(np.asarray(photo), clothes, p, inside, face, torso)
    # where no leg could be walked for bare skin, bare legs at a cut photo's edge are read
    # past (round 14); where it could, the short bottom's own colour places the hem below
    hem = _top_hem(lab, mask, p, hip_est, knee, torso, height, ankle_y, clothes,
                   skin_edge=bare is None)
    middle: int | None = None
    if middle_sliver and knee is None and hem == _hem_fallback(height, hip_est, torso):
        # no hem against the edge's colour over the hips' width: an open layer, a held object
        # or hands at the sides may hide a sliver of the bottom that shows between the hips;
        # it says where the bottom begins, not where the top beside it ends (round 23)
        found = _middle_edge_hem(lab, clothes, p, hip_est, torso, hem, skin_edge=bare is None)
        middle = found if found != hem else None
    if bare is not None and hem > bare - SHORT_BOTTOM * torso:
        # both the top and a short bottom are unlike the bare thighs, so the hem found is
        # the bottom's: the top's is looked for above it, against the bottom's own colour
        hem = _short_top_hem(lab, clothes, p, hip_est, bare, torso, hem)
    waist = hem if middle is None else middle  # where the bottom begins
    midriff = _bare_midriff(np.asarray(photo), mask, p, shoulder, hem, torso)
    if midriff is not None:
        # bare skin above the hem, hands away: the bottom begins below it, and a crop top
        # ends where it begins (unless an open layer goes on beside the skin)
        waist = midriff[1]
        if _skin_across(np.asarray(photo), mask, midriff):
            hem = midriff[0]

    ankle_ids = [i for i in (pm.L_ANKLE, pm.R_ANKLE) if inside[i]]
    ankle = max(p[i, 1] for i in ankle_ids) if ankle_ids else None  # the lower foot
    feet: list[int] = []
    for side in ((pm.L_ANKLE, pm.L_HEEL, pm.L_TOE), (pm.R_ANKLE, pm.R_HEEL, pm.R_TOE)):
        vis = max(pose.visibility[i] for i in side)
        if hidden[list(side)].any():
            vis = max(vis, MIN_VISIBLE)  # under a hem: still checked for a rim in front
        if vis >= MIN_VISIBLE and not (vis < SURE_FOOT and _foot_uncovered(pose.mask, p, side,
                                                                            torso)):
            # a hidden foot is guessed; a foot the model is unsure of and whose pixels its own
            # person mask leaves out is behind something (a bathtub's rim, a ledge)
            feet += [i for i in side if inside[i]]

    arms = x_range(pm.L_SHOULDER, pm.R_SHOULDER, pm.L_ELBOW, pm.R_ELBOW, pm.L_HIP, pm.R_HIP)
    top_end = hem
    if sleeves:
        # long sleeves hanging below the hem (a tucked shirt, a crop top, an open jacket's
        # arms) are part of the top down to their cuffs (round 22, opt-in)
        cuff = _sleeve_cuff(np.asarray(photo), lab, mask, p, seen & inside, torso)
        top_end = max(hem, cuff) if cuff is not None else hem
    top_box = (*_extent(mask, top_y0, top_end, arms), top_end)
    top_box = (top_box[0], top_y0, top_box[1], top_box[2])

    # the bottom: from the hem to the ankles, or to a hem on the legs (shorts, skirts)
    bottom_box: Box | None = None
    cues: dict[str, float] = {}  # rows the rules considered for the bottom's end (ranker)
    if hip is not None:
        b0 = int(max(top_y0, waist - 0.06 * torso))
        legs_seen: list[float] = []
        leg_end = ankle if ankle is not None else (knee if knee is not None else None)
        least = 0.15 * torso  # a shorter bottom is a sliver of the top's own colour
        if leg_end is None:
            b1 = height  # legs leave the frame above the knees: the bottom runs to the edge
            sliver = knee is None and (hem != _hem_fallback(height, hip_est, torso)
                                       or middle is not None)
            if height - hip < MIN_BELOW_HIPS * torso and not sliver:
                b1 = b0  # a sliver below the hips, not unlike the top: no bottom to take
            elif sliver:
                least = SLIVER * torso  # unlike the top above it: a garment however short
        else:
            b1 = int(leg_end)
            lower = _leg_hem(lab, mask, p, inside, hip, torso)
            if lower is not None:
                cues["leg_hem"] = lower
            cues["ankle"] = leg_end + 0.05 * torso
            if lower is None or lower < b0 + 0.3 * torso:
                lower = None
            if lower is not None:
                # a hem inside a skirt or dress (held up at one side, a slit, a fold): the
                # garment's colour goes on below it beside the bare leg
                lower = _garment_below(lab, mask, lower, int(leg_end), torso)
                cues["below_hem"] = lower
            else:
                # bent legs (seated, crouching, cross-legged): a knee below the ankles is
                # still inside the trousers, so the bottom spans the knees' rows too
                knee_low = _lowest_knee(p, inside)
                if knee_low is not None:
                    b1 = max(b1, int(knee_low + KNEE_DEPTH * torso))
                    cues["knee"] = knee_low + KNEE_DEPTH * torso
            b1 = lower if lower is not None else int(min(height, b1 + 0.05 * torso))
            legs_seen = [float(p[i, 1]) for i in LEG_POINTS if inside[i]]
            if legs_seen:
                cues["legs_low"] = max(legs_seen) + 0.05 * torso
            if knee is not None and legs_seen and knee - hip < BENT * torso:
                # bent legs (seated, cross-legged, knees raised): the thighs run forward, so
                # the bottom spans the leg landmarks' own rows, above the hips' too (crossed
                # feet lie on the lap)
                b0 = int(max(top_y0, min(b0, min(legs_seen) - 0.05 * torso)))
                b1 = int(min(height, max(b1, _bent_leg_end(p, inside, legs_seen, seated_heels)
                                         + 0.05 * torso)))
            elif lower is None and _leg_off_frame(mask, p, torso):
                b1 = height  # standing, a leg runs off the frame beside a raised foot
            if ankle is None and _shins_leave_frame(lab, mask, torso):
                b1 = height  # knees seen, no ankle: the trousers run on out of the frame
        if bare is not None:
            cues["bare"] = bare
        if bare is not None and b0 + least < bare < b1:
            b1 = bare  # the short bottom ends where the legs' own skin begins
        if b1 - b0 > least:
            legs = x_range(pm.L_HIP, pm.R_HIP, pm.L_KNEE, pm.R_KNEE)
            x0, x1 = _extent(mask, b0, b1, legs)
            bottom_box = (x0, b0, x1, min(height, b1))
            bent = knee is not None and knee - hip < BENT * torso
            if candidates:
                hem_rows = bottom_candidates(np.asarray(photo), lab, mask, (x0, x1), b0,
                                             min(height, b1), hip, knee, ankle, torso, face,
                                             bent, cues)
            start_cues = {"hem": float(hem), "hip": hip}
            if midriff is not None:
                start_cues["midriff"] = float(midriff[1])
            if legs_seen:
                start_cues["legs_high"] = min(legs_seen) - 0.05 * torso
            cols = (min(x0, top_box[0]), max(x1, top_box[2]))
            if candidates or ranker is not None:
                start_rows = start_candidates(np.asarray(photo), lab, mask, cols, top_y0,
                                              bottom_box[3], b0, shoulder, hip, knee, torso,
                                              face, bent, start_cues)
            pick = ranker.choose(start_rows.features) if ranker and start_rows else None
            if (pick is not None and ranker is not None and start_rows is not None
                    and hem != _hem_fallback(height, hip_est, torso)):
                pick = _below_chest(ranker, start_rows, shoulder + CHEST * torso, pick)
            if pick is not None and bottom_box[3] - start_rows.rows[pick] > least:
                # the learned ranker places where the bottom begins (the rules' row is one of
                # its candidates and a feature); where it abstains the rules' row stays
                b0 = int(start_rows.rows[pick])
                x0, x1 = _extent(mask, b0, bottom_box[3], legs)
                bottom_box = (x0, b0, x1, bottom_box[3])
                start_method = "ranker"
    rows_seq: RowSequence | None = None
    if bottom_box is not None and (sequence or labeller is not None):
        # the body's rows labelled jointly (round 18): where the learned boundaries beat the
        # rules' rows by their margin, they end the top and begin the bottom
        cols = (min(bottom_box[0], top_box[0]), max(bottom_box[2], top_box[2]))
        rows_seq = describe(np.asarray(photo), lab, clothes, cols, shoulder, hip_est, knee,
                            torso, face, top_box[3], bottom_box[1])
        if labeller is not None and rows_seq is not None:
            end, start = _labelled(labeller, rows_seq, torso)
            if end is not None and end > top_y0 + 0.3 * torso:
                x0, x1 = _extent(mask, top_y0, end, arms)
                top_box = (x0, top_y0, x1, end)
            if start is not None and bottom_box[3] - start > 0.15 * torso:
                x0, x1 = _extent(mask, start, bottom_box[3],
                                 x_range(pm.L_HIP, pm.R_HIP, pm.L_KNEE, pm.R_KNEE))
                bottom_box = (x0, start, x1, bottom_box[3])
    if bottom_box is None:
        missing.append("bottom")

    shoes_box: Box | None = None
    if feet and ankle is not None:
        foot = max(6.0, float(np.max([np.hypot(*(p[t] - p[a])) for a, t in
                                      ((pm.L_ANKLE, pm.L_TOE), (pm.R_ANKLE, pm.R_TOE))])))
        fx = [p[i, 0] for i in feet]
        fy = [p[i, 1] for i in feet]
        s0 = _shoe_top(lab, mask, (min(fx) - 0.25 * foot, max(fx) + 0.25 * foot),
                       float(min(fy)), knee, foot)
        s1 = _sole(mask, (min(fx), max(fx)), float(max(fy)), foot)
        x0, x1 = _extent(mask, s0, s1, (min(fx) - 0.4 * foot, max(fx) + 0.4 * foot))
        x0 = max(x0, int(min(fx) - 0.9 * foot))
        x1 = min(x1, int(max(fx) + 0.9 * foot))
        feet_xs = (min(fx) - 0.25 * foot, max(fx) + 0.25 * foot)
        feet_ys = (float(min(fy)), float(max(fy)))
        # skin at the feet is bare feet where the shins are covered (or not seen) or the
        # person runs off the frame (feet squeezed onto the legs); over bare shins inside it
        # `_barefoot` decides, and skin there unlike the shins is a sandal's or a heel's
        # straps over the foot (round 15)
        bare = _barefoot(lab, mask, feet_xs, feet_ys, knee,
                         own=(np.asarray(photo), face)) or (
            (_cut_by_frame(mask) or not _bare_shins(lab, mask, feet_xs, feet_ys[0], knee))
            and _skin_feet(np.asarray(photo), mask, p, feet, torso))
        if s1 - s0 > 3 and x1 > x0 and not bare:
            shoes_box = (max(0, x0), s0, min(width, x1), s1)
    if shoes_box is None:
        missing.append("shoes")

    dress = None
    if one_piece and bottom_box is not None and midriff is None:
        # ankles under a hem are no bare shins below a dress's hem: the dress is not read there
        dress = _dress_hem(np.asarray(photo), lab, clothes, p,
                           (shoulder, hip, knee, None if hidden.any() else ankle_y), torso, face)
    if dress is not None:
        # one garment from the collar to a hem above bare legs: a dress, not a top and a bottom
        x0, x1 = _extent(mask, top_y0, dress, x_range(pm.L_SHOULDER, pm.R_SHOULDER, pm.L_HIP,
                                                      pm.R_HIP, pm.L_KNEE, pm.R_KNEE))
        boxes["onepiece"] = (x0, top_y0, x1, dress)
        top_box = bottom_box = None
    if bottom_box is None and dress is None and _cut_by_frame(mask):
        # nothing below the top in the frame (cut at the hips): the top runs to the edge
        top_box = (*_extent(mask, top_y0, height, arms), height)
        top_box = (top_box[0], top_y0, top_box[1], height)
    if top_box is not None:
        boxes["top"] = top_box
    if bottom_box is not None:
        boxes["bottom"] = bottom_box
    if shoes_box is not None:
        boxes["shoes"] = shoes_box
    boxes = {k: _clip(v, width, height) for k, v in boxes.items()}
    person = _person_box(boxes)
    crops = {k: _crop_on_white(cutout, mask, v) for k, v in boxes.items()}
    return GarmentRegions("pose", person, boxes, crops, tuple(missing), hem=hem_rows,
                          start=start_rows, start_method=start_method, sequence=rows_seq)


def _labelled(labeller: row_labeller.RowLabeller, seq: RowSequence,
              torso: float) -> tuple[int | None, int | None]:
    """The top's end and the bottom's start decoded from the row sequence (None: the rules'
    row stays), each where its head is shipped and confident."""
    step = max(1, round(0.02 * torso))
    out: list[int | None] = []
    for key, rule in (("end", seq.end_rule), ("start", seq.start_rule)):
        head = labeller.heads.get(key)
        if head is None or not np.isfinite(head.margin):
            out.append(None)
            continue
        inside = head.chances(seq.features)
        # the start head gives the chance a row is in the bottom: its first state is "not yet"
        out.append(decode(inside if key == "end" else 1.0 - inside, seq.rows, rule,
                          head.margin, step, head.reach))
    return out[0], out[1]


def _dress_hem(pixels: np.ndarray, lab: np.ndarray, clothes: np.ndarray, p: np.ndarray,
               rows: tuple[float, float | None, float | None, float | None], torso: float,
               face: np.ndarray | None) -> int | None:
    """The hem of a dress (round 20), or None: standing (knees well below the hips, ankles
    below them), the chest's colour (DRESS_CHEST) is kept from the chest down over the legs'
    width to a hem between the knees and the ankles (DRESS_HEM) and lost below it (DRESS_LIKE
    of the rows each side), and the legs below the hem are the person's own bare skin (LEG_SKIN).
    Why: one colour from chest to ankles is also a suit or black on black, and a hem above
    the knees also shorts; trousers never stop above the ankles over bare shins."""
    shoulder, hip, knee, ankle = rows
    if face is None or hip is None or knee is None or ankle is None:
        return None
    if knee - hip < BENT * torso or ankle - knee < 0.3 * torso:
        return None  # seated, crouching or a raised knee: the lap is not a skirt's rows
    xs = p[[pm.L_HIP, pm.R_HIP], 0]
    y0 = int(shoulder + DRESS_CHEST[0] * torso)
    chest = _profile(lab, clothes, float(xs.min() - 0.12 * torso), float(xs.max() + 0.12 * torso),
                     y0, int(shoulder + DRESS_CHEST[1] * torso))
    if np.isnan(chest).all():
        return None
    legs = p[[pm.L_HIP, pm.R_HIP, pm.L_KNEE, pm.R_KNEE, pm.L_ANKLE, pm.R_ANKLE], 0]
    lx0, lx1 = float(legs.min() - 0.1 * torso), float(legs.max() + 0.1 * torso)
    dist = np.linalg.norm(_profile(lab, clothes, lx0, lx1, y0, int(ankle))
                          - np.nanmedian(chest, axis=0), axis=1)
    valid = ~np.isnan(dist)
    if valid.sum() < 10:
        return None
    # the row that best splits "the chest's colour" above from "another colour" below
    unlike = np.where(valid, np.maximum(0.0, dist - HEM_DISTANCE), 0.0)
    like = np.where(valid, np.maximum(0.0, HEM_DISTANCE - dist), 0.0)
    cost = np.concatenate([[0], np.cumsum(unlike)]) + (like.sum() - np.concatenate(
        [[0], np.cumsum(like)]))
    cut = int(np.argmin(cost))
    above, below = dist[:cut][valid[:cut]], dist[cut:][valid[cut:]]
    hem = y0 + cut
    if (above.size < 5 or below.size < 3 or (above < HEM_DISTANCE).mean() < DRESS_LIKE
            or (below >= HEM_DISTANCE).mean() < DRESS_LIKE):
        return None
    if not DRESS_HEM[0] <= (hem - knee) / (ankle - knee) <= DRESS_HEM[1]:
        return None
    # the legs below the hem: bare skin of the face's colour (not tights, boots or trousers)
    shins = p[[pm.L_KNEE, pm.R_KNEE, pm.L_ANKLE, pm.R_ANKLE], 0]
    window = (slice(max(0, int(hem + 0.03 * torso)), max(0, int(ankle - 0.02 * torso))),
              slice(int(max(0, shins.min() - 0.1 * torso)), int(shins.max() + 0.1 * torso)))
    inside = clothes[window]
    if not inside.any():
        return None
    below_hem = pixels[window]
    skin = skin_pixels(below_hem) & inside
    if skin.sum() < LEG_SKIN * inside.sum():
        return None
    own = same_chroma(below_hem[skin], face)
    return hem if own.mean() >= LEG_SKIN else None


def _hem_fallback(height: int, hip: float, torso: float) -> int:
    """The top's hem where no change of colour is seen: just below the hips. Callers compare
    with it to tell whether the rules saw the top's hem."""
    return int(min(height, hip + 0.12 * torso))


def _top_hem(lab: np.ndarray, mask: np.ndarray, p: np.ndarray, hip: float,
             knee: float | None, torso: float, height: int,
             ankle: float | None = None, clothes: np.ndarray | None = None,
             skin_edge: bool = False) -> int:
    """Where the top ends: the row above which the body does not look like the thighs and
    below which it does (a change point against the thigh's colour, over the hips' width),
    searched from well above the hips (a cropped top) to the upper thigh (a long jacket).
    Without a clear change (one colour head to toe) the hem is put just below the hips."""
    fallback = _hem_fallback(height, hip, torso)
    xs = p[[pm.L_HIP, pm.R_HIP], 0]
    x0, x1 = float(xs.min() - 0.12 * torso), float(xs.max() + 0.12 * torso)
    if knee is None or knee - hip < 0.3 * torso:
        if knee is not None:
            return fallback
        # hands in front of the thighs are read past first; where they hide too much to
        # see a hem, the rows are read as they are
        hem = fallback if clothes is None else _edge_hem(lab, clothes, (x0, x1), hip, torso,
                                                         fallback, skin_edge)
        return hem if hem != fallback else _edge_hem(lab, mask, (x0, x1), hip, torso,
                                                     fallback, skin_edge)
    start, stop = int(hip - 0.45 * torso), int(hip + 0.75 * (knee - hip))
    ref_rows = _profile(lab, mask, x0, x1, int(hip + 0.55 * (knee - hip)),
                        int(hip + 0.9 * (knee - hip)))
    hem = _change_point(lab, mask, (x0, x1), start, stop, ref_rows, torso, fallback)
    if hem != fallback:
        hem = _sharpest_step(lab, mask, (x0, x1), hem, ref_rows, torso)
    if (hem != fallback or ankle is None or ankle - knee < 0.3 * torso
            or np.isnan(ref_rows).all()):
        return hem  # a hem against the thighs, or no thighs to compare with (seated)
    # the thighs look like the top: a long jacket or coat may cover them; its hem is looked
    # for down to the knees, against the trousers below the knees
    lx = p[[pm.L_KNEE, pm.R_KNEE, pm.L_ANKLE, pm.R_ANKLE], 0]
    lx0, lx1 = float(lx.min() - 0.1 * torso), float(lx.max() + 0.1 * torso)
    shin = _profile(lab, mask, lx0, lx1, int(knee + LONG_REF[0] * (ankle - knee)),
                    int(knee + LONG_REF[1] * (ankle - knee)))
    if np.isnan(shin).all() or _skin(np.nanmedian(shin, axis=0)):
        return hem  # bare shins under a top of the thighs' colour: shorts or a skirt, no coat
    return _change_point(lab, mask, (x0, x1), start, int(knee), shin, torso, fallback)


def _sharpest_step(lab: np.ndarray, mask: np.ndarray, xs: tuple[float, float], hem: int,
                   ref_rows: np.ndarray, torso: float) -> int:
    """The hem moved up to a sharp step just above it. Why: light falling from above makes
    the top of the trousers lighter than the thighs the change point compares with, so the
    change point lands below the real hem, inside the trousers; a clear step of colour above
    it, from unlike the thighs to nearer them, is the hem."""
    reach = int(STEP_REACH * torso)
    window = max(2, int(0.04 * torso))
    prof = _profile(lab, mask, xs[0], xs[1], hem - reach - window, hem + window)
    row = _hem(prof, window, reach + window, window)
    if row is None:
        return hem
    ref = np.nanmedian(ref_rows, axis=0)
    above = np.nanmean(prof[row - window:row], axis=0)
    below = np.nanmean(prof[row:row + window], axis=0)
    if np.linalg.norm(below - ref) >= np.linalg.norm(above - ref):
        return hem
    return hem - reach - window + row


def _skin(colour: np.ndarray) -> bool:
    """True for a mean colour (of `_lab`) that the classic RGB skin rule (Kovac et al. 2003:
    R > 95, G > 40, B > 20, spread > 15, R > G + 15, R > B) calls skin."""
    light, rg, yb = (float(v) for v in colour)
    b = (3 * light - 2 * yb) / 3  # back from (R+G+B)/3, R-G, (R+G)/2-B to R, G, B
    r = (3 * light - b + rg) / 2
    return bool(skin_pixels(np.array([r, r - rg, b]))[()])


def _edge_hem(lab: np.ndarray, mask: np.ndarray, xs: tuple[float, float], hip: float,
              torso: float, fallback: int, skin_edge: bool = False) -> int:
    """The top's hem in a photo that cuts the legs off above the knees: the same change
    point, against the colour of the last rows above the frame's edge (a sliver of trousers
    under the top). Only when the person runs into the edge; without a change (the top
    itself reaches the edge) `fallback`. `skin_edge`: bare legs at the edge are read past
    (the garment just above them is the sliver), else they end the search."""
    height = mask.shape[0]
    if not _cut_by_frame(mask):
        return fallback
    edge = max(3, int(EDGE_ROWS * torso))
    ref_rows = _profile(lab, mask, xs[0], xs[1], height - edge, height)
    if np.isnan(ref_rows).all():
        return fallback
    if _skin(np.nanmedian(ref_rows, axis=0)):
        if not skin_edge:
            return fallback  # bare thighs at the edge, read by the short bottom's rules
        # bare legs at the edge (shorts, a mini skirt): the sliver, if any, is the garment
        # just above the skin, so the rows above the skin are read as the edge's
        height = _skin_from_edge(lab, mask, xs, torso)
        ref_rows = _profile(lab, mask, xs[0], xs[1], height - edge, height)
        if np.isnan(ref_rows).all() or _skin(np.nanmedian(ref_rows, axis=0)):
            return fallback  # bare thighs up to the top: no sliver below
    stop = int(min(height, hip + EDGE_HEM_REACH * torso))
    start = int(hip - 0.45 * torso)
    hem = _change_point(lab, mask, xs, start, stop, ref_rows, torso, fallback, hinge=True)
    sharp = _sharp_step_near(lab, mask, xs, hem, torso) if hem != fallback else None
    # shading makes the sliver's top unlike its lit edge: rows within the hem distance of
    # the edge count as the sliver, but only at a sharp step of colour (white on white has
    # none), which is then the hem
    hinged = hem
    hem = sharp if sharp is not None else _change_point(lab, mask, xs, start, stop, ref_rows,
                                                         torso, fallback)
    if hem == fallback and hinged != fallback and _unlike_edge(lab, mask, xs, hinged,
                                                                ref_rows, torso):
        # no sharp step and no plain change point, but the rows just above the hinged one
        # are clearly another garment than the edge's (round 12: a plaid skirt, jeans or
        # denim shorts cut by the frame below a top of another colour were reported missing)
        hem = hinged
    if hem == fallback or hem > height - edge:
        return fallback
    # everything from the hem down to the edge is that one garment (not the hem of shorts
    # above bare legs, which would look unlike the edge's skin too)
    below = _profile(lab, mask, xs[0], xs[1], hem, height)
    dist = np.linalg.norm(below - np.nanmedian(ref_rows, axis=0), axis=1)
    dist = dist[~np.isnan(dist)]
    return hem if dist.size >= 3 and np.median(dist) < HEM_DISTANCE else fallback


def _middle_edge_hem(lab: np.ndarray, mask: np.ndarray, p: np.ndarray, hip: float,
                     torso: float, fallback: int, skin_edge: bool) -> int:
    """The top's hem above a sliver of the bottom at the frame's edge, read between the hips
    only (the middle half of the way between the hip joints); `fallback` without one. Why: in a
    photo cut at the hips or upper thighs the edge's colour over the hips' width mixes the
    sliver with what hangs beside it (an open jacket's halves, a poster or bag held at the
    side, hands), so `_edge_hem` finds no hem and the bottom is reported missing although it
    shows in the middle. A side view has no middle between the hips (not read). Light and
    shade within one garment (a pocket's shadow on a hoodie) change lightness, two garments
    their hue as well: the rows above the hem must be MIDDLE_HUE unlike the edge's in a*, b*."""
    hips = p[[pm.L_HIP, pm.R_HIP], 0]
    gap = float(abs(hips[1] - hips[0]))
    if gap < MIDDLE_HIPS * torso:
        return fallback
    centre = float(hips.mean())
    xs = (centre - MIDDLE_SHARE * gap, centre + MIDDLE_SHARE * gap)
    hem = _edge_hem(lab, mask, xs, hip, torso, fallback, skin_edge)
    if hem == fallback:
        return fallback
    height = mask.shape[0]
    edge = _profile(lab, mask, xs[0], xs[1], height - max(3, int(EDGE_ROWS * torso)), height)
    above = _profile(lab, mask, xs[0], xs[1], int(hem - 0.15 * torso), hem)
    if np.isnan(edge).all() or np.isnan(above).all():
        return fallback
    hue = np.linalg.norm(np.nanmedian(above, axis=0)[1:] - np.nanmedian(edge, axis=0)[1:])
    return hem if float(hue) >= MIDDLE_HUE else fallback


def _skin_from_edge(lab: np.ndarray, mask: np.ndarray, xs: tuple[float, float],
                    torso: float) -> int:
    """The first row of the run of skin-coloured rows (between xs) that reaches the frame's
    bottom edge, gaps of a few rows without person pixels bridged."""
    height = mask.shape[0]
    prof = _profile(lab, mask, xs[0], xs[1], 0, height)
    top, gap = height, 0
    for y in range(height - 1, -1, -1):
        if np.isnan(prof[y]).any():
            gap += 1
            if gap > max(2, 0.03 * torso):
                break
            continue
        if not _skin(prof[y]):
            break
        top, gap = y, 0
    return top


def _unlike_edge(lab: np.ndarray, mask: np.ndarray, xs: tuple[float, float], row: int,
                 ref_rows: np.ndarray, torso: float) -> bool:
    """True when the rows just above `row` (0.15 of the torso) are at least EDGE_UNLIKE hem
    distances from the colour of the rows at the frame's edge: clearly a garment of another
    colour above a sliver, not a shade of one (white on white stays below it)."""
    above = _profile(lab, mask, xs[0], xs[1], int(row - 0.15 * torso), row)
    if np.isnan(above).all() or np.isnan(ref_rows).all():
        return False
    gap = np.linalg.norm(np.nanmedian(above, axis=0) - np.nanmedian(ref_rows, axis=0))
    return bool(gap >= EDGE_UNLIKE * HEM_DISTANCE)


def _sharp_step_near(lab: np.ndarray, mask: np.ndarray, xs: tuple[float, float], row: int,
                     torso: float) -> int | None:
    """The row of the sharpest step of colour within 0.15 of the torso of `row`, if it is
    at least SHARP_EDGE_HEM hem distances; None without one."""
    window, reach = max(2, int(0.04 * torso)), int(0.15 * torso)
    prof = _profile(lab, mask, xs[0], xs[1], row - reach - window, row + reach + window)
    best, size = None, 0.0
    for i in range(window, len(prof) - window):
        above, below = prof[i - window:i], prof[i:i + window]
        if np.isnan(above).any() or np.isnan(below).any():
            continue
        diff = float(np.linalg.norm(above.mean(axis=0) - below.mean(axis=0)))
        if diff > size:
            best, size = i, diff
    if best is None or size < SHARP_EDGE_HEM * HEM_DISTANCE:
        return None
    return row - reach - window + best


def _change_point(lab: np.ndarray, mask: np.ndarray, xs: tuple[float, float], start: int,
                  stop: int, ref_rows: np.ndarray, torso: float, fallback: int,
                  hinge: bool = False) -> int:
    """The row between `start` and `stop` above which the body does not look like
    `ref_rows` (the bottom garment) and below which it does; `fallback` without one."""
    height = mask.shape[0]
    x0, x1 = xs
    prof = _profile(lab, mask, x0, x1, start, stop)
    if np.isnan(ref_rows).all():
        return fallback
    ref = np.nanmedian(ref_rows, axis=0)
    dist = np.linalg.norm(prof - ref, axis=1)
    valid = ~np.isnan(dist)
    if valid.sum() < 8:
        return fallback
    near = np.where(valid, np.maximum(0.0, dist - HEM_DISTANCE) if hinge else dist, 0.0)
    far = np.where(valid, np.maximum(0.0, HEM_DISTANCE - dist), 0.0)  # ... "top"
    cost = np.concatenate([[0], np.cumsum(far)]) + (near.sum() - np.concatenate(
        [[0], np.cumsum(near)]))
    cut = int(np.argmin(cost))
    span = max(4, int(0.15 * torso))  # the top just above the hem must be unlike the thighs
    above = dist[max(0, cut - span):cut][valid[max(0, cut - span):cut]]
    if above.size < span // 2 or np.median(above) < HEM_DISTANCE:
        return fallback  # the top looks like the thighs: no hem to see
    return int(min(height, start + cut))


def _shoe_top(lab: np.ndarray, mask: np.ndarray, xs: tuple[float, float], foot_top: float,
              knee: float | None, foot: float) -> int:
    """Where the shoes begin: a change point with rows like the shin (trousers or skin) above
    and rows unlike it below, around the ankles; without one, a fixed share of the foot."""
    fallback = int(max(0, foot_top - SHOE_RISE * foot))
    if knee is None or foot_top - knee < 2 * foot * 0.5:
        return fallback
    start, stop = int(foot_top - 1.3 * foot), int(foot_top + 0.4 * foot)
    prof = _profile(lab, mask, xs[0], xs[1], start, stop)
    shin = _profile(lab, mask, xs[0], xs[1], int(knee + 0.45 * (foot_top - knee)),
                    int(knee + 0.75 * (foot_top - knee)))
    if np.isnan(shin).all():
        return fallback
    dist = np.linalg.norm(prof - np.nanmedian(shin, axis=0), axis=1)
    valid = ~np.isnan(dist)
    if valid.sum() < 6:
        return fallback
    like = np.where(valid, dist, 0.0)
    unlike = np.where(valid, np.maximum(0.0, HEM_DISTANCE - dist), 0.0)
    cost = np.concatenate([[0], np.cumsum(like)]) + (unlike.sum() - np.concatenate(
        [[0], np.cumsum(unlike)]))
    cut = int(np.argmin(cost))
    if cut <= int(np.argmax(valid)):
        # no row read is like the shin: the edge is not inside the rows searched (the shin
        # rows compared with are another part of a bent leg, or a boot runs above them)
        return fallback
    below = dist[cut:][valid[cut:]]
    if below.size < 3 or np.median(below) < HEM_DISTANCE:
        return fallback  # shoes the colour of the trousers: no edge to see
    return int(max(0, start + cut))


def _barefoot(lab: np.ndarray, mask: np.ndarray, xs: tuple[float, float],
              feet: tuple[float, float], knee: float | None,
              own: tuple[np.ndarray, np.ndarray | None] | None = None) -> bool:
    """True when the feet look like bare shins: both skin by the classic RGB rule and alike
    (a dress or shorts worn barefoot). Shoes are then not cut: bare feet are no garment.
    `own` (the photo's RGB pixels, the face's skin or None): where a face is seen, the shins
    must also be the person's own skin (`_own_skin`), not trousers of a skin-like colour
    whose hem falls over the shoes (round 16)."""
    rows = _shin_rows(knee, feet[0])
    if rows is None:
        return False
    shin_colour = _shin_colour(lab, mask, xs, rows)
    sole = _profile(lab, mask, xs[0], xs[1], int(feet[0]), int(max(feet[1], feet[0] + 2)))
    if shin_colour is None or np.isnan(sole).all():
        return False
    feet_colour = np.nanmedian(sole, axis=0)
    alike = bool(_skin(shin_colour) and _skin(feet_colour)
                 and np.linalg.norm(shin_colour - feet_colour) < HEM_DISTANCE)
    if not alike or own is None or own[1] is None:
        return alike
    return _own_skin(own[0], mask, xs, rows, own[1])


def _own_skin(pixels: np.ndarray, mask: np.ndarray, xs: tuple[float, float],
              rows: tuple[int, int], face: np.ndarray) -> bool:
    """True when at least OWN_SKIN of the person's pixels in `rows` between `xs` have the
    face's chromaticity. Why: a mean colour the RGB skin rule calls skin is also pink, beige or
    camel cloth; bare legs in shade or sun keep the face's chromaticity on some of their pixels
    (0.06-0.86 where `_barefoot` fired on bare shins), such trousers on none (0.00)."""
    y0, y1 = max(0, rows[0]), min(mask.shape[0], rows[1])
    x0, x1 = int(max(0, xs[0])), int(min(mask.shape[1], np.ceil(xs[1])))
    inside = mask[y0:y1, x0:x1]
    if y1 <= y0 or x1 <= x0 or not inside.any():
        return True  # nothing to read: the colour test above stands
    own = same_chroma(pixels[y0:y1, x0:x1][inside], face)
    return bool(own.mean() >= OWN_SKIN)


def _bare_shins(lab: np.ndarray, mask: np.ndarray, xs: tuple[float, float], feet_top: float,
                knee: float | None) -> bool:
    """True when the shins (the rows `_barefoot` reads, between knee and feet) are skin by
    their mean colour: bare legs, whose feet `_barefoot` tells from shoes by likeness."""
    rows = _shin_rows(knee, feet_top)
    colour = None if rows is None else _shin_colour(lab, mask, xs, rows)
    return bool(colour is not None and _skin(colour))


def _shin_rows(knee: float | None, feet_top: float) -> tuple[int, int] | None:
    """The rows read as the shins (between 0.45 and 0.75 of the way from knee to feet), or
    None without a knee or with too little leg between knee and feet to read."""
    if knee is None or feet_top - knee < 4:
        return None
    return int(knee + 0.45 * (feet_top - knee)), int(knee + 0.75 * (feet_top - knee))


def _shin_colour(lab: np.ndarray, mask: np.ndarray, xs: tuple[float, float],
                 rows: tuple[int, int]) -> np.ndarray | None:
    """The shins' median colour (None where no person pixel lies in those rows)."""
    shin = _profile(lab, mask, xs[0], xs[1], *rows)
    return None if np.isnan(shin).all() else np.nanmedian(shin, axis=0)


def _window(shape: tuple[int, ...], points: Sequence[Sequence[float]], radius: float
            ) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1): the photo's rows and columns within `radius` of the points (x, y), as
    one box around them all, cut to the photo (empty when they lie too far outside it)."""
    height, width = shape[:2]
    xs, ys = [q[0] for q in points], [q[1] for q in points]
    return (int(max(0, min(ys) - radius)), int(min(height, max(ys) + radius + 1)),
            int(max(0, min(xs) - radius)), int(min(width, max(xs) + radius + 1)))


def _discs(window: tuple[int, int, int, int], points: Sequence[Sequence[float]],
           radius: float) -> np.ndarray:
    """Inside `window` (see `_window`), the pixels within `radius` of any of the points."""
    y0, y1, x0, x1 = window
    yy, xx = np.ogrid[y0:y1, x0:x1]
    near = np.zeros((y1 - y0, x1 - x0), dtype=bool)
    for qx, qy in points:
        near |= (xx - qx) ** 2 + (yy - qy) ** 2 <= radius ** 2
    return near


def _skin_feet(pixels: np.ndarray, mask: np.ndarray, p: np.ndarray, feet: list[int],
               torso: float) -> bool:
    """True when the feet's own pixels (near heel and toe, both feet pooled) are mostly skin:
    bare feet, also under trousers or leggings, where the shins are not skin (`_barefoot`
    needs bare shins), and legs cut off by the frame that the model squeezed its feet onto
    (bare thighs). Pooled since round 12: one foot of a pair of sandals can show mostly skin
    while the other shows straps and sole; the pair is then shoes, not bare feet."""
    radius = max(3.0, FOOT_PATCH * torso)
    skin, seen = 0, 0
    for heel, toe in ((pm.L_HEEL, pm.L_TOE), (pm.R_HEEL, pm.R_TOE)):
        points = [p[i] for i in (heel, toe) if i in feet]
        if not points:
            continue
        y0, y1, x0, x1 = window = _window(mask.shape, points, radius)
        if x1 <= x0 or y1 <= y0:
            continue
        near = _discs(window, points, radius) & mask[y0:y1, x0:x1]
        if near.sum() >= 10:
            skin += int(skin_pixels(pixels[y0:y1, x0:x1])[near].sum())
            seen += int(near.sum())
    return seen > 0 and skin >= BARE_SHARE * seen


def _bare_midriff(pixels: np.ndarray, mask: np.ndarray, p: np.ndarray, shoulder: float,
                  hem: int, torso: float) -> tuple[int, int] | None:
    """The rows of a bare midriff between the chest and the hem found (a crop top, a sports
    bra): between the hip joints, a run of rows whose person pixels are mostly skin, with
    clothes below it again. Returns (first skin row, first clothed row below) or None."""
    x0, x1 = sorted(int(v) for v in p[[pm.L_HIP, pm.R_HIP], 0])
    y0, y1 = int(shoulder + MIDRIFF_FROM * torso), int(hem)
    x0, x1 = max(0, x0), min(mask.shape[1], x1)
    if y1 - y0 < 4 or x1 - x0 < 3 or y0 < 0:
        return None
    inside = mask[y0:y1, x0:x1]
    skin = skin_pixels(pixels[y0:y1, x0:x1]) & inside
    counts = inside.sum(axis=1)
    share = np.where(counts >= 3, skin.sum(axis=1) / np.maximum(counts, 1), 0.0)
    bare = share >= BARE_SHARE
    run = max(3, int(MIDRIFF_RUN * torso))
    hands = p[list(HAND_POINTS)]
    for start in np.flatnonzero(bare):
        end = start
        while end < len(bare) and bare[end]:
            end += 1
        if end - start < run:
            continue
        if end == len(bare):
            return None  # skin down to the hem: no clothes below it to end the top at
        a, b = y0 + int(start), y0 + int(end)
        near = 0.15 * torso
        if ((hands[:, 1] > a - near) & (hands[:, 1] < b + near) & (hands[:, 0] > x0 - near)
                & (hands[:, 0] < x1 + near)).any():
            return None  # hands or forearms in front of the belly, not a bare midriff
        face = _face_skin(pixels, mask, p, torso)
        band = pixels[a:b, x0:x1][skin[start:end]].astype(np.float32)
        if face is None or np.linalg.norm(np.median(band, axis=0) - face) >= FACE_MATCH:
            return None  # a print or a garment of a skin-like colour (orange, peach, red)
        return a, b
    return None


def _short_top_hem(lab: np.ndarray, mask: np.ndarray, p: np.ndarray, hip: float, bare: int,
                   torso: float, fallback: int) -> int:
    """The top's hem above a short bottom that ends at `bare`: the change point against
    the rows just above the bare legs (the bottom's own colour); `fallback` without one."""
    xs = p[[pm.L_HIP, pm.R_HIP], 0]
    x0, x1 = float(xs.min() - 0.12 * torso), float(xs.max() + 0.12 * torso)
    ref_rows = _profile(lab, mask, x0, x1, int(bare - 0.25 * torso), int(bare - 0.08 * torso))
    return _change_point(lab, mask, (x0, x1), int(hip - 0.45 * torso),
                         int(bare - 0.05 * torso), ref_rows, torso, fallback)


def _bare_legs(pixels: np.ndarray, clothes: np.ndarray, p: np.ndarray, inside: np.ndarray,
               face: np.ndarray | None, torso: float) -> int | None:
    """Where a short bottom (shorts, a mini skirt) ends above bare legs: walking down each
    leg (hip, knee, ankle), the first point below the hip from which a run of the
    leg's pixels is this person's own skin (the face's colour, as for a bare midriff), hands
    left out (`clothes`). A bag in front of a leg is no skin, so it ends nothing. A thigh whose
    knee lies below the frame is walked up to the edge. Returns the lowest such row of the
    legs, or None when no leg shows bare skin."""
    if face is None:
        return None
    radius = max(3.0, BARE_LEG_PATCH * torso)
    step = max(2.0, 0.02 * torso)
    run = max(2, int(BARE_LEG_RUN * torso / step))
    edge = clothes.shape[0] - radius  # a patch around a point there still lies in the photo
    ends: list[int] = []
    for chain in ((pm.L_HIP, pm.L_KNEE, pm.L_ANKLE), (pm.R_HIP, pm.R_KNEE, pm.R_ANKLE)):
        joints = [p[chain[0]]] + [p[i] for i in chain[1:] if inside[i]]
        if (len(joints) == 1 and inside[chain[0]] and not inside[chain[2]]
                and p[chain[1], 1] > edge > joints[-1][1]):
            # the thigh leaves the frame (a photo cut above the knees): it is followed
            # towards the knee the model places below the edge, up to the edge
            a, b = joints[-1], p[chain[1]]
            joints.append(a + (b - a) * (edge - a[1]) / (b[1] - a[1]))
        if len(joints) < 2:
            continue
        points: list[np.ndarray] = []
        for a, b in itertools.pairwise(joints):
            n = max(1, int(np.hypot(*(b - a)) / step))
            points += [a + (b - a) * k / n for k in range(n)]
        bare = [_bare_patch(pixels, clothes, x, y, radius, face) for x, y in points]
        for i in range(len(bare) - run + 1):
            if points[i][1] > p[chain[0], 1] + 0.15 * torso and all(bare[i:i + run]):
                ends.append(int(points[i][1]))
                break
    return max(ends) if ends else None


def _bare_patch(pixels: np.ndarray, clothes: np.ndarray, x: float, y: float, radius: float,
                face: np.ndarray) -> bool:
    """True when the person's pixels in the square of `radius` around (x, y) are mostly skin
    (BARE_SHARE, the Kovac rule) of the face's chromaticity."""
    y0, y1, x0, x1 = _window(clothes.shape, [(x, y)], radius)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return False
    near = clothes[y0:y1, x0:x1]
    skin = skin_pixels(pixels[y0:y1, x0:x1]) & near
    if near.sum() < 10 or skin.sum() < BARE_SHARE * near.sum():
        return False
    return bool(same_chroma(np.median(pixels[y0:y1, x0:x1][skin].astype(np.float32), axis=0), face))


def _face_skin(pixels: np.ndarray, mask: np.ndarray, p: np.ndarray,
               torso: float) -> np.ndarray | None:
    """The median RGB of the skin pixels around the nose: this person's own skin, to tell
    a bare midriff from a skin-coloured garment; None when no face is seen (a back view)."""
    y0, y1, x0, x1 = _window(mask.shape, [p[pm.NOSE]], 0.12 * torso)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    skin = skin_pixels(pixels[y0:y1, x0:x1]) & mask[y0:y1, x0:x1]
    if skin.sum() < 20:
        return None
    return np.median(pixels[y0:y1, x0:x1][skin].astype(np.float32), axis=0)


def _skin_across(pixels: np.ndarray, mask: np.ndarray, rows: tuple[int, int]) -> bool:
    """True when the person's pixels in `rows`, across the whole width, are mostly skin: no
    open jacket or kimono goes on beside a bare midriff (that layer's hem is the top's)."""
    inside = mask[rows[0]:rows[1]]
    skin = skin_pixels(pixels[rows[0]:rows[1]]) & inside
    return bool(skin.sum() >= 0.5 * max(1, inside.sum()))


def _near_hands(p: np.ndarray, shape: tuple[int, int], torso: float) -> np.ndarray:
    """Pixels within HAND_REACH of the torso of a wrist or finger landmark (inside the
    photo): a hand in front of the legs or the waist, whose skin and rings are no hem."""
    out = np.zeros(shape, dtype=bool)
    radius = HAND_REACH * torso
    for point in p[list(HAND_POINTS)]:
        y0, y1, x0, x1 = window = _window(shape, [point], radius)
        if x1 <= x0 or y1 <= y0:
            continue
        out[y0:y1, x0:x1] |= _discs(window, [point], radius)
    return out


def _foot_uncovered(body: np.ndarray, p: np.ndarray, side: tuple[int, ...],
                    torso: float) -> bool:
    """True when the pose model's own person mask covers less than FOOT_COVER of the
    pixels within FOOT_PATCH of the torso of a foot's landmarks (inside the photo)."""
    radius = max(3.0, FOOT_PATCH * torso)
    covered, total = 0, 0
    for point in p[list(side)]:
        y0, y1, x0, x1 = window = _window(body.shape, [point], radius)
        if x1 <= x0 or y1 <= y0:
            continue
        near = _discs(window, [point], radius)
        covered += int(body[y0:y1, x0:x1][near].sum())
        total += int(near.sum())
    return total > 0 and covered < FOOT_COVER * total


def _feet_under_hem(pose: pm.Pose, inside: np.ndarray, seen: np.ndarray,
                    mask: np.ndarray) -> np.ndarray:
    """The ankles, heels and toes to use although the model does not see them (a bool per
    landmark, round 21): where it sees no ankle of a person standing whole in the frame
    (`_standing_in_frame`), those it places inside the frame on its own person mask.

    Why: the model's visibility is the chance a point is not hidden, and a hem hides the
    ankles as a bathtub's rim does: under wide cargo jeans, rolled-up jeans and a maxi dress
    both ankles got 0.27-0.45 while lying inside the frame with presence 0.96-0.99. Dropped as
    if outside the frame, they took the shoes away (reported missing) and ended the bottom at
    the knees. A foot behind something is still dropped by `_foot_uncovered`, bare feet by the
    skin tests."""
    out = np.zeros(len(inside), dtype=bool)
    if seen[[pm.L_ANKLE, pm.R_ANKLE]].any() or not _standing_in_frame(pose, seen, mask):
        return out
    height, width = mask.shape
    for i in (pm.L_ANKLE, pm.R_ANKLE, pm.L_HEEL, pm.R_HEEL, pm.L_TOE, pm.R_TOE):
        x, y = int(pose.points[i, 0]), int(pose.points[i, 1])
        out[i] = bool(inside[i] and 0 <= x < width and 0 <= y < height and pose.mask[y, x])
    return out


def _standing_in_frame(pose: pm.Pose, seen: np.ndarray, mask: np.ndarray) -> bool:
    """True for a person standing whole inside the frame, whose unseen ankles can only be
    hidden (by a hem), not outside it. Why each part: seated and crouching legs hide their
    ankles behind each other (a seen knee at least BENT of the torso below the hips); a person
    whose pixels (the cut-out's, or the model's own mask) reach the frame's bottom edge may go
    on below it; and in a photo cut above the feet the model squeezes a whole skeleton into the
    frame, its "ankles" on the thighs or the top, where its mask then covers less than
    TALL_PERSON of the photo's height or goes on more than FEET_END of the torso below them
    (synthetic cuts of the design photos: benchmarks/outfit_cuts.py, README round 21)."""
    p = pose.points
    hip = float(p[[pm.L_HIP, pm.R_HIP], 1].mean())
    torso = max(8.0, hip - float(p[[pm.L_SHOULDER, pm.R_SHOULDER], 1].mean()))
    knees = [p[i, 1] for i in (pm.L_KNEE, pm.R_KNEE) if seen[i]]
    if not knees or max(knees) - hip < BENT * torso or _cut_by_frame(mask):
        return False
    rows = np.flatnonzero(pose.mask.any(axis=1))
    height = mask.shape[0]
    if rows.size == 0 or rows[-1] >= height * (1 - EDGE_MARGIN):
        return False
    ankles = float(p[[pm.L_ANKLE, pm.R_ANKLE], 1].mean())
    return bool(rows[-1] - rows[0] >= TALL_PERSON * height
                and rows[-1] - ankles <= FEET_END * torso)


def _sleeve_cuff(pixels: np.ndarray, lab: np.ndarray, mask: np.ndarray, p: np.ndarray,
                 seen: np.ndarray, torso: float) -> int | None:
    """The lowest cuff of a long sleeve on an arm hanging down (shoulder above elbow above
    wrist, all seen), or None. The sleeve is the upper arm's covered colour (not skin: a
    short sleeve or a bare arm has none) walked on from the elbow towards the wrist while
    the arm's pixels keep it; seen nearly to the wrist, it ends at the wrist. Why: the top's
    box includes its hanging sleeves and cuffs (the labels' rule), and a tucked shirt's or a
    crop top's cuffs hang well below its hem; the hem search reads the hips' width only."""
    if _colourless(lab, mask):
        return None  # a black-and-white photo: no skin to tell a bare arm from a sleeve
    radius = max(3.0, SLEEVE_PATCH * torso)
    ends: list[int] = []
    for s, e, w in ((pm.L_SHOULDER, pm.L_ELBOW, pm.L_WRIST), (pm.R_SHOULDER, pm.R_ELBOW,
                                                             pm.R_WRIST)):
        if not seen[[s, e, w]].all() or not p[s, 1] < p[e, 1] < p[w, 1]:
            continue
        upper = _arm_patch(pixels, lab, mask, p[s] + 0.6 * (p[e] - p[s]), radius)
        if upper is None:
            continue  # a bare upper arm: no long sleeve
        cuff = None
        for t in np.linspace(0.15, SLEEVE_REACH, 6):
            colour = _arm_patch(pixels, lab, mask, p[e] + t * (p[w] - p[e]), radius)
            if colour is None or np.linalg.norm(colour - upper) >= HEM_DISTANCE:
                break
            cuff = p[w, 1] if t >= SLEEVE_REACH else p[e, 1] + t * (p[w, 1] - p[e, 1])
        if cuff is not None:
            ends.append(int(cuff))
    return max(ends) if ends else None


def _colourless(lab: np.ndarray, mask: np.ndarray) -> bool:
    """True when the person's pixels carry (almost) no colour: a black-and-white photo, where
    the RGB skin rule finds no skin at all (so every bare arm would look covered)."""
    chroma = np.abs(lab[::4, ::4, 1:][mask[::4, ::4]])  # every 4th row and column: enough
    return chroma.size == 0 or float(chroma.mean()) < SLEEVE_GREY


def _arm_patch(pixels: np.ndarray, lab: np.ndarray, mask: np.ndarray, point: np.ndarray,
               radius: float) -> np.ndarray | None:
    """The median colour of the person's pixels around `point` when they are covered (less
    than SLEEVE_COVERED of them skin), else None (bare skin, or too few person pixels)."""
    y0, y1, x0, x1 = _window(mask.shape, [point], radius)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    near = mask[y0:y1, x0:x1]
    if near.sum() < 10:
        return None
    skin = skin_pixels(pixels[y0:y1, x0:x1]) & near
    if skin.sum() >= SLEEVE_COVERED * near.sum():
        return None
    return np.median(lab[y0:y1, x0:x1][near], axis=0)


def _bent_leg_end(p: np.ndarray, inside: np.ndarray, legs_seen: list[float],
                  heels: bool) -> float:
    """The lowest row of a bent leg that its bottom covers: with `heels` (round 24) the lowest
    knee, ankle or heel seen, else (or with none of them seen) every leg landmark's, toes too.
    Why: a seated person's feet rest forward, so in the photo the toes lie below the ankles
    on the shoes' own rows; trousers end at the ankles, about level with the heels, so the
    toes carried the bottom over the shoes (seated design photos: a median 0.3 torso too low)."""
    if heels:
        rows = [float(p[i, 1]) for i in BENT_LEG_END if inside[i]]
        if rows:
            return max(rows)
    return max(legs_seen)


def _lowest_knee(p: np.ndarray, inside: np.ndarray) -> float | None:
    """The lower knee joint's row (of those inside the frame); None without one."""
    rows = [p[i, 1] for i in (pm.L_KNEE, pm.R_KNEE) if inside[i]]
    return float(max(rows)) if rows else None


def _garment_below(lab: np.ndarray, mask: np.ndarray, hem: int, stop: int, torso: float) -> int:
    """The row where the bottom really ends below a hem found on the legs: rows whose person
    pixels still show the garment's colour (of the rows just above the hem) in at least
    STILL_GARMENT of them, down to `stop`; a gap of a few rows ends it."""
    above = lab[max(0, int(hem - 0.15 * torso)):hem][mask[max(0, int(hem - 0.15 * torso)):hem]]
    if above.shape[0] < 20 or stop <= hem:
        return hem
    colour = np.median(above, axis=0)
    end, gap = hem, 0
    for y in range(hem, min(stop, mask.shape[0])):
        row = mask[y]
        if row.sum() < 3:
            break
        near = np.linalg.norm(lab[y][row] - colour, axis=1) < HEM_DISTANCE
        if near.mean() >= STILL_GARMENT:
            end, gap = y + 1, 0
        else:
            gap += 1
            if gap > max(2, 0.03 * torso):
                break
    return end


def _sole(mask: np.ndarray, xs: tuple[float, float], foot_bottom: float, foot: float) -> int:
    """The lowest row of the person under the feet (the soles), at most a foot below the
    lowest foot landmark (a shadow or the floor may join the mask)."""
    height, width = mask.shape
    a, b = int(max(0, xs[0] - 0.3 * foot)), int(min(width, xs[1] + 0.3 * foot))
    y0, y1 = int(foot_bottom), int(min(height, foot_bottom + SOLE_REACH * foot))
    fallback = int(min(height, foot_bottom + 0.35 * foot))
    if y1 <= y0 or b <= a:
        return fallback
    rows = np.flatnonzero(mask[y0:y1, a:b].sum(axis=1) >= max(2, 0.05 * (b - a)))
    if rows.size == 0:
        return fallback
    # the first gap ends the soles
    gaps = np.flatnonzero(np.diff(rows) > 2)
    last = rows[gaps[0]] if gaps.size else rows[-1]
    return int(max(fallback - 0.2 * foot, y0 + last + 1))


def _leg_off_frame(mask: np.ndarray, p: np.ndarray, torso: float) -> bool:
    """True when the person reaches the photo's bottom edge (within LEG_EDGE of the torso)
    away from every foot landmark, and lower than them: a leg standing outside the frame
    while the other foot is raised into it (the model then puts both feet near the raised
    one), so the trousers run to the edge."""
    height = mask.shape[0]
    feet = [pm.L_ANKLE, pm.R_ANKLE, pm.L_HEEL, pm.R_HEEL, pm.L_TOE, pm.R_TOE]
    fx = p[feet, 0]
    x0, x1 = int(max(0, fx.min() - 0.3 * torso)), int(max(0, fx.max() + 0.3 * torso))
    away = mask.copy()
    away[:, x0:x1] = False
    rows = np.flatnonzero(away.sum(axis=1) >= 3)
    if rows.size == 0:
        return False
    return bool(rows[-1] >= height - LEG_EDGE * torso and rows[-1] > p[feet, 1].max())


def _shins_leave_frame(lab: np.ndarray, mask: np.ndarray, torso: float) -> bool:
    """True when the person runs into the photo's bottom edge and the rows there are not bare
    skin: below the knees the trousers go on out of the frame (shorts above bare shins stop)."""
    if not _cut_by_frame(mask):
        return False
    height, width = mask.shape
    edge = _profile(lab, mask, 0, width, height - max(3, int(EDGE_ROWS * torso)), height)
    return not (np.isnan(edge).all() or _skin(np.nanmedian(edge, axis=0)))


def _legs_unseen(pose: pm.Pose) -> bool:
    """True when the model sees neither knee (it still places the legs somewhere, and may
    then claim an ankle it cannot have seen below an unseen knee)."""
    return bool(pose.visibility[[pm.L_KNEE, pm.R_KNEE]].max() < MIN_VISIBLE)


def _cut_by_frame(mask: np.ndarray) -> bool:
    """True when the person mask runs into the photo's bottom edge (feet outside the frame)."""
    rows = mask[-max(2, mask.shape[0] // 100):]
    return bool(rows.mean() > CUT_EDGE_SHARE)


def _leg_hem(lab: np.ndarray, mask: np.ndarray, p: np.ndarray, inside: np.ndarray,
             hip: float, torso: float) -> int | None:
    """Where shorts or a skirt end: a colour change along a leg between mid-thigh and the
    ankle, seen on both legs (a shadow or a bag crosses one)."""
    hems: list[int] = []
    for h, k, a in ((pm.L_HIP, pm.L_KNEE, pm.L_ANKLE), (pm.R_HIP, pm.R_KNEE, pm.R_ANKLE)):
        if not (inside[k] and inside[a]):
            return None
        y0, y1 = int(p[h, 1]), int(p[a, 1])
        if y1 - y0 < 10 or p[k, 1] - p[h, 1] < 0.5 * torso:
            return None  # a seated person's thighs run sideways: no hem to follow down
        radius = max(2.0, 0.06 * torso)
        prof = _profile(lab, mask, radius, p[a, 0], y0, y1, x_start=float(p[h, 0]))
        lo = int(0.25 * (y1 - y0))
        hi = int(0.85 * (y1 - y0))
        row = _hem(prof, lo, hi, max(2, int(0.05 * torso)))
        if row is None:
            return None
        hems.append(y0 + row)
    if max(hems) - min(hems) > 0.35 * torso:
        return None
    return int(max(hems) + 0.03 * torso)


def _clip(box: Box, width: int, height: int) -> Box:
    left, top, right, bottom = box
    left, right = max(0, min(left, width - 1)), max(1, min(right, width))
    top, bottom = max(0, min(top, height - 1)), max(1, min(bottom, height))
    return left, top, max(right, left + 1), max(bottom, top + 1)


def _person_box(boxes: dict[str, Box]) -> Box:
    values = list(boxes.values())
    return (min(b[0] for b in values), min(b[1] for b in values),
            max(b[2] for b in values), max(b[3] for b in values))


def _crop_on_white(cutout: CutOut, mask: np.ndarray, box: Box) -> Image.Image:
    """The region's pixels with everything outside the person white: the cut-out's own
    compositing when the background was removed, else the pose model's person mask."""
    if cutout.removed:
        return cutout.on_white.crop(box)
    region = cutout.on_white.crop(box)
    left, top, right, bottom = box
    keep = Image.fromarray((mask[top:bottom, left:right] * 255).astype(np.uint8))
    white = Image.new("RGB", region.size, (255, 255, 255))
    return Image.composite(region, white, keep)
