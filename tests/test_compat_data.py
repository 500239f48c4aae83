"""Loaders for --data: .npz, the seed's .json, a Polyvore Outfits folder; clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from base.config import load_settings
from core.learning.sources import item_embedder, load_training_data
from models.compat import identity
from models.data import DataError, OutfitSet, load_outfits, split_outfits
from models.evaluate import evaluate_polyvore
from models.polyvore import PolyvoreFolder, slot_outfit

D = 8


def test_npz_with_and_without_mask(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((5, 4, D)).astype(np.float32)
    mask = np.ones((5, 4), dtype=bool)
    mask[:, 3] = False
    np.savez(tmp_path / "a.npz", vectors=vectors, mask=mask, categories=np.array(["top", "bottom", "shoes", "outerwear"]))
    data = load_outfits(tmp_path / "a.npz")
    assert len(data) == 5 and data.dim == D and not data.mask[:, 3].any()
    np.testing.assert_array_equal(data.vectors, vectors)
    np.savez(tmp_path / "b.npz", vectors=vectors[:, :3], categories=np.array(["top", "bottom", "shoes"]))
    assert load_outfits(tmp_path / "b.npz").mask.all()
    per_outfit = np.tile(np.array(["onepiece", "bottom", "shoes", "outerwear"]), (5, 1))
    np.savez(tmp_path / "c.npz", vectors=vectors, mask=mask, categories=per_outfit)
    assert load_outfits(tmp_path / "c.npz").category_grid()[0, 0] == "onepiece"


def test_seed_json(tmp_path: Path) -> None:
    raw = {f"o{i}": [[float(i)] * D, [1.0] * D, [0.5] * D] for i in range(3)}
    (tmp_path / "seed.json").write_text(json.dumps(raw))
    data = load_outfits(tmp_path / "seed.json")
    assert data.vectors.shape == (3, 3, D) and list(data.categories) == ["top", "bottom", "shoes"]
    assert data.vectors[2, 0, 0] == 2.0


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.npz", None, "no such file"),
        ("text.npz", b"not a zip", "not a readable .npz"),
        ("novec.npz", {"other": np.zeros(3)}, "missing array 'vectors'"),
        ("flat.npz", {"vectors": np.zeros((4, 8))}, r"shape \(N, K, D\)"),
        ("badmask.npz", {"vectors": np.zeros((2, 3, 4)), "mask": np.ones((2, 2), bool)}, "mask must have shape"),
        ("nan.npz", {"vectors": np.full((2, 3, 4), np.nan)}, "NaN"),
        ("cats.npz", {"vectors": np.zeros((2, 3, 4)), "categories": np.array(["top", "hat", "shoes"])}, "unknown categories"),
        ("broken.json", b"{not json", "not readable JSON"),
        ("short.json", json.dumps({"a": [[1.0, 2.0], [1.0, 2.0]]}).encode(), "list of 3 vectors"),
        ("ragged.json", json.dumps({"a": [[1.0, 2.0], [1.0], [1.0, 2.0]]}).encode(), "equal-length"),
        ("data.csv", b"1,2,3", "unsupported data"),
    ],
)
def test_bad_data_gives_clear_errors(tmp_path: Path, name: str, content, reason: str) -> None:
    path = tmp_path / name
    if isinstance(content, dict):
        np.savez(path, **content)
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError, match=reason) as info:
        load_outfits(path)
    assert str(path) in str(info.value)


def test_split_keeps_every_outfit_once() -> None:
    data = OutfitSet(np.arange(20 * 2 * 1, dtype=np.float32).reshape(20, 2, 1), np.ones((20, 2), bool), np.array(["top", "shoes"]))
    train, val = split_outfits(data, 0.25, seed=0)
    assert val is not None and len(train) == 15 and len(val) == 5
    seen = np.concatenate([train.vectors[:, 0, 0], val.vectors[:, 0, 0]])
    assert sorted(seen.tolist()) == data.vectors[:, 0, 0].tolist()


def test_slot_mapping_rules() -> None:
    assert slot_outfit([("top", "t"), ("bottom", "b"), ("onepiece", "d"), ("shoes", "s")]) == {
        "top": ("top", "t"), "bottom": ("bottom", "b"), "shoes": ("shoes", "s")}
    assert slot_outfit([("onepiece", "d"), ("top", "t"), ("shoes", "s")]) == {
        "top": ("onepiece", "d"), "shoes": ("shoes", "s")}
    assert slot_outfit([("top", "t1"), ("top", "t2"), ("outerwear", "o")]) == {
        "top": ("top", "t1"), "outerwear": ("outerwear", "o")}


# ---- a tiny Polyvore Outfits folder with a precomputed embedding cache ------------------------

SEMANTIC = {"tops": "t", "bottoms": "b", "shoes": "s", "all-body": "d", "bags": "g", "outerwear": "o", "jewellery": "j"}


def write_polyvore(root: Path, settings) -> dict[str, np.ndarray]:
    """6 outfits; outfit i's items all point along axis i, so raw cosine knows what goes together."""
    meta, vectors, outfits = {}, {}, []
    for i in range(6):
        kinds = ["tops", "bottoms", "shoes", "bags"] if i % 2 == 0 else ["all-body", "shoes", "jewellery"]
        items = []
        for idx, kind in enumerate(kinds, start=1):
            item_id = f"{SEMANTIC[kind]}{i}"
            meta[item_id] = {"semantic_category": kind, "url_name": item_id}
            vec = np.zeros(D, dtype=np.float32)
            vec[i] = 1.0
            vec[7] = 0.1 * idx
            vectors[item_id] = vec
            items.append({"item_id": item_id, "index": idx})
        outfits.append({"set_id": f"{100 + i}", "items": items})
    # an outfit with only a bag and jewellery: dropped
    meta["g9"], meta["j9"] = {"semantic_category": "bags"}, {"semantic_category": "jewellery"}
    outfits.append({"set_id": "109", "items": [{"item_id": "g9", "index": 1}, {"item_id": "j9", "index": 2}]})
    (root / "nondisjoint").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "polyvore_item_metadata.json").write_text(json.dumps(meta))
    for split in ("train", "valid", "test"):
        (root / "nondisjoint" / f"{split}.json").write_text(json.dumps(outfits))
    fitb = [
        {"question": ["100_1", "100_2"], "answers": ["100_3", "102_3", "104_3", "101_2"], "blank_position": 3},
        {"question": ["102_1", "102_3"], "answers": ["104_2", "102_2", "100_2", "103_2"], "blank_position": 2},
        {"question": ["101_1", "101_2"], "answers": ["101_3", "103_3", "105_3", "100_4"], "blank_position": 3},  # jewellery: skipped
    ]
    (root / "nondisjoint" / "fill_in_blank_test.json").write_text(json.dumps(fitb))
    (root / "nondisjoint" / "compatibility_test.txt").write_text(
        "1 100_1 100_2 100_3 100_4\n1 101_1 101_2\n0 100_1 102_2 104_3\n0 101_1 103_2 101_3\n0 109_1 109_2\n"
    )
    cache = PolyvoreFolder(root).cache_path(item_embedder(settings))
    cache.parent.mkdir(parents=True)
    ids = sorted(vectors)
    np.savez(cache, item_ids=np.asarray(ids), vectors=np.stack([vectors[i] for i in ids]))
    return vectors


