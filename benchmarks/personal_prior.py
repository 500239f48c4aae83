"""Estimating the taste direction with a style-subspace prior, and what a perfect direction gives.

The personal layer's direction u is a ridge readout of 60 reactions from the outfits' mean base
latent (models.personal.ridge_direction). Two questions, on calibration users (world 1, users
100 on; report users are world 0, 200 on), 30 liked + 30 disliked each (the taste model of
benchmarks/personal.py; "no taste" = the same reactions shuffled):

1. Does a prior toward the base's *style subspace* (the directions along which the latents of a
   top and a bottom that go together co-vary, which excludes per-photo nuisance and noise) help?
   A generalised ridge: the readout is fitted on latents mapped through B = P + sqrt(EPS)(I − P),
   P the projector on a K-dimensional basis, so directions outside it cost 1/EPS times more.
   Bases from the top–bottom cross-covariance C = Σ w_ab (z_a − mean)(z_b − mean)ᵀ:
   "SVD" = the top K left and right singular vectors of C; "CCA" = the canonical directions
   (C after whitening each side by its covariance + RIDGE_CCA·mean variance). Sources of the
   (a, b, w): the person's items, every top with every bottom weighted by the base's opinion
   (softmax of their pair similarity, T = 0.05: no outfits needed); the person's 400 wardrobe
   outfits; the base's 3,000 training outfits (the app does not keep those: an upper reference).
2. With a *perfect* direction in the base's latent (ridge on 2,000 labelled outfits of the same
   user, the oracle), what does the layer's form reach? That bounds every estimator of u.

Per estimator: preference AUC of the layer without the guard on 1,000 held-out compatible
outfits, worst compatibility AUC change on 1,000 general outfits, cosine with the oracle
direction, the guard (held-out AUC, 5-fold × CV_REPEATS, ≥ max(base, 0.5) + ADOPT_MARGIN/√30)
for users with and without a taste, and the preference AUC *with* the guard (the base's where
it refuses): what the 30 + 30 target counts.

    nice -n 10 .venv/bin/python benchmarks/personal_prior.py --users 12            # choose
    nice -n 10 .venv/bin/python benchmarks/personal_prior.py --world 0 --first-user 200  # report
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from personal_levers import FormModel, weight_form
from personal_users import calibration_base, calibration_user

from models.compat import CompatModel
from models.evaluate import evaluate, roc_auc
from models.personal import (
    ADOPT_MARGIN,
    CV_FOLDS,
    CV_REPEATS,
    PairData,
    _folds,
    fit_scale,
    gate,
    ridge_direction,
    weighted_auc,
)
from models.synthetic import SyntheticSpec, make_world

K = 16  # basis vectors per side (the world's style has 16 dimensions)
EPS = 0.1  # prior variance outside the basis, relative to inside (0 = a hard cut)
RIDGE_CCA = 0.1  # whitening ridge, × the mean variance of a side
T_ITEMS = 0.05  # softmax temperature of the base's pair similarity for the items source
Views = tuple[np.ndarray, np.ndarray, np.ndarray]  # top latents, bottom latents, (n_a, n_b) weights


def outfit_views(pairs: PairData) -> Views:
    """Tops and bottoms of the same outfits, each outfit weighing the same."""
    both = pairs.present[:, 0] & pairs.present[:, 1]
    a, b = pairs.latents[both, 0], pairs.latents[both, 1]
    return a, b, np.eye(len(a)) / len(a)


def item_views(base: CompatModel, tops: np.ndarray, bottoms: np.ndarray) -> Views:
    """Every top with every bottom, weighted by how well the base says they go together."""
    s = base.project("top", tops, "bottom") @ base.project("bottom", bottoms, "top").T
    w = np.exp((s - s.max()) / T_ITEMS)
    return (np.asarray(base.project("top", tops, None), np.float64),
            np.asarray(base.project("bottom", bottoms, None), np.float64), w / w.sum())


def style_basis(views: Views, kind: str, k: int = K) -> tuple[np.ndarray, np.ndarray]:
    """(d, ≤ 2k) orthonormal basis of the style subspace from the top–bottom cross-covariance,
    and the spectrum it was cut from (singular values of C; canonical correlations for CCA)."""
    a, b, w = views
    wa, wb = w.sum(1), w.sum(0)
    a, b = a - wa @ a, b - wb @ b
    cross = a.T @ w @ b
    if kind == "SVD":
        u, values, vt = np.linalg.svd(cross)
        return np.linalg.qr(np.hstack([u[:, :k], vt[:k].T]))[0], values

    def inv_sqrt(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
        cov = (x * weight[:, None]).T @ x
        cov += RIDGE_CCA * np.trace(cov) / len(cov) * np.eye(len(cov))
        values, vectors = np.linalg.eigh(cov)
        return (vectors / np.sqrt(values)) @ vectors.T

    ia, ib = inv_sqrt(a, wa), inv_sqrt(b, wb)
    u, values, vt = np.linalg.svd(ia @ cross @ ib)
    return np.linalg.qr(np.hstack([ia @ u[:, :k], ib @ vt[:k].T]))[0], values


def prior_fit(basis: np.ndarray, eps: float = EPS) -> Callable[[PairData, np.ndarray], np.ndarray]:
    """The layer's fit with the direction from the generalised ridge (prior B = P + √eps (I − P);
    eps 0 = a hard cut to the basis)."""
    projector = basis @ basis.T
    b = projector + np.sqrt(eps) * (np.eye(len(projector)) - projector)

    def fit(data: PairData, ratings: np.ndarray) -> np.ndarray:
        u = b @ ridge_direction(replace(data, latents=data.latents @ b), ratings)
        spread = float(np.std(data.latents[data.present] @ u))
        return fit_scale(data, ratings, u / spread if spread > 0 else u * 0)

    return fit


def guard_auc(data: PairData, ratings: np.ndarray, fit: Callable) -> float:
    """Held-out preference AUC as the guard computes it (stratified k-fold, CV_REPEATS)."""
    aucs = []
    for repeat in range(CV_REPEATS):
        fold = _folds(ratings, CV_FOLDS, repeat)
        held = np.empty(ratings.size)
        for f in range(CV_FOLDS):
            held[fold == f] = data.subset(fold == f).scores(fit(data.subset(fold != f), ratings[fold != f]))
        aucs.append(weighted_auc(held, ratings))
    return float(np.mean(aucs))


def guard_adopts(data: PairData, ratings: np.ndarray, fit: Callable) -> bool:
    """The guard's verdict at 30 + 30: better than the base and than chance by ADOPT_MARGIN/√30."""
    bar = max(weighted_auc(data.base_scores(), ratings), 0.5)
    return guard_auc(data, ratings, fit) >= bar + ADOPT_MARGIN / np.sqrt(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=int, default=1)
    parser.add_argument("--first-user", type=int, default=100)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--k", type=int, default=K, help="basis vectors per side")
    parser.add_argument("--eps", type=float, default=EPS, help="prior variance outside the basis (0: a cut)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    world = make_world(SyntheticSpec(), world_seed=args.world)
    training, base = calibration_base(world)
    trained_on = outfit_views(PairData.build(base, training.vectors, training.mask, training.category_grid()))
    rows: dict[str, list[tuple[float, ...]]] = {}
    for seed in range(args.first_user, args.first_user + args.users):
        user = calibration_user(world, base, seed)
        pool = user.pool
        cats = pool.category_grid()
        items = {c: pool.vectors[pool.mask & (cats == c)] for c in ("top", "bottom")}
        sources = {"the person's items, paired by the base": item_views(base, items["top"], items["bottom"]),
                   "the person's 400 outfits": outfit_views(PairData.build(base, pool.vectors, pool.mask, cats)),
                   "the base's 3,000 training outfits": trained_on}
        fits: dict[str, Callable] = {"ridge (now)": lambda pairs, r: fit_scale(pairs, r, ridge_direction(pairs, r))}
        for kind in ("SVD", "CCA"):
            for name, views in sources.items():
                fits[f"{kind} prior, {name}"] = prior_fit(style_basis(views, kind, args.k)[0], args.eps)
        _, big_pairs, big_taste = user.labelled(world, base)
        oracle = ridge_direction(big_pairs, big_taste)
        fits["oracle direction (2,000 labelled outfits), scale from the 60"] = (
            lambda pairs, r, u=oracle: fit_scale(pairs, r, u))
        tt, test, base_pref = user.test_taste, user.test_pairs, user.base_pref
        for name, fit in fits.items():
            w = fit(user.train, user.r)
            s = test.scores(w)
            pref = roc_auc(s[tt > 0], s[tt < 0])
            model = FormModel(base, lambda data, pd, w=w: gate(pd.latents @ w), weight_form())
            compat = evaluate(model, user.general, seed=0).auc - user.base_compat
            cosine = float(w @ oracle / max(np.linalg.norm(w) * np.linalg.norm(oracle), 1e-12))
            adopted = false = float("nan")
            if not name.startswith("oracle"):
                adopted, false = (float(guard_adopts(user.train, r, fit)) for r in (user.r, user.shuffled))
            guarded = pref if adopted == 1.0 else base_pref
            rows.setdefault(name, []).append((pref, compat, cosine, adopted, false, guarded))
        pr = test.present  # the oracle as a plain readout: mean u·z of the outfit, no base, no gate
        readout = (test.latents * pr[..., None]).sum(1) / np.maximum(pr.sum(1), 1)[:, None] @ oracle
        rows.setdefault("oracle direction as an additive readout (mean u·z, no base)", []).append(
            (roc_auc(readout[tt > 0], readout[tt < 0]), *[float("nan")] * 5))
        print(f"user {seed} done", file=sys.stderr, flush=True)
    last = args.first_user + args.users - 1
    print(f"world {args.world}, users {args.first_user}–{last}, 30 liked + 30 disliked each; "
          f"K = {args.k}, EPS = {args.eps}; guard {ADOPT_MARGIN} with {CV_REPEATS} repeats")
    for kind in ("SVD", "CCA"):
        values = style_basis(trained_on, kind)[1]
        shown = values[:24] / (values[0] if kind == "SVD" else 1)
        print(f"{kind} spectrum over the base's training outfits (first 24"
              f"{', relative to the first' if kind == 'SVD' else ''}): " + " ".join(f"{v:.2f}" for v in shown))
    print("\n| estimator of the direction | preference AUC, no guard (mean, worst) | compat change (worst) "
          "| cosine with the oracle | adopted: taste | no taste (false) | preference AUC with the guard (mean, worst) |")
    print("|---|---|---|---|---|---|---|")
    for name, values in rows.items():
        a = np.array(values)
        guard = "— | — | —" if np.isnan(a[:, 3]).all() else (
            f"{int(a[:, 3].sum())}/{len(a)} | {int(a[:, 4].sum())}/{len(a)} | {a[:, 5].mean():.3f} ({a[:, 5].min():.3f})")
        compat = "—" if np.isnan(a[:, 1]).all() else f"{a[:, 1].min():+.3f}"
        cosine = "—" if np.isnan(a[:, 2]).all() else f"{a[:, 2].mean():.2f}"
        print(f"| {name} | {a[:, 0].mean():.3f} ({a[:, 0].min():.3f}) | {compat} | {cosine} | {guard} |",
              flush=True)


if __name__ == "__main__":
    main()
