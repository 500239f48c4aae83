"""Does the outfit-level re-ranker help on unseen worlds? Default pairwise model vs + re-ranker.

    .venv/bin/python benchmarks/compat_rerank.py N_TRAIN WORLD... [--part selection|report]

Per world (seed 0): trains the default pairwise model, evaluates it, trains the re-ranker on the
same training outfits over the frozen pairwise model, evaluates the combination with the same
fixed protocol, and times re-scoring a 20-outfit shortlist (one query). One JSON line per world.
Choose on selection worlds only (models.worlds.split_worlds); report worlds after a choice.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compat_synthetic import emit, world_data

from models.config import TrainConfig
from models.evaluate import evaluate
from models.rerank import RerankConfig, train_reranker
from models.train import train
from models.worlds import split_worlds, world


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n_train", type=int)
    p.add_argument("worlds", type=int, nargs="+")
    p.add_argument("--part", choices=("selection", "report"), default="selection")
    p.add_argument("--epochs", type=int, default=10, help="re-ranker epochs")
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--holdout", type=float, default=0.0,
                   help="train the re-ranker on this fraction of the training outfits, held out from "
                        "the pairwise model (which then gets the rest); 0 = both on all of them")
    p.add_argument("--results", type=Path, default=None, help="append the JSON lines here too")
    args = p.parse_args()
    torch.set_num_threads(1)
    selection, report = split_worlds(range(24), 12, seed=0)
    allowed = selection if args.part == "selection" else report
    for wid in args.worlds:
        if wid not in allowed:
            raise SystemExit(f"world {wid} is not a {args.part} world ({allowed})")
        w = world(wid)
        train_data, test_data = world_data(w, wid, args.n_train, 1500, seed=0)
        train_set, test_set = train_data.outfits, test_data.outfits
        t0 = time.perf_counter()
        base, _ = train(train_set, replace(TrainConfig.for_loss("contrastive"), seed=0, val_fraction=0.0))
        t_base = time.perf_counter() - t0
        e0 = evaluate(base, test_set, seed=0)
        rerank_set = train_set
        if args.holdout > 0:  # a fresh pairwise model that never saw the re-ranker's outfits
            cut = round(len(train_set) * (1 - args.holdout))
            base, _ = train(train_set.subset(np.arange(cut)),
                            replace(TrainConfig.for_loss("contrastive"), seed=0, val_fraction=0.0))
            rerank_set = train_set.subset(np.arange(cut, len(train_set)))
        reranked, m = train_reranker(base, rerank_set, RerankConfig(epochs=args.epochs, d_model=args.d_model))
        e1 = evaluate(reranked, test_set, seed=0)
        shortlist = test_set.subset(np.arange(20))
        cats = shortlist.category_grid()
        reranked.score(shortlist.vectors, shortlist.mask, cats)  # warm-up
        t1 = time.perf_counter()
        for _ in range(20):
            reranked.score(shortlist.vectors, shortlist.mask, cats)
        ms = (time.perf_counter() - t1) / 20 * 1000
        row = {"part": args.part, "world": wid, "n_train": args.n_train, "rerank_epochs": args.epochs,
               "d_model": args.d_model, "holdout": args.holdout, "auc": round(e0.auc, 4), "fitb": round(e0.fitb_accuracy, 4),
               "auc_rerank": round(e1.auc, 4), "fitb_rerank": round(e1.fitb_accuracy, 4),
               "train_s": round(t_base, 1), "rerank_train_s": m["rerank_train_time_s"],
               "rerank_ms_per_20": round(ms, 2)}
        emit(row, args.results)


if __name__ == "__main__":
    main()
