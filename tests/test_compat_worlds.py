"""The world family's knobs each change what they say, and the selection protocol keeps the
worlds a model is chosen on out of the report."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from base.vocabulary import ONEPIECE
from models.compat import identity
from models.evaluate import evaluate
from models.worlds import WorldSpec, draw_spec, gini, make_world, split_worlds, world, world_outfits

DIM = 64  # small worlds keep the tests fast
BASE = WorldSpec(dim=DIM, style_dim=8, noise=0.8, nuisance=0.0, p_staple=0.0, p_or_rule=0.0)


def outfits(spec: WorldSpec, n: int = 1500, seed: int = 1, world_id: int = 0):
    return world_outfits(n, make_world(spec, world_id), seed=seed)


def identity_auc(spec: WorldSpec, world_id: int = 0) -> float:
    return evaluate(identity(), outfits(spec, world_id=world_id).outfits, seed=0).auc


def test_worlds_are_deterministic_and_differ_from_each_other() -> None:
    a = world_outfits(50, world(3, dim=DIM), seed=5).outfits.vectors
    b = world_outfits(50, world(3, dim=DIM), seed=5).outfits.vectors
    c = world_outfits(50, world(4, dim=DIM), seed=5).outfits.vectors
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)
    specs = {repr(draw_spec(i)) for i in range(10)}
    assert len(specs) == 10  # every world draws its own rules


def test_drawn_knobs_stay_in_their_documented_ranges() -> None:
    for i in range(30):
        s = draw_spec(i, dim=DIM)
        assert 8 <= s.style_dim <= 32 and 0.0 <= s.map_sharing <= 0.8
        assert 1.0 <= s.noise <= 1.8 and 0.0 <= s.nuisance <= 1.0
        assert 0.2 <= s.p_outerwear <= 0.9 and 0.0 <= s.p_onepiece <= 0.3
        assert s.views["top"] == "linear" and s.views[ONEPIECE] == "linear"
    kinds = {v for i in range(30) for v in draw_spec(i).views.values()}
    assert kinds == {"linear", "square", "tanh"}  # the family does draw non-linear views


def test_missing_slot_rates_follow_the_knobs() -> None:
    data = outfits(replace(BASE, p_outerwear=0.3, p_onepiece=0.2), n=4000).outfits
    cats = data.category_grid()
    onepiece = cats[:, 0] == ONEPIECE
    assert abs(data.mask[:, 3].mean() - 0.3) < 0.03
    assert abs(onepiece.mean() - 0.2) < 0.03
    assert not data.mask[onepiece, 1].any()  # a one-piece leaves the bottom empty
    assert data.mask[~onepiece, 1].all()
    full = outfits(replace(BASE, p_outerwear=1.0, p_onepiece=0.0), n=500).outfits
    assert full.mask.all()


def test_popularity_skew_raises_the_gini_of_item_frequencies() -> None:
    def shoe_gini(spec: WorldSpec) -> float:
        ids = outfits(spec, n=3000).item_ids[:, 2]
        staples = np.bincount(ids[ids >= 0])
        staples = staples[staples > 0]  # items that appear at all
        one_offs = np.ones(int((ids == -1).sum()))  # each one-off item appears once
        return gini(np.concatenate([staples, one_offs]))

    flat = shoe_gini(replace(BASE, p_staple=0.0))
    some = shoe_gini(replace(BASE, p_staple=0.2, popularity=0.5))
    skewed = shoe_gini(replace(BASE, p_staple=0.2, popularity=1.5))
    assert flat == pytest.approx(0.0)
    assert some > 0.1 and skewed > some  # more staples, steeper Zipf: fewer items dominate


def test_staples_repeat_the_same_vector() -> None:
    wo = outfits(replace(BASE, p_staple=0.3, n_staples=5, p_onepiece=0.0), n=400)
    ids, x = wo.item_ids[:, 0], wo.outfits.vectors[:, 0]
    rows = np.flatnonzero(ids == ids[ids >= 0][0])
    assert rows.size > 5 and np.allclose(x[rows], x[rows[0]])


def test_nuisance_makes_raw_cosine_worse() -> None:
    spec = replace(BASE, map_sharing=0.7)  # shared maps: raw cosine sees part of the style
    clean = identity_auc(replace(spec, nuisance=0.0))
    misled = identity_auc(replace(spec, nuisance=1.0))
    assert clean > 0.8
    assert misled < clean - 0.1


def test_map_sharing_is_what_lets_raw_cosine_see_the_style() -> None:
    assert identity_auc(replace(BASE, map_sharing=0.0)) == pytest.approx(0.5, abs=0.04)
    assert identity_auc(replace(BASE, map_sharing=0.8)) > 0.85


def test_nonlinear_views_hide_the_style_from_a_linear_map() -> None:
    """With one shared map raw cosine sees the style between linear views; a square view of the
    shoes (s² − 1) removes the top-shoes agreement a linear comparison can see (E[s·(s²−1)] = 0)."""
    shared = replace(BASE, map_sharing=1.0, noise=0.5)

    def agreement(views: dict[str, str]) -> float:
        """Mean cosine of matching top-shoes pairs minus that of shuffled ones."""
        x = outfits(replace(shared, views=views, p_onepiece=0.0), n=1000).outfits.vectors
        matching = np.einsum("nd,nd->n", x[:, 0], x[:, 2]).mean()
        shuffled = np.einsum("nd,nd->n", x[:, 0], np.roll(x[:, 2], 1, axis=0)).mean()
        return float(matching - shuffled)

    linear = dict(BASE.views)
    assert agreement(linear) > 0.1
    assert abs(agreement({**linear, "shoes": "square"})) < 0.02


def test_or_rule_makes_shoes_agree_with_one_of_top_or_bottom() -> None:
    spec = replace(BASE, map_sharing=1.0, noise=0.3, common=0.0, category_offset=0.0, p_onepiece=0.0)
    wo = outfits(replace(spec, p_or_rule=1.0), n=2000)
    x = wo.outfits.vectors
    top_shoe = np.einsum("nd,nd->n", x[:, 0], x[:, 2])
    bottom_shoe = np.einsum("nd,nd->n", x[:, 1], x[:, 2])
    assert wo.or_rule.all()
    # Per outfit, the shoes follow one of them closely and the other only through the shared style.
    gap = np.abs(top_shoe - bottom_shoe)
    plain = outfits(spec, n=2000).outfits.vectors
    plain_gap = np.abs(np.einsum("nd,nd->n", plain[:, 0], plain[:, 2]) - np.einsum("nd,nd->n", plain[:, 1], plain[:, 2]))
    assert gap.mean() > 2 * plain_gap.mean()
    assert not outfits(spec, n=100).or_rule.any()


def test_bad_specs_are_refused_with_a_sentence() -> None:
    with pytest.raises(ValueError, match="n_nuisance"):
        WorldSpec(n_nuisance=2)
    with pytest.raises(ValueError, match="views"):
        WorldSpec(views={"top": "cubic"})


def test_selection_and_report_worlds_never_overlap() -> None:
    selection, report = split_worlds(range(24), 12, seed=0)
    assert not set(selection) & set(report)
    assert sorted(selection + report) == list(range(24))
    assert len(selection) == 12
    assert split_worlds(range(24), 12, seed=0) == (selection, report)  # the split is fixed
    for seed in range(20):
        sel, rep = split_worlds([5, 9, 11, 40, 41], 2, seed=seed)
        assert not set(sel) & set(rep) and len(sel) == 2 and len(rep) == 3
    with pytest.raises(ValueError, match="distinct"):
        split_worlds([1, 1, 2], 1)
    with pytest.raises(ValueError, match="n_selection"):
        split_worlds(range(4), 4)


def choosing_worlds() -> list[int]:
    """The worlds the selection scripts accept: the fixed split's selection half, then 24-29 and 42-47."""
    return split_worlds(range(24), 12, seed=0)[0] + list(range(24, 30)) + list(range(42, 48))


