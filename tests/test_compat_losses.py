"""Loss values on hand-computed cases, the seed loss's collapse, and modified outfits."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from models.compat import CompatNet, LearnedCompatModel, identity
from models.config import SEED_MODEL
from models.data import OutfitSet
from models.evaluate import evaluate
from models.losses import ContrastiveLoss, SeedLoss
from models.negatives import Batch, OutfitSampler
from models.synthetic import SyntheticSpec, make_world, synthetic_outfits

E1, E2 = [1.0, 0.0], [0.0, 1.0]


def identity_net() -> CompatNet:
    """The seed's linear W set to the 2×2 identity: latents = inputs."""
    net = CompatNet(replace(SEED_MODEL, input_dim=2, latent_dim=2))
    with torch.no_grad():
        net.W.weight.copy_(torch.eye(2))
    return net


def batch(outfits: list[list[list[float]]], cats: tuple[str, ...]) -> Batch:
    x = torch.tensor(outfits)
    ids = identity_net().category_ids(np.broadcast_to(np.asarray(cats, dtype=object), x.shape[:2]))
    return Batch(x, torch.ones(x.shape[:2], dtype=torch.bool), ids)


def test_seed_loss_hand_computed() -> None:
    cats = ("top", "bottom", "shoes")
    pos = batch([[E1, E1, E2]], cats)  # cosines 1, 0, 0 -> mean 1/3
    neg = batch([[E1, [-1.0, 0.0], E2]], cats)  # cosines -1, 0, 0 -> mean -1/3
    loss, parts = SeedLoss(temperature_init=1.0, threshold=0.7, w_norm_weight=0.01)(identity_net(), pos, neg)
    # relu(1 - 1/3) + relu(0.7 + 1/3) + 0.01 * ||I||_F
    expected = (1 - 1 / 3) + (0.7 + 1 / 3) + 0.01 * math.sqrt(2)
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    assert parts["w"] == pytest.approx(0.01 * math.sqrt(2), abs=1e-6)
    # with the seed's temperature 0.07 both hinges are already satisfied by these weak outfits
    loss07, parts07 = SeedLoss()(identity_net(), pos, batch([[E1, E1, [0.6, 0.8]]], cats))
    assert parts07["pos"] == 0.0 and parts07["neg"] == 0.0
    assert loss07.item() == pytest.approx(0.01 * math.sqrt(2), abs=1e-6)


def test_contrastive_loss_hand_computed() -> None:
    cats = ("top", "bottom")
    pos = batch([[E1, E1], [E2, E2]], cats)  # logits [[1, 0], [0, 1]] at scale 1
    neg = batch([[E1, E2], [E2, E1]], cats)  # modified outfits score 0
    loss_fn = ContrastiveLoss(temperature_init=1.0, margin=1.5)
    loss, parts = loss_fn(identity_net(), pos, neg)
    nce = math.log(1 + math.exp(-1))  # -log(e / (e + 1)), both directions alike
    assert parts["nce"] == pytest.approx(nce, abs=1e-6)
    assert parts["margin"] == pytest.approx(1.5 - 1.0 + 0.0, abs=1e-6)
    assert loss.item() == pytest.approx(nce + 0.5, abs=1e-6)
    # a disliked outfit scoring 0.5 adds relu(1.5 - 1 + 0.5) = 1 per positive
    hard = batch([[E1, [0.6, 0.8]], [E1, [0.6, 0.8]]], cats)
    _, with_hard = loss_fn(identity_net(), pos, neg, hard)
    assert with_hard["hard"] == pytest.approx(1.5 - 1.0 + 0.6, abs=1e-6)


def test_item_shared_by_two_outfits_is_not_its_own_negative() -> None:
    cats = ("top", "bottom")
    pos = batch([[E1, E1], [E1, E2]], cats)  # the same top in both outfits
    neg = batch([[E1, E2], [E1, E1]], cats)
    _, parts = ContrastiveLoss(temperature_init=1.0, margin=0.0)(identity_net(), pos, neg)
    assert parts["nce"] == pytest.approx(0.0, abs=1e-6)


