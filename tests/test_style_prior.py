"""The base's style basis (issue 12, round 5): written when a base is trained, loaded back with
it, used by the personal layer's estimator; a model without it (or with a bad one) fits with the
plain ridge as before."""

from __future__ import annotations

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
from models.compat import LearnedCompatModel, load_model, weights_hash
from models.config import DEFAULT_MODEL, TrainConfig
from models.data import OutfitSet
from models.personal import PairData, PersonalModel, fit_personal, fit_preference, ridge_direction
from models.style_prior import MIN_OUTFITS, STYLE_PRIOR_FILE, prior_map, style_basis
from models.synthetic import SyntheticSpec, SyntheticWorld, make_world, synthetic_outfits
from models.train import train

SMALL = replace(DEFAULT_MODEL, hidden_dim=64, latent_dim=64)  # the default architecture, narrower
ROUND2 = Path(__file__).parent / "fixtures" / "compat_saved_round2" / "model"


@pytest.fixture(scope="module")
def world_and_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[OutfitSet, LearnedCompatModel, Path]:
    world = make_world(SyntheticSpec(dim=32, style_dim=4, noise=0.5), 0)
    data = synthetic_outfits(520, world, seed=1)
    model, metrics = train(data, TrainConfig(epochs=2, batch_size=64, val_fraction=0.0, model=SMALL))
    assert metrics["style_prior"] == model.style_prior.shape[1]
    model.style_features = None  # a base of round 5 (basis only): over style maps the layer reads those
    folder = model.save(tmp_path_factory.mktemp("base") / "model")
    return data, model, folder


def tasted(data: OutfitSet, n_each: int, seed: int) -> tuple[OutfitSet, np.ndarray]:
    """n_each liked + n_each disliked outfits: liked when their mean input leans along a direction
    more than the median outfit does."""
    u = np.random.default_rng(seed).standard_normal(data.vectors.shape[2])
    m = data.mask[..., None]
    lean = ((data.vectors * m).sum(1) / m.sum(1)) @ u
    lean = lean - np.median(lean)
    pick = np.concatenate([np.flatnonzero(lean > 0)[:n_each], np.flatnonzero(lean < 0)[:n_each]])
    return data.subset(pick), np.where(lean[pick] > 0, 1.0, -1.0)


def cli_files(folder: Path, world: SyntheticWorld, n_general: int) -> dict[str, str]:
    """general.npz (n_general outfits, ~15 % one-pieces) and rated.npz (30 liked + 30 disliked,
    with their ratings) in `folder`, as `what2wear train --data` reads them: name -> path."""
    general = synthetic_outfits(n_general, world, seed=2)
    feedback, ratings = tasted(synthetic_outfits(300, world, seed=3), 30, 0)
    paths = {}
    for name, data, rating in (("general", general, None), ("rated", feedback, ratings)):
        arrays = {"vectors": data.vectors, "mask": data.mask, "categories": data.category_grid().astype(str)}
        np.savez(folder / f"{name}.npz", **arrays, **({} if rating is None else {"rating": rating}))
        paths[name] = str(folder / f"{name}.npz")
    return paths


def bad_copy(folder: Path, copy: Path, name: str, content: tuple[dict, dict] | None) -> Path:
    """A copy at `copy` of the saved base `folder` with its file `name` written from `content`
    (arrays, metadata), or with bytes that are no safetensors when None: that file's path."""
    shutil.copytree(folder, copy)
    path = copy / name
    if content is None:
        path.write_bytes(b"not safetensors at all")
    else:
        save_file(content[0], str(path), metadata=content[1])
    return path


def test_training_writes_the_basis_and_it_loads_back_identical(world_and_model) -> None:
    data, model, folder = world_and_model
    basis = model.style_prior
    d = model.project("top", data.vectors[:1, 0], None).shape[1]
    assert basis.shape == (d, 32)  # 16 canonical directions per side, of a 64-d latent
    np.testing.assert_allclose(basis.T @ basis, np.eye(32), atol=1e-4)
    assert (folder / STYLE_PRIOR_FILE).is_file()
    loaded = load_model(folder)
    np.testing.assert_array_equal(loaded.style_prior, basis)
    # the basis is not part of the model: same version hash, same scores
    assert loaded.version == model.version == weights_hash(model.net, model.config)
    first = data.subset(np.arange(20))
    np.testing.assert_array_equal(loaded.score(first.vectors, first.mask, first.category_grid()),
                                  model.score(first.vectors, first.mask, first.category_grid()))


def test_too_few_outfits_give_no_basis_and_saving_without_one_removes_a_stale_file(
    world_and_model, tmp_path: Path
) -> None:
    data, model, folder = world_and_model
    assert style_basis(model, data.subset(np.arange(MIN_OUTFITS - 1))) is None
    assert style_basis(model, data) is not None
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    bare = LearnedCompatModel(model.net, model.info)  # the same weights, no basis
    bare.save(copy)
    assert not (copy / STYLE_PRIOR_FILE).exists() and load_model(copy).style_prior is None