REPORT_WORLDS = split_worlds(range(24), 12, seed=0)[1]


def assert_refused(script: str, args: list[str], world_id: int) -> None:
    """`benchmarks/<script> ARGS` exits before anything is trained (nothing printed), naming the
    world it refuses and the list of worlds that may choose."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(root / "benchmarks" / script), *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and done.stdout == ""
    assert f"world {world_id} is not a selection world ({choosing_worlds()})" in done.stderr


def test_quadratic_selection_script_refuses_report_worlds() -> None:
    """benchmarks/compat_quadratic.py chooses the default's variants: a report world is refused
    before anything is trained, and its selection list is the benchmark's fixed split."""
    report = REPORT_WORLDS[0]
    assert_refused("compat_quadratic.py", ["50", str(choosing_worlds()[0]), str(report)], report)


def test_gate_selection_script_refuses_fresh_worlds() -> None:
    """benchmarks/compat_gate.py chooses the default's variants: a world drawn after round 7 (the
    benchmark's `--part fresh`, ids 24-71) is unseen by every choice, so it is refused like a report
    world — except 24-29 and 42-47, whose specs a diagnosis read (they may choose from round 11 on)."""
    for fresh in (30, 36, 48, 53, 59, 65, 71):
        assert_refused("compat_gate.py", ["50", str(fresh), "--variants", "r6_members2_e12"], fresh)


