"""The generator-aware score (models/worlds_oracle.py) uses each rule of a world it knows: it
beats raw cosine, and knowing a rule (a non-linear view, the or-rule) beats not knowing it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from models.compat import identity
from models.evaluate import evaluate
from models.worlds import WorldSpec, make_world, world_outfits
from models.worlds_oracle import WorldOracle

DIM = 64
BASE = WorldSpec(dim=DIM, style_dim=8, noise=0.8, nuisance=0.0, p_staple=0.0, p_or_rule=0.0)
LINEAR = {"top": "linear", "bottom": "linear", "shoes": "linear", "outerwear": "linear", "onepiece": "linear"}


def auc(oracle_spec: WorldSpec, data_spec: WorldSpec, n: int = 800) -> float:
    data = world_outfits(n, make_world(data_spec, 0), seed=3).outfits
    return evaluate(WorldOracle(make_world(oracle_spec, 0)), data, seed=0).auc


def test_oracle_sees_through_the_nuisance_that_fools_raw_cosine() -> None:
    spec = replace(BASE, nuisance=0.8)
    data = world_outfits(800, make_world(spec, 0), seed=3).outfits
    assert evaluate(identity(), data, seed=0).auc < 0.6
    assert evaluate(WorldOracle(make_world(spec, 0)), data, seed=0).auc > 0.95


def test_knowing_a_square_view_beats_assuming_it_is_linear() -> None:
    spec = replace(BASE, views={**LINEAR, "bottom": "square", "shoes": "square"})
    right = auc(spec, spec)
    wrong = auc(replace(spec, views=LINEAR), spec)  # same maps, views taken to be linear
    assert right > 0.95 and right > wrong + 0.1  # 0.9997 vs 0.73


def test_knowing_a_tanh_view_beats_assuming_it_is_linear() -> None:
    spec = replace(BASE, views={**LINEAR, "bottom": "tanh", "shoes": "tanh"})
    right = auc(spec, spec)
    wrong = auc(replace(spec, views=LINEAR), spec)
    assert right > 0.9 and right > wrong + 0.1  # 0.976 vs 0.60


def test_knowing_the_or_rule_helps() -> None:
    spec = replace(BASE, p_or_rule=0.9, p_onepiece=0.0, noise=1.2)
    assert auc(spec, spec, n=600) > auc(replace(spec, p_or_rule=0.0), spec, n=600) + 0.01  # 0.996 vs 0.977


def test_staples_carry_no_information_and_single_items_are_not_scored() -> None:
    spec = replace(BASE, p_staple=1.0)  # every item a staple
    data = world_outfits(50, make_world(spec, 0), seed=3).outfits
    scores = WorldOracle(make_world(spec, 0)).score(data.vectors, data.mask, data.category_grid())
    assert np.allclose(scores, 0.0, atol=1e-5)  # up to rounding of the absent-site constant
    one = data.mask.copy()
    one[:, 1:] = False
    single = WorldOracle(make_world(spec, 0)).score(data.vectors, one, data.category_grid())
    assert np.isnan(single).all()