def test_a_model_without_the_basis_loads_and_fits_with_the_plain_ridge(world_and_model, tmp_path: Path) -> None:
    data, _, folder = world_and_model
    old = load_model(ROUND2)  # saved before round 5: no basis
    assert old.style_prior is None
    bare = tmp_path / "bare"
    shutil.copytree(folder, bare)
    (bare / STYLE_PRIOR_FILE).unlink()
    base = load_model(bare)
    assert base.style_prior is None
    feedback, ratings = tasted(data, 30, 0)
    fit = fit_personal(base, feedback, ratings)
    assert fit.estimator == "ridge"
    pairs = PairData.build(base, feedback.vectors, feedback.mask, feedback.category_grid())
    if fit.adopted:
        np.testing.assert_array_equal(fit.w, fit_preference(pairs, ratings))
    with_prior = fit_personal(load_model(folder), feedback, ratings)
    assert with_prior.estimator == "style prior"
    assert with_prior.heldout_auc_personal != fit.heldout_auc_personal  # another estimator


def test_the_prior_pulls_the_fitted_direction_into_the_basis(world_and_model) -> None:
    data, model, _ = world_and_model
    projector = model.style_prior.astype(np.float64) @ model.style_prior.T
    for seed in range(3):
        feedback, ratings = tasted(data, 30, seed)
        pairs = PairData.build(model, feedback.vectors, feedback.mask, feedback.category_grid())
        plain = ridge_direction(pairs, ratings)
        prior = ridge_direction(pairs, ratings, prior_map(model.style_prior))
        inside = [float(np.sum((projector @ u) ** 2) / np.sum(u**2)) for u in (plain, prior)]
        assert inside[1] > inside[0] + 0.1, inside
        spread = np.std(pairs.latents[pairs.present] @ prior)
        assert spread == pytest.approx(1.0)  # scaled as the plain ridge is
        # fit_personal uses exactly this direction (w = c · u)
        fit = fit_personal(model, feedback, ratings)
        w = fit_preference(pairs, ratings, prior=prior_map(model.style_prior))
        if fit.adopted:
            np.testing.assert_array_equal(fit.w, w)
        cosine = w @ prior / (np.linalg.norm(w) * np.linalg.norm(prior))
        assert cosine == pytest.approx(1.0, abs=1e-5)


def test_a_bad_basis_file_is_ignored_with_a_logged_reason_naming_the_file(
    world_and_model, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, model, folder = world_and_model
    basis = model.style_prior
    d = basis.shape[0]
    q = np.linalg.qr(np.random.default_rng(0).standard_normal((d, 4)))[0].astype(np.float32)
    bad = {
        "not a readable style basis": None,  # garbage bytes
        "made for model version": ({"basis": basis}, {"version": "0123456789abcdef"}),
        "does not fit the model's latent size": ({"basis": q[:-1]}, {"version": model.version}),
        "not orthonormal": ({"basis": 2 * q}, {"version": model.version}),
    }
    for number, (reason, content) in enumerate(bad.items()):
        path = bad_copy(folder, tmp_path / f"bad{number}", STYLE_PRIOR_FILE, content)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="models.style_prior"):
            loaded = load_model(path.parent)
        assert loaded.style_prior is None and loaded.version == model.version
        assert str(path) in caplog.text and reason in caplog.text and "plain ridge" in caplog.text
        feedback, ratings = tasted(data, 10, 0)
        assert fit_personal(loaded, feedback, ratings).estimator == "ridge"


def test_cli_training_writes_the_basis_and_a_layer_over_that_base_uses_it(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = make_world(SyntheticSpec(dim=32, style_dim=4, noise=0.5), 1)
    paths = cli_files(tmp_path, world, MIN_OUTFITS + 120)
    base_dir, out = tmp_path / "base", tmp_path / "personal"
    assert cli_main(["train", "--data", paths["general"], "--out", str(base_dir), "--epochs", "1",
                     "--val-fraction", "0"]) == 0
    assert (base_dir / STYLE_PRIOR_FILE).is_file()
    (base_dir / "style_features.safetensors").unlink()  # as a base of round 5 (tests/test_style_features.py)
    assert cli_main(["train", "--init", str(base_dir), "--data", paths["rated"], "--out", str(out)]) == 0
    assert "(direction: style prior)" in capsys.readouterr().out
    meta = json.loads((out / "personal.json").read_text())
    assert meta["info"]["personal"]["estimator"] == "style prior"
    layer = load_model(out)
    assert isinstance(layer, PersonalModel)
    np.testing.assert_array_equal(layer.base.style_prior, load_model(base_dir).style_prior)
