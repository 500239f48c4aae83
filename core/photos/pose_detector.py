"""MediaPipe's pose detector (BlazePose detector, Apache-2.0): where a person is, before the
landmark model looks at them.

The landmark model alone, shown the whole photo padded to a square, latches onto whatever looks
most like a body: a reflection in a puddle joined to the person, blurred street lights at
night, a small person lost in a dark hall. MediaPipe's own pipeline never does that: it first
runs this detector and shows the landmark model only the square it asks for. This module is
that stage, following MediaPipe's graphs (mediapipe/modules/pose_detection/
pose_detection_cpu.pbtxt and pose_landmark/pose_detection_to_roi.pbtxt, mediapipe 0.10.21):

- the photo letterboxed into 224×224 (black borders), values in [-1, 1];
- 2254 SSD anchors (5 layers, strides 8, 16, 32, 32, 32, fixed size, centres at +0.5);
- boxes and 4 keypoints decoded x-first, relative to the anchor, scaled by 224; sigmoid scores
  (logits clipped to ±100), kept from 0.5; weighted non-maximum suppression at IoU 0.3;
- the region of interest: centred on keypoint 0 (mid-hips), side twice its distance to
  keypoint 1 (a point on the body's circle), turned so that keypoint 0→1 points up
  (90°), then enlarged 1.25×, square on its long side.

Rotation is clockwise in radians, as in MediaPipe's NormalizedRect and in pose_model.Roi.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

INPUT_SIDE = 224
NUM_BOXES = 2254
NUM_COORDS = 12  # box (x, y, w, h) + 4 keypoints (x, y)
STRIDES = (8, 16, 32, 32, 32)
ANCHORS_PER_CELL = 2  # aspect ratio 1.0 plus the interpolated scale (fixed anchor size)
MIN_SCORE = 0.5
NMS_IOU = 0.3
SCORE_CLIP = 100.0
ROI_SCALE = 1.25
TARGET_ANGLE = np.pi / 2  # keypoint 0 -> 1 should point straight up
Roi = tuple[float, float, float, float]  # centre x, centre y, side, rotation (radians)


def ssd_anchors() -> np.ndarray:
    """(2254, 2) anchor centres (x, y) in [0, 1], in the model's output order.

    As SsdAnchorsCalculator: consecutive layers of the same stride share one grid, each cell
    holding 2 anchors per layer; with fixed_anchor_size every anchor is 1×1, so only the
    centres matter."""
    centres: list[np.ndarray] = []
    layer = 0
    while layer < len(STRIDES):
        same = 1
        while layer + same < len(STRIDES) and STRIDES[layer + same] == STRIDES[layer]:
            same += 1
        cells = int(np.ceil(INPUT_SIDE / STRIDES[layer]))
        ys, xs = np.meshgrid((np.arange(cells) + 0.5) / cells,
                             (np.arange(cells) + 0.5) / cells, indexing="ij")
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(grid, ANCHORS_PER_CELL * same, axis=0))
        layer += same
    return np.concatenate(centres).astype(np.float32)


@dataclass(frozen=True)
class Detection:
    """One person found by the detector, in the photo's own pixels."""

    score: float
    box: tuple[float, float, float, float]  # left, top, right, bottom
    keypoints: np.ndarray  # (4, 2): mid-hips, body circle, mid-shoulders, upper-body circle

    @property
    def area(self) -> float:
        return max(0.0, self.box[2] - self.box[0]) * max(0.0, self.box[3] - self.box[1])

    def roi(self) -> Roi:
        """The square the landmark model is shown (PoseDetectionToRoi)."""
        return roi_from_keypoints(self.keypoints[0], self.keypoints[1])


def roi_from_keypoints(centre: np.ndarray, edge: np.ndarray, scale: float = ROI_SCALE) -> Roi:
    """AlignmentPointsRects + RectTransformation: centred on `centre`, side 2 × the distance
    to `edge` × `scale`, rotated so that centre→edge points up."""
    dx, dy = float(edge[0] - centre[0]), float(edge[1] - centre[1])
    side = 2.0 * float(np.hypot(dx, dy)) * scale
    rotation = _normalize(TARGET_ANGLE - float(np.arctan2(-dy, dx)))
    return float(centre[0]), float(centre[1]), side, rotation


def _normalize(angle: float) -> float:
    return float(angle - 2 * np.pi * np.floor((angle + np.pi) / (2 * np.pi)))


