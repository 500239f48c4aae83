"""The round-8 measurement's scale choice (benchmarks/personal_scale.py, issue 12): the scale
chosen by held-out preference AUC grows when the base's compatibility differences run against the
taste (only a sharp gate can overturn them), and the guard statistic it yields is a held-out one:
on shuffled reactions (no taste) it stays below the adopt margin."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from personal_scale import GRID, cv_fit, cv_guard, cv_scale

from models.personal import FEATURES_ADOPT_MARGIN, PairData, ridge_direction, weighted_auc


def planted(n: int, d: int, seed: int, against: float) -> tuple[PairData, np.ndarray]:
    """n outfits of 2 items with d features; liked when the mean leans along a hidden u; the
    base's pair similarity is `against` lower for liked outfits than for disliked ones."""
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(d)
    latents = rng.standard_normal((n, 2, d))
    ratings = np.where(latents.mean(1) @ u > 0, 1.0, -1.0)
    sims = (0.6 - against * (ratings > 0) + 0.02 * rng.standard_normal(n))[:, None]
    return PairData(((0, 1),), sims, np.ones((n, 1), bool), latents, np.ones((n, 2), bool)), ratings


@pytest.mark.parametrize("seed", [0, 1])
def test_the_scale_grows_when_the_base_runs_against_the_taste(seed: int) -> None:
    free, ratings = planted(60, 8, seed, against=0.0)
    opposed, opposed_ratings = planted(60, 8, seed, against=0.4)
    assert weighted_auc(opposed.base_scores(), opposed_ratings) < 0.1  # the base prefers the disliked
    c_free, auc_free = cv_scale(free, ratings)
    c_opposed, _ = cv_scale(opposed, opposed_ratings)
    assert c_free in GRID and auc_free > 0.9
    assert c_opposed == GRID[-1] > c_free  # only the sharpest gate overturns the base's differences
    # the fit is that scale times the round-6 direction fitted on all events
    np.testing.assert_allclose(cv_fit(free, ratings), c_free * ridge_direction(free, ratings), rtol=1e-5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_guard_statistic_is_held_out_so_shuffled_reactions_are_not_adopted(seed: int) -> None:
    data, ratings = planted(60, 16, seed, against=0.0)
    assert cv_guard(data, ratings) > FEATURES_ADOPT_MARGIN  # a real taste passes
    shuffled = np.random.default_rng(seed + 99).permutation(ratings)
    assert cv_guard(data, shuffled) < FEATURES_ADOPT_MARGIN
