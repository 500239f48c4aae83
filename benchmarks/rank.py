"""Outfit ranking benchmark: latency, memory, exactness, the seed's loop, and retrieval recall.

Prints Markdown tables. Random unit vectors of dimension 512 stand in for FashionCLIP embeddings;
anchor = one top, k = 10. "cold" = a fresh ranker (projections computed), "warm" = the same
pools ranked again around another top (projections cached, as in the app).

    .venv/bin/python benchmarks/rank.py [--blas-threads 1] [--recall-items 10000] [--repeats 5]

numpy's OpenBLAS gets --blas-threads threads (default 1, set before numpy loads): on the shared
2-core machine, 2 BLAS threads competing with other processes made small products 10-40x slower.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc
from functools import partial
from pathlib import Path


def _blas_threads_from_argv() -> str:
    for n, arg in enumerate(sys.argv):
        if arg.startswith("--blas-threads"):
            return arg.split("=", 1)[1] if "=" in arg else sys.argv[n + 1]
    return "1"


os.environ.setdefault("OPENBLAS_NUM_THREADS", _blas_threads_from_argv())

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.ranking.ranker import OutfitRanker  # noqa: E402
from core.ranking.retrieval import LatentIndex, RetrievalRanker, open_chroma, recall_at_k  # noqa: E402
from models.compat import CompatModel, CompatNet, LearnedCompatModel, identity, l2_normalise  # noqa: E402
from models.config import ModelConfig  # noqa: E402

DIM = 512
K = 10


def learned_model() -> LearnedCompatModel:
    """The product's learned model (default architecture, type-aware pair masks), untrained:
    speed does not depend on the weights."""
    torch.manual_seed(0)
    return LearnedCompatModel(CompatNet(ModelConfig()).eval())


class SeedModel(torch.nn.Module):
    """The seed's model: linear W 512x512, L2-normalise, cosine per pair / temperature, averaged."""

    def __init__(self) -> None:
        super().__init__()
        self.W = torch.nn.Linear(DIM, DIM)
        self.temperature = torch.nn.Parameter(torch.tensor(0.07))

    def forward(self, outfit: torch.Tensor) -> torch.Tensor:  # (B, 3, 512) -> mean similarity (B,)
        z = torch.nn.functional.normalize(self.W(outfit), dim=-1)
        cos = torch.nn.functional.cosine_similarity
        sims = torch.stack([cos(z[:, 0], z[:, 1]), cos(z[:, 1], z[:, 2]), cos(z[:, 0], z[:, 2])])
        return (sims / self.temperature).mean(dim=0)


def seed_recommend(model: SeedModel, top: torch.Tensor, bottoms: torch.Tensor,
                   shoes: torch.Tensor) -> tuple[int, int]:
    """The seed's recommender: one model call and loss per (bottom, shoes); the lowest loss wins."""
    best, best_loss = (-1, -1), float("inf")
    with torch.no_grad():
        for b in range(len(bottoms)):
            for s in range(len(shoes)):
                outfit = torch.stack([top, bottoms[b], shoes[s]]).unsqueeze(0)
                loss = torch.relu(1 - model(outfit)).mean().item()
                if loss < best_loss:
                    best, best_loss = (b, s), loss
    return best


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    return l2_normalise(rng.standard_normal((n, DIM)).astype(np.float32))


def make_pool(rng: np.random.Generator, n: int, slots: tuple[str, ...]) -> dict:
    return {s: ([f"{s}-{i:06d}" for i in range(n)], unit(rng, n)) for s in slots}