def test_memorisation_script_refuses_never_used_worlds() -> None:
    """benchmarks/compat_memorisation.py diagnoses a world that may choose: a never-used fresh
    world (48) and a report world are refused before anything is trained."""
    for wid in (48, REPORT_WORLDS[0]):
        assert_refused("compat_memorisation.py", [str(wid), "50"], wid)


def test_ablation_script_refuses_report_worlds() -> None:
    """benchmarks/compat_ablation.py diagnoses a selection world: a report world is refused before
    anything is trained, naming the benchmark's fixed selection list."""
    assert_refused("compat_ablation.py", ["50", str(REPORT_WORLDS[0])], REPORT_WORLDS[0])


def test_ablation_variants_switch_exactly_one_knob() -> None:
    """Each ablation variant differs from the drawn spec in the one knob it names, and keeps the
    world's random maps (same shapes, so `make_world` draws the same maps)."""
    import sys
    from dataclasses import fields
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from compat_ablation import VARIANTS

    spec = draw_spec(17)
    knob = {"unchanged": set(), "linear_views": {"views"}, "no_staples": {"p_staple"},
            "no_or_rule": {"p_or_rule"}, "half_noise": {"noise"}, "no_nuisance": {"nuisance"}}
    assert set(VARIANTS) == set(knob)
    base = make_world(spec, 17)
    for name, change in VARIANTS.items():
        v = change(spec)
        changed = {f.name for f in fields(spec) if getattr(v, f.name) != getattr(spec, f.name)}
        assert changed == knob[name], name
        np.testing.assert_array_equal(make_world(v, 17).maps["shoes"], base.maps["shoes"])
    assert set(VARIANTS["linear_views"](spec).views.values()) == {"linear"}
    assert VARIANTS["half_noise"](spec).noise == spec.noise / 2


def test_gate_selection_script_refuses_report_worlds() -> None:
    """benchmarks/compat_gate.py chooses the item gate / rarity weighting: a report world is
    refused before anything is trained, naming the benchmark's fixed selection list."""
    report = REPORT_WORLDS[-1]
    assert_refused("compat_gate.py", ["50", str(choosing_worlds()[0]), str(report)], report)


