"""The base's style features of the raw item vector (issue 12, round 6): maps written when a base
is trained and loaded back identical, one shared style space across categories, the personal
layer reading its preference from them (and recording it), layers and models saved before
loading and ranking as they did, a bad file ignored with the file and reason logged."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from base.config import Settings
from core.cli.main import main as cli_main
from core.learning import personal as app_personal
from models.compat import LearnedCompatModel, ModelLoadError, identity, load_model, weights_hash
from models.config import DEFAULT_MODEL, TrainConfig
from models.data import OutfitSet
from models.personal import (
    LATENT,
    STYLE,
    PairData,
    PersonalModel,
    fit_personal,
    fit_preference,
    gate,
)
from models.style_features import (
    MIN_OUTFITS,
    STYLE_FEATURES_FILE,
    features,
    gcca_maps,
    reliability,
    reliability_weighted,
)
from models.synthetic import SyntheticSpec, make_world, synthetic_outfits
from models.train import train
from tests.test_style_prior import bad_copy, cli_files, tasted

SMALL = replace(DEFAULT_MODEL, hidden_dim=64, latent_dim=64)  # the default architecture, narrower
ROUND2 = Path(__file__).parent / "fixtures" / "compat_saved_round2" / "model"
SPEC = SyntheticSpec(dim=32, style_dim=4, noise=0.5)


@pytest.fixture(scope="module")
def world_and_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[OutfitSet, LearnedCompatModel, Path]:
    data = synthetic_outfits(520, make_world(SPEC, 0), seed=1)
    model, metrics = train(data, TrainConfig(epochs=2, batch_size=64, val_fraction=0.0, model=SMALL))
    assert metrics["style_features"] == sorted(model.style_features)
    folder = model.save(tmp_path_factory.mktemp("base") / "model")
    return data, model, folder


def test_training_writes_the_maps_and_they_load_back_identical(world_and_model) -> None:
    data, model, folder = world_and_model
    assert set(model.style_features) == {"top", "bottom", "shoes", "outerwear", "onepiece"}
    for a, mean in model.style_features.values():
        assert a.shape == (32, 16) and mean.shape == (32,)
    assert (folder / STYLE_FEATURES_FILE).is_file()
    loaded = load_model(folder)
    assert sorted(loaded.style_features) == sorted(model.style_features)
    for cat, (a, mean) in model.style_features.items():
        np.testing.assert_array_equal(loaded.style_features[cat][0], a)
        np.testing.assert_array_equal(loaded.style_features[cat][1], mean)
    # the maps are not part of the model: same version hash, same scores
    assert loaded.version == model.version == weights_hash(model.net, model.config)
    first = data.subset(np.arange(20))
    np.testing.assert_array_equal(loaded.score(first.vectors, first.mask, first.category_grid()),
                                  model.score(first.vectors, first.mask, first.category_grid()))


def test_training_writes_each_categorys_map_scaled_by_its_reliability(world_and_model) -> None:
    """Round 9: the maps a base carries are the CCA maps of its training outfits, each scaled by
    ρ_c of those outfits; shoes, which see the style only as s², weigh least."""
    data, model, _ = world_and_model
    plain = gcca_maps(data)
    rho = reliability(plain, data)
    assert all(0.0 <= r <= 1.0 for r in rho.values())
    assert rho["shoes"] < min(rho["top"], rho["bottom"])
    want = reliability_weighted(plain, data)
    for cat, (a, mean) in model.style_features.items():
        np.testing.assert_allclose(a, plain[cat][0] * np.float32(rho[cat]), rtol=1e-6)
        np.testing.assert_array_equal(a, want[cat][0])
        np.testing.assert_array_equal(mean, plain[cat][1])
    assert reliability_weighted({}, data) == {}


def test_the_maps_put_the_categories_of_one_outfit_in_one_style_space() -> None:
    """Held-out outfits: a top's and a bottom's features agree (they share the outfit's style);
    shoes, which see the style only as s² (no sign), get small features, not full-size noise."""
    world = make_world(SyntheticSpec(dim=64, style_dim=4, noise=0.5), 3)
    maps = gcca_maps(synthetic_outfits(1500, world, seed=1), k=4)
    test = synthetic_outfits(600, world, seed=2)
    both = np.flatnonzero(test.mask[:, 1] & (test.category_grid()[:, 0] == "top"))
    top = features(maps, "top", test.vectors[both, 0])
    bottom = features(maps, "bottom", test.vectors[both, 1])
    shoes = features(maps, "shoes", test.vectors[both, 2])
    agreement = [np.corrcoef(top[:, j], bottom[:, j])[0, 1] for j in range(4)]
    assert min(agreement) > 0.8, agreement
    assert np.linalg.norm(shoes) < 0.5 * np.linalg.norm(top)
    # the style itself is read back: the outfit's style explains most of the top's features
    style = np.random.default_rng(2).standard_normal((600, 4))[both]
    fit = np.linalg.lstsq(np.c_[style, np.ones(len(style))], top, rcond=None)[0]
    residual = top - np.c_[style, np.ones(len(style))] @ fit
    assert residual.var() < 0.3 * top.var()


def test_too_few_outfits_give_no_maps_and_saving_without_them_removes_a_stale_file(
    world_and_model, tmp_path: Path
) -> None:
    data, model, folder = world_and_model
    assert gcca_maps(data.subset(np.arange(MIN_OUTFITS - 1))) == {}
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    bare = LearnedCompatModel(model.net, model.info)  # the same weights, no maps
    bare.save(copy)
    assert not (copy / STYLE_FEATURES_FILE).exists() and load_model(copy).style_features is None
    assert load_model(ROUND2).style_features is None  # saved before round 6


def test_the_layer_reads_its_preference_from_the_style_features(world_and_model) -> None:
    data, model, _ = world_and_model
    feedback, ratings = tasted(data, 30, 0)
    fit = fit_personal(model, feedback, ratings)
    assert (fit.features, fit.estimator) == (STYLE, "style features")
    assert fit.to_dict()["features"] == STYLE
    pairs = PairData.build(model, feedback.vectors, feedback.mask, feedback.category_grid(), STYLE)
    assert pairs.latents.shape[2] == 16
    w = fit_preference(pairs, ratings, logistic=True)  # round 9: the logistic direction
    assert not np.allclose(w, fit_preference(pairs, ratings))  # not the ridge readout
    if fit.adopted:
        np.testing.assert_array_equal(fit.w, w)
    layer = PersonalModel(model, w, features=STYLE)
    x = data.vectors[:5, 0]
    cat = str(data.category_grid()[0, 0])
    np.testing.assert_allclose(layer.preference(cat, x),
                               gate(features(model.style_features, cat, x) @ w.astype(np.float64)),
                               atol=1e-6)
    # the score is the definition: mean over pairs of pair · (1 + (p_a + p_b)/2), p from f(x)
    some = data.subset(np.arange(12))
    cats = some.category_grid()
    want = []
    for r in range(len(some)):
        slots = np.flatnonzero(some.mask[r])
        p = {s: layer.preference(cats[r, s], some.vectors[r, s][None])[0] for s in slots}
        sims = [model.pair_similarity(cats[r, a], some.vectors[r, a][None], cats[r, b],
                                      some.vectors[r, b][None])[0, 0] * (1 + (p[a] + p[b]) / 2)
                for a in slots for b in slots if a < b]
        want.append(np.mean(sims))
    np.testing.assert_allclose(layer.score(some.vectors, some.mask, cats), want, atol=1e-5)
    # the projection the ranker uses gives the same pair weights
    top = some.vectors[[0], 0]
    other = int(np.flatnonzero(some.mask[0])[1])
    pair = layer.pair_similarity(cats[0, 0], top, cats[0, other], some.vectors[[0], other])[0, 0]
    p0, p1 = (layer.preference(cats[0, s], some.vectors[[0], s])[0] for s in (0, other))
    base_pair = model.pair_similarity(cats[0, 0], top, cats[0, other], some.vectors[[0], other])[0, 0]
    assert pair == pytest.approx(base_pair * (1 + (p0 + p1) / 2), abs=1e-5)


def test_a_style_layer_saves_records_its_features_and_loads_back(world_and_model, tmp_path: Path) -> None:
    data, model, folder = world_and_model
    w = np.random.default_rng(1).standard_normal(16).astype(np.float32)
    layer = PersonalModel(model, w, features=STYLE)
    out = layer.save(tmp_path / "layer", folder)
    assert json.loads((out / "personal.json").read_text())["features"] == STYLE
    loaded = load_model(out)
    assert isinstance(loaded, PersonalModel) and loaded.features == STYLE
    assert loaded.version == layer.version
    some = data.subset(np.arange(30))
    np.testing.assert_array_equal(loaded.score(some.vectors, some.mask, some.category_grid()),
                                  layer.score(some.vectors, some.mask, some.category_grid()))
    # the base in the layer's folder lost its maps: refused, naming the file (no silent change)
    (out / "base" / STYLE_FEATURES_FILE).unlink()
    with pytest.raises(ModelLoadError, match=r"personal\.json.*style_features\.safetensors"):
        load_model(out)
    with pytest.raises(ValueError, match="carries none"):
        PersonalModel(identity(), w, features=STYLE)
    with pytest.raises(ValueError, match="3 numbers over style features of width 16"):
        PersonalModel(model, w[:3], features=STYLE)


def test_layers_of_the_latent_keep_their_form_file_and_version(world_and_model, tmp_path: Path) -> None:
    """A layer over the latent (every layer saved before round 6) writes no 'features' key and
    keeps the version it had; a base without maps still fits on the latent with the prior."""
    data, model, folder = world_and_model
    w = np.random.default_rng(2).standard_normal(64).astype(np.float32)
    layer = PersonalModel(model, w)
    digest = hashlib.sha256(model.version.encode())
    digest.update(w.tobytes())
    assert layer.version == "personal-" + digest.hexdigest()[:16] and layer.features == LATENT
    out = layer.save(tmp_path / "latent", folder)
    assert "features" not in json.loads((out / "personal.json").read_text())
    assert load_model(out).features == LATENT
    bare = tmp_path / "bare"
    shutil.copytree(folder, bare)
    (bare / STYLE_FEATURES_FILE).unlink()
    feedback, ratings = tasted(data, 30, 0)
    fit = fit_personal(load_model(bare), feedback, ratings)
    assert (fit.features, fit.estimator) == (LATENT, "style prior")


def test_a_bad_maps_file_is_ignored_with_a_logged_reason_naming_the_file(
    world_and_model, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, model, folder = world_and_model
    a, mean = model.style_features["top"]
    nan = a.copy()
    nan[0, 0] = np.nan
    bad = {
        "not readable style features": None,  # garbage bytes
        "made for model version": ({"map.top": a, "mean.top": mean}, {"version": "0123456789abcdef"}),
        "does not fit": ({"map.top": a[:-1], "mean.top": mean[:-1]}, {"version": model.version}),
        "not finite": ({"map.top": nan, "mean.top": mean}, {"version": model.version}),
        "pairs": ({"map.top": a}, {"version": model.version}),
        "different or zero widths": ({"map.top": a, "mean.top": mean, "map.bottom": a[:, :3],
                                      "mean.bottom": mean}, {"version": model.version}),
    }
    feedback, ratings = tasted(data, 10, 0)
    for number, (reason, content) in enumerate(bad.items()):
        path = bad_copy(folder, tmp_path / f"bad{number}", STYLE_FEATURES_FILE, content)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="models.style_features"):
            loaded = load_model(path.parent)
        assert loaded.style_features is None and loaded.version == model.version
        assert str(path) in caplog.text and reason in caplog.text, (reason, caplog.text)
        assert fit_personal(loaded, feedback, ratings).features == LATENT


def test_the_app_keeps_a_style_layer_only_while_the_base_has_its_maps(
    world_and_model, settings: Settings, tmp_path: Path
) -> None:
    _, model, folder = world_and_model
    w = np.ones(16, np.float32)
    layer = settings.models_dir / "personal"
    layer.mkdir(parents=True)
    save_file({"w": w}, str(layer / "preference.safetensors"))
    state = app_personal.PersonalState(True, "beats", 60, 30, 30, "2026-11-29T20:00:00+00:00",
                                       base_version=model.version, estimator="style features",
                                       features=STYLE)
    (layer / "state.json").write_text(json.dumps(state.__dict__))
    assert app_personal.read_features(settings) == STYLE
    np.testing.assert_array_equal(app_personal.read_preference(settings, model), w)
    wrapped = app_personal.wrap(model, w, app_personal.read_features(settings))
    assert isinstance(wrapped, PersonalModel) and wrapped.features == STYLE
    # a stored preference of another width (an edited or damaged state): the base ranks alone
    assert app_personal.wrap(model, np.ones(5, np.float32), STYLE) is model
    bare = tmp_path / "bare"
    shutil.copytree(folder, bare)
    (bare / STYLE_FEATURES_FILE).unlink()
    assert app_personal.read_preference(settings, load_model(bare)) is None  # the base ranks alone


def test_cli_training_writes_the_maps_and_a_layer_over_that_base_reads_them(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = make_world(SPEC, 1)
    paths = cli_files(tmp_path, world, MIN_OUTFITS + 120)
    base_dir, out = tmp_path / "base", tmp_path / "personal"
    assert cli_main(["train", "--data", paths["general"], "--out", str(base_dir), "--epochs", "1",
                     "--val-fraction", "0"]) == 0
    assert (base_dir / STYLE_FEATURES_FILE).is_file()
    assert cli_main(["train", "--init", str(base_dir), "--data", paths["rated"], "--out", str(out)]) == 0
    assert "preference read from: style" in capsys.readouterr().out
    meta = json.loads((out / "personal.json").read_text())
    assert meta["info"]["personal"]["features"] == STYLE and meta["features"] == STYLE
    layer = load_model(out)
    assert isinstance(layer, PersonalModel) and layer.features == STYLE