def test_outfit_level_loss_hand_computed() -> None:
    """Each slot's true item against the batch's items of that slot, scored by the mean cosine to
    the outfit's other items; a shared item (the shoes here) is not its own negative."""
    pos = batch([[E1, E1, E2], [E2, E2, E2]], ("top", "bottom", "shoes"))
    loss_fn = ContrastiveLoss(temperature_init=1.0, nce_weight=0.0, margin_weight=0.0, outfit_nce_weight=1.0)
    loss, parts = loss_fn(identity_net(), pos, pos)
    # top and bottom: outfit 0's logits [0.5, 0.5] (log 2), outfit 1's [0, 1]; shoes: 0 (shared)
    expected = (2 * math.log(2) + 2 * math.log(1 + math.exp(-1))) / 6
    assert parts["outfit_nce"] == pytest.approx(expected, abs=1e-6)
    assert parts["nce"] == 0.0 and parts["margin"] == 0.0
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_fixed_temperature_is_not_learned() -> None:
    assert [n for n, _ in ContrastiveLoss(learn_temperature=False).named_parameters()] == []
    assert [n for n, _ in ContrastiveLoss().named_parameters()] == ["logit_scale"]


def planted(n: int, seed: int) -> OutfitSet:
    return synthetic_outfits(n, make_world(SyntheticSpec(dim=32, style_dim=4, noise=0.5), 0), seed=seed)


def test_seed_loss_is_minimised_by_a_collapsed_map() -> None:
    """The flaw in closed form: every term pulls similarities up, so W = ε·u·mᵀ (every item onto
    one direction u) zeroes both hinges, and ε → 0 drives ‖W‖ (hence the loss) to its infimum 0."""
    data = planted(64, seed=1)
    net = CompatNet(replace(SEED_MODEL, input_dim=32, latent_dim=32))
    sampler = OutfitSampler(data, net)
    idx = torch.arange(64)
    pos, neg = sampler.batch(idx), sampler.modified(idx, 2, torch.Generator().manual_seed(0))
    loss_fn = SeedLoss()
    learned_init, _ = loss_fn(net, pos, neg)
    mean_item = torch.nn.functional.normalize(sampler.x[sampler.mask].mean(0), dim=0)
    with torch.no_grad():
        net.W.weight.copy_(1e-3 * torch.outer(torch.ones(32) / math.sqrt(32), mean_item))
    collapsed, parts = loss_fn(net, pos, neg)
    assert parts["pos"] == 0.0 and parts["neg"] == 0.0
    assert collapsed.item() == pytest.approx(1e-5, rel=1e-3)  # 0.01 · ‖W‖_F = 0.01 · 1e-3
    assert collapsed.item() < learned_init.item()


def test_seed_loss_optimised_collapses() -> None:
    """Optimising the seed's objective (hinges at temperature 1, so they are active as its README
    describes them) from a random W maps random, unrelated items together: cosine ~1."""
    data = planted(200, seed=1)
    torch.manual_seed(0)
    net = CompatNet(replace(SEED_MODEL, input_dim=32, latent_dim=32))
    loss_fn = SeedLoss(temperature_init=1.0)
    loss_fn.temperature.requires_grad_(False)
    sampler = OutfitSampler(data, net)
    gen = torch.Generator().manual_seed(0)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(8):
        for idx in sampler.epoch_batches(32, gen):
            loss, _ = loss_fn(net, sampler.batch(idx), sampler.modified(idx, 2, gen))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    test = planted(300, seed=2)
    collapsed = evaluate(LearnedCompatModel(net), test, seed=0)
    raw = evaluate(identity(), test, seed=0)
    assert raw.mean_negative_score < 0.6
    assert collapsed.mean_negative_score > 0.9  # random items look alike
    assert collapsed.sd_negative_score < raw.sd_negative_score
    assert collapsed.auc < 0.75  # compatibility was not learned


def test_modified_outfits_never_equal_the_true_outfit() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((40, 3, 4)).astype(np.float32)
    vectors[:20, 0] = vectors[0, 0]  # half the outfits share one top: a donor may be identical
    data = OutfitSet(vectors, np.ones((40, 3), dtype=bool), np.array(["top", "bottom", "shoes"], dtype=object))
    net = CompatNet(replace(SEED_MODEL, input_dim=4, latent_dim=4))
    sampler = OutfitSampler(data, net)
    gen = torch.Generator().manual_seed(0)
    idx = torch.arange(40)
    for _ in range(20):
        mod = sampler.modified(idx, 2, gen)
        assert mod.valid is not None and mod.valid.all()
        changed = (mod.x != sampler.x[idx]).any(2)
        assert (changed.sum(1) >= 1).all() and (changed.sum(1) <= 2).all()
        assert torch.equal(mod.cat, sampler.cat[idx])


