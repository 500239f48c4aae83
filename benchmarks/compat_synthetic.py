"""Identity vs the seed's loss vs the contrastive loss on synthetic outfits with a planted structure.

The generator (`models/synthetic.py`) hides compatibility behind per-category maps, a non-linear
view for shoes and a "photo" nuisance that makes raw cosine prefer wrong pairs. For each of 3
seeds: a fresh world, 6,000 training outfits (4 slots × 512-d, some one-pieces, outerwear half
the time) and 2,000 held-out test outfits, evaluated with the fixed protocol (models/evaluate.py).
Prints a Markdown table (mean ± sd over seeds) and the time to train 6,000 full 4-slot outfits
with the default (contrastive) settings, validation included.

    .venv/bin/python benchmarks/compat_synthetic.py            # full run (~15-25 min on 2 cores)
    .venv/bin/python benchmarks/compat_synthetic.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.compat import CompatModel, identity
from models.config import SEED_MODEL, TrainConfig
from models.evaluate import evaluate
from models.synthetic import SyntheticSpec, make_world, synthetic_outfits
from models.train import train

METHODS: dict[str, TrainConfig | None] = {
    "identity (raw cosine)": None,
    "seed loss (linear W, faithful)": TrainConfig.for_loss("seed", val_fraction=0.0),
    "contrastive, linear W (ablation)": TrainConfig.for_loss("contrastive", model=SEED_MODEL, val_fraction=0.0),
    "contrastive (default)": TrainConfig.for_loss("contrastive", val_fraction=0.0),
}


def fmt(values: list[float], digits: int = 3) -> str:
    return f"{np.mean(values):.{digits}f} ± {np.std(values, ddof=1) if len(values) > 1 else 0.0:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=6000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="500 outfits, 2 epochs: checks it runs")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    n_train, n_test = (500, 300) if args.quick else (args.n_train, args.n_test)

    rows: dict[str, dict[str, list[float]]] = {name: {} for name in METHODS}
    for seed in range(args.seeds):
        world = make_world(SyntheticSpec(), world_seed=seed)
        train_set = synthetic_outfits(n_train, world, seed=100 + seed)
        test_set = synthetic_outfits(n_test, world, seed=200 + seed)
        for name, config in METHODS.items():
            seconds = 0.0
            model: CompatModel = identity()
            if config is not None:
                config = replace(config, seed=seed, epochs=2 if args.quick else config.epochs)
                t0 = time.perf_counter()
                model, _ = train(train_set, config)
                seconds = time.perf_counter() - t0
            result = evaluate(model, test_set, seed=seed)
            for key, value in (("auc", result.auc), ("fitb", result.fitb_accuracy),
                               ("random_cos", result.mean_negative_score),
                               ("random_sd", result.sd_negative_score), ("seconds", seconds)):
                rows[name].setdefault(key, []).append(value)
            print(f"seed {seed} {name}: auc {result.auc:.3f} fitb {result.fitb_accuracy:.3f} "
                  f"random-item score {result.mean_negative_score:.3f} ± {result.sd_negative_score:.3f} ({seconds:.0f} s)", file=sys.stderr, flush=True)

    # The claim: 6,000 outfits with all 4 slots × 512-d train with the defaults in under 3 minutes.
    full = SyntheticSpec(p_outerwear=1.0, p_onepiece=0.0)
    timing_set = synthetic_outfits(n_train, make_world(full, world_seed=0), seed=7)
    t0 = time.perf_counter()
    _, metrics = train(timing_set, TrainConfig.for_loss("contrastive", epochs=2 if args.quick else None))
    timing = time.perf_counter() - t0

    print(f"\n{args.seeds} seeds; {n_train} training / {n_test} test outfits per seed; "
          f"torch threads {args.threads}. Mean ± sd over seeds.\n")
    print("| method | AUC | FITB (4 candidates) | random-item outfit score: mean | its sd | train time (s) |")
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        secs = "—" if name.startswith("identity") else fmt(r["seconds"], 0)
        print(f"| {name} | {fmt(r['auc'])} | {fmt(r['fitb'])} | {fmt(r['random_cos'])} | {fmt(r['random_sd'])} | {secs} |")
    print(f"\nDefault (contrastive) training on {n_train} outfits × 4 slots × 512-d, validation "
          f"split included: {timing:.0f} s ({metrics['steps']} steps; validation AUC "
          f"{metrics['validation']['auc']:.3f}).")


if __name__ == "__main__":
    main()
