"""Which of a world's knobs costs the default model most? One-knob ablations of a selection world.

    .venv/bin/python benchmarks/compat_ablation.py N_TRAIN WORLD [--variants NAME...] [--seed S]
        [--no-oracle] [--results FILE]

Issue 11: the shipped default is far below the generator-aware oracle on worlds that combine
square views, staples, the or-rule and strong noise. Each variant takes the world's drawn spec
(`models/worlds.py` draw_spec) and switches ONE knob to its easy value; the world's random maps
(`make_world(spec, world_id)`) stay the same, since none of these knobs changes their shapes.
The default (`TrainConfig.for_loss("contrastive")`) is trained on each with the benchmark's
protocol (train/test seeds, `evaluate`), and the oracle (`models/worlds_oracle.py`) scores the
same test outfits, so the gap per variant is visible. A report world is refused: report worlds
choose nothing. One JSON line per variant.

`--exact-dups` was an experiment of round 3: `models/losses.py` then masked a repeated item
(a staple in several outfits of a batch) out of InfoNCE's negatives with `torch.cdist(x, x) == 0`,
but float32 cdist (matrix-multiply path) gives identical rows a distance of ~1e-4 a third to a half
of the time, so those staples still counted as negatives. The flag swaps, for this process only,
the `torch` that `models/losses.py` sees for one whose `cdist` is exact for identical rows. Since
round 4 the losses test equality exactly (`models.losses.same_rows`) and no longer call cdist, so
the flag changes nothing: the shipped loss is what it measured.
`--train-without-staples` is another: staples are taken out of the *training* outfits only
(generator's item ids; outfits left with < 2 items dropped), the test set keeps them: are
staples costly as noise in training, or when scoring? `--test-without-staples` takes them out of
the test outfits only (same rule).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compat_quadratic import refuse_unless_selection
from compat_synthetic import emit, world_data

import models.losses
from models.config import TrainConfig
from models.data import OutfitSet
from models.evaluate import evaluate
from models.train import train
from models.worlds import WorldOutfits, WorldSpec, draw_spec, make_world
from models.worlds_oracle import WorldOracle

VARIANTS: dict[str, Callable[[WorldSpec], WorldSpec]] = {
    "unchanged": lambda s: s,
    "linear_views": lambda s: replace(s, views={c: "linear" for c in s.views}),
    "no_staples": lambda s: replace(s, p_staple=0.0),
    "no_or_rule": lambda s: replace(s, p_or_rule=0.0),
    "half_noise": lambda s: replace(s, noise=s.noise / 2),
    "no_nuisance": lambda s: replace(s, nuisance=0.0),
}


class _TorchWithExactDuplicates:
    """`torch`, except `cdist(a, b)` is 0 exactly where rows are identical (1 elsewhere)."""

    def __getattr__(self, name: str) -> object:
        return getattr(torch, name)

    @staticmethod
    def cdist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (a[:, None, :] != b[None, :, :]).any(-1).to(a.dtype)


def _without_staples(generated: WorldOutfits) -> OutfitSet:
    """The outfits with their staples' slots emptied; outfits left with < 2 items dropped."""
    kept = generated.outfits.mask & (generated.item_ids < 0)
    return replace(generated.outfits, mask=kept).subset(np.flatnonzero(kept.sum(1) >= 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_train", type=int)
    parser.add_argument("world", type=int)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-test", type=int, default=1500)
    parser.add_argument("--no-oracle", action="store_true", help="skip the oracle's score")
    parser.add_argument("--exact-dups", action="store_true", help="experiment: mask repeated items exactly")
    parser.add_argument("--train-without-staples", action="store_true", help="experiment: no staples in training")
    parser.add_argument("--test-without-staples", action="store_true", help="experiment: no staples in testing")
    parser.add_argument("--results", type=Path, default=None, help="also append the rows to this file")
    args = parser.parse_args()
    refuse_unless_selection([args.world])
    torch.set_num_threads(1)
    if args.exact_dups:
        models.losses.torch = _TorchWithExactDuplicates()  # type: ignore[assignment]
    wid, seed = args.world, args.seed
    for name in args.variants:
        spec = VARIANTS[name](draw_spec(wid))
        w = make_world(spec, wid)
        train_data, test_data = world_data(w, wid, args.n_train, args.n_test, seed)
        train_set = _without_staples(train_data) if args.train_without_staples else train_data.outfits
        test_set = _without_staples(test_data) if args.test_without_staples else test_data.outfits
        config = replace(TrainConfig.for_loss("contrastive"), val_fraction=0.0, seed=seed)
        t0 = time.perf_counter()
        model, _ = train(train_set, config)
        seconds = round(time.perf_counter() - t0, 1)
        e = evaluate(model, test_set, seed=seed)
        row = {"part": "selection", "world": wid, "seed": seed, "n_train": args.n_train, "n_test": args.n_test,
               "variant": name + (" +exact_dups" if args.exact_dups else "")
               + (" +train_without_staples" if args.train_without_staples else "")
               + (" +test_without_staples" if args.test_without_staples else ""),
               "n_train_used": len(train_set), "n_test_used": len(test_set), "auc": round(e.auc, 4), "fitb": round(e.fitb_accuracy, 4), "seconds": seconds}
        if not args.no_oracle:
            o = evaluate(WorldOracle(w), test_set, seed=seed)
            row.update(oracle_auc=round(o.auc, 4), oracle_fitb=round(o.fitb_accuracy, 4))
        emit(row, args.results)


if __name__ == "__main__":
    main()