def brute_top(model: CompatModel, anchor: np.ndarray, pool: dict) -> list[tuple[float, tuple]]:
    """Independent check: every (bottom, shoes[, outerwear]) by the model's pair_similarity."""
    ps = model.pair_similarity
    tb = ps("top", anchor[None], "bottom", pool["bottom"][1])[0].astype(np.float64)
    ts = ps("top", anchor[None], "shoes", pool["shoes"][1])[0].astype(np.float64)
    bs = ps("bottom", pool["bottom"][1], "shoes", pool["shoes"][1]).astype(np.float64)
    base = tb[:, None] + ts[None, :] + bs
    score, layer = base / 3, np.full(base.shape, -1)
    if "outerwear" in pool:
        to = ps("top", anchor[None], "outerwear", pool["outerwear"][1])[0].astype(np.float64)
        bo = ps("bottom", pool["bottom"][1], "outerwear", pool["outerwear"][1]).astype(np.float64)
        so = ps("shoes", pool["shoes"][1], "outerwear", pool["outerwear"][1]).astype(np.float64)
        for b in range(base.shape[0]):  # all b x s x o, one bottom at a time
            h = to[None, :] + bo[b][None, :] + so
            with_layer = (base[b] + h.max(axis=1)) / 6
            use = with_layer > score[b]
            score[b] = np.where(use, with_layer, score[b])
            layer[b] = np.where(use, h.argmax(axis=1), -1)
    flat = np.argsort(-score, axis=None, kind="stable")[:K]
    rows, cols = np.unravel_index(flat, score.shape)
    return [(float(score[r, c]), (int(r), int(c), int(layer[r, c]))) for r, c in zip(rows, cols,
                                                                                    strict=True)]


def is_exact(result, truth, pool) -> bool:
    if len(result) != len(truth):
        return False
    for outfit, (score, (b, s, o)) in zip(result, truth, strict=True):
        want = {"bottom": pool["bottom"][0][b], "shoes": pool["shoes"][0][s]}
        if o >= 0:
            want["outerwear"] = pool["outerwear"][0][o]
        got = {slot: i for slot, i in outfit.items.items() if slot != "top"}
        if got != want or abs(outfit.score - score) > 1e-5:
            return False
    return True


def rank_fresh(model: CompatModel, anchor: np.ndarray, pool: dict) -> None:
    OutfitRanker(model).rank({"top": ("t", anchor)}, pool, k=K)


def rank_next(ranker: OutfitRanker, anchors, pool: dict) -> None:
    ranker.rank({"top": ("t-next", next(anchors))}, pool, k=K)


def timed(fn, repeats: int) -> list[float]:
    """Seconds per call, as `timeit` measures: the garbage collector runs before the loop and is
    off during it (a full collection before each call evicts the CPU caches, which added ~0.7 ms
    to millisecond-scale calls)."""
    gc.collect()
    gc.disable()
    try:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return times
    finally:
        gc.enable()


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.1f} s"


def latency_table(rng: np.random.Generator, repeats: int) -> dict:
    cases = [(100, ("bottom", "shoes")), (1000, ("bottom", "shoes")), (3000, ("bottom", "shoes")),
             (300, ("bottom", "shoes", "outerwear"))]
    print("| pool a slot | outfits | identity cold | identity warm | learned cold | "
          "learned warm | exact vs brute force |")
    print("|---|---|---|---|---|---|---|")
    out = {}
    for n, slots in cases:
        pool = make_pool(rng, n, slots)
        anchors = [unit(rng, 1)[0] for _ in range(repeats + 1)]
        row = []
        for model in (identity(), learned_model()):
            cold = timed(partial(rank_fresh, model, anchors[0], pool), repeats)
            warm_ranker = OutfitRanker(model)
            result = warm_ranker.rank({"top": ("t", anchors[0])}, pool, k=K)
            warm = timed(partial(rank_next, warm_ranker, iter(anchors[1:]), pool), repeats)
            exact = is_exact(result, brute_top(model, anchors[0], pool), pool)
            row.append((statistics.median(cold), statistics.median(warm), exact))
        count = n ** len(slots)
        label = f"{n:,}" + (" + outerwear" if "outerwear" in slots else "")
        checks = "yes" if all(r[2] for r in row) else "NO"
        print(f"| {label} | {count:.1e} | {ms(row[0][0])} | {ms(row[0][1])} | {ms(row[1][0])} | "
              f"{ms(row[1][1])} | {checks} |")
        out[(n, slots)] = (pool, row)
    return out


def memory_line(rng: np.random.Generator) -> None:
    pool = make_pool(rng, 3000, ("bottom", "shoes"))
    anchor = unit(rng, 1)[0]
    for model in (identity(), learned_model()):
        gc.collect()
        tracemalloc.start()
        OutfitRanker(model).rank({"top": ("t", anchor)}, pool)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"- peak memory of one cold `rank` at 3,000 a slot ({model.name}): "
              f"{peak / 2**20:.0f} MiB (tracemalloc; the pools themselves, 12 MiB, excluded)")


