"""Configuration of the compatibility model and its training, as plain dataclasses.

Presets: `seed` reproduces the original method (a bare 512×512 matrix, its loss and its
optimiser settings) so its behaviour can be measured; `contrastive` is the project's default,
chosen on synthetic worlds and measured on others it never saw (issue 11, benchmarks/
compat_synthetic.py); `PREVIOUS_DEFAULT` is the default before that, kept for comparison.
A trained model stores its `ModelConfig` in `config.json`, so a folder is self-describing; a
field added later defaults to the old behaviour, so folders saved before still load as they were.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from numbers import Integral, Real
from typing import Any

from base.vocabulary import CATEGORIES

# Every item category the model can embed (the project's shared vocabulary). Bags and accessories
# have no outfit slot yet, but a type embedding for them costs nothing and keeps ids stable.
LOSSES: tuple[str, ...] = ("contrastive", "seed")
ARCHS: tuple[str, ...] = ("linear", "mlp", "towers")
MAX_DIM = 16_384  # far above any CLIP embedding; a bigger number in a config is a mistake
MAX_MEMBERS = 8  # nets in one ensemble; each costs a full training run


# Fields added after the first saved models, with the value that means "not used": written to a
# config (and its hash) only when used, so every model saved before keeps its version.
OPTIONAL_FIELDS: dict[str, object] = {"quad_dim": 0, "item_gate": False, "members": 1, "pair_offset": False,
                                      "anti_dim": 0, "input_dropout": 0.0, "input_rank": 0}


def _is_number(value: object, kind: type) -> bool:
    """JSON's true/false are ints to Python; a dimension or a rate is never one."""
    return isinstance(value, kind) and not isinstance(value, bool)


