"""The round-7 estimators, shipped in round 9 (models.personal.logistic_direction on outfit
means, models.style_features.reliability; benchmarks/personal_direction.py keeps the pair
differences, issue 12): the L2 logistic direction finds a planted direction from 60 reactions,
and the per-category reliability gives a category that does not see the shared style a weight
near zero, one that does a weight near one."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from personal_direction import logistic_direction

from models.data import OutfitSet
from models.personal import PairData, fit_preference, newton_logistic
from models.personal import logistic_direction as shipped_direction
from models.style_features import reliability, scaled_maps


def planted(n: int, d: int, seed: int) -> tuple[PairData, np.ndarray, np.ndarray]:
    """n outfits of 2 items with d features each; liked when the mean leans along a hidden u."""
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(d)
    latents = rng.standard_normal((n, 2, d))
    lean = latents.mean(1) @ u
    ratings = np.where(lean > 0, 1.0, -1.0)
    data = PairData(((0, 1),), np.ones((n, 1)), np.ones((n, 1), bool), latents, np.ones((n, 2), bool))
    return data, ratings, u


@pytest.mark.parametrize("pairs", [False, True])
def test_the_logistic_direction_points_along_the_planted_taste_with_unit_spread(pairs: bool) -> None:
    data, ratings, u = planted(60, 16, 0)
    direction = logistic_direction(data, ratings, 0.001, pairs)
    cosine = direction @ u / np.linalg.norm(direction) / np.linalg.norm(u)
    assert cosine > 0.8
    assert np.std(data.latents[data.present] @ direction) == pytest.approx(1.0)
    # reversing every reaction reverses the direction; a side missing gives no direction
    np.testing.assert_allclose(logistic_direction(data, -ratings, 0.001, pairs), -direction, atol=1e-8)
    assert not np.any(logistic_direction(data, np.ones(60), 0.001, pairs))


def test_the_shipped_direction_is_the_benchmarks_on_outfit_means_and_weighs_skips_by_rating() -> None:
    data, ratings, u = planted(60, 16, 3)
    np.testing.assert_array_equal(shipped_direction(data, ratings), logistic_direction(data, ratings, 0.001, False))
    # a negative of weight 0.2 (a skipped suggestion) pulls less than a dislike: with every
    # negative turned into a skip, the direction still points along the taste
    weak = np.where(ratings < 0, -0.2, 1.0)
    direction = shipped_direction(data, weak)
    assert direction @ u / np.linalg.norm(direction) / np.linalg.norm(u) > 0.8
    assert not np.allclose(direction, shipped_direction(data, ratings))


def test_a_strong_penalty_shrinks_toward_the_difference_of_the_means() -> None:
    data, ratings, _ = planted(60, 16, 1)
    x = data.latents.mean(1)
    centroid = x[ratings > 0].mean(0) - x[ratings < 0].mean(0)
    direction = logistic_direction(data, ratings, 1e4, False)
    cosine = direction @ centroid / np.linalg.norm(direction) / np.linalg.norm(centroid)
    assert cosine > 0.999


def test_reliability_is_high_for_categories_sharing_the_style_and_near_zero_for_noise() -> None:
    rng = np.random.default_rng(2)
    n, d = 2000, 6
    style = rng.standard_normal((n, d))
    vectors = np.stack([style + 0.3 * rng.standard_normal((n, d)),  # top: sees the style
                        style + 0.3 * rng.standard_normal((n, d)),  # bottom: sees the style
                        rng.standard_normal((n, d))], axis=1)  # shoes: noise only
    cats = np.array(["top", "bottom", "shoes"], dtype=object)
    data = OutfitSet(vectors.astype(np.float32), np.ones((n, 3), bool), np.tile(cats, (n, 1)))
    maps = {c: (np.eye(d, dtype=np.float32), np.zeros(d, np.float32)) for c in cats}
    rho = reliability(maps, data)
    assert rho["shoes"] < 0.1 < 0.5 < rho["top"] and rho["bottom"] > 0.5
    scaled = scaled_maps(maps, rho)
    np.testing.assert_allclose(scaled["top"][0], np.eye(d) * rho["top"], rtol=1e-6)
    np.testing.assert_array_equal(scaled["top"][1], maps["top"][1])


def test_outfits_that_differ_only_by_rounding_give_no_direction_and_no_error() -> None:
    """The same outfit liked, disliked and skipped (a tiny spread, eight features always zero):
    the outfits differ by rounding only, so the fit finds nothing to read (before the check it
    raised a singular-matrix error, or fitted a direction to the rounding)."""
    rng = np.random.default_rng(2415)
    rng.integers(4, 70)
    one = rng.standard_normal((7, 3, 16))[0] * 1e-3
    one[:, :8] = 0
    latents = np.repeat(one[None], 7, axis=0)
    data = PairData(((0, 1), (0, 2), (1, 2)), np.ones((7, 3)), np.ones((7, 3), bool), latents,
                    np.ones((7, 3), bool))
    ratings = np.array([1.0, -1.0, 1.0, -0.2, -0.2, 1.0, -0.2])
    direction = shipped_direction(data, ratings)
    assert np.isfinite(direction).all()
    assert not np.any(fit_preference(data, ratings, logistic=True))


def test_a_singular_newton_system_takes_a_least_squares_step_instead_of_raising() -> None:
    """Two identical columns and no penalty: the Hessian is exactly singular."""
    rng = np.random.default_rng(5)
    col = rng.standard_normal(20)
    x = np.stack([col, col, np.ones(20)], axis=1)
    y = np.where(col + 0.5 * rng.standard_normal(20) > 0, 1.0, -1.0)
    beta = newton_logistic(x, y, np.full(20, 1 / 20), np.zeros(3))
    assert np.isfinite(beta).all()
    assert beta[0] == pytest.approx(beta[1])  # the minimum-norm step splits the shared column
    assert beta[0] + beta[1] > 0  # and leans with the labels