def test_polyvore_outfits_map_onto_our_slots(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "home")
    vectors = write_polyvore(tmp_path / "polyvore", settings)
    data = load_outfits(tmp_path / "polyvore", "train", item_embedder(settings))
    assert len(data) == 6  # the bag + jewellery outfit is dropped
    cats = data.category_grid()
    assert list(cats[0]) == ["top", "bottom", "shoes", "outerwear"] and list(data.mask[0]) == [True, True, True, False]
    assert cats[1, 0] == "onepiece" and list(data.mask[1]) == [True, False, True, False]
    np.testing.assert_array_equal(data.vectors[1, 0], vectors["d1"])
    np.testing.assert_array_equal(data.vectors[1, 2], vectors["s1"])


def test_polyvore_evaluation_uses_its_own_questions(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "home")
    write_polyvore(tmp_path / "polyvore", settings)
    result = evaluate_polyvore(identity(), PolyvoreFolder(tmp_path / "polyvore"), item_embedder(settings))
    assert result["n_fitb"] == 2 and result["skipped_fitb"] == 1
    assert result["fitb_accuracy"] == 1.0  # true items share the outfit's axis
    assert result["n_outfits"] == 4 and result["skipped_outfits"] == 1
    assert result["auc"] == 1.0
    assert result["protocol"] == "polyvore-nondisjoint-test"


def test_polyvore_errors_name_the_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "home")
    write_polyvore(tmp_path / "polyvore", settings)
    (tmp_path / "polyvore" / "nondisjoint" / "train.json").write_text('[{"no": "set"}]')
    with pytest.raises(DataError, match=r"train\.json: expected a list of outfits"):
        load_outfits(tmp_path / "polyvore", "train", item_embedder(settings))
    (tmp_path / "polyvore" / "nondisjoint" / "compatibility_test.txt").write_text("maybe 100_1 100_2\n")
    with pytest.raises(DataError, match=r"compatibility_test\.txt:1: expected 'label"):
        evaluate_polyvore(identity(), PolyvoreFolder(tmp_path / "polyvore"), item_embedder(settings))
    with pytest.raises(DataError, match="not a Polyvore Outfits folder"):
        PolyvoreFolder(tmp_path)


def test_wardrobe_source_without_outfits_is_a_clear_error(tmp_path: Path) -> None:
    """An empty home (or, before the storage work lands, no wardrobe service) is a DataError."""
    with pytest.raises(DataError, match="wardrobe"):
        load_training_data("wardrobe", load_settings(tmp_path / "home"))