@dataclass(frozen=True)
class ModelConfig:
    """Architecture. `linear` = the seed's single matrix W; `mlp` = LayerNorm → residual MLP
    shared by all categories (a type embedding tells them apart); `towers` = LayerNorm → one
    residual MLP per category. The field defaults are the `mlp` model saved before `towers`
    existed: a config file without a field must load as it did (see DEFAULT_MODEL)."""

    arch: str = "mlp"  # "linear" | "mlp" | "towers"
    input_dim: int = 512
    latent_dim: int = 256
    hidden_dim: int = 512
    dropout: float = 0.1
    layernorm: bool = True
    type_embedding: bool = True  # a learned per-category vector added inside the MLP
    pair_masks: bool = True  # type-aware: a learned diagonal metric per category pair
    categories: tuple[str, ...] = CATEGORIES
    # `towers` only: width of a quadratic path W2·(W1·h)² beside each tower's skip path and MLP, so
    # a category can square the style where another shows only s² (0 = none, as saved before).
    quad_dim: int = 0
    # A learned weight g(x) in (0, 1) per item (sigmoid of a per-category linear map of the
    # normalised input): a pair scores g_a·g_b·cos, so an item that goes with anything (a staple)
    # can learn g ≈ 0 and add ~0 to every pair instead of partner-dependent noise (issue 11).
    item_gate: bool = False
    # How many such nets, each trained on its own seed, score together (their mean outfit score;
    # models/compat.py `CompatEnsemble`): 1 = one net, as saved before the field existed.
    members: int = 1
    # A learned offset β ≥ 0 per category pair: a pair scores g_a·g_b·(cos − β), so two items that
    # do not go together score below a neutral pair (a staple with g ≈ 0) instead of level with it,
    # as the log-likelihood ratio of a world's rules does (issue 11, round 9). False: as saved before.
    pair_offset: bool = False
    # How many of the latent_dim coordinates are "anti" coordinates: a pair view signs them + on the
    # pair's first category (by id) and − on its second, so a pair scores z_a⁺·z_b⁺ − z_a⁻·z_b⁻. The
    # towers and a pair mask (applied to both sides, so its metric is m² ≥ 0) only give a positive
    # metric; "alike in this respect = not one outfit" (two items shot under one light) needs a
    # negative one for every category pair at once (issue 11, round 10: it lost its probe, so every
    # preset has 0). 0: as saved before.
    anti_dim: int = 0
    # Dropout on each item's normalised input, in training only: a net that sees every one-off item
    # in one outfit can pair items by their private noise (it memorises them, issue 11, round 10).
    # 0: none, as saved before.
    input_dropout: float = 0.0
    # Each item's part in the top `input_rank` principal directions of its category's training items
    # (kept in input_dim: mean + P·Pᵀ(x − mean)), before the tower reads it: the noise outside them can
    # no longer be memorised (issue 11, round 15; models/input_basis.py). 0, or input_dim and more (items
    # smaller than the rank): the whole vector, as saved before.
    input_rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The fields; those added after the first saved models only when set (OPTIONAL_FIELDS), so a
        model without them writes (and hashes) the same config as before they existed and its version
        does not change."""
        out = asdict(self)
        for name, unset in OPTIONAL_FIELDS.items():
            if out[name] == unset:
                del out[name]
        return out

    @property
    def subspace_rank(self) -> int:
        """How many principal directions each tower reads: 0 = the whole vector (input_rank unset, or not
        below input_dim, where the subspace would be all of it)."""
        return self.input_rank if self.input_rank < self.input_dim else 0

    def __post_init__(self) -> None:
        """Checked here, not when torch builds the layers: a config file read from disk must
        fail with a sentence, never allocate a 10^7-wide layer or raise torch's errors."""
        if self.arch not in ARCHS:
            raise ValueError(f"unknown arch {self.arch!r}; use one of {', '.join(ARCHS)}")
        for name in ("input_dim", "latent_dim", "hidden_dim"):
            value = getattr(self, name)
            if not _is_number(value, Integral) or not 1 <= value <= MAX_DIM:
                raise ValueError(f"{name} must be a whole number from 1 to {MAX_DIM}, not {value!r}")
        for name in ("dropout", "input_dropout"):
            value = getattr(self, name)
            if not _is_number(value, Real) or not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be a number in [0, 1), not {value!r}")
        if not _is_number(self.quad_dim, Integral) or not 0 <= self.quad_dim <= MAX_DIM:
            raise ValueError(f"quad_dim must be a whole number from 0 to {MAX_DIM}, not {self.quad_dim!r}")
        if not _is_number(self.members, Integral) or not 1 <= self.members <= MAX_MEMBERS:
            raise ValueError(f"members must be a whole number from 1 to {MAX_MEMBERS}, not {self.members!r}")
        if not _is_number(self.anti_dim, Integral) or not 0 <= self.anti_dim < self.latent_dim:
            raise ValueError(f"anti_dim must be a whole number from 0 to latent_dim - 1 ({self.latent_dim - 1}), "
                             f"not {self.anti_dim!r}")
        if not _is_number(self.input_rank, Integral) or not 0 <= self.input_rank <= MAX_DIM:
            raise ValueError(f"input_rank must be a whole number from 0 to {MAX_DIM}, not {self.input_rank!r}")
        if self.input_rank and self.arch != "towers":
            raise ValueError(f"input_rank is read by each tower; arch {self.arch!r} has none (use towers)")
        if self.input_dropout and self.arch != "towers":
            raise ValueError(f"input_dropout is applied inside each tower; arch {self.arch!r} has none (use towers)")
        if self.quad_dim and self.arch != "towers":
            raise ValueError(f"quad_dim is a path inside each tower; arch {self.arch!r} has none (use towers)")
        for name in ("layernorm", "type_embedding", "pair_masks", "item_gate", "pair_offset"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, not {getattr(self, name)!r}")
        cats = self.categories
        if (not isinstance(cats, tuple) or not cats or not all(isinstance(c, str) for c in cats)
                or len(set(cats)) != len(cats)):
            raise ValueError(f"categories must be a list of distinct names, not {cats!r}")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ModelConfig:
        if not isinstance(raw, dict):
            raise ValueError(f"the model config must be an object, not {type(raw).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"unknown model config keys: {', '.join(unknown)}")
        values = dict(raw)
        if isinstance(values.get("categories"), list):
            values["categories"] = tuple(values["categories"])
        return cls(**values)


SEED_MODEL = ModelConfig(
    arch="linear", latent_dim=512, dropout=0.0, layernorm=False, type_embedding=False, pair_masks=False
)


# The default since issue 11: one tower per category won on the selection worlds, (third round)
# a 64-wide quadratic path in each tower won there again (mean and worst selection world), and
# (fourth round) an item gate with rarity-weighted InfoNCE won on the selection worlds with staples,
# (fifth round) a 128-wide quadratic path won on the mean and the worst of the 12 selection worlds,
# (sixth round) a 512-wide hidden layer in each tower (256 before) won there again, and (seventh
# round) two such nets on seeds s and s + 1, scored together, each trained 12 epochs, won there again,
# (eighth round) three such nets (seeds s, s + 1, s + 2) won there again, and (ninth round) a learned
# offset per category pair, with each item's gate fitted to its rarity (TrainConfig.gate_target), won there
# again as two nets (three such nets won too but trained in 191 s, over the 3-minute limit), and (tenth round)
# dropout 0.2 on each tower's normalised input, against a net that memorised its training outfits, won there again,
# and (fifteenth round) each tower reading its category's top 64 principal directions of the training items won there
# again (mean, worst selection world, and the noisy worlds 28 and 45).
DEFAULT_MODEL = ModelConfig(arch="towers", hidden_dim=512, type_embedding=False, quad_dim=128, item_gate=True,
                            members=2, pair_offset=True, input_dropout=0.2, input_rank=64)


@dataclass(frozen=True)
class TrainConfig:
    """Loss, optimiser and schedule. Use `TrainConfig.for_loss(name)` for the presets."""

    loss: str = "contrastive"
    model: ModelConfig = DEFAULT_MODEL
    epochs: int = 12  # per member net (issue 11, round 7: 20 for one net before)
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-4
    lr_step: int = 5  # StepLR step size, in epochs (8 of 20 before: the same schedule shape)
    lr_gamma: float = 0.5
    seed: int = 0
    val_fraction: float = 0.1
    n_swap: int = 2  # slots replaced in a modified (partly matching) outfit
    # seed loss
    temperature_init: float = 0.07
    threshold: float = 0.7
    w_norm_weight: float = 0.01
    # contrastive loss
    margin: float = 0.2  # true outfit must beat its modified copy by this much (cosine units)
    hard_negative_weight: float = 1.0
    max_logit_scale: float = 100.0
    nce_weight: float = 1.0  # per category pair InfoNCE
    margin_weight: float = 1.0  # margin over modified outfits
    outfit_nce_weight: float = 1.0  # outfit-level InfoNCE: the true item of a slot among the batch's
    learn_temperature: bool = True
    # InfoNCE terms weighted by 1/count of their items in the training set (a pair by the
    # product, a blanked slot by its item's): a staple worn in many outfits carries no signal.
    rarity_weight: bool = True
    # exponent a of the rarity weight 1/count^a (1.0 = issue 11's fourth round; tried in the fifth)
    rarity_power: float = 1.0
    # weight of a loss fitting each item's gate g to its rarity 1/count (ContrastiveLoss.gate_fit;
    # issue 11, round 9; 0 = none, as every earlier round, whose presets below say so)
    gate_target: float = 1.0
    # Each net ends as an exponential moving average of its weights over the steps (decay per step,
    # bias-corrected; 0 = the last step's weights, as every earlier round): an average of nearby
    # solutions keeps what they share and averages away what each memorised (issue 11, round 13).
    ema_decay: float = 0.0

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise ValueError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        if self.epochs < 1 or self.batch_size < 2:
            raise ValueError("epochs must be >= 1 and batch_size >= 2")
        if not _is_number(self.rarity_power, Real) or not 0.0 <= self.rarity_power <= 4.0:
            raise ValueError(f"rarity_power must be a number from 0 to 4, not {self.rarity_power!r}")
        if not _is_number(self.gate_target, Real) or not 0.0 <= self.gate_target <= 100.0:
            raise ValueError(f"gate_target must be a number from 0 to 100, not {self.gate_target!r}")
        if not _is_number(self.ema_decay, Real) or not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must be a number in [0, 1), not {self.ema_decay!r}")

    @classmethod
    def for_loss(cls, loss: str, **overrides: Any) -> TrainConfig:
        """The preset for a loss, with any field overridden (None values are ignored)."""
        base = SEED_PRESET if loss == "seed" else cls(loss=loss)
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})


