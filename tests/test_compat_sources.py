"""The model's data sources that need the rest of the product: the person's own wardrobe, and a
Polyvore folder whose images go through the real (tiny) FashionCLIP encoder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from base.config import Settings
from base.vocabulary import SLOTS
from core.cli.main import main as cli_main
from core.learning.sources import item_embedder, load_training_data
from core.wardrobe.service import Wardrobe
from devkit.imaging import BLUE, GREEN, RED, garment_image, garment_photo
from models.compat import load_model
from models.data import load_outfits
from models.polyvore import PolyvoreFolder


def _wardrobe_with_outfits(settings: Settings) -> None:
    """Three tops, trousers and shoes; three saved outfits, one disliked suggestion."""
    with Wardrobe.open(settings) as w:
        ids: dict[str, list[str]] = {"top": [], "bottom": [], "shoes": []}
        for slot, kind in (("top", "tshirt"), ("bottom", "trousers"), ("shoes", "shoe")):
            for seed, colour in enumerate((RED, BLUE, GREEN)):
                outcome = w.ingest_bytes(garment_photo(kind, colour, "PNG", seed), f"{kind}{seed}.png")
                assert outcome.status == "added", outcome.message
                w.update_item(outcome.item_id, category=slot)
                ids[slot].append(outcome.item_id)
        for i in range(3):
            w.save_outfit({s: ids[s][i] for s in ids}, source="manual")
        bad = w.save_outfit({s: ids[s][(i + n) % 3] for n, s in enumerate(ids)}, source="suggested")
        w.add_feedback(bad.id, -1)


def test_wardrobe_source_trains_through_the_cli(settings: Settings, tmp_path: Path, monkeypatch, capsys) -> None:
    _wardrobe_with_outfits(settings)
    data = load_training_data("wardrobe", settings)
    assert len(data) == 3 and data.vectors.shape[1:] == (len(SLOTS), 512)
    assert data.hard_negatives is not None and len(data.hard_negatives) == 1

    monkeypatch.setenv("WHAT2WEAR_HOME", str(settings.home))
    monkeypatch.setenv("WHAT2WEAR_CLIP_MODEL", settings.clip_model)
    monkeypatch.setenv("WHAT2WEAR_REMBG_MODEL", settings.rembg_model)
    out = tmp_path / "trained"
    assert cli_main(["train", "--data", "wardrobe", "--out", str(out), "--epochs", "2", "--val-fraction", "0"]) == 0
    model = load_model(out)
    scores = model.score(data.vectors, data.mask, data.category_grid())
    assert np.all(np.isfinite(scores))
    capsys.readouterr()
    assert cli_main(["evaluate", "--model", str(out), "--data", "wardrobe", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_outfits"] == 3 and 0.0 <= result["auc"] <= 1.0


def test_polyvore_images_are_embedded_with_the_configured_encoder(settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "polyvore"
    (root / "nondisjoint").mkdir(parents=True)
    (root / "images").mkdir()
    meta, outfits = {}, []
    for i, colour in enumerate((RED, BLUE)):
        items = []
        for idx, (kind, semantic) in enumerate((("tshirt", "tops"), ("trousers", "bottoms"), ("shoe", "shoes")), 1):
            item_id = f"{semantic}{i}"
            meta[item_id] = {"semantic_category": semantic}
            garment_image(kind, colour, (96, 128), seed=i).save(root / "images" / f"{item_id}.jpg")
            items.append({"item_id": item_id, "index": idx})
        outfits.append({"set_id": str(i), "items": items})
    (root / "polyvore_item_metadata.json").write_text(json.dumps(meta))
    (root / "nondisjoint" / "train.json").write_text(json.dumps(outfits))

    data = load_outfits(root, "train", item_embedder(settings))
    assert len(data) == 2 and data.mask[:, :3].all() and not data.mask[:, 3].any()
    norms = np.linalg.norm(data.vectors[:, :3], axis=-1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)
    cache = PolyvoreFolder(root).cache_path(item_embedder(settings))
    assert cache.is_file()
    # The cache is used from then on: images may go, the vectors stay identical.
    for path in (root / "images").iterdir():
        path.unlink()
    again = load_outfits(root, "train", item_embedder(settings))
    np.testing.assert_array_equal(again.vectors, data.vectors)