def decode(raw_boxes: np.ndarray, raw_scores: np.ndarray,
           anchors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (N, 4: xmin, ymin, xmax, ymax) and keypoints (N, 4, 2), relative to the
    letterboxed input, and sigmoid scores (N,), as TensorsToDetectionsCalculator."""
    raw = raw_boxes.reshape(NUM_BOXES, NUM_COORDS) / INPUT_SIDE
    cx, cy = raw[:, 0] + anchors[:, 0], raw[:, 1] + anchors[:, 1]
    w, h = raw[:, 2], raw[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    keypoints = raw[:, 4:].reshape(NUM_BOXES, 4, 2) + anchors[:, None, :]
    scores = 1.0 / (1.0 + np.exp(-np.clip(raw_scores.reshape(NUM_BOXES).astype(np.float64), -SCORE_CLIP,
                                          SCORE_CLIP)))
    return np.concatenate([boxes, keypoints.reshape(NUM_BOXES, 8)], axis=1), scores


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    w = np.clip(np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]), 0, None)
    h = np.clip(np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]), 0, None)
    inter = w * h
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def weighted_nms(values: np.ndarray, scores: np.ndarray, min_score: float = MIN_SCORE,
                 threshold: float = NMS_IOU) -> list[tuple[float, np.ndarray]]:
    """NonMaxSuppressionCalculator's WEIGHTED algorithm: the best remaining detection absorbs
    every one overlapping it by more than `threshold` IoU, its box and keypoints becoming their
    score-weighted mean (its score stays its own). Highest score first."""
    keep = np.flatnonzero(scores >= min_score)
    order = keep[np.argsort(-scores[keep], kind="stable")]
    out: list[tuple[float, np.ndarray]] = []
    while order.size:
        top = order[0]
        overlap = _iou(values[top, :4], values[order, :4]) > threshold
        group = order[overlap]
        weights = scores[group][:, None]
        out.append((float(scores[top]), (values[group] * weights).sum(axis=0) / weights.sum()))
        order = order[~overlap]
    return out


def letterbox(image: Image.Image, square: tuple[float, float, float] | None = None
              ) -> tuple[np.ndarray, float, float, float]:
    """The photo's `square` (centre x, centre y, side in photo pixels; default: the whole photo
    centred in a square, as MediaPipe letterboxes it) as a 224×224 [-1, 1] tensor, black
    outside the photo; and the square's side and top-left corner in photo pixels."""
    width, height = image.size
    if square is None:
        square = (width / 2, height / 2, float(max(width, height)))
    cx, cy, side = square
    left, top = cx - side / 2, cy - side / 2
    k = side / INPUT_SIDE
    view = image.transform((INPUT_SIDE, INPUT_SIDE), Image.Transform.AFFINE,
                           (k, 0.0, left, 0.0, k, top),
                           resample=Image.Resampling.BILINEAR, fillcolor=(0, 0, 0))
    return np.asarray(view, dtype=np.float32)[None] / 127.5 - 1.0, side, left, top


class PoseDetector:
    """A loaded detector; `detect` is thread-safe (one interpreter, one lock)."""

    def __init__(self, path: Path, threads: int = 2) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.path = path
        self._interpreter = Interpreter(model_path=str(path), num_threads=threads)
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        outputs = self._interpreter.get_output_details()
        self._boxes = next(d["index"] for d in outputs if d["shape"][-1] == NUM_COORDS)
        self._scores = next(d["index"] for d in outputs if d["shape"][-1] == 1)
        self._anchors = ssd_anchors()
        self._lock = threading.Lock()

    def detect(self, image: Image.Image, square: tuple[float, float, float] | None = None
               ) -> list[Detection]:
        """Every person found (score ≥ 0.5, after suppression), highest score first, in the
        photo's pixels; in the whole photo, or only in `square` (centre x, y, side), closer."""
        tensor, side, left, top = letterbox(image.convert("RGB"), square)
        with self._lock:
            self._interpreter.set_tensor(self._input, tensor)
            self._interpreter.invoke()
            raw_boxes = self._interpreter.get_tensor(self._boxes).copy()
            raw_scores = self._interpreter.get_tensor(self._scores).copy()
        values, scores = decode(raw_boxes, raw_scores, self._anchors)
        found = []
        for score, v in weighted_nms(values, scores):
            pixels = v.reshape(6, 2) * side + (left, top)
            box = (float(pixels[0, 0]), float(pixels[0, 1]), float(pixels[1, 0]),
                   float(pixels[1, 1]))
            found.append(Detection(score, box, pixels[2:].astype(np.float64)))
        return found