# The original's hyperparameters (SEED.md): W 512×512, temperature 0.07, threshold 0.7,
# 0.01·‖W‖, Adam lr 1e-3 wd 1e-4, StepLR(6, 0.5), batch 8, 30 epochs, 2 slots swapped.
SEED_PRESET = TrainConfig(
    loss="seed",
    model=SEED_MODEL,
    epochs=30,
    batch_size=8,
    lr=1e-3,
    weight_decay=1e-4,
    lr_step=6,
    lr_gamma=0.5,
    n_swap=2,
    gate_target=0.0,
)

# The contrastive default before issue 11 (shared MLP + type embedding, pair InfoNCE + margin).
PREVIOUS_DEFAULT = TrainConfig(
    loss="contrastive", model=ModelConfig(), epochs=20, batch_size=128, lr=2e-3, weight_decay=1e-4,
    lr_step=8, lr_gamma=0.5, n_swap=2, temperature_init=0.07, margin=0.2, hard_negative_weight=1.0,
    max_logit_scale=100.0, nce_weight=1.0, margin_weight=1.0, outfit_nce_weight=0.0, learn_temperature=True,
    rarity_weight=False, gate_target=0.0,
)

# Issue 11's third-round default: towers + quadratic path, no item gate, InfoNCE unweighted (its
# report rows are "new default" in benchmarks/results/compat_worlds_6000_quad.jsonl; since round 4
# the losses mask repeated items exactly, so training it now differs slightly from those rows).
ROUND3_DEFAULT = TrainConfig(model=ModelConfig(arch="towers", hidden_dim=256, type_embedding=False, quad_dim=64),
                             rarity_weight=False, epochs=20, lr_step=8, gate_target=0.0)
