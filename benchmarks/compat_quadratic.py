"""Selection runs for the quadratic path (issue 11): variants of the default, selection worlds only.

    .venv/bin/python benchmarks/compat_quadratic.py N_TRAIN WORLD... [--variants NAME...] [--seed S]
        [--results FILE]

A square view shows only s² of the style; a pairwise cosine then needs the *other* item's tower
to square its style. `ModelConfig.quad_dim` adds a path W₂·(W₁h)² (W₁: D → Q, W₂: Q → latent)
beside each tower's skip path and GELU MLP. Each variant below is the towers default of issue
11's second round with one change; same data and seed for all. A world that is not a selection
world is refused: report worlds are never used to choose. One JSON line per world and variant.
(The second round's probe swapped the tower class instead; with the same seed, `quad64` here
trains exactly the same weights as that probe's `quadratic`.)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compat_synthetic import emit, world_data

from models.config import ROUND2_DEFAULT, TrainConfig
from models.evaluate import evaluate
from models.train import train
from models.worlds import World, split_worlds, world

ROUND2 = ROUND2_DEFAULT  # towers without the quadratic path
VARIANTS: dict[str, TrainConfig] = {
    "default": ROUND2,
    "quad64": replace(ROUND2, model=replace(ROUND2.model, quad_dim=64)),
    "quad128": replace(ROUND2, model=replace(ROUND2.model, quad_dim=128)),
    "quad64_e30": replace(ROUND2, model=replace(ROUND2.model, quad_dim=64), epochs=30, lr_step=12),
    "default_e30": replace(ROUND2, epochs=30, lr_step=12),
}


def selection_worlds() -> list[int]:
    """The selection half of benchmarks/compat_synthetic.py's fixed split, plus the fresh worlds whose
    specs a diagnosis has read (no longer clean for a report, so they may choose)."""
    from compat_synthetic import DIAGNOSED_WORLDS, N_SELECTION, N_WORLDS, SPLIT_SEED

    return split_worlds(range(N_WORLDS), N_SELECTION, seed=SPLIT_SEED)[0] + list(DIAGNOSED_WORLDS)


def refuse_unless_selection(worlds: Iterable[int]) -> None:
    """Exit with a sentence, before anything is trained, when a world may not choose."""
    selection = selection_worlds()
    for wid in worlds:
        if wid not in selection:
            raise SystemExit(f"world {wid} is not a selection world ({selection}); report worlds choose nothing")


def selection_parser(description: str, variants: Mapping[str, TrainConfig], default: list[str]) -> argparse.ArgumentParser:
    """The options every selection script shares: N_TRAIN WORLD... --variants --seed --results."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("n_train", type=int)
    parser.add_argument("worlds", type=int, nargs="+")
    parser.add_argument("--variants", nargs="+", choices=sorted(variants), default=default)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--results", type=Path, default=None, help="also append the rows to this file")
    return parser


def run_selection(
    args: argparse.Namespace,
    variants: Mapping[str, TrainConfig],
    make_world: Callable[[int], World] = world,
    suffix: str = "",
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Train and evaluate each variant on each world (same data and seed for all), one JSON line
    each; a world that is not a selection world is refused before anything runs."""
    torch.set_num_threads(1)
    refuse_unless_selection(args.worlds)
    for wid in args.worlds:
        w = make_world(wid)
        train_data, test_data = world_data(w, wid, args.n_train, 1500, args.seed)
        train_set, test_set = train_data.outfits, test_data.outfits
        for name in args.variants:
            config = replace(variants[name], val_fraction=0.0, seed=args.seed)
            t0 = time.perf_counter()
            model, _ = train(train_set, config)
            seconds = round(time.perf_counter() - t0, 1)
            e = evaluate(model, test_set, seed=args.seed)
            row = {"part": "selection", "world": wid, "seed": args.seed, "n_train": args.n_train,
                   "variant": name + suffix, **(extra or {}), "auc": round(e.auc, 4),
                   "fitb": round(e.fitb_accuracy, 4), "seconds": seconds}
            emit(row, args.results)


def main() -> None:
    parser = selection_parser(__doc__.splitlines()[0], VARIANTS, ["default", "quad64"])
    run_selection(parser.parse_args(), VARIANTS)


if __name__ == "__main__":
    main()
