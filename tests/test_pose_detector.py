"""MediaPipe's pose detector stage (core/photos/pose_detector.py): the anchors and decoding of
its graph, the region of interest it hands the landmark model, and the real detector on real
photos (tests/fixtures/outfits, Unsplash licence, sources in SOURCES.md).

The detector file is obtained with the landmark model (`python -m core.photos.pose_model
--fetch`); a missing file fails these tests: they exist to run it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.photos import pose_detector as pd
from core.photos import pose_model as pm
from core.photos.images import load_image

FIXTURES = Path(__file__).parent / "fixtures" / "outfits"
LABELS = json.loads((FIXTURES / "labels.json").read_text())["photos"]


@pytest.fixture(scope="module")
def detector() -> pd.PoseDetector:
    path = pm.detector_path(pm.default_model_path())
    assert path.is_file(), f"{path} is missing: run python -m core.photos.pose_model --fetch"
    return pd.PoseDetector(path)


def photo(name: str) -> Image.Image:
    return load_image((FIXTURES / name).read_bytes(), name, max_pixels=40_000_000,
                      max_side=2048).image.convert("RGB")


def person_box(name: str) -> tuple[float, float, float, float]:
    boxes = [LABELS[name][p] for p in ("top", "bottom", "shoes") if LABELS[name][p]]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def test_the_anchors_are_mediapipes_2254_in_output_order() -> None:
    anchors = pd.ssd_anchors()
    assert anchors.shape == (2254, 2)
    # stride 8: a 28×28 grid, 2 anchors a cell, row by row
    assert np.allclose(anchors[0], anchors[1]) and np.allclose(anchors[0], (0.5 / 28, 0.5 / 28))
    assert np.allclose(anchors[2], (1.5 / 28, 0.5 / 28))
    assert np.allclose(anchors[1567], (27.5 / 28, 27.5 / 28))
    # stride 16 (14×14), then the three stride-32 layers sharing one 7×7 grid, 6 a cell
    assert np.allclose(anchors[1568], (0.5 / 14, 0.5 / 14))
    tail = anchors[1568 + 392:]
    assert len(tail) == 294 and np.allclose(tail[:6], (0.5 / 7, 0.5 / 7))
    assert np.allclose(tail[6], (1.5 / 7, 0.5 / 7)) and np.allclose(tail[-1], (6.5 / 7, 6.5 / 7))


def test_decoding_is_relative_to_the_anchor_in_input_pixels() -> None:
    anchors = pd.ssd_anchors()
    raw = np.zeros((1, 2254, 12), dtype=np.float32)
    scores = np.full((1, 2254, 1), -20.0, dtype=np.float32)
    i = 1568 + 392 + 6 * 10  # a stride-32 anchor at cell (3, 1)
    raw[0, i, :4] = (22.4, -11.2, 44.8, 44.8)  # x, y offsets and w, h (reverse output order)
    raw[0, i, 4:6] = (0.0, 56.0)  # keypoint 0 a quarter of the input below the anchor
    scores[0, i, 0] = 2.0
    values, probs = pd.decode(raw, scores, anchors)
    ax, ay = anchors[i]
    assert np.isclose(probs[i], 1 / (1 + np.exp(-2.0)))
    assert np.allclose(values[i, :4], (ax + 0.1 - 0.1, ay - 0.05 - 0.1, ax + 0.1 + 0.1,
                                       ay - 0.05 + 0.1), atol=1e-6)
    assert np.allclose(values[i, 4:6], (ax, ay + 0.25), atol=1e-6)
    kept = pd.weighted_nms(values, probs)
    assert len(kept) == 1 and np.isclose(kept[0][0], probs[i])


def test_weighted_suppression_averages_overlapping_detections_by_score() -> None:
    values = np.zeros((3, 12))
    values[0, :4], values[1, :4], values[2, :4] = (0, 0, 1, 1), (0.1, 0, 1.1, 1), (3, 3, 4, 4)
    values[0, 4:6], values[1, 4:6], values[2, 4:6] = (0.5, 0.5), (0.8, 0.5), (3.5, 3.5)
    scores = np.array([0.9, 0.6, 0.7])
    kept = pd.weighted_nms(values, scores)
    assert [round(s, 2) for s, _ in kept] == [0.9, 0.7]  # the best's score, best first
    assert np.isclose(kept[0][1][4], (0.5 * 0.9 + 0.8 * 0.6) / 1.5)
    assert np.allclose(kept[1][1][4:6], (3.5, 3.5))
    assert pd.weighted_nms(values, np.array([0.4, 0.3, 0.2])) == []  # under 0.5: nobody


def test_the_roi_is_centred_on_the_hips_sized_by_the_body_and_turned_upright() -> None:
    hips = np.array([100.0, 200.0])
    assert pd.roi_from_keypoints(hips, np.array([100.0, 100.0])) == pytest.approx(
        (100, 200, 250, 0))  # 2 × 100 × 1.25, already upright
    # the body lying to the right (head at the right): turned a quarter clockwise
    cx, cy, side, rotation = pd.roi_from_keypoints(hips, np.array([180.0, 200.0]))
    assert (cx, cy, side) == pytest.approx((100, 200, 200)) and rotation == pytest.approx(np.pi / 2)
    # the model's "up" (top centre of its input) lands on the head side, half a side away
    a, b, c, d, e, f = pm._affine((cx, cy, side, rotation))
    top = (a * 128 + b * 0 + c, d * 128 + e * 0 + f)
    assert top == pytest.approx((100 + side / 2, 200))
    assert (a * 128 + b * 128 + c, d * 128 + e * 128 + f) == pytest.approx((100, 200))


def test_landmarks_and_mask_map_back_onto_the_photo_through_a_turned_roi() -> None:
    """What the model sees at (u, v) is where `_affine` says, and the mask it returns there
    lands on the same photo pixel."""
    roi = (300.0, 420.0, 380.0, np.radians(25))
    a, b, c, d, e, f = pm._affine(roi)
    u, v = 190.0, 70.0
    x, y = a * u + b * v + c, d * u + e * v + f
    dot = Image.new("RGB", (600, 900))
    dot.paste((255, 255, 255), (round(x) - 3, round(y) - 3, round(x) + 4, round(y) + 4))
    seen = np.asarray(dot.transform((256, 256), Image.Transform.AFFINE, (a, b, c, d, e, f),
                                    resample=Image.Resampling.BILINEAR))[..., 0]
    vs, us = np.nonzero(seen > 100)
    assert abs(us.mean() - u) < 1.5 and abs(vs.mean() - v) < 1.5
    logits = np.full((256, 256), -5.0)
    logits[int(v) - 4:int(v) + 5, int(u) - 4:int(u) + 5] = 5.0
    ys, xs = np.nonzero(pm._mask_in_photo(logits, roi, (600, 900)))
    assert abs(xs.mean() - x) < 2 and abs(ys.mean() - y) < 2


def test_the_letterbox_maps_back_to_photo_pixels() -> None:
    image = Image.new("RGB", (600, 900))
    image.paste((255, 255, 255), (417, 611, 423, 617))
    for square in (None, (400.0, 600.0, 300.0)):
        tensor, side, left, top = pd.letterbox(image, square)
        assert tensor.shape == (1, 224, 224, 3) and tensor.min() == -1.0
        vs, us = np.nonzero(tensor[0, :, :, 0] > 0)
        k = side / 224
        assert abs(left + (us.mean() + 0.5) * k - 420) < k
        assert abs(top + (vs.mean() + 0.5) * k - 614) < k


def test_the_real_detector_finds_the_person_in_a_real_photo(detector: pd.PoseDetector) -> None:
    name = "unsplash_03_07.jpg"
    box = person_box(name)
    found = detector.detect(photo(name))
    assert len(found) == 1 and found[0].score > 0.8
    hips, body = found[0].keypoints[0], found[0].keypoints[1]
    assert box[0] < hips[0] < box[2] and box[1] + 0.3 * (box[3] - box[1]) < hips[1] < box[3]
    assert body[1] < hips[1]  # the body's circle point is above the hips: standing
    cx, cy, side, rotation = found[0].roi()
    assert abs(rotation) < np.radians(10) and box[0] < cx < box[2]
    # the square shows the whole person (top of the collar to the soles) and not much more
    assert cy - side / 2 < box[1] and cy + side / 2 > box[3] - 30
    assert side < 1.6 * (box[3] - box[1])


def test_a_small_person_is_found_only_closer(detector: pd.PoseDetector) -> None:
    """Small in the frame: the detector misses him in the whole photo, finds him in the
    square around him (which the landmark model's first look points at)."""
    name = "unsplash_02_04.jpg"
    image = photo(name)
    box = person_box(name)
    assert detector.detect(image) == []
    square = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, 1.3 * (box[3] - box[1]))
    found = detector.detect(image, square)
    assert found and box[0] < found[0].keypoints[0][0] < box[2]
    assert box[1] < found[0].keypoints[0][1] < box[3]


