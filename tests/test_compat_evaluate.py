"""The fixed evaluation protocol on hand-built sets, and training beating raw cosine."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from base.vocabulary import SLOTS
from models.compat import identity
from models.config import DEFAULT_MODEL, PREVIOUS_DEFAULT, TrainConfig
from models.data import OutfitSet
from models.evaluate import auc_negatives, evaluate, roc_auc
from models.synthetic import SyntheticSpec, make_world, synthetic_outfits
from models.train import TrainProgress, train

SMALL = replace(DEFAULT_MODEL, hidden_dim=64, latent_dim=32)  # the default architecture, narrower: fast tests


def test_roc_auc_hand_computed_with_ties() -> None:
    # pairs: 0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1 -> 3/4
    assert roc_auc(np.array([0.9, 0.4]), np.array([0.5, 0.1])) == pytest.approx(0.75)
    # a tie counts half: (1 + 0.5) / 2
    assert roc_auc(np.array([0.5]), np.array([0.5, 0.1])) == pytest.approx(0.75)
    assert roc_auc(np.array([1.0, np.nan]), np.array([0.0])) == pytest.approx(1.0)


def quality_set(n_each: int = 4) -> OutfitSet:
    """Outfits (top, bottom) in private dimensions: top = e_a; bottom has cosine q with its top.

    q = 1 (good), 0.5 (medium), -1 (bad). Items of different outfits are orthogonal, so every
    AUC negative and every FITB distractor scores exactly 0, whatever the random draws.
    """
    qualities = [1.0] * n_each + [0.5] * n_each + [-1.0] * n_each
    n = len(qualities)
    x = np.zeros((n, 2, 2 * n), dtype=np.float32)
    for i, q in enumerate(qualities):
        x[i, 0, 2 * i] = 1.0
        x[i, 1, 2 * i], x[i, 1, 2 * i + 1] = q, np.sqrt(1 - q * q)
    return OutfitSet(x, np.ones((n, 2), dtype=bool), np.array(["top", "bottom"], dtype=object))


def test_protocol_hand_computed() -> None:
    result = evaluate(identity(), quality_set(), seed=3)
    # positives 1, 0.5, -1 (a third each) vs negatives all 0: AUC = 2/3
    assert result.auc == pytest.approx(2 / 3)
    # FITB: true item scores q against distractors at 0: correct for good and medium only
    assert result.fitb_accuracy == pytest.approx(2 / 3)
    assert result.n_outfits == 12 and result.n_fitb == 12
    assert result.mean_negative_score == pytest.approx(0.0, abs=1e-6)


def test_protocol_is_deterministic_and_negatives_use_distinct_other_outfits() -> None:
    data = synthetic_outfits(60, make_world(SyntheticSpec(dim=16, style_dim=4), 0), seed=0)
    assert evaluate(identity(), data, seed=5) == evaluate(identity(), data, seed=5)
    assert evaluate(identity(), data, seed=5) != evaluate(identity(), data, seed=6)
    donors = auc_negatives(data, np.random.default_rng(0))
    rows = np.arange(len(data))[:, None]
    assert ((donors >= 0) == data.mask).all()  # every present slot replaced
    assert not (donors == rows).any()  # never from the outfit itself
    for r in range(len(data)):
        present = donors[r][donors[r] >= 0]
        assert len(set(present.tolist())) == present.size  # donors are different outfits
        cats = data.category_grid()
        assert all(cats[d, k] == cats[r, k] for k, d in enumerate(donors[r]) if d >= 0)


def test_outfits_with_one_item_are_not_scored() -> None:
    data = quality_set()
    data.mask[0, 1] = False
    result = evaluate(identity(), data, seed=0)
    assert result.n_outfits == 11 and result.n_fitb == 11


def test_training_beats_identity_by_a_wide_margin() -> None:
    world = make_world(SyntheticSpec(dim=32, style_dim=4, noise=0.5), 0)
    train_set, test_set = synthetic_outfits(600, world, seed=1), synthetic_outfits(400, world, seed=2)
    seen: list[TrainProgress] = []
    config = TrainConfig.for_loss("contrastive", epochs=8, batch_size=32, seed=0, model=SMALL)
    model, metrics = train(train_set, config, progress=seen.append)
    assert seen and seen[-1].step == seen[-1].total_steps == metrics["steps"]
    raw, learned = evaluate(identity(), test_set, seed=0), evaluate(model, test_set, seed=0)
    assert raw.auc < 0.5  # the planted photo factor fools raw cosine
    assert learned.auc > raw.auc + 0.35
    assert learned.fitb_accuracy > raw.fitb_accuracy + 0.35
    assert metrics["validation"]["auc"] > 0.8 and metrics["n_val"] == 60


def test_previous_default_still_trains_and_differs_from_the_new_one() -> None:
    """The old default stays available (benchmarks compare against it) and is the shared MLP."""
    data = synthetic_outfits(256, make_world(SyntheticSpec(dim=32, style_dim=4, noise=0.5), 0), seed=1)
    small = replace(PREVIOUS_DEFAULT.model, hidden_dim=32, latent_dim=16)
    model, metrics = train(data, replace(PREVIOUS_DEFAULT, epochs=3, batch_size=32, model=small, val_fraction=0.0))
    assert model.config.arch == "mlp" and PREVIOUS_DEFAULT.outfit_nce_weight == 0.0
    assert metrics["epoch_loss"][-1] < metrics["epoch_loss"][0]
    assert TrainConfig.for_loss("contrastive").model.arch == "towers"


def test_training_is_deterministic_for_a_seed() -> None:
    data = synthetic_outfits(200, make_world(SyntheticSpec(dim=32, style_dim=4), 0), seed=1)
    config = TrainConfig.for_loss("contrastive", epochs=2, seed=3, model=SMALL)
    first, _ = train(data, config)
    again, _ = train(data, config)
    other, _ = train(data, replace(config, seed=4))
    assert again.version == first.version != other.version


def test_ema_decay_averages_the_weights_without_steering_the_training() -> None:
    """Each net ends as the moving average of its weights: the same steps are taken (same losses),
    the net that comes out differs, and it still learns the world (the random start has faded)."""
    world = make_world(SyntheticSpec(dim=32, style_dim=4, noise=0.5), 0)
    train_set, test_set = synthetic_outfits(600, world, seed=1), synthetic_outfits(400, world, seed=2)
    config = TrainConfig.for_loss("contrastive", epochs=6, batch_size=32, seed=0, model=SMALL, val_fraction=0.0)
    last, last_metrics = train(train_set, config)
    averaged, averaged_metrics = train(train_set, replace(config, ema_decay=0.99))
    assert averaged_metrics["epoch_loss"] == last_metrics["epoch_loss"]
    assert averaged.version != last.version
    raw = evaluate(identity(), test_set, seed=0)
    assert evaluate(averaged, test_set, seed=0).auc > raw.auc + 0.35
    for bad in (1.0, -0.1, True, "0.9"):
        with pytest.raises(ValueError, match=r"ema_decay must be a number in \[0, 1\)"):
            TrainConfig(ema_decay=bad)


def test_synthetic_outfits_follow_the_slot_layout() -> None:
    data = synthetic_outfits(200, make_world(SyntheticSpec(dim=16), 0), seed=0)
    cats = data.category_grid()
    onepiece = cats[:, 0] == "onepiece"
    assert data.vectors.shape == (200, len(SLOTS), 16)
    assert onepiece.any() and not data.mask[onepiece, 1].any()  # one-piece: bottom empty
    assert data.mask[:, 3].any() and not data.mask[:, 3].all()  # outerwear sometimes