def test_realistic_staples_look_like_ordinary_items() -> None:
    """`--realistic-staples`: staples get a style, noise and a nuisance like any item (so their
    norm before normalisation is an ordinary item's, not the noise's alone); maps unchanged."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from compat_gate import realistic_staples

    w = make_world(draw_spec(17), 17)
    r = realistic_staples(w, 17)
    assert r.maps is w.maps and set(r.staples) == set(w.staples)
    for c in w.staples:
        assert r.staples[c].shape == w.staples[c].shape
        assert np.linalg.norm(r.staples[c], axis=1).mean() > 1.1 * np.linalg.norm(w.staples[c], axis=1).mean()
    ids = world_outfits(300, r, seed=1).item_ids
    assert (ids >= 0).any()  # staples still recur


def test_sixth_round_variants_change_one_thing_of_the_default() -> None:
    """Round 6 probed 30 epochs, 512-wide towers and no dropout: each variant is round 5's default
    (`gate_rarity_quad128`) with exactly the named change, so the README's rows compare like with
    like; the 512-wide towers became the default."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from compat_gate import VARIANTS

    from models.config import (
        ROUND5_DEFAULT,
        ROUND6_DEFAULT,
        ROUND7_DEFAULT,
        ROUND8_DEFAULT,
        ROUND9_DEFAULT,
        ROUND10_DEFAULT,
        TrainConfig,
    )

    r5 = VARIANTS["gate_rarity_quad128"]
    assert r5 == ROUND5_DEFAULT and VARIANTS["r5_hidden512"] == ROUND6_DEFAULT
    assert VARIANTS["r6_members2_e12"] == ROUND7_DEFAULT  # round 7's choice
    assert VARIANTS["r7_members3_e12"] == ROUND8_DEFAULT  # round 8's choice
    assert VARIANTS["r8_offset_gatefit_m2"] == ROUND9_DEFAULT  # round 9's choice
    assert VARIANTS["r8_offset_gatefit"] == replace(ROUND9_DEFAULT, model=replace(ROUND9_DEFAULT.model, members=3))
    assert VARIANTS["r9_indrop"] == ROUND10_DEFAULT  # round 10's choice
    assert VARIANTS["r9_indrop_one"] == replace(ROUND10_DEFAULT, model=replace(ROUND10_DEFAULT.model, members=1))
    assert VARIANTS["r10_one"] == VARIANTS["r9_indrop_one"]
    for p in (3, 4, 5):  # round 11: only the input dropout differs from round 10's nets
        assert VARIANTS[f"r10_indrop{p}"] == replace(ROUND10_DEFAULT, model=replace(ROUND10_DEFAULT.model, input_dropout=p / 10))
        assert VARIANTS[f"r10_indrop{p}_one"].model == replace(VARIANTS[f"r10_indrop{p}"].model, members=1)
    assert VARIANTS["r8_one"] == replace(ROUND8_DEFAULT, model=replace(ROUND8_DEFAULT.model, members=1))
    assert VARIANTS["r7_members3_e8"] == replace(ROUND7_DEFAULT, model=replace(ROUND7_DEFAULT.model, members=3),
                                                 epochs=8, lr_step=3)
    assert VARIANTS["r5_epochs30"] == replace(r5, epochs=30, lr_step=12)
    assert VARIANTS["r5_hidden512"] == replace(r5, model=replace(r5.model, hidden_dim=512))
    assert VARIANTS["r5_dropout0"] == replace(r5, model=replace(r5.model, dropout=0.0))
    assert r5.model.hidden_dim == 256 and r5.model.dropout == 0.1 and (r5.epochs, r5.lr_step) == (20, 8)
    # round 15: only the principal subspace's rank differs from round 10's two nets, and 64 became the default
    for k in (32, 64, 128):
        assert VARIANTS[f"r10_rank{k}"] == replace(ROUND10_DEFAULT, model=replace(ROUND10_DEFAULT.model, input_rank=k))
    assert VARIANTS["r10_rank64"] == TrainConfig()
