"""Round 8: the SCALE of the personal layer's preference, not its direction.

The fitted layer (round 6: ridge direction through the base's style features, unit spread) takes
its scale c (w = c·u) from the pairwise logistic loss (tau 10) on the 60 training events, capped
at MAX_SCALE = 2; the loss stays below 2 even without the cap, while the true taste through the
same form does best with a sharp gate (c = 8). Tried here, same direction as round 6:
- (a) a fixed scale chosen a priori, c in {2, 4, 8};
- (b) c chosen by the held-out preference AUC inside the guard's cross-validation (the folds and
  repeats fit_personal uses): the largest grid scale within 0.005 of the best held-out AUC,
  grid 0.25 ... 8 in steps of √2; the guard's statistic is the held-out AUC at that scale.
Same users, reactions and columns as benchmarks/personal_direction.py (world 1, users 100 on, the
calibration users), without the oracle column.

    nice -n 10 .venv/bin/python benchmarks/personal_scale.py --users 12 --base BASE_DIR
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

from personal_features import guard_stat, style_grid
from personal_levers import FormModel, weight_form
from personal_users import calibration_base, calibration_user

from models.evaluate import evaluate, roc_auc
from models.personal import (
    CV_FOLDS,
    CV_REPEATS,
    FEATURES_ADOPT_MARGIN,
    PairData,
    _folds,
    fit_preference,
    gate,
    ridge_direction,
    weighted_auc,
)
from models.synthetic import SyntheticSpec, make_world

MARGINS = (0.6, 0.7, 0.8, 0.9, 1.0)
GRID = tuple(float(c) for c in np.geomspace(0.25, 8.0, 11))
TOLERANCE = 0.005  # the largest scale within this much of the best held-out AUC


def cv_scale(data: PairData, ratings: np.ndarray, grid: tuple[float, ...] = GRID) -> tuple[float, float]:
    """(c, held-out AUC at c): the guard's folds and repeats, the direction fitted without the
    held-out fold, each grid scale scored on it; c the largest within TOLERANCE of the best."""
    aucs = np.zeros((CV_REPEATS, len(grid)))
    for repeat in range(CV_REPEATS):
        fold = _folds(ratings, CV_FOLDS, repeat)
        held = np.empty((len(grid), ratings.size))
        for f in range(CV_FOLDS):
            train_part = data.subset(fold != f)
            u = ridge_direction(train_part, ratings[fold != f])
            test_part = data.subset(fold == f)
            for g, c in enumerate(grid):
                held[g, fold == f] = test_part.scores(c * u)
        aucs[repeat] = [weighted_auc(h, ratings) for h in held]
    mean = aucs.mean(0)
    best = int(np.flatnonzero(mean >= mean.max() - TOLERANCE).max())
    return grid[best], float(mean[best])


def cv_fit(data: PairData, ratings: np.ndarray) -> np.ndarray:
    c, _ = cv_scale(data, ratings)
    return (c * ridge_direction(data, ratings)).astype(np.float32)


def cv_guard(data: PairData, ratings: np.ndarray) -> float:
    """The guard statistic of (b): the held-out AUC at the chosen scale, from the same CV."""
    _, auc = cv_scale(data, ratings)
    return (auc - max(weighted_auc(data.base_scores(), ratings), 0.5)) * np.sqrt(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=int, default=1)
    parser.add_argument("--first-user", type=int, default=100)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--base", help="a saved base folder (else trained as the other benchmarks do)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    world = make_world(SyntheticSpec(), world_seed=args.world)
    _, base = calibration_base(world, args.base)
    if not base.style_features:
        raise SystemExit("the base carries no style maps (models/style_features.py)")
    maps = base.style_features

    def fixed(c: float) -> Callable:
        return lambda pd, r: (c * ridge_direction(pd, r)).astype(np.float32)

    variants: dict[str, tuple[Callable, Callable]] = {
        "round 6 (loss scale, cap 2; shipped)": (fit_preference, lambda pd, r: guard_stat(pd, r, fit_preference)),
    }
    for c in (2.0, 4.0, 8.0):
        variants[f"(a) fixed c = {c:g}"] = (fixed(c), lambda pd, r, f=fixed(c): guard_stat(pd, r, f))
    variants["(b) c by held-out AUC in the guard's CV, grid to 8"] = (cv_fit, cv_guard)
    t0 = time.perf_counter()
    rows: dict[str, list[tuple[float, ...]]] = {}
    chosen: list[float] = []
    for seed in range(args.first_user, args.first_user + args.users):
        user = calibration_user(world, base, seed)
        sub, r, shuffled, test, tt = user.sub, user.r, user.shuffled, user.test, user.test_taste
        train_pd, test_pd, general, base_pref = user.train, user.test_pairs, user.general, user.base_pref
        tr = replace(train_pd, latents=style_grid(maps, sub))
        te = replace(test_pd, latents=style_grid(maps, test))
        chosen.append(cv_scale(tr, r)[0])
        for name, (fit, stat) in variants.items():
            tic = time.perf_counter()
            w = fit(tr, r)
            fit_s = time.perf_counter() - tic
            s = te.scores(w)
            pref = roc_auc(s[tt > 0], s[tt < 0])
            model = FormModel(base, lambda data, pd, w=w: gate(style_grid(maps, data) @ w), weight_form())
            compat = evaluate(model, general, seed=0).auc - user.base_compat
            taste_z, false_z = stat(tr, r), stat(tr, shuffled)
            guarded = pref if taste_z >= FEATURES_ADOPT_MARGIN else base_pref
            rows.setdefault(name, []).append((pref, compat, taste_z, false_z, guarded, fit_s, base_pref))
        print(f"user {seed} done (CV scale {chosen[-1]:.2f}), {time.perf_counter() - t0:.0f} s",
              file=sys.stderr, flush=True)
    last = args.first_user + args.users - 1
    print(f"world {args.world}, users {args.first_user}–{last}, 30 liked + 30 disliked each; direction: ridge "
          f"through the style features (round 6); guard statistic counted at margins {MARGINS}; 'with the guard' "
          f"at {FEATURES_ADOPT_MARGIN}; (b) grid {', '.join(f'{c:.2f}' for c in GRID)}, chosen scales "
          + ", ".join(f"{c:.2f}" for c in chosen))
    print("\n| scale of the preference | preference AUC, no guard (mean, worst) | compat change (worst) "
          f"| adopted, taste, at {' / '.join(map(str, MARGINS))} | no taste (false) "
          "| preference AUC with the guard (mean, worst) | one fit, 60 events (mean s) |")
    print("|---|---|---|---|---|---|---|")
    for name, values in rows.items():
        a = np.array(values)
        taste = " / ".join(str(int((a[:, 2] >= m).sum())) for m in MARGINS)
        false = " / ".join(str(int((a[:, 3] >= m).sum())) for m in MARGINS)
        print(f"| {name} | {a[:, 0].mean():.3f} ({a[:, 0].min():.3f}) | {a[:, 1].min():+.3f} "
              f"| {taste} of {len(a)} | {false} of {len(a)} "
              f"| {a[:, 4].mean():.3f} ({a[:, 4].min():.3f}) | {a[:, 5].mean():.3f} |", flush=True)
    ref = np.array(next(iter(rows.values())))
    print(f"\nbase preference AUC {ref[:, 6].mean():.3f}; against round 6 (the rule: adopt the best only with "
          ">= +0.02 mean preference AUC, no guard and with it; worst compat change >= -0.02; no more no-taste "
          "adoptions at 0.8)")
    for name, values in rows.items():
        a = np.array(values)
        print(f"- {name}: no guard {a[:, 0].mean() - ref[:, 0].mean():+.4f}, "
              f"with the guard {a[:, 4].mean() - ref[:, 4].mean():+.4f}, worst compat {a[:, 1].min():+.3f}, "
              f"no taste adopted at 0.8: {int((a[:, 3] >= 0.8).sum())} (round 6 {int((ref[:, 3] >= 0.8).sum())})")


if __name__ == "__main__":
    main()
