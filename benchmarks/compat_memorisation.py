"""Is a world's gap to its oracle estimation or bias? (issue 11 diagnosis, after round 11)

    .venv/bin/python benchmarks/compat_memorisation.py WORLD N_TRAIN [--variant NAME] [--seed S] [--epochs E]

Trains one variant of `benchmarks/compat_gate.py` (default `r10_one`: one net of round 10's
default) on N_TRAIN outfits of a selection world and prints one JSON line: the AUC on the 1,500
test outfits, on the training outfits themselves, and the oracle's AUC on those training outfits.
A net far above the oracle on its own training outfits pairs items by their private noise
(memorisation); a test AUC that climbs with N_TRAIN says the gap is estimation, not bias, unless
the same number of steps on the old data (`--epochs`, the StepLR step scaled alike) climbs too. Same data
and seed as the selection runs; a world that may not choose (a report or never-used world) is
refused before anything is trained.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compat_gate import VARIANTS
from compat_quadratic import refuse_unless_selection
from compat_synthetic import world_data

from models.evaluate import evaluate
from models.train import train
from models.worlds import world
from models.worlds_oracle import WorldOracle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("world", type=int)
    parser.add_argument("n_train", type=int)
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="r10_one")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=None, help="train this many epochs (StepLR step scaled alike)")
    args = parser.parse_args()
    refuse_unless_selection([args.world])
    torch.set_num_threads(1)
    w = world(args.world)
    train_data, test_data = world_data(w, args.world, args.n_train, 1500, args.seed)
    train_set, test_set = train_data.outfits, test_data.outfits
    t0 = time.perf_counter()
    config = replace(VARIANTS[args.variant], val_fraction=0.0, seed=args.seed)
    if args.epochs is not None:
        config = replace(config, epochs=args.epochs, lr_step=max(1, round(args.epochs * config.lr_step / config.epochs)))
    model, _ = train(train_set, config)
    seconds = round(time.perf_counter() - t0, 1)
    print(json.dumps({"world": args.world, "seed": args.seed, "n_train": args.n_train, "variant": args.variant, "epochs": config.epochs,
                      "test_auc": round(evaluate(model, test_set, seed=args.seed).auc, 4),
                      "train_auc": round(evaluate(model, train_set, seed=args.seed).auc, 4),
                      "oracle_train_auc": round(evaluate(WorldOracle(w), train_set, seed=args.seed).auc, 4),
                      "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
