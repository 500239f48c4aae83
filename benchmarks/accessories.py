"""What accessories cost the exact ranker: a 200-item wardrobe ranked with and without its bags
and accessories, around a top and around a hat.

Synthetic 512-d embeddings with a shared direction (FashionCLIP image embeddings of garments have
positive cosines, about 0.5-0.9), identity model, k = 6 as in the app. "warm" = the ranker has
seen the wardrobe before (projections and pair blocks cached, as in the app after the first
request).

    .venv/bin/python benchmarks/accessories.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.ranking.ranker import OutfitRanker
from models.compat import identity, l2_normalise

SIZES = {"top": 50, "bottom": 40, "shoes": 25, "outerwear": 20, "onepiece": 10, "bag": 15,
         "accessory": 40}  # 200 items


def wardrobe(seed: int = 0) -> dict[str, tuple[list[str], np.ndarray]]:
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(512)
    pool = {}
    for slot, n in SIZES.items():
        x = 1.2 * common / np.linalg.norm(common) + rng.standard_normal((n, 512)) / np.sqrt(512)
        pool[slot] = ([f"{slot}-{i}" for i in range(n)], l2_normalise(x))
    return pool


def timed(ranker: OutfitRanker, anchors: dict, pool: dict, diversity: float, repeats: int) -> tuple[float, float, int]:
    """(cold ms, warm median ms, outfits carrying an accessory or bag among the results)."""
    start = time.perf_counter()
    result = OutfitRanker(ranker.model).rank(anchors, pool, k=6, diversity=diversity)
    cold = (time.perf_counter() - start) * 1000
    ranker.rank(anchors, pool, k=6, diversity=diversity)
    warm = []
    for _ in range(repeats):
        start = time.perf_counter()
        ranker.rank(anchors, pool, k=6, diversity=diversity)
        warm.append((time.perf_counter() - start) * 1000)
    with_extras = sum(1 for o in result if {"bag", "accessory"} & set(o.items))
    return cold, statistics.median(warm), with_extras


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    pool = wardrobe()
    clothes = {s: v for s, v in pool.items() if s not in ("bag", "accessory")}
    top = {"top": (pool["top"][0][0], pool["top"][1][0])}
    hat = {"accessory": (pool["accessory"][0][0], pool["accessory"][1][0])}
    rest = {s: (ids[1:], x[1:]) if s in ("top", "accessory") else (ids, x)
            for s, (ids, x) in pool.items()}
    print("| anchor | wardrobe | diversity | cold ms | warm ms (median) | results with bag/accessory |")
    print("|---|---|---|---|---|---|")
    model = identity()
    for name, anchors, items in (("top", top, clothes), ("top", top, rest), ("hat", hat, rest)):
        for diversity in (0.0, 0.5):
            label = "clothes only (160)" if items is clothes else "with 15 bags, 40 accessories"
            cold, warm, extras = timed(OutfitRanker(model), anchors,
                                       {s: v for s, v in items.items() if s not in anchors},
                                       diversity, args.repeats)
            print(f"| {name} | {label} | {diversity} | {cold:.0f} | {warm:.0f} | {extras} of 6 |")


if __name__ == "__main__":
    main()