def test_same_rows_is_exact_where_float32_cdist_is_not() -> None:
    """Repeated items (a staple in several outfits) are found by exact equality: float32 cdist
    leaves identical rows a distance of ~1e-4 about half of the time."""
    from models.losses import same_rows

    gen = torch.Generator().manual_seed(0)
    staples = torch.nn.functional.normalize(torch.randn(20, 512, generator=gen), dim=1)
    x = torch.cat([staples[torch.randint(20, (100,), generator=gen)], torch.randn(28, 512, generator=gen)])
    same = same_rows(x)
    truth = (x[:, None, :] == x[None, :, :]).all(-1)
    truth.fill_diagonal_(False)
    assert torch.equal(same, truth) and int(same.sum()) > 100
    by_cdist = torch.cdist(x, x) == 0
    by_cdist.fill_diagonal_(False)
    assert int((truth & ~by_cdist).sum()) > 0  # the old test missed some of them here


def test_item_rarity_counts_identical_items_over_the_training_set() -> None:
    from models.negatives import item_rarity

    a, b, c = [1.0, 0.0], [0.0, 1.0], [0.6, 0.8]
    x = torch.tensor([[a, b], [a, c], [a, [0.0, 0.0]], [b, c]])
    mask = torch.tensor([[True, True], [True, True], [True, False], [True, True]])
    rarity = item_rarity(x, mask)
    # a: 3 outfits; b: 2 (once per slot, same vector); c: 2; the absent slot: 1
    torch.testing.assert_close(rarity, torch.tensor([[1 / 3, 1 / 2], [1 / 3, 1 / 2], [1 / 3, 1.0], [1 / 2, 1 / 2]]))


def test_rarity_weights_change_nothing_without_repeats_and_down_weight_a_staple() -> None:
    cats = ("top", "bottom", "shoes")
    gen = torch.Generator().manual_seed(1)
    x = torch.nn.functional.normalize(torch.randn(6, 3, 2, generator=gen), dim=-1)
    ids = identity_net().category_ids(np.broadcast_to(np.asarray(cats, dtype=object), x.shape[:2]))
    mask = torch.ones(x.shape[:2], dtype=torch.bool)
    plain = ContrastiveLoss(temperature_init=1.0, outfit_nce_weight=1.0)
    weighted = ContrastiveLoss(temperature_init=1.0, outfit_nce_weight=1.0, rarity_weight=True)
    from models.negatives import item_rarity

    unique = Batch(x, mask, ids, rarity=item_rarity(x, mask))
    assert torch.equal(unique.rarity, torch.ones_like(unique.rarity))
    _, p = plain(identity_net(), unique, unique)
    _, w = weighted(identity_net(), unique, unique)
    assert p["nce"] == pytest.approx(w["nce"], abs=1e-6) and p["outfit_nce"] == pytest.approx(w["outfit_nce"], abs=1e-6)
    # the same shoes in 4 of the 6 outfits: those outfits' shoe pairs and blanked shoes weigh 1/4
    x2 = x.clone()
    x2[:4, 2] = x[0, 2]
    staple = Batch(x2, mask, ids, rarity=item_rarity(x2, mask))
    assert staple.rarity[:4, 2].tolist() == [0.25] * 4 and staple.rarity[4:, 2].tolist() == [1.0, 1.0]
    _, p2 = plain(identity_net(), staple, staple)
    _, w2 = weighted(identity_net(), staple, staple)
    assert p2["nce"] != pytest.approx(w2["nce"], abs=1e-4)
    assert p2["outfit_nce"] != pytest.approx(w2["outfit_nce"], abs=1e-4)


def test_rarity_power_sets_how_hard_a_staple_is_down_weighted() -> None:
    """1/count^a: a = 0 weighs every item alike (the unweighted loss), a = 1 is the default, and
    a larger a moves the loss further from the unweighted one on a batch with a staple."""
    from models.negatives import item_rarity

    cats = ("top", "bottom", "shoes")
    gen = torch.Generator().manual_seed(2)
    x = torch.nn.functional.normalize(torch.randn(6, 3, 2, generator=gen), dim=-1)
    x[:4, 2] = x[0, 2]  # the same shoes in 4 of the 6 outfits
    ids = identity_net().category_ids(np.broadcast_to(np.asarray(cats, dtype=object), x.shape[:2]))
    mask = torch.ones(x.shape[:2], dtype=torch.bool)
    batch = Batch(x, mask, ids, rarity=item_rarity(x, mask))

    def parts(**kw: object) -> dict[str, float]:
        return ContrastiveLoss(temperature_init=1.0, outfit_nce_weight=1.0, **kw)(identity_net(), batch, batch)[1]

    plain, default = parts(), parts(rarity_weight=True)
    assert default == parts(rarity_weight=True, rarity_power=1.0)
    zero = parts(rarity_weight=True, rarity_power=0.0)
    assert zero["nce"] == pytest.approx(plain["nce"], abs=1e-6)
    assert zero["outfit_nce"] == pytest.approx(plain["outfit_nce"], abs=1e-6)
    strong = parts(rarity_weight=True, rarity_power=1.5)
    for key in ("nce", "outfit_nce"):
        assert abs(strong[key] - plain[key]) > abs(default[key] - plain[key]) > 1e-4


