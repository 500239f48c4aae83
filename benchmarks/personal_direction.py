"""Round 7: estimating the personal layer's direction better from 60 reactions.

Round 6 left the fitted layer (the ridge direction through the base's style features f_c(x),
models/style_features.py) at 0.811 preference AUC on the calibration users while the best
direction through the same features (the oracle, from 2,000 labelled outfits) gives 0.859: the
limit is estimating the direction from 30 liked + 30 disliked outfits. Estimators tried here (all
closed form or a few Newton steps, each then scaled by models.personal.fit_scale as the shipped
fit is):
- (a) per-category reliability weights: f_c scaled by ρ_c, the correlation of category c's
  features with the mean features of the *other* categories of the same outfit over the base's
  training outfits (a number per category, computed without any user);
- (b) L2 logistic regression instead of least squares: on the outfit means of the features
  ("outfits", with an unpenalised intercept) or on liked-minus-disliked differences of them
  ("pairs", no intercept); penalty λ · (total variance of the outfit means) · ‖β‖² / 2, λ fixed
  a priori on a grid;
- (c) (a) + (b).
Round 9 shipped (c) on outfits: bases trained since carry reliability-weighted maps
(models.style_features.reliability_weighted), so over such a base the row "f" is already ρ·f
and the rows "ρ·f" weigh twice; the round-9 numbers (README) were measured before, over plain maps.
Same users, reactions and columns as benchmarks/personal_features.py (world 1, users 100 on, the
calibration users; the report users are world 0, users 200 on).

    nice -n 10 .venv/bin/python benchmarks/personal_direction.py --users 12 --base BASE_DIR
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
    FEATURES_ADOPT_MARGIN,
    PairData,
    fit_preference,
    fit_scale,
    gate,
    newton_logistic,
    outfit_means,
    ridge_direction,
    unit_spread,
)
from models.personal import logistic_direction as shipped_logistic
from models.style_features import Maps, reliability, scaled_maps
from models.synthetic import SyntheticSpec, make_world

MARGINS = (0.6, 0.7, 0.8, 0.9, 1.0)


def logistic_direction(data: PairData, ratings: np.ndarray, lam: float, pairs: bool) -> np.ndarray:
    """Unit-spread direction (std of u·f over the feedback's items = 1) from an L2 logistic
    regression of the reactions on the outfit means (`pairs` False: the shipped
    `models.personal.logistic_direction`) or of liked-minus-disliked differences (True; each pair
    weighted |r_i|·|r_j|)."""
    if not pairs:
        return shipped_logistic(data, ratings, lam)
    x = outfit_means(data)
    pos, neg = np.flatnonzero(ratings > 0), np.flatnonzero(ratings < 0)
    w = np.abs(ratings)
    xc = x - (w / w.sum()) @ x
    tv = float((w / w.sum()) @ (xc * xc).sum(1))
    d = x.shape[1]
    if tv <= 0 or pos.size == 0 or neg.size == 0:
        return np.zeros(d)
    diff = (x[pos][:, None, :] - x[neg][None, :, :]).reshape(-1, d)
    pw = (w[pos][:, None] * w[neg][None, :]).ravel()
    return unit_spread(data, newton_logistic(diff, np.ones(len(diff)), pw / pw.sum(), np.full(d, lam * tv)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=int, default=1)
    parser.add_argument("--first-user", type=int, default=100)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--lams", default="0.001,0.01,0.1,1", help="logistic penalties to try")
    parser.add_argument("--base", help="a saved base folder (else trained as the other benchmarks do)")
    parser.add_argument("--only", help="comma-separated substrings: run only the estimators named so "
                        "(the round-6 row always runs)")
    parser.add_argument("--per-user", action="store_true",
                        help="also print each user's preference AUC (no guard) per estimator")
    args = parser.parse_args()
    torch.set_num_threads(1)
    world = make_world(SyntheticSpec(), world_seed=args.world)
    training, base = calibration_base(world, args.base)
    if not base.style_features:
        raise SystemExit("the base carries no style maps (models/style_features.py)")
    maps = base.style_features
    rho = reliability(maps, training)
    print("reliability ρ_c: " + ", ".join(f"{c} {r:.3f}" for c, r in sorted(rho.items())), file=sys.stderr)
    feats: dict[str, Maps] = {"f": maps, "ρ·f": scaled_maps(maps, rho),
                              "f, shoes 0 (reference)": scaled_maps(maps, {c: float(c != "shoes") for c in maps})}
    lams = [float(x) for x in args.lams.split(",")]
    ridge: Callable = lambda pd, r: fit_preference(pd, r)  # noqa: E731
    variants: dict[str, tuple[str, Callable]] = {
        "f, ridge (round 6, shipped)": ("f", ridge),
        "f, shoes 0, ridge (reference)": ("f, shoes 0 (reference)", ridge),
        "(a) ρ·f, ridge": ("ρ·f", ridge),
    }
    for feat, tag in (("f", "(b)"), ("ρ·f", "(c)")):
        for kind in ("outfits", "pairs"):
            for lam in lams:
                variants[f"{tag} {feat}, logistic on {kind}, λ {lam:g}"] = (
                    feat, lambda pd, r, lam=lam, p=kind == "pairs": fit_scale(pd, r, logistic_direction(pd, r, lam, p)))
    if args.only:
        keys = [k.strip() for k in args.only.split(",")]
        variants = {n: v for i, (n, v) in enumerate(variants.items()) if i == 0 or any(k in n for k in keys)}
    t0 = time.perf_counter()
    rows: dict[str, list[tuple[float, ...]]] = {}
    for seed in range(args.first_user, args.first_user + args.users):
        user = calibration_user(world, base, seed)
        sub, r, shuffled, test, tt = user.sub, user.r, user.shuffled, user.test, user.test_taste
        train_pd, test_pd, general, base_pref = user.train, user.test_pairs, user.general, user.base_pref
        big, big_pd, big_taste = user.labelled(world, base)
        grids = {name: (style_grid(mp, sub), style_grid(mp, test), style_grid(mp, big)) for name, mp in feats.items()}
        oracle = {}
        for name, (g_tr, _g_te, g_big) in grids.items():
            uo = ridge_direction(replace(big_pd, latents=g_big), big_taste)
            so = replace(test_pd, latents=grids[name][1]).scores(fit_scale(replace(train_pd, latents=g_tr), r, uo))
            oracle[name] = roc_auc(so[tt > 0], so[tt < 0])
        for name, (feat, fit) in variants.items():
            tr = replace(train_pd, latents=grids[feat][0])
            te = replace(test_pd, latents=grids[feat][1])
            tic = time.perf_counter()
            w = fit(tr, r)
            fit_s = time.perf_counter() - tic
            s = te.scores(w)
            pref = roc_auc(s[tt > 0], s[tt < 0])
            model = FormModel(base, lambda data, pd, w=w, mp=feats[feat]: gate(style_grid(mp, data) @ w), weight_form())
            compat = evaluate(model, general, seed=0).auc - user.base_compat
            taste_z, false_z = guard_stat(tr, r, fit), guard_stat(tr, shuffled, fit)
            guarded = pref if taste_z >= FEATURES_ADOPT_MARGIN else base_pref
            rows.setdefault(name, []).append((pref, compat, oracle[feat], taste_z, false_z, guarded, fit_s))
        print(f"user {seed} done, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    last = args.first_user + args.users - 1
    print(f"world {args.world}, users {args.first_user}–{last}, 30 liked + 30 disliked each; reliability ρ_c "
          + ", ".join(f"{c} {v:.3f}" for c, v in sorted(rho.items()))
          + f"; guard statistic counted at margins {MARGINS}; 'with the guard' at {FEATURES_ADOPT_MARGIN}")
    print("\n| estimator of the direction | preference AUC, no guard (mean, worst) | compat change (worst) "
          "| oracle direction through the features (mean, worst) "
          f"| adopted, taste, at {' / '.join(map(str, MARGINS))} | no taste (false) "
          "| preference AUC with the guard (mean, worst) | one fit, 60 events (mean s) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, values in rows.items():
        a = np.array(values)
        taste = " / ".join(str(int((a[:, 3] >= m).sum())) for m in MARGINS)
        false = " / ".join(str(int((a[:, 4] >= m).sum())) for m in MARGINS)
        print(f"| {name} | {a[:, 0].mean():.3f} ({a[:, 0].min():.3f}) | {a[:, 1].min():+.3f} "
              f"| {a[:, 2].mean():.3f} ({a[:, 2].min():.3f}) | {taste} of {len(a)} | {false} of {len(a)} "
              f"| {a[:, 5].mean():.3f} ({a[:, 5].min():.3f}) | {a[:, 6].mean():.3f} |", flush=True)
    ref = np.array(next(iter(rows.values())))
    if args.per_user:
        print("\npreference AUC without the guard, per user (users " f"{args.first_user}–{last})")
        for name, values in rows.items():
            a = np.array(values)
            better = int((a[:, 0] > ref[:, 0]).sum())
            print(f"- {name}: " + " ".join(f"{v:.3f}" for v in a[:, 0])
                  + f" (above the first row for {better} of {len(a)})")
    print("\nagainst round 6 (the rule: adopt only with >= +0.01 mean preference AUC, no guard and with it)")
    for name, values in rows.items():
        a = np.array(values)
        print(f"- {name}: no guard {a[:, 0].mean() - ref[:, 0].mean():+.4f}, "
              f"with the guard {a[:, 5].mean() - ref[:, 5].mean():+.4f}")


if __name__ == "__main__":
    main()
