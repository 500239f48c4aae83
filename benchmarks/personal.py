"""Simulated users with a hidden taste: base model vs from-scratch training vs the personal layer.

A world from the synthetic generator (models/synthetic.py) and a base model trained on it. Each
user owns the items of `--wardrobe` compatible outfits of that world and has a hidden taste: a
direction u in the world's style space. An item's style is read back through the world's public
per-category maps (least squares; shoes see the style non-linearly and are left out), and the user
likes an outfit when the mean u·style of its items is positive, dislikes it otherwise; the
no-taste user likes or dislikes at random. The user sees the top 5 suggestions around a random
anchor (a top of theirs), ranked by the current model, and reacts to them one by one; after every
reaction the personal layer is refitted (as the app does) and the next suggestions use it.
Reported after 5, 10, 20, 50 events (and at 30 liked + 30 disliked for the target):
- preference_auc: liked vs disliked among 1,000 held-out compatible outfits of the world;
- hit@5: share of the top 5 suggestions (around 40 random anchors) the user would like;
- compat_auc: the fixed AUC protocol (models/evaluate.py) on 1,000 general held-out outfits.
A "skipping" user never dislikes: what they do not like among the suggestions they pass over,
and the app logs it as skipped (a weak negative, `SKIP_WEIGHT` of a dislike); "skips ignored" is
the same user when skips are not used (no negatives, so the base ranks).
The target (30 liked + 30 disliked) is measured over `--target-users` users with a taste and as
many without (world 0, user seeds 200 on: not the seeds the guard was calibrated on, see
benchmarks/personal_guard.py); the mean and the worst case are printed.
Methods: the base alone; "scratch" = today's `train_on_wardrobe` (a new model trained on the
liked outfits, disliked as hard negatives); "personal" = the base + the taste layer (the
zero layer while the guard has not adopted it).

    nice -n 10 .venv/bin/python benchmarks/personal.py            # ~10 min on 1 thread
    nice -n 10 .venv/bin/python benchmarks/personal.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from base.vocabulary import ONEPIECE
from core.ranking.ranker import OutfitRanker
from models.compat import CompatModel
from models.config import TrainConfig
from models.data import OutfitSet
from models.evaluate import evaluate, roc_auc, score_outfits
from models.personal import SKIP_WEIGHT, PairData, PersonalModel, fit_personal, gate
from models.synthetic import SyntheticSpec, SyntheticWorld, make_world, synthetic_outfits
from models.train import train

CHECKPOINTS = (5, 10, 20, 50)
LINEAR = ("top", "bottom", ONEPIECE, "outerwear")  # categories that see the style linearly


def item_styles(world: SyntheticWorld, data: OutfitSet) -> np.ndarray:
    """(N, K, m) least-squares style of each item read through its category's map (NaN: shoes
    or absent)."""
    n, k, _ = data.vectors.shape
    out = np.full((n, k, world.spec.style_dim), np.nan)
    cats = data.category_grid()
    for cat in LINEAR:
        pinv = np.linalg.pinv(world.maps[cat])
        rows, cols = np.nonzero(data.mask & (cats == cat))
        out[rows, cols] = data.vectors[rows, cols] @ pinv.T
    return out


def taste_of(world: SyntheticWorld, data: OutfitSet, u: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """+1 / -1 per outfit for a user with taste direction u (None: no taste, coin flips)."""
    if u is None:
        return rng.choice([1, -1], size=len(data))
    t = np.nanmean(item_styles(world, data) @ u, axis=1)
    return np.where(t > 0, 1, -1)


def outfit_of(pool: dict[str, tuple[list[str], np.ndarray]], items: dict[str, str]) -> OutfitSet:
    vectors = np.zeros((1, 4, pool["top"][1].shape[1]), np.float32)
    mask = np.zeros((1, 4), bool)
    cats = np.array([["top", "bottom", "shoes", "outerwear"]], dtype=object)
    for slot, item_id in items.items():
        ids, x = pool[slot]
        col = {"top": 0, ONEPIECE: 0, "bottom": 1, "shoes": 2, "outerwear": 3}[slot]
        vectors[0, col], mask[0, col] = x[ids.index(item_id)], True
        cats[0, col] = slot
    return OutfitSet(vectors, mask, cats)


def wardrobe_pool(data: OutfitSet) -> dict[str, tuple[list[str], np.ndarray]]:
    cats = data.category_grid()
    pool = {}
    for slot, col in (("top", 0), (ONEPIECE, 0), ("bottom", 1), ("shoes", 2), ("outerwear", 3)):
        rows = np.flatnonzero(data.mask[:, col] & (cats[:, col] == slot))
        pool[slot] = ([f"{slot}{r}" for r in rows], data.vectors[rows, col])
    return pool


def hit_rate(model: CompatModel, pool, world, u, rng, anchors: int = 40) -> float:
    ranker, hits, shown = OutfitRanker(model), 0, 0
    tops = pool["top"]
    for a in rng.choice(len(tops[0]), size=anchors):
        anchor = {"top": (tops[0][a], tops[1][a])}
        for o in ranker.rank(anchor, pool, k=5, with_outerwear=False):
            hits += int(taste_of(world, outfit_of(pool, o.items), u, rng)[0] > 0)
            shown += 1
    return hits / max(shown, 1)


def measure(model, pool, world, u, test, test_taste, general, rng) -> dict[str, float]:
    scores = score_outfits(model, test.vectors, test.mask, test.category_grid())
    return {"preference_auc": roc_auc(scores[test_taste > 0], scores[test_taste < 0]),
            "hit@5": hit_rate(model, pool, world, u, np.random.default_rng(7)),
            "compat_auc": evaluate(model, general, seed=0).auc}


def simulate(base, world, u, args, seed: int, skipper: bool = False) -> list[dict]:
    """One user: reactions to suggestions, refits after each; rows per checkpoint and method.
    A `skipper` likes what they like and passes over the rest (rated -SKIP_WEIGHT)."""
    rng = np.random.default_rng(seed)
    owned = synthetic_outfits(args.wardrobe, world, seed=1000 + seed)
    pool = wardrobe_pool(owned)
    test = synthetic_outfits(1000, world, seed=2000 + seed)
    test.mask[:, 3] = False  # taste among complete base outfits
    test_taste = taste_of(world, test, u, np.random.default_rng(seed))
    general = synthetic_outfits(1000, world, seed=3000 + seed)
    events: list[OutfitSet] = []
    ratings: list[int] = []
    model: CompatModel = base
    rows, update_s = [], []
    seen: set = set()
    while len(ratings) < max(CHECKPOINTS):
        tops = pool["top"]
        a = int(rng.integers(len(tops[0])))
        for o in OutfitRanker(model).rank({"top": (tops[0][a], tops[1][a])}, pool, k=5,
                                          with_outerwear=False):
            key = tuple(sorted(o.items.items()))
            if key in seen or len(ratings) >= max(CHECKPOINTS):
                continue
            seen.add(key)
            outfit = outfit_of(pool, o.items)
            events.append(outfit)
            reaction = int(taste_of(world, outfit, u, rng)[0])
            ratings.append(-SKIP_WEIGHT if skipper and reaction < 0 else reaction)
            data = OutfitSet(np.concatenate([e.vectors for e in events]),
                             np.concatenate([e.mask for e in events]),
                             np.concatenate([e.category_grid() for e in events]))
            r = np.asarray(ratings)
            t0 = time.perf_counter()
            fit = fit_personal(base, data, r)
            update_s.append(time.perf_counter() - t0)
            model = PersonalModel(base, fit.w, features=fit.features)
            if len(ratings) in CHECKPOINTS:
                rows.append({"events": len(ratings), "method": "personal", "adopted": fit.adopted,
                             **measure(model, pool, world, u, test, test_taste, general, rng)})
                rows.append({"events": len(ratings), "method": "base",
                             **measure(base, pool, world, u, test, test_taste, general, rng)})
                liked = data.subset(np.flatnonzero(r > 0))
                if len(liked) >= 4:
                    if (r <= -1).any():
                        liked.hard_negatives = data.subset(np.flatnonzero(r <= -1))
                    scratch, _ = train(liked, TrainConfig(epochs=60, seed=0, batch_size=64, val_fraction=0.0))
                    rows.append({"events": len(ratings), "method": "scratch",
                                 **measure(scratch, pool, world, u, test, test_taste, general, rng)})
    rows.append({"update_s_at_50": update_s[-1]})
    return rows


class TrueTaste(CompatModel):
    """The personal layer's form with the *hidden* taste itself as the item preference:
    p_i = gate(c · u·style_i) (shoes, which see the style without its sign, get 0): what the
    form gives with perfect knowledge of the taste, a reference for the fitted layer."""

    name = "true taste"
    version = "true-taste"
    input_dim = None
    categories = None

    def __init__(self, base: CompatModel, world: SyntheticWorld, u: np.ndarray, c: float) -> None:
        self.base, self.world, self.u, self.c = base, world, u, c

    def project(self, category, x, partner=None):  # type: ignore[no-untyped-def]
        raise NotImplementedError("scores only (not for the ranker)")

    def score(self, vectors, mask, categories):  # type: ignore[no-untyped-def]
        cats = np.broadcast_to(np.asarray(categories, dtype=object), np.shape(mask))
        data = OutfitSet(np.asarray(vectors, np.float32), np.asarray(mask, bool), np.array(cats))
        pairs = PairData.build(self.base, data.vectors, data.mask, cats)
        p = gate(self.c * np.nan_to_num(item_styles(self.world, data) @ self.u))
        i, j = (np.array(x) for x in zip(*pairs.pairs, strict=True))
        total = (pairs.sims * (1 + (p[:, i] + p[:, j]) / 2) * pairs.valid).sum(1)
        return total / np.maximum(pairs.valid.sum(1), 1)


def balanced(base, world, u, seed: int) -> dict[str, float]:
    """The target: 30 liked + 30 disliked compatible outfits of the user's taste (u None: a
    user without taste, whose 60 reactions are coin flips)."""
    rng = np.random.default_rng(seed)
    pool = synthetic_outfits(400, world, seed=4000 + seed)
    pool.mask[:, 3] = False
    taste = taste_of(world, pool, u if u is not None else rng.standard_normal(world.spec.style_dim), rng)
    pick = np.concatenate([np.flatnonzero(taste > 0)[:30], np.flatnonzero(taste < 0)[:30]])
    reactions = taste[pick] if u is not None else rng.permutation(taste[pick])
    data = pool.subset(pick)
    fit = fit_personal(base, data, reactions)
    test = synthetic_outfits(1000, world, seed=2000 + seed)
    test.mask[:, 3] = False
    t_taste = taste_of(world, test, u, rng)
    general = synthetic_outfits(1000, world, seed=3000 + seed)
    out: dict[str, float] = {}
    models = [("base", base), ("personal", PersonalModel(base, fit.w, features=fit.features))]
    if u is not None:
        models.append(("ceiling", TrueTaste(base, world, u, c=8.0)))
    for name, model in models:
        s = score_outfits(model, test.vectors, test.mask, test.category_grid())
        out[name + "_pref"] = roc_auc(s[t_taste > 0], s[t_taste < 0])
        out[name + "_compat"] = evaluate(model, general, seed=0).auc
    # the same person with 200 events: the update time the app pays after a reaction
    big = synthetic_outfits(200, world, seed=5000 + seed)
    big.mask[:, 3] = False
    t0 = time.perf_counter()
    fit_personal(base, big, taste_of(world, big, u, rng))
    out["update_s_200"] = time.perf_counter() - t0
    out["adopted"] = float(fit.adopted)
    return out


def target_table(base, world, n_users: int) -> None:
    """Mean and worst case over users with a taste and users without (seeds 200 on)."""
    print(f"\n| {n_users} users each, 30 liked + 30 disliked | base pref | personal pref | "
          "compat change (personal − base) | adopted | update, 200 events | true-taste ceiling "
          "pref / compat change |")
    print("|---|---|---|---|---|---|---|")
    for kind in ("taste", "no taste"):
        rows = []
        for i in range(n_users):
            seed = 200 + i
            u = np.random.default_rng(seed).standard_normal(world.spec.style_dim) if kind == "taste" else None
            rows.append(balanced(base, world, u, seed))
        get = lambda key, rows=rows: np.array([r[key] for r in rows])  # noqa: E731
        drop = get("personal_compat") - get("base_compat")
        adopted = int(get("adopted").sum())
        if kind == "taste":
            pref = f"{get('base_pref').mean():.3f} (worst {get('base_pref').min():.3f})"
            mine = f"{get('personal_pref').mean():.3f} (worst {get('personal_pref').min():.3f})"
            ceiling_drop = get("ceiling_compat") - get("base_compat")
            ceiling = (f"{get('ceiling_pref').mean():.3f} (worst {get('ceiling_pref').min():.3f}) / "
                       f"worst {ceiling_drop.min():+.3f}")
        else:
            pref = mine = ceiling = "— (coin flips)"
        print(f"| {kind} | {pref} | {mine} | mean {drop.mean():+.3f}, worst {drop.min():+.3f} | "
              f"{adopted}/{n_users} | mean {get('update_s_200').mean():.2f} s, "
              f"worst {get('update_s_200').max():.2f} s | {ceiling} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--wardrobe", type=int, default=40, help="outfits whose items a user owns")
    parser.add_argument("--users", type=int, default=2, help="users with a taste (plus one without)")
    parser.add_argument("--target-users", type=int, default=20,
                        help="users with a taste (and as many without) for the 30 + 30 target")
    parser.add_argument("--skip-simulation", action="store_true", help="only the 30 + 30 target")
    parser.add_argument("--skipping-only", action="store_true", help="simulate only the skipping users")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.quick:
        args.n_train, args.epochs, args.users, args.target_users = 600, 2, 1, 2
    world = make_world(SyntheticSpec(), world_seed=0)
    t0 = time.perf_counter()
    base, _ = train(synthetic_outfits(args.n_train, world, seed=1),
                    TrainConfig(epochs=args.epochs, val_fraction=0.0))
    prior = "none (plain ridge)" if base.style_prior is None else f"{base.style_prior.shape[1]} directions"
    maps = "none (the latent)" if not base.style_features else f"{len(base.style_features)} categories"
    print(f"base: {args.n_train} outfits, {args.epochs} epochs, {time.perf_counter() - t0:.0f} s; "
          f"style prior: {prior}; style features: {maps}", flush=True)
    if not args.skip_simulation:
        tastes = [(f"taste {i + 1}", np.random.default_rng(50 + i).standard_normal(world.spec.style_dim))
                  for i in range(args.users)]
        users = [(name, u, n, False) for n, (name, u) in enumerate(tastes)]
        users += [("no taste", None, len(tastes), False)]
        users += [(f"{name}, skipping", u, n, True) for n, (name, u) in enumerate(tastes)]
        if args.skipping_only:
            users = [user for user in users if user[3]]
        print("\n| user | events | method | preference_auc | hit@5 | compat_auc | adopted |")
        print("|---|---|---|---|---|---|---|")
        for name, u, n, skipper in users:
            for row in simulate(base, world, u, args, seed=n, skipper=skipper):
                if "method" not in row:
                    print(f"<!-- {name}: update after event 50: {row['update_s_at_50']:.2f} s -->")
                    continue
                print(f"| {name} | {row['events']} | {row['method']} | {row['preference_auc']:.3f} | "
                      f"{row['hit@5']:.2f} | {row['compat_auc']:.3f} | {row.get('adopted', '')} |",
                      flush=True)
    if args.target_users > 0:
        target_table(base, world, args.target_users)


if __name__ == "__main__":
    main()
