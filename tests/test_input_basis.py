"""Each tower reads its category's principal subspace of the training items (ModelConfig.input_rank)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from models.compat import CompatNet, load_model
from models.config import DEFAULT_MODEL, ModelConfig, TrainConfig
from models.data import OutfitSet
from models.evaluate import evaluate
from models.input_basis import principal_bases, principal_subspace
from models.synthetic import SyntheticSpec, make_world, synthetic_outfits
from models.train import train

SMALL = replace(DEFAULT_MODEL, hidden_dim=64, latent_dim=32, members=1)


def planted(n: int, dim: int, rank: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n items = a rank-`rank` signal in random directions (returned, orthonormal) + isotropic noise."""
    rng = np.random.default_rng(seed)
    directions = np.linalg.qr(rng.standard_normal((dim, rank)))[0]
    items = 3.0 + rng.standard_normal((n, rank)) * 2.0 @ directions.T + rng.standard_normal((n, dim)) * noise
    return items.astype(np.float32), directions


def test_the_subspace_is_where_the_items_vary_most() -> None:
    items, directions = planted(2000, 48, 4, noise=0.1, seed=0)
    mean, basis = principal_subspace(items, 4)
    np.testing.assert_allclose(mean, items.mean(0), atol=1e-5)
    np.testing.assert_allclose(basis.T @ basis, np.eye(4), atol=1e-5)
    # every planted direction lies in the subspace found (cosines of the principal angles ~ 1)
    assert np.linalg.svd(basis.T @ directions, compute_uv=False).min() > 0.99
    # a wider subspace holds it too; its extra columns are noise directions
    wide = principal_subspace(items, 8)[1]
    assert np.linalg.svd(wide.T @ directions, compute_uv=False).min() > 0.99


def test_fewer_items_than_the_rank_keep_what_they_span() -> None:
    items = np.random.default_rng(1).standard_normal((5, 16)).astype(np.float32)
    mean, basis = principal_subspace(items, 8)
    assert basis.shape == (16, 8)
    assert np.count_nonzero(np.abs(basis).sum(0) > 1e-6) == 4  # 5 centred items span 4 directions
    np.testing.assert_allclose(mean + (items - mean) @ basis @ basis.T, items, atol=1e-5)


def test_bases_count_a_staple_once_and_lend_the_pooled_subspace_to_rare_categories() -> None:
    rng = np.random.default_rng(2)
    n, dim = 60, 12
    vectors = rng.standard_normal((n, 2, dim)).astype(np.float32)
    vectors[: n // 2, 1] = vectors[0, 1]  # one staple bottom in half the outfits
    mask = np.ones((n, 2), dtype=bool)
    data = OutfitSet(vectors, mask, np.array(["top", "bottom"], dtype=object))
    means, bases = principal_bases(data, ("top", "bottom", "shoes"), 3)
    assert means.shape == (3, dim) and bases.shape == (3, dim, 3)
    distinct = np.unique(vectors[:, 1], axis=0)
    np.testing.assert_allclose(means[1], distinct.mean(0), atol=1e-5)
    pooled = principal_subspace(np.concatenate([np.unique(vectors[:, 0], axis=0), distinct]), 3)
    np.testing.assert_allclose(means[2], pooled[0], atol=1e-5)  # no shoes at all
    np.testing.assert_allclose(bases[2], pooled[1], atol=1e-5)


def test_a_trained_net_ignores_what_lies_outside_its_subspace_and_loads_as_saved(tmp_path) -> None:
    world = make_world(SyntheticSpec(dim=32, style_dim=4, noise=0.5), 0)
    train_set, test_set = synthetic_outfits(600, world, seed=1), synthetic_outfits(300, world, seed=2)
    config = TrainConfig.for_loss("contrastive", epochs=3, batch_size=32, seed=0, val_fraction=0.0,
                                  model=replace(SMALL, input_rank=8))
    model, _ = train(train_set, config)
    net = model.net
    means, bases = principal_bases(train_set, net.config.categories, 8)
    np.testing.assert_allclose(net.input_basis.numpy(), bases, atol=1e-6)  # set from the training items
    np.testing.assert_allclose(net.input_mean.numpy(), means, atol=1e-6)
    # an item moved orthogonally to its category's subspace embeds exactly as before; moved inside it, not
    top = train_set.vectors[:20, 0]
    cat = net.category_ids(train_set.category_grid()[:20, 0])
    basis = bases[cat.numpy()]
    step = np.random.default_rng(3).standard_normal(top.shape).astype(np.float32)
    inside = np.einsum("ndk,nk->nd", basis, np.einsum("ndk,nd->nk", basis, step))
    with torch.no_grad():
        z = net.embed(torch.from_numpy(top), cat)
        outside = net.embed(torch.from_numpy(top + (step - inside)), cat)
        moved = net.embed(torch.from_numpy(top + inside), cat)
    np.testing.assert_allclose(outside.numpy(), z.numpy(), atol=1e-4)
    assert np.abs(moved.numpy() - z.numpy()).max() > 1e-2
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    assert again.config.input_rank == 8 and again.version == model.version
    assert evaluate(again, test_set, seed=0).auc == evaluate(model, test_set, seed=0).auc


def test_input_rank_is_checked_and_absent_from_configs_that_do_not_use_it() -> None:
    assert "input_rank" not in replace(DEFAULT_MODEL, input_rank=0).to_dict()  # a model saved before keeps its hash
    assert DEFAULT_MODEL.to_dict()["input_rank"] == 64
    for bad in (-1, 16_385, 1.5, True):
        with pytest.raises(ValueError, match="input_rank must be a whole number from 0 to 16384"):
            replace(DEFAULT_MODEL, input_rank=bad)
    # items no wider than the rank are read whole: the subspace would be all of it
    assert replace(DEFAULT_MODEL, input_rank=64).subspace_rank == 64
    assert replace(DEFAULT_MODEL, input_dim=64, input_rank=64).subspace_rank == 0
    assert "input_basis" not in CompatNet(replace(SMALL, input_dim=32, input_rank=64)).state_dict()
    assert CompatNet(replace(SMALL, input_rank=64)).state_dict()["input_basis"].shape == (7, 512, 64)
    with pytest.raises(ValueError, match="input_rank is read by each tower"):
        ModelConfig(input_rank=8)
