"""Calibrating the personal layer's guard: how often it adopts a layer for users with a taste,
and how often for users without one (a false adoption), at each adoption margin.

The guard (models.personal.fit_personal) adopts when the held-out preference AUC of the layer
beats max(base AUC, 0.5) by margin/sqrt(n) (n = the fewer of liked and disliked). This script
records both AUCs for simulated users (benchmarks/personal.py's taste model: a hidden direction
in the world's style space; no taste = the same outfits with their reactions shuffled), 10 + 10
and 30 + 30 events each, then counts adoptions per margin. Select the margin on one world (1,
users 100 on) and report it on another (0, users 200 on: the seeds of the target table).

    nice -n 10 .venv/bin/python benchmarks/personal_guard.py --world 1 --first-user 100 --users 30
    nice -n 10 .venv/bin/python benchmarks/personal_guard.py --world 0 --first-user 200 --users 30
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from personal import taste_of

from models.config import TrainConfig
from models.personal import ADOPT_MARGIN, FEATURES_ADOPT_MARGIN, PRIOR_ADOPT_MARGIN, fit_personal
from models.synthetic import SyntheticSpec, make_world, synthetic_outfits
from models.train import train

MARGINS = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=int, default=1)
    parser.add_argument("--first-user", type=int, default=100)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--n-train", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)
    world = make_world(SyntheticSpec(), world_seed=args.world)
    base, _ = train(synthetic_outfits(args.n_train, world, seed=1),
                    TrainConfig(epochs=args.epochs, val_fraction=0.0))
    rows: list[tuple[str, int, float]] = []  # kind, n each, (held-out personal − bar)·sqrt(n)
    t0 = time.perf_counter()
    for seed in range(args.first_user, args.first_user + args.users):
        u = np.random.default_rng(seed).standard_normal(world.spec.style_dim)
        rng = np.random.default_rng(seed)
        pool = synthetic_outfits(400, world, seed=4000 + seed)
        pool.mask[:, 3] = False
        taste = taste_of(world, pool, u, rng)
        for n_each in (10, 30):
            pick = np.concatenate([np.flatnonzero(taste > 0)[:n_each], np.flatnonzero(taste < 0)[:n_each]])
            for kind in ("taste", "no taste"):
                r = taste[pick] if kind == "taste" else np.random.default_rng(seed + 999).permutation(taste[pick])
                fit = fit_personal(base, pool.subset(pick), r)
                bar = max(fit.heldout_auc_base, 0.5)
                rows.append((kind, n_each, (fit.heldout_auc_personal - bar) * np.sqrt(n_each)))
    estimator, margin = (("style features", FEATURES_ADOPT_MARGIN) if base.style_features else
                         ("style prior", PRIOR_ADOPT_MARGIN) if base.style_prior is not None else
                         ("ridge", ADOPT_MARGIN))
    print(f"world {args.world}, users {args.first_user}–{args.first_user + args.users - 1}, "
          f"{time.perf_counter() - t0:.0f} s; estimator: {estimator}; the guard's margin is {margin}")
    print("\n| events | margin | adopted, taste | adopted, no taste (false) |")
    print("|---|---|---|---|")
    for n_each in (10, 30):
        for margin in MARGINS:
            cells = []
            for kind in ("taste", "no taste"):
                z = np.array([s for k, n, s in rows if k == kind and n == n_each])
                cells.append(f"{int((z >= margin).sum())}/{z.size}")
            print(f"| {n_each} + {n_each} | {margin} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