def test_a_bad_rarity_power_is_refused_with_a_sentence() -> None:
    from models.config import TrainConfig

    for bad in (-0.5, 9.0, True, "1"):
        with pytest.raises(ValueError, match="rarity_power must be a number from 0 to 4"):
            TrainConfig(rarity_power=bad)


def gated_net(seed: int = 0) -> CompatNet:
    """A one-net towers model with an item gate whose weights differ between items."""
    from models.config import DEFAULT_MODEL

    torch.manual_seed(seed)
    net = CompatNet(replace(DEFAULT_MODEL, members=1, input_dim=2, hidden_dim=8, latent_dim=4, quad_dim=4))
    with torch.no_grad():
        net.gate.weight.normal_(0.0, 2.0)
    return net


def test_gate_fit_is_the_cross_entropy_of_each_gate_against_its_rarity() -> None:
    """gate_target · BCE(g, 1/count) over present items: a staple's target is 1/count, a one-off's 1."""
    from models.negatives import item_rarity

    net = gated_net()
    gen = torch.Generator().manual_seed(3)
    x = torch.nn.functional.normalize(torch.randn(6, 3, 2, generator=gen), dim=-1)
    x[:4, 2] = x[0, 2]  # the same shoes in 4 of the 6 outfits
    ids = net.category_ids(np.broadcast_to(np.asarray(("top", "bottom", "shoes"), dtype=object), x.shape[:2]))
    mask = torch.ones(x.shape[:2], dtype=torch.bool)
    mask[5, 1] = False
    batch = Batch(x, mask, ids, rarity=item_rarity(x, mask))
    with torch.no_grad():
        g = net.embed(x.reshape(-1, 2), ids.reshape(-1)).norm(dim=-1).reshape(6, 3)
    target = batch.rarity[mask]
    by_hand = -(target * torch.log(g[mask]) + (1 - target) * torch.log(1 - g[mask])).mean()
    _, parts = ContrastiveLoss(gate_target=0.5)(net, batch, batch)
    assert parts["gate"] == pytest.approx(0.5 * float(by_hand), rel=1e-5)
    assert ContrastiveLoss()(net, batch, batch)[1]["gate"] == 0.0  # off by default
    assert ContrastiveLoss(gate_target=0.5)(identity_net(), batch, batch)[1]["gate"] == 0.0  # no gate, no term


def test_gate_target_teaches_the_gate_to_shut_a_staple_off() -> None:
    """Trained on a world whose staples go with anything, with only the gate term, the gates of
    staples fall far below those of one-off items; without it nothing moves them apart."""
    from models.config import DEFAULT_MODEL, TrainConfig
    from models.train import train
    from models.worlds import WorldSpec, make_world, world_outfits

    w = make_world(WorldSpec(dim=32, style_dim=8, p_staple=0.3, n_staples=6, p_or_rule=0.0), world_id=5)
    data = world_outfits(800, w, seed=1)
    model_config = replace(DEFAULT_MODEL, members=1, hidden_dim=32, latent_dim=16, quad_dim=8)
    only_the_gate = {"nce_weight": 0.0, "outfit_nce_weight": 0.0, "margin_weight": 0.0, "hard_negative_weight": 0.0}

    def gates(gate_target: float) -> tuple[float, float]:
        config = TrainConfig(model=model_config, epochs=6, lr_step=3, batch_size=32, val_fraction=0.0,
                             gate_target=gate_target, **only_the_gate)
        model, _ = train(data.outfits, config)
        top = data.outfits.category_grid()[:, 0] == "top"
        x, ids = data.outfits.vectors[top, 0], data.item_ids[top, 0]
        g = np.linalg.norm(model.project("top", x, None), axis=1)
        return float(np.median(g[ids >= 0])), float(np.median(g[ids == -1]))

    staple, one_off = gates(1.0)
    assert staple < 0.7 * one_off and one_off > 0.7
    plain_staple, plain_one_off = gates(0.0)
    assert abs(plain_staple - plain_one_off) < 0.05


def test_a_bad_gate_target_is_refused_with_a_sentence() -> None:
    from models.config import TrainConfig

    for bad in (-1.0, 1000.0, True, "1"):
        with pytest.raises(ValueError, match="gate_target must be a number from 0 to 100"):
            TrainConfig(gate_target=bad)
