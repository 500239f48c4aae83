"""One calibration (or report) user of the personal-layer benchmarks, built in one place.

Why: benchmarks/personal_features.py, personal_direction.py, personal_prior.py, personal_scale.py and
personal_levers.py compare estimators on the same users: the same wardrobe, 30 liked + 30
disliked reactions (benchmarks/personal.py's taste model), held-out and general outfits. Built
once here, they cannot drift apart between the scripts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from personal import taste_of

from models.compat import CompatModel, load_model
from models.config import TrainConfig
from models.data import OutfitSet
from models.evaluate import evaluate, roc_auc
from models.personal import PairData
from models.synthetic import SyntheticWorld, synthetic_outfits
from models.train import train


def calibration_base(world: SyntheticWorld, saved: str | None = None) -> tuple[OutfitSet, CompatModel]:
    """The base's 3,000 training outfits of `world` and the base: loaded from the folder `saved`
    (trained once by this same code), else trained here (10 epochs, no validation split)."""
    training = synthetic_outfits(3000, world, seed=1)
    base = load_model(saved) if saved else train(training, TrainConfig(epochs=10, val_fraction=0.0))[0]
    return training, base


def _compatible(world: SyntheticWorld, n: int, seed: int) -> OutfitSet:
    """n compatible outfits without outerwear (the slot the personal benchmarks leave empty)."""
    data = synthetic_outfits(n, world, seed=seed)
    data.mask[:, 3] = False
    return data


@dataclass(frozen=True)
class User:
    """A user of seed `seed` and what the benchmarks measure the personal layer on."""

    seed: int
    u: np.ndarray  # the hidden taste direction in the world's style space
    pool: OutfitSet  # the wardrobe: 400 compatible outfits
    pick: np.ndarray  # the 30 liked + 30 disliked of them, in that order
    sub: OutfitSet  # pool.subset(pick)
    r: np.ndarray  # the reactions to them (+1 / -1, float)
    shuffled: np.ndarray  # the same reactions shuffled: a user without a taste
    test: OutfitSet  # 1,000 held-out compatible outfits
    test_taste: np.ndarray  # the user's taste of each of them (+1 / -1)
    general: OutfitSet  # 1,000 general outfits, for the compatibility AUC
    train: PairData  # the base's pairs of the 60 reacted outfits
    test_pairs: PairData  # the base's pairs of the held-out outfits
    base_pref: float  # the base's preference AUC on the held-out outfits
    base_compat: float  # the base's compatibility AUC on the general outfits

    def labelled(self, world: SyntheticWorld, base: CompatModel) -> tuple[OutfitSet, PairData, np.ndarray]:
        """2,000 more compatible outfits with the user's taste (what the oracle direction is
        fitted on): the outfits, the base's pairs of them and the taste as floats."""
        big = _compatible(world, 2000, 6000 + self.seed)
        taste = taste_of(world, big, self.u, np.random.default_rng(self.seed)).astype(float)
        return big, PairData.build(base, big.vectors, big.mask, big.category_grid()), taste


def calibration_user(world: SyntheticWorld, base: CompatModel, seed: int) -> User:
    """The user of `seed` (seeds 100 on of world 1 calibrate; 200 on of world 0 report)."""
    u = np.random.default_rng(seed).standard_normal(world.spec.style_dim)
    rng = np.random.default_rng(seed)
    pool = _compatible(world, 400, 4000 + seed)
    t = taste_of(world, pool, u, rng)
    pick = np.concatenate([np.flatnonzero(t > 0)[:30], np.flatnonzero(t < 0)[:30]])
    r = t[pick].astype(float)
    test = _compatible(world, 1000, 2000 + seed)
    test_taste = taste_of(world, test, u, rng)
    general = synthetic_outfits(1000, world, seed=3000 + seed)
    sub = pool.subset(pick)
    test_pairs = PairData.build(base, test.vectors, test.mask, test.category_grid())
    base_scores = test_pairs.base_scores()
    return User(
        seed=seed, u=u, pool=pool, pick=pick, sub=sub, r=r,
        shuffled=np.random.default_rng(seed + 999).permutation(r), test=test, test_taste=test_taste,
        general=general, train=PairData.build(base, sub.vectors, sub.mask, sub.category_grid()),
        test_pairs=test_pairs,
        base_pref=roc_auc(base_scores[test_taste > 0], base_scores[test_taste < 0]),
        base_compat=evaluate(base, general, seed=0).auc)
