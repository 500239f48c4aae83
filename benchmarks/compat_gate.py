"""Selection runs for the item gate (issue 11, round 4): variants of the default, selection worlds only.

    .venv/bin/python benchmarks/compat_gate.py N_TRAIN WORLD... [--variants NAME...] [--seed S]
        [--realistic-staples] [--results FILE]

The diagnosis of round 3 (benchmarks/compat_ablation.py) found staples — style-neutral items
recurring in many outfits — cost the default most: the outfit score is a mean over pairs, so a
staple's pairs add partner-dependent noise. `ModelConfig.item_gate` learns a weight g(x) in (0, 1)
per item and scores a pair g_a·g_b·cos, which folds into `project` (the ranker stays exact).
A world that is not a selection world is refused: report worlds are never used to choose.

`--realistic-staples`: in `models/worlds.py` a staple is noise only (no style, no nuisance), so
after L2 normalisation it sits closer to the common direction than other items — a generator
artefact a gate on x could exploit, whereas real staples (white sneakers) are ordinary
FashionCLIP embeddings. With this flag each staple is instead drawn like any other item (a
random style through its category's view and map, noise and a random nuisance condition), then
reused in outfits regardless of their style, so it can only be told apart by being seen often.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compat_quadratic import run_selection, selection_parser

from models.config import ROUND3_DEFAULT, TrainConfig
from models.worlds import World, _view, world

# Each variant is round 3's default (towers + quadratic path) with the named change; `gate_rarity`
# won on the selection worlds and is today's default (`TrainConfig.for_loss("contrastive")`).
R3 = ROUND3_DEFAULT
VARIANTS: dict[str, TrainConfig] = {
    "round3_default": R3,
    "gate": replace(R3, model=replace(R3.model, item_gate=True)),
    "rarity": replace(R3, rarity_weight=True),
    "gate_rarity": replace(R3, model=replace(R3.model, item_gate=True), rarity_weight=True),
    # fifth round: the default with the rarity weight's exponent 1.5 (1/count^1.5)
    "gate_rarity_p15": replace(R3, model=replace(R3.model, item_gate=True), rarity_weight=True, rarity_power=1.5),
    # fifth round: the default with a 128-wide quadratic path (round 3 chose 64 and did not try 128)
    "gate_rarity_quad128": replace(R3, model=replace(R3.model, item_gate=True, quad_dim=128), rarity_weight=True),
}
# sixth round: cheap capacity / optimisation variants of round 5's default (gate_rarity_quad128)
R5 = VARIANTS["gate_rarity_quad128"]
VARIANTS |= {
    "r5_epochs30": replace(R5, epochs=30, lr_step=12),  # 1.5x the steps, same schedule shape
    "r5_hidden512": replace(R5, model=replace(R5.model, hidden_dim=512)),  # wider tower MLPs
    "r5_dropout0": replace(R5, model=replace(R5.model, dropout=0.0)),  # no dropout in the towers
}
# seventh round: round 6's default (r5_hidden512) as 2 nets on seeds s and s + 1, scored together,
# each trained 12 epochs (lr_step 5: the same schedule shape), ~1.2x the training steps of one net
R6 = VARIANTS["r5_hidden512"]
VARIANTS["r6_members2_e12"] = replace(R6, model=replace(R6.model, members=2), epochs=12, lr_step=5)
# eighth round: round 7's default (r6_members2_e12) with a third net, at the same number of training
# steps (3 nets x 8 epochs, lr_step 3) or at 1.5x the steps (3 nets x 12 epochs, lr_step 5)
R7 = VARIANTS["r6_members2_e12"]
VARIANTS |= {
    "r7_members3_e8": replace(R7, model=replace(R7.model, members=3), epochs=8, lr_step=3),
    "r7_members3_e12": replace(R7, model=replace(R7.model, members=3)),
}
# ninth round: round 8's default (r7_members3_e12) with a learned offset β per category pair, so a
# pair scores g_a·g_b·(cos − β) (ModelConfig.pair_offset); `_one` = one net of each, for the probe
R8 = VARIANTS["r7_members3_e12"]
VARIANTS |= {
    "r8_offset": replace(R8, model=replace(R8.model, pair_offset=True)),
    "r8_one": replace(R8, model=replace(R8.model, members=1)),
    "r8_offset_one": replace(R8, model=replace(R8.model, members=1, pair_offset=True)),
    # the offset without the rarity weight: a staple's own pairs then ask the gate to shut it off
    "r8_offset_norarity_one": replace(R8, model=replace(R8.model, members=1, pair_offset=True), rarity_weight=False),
    # the offset with each gate fitted to its item's rarity 1/count (TrainConfig.gate_target)
    "r8_offset_gatefit_one": replace(R8, model=replace(R8.model, members=1, pair_offset=True), gate_target=1.0),
    "r8_offset_gatefit": replace(R8, model=replace(R8.model, pair_offset=True), gate_target=1.0),
    # the same with two nets (r8_offset_gatefit trained 191 s, over the 180 s limit)
    "r8_offset_gatefit_m2": replace(R8, model=replace(R8.model, pair_offset=True, members=2), gate_target=1.0),
}
# tenth round: round 9's default (r8_offset_gatefit_m2) with `anti_dim` of its 256 latent coordinates
# signed against each other across a pair (ModelConfig.anti_dim: an indefinite pair metric)
R9 = VARIANTS["r8_offset_gatefit_m2"]  # = ROUND9_DEFAULT
VARIANTS |= {
    "r9_anti32_one": replace(R9, model=replace(R9.model, members=1, anti_dim=32)),
    "r9_anti64_one": replace(R9, model=replace(R9.model, members=1, anti_dim=64)),
    "r9_anti32": replace(R9, model=replace(R9.model, anti_dim=32)),
    "r9_anti64": replace(R9, model=replace(R9.model, anti_dim=64)),
}
# tenth round, after the anti metric lost its probe: the one-net default memorises its training outfits
# (world 17: AUC 0.984 on them, 0.871 on the test outfits), so regularised versions of it
R9_ONE = replace(R9, model=replace(R9.model, members=1))
VARIANTS |= {
    "r9_one": R9_ONE,  # = r8_offset_gatefit_one
    "r9_wd1e3_one": replace(R9_ONE, weight_decay=1e-3),
    "r9_wd1e2_one": replace(R9_ONE, weight_decay=1e-2),
    "r9_e6_one": replace(R9_ONE, epochs=6, lr_step=3),
    "r9_indrop_one": replace(R9_ONE, model=replace(R9_ONE.model, input_dropout=0.2)),
    "r9_indrop": replace(R9, model=replace(R9.model, input_dropout=0.2)),  # won the probe; two nets
}
# eleventh round: round 10's default (r9_indrop) with stronger input dropout; world 28 (noise near the
# top of the family's range) still trailed its oracle most, and dropout 0.2 had moved it 0.870 -> 0.900
R10 = VARIANTS["r9_indrop"]  # = ROUND10_DEFAULT (round 15 added input_rank 64 to the default)
R10_ONE = replace(R10, model=replace(R10.model, members=1))
VARIANTS["r10_one"] = R10_ONE  # = r9_indrop_one
for _p in (3, 4, 5):
    VARIANTS[f"r10_indrop{_p}_one"] = replace(R10_ONE, model=replace(R10_ONE.model, input_dropout=_p / 10))
    VARIANTS[f"r10_indrop{_p}"] = replace(R10, model=replace(R10.model, input_dropout=_p / 10))
# twelfth round: round 10's default as more, shorter nets at the same 24 net-epochs (averaging nets was
# the largest lever on the noisy worlds, and a net of 6-8 epochs is nearly as good as one of 12)
VARIANTS |= {
    "r10_m3_e8": replace(R10, model=replace(R10.model, members=3), epochs=8, lr_step=3),
    "r10_m4_e6": replace(R10, model=replace(R10.model, members=4), epochs=6, lr_step=3),
}
# thirteenth round: round 10's default with each net ending as the moving average of its weights
# (TrainConfig.ema_decay, per step; a net of 12 epochs on 6,000 outfits takes about 564 steps)
for _d in ("99", "995"):
    VARIANTS[f"r10_ema{_d}_one"] = replace(R10_ONE, ema_decay=float("0." + _d))
    VARIANTS[f"r10_ema{_d}"] = replace(R10, ema_decay=float("0." + _d))
# fourteenth round: three nets of 10 epochs each (StepLR step 4), 1.25x round 10's net-epochs; a net of
# round 10 scored the same after 10 of its 12 epochs on world 17 (0.8826), and round 12's shorter nets lost
VARIANTS["r10_m3_e10"] = replace(R10, model=replace(R10.model, members=3), epochs=10, lr_step=4)
# fifteenth round: each tower reads its category's top-k principal subspace of the training items
# (ModelConfig.input_rank), so the noise outside it cannot be memorised (round 11's diagnosis)
for _k in (32, 64, 128):
    VARIANTS[f"r10_rank{_k}"] = replace(R10, model=replace(R10.model, input_rank=_k))


def realistic_staples(w: World, world_id: int) -> World:
    """The world with staples drawn like ordinary items (own random style, noise, nuisance)."""
    spec = w.spec
    rng = np.random.default_rng([14, world_id])
    staples = {}
    for c, old in w.staples.items():
        style = rng.standard_normal((old.shape[0], spec.style_dim))
        signal = _view(w, c, style) @ w.maps[c].T * (spec.style / np.sqrt(spec.style_dim))
        noise = rng.standard_normal(old.shape) * (spec.noise / np.sqrt(spec.dim))
        nuisance = spec.nuisance * w.nuisances[rng.integers(0, spec.n_nuisance, size=old.shape[0])]
        staples[c] = signal + noise + nuisance
    return replace(w, staples=staples)


def main() -> None:
    parser = selection_parser(__doc__.splitlines()[0], VARIANTS, ["gate"])
    parser.add_argument("--realistic-staples", action="store_true", help="staples look like ordinary items")
    args = parser.parse_args()
    real = args.realistic_staples
    run_selection(args, VARIANTS, make_world=lambda wid: realistic_staples(world(wid), wid) if real else world(wid),
                  suffix=" +realistic_staples" if real else "", extra={"exact_dups": True})


if __name__ == "__main__":
    main()
