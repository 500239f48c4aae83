"""A *family* of synthetic outfit worlds, each with its own randomly drawn rules.

`models/synthetic.py` is one world the model was designed around; a model tuned there can fail on
another (issue 11). Here every world draws its own `WorldSpec` (`draw_spec(world_id)`), so a model
can be chosen on some worlds and measured on others it never saw (`split_worlds`).

Every outfit has a latent style s ~ N(0, I_m). The knobs, per world:
- `style_dim` m: how many independent style factors there are.
- `map_sharing` a in [0, 1]: each category sees its style through the linear map
  √a·M + √(1−a)·M_c (M shared by all categories, M_c its own). a = 1: one map, so matching items
  point the same way and raw cosine already sees part of the style; a = 0: unrelated directions.
- `views`: per outfit slot, "linear" (the map above), or a non-linear view before the map:
  "square" (s² − 1: only how extreme each factor is, not its sign) or "tanh" (tanh of a random
  mixing of s, saturating).
- `style`, `noise`: norms of the style signal and of isotropic noise (the signal-to-noise ratio).
- `nuisance`, `n_nuisance`: a nuisance factor shared across categories (lighting, background):
  each item is photographed under one of `n_nuisance` conditions, and the items of one outfit
  under *different* ones, so raw cosine prefers wrong pairs that share a condition.
- `common`, `category_offset`: a direction shared by every item and one per category (as real
  CLIP embeddings have); they carry no compatibility.
- `p_outerwear`, `p_onepiece`: missing slots. Outerwear is present in that fraction of outfits;
  a one-piece (stored in the top slot, category "onepiece") replaces top and bottom.
- `p_staple`, `popularity`: popularity skew. With probability `p_staple` a slot holds one of
  `n_staples` staple items of its category (white sneakers, blue jeans), drawn with Zipf weights
  1/rank^`popularity`; a staple is style-neutral (it goes with anything), so it appears in many
  outfits and carries no signal.
- `p_or_rule`: a higher-order rule. In that fraction of outfits, top and bottom each add a
  private style part (t, b) to s, and the shoes agree with the top's style (s + t) *or* the
  bottom's (s + b), never both: a pairwise model sees only half of the shoe's agreement.
The world's random maps come from `world_id`; outfits from `seed`, so train and test sets drawn
with different seeds share one world.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from base.vocabulary import ONEPIECE, OUTFIT_SLOTS, SLOTS
from models.compat import l2_normalise
from models.data import OutfitSet

VIEWS: tuple[str, ...] = ("linear", "square", "tanh")
NONLINEAR_SLOTS: tuple[str, ...] = ("bottom", "shoes", "outerwear")  # a top is always linear
TANH_RMS = 0.735  # √E[tanh(1.5·z)²] for z ~ N(0, 1): keeps the tanh view at unit scale


@dataclass(frozen=True)
class WorldSpec:
    """One world's rules; see the module docstring for what each knob does."""

    dim: int = 512
    style_dim: int = 16
    map_sharing: float = 0.0
    views: dict[str, str] = field(default_factory=lambda: {c: "linear" for c in OUTFIT_SLOTS})
    style: float = 1.0
    noise: float = 1.5
    nuisance: float = 0.8
    n_nuisance: int = 6
    common: float = 1.0
    category_offset: float = 0.5
    p_outerwear: float = 0.5
    p_onepiece: float = 0.15
    p_staple: float = 0.0
    n_staples: int = 40
    popularity: float = 1.0
    p_or_rule: float = 0.0

    def __post_init__(self) -> None:
        if self.n_nuisance < len(SLOTS):
            raise ValueError(f"n_nuisance must be >= {len(SLOTS)} (one distinct condition per slot)")
        unknown = set(self.views.values()) - set(VIEWS)
        if unknown or set(self.views) != set(OUTFIT_SLOTS):
            raise ValueError(f"views must map every slot of {OUTFIT_SLOTS} to one of {VIEWS}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Ranges each knob is drawn from (uniform unless noted); worlds are meant to be hard but learnable.
def draw_spec(world_id: int, dim: int = 512) -> WorldSpec:
    """The random rules of world `world_id` (deterministic in it)."""
    rng = np.random.default_rng([11, world_id])
    views = {c: "linear" for c in OUTFIT_SLOTS}
    n_nonlinear = int(rng.integers(0, 3))  # 0, 1 or 2 slots see the style non-linearly
    for slot in rng.choice(NONLINEAR_SLOTS, size=n_nonlinear, replace=False):
        views[str(slot)] = str(rng.choice(VIEWS[1:]))
    views[ONEPIECE] = views["top"]
    return WorldSpec(
        dim=dim,
        style_dim=int(rng.integers(8, 33)),
        map_sharing=float(rng.choice([0.0, rng.uniform(0.0, 0.8)])),
        views=views,
        style=1.0,
        noise=float(rng.uniform(1.0, 1.8)),
        nuisance=float(rng.uniform(0.0, 1.0)),
        n_nuisance=int(rng.integers(5, 11)),
        common=float(rng.uniform(0.5, 1.5)),
        category_offset=float(rng.uniform(0.2, 0.8)),
        p_outerwear=float(rng.uniform(0.2, 0.9)),
        p_onepiece=float(rng.uniform(0.0, 0.3)),
        p_staple=float(rng.uniform(0.0, 0.3)),
        n_staples=int(rng.integers(20, 81)),
        popularity=float(rng.uniform(0.5, 1.5)),
        p_or_rule=float(rng.choice([0.0, rng.uniform(0.3, 1.0)])),
    )


@dataclass(frozen=True)
class World:
    spec: WorldSpec
    maps: dict[str, np.ndarray]  # category -> (dim, style_dim)
    mixes: dict[str, np.ndarray]  # category -> (style_dim, style_dim), for the tanh view
    offsets: dict[str, np.ndarray]  # category -> (dim,)
    nuisances: np.ndarray  # (n_nuisance, dim) unit vectors
    common: np.ndarray  # (dim,)
    staples: dict[str, np.ndarray]  # category -> (n_staples, dim) noise-and-nuisance-free items


def make_world(spec: WorldSpec, world_id: int = 0) -> World:
    """The random maps of a world with rules `spec`."""
    rng = np.random.default_rng([12, world_id])
    d, m = spec.dim, spec.style_dim
    shared = rng.standard_normal((d, m)) / np.sqrt(d)
    a = spec.map_sharing
    maps = {c: np.sqrt(a) * shared + np.sqrt(1 - a) * rng.standard_normal((d, m)) / np.sqrt(d) for c in OUTFIT_SLOTS}
    mixes = {c: rng.standard_normal((m, m)) / np.sqrt(m) for c in OUTFIT_SLOTS}
    offsets = {c: l2_normalise(rng.standard_normal(d)) for c in OUTFIT_SLOTS}
    nuisances = l2_normalise(rng.standard_normal((spec.n_nuisance, d)))
    common = l2_normalise(rng.standard_normal(d))
    staples = {c: rng.standard_normal((spec.n_staples, d)) * (spec.noise / np.sqrt(d)) for c in OUTFIT_SLOTS}
    return World(spec, maps, mixes, offsets, nuisances, common, staples)


def world(world_id: int, dim: int = 512) -> World:
    """World number `world_id` of the family: its drawn rules and maps."""
    return make_world(draw_spec(world_id, dim), world_id)


def _view(w: World, category: str, style: np.ndarray) -> np.ndarray:
    """The style as `category` sees it, with E‖·‖² ≈ 1 per factor (so views compare in size)."""
    kind = w.spec.views[category]
    if kind == "square":
        return (style**2 - 1.0) / np.sqrt(2.0)
    if kind == "tanh":
        return np.tanh(1.5 * style @ w.mixes[category].T) / TANH_RMS
    return style


def _items(w: World, category: str, style: np.ndarray, nuisance: np.ndarray, staple: np.ndarray,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Item vectors of one category and their item ids (staples: their index; others: -1)."""
    spec = w.spec
    n = style.shape[0]
    signal = _view(w, category, style) @ w.maps[category].T * (spec.style / np.sqrt(spec.style_dim))
    noise = rng.standard_normal((n, spec.dim)) * (spec.noise / np.sqrt(spec.dim))
    x = signal + noise + spec.nuisance * w.nuisances[nuisance]
    ids = np.full(n, -1, dtype=np.int64)
    if staple.any():
        weights = 1.0 / np.arange(1, spec.n_staples + 1) ** spec.popularity
        pick = rng.choice(spec.n_staples, size=int(staple.sum()), p=weights / weights.sum())
        x[staple] = w.staples[category][pick]  # a staple: no style, always the same vector
        ids[staple] = pick
    x = x + spec.common * w.common + spec.category_offset * w.offsets[category]
    return l2_normalise(x), ids


@dataclass
class WorldOutfits:
    """Outfits of a world plus what generated them (item ids of staples, -1 for one-off items)."""

    outfits: OutfitSet
    item_ids: np.ndarray  # (N, K) staple index, or -1 (a one-off item), or -2 (absent)
    or_rule: np.ndarray  # (N,) bool: the shoes followed only the top or only the bottom


def world_outfits(n: int, w: World, seed: int = 0) -> WorldOutfits:
    """`n` outfits of world `w` (slots top, bottom, shoes, outerwear; one-pieces in the top slot)."""
    spec = w.spec
    rng = np.random.default_rng(seed)
    style = rng.standard_normal((n, spec.style_dim))
    k = len(SLOTS)
    nuisance = np.argsort(rng.random((n, spec.n_nuisance)), axis=1)[:, :k]  # distinct per outfit
    onepiece = rng.random(n) < spec.p_onepiece
    mask = np.ones((n, k), dtype=bool)
    mask[:, 1] = ~onepiece
    mask[:, 3] = rng.random(n) < spec.p_outerwear
    cats = np.tile(np.asarray(SLOTS, dtype=object), (n, 1))
    cats[onepiece, 0] = ONEPIECE
    # The or-rule: private parts for top and bottom, shoes follow one of them.
    or_rule = (rng.random(n) < spec.p_or_rule) & ~onepiece
    private_top = rng.standard_normal((n, spec.style_dim))
    private_bottom = rng.standard_normal((n, spec.style_dim))
    follow_top = rng.random(n) < 0.5
    styles = {slot: style.copy() for slot in SLOTS}
    # s + t has twice the variance of s: scale by 1/√2 so every view keeps unit factors.
    top_style = (style + private_top) / np.sqrt(2.0)
    bottom_style = (style + private_bottom) / np.sqrt(2.0)
    styles["top"][or_rule] = top_style[or_rule]
    styles["bottom"][or_rule] = bottom_style[or_rule]
    styles["shoes"][or_rule] = np.where(follow_top[or_rule, None], top_style[or_rule], bottom_style[or_rule])
    staple = rng.random((n, k)) < spec.p_staple
    x = np.zeros((n, k, spec.dim), dtype=np.float32)
    ids = np.full((n, k), -2, dtype=np.int64)
    for j, slot in enumerate(SLOTS):
        for category in (slot, ONEPIECE) if slot == "top" else (slot,):
            rows = np.flatnonzero(mask[:, j] & (cats[:, j] == category))
            if rows.size:
                x[rows, j], ids[rows, j] = _items(w, category, styles[slot][rows], nuisance[rows, j], staple[rows, j], rng)
    return WorldOutfits(OutfitSet(x, mask, cats), ids, or_rule)


def split_worlds(world_ids: list[int] | range, n_selection: int, seed: int = 0) -> tuple[list[int], list[int]]:
    """Disjoint (selection, report) worlds: choose a model on the first, report on the second.

    The split is a permutation of `world_ids` (distinct), so no world can be in both lists.
    """
    ids = list(world_ids)
    if len(set(ids)) != len(ids):
        raise ValueError("world ids must be distinct")
    if not 0 < n_selection < len(ids):
        raise ValueError(f"need 0 < n_selection < {len(ids)} worlds, got {n_selection}")
    order = np.random.default_rng([13, seed]).permutation(len(ids))
    selection = sorted(ids[i] for i in order[:n_selection])
    report = sorted(ids[i] for i in order[n_selection:])
    return selection, report


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of item frequencies: 0 = every item equally often, → 1 = a few dominate."""
    c = np.sort(np.asarray(counts, dtype=np.float64))
    if c.size == 0 or c.sum() == 0:
        return 0.0
    cum = np.cumsum(c)
    return float((c.size + 1 - 2 * (cum / cum[-1]).sum()) / c.size)
