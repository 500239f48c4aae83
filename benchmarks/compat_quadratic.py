"""Probe (issue 11, second round): does a quadratic path in each tower close the gap on worlds
with square views? Selection worlds only; an experiment, not a shipped option.

    .venv/bin/python benchmarks/compat_quadratic.py N_TRAIN Q WORLD...

A square view shows only s² of the style; a pairwise cosine then needs the *other* item's tower
to square its style. Here each tower gets an extra path W₂·(W₁h)² (W₁: D → Q, W₂: Q → latent)
next to its skip path and GELU MLP; the rest is the shipped default. The tower class is swapped
in this process only, so saved models and the app are untouched. One JSON line per world with the
default and the quadratic variant, same data and seed.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import models.compat as compat
from models.config import TrainConfig
from models.evaluate import evaluate
from models.train import train
from models.worlds import split_worlds, world, world_outfits

PLAIN = compat._Tower


def quadratic_tower(q: int) -> type[nn.Module]:
    class QuadTower(PLAIN):
        def __init__(self, d_in: int, d_hid: int, d_out: int) -> None:
            super().__init__(d_in, d_hid, d_out)
            self.q_in = nn.Linear(d_in, q, bias=False)
            self.q_out = nn.Linear(q, d_out)

        def forward(self, h: torch.Tensor, drop: nn.Module) -> torch.Tensor:
            return super().forward(h, drop) + self.q_out(self.q_in(h) ** 2)

    return QuadTower


def main() -> None:
    torch.set_num_threads(1)
    n_train, q = int(sys.argv[1]), int(sys.argv[2])
    selection, _ = split_worlds(range(24), 12, seed=0)
    config = replace(TrainConfig.for_loss("contrastive"), val_fraction=0.0, seed=0)
    for wid in [int(a) for a in sys.argv[3:]]:
        if wid not in selection:
            raise SystemExit(f"world {wid} is not a selection world ({selection})")
        w = world(wid)
        train_set = world_outfits(n_train, w, seed=100 + wid).outfits
        test_set = world_outfits(1500, w, seed=200 + wid).outfits
        row: dict[str, float | int] = {"world": wid, "n_train": n_train, "q": q}
        for name, tower in (("default", PLAIN), ("quadratic", quadratic_tower(q))):
            compat._Tower = tower
            t0 = time.perf_counter()
            model, _ = train(train_set, config)
            row[f"{name}_s"] = round(time.perf_counter() - t0, 1)
            e = evaluate(model, test_set, seed=0)
            row[f"{name}_auc"], row[f"{name}_fitb"] = round(e.auc, 4), round(e.fitb_accuracy, 4)
        compat._Tower = PLAIN
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
