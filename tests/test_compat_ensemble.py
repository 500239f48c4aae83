"""Ensembles of compatibility nets (issue 11, round 7): `ModelConfig.members` nets, each trained
on its own seed, scored as the mean of their outfit scores, saved and loaded as one model."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from models.compat import CONFIG_FILE, CompatEnsemble, CompatNet, load_model
from models.config import DEFAULT_MODEL, ModelConfig, TrainConfig
from models.evaluate import evaluate
from models.synthetic import SyntheticSpec, make_world, synthetic_outfits
from models.train import TrainProgress, train

SMALL = replace(DEFAULT_MODEL, hidden_dim=32, latent_dim=16, quad_dim=8, members=1)  # one net


def small_data(n: int, seed: int):
    return synthetic_outfits(n, make_world(SyntheticSpec(dim=32, style_dim=4, noise=0.5), 0), seed=seed)


@pytest.fixture(scope="module")
def trained():
    """One 2-member ensemble and the two single nets of its members' seeds, on the same data."""
    data = small_data(300, seed=1)
    config = TrainConfig.for_loss("contrastive", epochs=3, batch_size=32, seed=7, val_fraction=0.0)
    seen: list[TrainProgress] = []
    ensemble, metrics = train(data, replace(config, model=replace(SMALL, members=2)), progress=seen.append)
    singles = [train(data, replace(config, model=SMALL, seed=seed))[0] for seed in (7, 8)]
    return ensemble, metrics, singles, seen


def test_members_are_the_single_nets_of_their_seeds(trained) -> None:
    ensemble, _, singles, _ = trained
    assert isinstance(ensemble.net, CompatEnsemble) and len(ensemble.net.members) == 2
    for member, single in zip(ensemble.net.members, singles, strict=True):
        got, want = member.state_dict(), single.net.state_dict()
        assert got.keys() == want.keys()
        assert all(torch.equal(got[k], want[k]) for k in got)
    assert singles[0].version != singles[1].version  # two seeds, two different nets


def test_ensemble_score_is_the_mean_of_its_members_scores(trained) -> None:
    ensemble, _, singles, _ = trained
    test = small_data(60, seed=2)
    want = np.mean([s.score(test.vectors, test.mask, test.categories) for s in singles], axis=0)
    np.testing.assert_allclose(ensemble.score(test.vectors, test.mask, test.categories), want, atol=1e-5)
    np.testing.assert_allclose(ensemble.torch_score(test.vectors, test.mask, test.categories), want, atol=1e-5)
    # and the pair form the ranker uses: one concatenated projection per item
    x = test.vectors[:5, 0]
    z = ensemble.project("top", x, "shoes")
    assert z.shape == (5, 2 * (SMALL.latent_dim + 1))  # each member's view + its pair offset's coordinate
    pair = ensemble.pair_similarity("top", x, "shoes", test.vectors[:5, 2])
    want_pair = np.mean([s.pair_similarity("top", x, "shoes", test.vectors[:5, 2]) for s in singles], axis=0)
    np.testing.assert_allclose(pair, want_pair, atol=1e-5)


def test_progress_and_metrics_cover_every_member(trained) -> None:
    _, metrics, singles, seen = trained
    single_steps = singles[0].info["metrics"]["steps"]
    assert metrics["members"] == 2 and metrics["steps"] == 2 * single_steps
    assert seen[-1].step == seen[-1].total_steps == metrics["steps"]
    assert [p.step for p in seen] == list(range(1, metrics["steps"] + 1))
    assert len(metrics["epoch_loss"]) == 3
    assert "members" not in singles[0].info["metrics"]


def test_save_and_load_keep_version_and_scores(trained, tmp_path: Path) -> None:
    ensemble, _, _, _ = trained
    ensemble.save(tmp_path / "ens")
    saved = json.loads((tmp_path / "ens" / CONFIG_FILE).read_text())
    assert saved["model"]["members"] == 2
    loaded = load_model(tmp_path / "ens")
    assert loaded.version == ensemble.version
    test = small_data(40, seed=3)
    np.testing.assert_array_equal(loaded.score(test.vectors, test.mask, test.categories),
                                  ensemble.score(test.vectors, test.mask, test.categories))


def test_ensemble_beats_its_members_on_held_out_outfits() -> None:
    """Averaging nets of different seeds removes part of their variance: on a noisy world the
    ensemble's AUC is above the mean of its members' (the reason it exists)."""
    world = make_world(SyntheticSpec(dim=32, style_dim=6, noise=1.2), 3)
    data, test = synthetic_outfits(400, world, seed=1), synthetic_outfits(400, world, seed=2)
    config = TrainConfig.for_loss("contrastive", epochs=4, batch_size=32, seed=0, val_fraction=0.0)
    ensemble, _ = train(data, replace(config, model=replace(SMALL, members=3)))
    singles = [train(data, replace(config, model=SMALL, seed=s))[0] for s in range(3)]
    members_auc = np.mean([evaluate(s, test, seed=0).auc for s in singles])
    assert evaluate(ensemble, test, seed=0).auc > members_auc


def test_a_single_net_config_writes_no_members_field() -> None:
    """So a model saved before the field existed keeps its config, hash and version."""
    assert "members" not in DEFAULT_MODEL.to_dict() or DEFAULT_MODEL.members > 1
    assert "members" not in replace(DEFAULT_MODEL, members=1).to_dict()
    assert replace(DEFAULT_MODEL, members=3).to_dict()["members"] == 3


@pytest.mark.parametrize("members", [0, 9, 2.0, True, "2"])
def test_bad_member_counts_are_refused_with_a_sentence(members) -> None:
    with pytest.raises(ValueError, match="members must be a whole number from 1 to 8"):
        ModelConfig.from_dict({**replace(DEFAULT_MODEL, members=2).to_dict(), "members": members})


def test_a_personal_layer_over_an_ensemble_learns_saves_and_loads(trained, tmp_path: Path) -> None:
    """The taste layer (issue 12) reads the base only through `project`, so an ensemble base
    works as any other: a taste along a direction of the items is learned and kept on disk."""
    from models.personal import PersonalModel, fit_personal

    ensemble, _, _, _ = trained
    ensemble.save(tmp_path / "base")
    base = load_model(tmp_path / "base")
    data = small_data(120, seed=4)
    taste = np.random.default_rng(5).standard_normal(data.dim)
    ratings = np.where(data.vectors[:, 0] @ taste > 0, 1, -1)
    fit = fit_personal(base, data, ratings)
    model = PersonalModel(base, fit.w)
    model.save(tmp_path / "mine", tmp_path / "base")
    loaded = load_model(tmp_path / "mine")
    assert isinstance(loaded, PersonalModel) and loaded.version == model.version
    np.testing.assert_allclose(loaded.score(data.vectors, data.mask, data.categories),
                               model.score(data.vectors, data.mask, data.categories), atol=1e-6)


def test_an_ensemble_takes_only_trained_nets_of_its_own_config() -> None:
    config = replace(SMALL, input_dim=32, members=2)
    nets = [CompatNet(replace(config, members=1)) for _ in range(2)]
    assert list(CompatEnsemble(config, nets).members) == nets  # the nets themselves, not copies
    with pytest.raises(ValueError, match="an ensemble of 2 needs that many nets of its own config"):
        CompatEnsemble(config, nets[:1])
    with pytest.raises(ValueError, match="of its own config"):
        CompatEnsemble(config, [nets[0], CompatNet(replace(config, members=1, hidden_dim=8))])
