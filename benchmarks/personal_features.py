"""Reading the preference from style features of the raw item vector instead of the base latent.

Round 5 left the layer at 0.72 preference AUC with the true taste reaching 0.88-0.90 through the
same form, and the best direction in the base's latent z (the oracle) only 0.83: z keeps part of
the style only. The form needs a per-item scalar p_i, which may come from anything about the item,
so here p_i = gate(w · f(x_i)) with f_c(x) = A_cᵀ(x − mean_c) from a multi-set CCA of the raw
item vectors across the categories of the base's training outfits (models/style_features.py),
and the same ridge + scale fit (models.personal.fit_preference) on the outfit means of f.

Calibration users (world 1, users 100 on), 30 liked + 30 disliked each (the taste model of
benchmarks/personal.py; "no taste" = the same reactions shuffled). Per feature set: preference AUC
of the layer without the guard on 1,000 held-out compatible outfits, worst compatibility AUC change
on 1,000 general outfits, the oracle through the same features (the ridge direction from 2,000
labelled outfits of the user, scale from the 60), the guard's statistic (held-out AUC − max(base,
0.5))·√30 counted at the current margin for users with and without a taste, and the preference
AUC with the guard (the base's where it refuses).

    nice -n 10 .venv/bin/python benchmarks/personal_features.py --users 12            # choose
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

from personal_levers import FormModel, weight_form
from personal_prior import guard_auc
from personal_users import calibration_base, calibration_user

from models.data import OutfitSet
from models.evaluate import evaluate, roc_auc
from models.personal import (
    PRIOR_ADOPT_MARGIN,
    PairData,
    fit_preference,
    fit_scale,
    gate,
    ridge_direction,
    weighted_auc,
)
from models.style_features import feature_grid, gcca_maps
from models.style_prior import prior_map
from models.synthetic import SyntheticSpec, make_world

MARGINS = (0.6, 0.7, 0.8, 0.9, 1.0)
Featurise = Callable[[OutfitSet, PairData], np.ndarray]  # -> (N, K, d) per-slot features


def style_grid(maps: dict, data: OutfitSet) -> np.ndarray:
    """(N, K, k) f_c(x) of every present item (zeros where the slot is empty)."""
    return feature_grid(maps, data)


def block_scale(grid: np.ndarray, present: np.ndarray) -> float:
    """1 / √(total variance of the present items' features): blocks of equal weight."""
    items = grid[present]
    return 1.0 / np.sqrt(max(float(items.var(0).sum()), 1e-12))


def guard_stat(data: PairData, ratings: np.ndarray, fit: Callable) -> float:
    """(held-out AUC − max(base, 0.5))·√30, the held-out AUC as the guard computes it."""
    bar = max(weighted_auc(data.base_scores(), ratings), 0.5)
    return (guard_auc(data, ratings, fit) - bar) * np.sqrt(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=int, default=1)
    parser.add_argument("--first-user", type=int, default=100)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--ks", default="8,16,32", help="shared dimensions to try")
    parser.add_argument("--ridges", default="0.1,1,10", help="GCCA ridges to try (with the middle k)")
    parser.add_argument("--base", help="a saved base folder (else trained as the other benchmarks do)")
    parser.add_argument("--no-oracle", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    world = make_world(SyntheticSpec(), world_seed=args.world)
    training, base = calibration_base(world, args.base)
    ks = [int(k) for k in args.ks.split(",")]
    ridges = [float(r) for r in args.ridges.split(",")]
    mid = ks[len(ks) // 2]
    t0 = time.perf_counter()
    settings = sorted({(k, 1.0) for k in ks} | {(mid, r) for r in ridges})
    maps = {s: gcca_maps(training, k=s[0], ridge=s[1]) for s in settings}
    print(f"GCCA maps ({len(settings)} settings): {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    train_pairs = PairData.build(base, training.vectors, training.mask, training.category_grid())
    z_scale = block_scale(train_pairs.latents, train_pairs.present)
    f_scale = {s: block_scale(style_grid(mp, training), training.mask) for s, mp in maps.items()}
    basis = base.style_prior
    prior = prior_map(basis) if basis is not None else None

    def plain(fit_prior: np.ndarray | None = None) -> Callable:
        return lambda pairs, r: fit_preference(pairs, r, prior=fit_prior)

    variants: dict[str, tuple[Featurise, Callable]] = {
        "z, ridge": (lambda data, pd: pd.latents, plain()),
        "z, style prior (round 5, shipped)": (lambda data, pd: pd.latents, plain(prior)),
    }
    for s, mp in maps.items():
        variants[f"f, k {s[0]}, GCCA ridge {s[1]:g}"] = (lambda data, pd, mp=mp: style_grid(mp, data), plain())
    for k in ks:
        s = (k, 1.0)
        variants[f"[z, f], k {k}, GCCA ridge 1"] = (
            lambda data, pd, mp=maps[s], c=f_scale[s]: np.concatenate(
                [pd.latents * z_scale, style_grid(mp, data) * c], axis=2), plain())
    rows: dict[str, list[tuple[float, ...]]] = {}
    for seed in range(args.first_user, args.first_user + args.users):
        user = calibration_user(world, base, seed)
        sub, r, shuffled, test, tt = user.sub, user.r, user.shuffled, user.test, user.test_taste
        train_pd, test_pd, general, base_pref = user.train, user.test_pairs, user.general, user.base_pref
        big, big_pd, big_taste = user.labelled(world, base) if not args.no_oracle else (None, None, None)
        for name, (featurise, fit) in variants.items():
            tr = replace(train_pd, latents=featurise(sub, train_pd))
            te = replace(test_pd, latents=featurise(test, test_pd))
            w = fit(tr, r)
            s = te.scores(w)
            pref = roc_auc(s[tt > 0], s[tt < 0])
            model = FormModel(base, lambda data, pd, w=w, f=featurise: gate(f(data, pd) @ w), weight_form())
            compat = evaluate(model, general, seed=0).auc - user.base_compat
            oracle_pref = float("nan")
            if not args.no_oracle:
                bg = replace(big_pd, latents=featurise(big, big_pd))
                uo = ridge_direction(bg, big_taste)
                so = te.scores(fit_scale(tr, r, uo))
                oracle_pref = roc_auc(so[tt > 0], so[tt < 0])
            taste_z, false_z = guard_stat(tr, r, fit), guard_stat(tr, shuffled, fit)
            guarded = pref if taste_z >= PRIOR_ADOPT_MARGIN else base_pref
            rows.setdefault(name, []).append((pref, compat, oracle_pref, taste_z, false_z, guarded))
        print(f"user {seed} done, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    last = args.first_user + args.users - 1
    print(f"world {args.world}, users {args.first_user}–{last}, 30 liked + 30 disliked each; guard "
          f"statistic counted at margins {MARGINS}; 'with the guard' at {PRIOR_ADOPT_MARGIN}")
    print("\n| features (preference p = gate(w · features)) | preference AUC, no guard (mean, worst) "
          "| compat change (worst) | oracle direction through them (mean, worst) "
          f"| adopted, taste, at {' / '.join(map(str, MARGINS))} | no taste (false) "
          "| preference AUC with the guard (mean, worst) |")
    print("|---|---|---|---|---|---|---|")
    for name, values in rows.items():
        a = np.array(values)
        taste = " / ".join(str(int((a[:, 3] >= m).sum())) for m in MARGINS)
        false = " / ".join(str(int((a[:, 4] >= m).sum())) for m in MARGINS)
        oracle = "—" if np.isnan(a[:, 2]).all() else f"{a[:, 2].mean():.3f} ({a[:, 2].min():.3f})"
        print(f"| {name} | {a[:, 0].mean():.3f} ({a[:, 0].min():.3f}) | {a[:, 1].min():+.3f} | {oracle} "
              f"| {taste} of {len(a)} | {false} of {len(a)} | {a[:, 5].mean():.3f} ({a[:, 5].min():.3f}) |",
              flush=True)


if __name__ == "__main__":
    main()