def seed_comparison(rng: np.random.Generator, repeats: int) -> None:
    pool = make_pool(rng, 100, ("bottom", "shoes"))
    anchor = unit(rng, 1)[0]
    seed = SeedModel().eval()
    top = torch.from_numpy(anchor)
    bottoms, shoes = torch.from_numpy(pool["bottom"][1]), torch.from_numpy(pool["shoes"][1])
    rows = []
    for model in (identity(), learned_model()):
        # a cold rank here takes about a millisecond: many repeats keep the median steady
        t = timed(partial(rank_fresh, model, anchor, pool), max(repeats, 51))
        rows.append((model.name, statistics.median(t)))
    seed_times = timed(partial(seed_recommend, seed, top, bottoms, shoes), 3)
    seed_s = statistics.median(seed_times)
    print(f"- seed's loop at 100 a slot (10^4 torch calls, returns 1 outfit): {ms(seed_s)} median of 3")
    for name, t in rows:
        print(f"- ranker ({name}, cold, returns top {K}): {ms(t)} -> **{seed_s / t:,.0f}x faster**")


def recall_table(rng: np.random.Generator, n: int, anchors: int) -> None:
    pool = make_pool(rng, n, ("bottom", "shoes"))
    model = identity()
    ranker = OutfitRanker(model)
    index = LatentIndex(open_chroma(), model, prefix="bench")
    tops = [unit(rng, 1)[0] for _ in range(anchors)]
    start = time.perf_counter()
    index.retrieve({"top": ("warmup", tops[0])}, pool, m=1)  # builds both collections
    build = time.perf_counter() - start
    exact, exact_times = [], []
    for n_top, top in enumerate(tops):
        start = time.perf_counter()
        exact.append(ranker.rank({"top": (f"t{n_top}", top)}, pool, k=K))
        exact_times.append(time.perf_counter() - start)
    print(f"Retrieval at {n:,} items a slot (bottom, shoes; {n * n:.0e} outfits), anchor = a top, "
          f"mean over {anchors} anchors; Chroma index build (2 collections): {build:.1f} s; "
          f"exact search: {ms(statistics.median(exact_times))} median.\n")
    print("| m (candidates a slot) | recall@10 vs exact | retrieval + exact ranking |")
    print("|---|---|---|")
    for m in (100, 500, 2000):
        recalls, times = [], []
        for n_top, top in enumerate(tops):
            start = time.perf_counter()
            approx = RetrievalRanker(ranker, index, m=m).rank({"top": (f"t{n_top}", top)}, pool)
            times.append(time.perf_counter() - start)
            recalls.append(recall_at_k(approx, exact[n_top]))
        print(f"| {m:,} | {np.mean(recalls):.2f} | {ms(statistics.median(times))} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--blas-threads", type=int, default=1, help="OpenBLAS threads for numpy")
    parser.add_argument("--recall-items", type=int, default=10_000,
                        help="items a slot for the retrieval recall (100000: ~25 min on 2 cores)")
    parser.add_argument("--recall-anchors", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    load = os.getloadavg()[0]
    print(f"# Outfit ranking benchmark ({os.cpu_count()} CPUs, load average {load:.1f} at start; "
          "the machine is shared, so absolute numbers are disturbed)\n")
    print(f"numpy BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']}, torch threads: "
          f"{torch.get_num_threads()}.\n")
    print(f"Median of {args.repeats}, anchor = one top, k = {K}, random unit vectors (d = 512). "
          "identity = models.compat.identity(); learned = models.compat.LearnedCompatModel "
          "(default architecture, untrained).\n")
    latency_table(rng, args.repeats)
    print()
    memory_line(rng)
    seed_comparison(rng, args.repeats)
    print(f"- load average at the end of the timings: {os.getloadavg()[0]:.1f}")
    print()
    recall_table(rng, args.recall_items, args.recall_anchors)


if __name__ == "__main__":
    main()
