"""Garment regions of real full-body photos, found by the real pose model (MediaPipe's pose
landmark model, obtained by `make` / `python -m core.photos.pose_model --fetch`).

The photos and their hand-labelled boxes are in tests/fixtures/outfits (Unsplash and Pexels
licences, sources in SOURCES.md). A missing model file fails these tests: they exist to run it.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from base.config import Settings
from core.cli.main import main as cli_main
from core.photos import pose_model as pm
from core.photos.background import CutOut, composite_on_white
from core.photos.garment_regions import (
    PARTS,
    ROWS_NOTE,
    GarmentRegions,
    find_regions,
    person_pixels,
)
from core.photos.images import load_image
from core.wardrobe import Wardrobe

FIXTURES = Path(__file__).parent / "fixtures" / "outfits"
LABELS = json.loads((FIXTURES / "labels.json").read_text())["photos"]
# The unseen report sets: scored only by benchmarks/outfit_parts.py --split
# fresh-5/-6/-8/-9/-10/-11/-12/-13/-14/-15/-16/-17/-18/-19/-20/-21/-22/-23/-24,
# never here, so no test run shows anyone how the method does on them before they are reported.
# fresh-7 was scored once by round 7 and designed on in round 8: its photos are used here.
UNSEEN = ("fresh-5", "fresh-6", "fresh-8", "fresh-9", "fresh-10", "fresh-11", "fresh-12",
          "fresh-13", "fresh-14", "fresh-15", "fresh-16", "fresh-17", "fresh-18", "fresh-19",
          "fresh-20", "fresh-21", "fresh-22", "fresh-23", "fresh-24")
# Photos each unseen split holds at least; round 13 kept only 5 with a licence that can be shown.
UNSEEN_AT_LEAST = {"fresh-13": 5, "fresh-14": 14, "fresh-15": 20, "fresh-16": 12, "fresh-17": 7,
                   "fresh-18": 9, "fresh-19": 11, "fresh-20": 11,
                   "fresh-21": 12, "fresh-22": 16, "fresh-23": 13, "fresh-24": 13}
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.outfit_parts import predicted, vertical_iou  # noqa: E402


@pytest.fixture(scope="module")
def model() -> pm.PoseModel:
    loaded = pm.load_pose_model("")
    assert loaded is not None
    return loaded


def cutout(name: str) -> CutOut:
    image = load_image((FIXTURES / name).read_bytes(), name, max_pixels=40_000_000,
                       max_side=2048).image
    return CutOut(image.convert("RGBA"), image, False)


class _Regions(dict):
    """(rows, pose) regions of the labelled photos, each cut when first asked for: a test of
    one photo does not run the model on the others (nor on a split kept unseen)."""

    def __init__(self, model: pm.PoseModel) -> None:
        super().__init__()
        self.model = model

    def __missing__(self, name: str) -> tuple[GarmentRegions, GarmentRegions]:
        self[name] = (find_regions(cutout(name), None), find_regions(cutout(name), self.model))
        return self[name]

    def items(self):  # type: ignore[override]
        return [(name, self[name]) for name in LABELS if LABELS[name]["split"] not in UNSEEN]


@pytest.fixture(scope="module")
def regions(model: pm.PoseModel) -> dict[str, tuple[GarmentRegions, GarmentRegions]]:
    """(rows, pose) regions of every labelled photo outside the unseen report set."""
    return _Regions(model)


def test_the_model_loads_once_per_process(model: pm.PoseModel) -> None:
    assert pm.load_pose_model("") is model
    assert model.path == pm.default_model_path().resolve()


def _mean_vertical_iou(regions, part: str, method: int, split: str | None = None) -> float:
    scores = []
    for name, entry in LABELS.items():
        truth = entry[part]
        if truth is None or entry["split"] in UNSEEN or (
                split is not None and entry["split"] not in split):
            continue
        box = predicted(regions[name][method], part)
        scores.append(vertical_iou(box, tuple(truth)) if box else 0.0)
    return statistics.mean(scores)


def test_pose_beats_the_seed_rows_on_every_garment(regions) -> None:
    """On every labelled photo but the unseen report set, fresh ones included (never tuned on)."""
    for part in PARTS:
        rows_mean, pose_mean = _mean_vertical_iou(regions, part, 0), _mean_vertical_iou(
            regions, part, 1)
        assert pose_mean > rows_mean + 0.1, (part, rows_mean, pose_mean)


def test_the_unseen_report_set_is_labelled_but_left_out_here(regions) -> None:
    """fresh-5, -6, -8, -9, -10, -11, -12, -13, -14, -15, -16, -17, -18, -19, -20, -21, -22, -23
    and -24 (SOURCES.md): every photo is on disk at 900 px on its long side with its boxes inside
    it, and none of them is cut by the method in these tests."""
    unseen = [name for name, entry in LABELS.items() if entry["split"] in UNSEEN]
    for split in UNSEEN:
        count = sum(LABELS[name]["split"] == split for name in unseen)
        assert count >= UNSEEN_AT_LEAST.get(split, 8), (split, count)
    for name in unseen:
        size = Image.open(FIXTURES / name).size
        assert max(size) == 900, (name, size)
        for part in PARTS:
            box = LABELS[name][part]
            if box is not None:
                assert 0 <= box[0] < box[2] <= size[0] and 0 <= box[1] < box[3] <= size[1], (
                    name, part, box)
    assert not set(unseen) & set(regions)


def test_on_the_photos_tuned_on_the_garments_overlap_their_labels(regions) -> None:
    """The 19 photos the rules were tuned on: measured 0.89 / 0.79 / 0.75 (README)."""
    for part, floor in (("top", 0.87), ("bottom", 0.76), ("shoes", 0.72)):
        mean = _mean_vertical_iou(regions, part, 1, split=("tuning", "held-out"))
        assert mean >= floor, (part, mean)


def test_a_small_person_is_seen_closer_and_tracked(model: pm.PoseModel) -> None:
    """Small and far in the frame: the model's last look is a square around the body, far
    smaller than the photo, and every garment lands on its label."""
    photo = cutout("unsplash_02_04.jpg")
    pose = model.estimate(photo.on_white)
    assert pose is not None and pose.roi[2] < 0.6 * max(photo.on_white.size)
    found = find_regions(photo, model)
    for part in PARTS:
        assert vertical_iou(found.boxes[part], tuple(LABELS["unsplash_02_04.jpg"][part])) > 0.7


def test_a_dark_photo_is_looked_at_again_brightened(model: pm.PoseModel) -> None:
    """Nobody is found in the dark warehouse as it is; spread out, the tones show the man."""
    photo = cutout("unsplash_02_02.jpg")
    assert model.estimate(photo.on_white) is None
    found = find_regions(photo, model)
    assert found.method == "pose" and found.missing == ()
    for part in PARTS:
        assert vertical_iou(found.boxes[part], tuple(LABELS["unsplash_02_02.jpg"][part])) > 0.45


def test_the_detector_finds_people_the_landmark_model_alone_lost(regions) -> None:
    """Fresh photos (never tuned on): a small man in a dark hall, a night street full of
    lights, a man beside a puddle that mirrors him. The landmark model alone placed the
    skeleton on the lights or across the reflection (vertical IoU under 0.55 for every
    garment, README); MediaPipe's detector puts its square on the person."""
    for name, floor in (("unsplash_02_00.jpg", 0.7), ("unsplash_02_01.jpg", 0.75),
                        ("unsplash_02_07.jpg", 0.4)):
        _, pose = regions[name]
        for part in PARTS:
            iou = vertical_iou(pose.boxes[part], tuple(LABELS[name][part]))
            assert iou >= floor, (name, part, iou)


