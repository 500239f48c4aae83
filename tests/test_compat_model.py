"""The learned compatibility model: score agreement, save/load, clear load errors."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from models.compat import (
    CONFIG_FILE,
    MODEL_FILE,
    CompatNet,
    LearnedCompatModel,
    ModelLoadError,
    build_net,
    identity,
    load_model,
)
from models.config import DEFAULT_MODEL, SEED_MODEL, ModelConfig, TrainConfig

DIM = 24
ONE_NET = replace(DEFAULT_MODEL, members=1)  # one net of the default (two since issue 11's round 7)


def random_model(config: ModelConfig | None = None, seed: int = 0) -> LearnedCompatModel:
    torch.manual_seed(seed)
    net = build_net(replace(config or ModelConfig(), input_dim=DIM, hidden_dim=32, latent_dim=16))
    with torch.no_grad():  # pair masks start at 1; make them differ so pairs really matter
        for member in getattr(net, "members", [net]):
            if member.pair_mask is not None:
                member.pair_mask.uniform_(0.2, 2.0)
    return LearnedCompatModel(net)


def outfits(n: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4, DIM)).astype(np.float32)
    mask = rng.random((n, 4)) < 0.8
    mask[:, :2] = True
    mask[0] = [True, False, False, False]  # one item: NaN
    cats = np.tile(np.array(["top", "bottom", "shoes", "outerwear"], dtype=object), (n, 1))
    cats[1::3, 0], mask[1::3, 1] = "onepiece", False  # one-pieces in the top slot
    return x, mask, cats


@pytest.mark.parametrize("config", [ModelConfig(), SEED_MODEL, DEFAULT_MODEL], ids=["mlp-typeaware", "seed-linear", "towers"])
def test_score_agrees_with_torch_forward_and_pair_similarity(config: ModelConfig) -> None:
    model = random_model(config)
    x, mask, cats = outfits()
    generic = model.score(x, mask, cats)
    torch_scores = model.torch_score(x, mask, cats)
    assert np.isnan(generic[0]) and np.isnan(torch_scores[0])
    np.testing.assert_allclose(generic[1:], torch_scores[1:], atol=1e-5)
    # the score is the mean of project-based pair similarities
    r = 2  # top, bottom present (+ maybe shoes/outerwear)
    present = [k for k in range(4) if mask[r, k]]
    sims = [
        model.pair_similarity(cats[r, i], x[r, i : i + 1], cats[r, j], x[r, j : j + 1])[0, 0]
        for a, i in enumerate(present) for j in present[a + 1 :]
    ]
    assert generic[r] == pytest.approx(np.mean(sims), abs=1e-5)


def test_type_aware_projection_depends_on_partner() -> None:
    model = random_model()
    x = np.random.default_rng(1).standard_normal((3, DIM)).astype(np.float32)
    with_shoes = model.project("top", x, "shoes")
    with_bottom = model.project("top", x, "bottom")
    assert with_shoes.shape == (3, 16) and with_shoes.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(with_shoes, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(with_shoes, with_bottom)
    # the batched form (one MLP pass for several partners) gives the same latents
    batched = model.project_partners("top", x, ["shoes", "bottom", None])
    np.testing.assert_array_equal(batched[0], with_shoes)
    np.testing.assert_array_equal(batched[1], with_bottom)
    np.testing.assert_array_equal(batched[2], model.project("top", x))


def test_towers_give_each_category_its_own_view() -> None:
    """The same vector as a top and as a bottom goes through different towers (the shared `mlp`
    only differs by a small type embedding); saved and loaded, it scores the same."""
    model = random_model(ONE_NET)
    x = np.random.default_rng(2).standard_normal((5, DIM)).astype(np.float32)
    as_top, as_bottom = model.project("top", x), model.project("bottom", x)
    assert np.abs(np.einsum("nd,nd->n", as_top, as_bottom)).max() < 0.9
    assert set(model.net.towers) == set(DEFAULT_MODEL.categories)


def test_towers_save_and_load(tmp_path) -> None:
    model = random_model(ONE_NET)
    x, mask, cats = outfits()
    loaded = load_model(model.save(tmp_path / "m"))
    assert loaded.config.arch == "towers" and loaded.version == model.version
    np.testing.assert_array_equal(loaded.score(x, mask, cats), model.score(x, mask, cats))


def test_config_saved_before_towers_loads_as_the_mlp(tmp_path) -> None:
    """A config.json written before the `towers` arch (no new fields) is the shared MLP it was."""
    model = random_model(ModelConfig())
    folder = model.save(tmp_path / "old")
    meta = json.loads((folder / CONFIG_FILE).read_text())
    assert set(meta["model"]) == {"arch", "input_dim", "latent_dim", "hidden_dim", "dropout", "layernorm",
                                  "type_embedding", "pair_masks", "categories"}
    loaded = load_model(folder)
    assert loaded.config == model.config and loaded.config.arch == "mlp"
    assert TrainConfig().model == DEFAULT_MODEL != ModelConfig()  # only new training uses towers


FIXTURE = Path(__file__).parent / "fixtures" / "compat_saved_round2"


def test_model_saved_before_the_quadratic_path_loads_and_scores_as_it_did() -> None:
    """A towers model saved at commit 7ca0447 (fixtures/compat_saved_round2/make.py): same config
    (no quadratic path), same version hash (the ranker's cache stays valid), identical scores."""
    expected = json.loads((FIXTURE / "expected.json").read_text())
    loaded = load_model(FIXTURE / "model")
    assert isinstance(loaded, LearnedCompatModel)
    assert loaded.config.arch == "towers" and loaded.config.quad_dim == 0
    assert all(tower.q_in is None for tower in loaded.net.towers.values())
    assert loaded.version == expected["version"]
    x, mask = np.load(FIXTURE / "vectors.npy"), np.load(FIXTURE / "mask.npy")
    np.testing.assert_array_equal(loaded.score(x, mask, expected["categories"]),
                                  np.asarray(expected["scores"], dtype=np.float32))


def test_quadratic_path_changes_the_towers_and_round_trips(tmp_path) -> None:
    plain = random_model(replace(ONE_NET, quad_dim=0))
    quad = random_model(replace(ONE_NET, quad_dim=8))
    tower = quad.net.towers["top"]
    assert tower.q_in.weight.shape == (8, DIM) and tower.q_out.weight.shape == (16, 8)
    assert plain.net.towers["top"].q_in is None
    assert set(quad.net.state_dict()) - set(plain.net.state_dict()) == {
        f"towers.{c}.{p}" for c in DEFAULT_MODEL.categories for p in ("q_in.weight", "q_out.weight", "q_out.bias")}
    x, mask, cats = outfits()
    assert not np.allclose(quad.score(x, mask, cats)[1:], plain.score(x, mask, cats)[1:])
    # the path is quadratic: h and -h (after LayerNorm) give the same contribution
    h = torch.randn(3, DIM)
    with torch.no_grad():
        torch.testing.assert_close(tower.q_out(tower.q_in(h) ** 2), tower.q_out(tower.q_in(-h) ** 2))
    folder = quad.save(tmp_path / "quad")
    meta = json.loads((folder / CONFIG_FILE).read_text())
    assert meta["model"]["quad_dim"] == 8 and "quad_dim" not in plain.config.to_dict()
    assert {k for k in load_file(str(folder / MODEL_FILE)) if ".q_" in k} >= {"towers.top.q_in.weight",
                                                                            "towers.top.q_out.bias"}
    loaded = load_model(folder)
    assert loaded.config == quad.config and loaded.version == quad.version != plain.version
    np.testing.assert_array_equal(loaded.score(x, mask, cats), quad.score(x, mask, cats))


@pytest.mark.parametrize("raw, words", [({"arch": "mlp", "quad_dim": 8}, "use towers"),
                                        ({"arch": "towers", "quad_dim": -1}, "quad_dim must be"),
                                        ({"arch": "towers", "quad_dim": True}, "quad_dim must be")])
def test_quadratic_path_config_errors(raw: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        ModelConfig.from_dict(raw)


def test_layernorm_and_dropout_are_applied_in_training_only() -> None:
    model = random_model(replace(ModelConfig(), dropout=0.5))
    net = model.net
    assert isinstance(net.norm, torch.nn.LayerNorm)
    x = torch.randn(5, DIM)
    cat = torch.zeros(5, dtype=torch.long)
    net.train()
    assert not torch.allclose(net.embed(x, cat), net.embed(x, cat))  # dropout active
    net.eval()
    assert torch.equal(net.embed(x, cat), net.embed(x, cat))
    # LayerNorm: scaling the input does not change the hidden path's input
    assert torch.allclose(net.norm(x), net.norm(3 * x), atol=1e-5)


def test_save_load_gives_identical_scores_and_version(tmp_path) -> None:
    model = random_model()
    x, mask, cats = outfits()
    model.save(tmp_path / "m", info={"note": "test"})
    assert {p.name for p in (tmp_path / "m").iterdir()} == {MODEL_FILE, CONFIG_FILE}
    loaded = load_model(tmp_path / "m")
    assert isinstance(loaded, LearnedCompatModel)
    assert loaded.version == model.version and loaded.info == {"note": "test"}
    np.testing.assert_array_equal(loaded.score(x, mask, cats), model.score(x, mask, cats))
    other = random_model(seed=1)
    assert other.version != model.version


def test_load_identity_and_clear_errors(tmp_path) -> None:
    assert load_model("identity").version == identity().version
    with pytest.raises(ModelLoadError, match="no such model folder"):
        load_model(tmp_path / "absent")
    folder = tmp_path / "m"
    random_model().save(folder)
    (folder / MODEL_FILE).write_bytes(b"\x80\x04not safetensors, maybe a pickle")
    with pytest.raises(ModelLoadError, match=r"model\.safetensors: cannot load weights"):
        load_model(folder)
    (folder / MODEL_FILE).unlink()
    with pytest.raises(ModelLoadError, match=r"model\.safetensors: missing"):
        load_model(folder)
    (folder / CONFIG_FILE).write_text("{broken")
    with pytest.raises(ModelLoadError, match=r"config\.json: not readable JSON"):
        load_model(folder)
    (folder / CONFIG_FILE).write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ModelLoadError, match="not a What2Wear compatibility model"):
        load_model(folder)


def test_unknown_category_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown item category 'hat'"):
        random_model().project("hat", np.zeros((1, DIM), dtype=np.float32))


def gated_model(seed: int = 0) -> LearnedCompatModel:
    """A towers model with an item gate whose weights really differ between items (no pair offset)."""
    model = random_model(replace(ONE_NET, item_gate=True, pair_offset=False), seed=seed)
    with torch.no_grad():
        model.net.gate.weight.normal_(0.0, 0.5)
    return LearnedCompatModel(model.net)


def test_item_gate_folds_into_the_projections() -> None:
    """project() returns g·(unit latent): a pair's dot product is g_a·g_b·cos, the outfit score
    is the mean of those over its pairs (so the ranker stays exact), and g ranges over (0, 1)."""
    model = gated_model()
    x, mask, cats = outfits(40)
    z = model.project("top", x[:, 0], "shoes")
    g = np.linalg.norm(z, axis=1)
    assert ((g > 0) & (g < 1)).all() and g.max() - g.min() > 0.3
    plain = model.project("top", x[:, 0], None)
    np.testing.assert_allclose(np.linalg.norm(plain, axis=1), g, rtol=1e-5)  # g is the item's
    torch_scores = model.torch_score(x, mask, cats)
    np.testing.assert_allclose(model.score(x, mask, cats)[1:], torch_scores[1:], atol=1e-6)
    r = 2
    present = [k for k in range(4) if mask[r, k]]
    sims = [model.pair_similarity(cats[r, i], x[r, i : i + 1], cats[r, j], x[r, j : j + 1])[0, 0]
            for a, i in enumerate(present) for j in present[a + 1 :]]
    assert np.mean(sims) == pytest.approx(float(torch_scores[r]), abs=1e-6)


def test_item_gate_round_trips_and_old_configs_load_without_it(tmp_path) -> None:
    plain = random_model(replace(ONE_NET, item_gate=False, pair_offset=False))
    gated = gated_model()
    assert DEFAULT_MODEL.item_gate and TrainConfig().rarity_weight  # the default since round 4
    assert DEFAULT_MODEL.quad_dim == 128 and TrainConfig().rarity_power == 1.0  # since round 5
    assert DEFAULT_MODEL.hidden_dim == 512 and DEFAULT_MODEL.members == 2  # since rounds 6 and 9 (3 in round 8)
    assert DEFAULT_MODEL.pair_offset and TrainConfig().gate_target == 1.0  # since round 9
    assert DEFAULT_MODEL.input_dropout == 0.2 and not DEFAULT_MODEL.anti_dim  # since round 10 (anti coordinates lost)
    assert "item_gate" not in plain.config.to_dict() and plain.net.gate is None
    assert set(gated.net.state_dict()) - set(plain.net.state_dict()) == {"gate.weight", "gate.bias"}
    folder = gated.save(tmp_path / "gated")
    meta = json.loads((folder / CONFIG_FILE).read_text())
    assert meta["model"]["item_gate"] is True
    loaded = load_model(folder)
    assert loaded.config == gated.config and loaded.version == gated.version != plain.version
    x, mask, cats = outfits()
    np.testing.assert_array_equal(loaded.score(x, mask, cats), gated.score(x, mask, cats))
    assert ModelConfig.from_dict({"arch": "towers"}).item_gate is False
    with pytest.raises(ValueError, match="item_gate must be true or false"):
        ModelConfig.from_dict({"arch": "towers", "item_gate": 1})


def offset_model(seed: int = 0) -> LearnedCompatModel:
    """A gated towers net with a pair offset whose β differs between category pairs."""
    model = random_model(replace(ONE_NET, item_gate=True, pair_offset=True), seed=seed)
    with torch.no_grad():
        model.net.gate.weight.normal_(0.0, 0.5)
        model.net.pair_offset.uniform_(-3.0, 0.5)  # β = softplus(ρ) from 0.05 to 0.97
    return LearnedCompatModel(model.net)


def test_pair_offset_folds_into_the_projections() -> None:
    """A pair scores g_a·g_b·(cos − β) with β of its category pair: the projections carry it in
    one signed coordinate, so the outfit score stays a mean of dot products (the ranker is exact)."""
    model = offset_model()
    x, mask, cats = outfits(40)
    beta = torch.nn.functional.softplus(model.net.pair_offset).detach().numpy()
    top_shoes = beta[int(model.net.pair_table[model.net.category_index["top"], model.net.category_index["shoes"]])]
    with_offset = model.pair_similarity("top", x[:, 0], "shoes", x[:, 2])
    g_top = np.linalg.norm(model.project("top", x[:, 0], None), axis=1)
    g_shoes = np.linalg.norm(model.project("shoes", x[:, 2], None), axis=1)
    offset = model.net.pair_offset
    model.net.pair_offset = None  # the same net without its offset: g_a·g_b·cos
    plain = model.pair_similarity("top", x[:, 0], "shoes", x[:, 2])
    model.net.pair_offset = offset
    np.testing.assert_allclose(with_offset, plain - top_shoes * np.outer(g_top, g_shoes), atol=1e-5)
    assert with_offset.mean() < plain.mean() - 0.01  # it really lowers the pairs
    np.testing.assert_allclose(model.score(x, mask, cats)[1:], model.torch_score(x, mask, cats)[1:], atol=1e-6)
    same = model.project("top", x[:, 0], "top")  # two items of one category: no offset
    assert same.shape[1] == 17 and np.abs(same[:, -1]).max() == 0.0
    assert np.abs(model.project("shoes", x[:, 2], "top")[:, -1]).min() > 0


def test_pair_offset_round_trips_and_old_configs_load_without_it(tmp_path: Path) -> None:
    model = offset_model()
    plain = gated_model()
    assert "pair_offset" not in plain.config.to_dict() and plain.net.pair_offset is None
    assert set(model.net.state_dict()) - set(plain.net.state_dict()) == {"pair_offset"}
    folder = model.save(tmp_path / "offset")
    assert json.loads((folder / CONFIG_FILE).read_text())["model"]["pair_offset"] is True
    loaded = load_model(folder)
    assert loaded.config == model.config and loaded.version == model.version != plain.version
    x, mask, cats = outfits()
    np.testing.assert_array_equal(loaded.score(x, mask, cats), model.score(x, mask, cats))
    with pytest.raises(ValueError, match="pair_offset must be true or false"):
        ModelConfig.from_dict({"arch": "towers", "pair_offset": "yes"})


def test_anti_coordinates_score_a_pair_with_an_indefinite_metric(tmp_path: Path) -> None:
    """With anti_dim A, a pair scores z_a⁺·z_b⁺ − z_a⁻·z_b⁻ (the last A coordinates count against
    each other, for every category pair at once); the projections carry the signs, so the outfit
    score stays a mean of dot products (the ranker is exact), and the option round-trips."""
    model = random_model(replace(ONE_NET, item_gate=True, pair_offset=True, anti_dim=5), seed=3)
    x, mask, cats = outfits(40)
    signed = model.pair_similarity("top", x[:, 0], "shoes", x[:, 2])
    config = model.net.config
    model.net.config = replace(config, anti_dim=0)  # the same weights with a positive metric
    unsigned = model.pair_similarity("top", x[:, 0], "shoes", x[:, 2])
    top, shoes = model.project("top", x[:, 0], "shoes"), model.project("shoes", x[:, 2], "top")
    model.net.config = config
    anti = top[:, 11:16] @ shoes[:, 11:16].T  # the last 5 of the 16 latent coordinates (then the offset's)
    assert np.abs(anti).max() > 0.01
    np.testing.assert_allclose(signed, unsigned - 2 * anti, atol=1e-5)
    np.testing.assert_allclose(model.score(x, mask, cats)[1:], model.torch_score(x, mask, cats)[1:], atol=1e-6)
    same = model.project("top", x[:, 0], "top")  # two items of one category: no anti part (never an outfit pair)
    assert np.abs(same[:, -6:]).max() == 0.0
    shared = model.project("top", x[:, 0], None)  # the plain shared space: no pair, so no signs and no offset
    assert shared.shape[1] == 16 and np.abs(shared[:, -5:]).max() > 0
    folder = model.save(tmp_path / "anti")
    assert json.loads((folder / CONFIG_FILE).read_text())["model"]["anti_dim"] == 5
    loaded = load_model(folder)
    assert loaded.config.anti_dim == 5 and loaded.version == model.version
    np.testing.assert_array_equal(loaded.score(x, mask, cats), model.score(x, mask, cats))
    assert "anti_dim" not in DEFAULT_MODEL.to_dict() and ModelConfig.from_dict({"arch": "towers"}).anti_dim == 0
    for bad in (-1, 16, 2.5, True):
        with pytest.raises(ValueError, match="anti_dim must be a whole number from 0 to latent_dim - 1"):
            ModelConfig.from_dict({"arch": "towers", "latent_dim": 16, "anti_dim": bad})


def test_input_dropout_acts_in_training_only_and_round_trips(tmp_path: Path) -> None:
    """input_dropout drops coordinates of each tower's normalised input while training; a trained
    model (eval mode) scores as the same weights without it, and the field is saved and refused on
    an arch without towers."""
    model = random_model(replace(ONE_NET, input_dropout=0.5), seed=4)
    plain = random_model(replace(ONE_NET, input_dropout=0.0), seed=4)
    assert set(model.net.state_dict()) == set(plain.net.state_dict())  # no weights of its own
    x, mask, cats = outfits(20)
    np.testing.assert_array_equal(model.score(x, mask, cats), plain.score(x, mask, cats))
    xt = torch.from_numpy(x[:, 0])
    top = model.net.category_ids(["top"] * len(x))
    model.net.train()
    try:
        torch.manual_seed(0)
        dropped = model.net.embed(xt, top)
    finally:
        model.net.eval()
    assert not torch.allclose(dropped, model.net.embed(xt, top))
    folder = model.save(tmp_path / "indrop")
    assert json.loads((folder / CONFIG_FILE).read_text())["model"]["input_dropout"] == 0.5
    assert load_model(folder).config.input_dropout == 0.5
    # a config saved before the field existed loads without it, and one without it writes no field
    assert ModelConfig.from_dict({"arch": "towers"}).input_dropout == 0.0 and "input_dropout" not in plain.config.to_dict()
    with pytest.raises(ValueError, match=r"input_dropout must be a number in \[0, 1\)"):
        ModelConfig.from_dict({"arch": "towers", "input_dropout": 1.0})
    with pytest.raises(ValueError, match="input_dropout is applied inside each tower"):
        ModelConfig.from_dict({"arch": "mlp", "input_dropout": 0.1})


def test_earlier_defaults_stay_as_they_were_when_the_default_moves_on() -> None:
    """The benchmarks compare against rounds 3 to 10: moving the default on must not change them."""
    from models.config import (
        PREVIOUS_DEFAULT,
        ROUND3_DEFAULT,
        ROUND4_DEFAULT,
        ROUND5_DEFAULT,
        ROUND6_DEFAULT,
        ROUND7_DEFAULT,
        ROUND8_DEFAULT,
        ROUND9_DEFAULT,
        ROUND10_DEFAULT,
        SEED_PRESET,
    )

    assert (ROUND3_DEFAULT.model.quad_dim, ROUND3_DEFAULT.model.item_gate, ROUND3_DEFAULT.rarity_weight) == (64, False, False)
    assert (ROUND3_DEFAULT.epochs, ROUND3_DEFAULT.lr_step, ROUND4_DEFAULT.epochs, ROUND4_DEFAULT.lr_step) == (20, 8, 20, 8)
    assert (ROUND4_DEFAULT.model.quad_dim, ROUND4_DEFAULT.model.item_gate, ROUND4_DEFAULT.rarity_weight) == (64, True, True)
    assert (ROUND5_DEFAULT.model.quad_dim, ROUND5_DEFAULT.model.hidden_dim) == (128, 256)
    assert replace(ROUND4_DEFAULT, model=replace(ROUND4_DEFAULT.model, quad_dim=128)) == ROUND5_DEFAULT
    # round 6 changed only the towers' hidden width; round 7 made it two nets of 12 epochs each
    assert replace(ROUND5_DEFAULT, model=replace(ROUND5_DEFAULT.model, hidden_dim=512)) == ROUND6_DEFAULT
    assert replace(ROUND6_DEFAULT, model=replace(ROUND6_DEFAULT.model, members=2), epochs=12, lr_step=5) == ROUND7_DEFAULT
    # round 8 added a third net, nothing else
    assert replace(ROUND7_DEFAULT, model=replace(ROUND7_DEFAULT.model, members=3)) == ROUND8_DEFAULT
    # round 9 added the pair offset and the gate's rarity target with two nets again; no earlier preset has either
    assert replace(ROUND8_DEFAULT, model=replace(ROUND8_DEFAULT.model, pair_offset=True, members=2),
                   gate_target=1.0) == ROUND9_DEFAULT
    # round 10 added the input dropout, nothing else; no earlier preset has it
    assert replace(ROUND9_DEFAULT, model=replace(ROUND9_DEFAULT.model, input_dropout=0.2)) == ROUND10_DEFAULT
    assert ROUND9_DEFAULT.model.input_dropout == 0.0
    # round 15 added the principal subspace of each category's inputs, nothing else; no earlier preset has it
    assert replace(ROUND10_DEFAULT, model=replace(ROUND10_DEFAULT.model, input_rank=64)) == TrainConfig()
    assert ROUND10_DEFAULT.model.input_rank == 0
    for earlier in (SEED_PRESET, PREVIOUS_DEFAULT, ROUND3_DEFAULT, ROUND4_DEFAULT, ROUND5_DEFAULT, ROUND6_DEFAULT,
                    ROUND7_DEFAULT, ROUND8_DEFAULT):
        assert earlier.gate_target == 0.0 and not earlier.model.pair_offset
        assert not earlier.model.input_dropout and not earlier.model.anti_dim and not earlier.model.input_rank


def test_a_model_saved_with_round5s_narrower_towers_loads_as_it_was(tmp_path: Path) -> None:
    """hidden_dim is a saved field: a round-5 model (towers 256 wide) keeps its width, version and scores."""
    from models.config import ROUND5_DEFAULT

    torch.manual_seed(0)
    old = LearnedCompatModel(CompatNet(replace(ROUND5_DEFAULT.model, input_dim=DIM, latent_dim=16)))
    torch.manual_seed(0)
    new = LearnedCompatModel(build_net(replace(DEFAULT_MODEL, input_dim=DIM, latent_dim=16)))
    loaded = load_model(old.save(tmp_path / "round5"))
    assert loaded.config.hidden_dim == 256 != new.config.hidden_dim == 512
    assert loaded.config == old.config and loaded.version == old.version != new.version
    x, mask, cats = outfits()
    np.testing.assert_array_equal(loaded.score(x, mask, cats), old.score(x, mask, cats))
