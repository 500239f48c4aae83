"""What limits the personal layer: how it is estimated from 60 events, and its form's ceiling.

Measured on calibration users only (world 1, users 100 on; the report users of
benchmarks/personal.py are world 0, users 200 on), each with 30 liked + 30 disliked compatible
outfits (benchmarks/personal.py's taste model), and as many users without a taste (their
reactions shuffled). Per estimator of w:
- preference AUC of the fitted layer on 1,000 held-out compatible outfits *without the guard*,
  and its compatibility AUC change on 1,000 general outfits;
- the guard's statistic (held-out AUC − max(base, 0.5))·sqrt(30) (benchmarks/personal_guard.py),
  counted at several margins, for users with and without a taste.
Estimators: "gated L-BFGS" = the previous fit (all d coordinates of w through the gate);
"PCA-k" = the same fit restricted to the top k principal components of the person's wardrobe
items' base latents (learned without labels); "ridge + scale" = models.personal.fit_preference.
Forms (with the *hidden* taste itself as the item preference, so no estimation): the layer's
weight form; the weight applied to a saturated pair similarity g(pair) (a sigmoid around a high
quantile of the base's similarities over all the wardrobe's cross-category pairs, no feedback);
and a taste term added only where g says a pair goes together (pair + g(pair)·(p_a + p_b)/2).

    nice -n 10 .venv/bin/python benchmarks/personal_levers.py --users 12   # ~10 min, 1 thread
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from personal import item_styles
from personal_users import calibration_base, calibration_user

from models.compat import CompatModel
from models.data import OutfitSet, category_grid
from models.evaluate import evaluate, roc_auc
from models.personal import TAU, PairData, _folds, fit_preference, gate, weighted_auc
from models.synthetic import SyntheticSpec, make_world

MARGINS = (0.6, 0.8, 1.0)
Form = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]  # (sims, p_a, p_b) -> pair'


def gated_lbfgs(data: PairData, ratings: np.ndarray, basis: np.ndarray | None = None,
                l2: float = 1e-3) -> np.ndarray:
    """The previous estimator: pairwise logistic loss through the gate, L-BFGS from w = 0 (in
    span(basis) when given)."""
    pos, neg = np.flatnonzero(ratings > 0), np.flatnonzero(ratings < 0)
    lat = data.latents if basis is None else data.latents @ basis
    z = torch.from_numpy(lat)
    sims = torch.from_numpy(data.sims * data.valid)
    count = torch.from_numpy(np.maximum(data.valid.sum(1), 1).astype(np.float64))
    i, j = (torch.tensor(x) for x in zip(*data.pairs, strict=True))
    v = torch.zeros(lat.shape[2], dtype=torch.float64, requires_grad=True)
    tp, tn = torch.from_numpy(pos), torch.from_numpy(neg)
    opt = torch.optim.LBFGS([v], lr=1.0, max_iter=100, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        p = gate(z @ v)
        score = (sims * (1 + (p[:, i] + p[:, j]) / 2)).sum(1) / count
        margin = TAU * (score[tp][:, None] - score[tn][None, :])
        loss = torch.nn.functional.softplus(-margin).mean() + l2 * (v @ v)
        loss.backward()
        return loss

    opt.step(closure)
    w = v.detach().numpy()
    return w if basis is None else basis @ w


def form_scores(pd: PairData, p: np.ndarray, form: Form) -> np.ndarray:
    i, j = (np.array(x) for x in zip(*pd.pairs, strict=True))
    return (form(pd.sims, p[:, i], p[:, j]) * pd.valid).sum(1) / np.maximum(pd.valid.sum(1), 1)


class FormModel(CompatModel):
    """Scores only: a form with item preferences from `prefs(data, pairs)` (for `evaluate`)."""

    name = version = "form"
    input_dim = categories = None

    def __init__(self, base: CompatModel, prefs: Callable, form: Form) -> None:
        self.base, self.prefs, self.form = base, prefs, form

    def project(self, category, x, partner=None):  # type: ignore[no-untyped-def]
        raise NotImplementedError("scores only")

    def score(self, vectors, mask, categories):  # type: ignore[no-untyped-def]
        cats = np.array(category_grid(categories, np.shape(mask)))
        data = OutfitSet(np.asarray(vectors, np.float32), np.asarray(mask, bool), cats)
        pd = PairData.build(self.base, data.vectors, data.mask, cats)
        return form_scores(pd, self.prefs(data, pd), self.form)


def weight_form(g: Callable = lambda s: s) -> Form:
    return lambda s, a, b: g(s) * (1 + (a + b) / 2)


def added_form(g: Callable) -> Form:
    return lambda s, a, b: s + g(s) * (a + b) / 2


def user_data(world, base, seed: int, taste: bool) -> dict:
    user = calibration_user(world, base, seed)
    pool = user.pool
    cats = pool.category_grid()

    def latents(cat: str, partner: str | None) -> np.ndarray:
        rows, cols = np.nonzero(pool.mask & (cats == cat))
        return np.asarray(base.project(cat, pool.vectors[rows, cols], partner), np.float64)

    everyday = [(latents(a, b) @ latents(b, a).T).ravel()
                for a, b in (("top", "bottom"), ("top", "shoes"), ("bottom", "shoes"))]
    wardrobe = PairData.build(base, pool.vectors, pool.mask, cats)
    return {"u": user.u, "r": user.r if taste else user.shuffled, "test": user.test,
            "test_taste": user.test_taste, "train": user.train, "test_pairs": user.test_pairs,
            "items": wardrobe.latents[wardrobe.present],
            "all_pair_sims": np.concatenate(everyday),
            "general": user.general, "base_compat": user.base_compat}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=int, default=1)
    parser.add_argument("--first-user", type=int, default=100)
    parser.add_argument("--users", type=int, default=12)
    args = parser.parse_args()
    torch.set_num_threads(1)
    world = make_world(SyntheticSpec(), world_seed=args.world)
    _, base = calibration_base(world)
    rows: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    forms: dict[str, list[tuple[float, float]]] = {}
    for seed in range(args.first_user, args.first_user + args.users):
        for kind in ("taste", "no taste"):
            d = user_data(world, base, seed, kind == "taste")
            tt, r, train_pairs = d["test_taste"], d["r"], d["train"]
            base_compat = d["base_compat"]
            centred = d["items"] - d["items"].mean(0)
            pcs = np.linalg.svd(centred, full_matrices=False)[2]
            estimators: dict[str, Callable] = {"gated L-BFGS (previous)": gated_lbfgs}
            for k in (8, 16, 32):
                estimators[f"PCA-{k} + gated L-BFGS"] = lambda pd, rr, b=pcs[:k].T: gated_lbfgs(pd, rr, b)
            estimators["ridge + scale (now)"] = fit_preference
            for name, fit in estimators.items():
                held_aucs = []
                for repeat in range(3):
                    fold = _folds(r, 5, repeat)
                    held = np.empty(r.size)
                    for f in range(5):
                        w = fit(train_pairs.subset(fold != f), r[fold != f])
                        held[fold == f] = train_pairs.subset(fold == f).scores(w)
                    held_aucs.append(weighted_auc(held, r))
                bar = max(weighted_auc(train_pairs.base_scores(), r), 0.5)
                z = (float(np.mean(held_aucs)) - bar) * np.sqrt(30)
                w = fit(train_pairs, r)
                pref = compat = float("nan")
                if kind == "taste":
                    s = d["test_pairs"].scores(w)
                    pref = roc_auc(s[tt > 0], s[tt < 0])
                    model = FormModel(base, lambda data, pd, w=w: gate(pd.latents @ w), weight_form())
                    compat = evaluate(model, d["general"], seed=0).auc - base_compat
                rows.setdefault((name, kind), []).append((pref, compat, z))
            if kind == "taste":
                true_p = lambda data, pd, u=d["u"]: gate(8.0 * np.nan_to_num(item_styles(world, data) @ u))  # noqa: E731
                q95, q99 = np.quantile(d["all_pair_sims"], [0.95, 0.99])
                sat = lambda T, th: (lambda sim: 1 / (1 + np.exp(-(sim - th) / T)))  # noqa: E731
                for fname, form in (("weight (the layer's form)", weight_form()),
                                    ("weight of g(pair), g around q95, T 0.1", weight_form(sat(0.1, q95))),
                                    ("pair + g(pair)·(p_a+p_b)/2, g around q99, T 0.05",
                                     added_form(sat(0.05, q99)))):
                    s = form_scores(d["test_pairs"], true_p(d["test"], d["test_pairs"]), form)
                    compat = evaluate(FormModel(base, true_p, form), d["general"], seed=0).auc
                    forms.setdefault(fname, []).append((roc_auc(s[tt > 0], s[tt < 0]),
                                                        compat - base_compat))
        print(f"user {seed} done", file=sys.stderr, flush=True)
    last = args.first_user + args.users - 1
    print(f"world {args.world}, users {args.first_user}–{last}, 30 liked + 30 disliked each")
    print("\n| estimator | preference AUC, no guard (mean, worst) | compat change (worst) | "
          "guard statistic ≥ " + " / ".join(map(str, MARGINS)) + ": taste | no taste (false) |")
    print("|---|---|---|---|---|")
    for name in dict.fromkeys(n for n, _ in rows):
        taste, none = np.array(rows[(name, "taste")]), np.array(rows[(name, "no taste")])
        counts = [" / ".join(f"{int((a[:, 2] >= m).sum())}" for m in MARGINS) for a in (taste, none)]
        print(f"| {name} | {taste[:, 0].mean():.3f} ({taste[:, 0].min():.3f}) | "
              f"{taste[:, 1].min():+.3f} | {counts[0]} of {len(taste)} | {counts[1]} of {len(none)} |")
    print("\n| form, with the hidden taste (c = 8) | preference AUC (mean, worst) | compat change (worst) |")
    print("|---|---|---|")
    for fname, values in forms.items():
        a = np.array(values)
        print(f"| {fname} | {a[:, 0].mean():.3f} ({a[:, 0].min():.3f}) | {a[:, 1].min():+.3f} |")


if __name__ == "__main__":
    main()