def test_a_photo_cut_above_the_knees_reports_no_shoes(regions) -> None:
    _, pose = regions["unsplash_01_06.jpg"]
    assert pose.method == "pose"
    assert "shoes" not in pose.boxes and pose.missing == ("shoes",)
    assert "top" in pose.boxes and "bottom" in pose.boxes


def test_a_photo_cut_at_the_hips_has_only_a_top(regions) -> None:
    rows, pose = regions["unsplash_03_04.jpg"]
    assert set(pose.boxes) == {"top"} and pose.missing == ("bottom", "shoes")
    assert pose.boxes["top"][3] == 900  # nothing below it in the frame: it runs to the edge
    assert set(rows.boxes) == {"top", "bottom", "shoes"}  # the rows invent both


def test_a_sliver_of_the_bottom_above_the_frames_edge_is_found(
        model: pm.PoseModel, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tuned-on photo cut a little below the shirt's hem (synthetic): the rows above the
    edge are unlike the shirt, so they are a bottom, not nothing (before: reported missing).
    A test of the hand rules: the learned start ranker (on by default) is switched off; with it
    on, this sliver's bottom starts at the shoulders (a known regression, README round 10)."""
    monkeypatch.setenv("WHAT2WEAR_HEM_RANKER", "none")
    name = "unsplash_03_07.jpg"
    truth = LABELS[name]
    image = cutout(name).rgba.convert("RGB")
    edge = truth["top"][3] + (truth["top"][3] - truth["top"][1]) // 4
    cut = image.crop((0, 0, image.width, edge))
    found = find_regions(CutOut(cut.convert("RGBA"), cut, False), model)
    assert found.missing == ("shoes",)
    assert vertical_iou(found.boxes["bottom"], (0, truth["bottom"][1], 0, edge)) > 0.8
    assert vertical_iou(found.boxes["top"], tuple(truth["top"])) > 0.85


def test_legs_squeezed_into_a_square_are_looked_at_again(model: pm.PoseModel) -> None:
    """A square that ends at the knees (as the detector's did for a crouching man) squeezes
    the legs in: the ankles land at its bottom edge. The model then looks at a larger square
    reaching below them, and the ankles come down onto the shoes."""
    name = "unsplash_03_07.jpg"
    rgb = cutout(name).on_white.convert("RGB")
    pose = model.estimate(rgb)
    assert pose is not None
    knee = float(pose.points[[pm.L_KNEE, pm.R_KNEE], 1].max())
    side = pose.roi[2] * 0.8
    square = (pose.roi[0], knee + 0.02 * pose.roi[2] - side / 2, side, 0.0)
    raw, score, mask = model._run(rgb, square)
    ankles = [pm.L_ANKLE, pm.R_ANKLE]
    shoes = LABELS[name]["shoes"]
    assert pm._feet_at_edge(raw, square) and raw[ankles, 1].max() < shoes[1]
    view = model._feet_in_view(rgb, (score, raw, mask, square))
    assert view[3][2] > side and shoes[1] <= view[1][ankles, 1].max() <= shoes[3]
    # a person whose feet are well inside the square is not looked at again
    assert not pm._feet_at_edge(np.asarray(pose.points.tolist() + [[0, 0]] * 6), pose.roi)


def test_no_garment_outside_the_frame_is_invented(regions) -> None:
    """Every garment the frame cuts off is reported missing, and bare feet are no shoes (the
    barefoot dress, unsplash_v3, got shoes until round 5's bare-feet rule)."""
    for name, (_, pose) in regions.items():
        for part in PARTS:
            if LABELS[name][part] is None:
                assert predicted(pose, part) is None and part in pose.missing, (name, part)


def test_shorts_end_at_their_hem_not_at_the_ankles(regions) -> None:
    """The hem (the bottom's lower edge) is the rules' work; where the shorts begin is the
    learned start ranker's (on by default), which starts these too high (README round 10)."""
    _, pose = regions["unsplash_04_01.jpg"]
    truth = LABELS["unsplash_04_01.jpg"]
    height = truth["shoes"][3] - truth["top"][1]
    assert abs(pose.boxes["bottom"][3] - truth["bottom"][3]) < 0.05 * height  # at the hem
    assert pose.boxes["bottom"][3] < truth["shoes"][1] - 50  # well above the feet


def test_regions_are_tight_crops_on_white(regions) -> None:
    rows, pose = regions["unsplash_03_07.jpg"]
    for part, box in pose.boxes.items():
        crop = pose.crops[part]
        assert crop.size == (box[2] - box[0], box[3] - box[1])
        white = (np.asarray(crop) == 255).all(axis=2).mean()
        assert 0.02 < white < 0.9, (part, white)  # the street around the body is white
    # the garment's own width, narrower than the person's box the rows use
    assert pose.boxes["shoes"][2] - pose.boxes["shoes"][0] < rows.boxes["shoes"][2] - rows.boxes["shoes"][0]


def test_a_cut_out_that_kept_the_background_does_not_widen_the_garments(model: pm.PoseModel) -> None:
    """Background removal that kept almost everything (all but a strip at the left) must not
    make each garment as wide as what it kept: the pose model's person mask bounds it."""
    plain = cutout("unsplash_03_07.jpg")
    body_only = find_regions(plain, model)
    width, height = plain.on_white.size
    alpha = np.zeros((height, width), np.uint8)
    alpha[:, width // 10:] = 255
    rgba = plain.on_white.convert("RGBA")
    rgba.putalpha(Image.fromarray(alpha))
    kept_too_much = find_regions(CutOut(rgba, composite_on_white(rgba), True), model)
    assert kept_too_much.missing == body_only.missing == ()
    for part, box in kept_too_much.boxes.items():
        near = body_only.boxes[part]
        # within 10 % of the photo's width of the person's own extent, not the strip's edges
        assert near[0] - 0.1 * width <= box[0] and box[2] <= near[2] + 0.1 * width, (part, box, near)


def test_the_cut_outs_own_edge_is_kept_near_the_body_and_refused_far_from_it() -> None:
    body = np.zeros((400, 300), bool)
    body[50:350, 100:200] = True
    finer = body.copy()
    finer[50:350, 100:110] = False  # the cut-out trims an edge the coarse body mask got wrong
    assert (person_pixels(finer, body) == finer).all()
    elsewhere = np.zeros_like(body)
    elsewhere[:, 250:] = True  # a cut-out of something else (a wall, another person)
    assert (person_pixels(elsewhere, body) == body).all()
    assert (person_pixels(np.zeros_like(body), body) == body).all()  # a cut-out of nothing


def test_without_the_model_the_seed_rows_are_used_and_said(model: pm.PoseModel) -> None:
    rows = find_regions(cutout("unsplash_03_07.jpg"), None)
    assert rows.method == "rows" and rows.note == ROWS_NOTE
    assert set(rows.boxes) == {"top", "bottom", "shoes"}
    assert pm.load_pose_model("none") is None


def test_a_missing_model_file_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(pm.PoseModelUnavailable, match="--fetch"):
        pm.load_pose_model(str(tmp_path / "absent.tflite"))
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(b"not a model")
    with pytest.raises(pm.PoseModelUnavailable, match="cannot be loaded"):
        pm.load_pose_model(str(broken))


def test_fetch_keeps_verified_files_without_downloading(tmp_path: Path) -> None:
    """The landmark model and the person detector beside it, both checked by sha256."""
    target = tmp_path / "pose.tflite"
    target.write_bytes(pm.default_model_path().read_bytes())
    detector = pm.detector_path(target)
    assert detector == tmp_path / "pose_detection.tflite"
    detector.write_bytes(pm.detector_path(pm.default_model_path()).read_bytes())
    before = target.stat().st_mtime_ns, detector.stat().st_mtime_ns
    assert pm.fetch(target) == target
    assert (target.stat().st_mtime_ns, detector.stat().st_mtime_ns) == before


def test_cli_prints_the_regions_as_json_and_saves_crops(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("WHAT2WEAR_POSE_MODEL", "")
    monkeypatch.setenv("WHAT2WEAR_REMBG_MODEL", "none")
    photo = FIXTURES / "unsplash_01_06.jpg"
    assert cli_main(["outfit-parts", str(photo), "--json", "--save", str(tmp_path / "out")]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["method"] == "pose" and shown["missing"] == ["shoes"]
    assert set(shown["parts"]) == {"top", "bottom"}
    assert all(len(box) == 4 for box in shown["parts"].values())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "unsplash_01_06-bottom.png", "unsplash_01_06-top.png"]


def test_cli_boxes_are_in_the_photos_own_pixels(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """The photo is analysed at WHAT2WEAR_MAX_IMAGE_SIDE, the boxes are printed at its size."""
    monkeypatch.setenv("WHAT2WEAR_POSE_MODEL", "")
    monkeypatch.setenv("WHAT2WEAR_REMBG_MODEL", "none")
    photo = str(FIXTURES / "unsplash_03_07.jpg")  # 575x900
    assert cli_main(["outfit-parts", photo, "--json"]) == 0
    full = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("WHAT2WEAR_MAX_IMAGE_SIDE", "450")
    assert cli_main(["outfit-parts", photo, "--json"]) == 0
    half = json.loads(capsys.readouterr().out)
    assert set(half["parts"]) == set(full["parts"]) == {"top", "bottom", "shoes"}
    for part, box in half["parts"].items():
        assert box[2] <= 575 and box[3] <= 900
        assert vertical_iou(tuple(box), tuple(full["parts"][part])) > 0.75, part


def test_cli_falls_back_to_rows_with_a_note(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("WHAT2WEAR_REMBG_MODEL", "none")  # WHAT2WEAR_POSE_MODEL=none (conftest)
    assert cli_main(["outfit-parts", str(FIXTURES / "unsplash_03_07.jpg"), "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["method"] == "rows"
    assert "less precisely" in out.err


def test_cli_refuses_a_bad_file_by_name(
    cli_env: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    bad = tmp_path / "look.jpg"
    bad.write_bytes(b"not a photo")
    assert cli_main(["outfit-parts", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "look.jpg" in err and "error:" in err


def test_ingest_records_the_garments_found_from_the_body(settings: Settings) -> None:
    settings = dataclasses.replace(settings, pose_model="")
    with Wardrobe.open(settings) as wardrobe:
        photo = (FIXTURES / "unsplash_01_06.jpg").read_bytes()
        outcome = wardrobe.ingest_outfit_photo(photo, "look.jpg")
        assert outcome.outfit_id is not None, outcome.reason
        assert outcome.regions_method == "pose" and outcome.missing == ("shoes",)
        assert set(outcome.items) == {"top", "bottom"}  # no shoes invented
        assert any("shoes" in w for w in outcome.warnings)
        boxes = {b.slot: b.box for b in outcome.bands}
        expected = find_regions(cutout("unsplash_01_06.jpg"), pm.load_pose_model(""))
        # the tiny test rembg model cuts differently from no removal; boxes stay near the body
        for slot, box in boxes.items():
            assert vertical_iou(box, expected.boxes[slot]) > 0.5
        assert wardrobe.outfit(outcome.outfit_id).items == outcome.items


def test_ingest_without_the_model_uses_rows_and_warns(settings: Settings, tmp_path: Path) -> None:
    settings = dataclasses.replace(settings, pose_model=str(tmp_path / "absent.tflite"))
    with Wardrobe.open(settings) as wardrobe:
        outcome = wardrobe.ingest_outfit_photo((FIXTURES / "unsplash_03_07.jpg").read_bytes(),
                                               "look.jpg")
        assert outcome.outfit_id is not None and outcome.regions_method == "rows"
        assert any("less precisely" in w and "--fetch" in w for w in outcome.warnings)


def test_settings_page_says_where_the_pose_model_is_or_why_not(tmp_path: Path) -> None:
    from base.config import load_settings
    from core.views.settings import describe

    def pose_line(value: str) -> str:
        settings = dataclasses.replace(load_settings(home=tmp_path), pose_model=value)
        return next(x.value for x in describe(settings) if x.variable == "WHAT2WEAR_POSE_MODEL")

    assert pose_line("") == str(pm.default_model_path())
    assert pose_line("none").startswith("off")
    assert "missing (make pose-model)" in pose_line(str(tmp_path / "absent.tflite"))