# Issue 11's fourth-round default: round 3's + item gate + rarity-weighted InfoNCE (its report rows
# are "new default" in benchmarks/results/compat_worlds_6000_gate.jsonl); round 5 widened the quadratic path.
ROUND4_DEFAULT = TrainConfig(model=replace(ROUND3_DEFAULT.model, item_gate=True), rarity_weight=True, epochs=20,
                             lr_step=8, gate_target=0.0)
# Issue 11's second-round default: towers without the quadratic path, the rest as round 3's
# (benchmarks compare against it; its report rows are in benchmarks/results/compat_worlds_6000.jsonl).
ROUND2_DEFAULT = replace(ROUND3_DEFAULT, model=replace(ROUND3_DEFAULT.model, quad_dim=0))
# Issue 11's fifth-round default, every field written out so it never follows the default: towers
# (hidden 256) + 128-wide quadratic path + item gate + rarity-weighted InfoNCE (its report rows are
# "new default" in benchmarks/results/compat_worlds_6000_quad128.jsonl); round 6 widened the towers.
ROUND5_DEFAULT = TrainConfig(
    loss="contrastive",
    model=ModelConfig(arch="towers", input_dim=512, latent_dim=256, hidden_dim=256, dropout=0.1, layernorm=True,
                      type_embedding=False, pair_masks=True, categories=CATEGORIES, quad_dim=128, item_gate=True),
    epochs=20, batch_size=128, lr=2e-3, weight_decay=1e-4, lr_step=8, lr_gamma=0.5, n_swap=2, temperature_init=0.07,
    margin=0.2, hard_negative_weight=1.0, max_logit_scale=100.0, nce_weight=1.0, margin_weight=1.0,
    outfit_nce_weight=1.0, learn_temperature=True, rarity_weight=True, rarity_power=1.0, gate_target=0.0,
)
# Issue 11's sixth-round default, written out the same way: round 5's with towers 512 wide, one net
# trained 20 epochs (its report rows are "new default" in benchmarks/results/compat_worlds_6000_hidden512.jsonl);
# round 7 made it two nets of 12 epochs each.
ROUND6_DEFAULT = TrainConfig(
    loss="contrastive",
    model=ModelConfig(arch="towers", input_dim=512, latent_dim=256, hidden_dim=512, dropout=0.1, layernorm=True,
                      type_embedding=False, pair_masks=True, categories=CATEGORIES, quad_dim=128, item_gate=True,
                      members=1),
    epochs=20, batch_size=128, lr=2e-3, weight_decay=1e-4, lr_step=8, lr_gamma=0.5, n_swap=2, temperature_init=0.07,
    margin=0.2, hard_negative_weight=1.0, max_logit_scale=100.0, nce_weight=1.0, margin_weight=1.0,
    outfit_nce_weight=1.0, learn_temperature=True, rarity_weight=True, rarity_power=1.0, gate_target=0.0,
)
# Issue 11's seventh-round default: round 6's as two nets on seeds s and s + 1, 12 epochs each,
# StepLR step 5 (its report rows are "new default" in benchmarks/results/compat_worlds_6000_members2.jsonl);
# round 8 made it three nets.
ROUND7_DEFAULT = replace(ROUND6_DEFAULT, model=replace(ROUND6_DEFAULT.model, members=2), epochs=12, lr_step=5)
# Issue 11's eighth-round default: three such nets (its report rows are "new default" in
# benchmarks/results/compat_worlds_6000_members3.jsonl); round 9 added the pair offset and the gate's rarity target.
ROUND8_DEFAULT = replace(ROUND7_DEFAULT, model=replace(ROUND7_DEFAULT.model, members=3))
# Issue 11's ninth-round default: two such nets with the pair offset and the gates fitted to rarity (its rows on the
# never-used worlds 30-35 are "new default" in benchmarks/results/compat_worlds_6000_fresh2.jsonl); round 10 added
# the input dropout.
ROUND9_DEFAULT = replace(ROUND8_DEFAULT, model=replace(ROUND8_DEFAULT.model, members=2, pair_offset=True),
                         gate_target=1.0)
# Issue 11's tenth-round default: round 9's with dropout 0.2 on each tower's input (its rows on the never-used
# worlds 36-59 are "new default" in benchmarks/results/compat_worlds_6000_fresh{5,6,7,8}.jsonl).
ROUND10_DEFAULT = replace(ROUND9_DEFAULT, model=replace(ROUND9_DEFAULT.model, input_dropout=0.2))