def test_an_upside_down_detection_is_not_the_person() -> None:
    """A reflection in a puddle is found upside down; the upright one is chosen even with a
    lower score."""
    def det(score: float, hips: tuple[float, float], body: tuple[float, float]) -> pd.Detection:
        return pd.Detection(score, (0, 0, 1, 1), np.array([hips, body, hips, body], float))

    mirrored = det(0.9, (100, 500), (100, 700))
    upright = det(0.6, (100, 300), (100, 100))
    assert pm.choose_detection([mirrored, upright]) is upright
    assert pm.choose_detection([mirrored]) is None
    assert pm.choose_detection([]) is None


def test_the_detector_is_optional_beside_the_landmark_model(tmp_path: Path) -> None:
    alone = tmp_path / "pose_landmark_full.tflite"
    shutil.copy(pm.default_model_path(), alone)
    without = pm.PoseModel(alone)
    assert without.detector is None
    pose = without.estimate(photo("unsplash_03_07.jpg"))
    assert pose is not None and pose.score > 0.5
    shutil.copy(pm.detector_path(pm.default_model_path()), pm.detector_path(alone))
    assert pm.PoseModel(alone).detector is not None
    pm.detector_path(alone).write_bytes(b"not a model")  # damaged: worked around, logged
    assert pm.PoseModel(alone).detector is None


def test_the_landmark_model_is_shown_the_detectors_square(detector: pd.PoseDetector) -> None:
    """With the detector, the first view of a clearly visible person is its square (then
    tracked); the skeleton's hips land inside the labelled person."""
    model = pm.load_pose_model("")
    assert model is not None and model.detector is not None
    name = "unsplash_04_07.jpg"
    image = photo(name)
    first = detector.detect(image)[0].roi()
    pose = model.estimate(image)
    assert pose is not None
    assert abs(pose.roi[0] - first[0]) < 0.1 * first[2] and abs(pose.roi[2] - first[2]) < 0.15 * first[2]
    box = person_box(name)
    hips = pose.points[[pm.L_HIP, pm.R_HIP]].mean(axis=0)
    assert box[0] < hips[0] < box[2] and box[1] < hips[1] < box[3]
