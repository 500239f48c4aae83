"""OutfitRanker against a brute-force oracle that scores every outfit with `model.score`."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from base.vocabulary import ONEPIECE
from core.ranking.ranker import RANK_SLOTS, OutfitRanker, RankedOutfit, weakest_pair
from models.compat import CompatModel, identity, l2_normalise
from models.personal import PersonalModel

DIM = 8
GAP = 1e-5  # scores closer than this are near-ties: float32 oracle vs float64 ranker may differ


class PartnerAwareModel(CompatModel):
    """A type-aware model: one random linear map per (category, partner), to catch mixed-up pairs."""

    name = "partner-aware-test"

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)
        self._maps: dict[tuple[str, str | None], np.ndarray] = {}

    @property
    def version(self) -> str:
        return "partner-aware-test-1"

    def project(self, category: str, x: np.ndarray, partner: str | None = None) -> np.ndarray:
        key = (category, partner)
        if key not in self._maps:
            self._maps[key] = self._rng.standard_normal((x.shape[1], DIM)).astype(np.float32)
        return l2_normalise(np.asarray(x, dtype=np.float32) @ self._maps[key])


def random_wardrobe(rng: np.random.Generator, sizes: dict[str, int]) -> dict:
    pool = {}
    for slot, n in sizes.items():
        ids = [f"{slot[:2]}{i}" for i in rng.permutation(n)]
        pool[slot] = (ids, rng.standard_normal((n, DIM)).astype(np.float32))
    return pool


EXTRAS = ("outerwear", "bag", "accessory")
COLUMN = {"top": 0, ONEPIECE: 0, "bottom": 1, "shoes": 2, "outerwear": 3, "bag": 4, "accessory": 5}


def oracle(model, anchors, pool, exclude=frozenset(), with_outerwear=None):
    """Every valid outfit with its best choice of extras (layer, bag, accessory), scored by
    model.score, best first; equal scores prefer fewer extras, then smaller ids in slot order."""
    locked = {a[0] for a in anchors.values()}
    cand = {}
    for slot in RANK_SLOTS:
        if slot in anchors:
            cand[slot] = [(anchors[slot][0], np.asarray(anchors[slot][1], np.float32))]
        else:
            ids, x = pool.get(slot, ([], np.zeros((0, DIM))))
            cand[slot] = [(i, x[n]) for n, i in enumerate(ids) if i not in exclude and i not in locked]
    if ONEPIECE in anchors:
        cand["top"], cand["bottom"] = [], []
    if "top" in anchors or "bottom" in anchors:
        cand[ONEPIECE] = []
    if "outerwear" in anchors or with_outerwear is True:
        layers = cand["outerwear"]
    elif with_outerwear is False:
        layers = [None]
    else:
        layers = [None, *cand["outerwear"]]
    # an anchored bag or accessory is always in; otherwise each is optional
    bags = cand["bag"] if "bag" in anchors else [None, *cand["bag"]]
    trims = cand["accessory"] if "accessory" in anchors else [None, *cand["accessory"]]
    bases = [{"top": t, "bottom": b, "shoes": s}
             for t, b, s in itertools.product(cand["top"], cand["bottom"], cand["shoes"])]
    bases += [{ONEPIECE: p, "shoes": s} for p, s in itertools.product(cand[ONEPIECE], cand["shoes"])]
    rows, owners = [], []
    for n, base in enumerate(bases):
        for extras in itertools.product(layers, bags, trims):
            outfit = {**base, **{s: v for s, v in zip(EXTRAS, extras, strict=True) if v is not None}}
            rows.append(outfit)
            owners.append(n)
    if not rows:
        return []
    vectors = np.zeros((len(rows), 6, DIM), np.float32)
    mask = np.zeros((len(rows), 6), bool)
    cats = np.empty((len(rows), 6), object)
    cats[:] = ["top", "bottom", "shoes", *EXTRAS]
    for r, outfit in enumerate(rows):
        for slot, (_, x) in outfit.items():
            vectors[r, COLUMN[slot]], mask[r, COLUMN[slot]] = x, True
            if slot == ONEPIECE:
                cats[r, 0] = ONEPIECE
    scores = model.score(vectors, mask, cats)
    options: dict[int, list[tuple[float, int, tuple[str, ...], dict]]] = {}
    for r, outfit in enumerate(rows):
        extra_ids = tuple(outfit[s][0] if s in outfit else "" for s in EXTRAS)  # "" = absent
        options.setdefault(owners[r], []).append(
            (float(scores[r]), sum(1 for e in extra_ids if e), extra_ids,
             {s: v[0] for s, v in outfit.items()}))
    ranked = []  # (score, items, margin to the base's runner-up choice of extras)
    for opts in options.values():
        opts.sort(key=lambda o: (-o[0], o[1], o[2]))  # best score; ties: fewer extras, smaller ids
        margin = opts[0][0] - opts[1][0] if len(opts) > 1 else np.inf
        ranked.append((opts[0][0], opts[0][3], margin))
    ranked.sort(key=lambda e: (-e[0], tuple(e[1].get(s, "") for s in RANK_SLOTS)))
    return ranked


def assert_matches_oracle(ranker, model, anchors, pool, k, exclude=frozenset(),
                          with_outerwear=None) -> bool:
    """True when the lists were compared item by item (no near-ties made that ambiguous)."""
    got = ranker.rank(anchors, pool, k=k, exclude=exclude, with_outerwear=with_outerwear)
    want = oracle(model, anchors, pool, exclude, with_outerwear)
    assert len(got) == min(k, len(want))
    for g, (score, _, _) in zip(got, want, strict=False):
        assert g.score == pytest.approx(score, abs=GAP)
        assert np.mean(list(g.pair_scores.values())) == pytest.approx(g.score, abs=1e-12)
    assert [g.score for g in got] == sorted((g.score for g in got), reverse=True)
    scores = [s for s, _, _ in want[: k + 1]]
    ambiguous = any(a - b < GAP for a, b in itertools.pairwise(scores))
    ambiguous |= any(m < GAP for _, _, m in want[:k])
    if not ambiguous:
        assert [g.items for g in got] == [items for _, items, _ in want[:k]]
    return not ambiguous


ANCHOR_CHOICES = [(), ("top",), ("bottom",), ("shoes",), ("outerwear",), (ONEPIECE,),
                  ("top", "shoes"), ("bottom", "outerwear"), (ONEPIECE, "shoes"),
                  ("top", "bottom", "shoes", "outerwear"), (ONEPIECE, "outerwear"),
                  ("accessory",), ("bag",), ("top", "accessory"), (ONEPIECE, "bag", "accessory"),
                  ("outerwear", "bag")]


def gated_model(members: int = 1, offset: bool = False, anti_dim: int = 0) -> CompatModel:
    """A learned towers model with an item gate (issue 11): projections of norm g in (0, 1), so
    pairs score g_a·g_b·cos; random weights, gates spread widely, pair masks made to differ.
    With `members` > 1, that many such nets scored together (their mean pair score); with `offset`, each
    pair also less a learned β of its category pair; with `anti_dim`, that many latent coordinates count
    against each other across a pair (issue 11, round 10)."""
    import torch

    from models.compat import LearnedCompatModel, build_net
    from models.config import DEFAULT_MODEL

    torch.manual_seed(5)
    net = build_net(replace(DEFAULT_MODEL, item_gate=True, input_dim=DIM, hidden_dim=16, latent_dim=8, members=members,
                            pair_offset=offset, anti_dim=anti_dim))
    with torch.no_grad():
        for member in getattr(net, "members", [net]):
            member.gate.weight.normal_(0.0, 1.0)
            member.pair_mask.uniform_(0.2, 2.0)
            if offset:  # β from 0.05 to 0.97, one per category pair (issue 11, round 9)
                member.pair_offset.uniform_(-3.0, 0.5)
    return LearnedCompatModel(net)


def make_model(model_name: str) -> CompatModel:
    """identity, a type-aware model, a gated learned model, or identity / the type-aware model
    with a personal preference folded into its pairs."""
    if model_name == "gated":
        return gated_model()
    if model_name == "ensemble":
        return gated_model(members=3)
    if model_name == "offset-ensemble":
        return gated_model(members=3, offset=True)
    if model_name == "anti-ensemble":
        return gated_model(members=2, offset=True, anti_dim=3)
    base = PartnerAwareModel(7) if model_name.endswith("partner-aware") else identity()
    if model_name.startswith("personal-style"):
        # round 6: the preference read from style maps of the raw item (one category without a
        # map: p = 0 there), not from the base's latent
        rng = np.random.default_rng(12)
        base.style_features = {c: (rng.standard_normal((DIM, 3)).astype(np.float32),
                                   rng.standard_normal(DIM).astype(np.float32) * 0.1)
                               for c in RANK_SLOTS if c != "outerwear"}
        return PersonalModel(base, rng.standard_normal(3).astype(np.float32), features="style")
    if model_name.startswith("personal"):
        w = np.random.default_rng(11).standard_normal(DIM).astype(np.float32) * 2
        return PersonalModel(base, w)
    return base


@pytest.mark.parametrize("model_name", ["identity", "partner-aware", "personal-identity",
                                        "personal-partner-aware", "personal-style-partner-aware", "gated",
                                        "ensemble", "offset-ensemble", "anti-ensemble"])
def test_exact_against_brute_force_on_random_wardrobes(model_name):
    rng = np.random.default_rng(20240611)
    model = make_model(model_name)
    ranker = OutfitRanker(model)
    compared = 0
    cases = 0
    for case in range(160):
        sizes = {slot: int(rng.integers(0, 5)) for slot in RANK_SLOTS}
        sizes["shoes"] = max(sizes["shoes"], 1)
        pool = random_wardrobe(rng, sizes)
        chosen = ANCHOR_CHOICES[case % len(ANCHOR_CHOICES)]
        anchors = {s: (f"anchor-{s}", rng.standard_normal(DIM).astype(np.float32)) for s in chosen}
        all_ids = [i for ids, _ in pool.values() for i in ids]
        exclude = frozenset(i for i in all_ids if rng.random() < 0.2)
        modes = [None, True, False] if "outerwear" not in anchors else [None, True]
        with_outerwear = modes[case % len(modes)]
        k = int(rng.integers(1, 9))
        compared += assert_matches_oracle(ranker, model, anchors, pool, k, exclude, with_outerwear)
        cases += 1
    assert compared >= 0.9 * cases  # near-ties are rare: almost every case is compared item-wise


def test_larger_pools_use_bounds_and_stay_exact():
    """Pools large enough for several blocks and real pruning, still equal to brute force."""
    rng = np.random.default_rng(3)
    model = identity()
    ranker = OutfitRanker(model)
    pool = random_wardrobe(rng, {"top": 12, "bottom": 15, "shoes": 11, "outerwear": 9, ONEPIECE: 6})
    anchors = {"top": ("t*", rng.standard_normal(DIM).astype(np.float32))}
    for mode in (None, True, False):
        assert assert_matches_oracle(ranker, model, anchors, pool, 10, with_outerwear=mode)
    assert assert_matches_oracle(ranker, model, {}, pool, 25)


def test_personal_term_weights_each_pair_and_changes_the_ranking():
    """Each pair is weighted by 1 + (p_a + p_b)/2; the ranker stays exact (larger pools, bounds,
    layers) and the preference moves the ranking; a zero preference ranks as the base."""
    rng = np.random.default_rng(5)
    base = PartnerAwareModel(3)
    pool = random_wardrobe(rng, {"top": 9, "bottom": 10, "shoes": 8, "outerwear": 6, ONEPIECE: 4})
    w = 3 * rng.standard_normal(DIM).astype(np.float32)
    personal = PersonalModel(base, w)
    ranker = OutfitRanker(personal)
    for mode in (None, True, False):
        assert assert_matches_oracle(ranker, personal, {}, pool, 15, with_outerwear=mode)
    slots = ("top", "bottom", "shoes")
    x = np.stack([pool[s][1][0] for s in slots])[None]
    p = {s: personal.preference(s, x[0, n : n + 1])[0] for n, s in enumerate(slots)}
    pairs = [(a, b, base.pair_similarity(a, x[0, slots.index(a)][None], b,
                                         x[0, slots.index(b)][None])[0, 0])
             for a, b in itertools.combinations(slots, 2)]
    want = np.mean([sim * (1 + (p[a] + p[b]) / 2) for a, b, sim in pairs])  # the definition
    assert personal.score(x, np.ones((1, 3), bool), list(slots))[0] == pytest.approx(want, abs=1e-5)
    assert personal.pair_similarity("top", x[0, :1], "shoes", x[0, 2:])[0, 0] == pytest.approx(
        pairs[1][2] * (1 + (p["top"] + p["shoes"]) / 2), abs=1e-5)
    plain = [o.items for o in OutfitRanker(base).rank({}, pool, k=10)]
    assert [o.items for o in ranker.rank({}, pool, k=10)] != plain
    assert [o.items for o in OutfitRanker(PersonalModel(base, np.zeros(DIM))).rank({}, pool, k=10)] == plain


def test_block_search_splits_rows_and_prunes(monkeypatch):
    """Force tiny blocks so the row-block loop, block bounds and early exit are all exercised."""
    import core.ranking.search as search

    monkeypatch.setattr(search, "BLOCK_ELEMENTS", 16)
    rng = np.random.default_rng(11)
    model = identity()
    pool = random_wardrobe(rng, {"top": 6, "bottom": 20, "shoes": 9, "outerwear": 5})
    for anchors in ({}, {"shoes": ("s*", rng.standard_normal(DIM).astype(np.float32))}):
        for mode in (None, True, False):
            assert assert_matches_oracle(OutfitRanker(model), model, anchors, pool, 7,
                                         with_outerwear=mode)


def test_outerwear_modes():
    rng = np.random.default_rng(5)
    pool = random_wardrobe(rng, {"top": 3, "bottom": 3, "shoes": 3, "outerwear": 4})
    anchor = {"top": ("t*", rng.standard_normal(DIM).astype(np.float32))}
    ranker = OutfitRanker(identity())
    forced = ranker.rank(anchor, pool, k=50, with_outerwear=True)
    never = ranker.rank(anchor, pool, k=50, with_outerwear=False)
    auto = ranker.rank(anchor, pool, k=50)
    assert len(forced) == len(never) == len(auto) == 9  # each base once
    assert all("outerwear" in o.items for o in forced)
    assert not any("outerwear" in o.items for o in never)
    base = {tuple(o.items[s] for s in ("bottom", "shoes")): o for o in never}
    with_layer = {tuple(o.items[s] for s in ("bottom", "shoes")): o for o in forced}
    for o in auto:  # the layer is there exactly when it raises the score
        key = tuple(o.items[s] for s in ("bottom", "shoes"))
        assert o.score == pytest.approx(max(base[key].score, with_layer[key].score), abs=1e-12)
        assert ("outerwear" in o.items) == (with_layer[key].score > base[key].score)
    jacket = {"outerwear": ("o*", rng.standard_normal(DIM).astype(np.float32))}
    assert all(o.items["outerwear"] == "o*" for o in ranker.rank(jacket, pool, k=50))
    no_layers = {s: v for s, v in pool.items() if s != "outerwear"}
    assert ranker.rank(anchor, no_layers, with_outerwear=True) == []


def test_onepiece_rules():
    rng = np.random.default_rng(9)
    pool = random_wardrobe(rng, {"top": 3, "bottom": 3, "shoes": 3, ONEPIECE: 3})
    ranker = OutfitRanker(identity())
    dress = {ONEPIECE: ("d*", rng.standard_normal(DIM).astype(np.float32))}
    result = ranker.rank(dress, pool, k=100)
    assert len(result) == 3 and all(set(o.items) == {ONEPIECE, "shoes"} for o in result)
    assert all(set(o.pair_scores) == {(ONEPIECE, "shoes")} for o in result)
    top = {"top": ("t*", rng.standard_normal(DIM).astype(np.float32))}
    assert all(ONEPIECE not in o.items for o in ranker.rank(top, pool, k=100))
    shoes = {"shoes": ("s*", rng.standard_normal(DIM).astype(np.float32))}
    mixed = ranker.rank(shoes, pool, k=100)
    assert len(mixed) == 9 + 3  # both shapes compete when only the shoes are locked
    with pytest.raises(ValueError, match="one-piece anchor"):
        ranker.rank({**dress, **top}, pool)


def test_excluded_never_and_anchors_always():
    rng = np.random.default_rng(13)
    pool = random_wardrobe(rng, {"top": 4, "bottom": 4, "shoes": 4, "outerwear": 3})
    ranker = OutfitRanker(identity())
    exclude = frozenset(pool["bottom"][0][:3]) | {pool["shoes"][0][0]}
    anchors = {"top": ("t*", rng.standard_normal(DIM).astype(np.float32)),
               "shoes": ("s*", rng.standard_normal(DIM).astype(np.float32))}
    result = ranker.rank(anchors, pool, k=100, exclude=exclude | {"t*"})
    assert len(result) == 1  # one bottom left, shoes locked: a single base
    assert result[0].items["top"] == "t*" and result[0].items["shoes"] == "s*"
    assert result[0].items["bottom"] == pool["bottom"][0][3]


def test_diversity_property_and_quality():
    rng = np.random.default_rng(17)
    pool = random_wardrobe(rng, {"top": 8, "bottom": 8, "shoes": 8, "outerwear": 6, ONEPIECE: 5})
    ranker = OutfitRanker(PartnerAwareModel(3))
    for anchors in ({"top": ("t*", rng.standard_normal(DIM).astype(np.float32))}, {}):
        plain = ranker.rank(anchors, pool, k=8)
        diverse = ranker.rank(anchors, pool, k=8, diversity=0.5)
        assert len(diverse) == 8
        for a, b in itertools.combinations(diverse, 2):
            shared = (set(a.items.values()) & set(b.items.values())) - {"t*"}
            assert len(shared) <= 1
        assert diverse[0].items == plain[0].items  # the best outfit always survives
        exact_keys = {tuple(sorted(o.items.items())) for o in ranker.rank(anchors, pool, k=10**6)}
        assert all(tuple(sorted(o.items.items())) in exact_keys for o in diverse)
    assert len({tuple(o.items.values()) for o in plain}) == len(plain)


def test_pair_scores_and_weakest_pair():
    rng = np.random.default_rng(19)
    model = PartnerAwareModel(5)
    pool = random_wardrobe(rng, {"top": 3, "bottom": 3, "shoes": 3, "outerwear": 3})
    for outfit in OutfitRanker(model).rank({}, pool, k=20, with_outerwear=True):
        assert len(outfit.pair_scores) == 6
        assert np.mean(list(outfit.pair_scores.values())) == pytest.approx(outfit.score, abs=1e-12)
        for (a, b), value in outfit.pair_scores.items():
            xa = pool[a][1][pool[a][0].index(outfit.items[a])][None]
            xb = pool[b][1][pool[b][0].index(outfit.items[b])][None]
            assert value == pytest.approx(float(model.pair_similarity(a, xa, b, xb)[0, 0]), abs=1e-5)
        weakest = weakest_pair(outfit)
        assert outfit.pair_scores[weakest] == min(outfit.pair_scores.values())
    made_up = RankedOutfit({"top": "a", "bottom": "b", "shoes": "c"}, 0.0,
                           {("top", "bottom"): 0.2, ("top", "shoes"): -0.4, ("bottom", "shoes"): 0.2})
    assert weakest_pair(made_up) == ("top", "shoes")


def test_ties_are_broken_by_ids_whatever_the_pool_order():
    rng = np.random.default_rng(23)
    same = rng.standard_normal(DIM).astype(np.float32)
    ids = ["b3", "b1", "b2", "b0"]
    pool = {"bottom": (ids, np.stack([same] * 4)),
            "shoes": (["s1", "s0"], np.stack([rng.standard_normal(DIM).astype(np.float32)] * 2))}
    anchors = {"top": ("t", rng.standard_normal(DIM).astype(np.float32))}
    ranker = OutfitRanker(identity())
    result = ranker.rank(anchors, pool, k=5)
    assert len({o.score for o in result}) == 1  # every outfit ties exactly
    assert [(o.items["bottom"], o.items["shoes"]) for o in result] == [
        ("b0", "s0"), ("b0", "s1"), ("b1", "s0"), ("b1", "s1"), ("b2", "s0")]
    order = rng.permutation(4)
    shuffled = {"bottom": ([ids[n] for n in order], pool["bottom"][1][order]), "shoes": pool["shoes"]}
    assert [o.items for o in ranker.rank(anchors, shuffled, k=5)] == [o.items for o in result]


def test_empty_and_insufficient_pools_give_no_outfits():
    rng = np.random.default_rng(29)
    ranker = OutfitRanker(identity())
    top = {"top": ("t", rng.standard_normal(DIM).astype(np.float32))}
    assert ranker.rank({}, {}) == []
    assert ranker.rank(top, random_wardrobe(rng, {"bottom": 3})) == []  # no shoes
    pool = random_wardrobe(rng, {"bottom": 2, "shoes": 2})
    assert ranker.rank(top, pool, k=0) == []
    assert ranker.rank(top, pool, exclude=frozenset(pool["shoes"][0])) == []
    assert len(ranker.rank(top, pool, k=10)) == 4  # fewer outfits than k: all of them


def test_bad_input_is_refused_clearly():
    rng = np.random.default_rng(31)
    ranker = OutfitRanker(identity())
    pool = random_wardrobe(rng, {"bottom": 2, "shoes": 2})
    top = {"top": ("t", rng.standard_normal(DIM).astype(np.float32))}
    with pytest.raises(ValueError, match="unknown pool slot"):
        ranker.rank(top, {**pool, "hat": (["h"], np.ones((1, DIM)))})
    with pytest.raises(ValueError, match="slot 'shoes'"):
        ranker.rank(top, {**pool, "shoes": (["a", "b"], np.ones((3, DIM)))})
    with pytest.raises(ValueError, match="NaN"):
        ranker.rank(top, {**pool, "shoes": (["a"], np.full((1, DIM), np.nan))})
    with pytest.raises(ValueError, match="appears twice"):
        ranker.rank(top, {**pool, "shoes": (pool["bottom"][0][:1], np.ones((1, DIM)))})
    with pytest.raises(ValueError, match="embedding size"):
        ranker.rank(top, {**pool, "shoes": (["a"], np.ones((1, DIM + 1)))})
    with pytest.raises(ValueError, match="contradicts"):
        ranker.rank({"outerwear": ("o", np.ones(DIM))}, pool, with_outerwear=False)
    with pytest.raises(ValueError, match="k must be"):
        ranker.rank(top, pool, k=-1)
    with pytest.raises(ValueError, match="diversity"):
        ranker.rank(top, pool, diversity=2.0)


def test_projections_are_cached_per_model_version():
    rng = np.random.default_rng(37)
    ranker = OutfitRanker(identity())
    pool = random_wardrobe(rng, {"bottom": 5, "shoes": 5})
    ranker.rank({"top": ("t", rng.standard_normal(DIM).astype(np.float32))}, pool)
    misses = ranker.cache.misses
    ranker.rank({"top": ("t2", rng.standard_normal(DIM).astype(np.float32))}, pool)
    # only the new anchor is projected: one model call for both its partners (bottom, shoes)
    assert ranker.cache.misses - misses == 1
    assert len(ranker.cache) == 3 * 2 + 2  # 3 slots x 2 partners, + anchor 2


def test_bounds_prune_and_stay_exact():
    """Wardrobes big enough that the bounds skip work: the answer must not change."""
    rng = np.random.default_rng(41)
    model = PartnerAwareModel(11)
    pool = random_wardrobe(rng, {"top": 14, "bottom": 14, "shoes": 14, "outerwear": 12})
    ranker = OutfitRanker(model)
    anchor = {"bottom": ("b*", rng.standard_normal(DIM).astype(np.float32))}
    for anchors, mode in (({}, None), ({}, True), ({}, False), (anchor, None), (anchor, True)):
        assert assert_matches_oracle(ranker, model, anchors, pool, 10, with_outerwear=mode)
        stats = ranker.last_stats
        if mode is not False and not anchors:
            assert stats.layers_scored < stats.bases_scored  # most best-layer maxima skipped
    ranker.rank({}, pool, k=10, with_outerwear=False)
    assert ranker.last_stats.bases_scored < ranker.last_stats.outfits  # whole blocks skipped


def test_cached_blocks_follow_changed_embeddings():
    """The caches are keyed by content: editing a pool in place must not reuse stale similarities."""
    rng = np.random.default_rng(43)
    model = PartnerAwareModel(13)
    pool = random_wardrobe(rng, {"top": 4, "bottom": 5, "shoes": 5, "outerwear": 3})
    ranker = OutfitRanker(model)
    ranker.rank({}, pool, k=5)
    pool["shoes"][1][:] = rng.standard_normal(pool["shoes"][1].shape)  # same ids, same array
    assert ranker.blocks.hits == 0
    assert [o.items for o in ranker.rank({}, pool, k=5)] == \
        [o.items for o in OutfitRanker(model).rank({}, pool, k=5)]
    ranker.rank({"top": ("t*", rng.standard_normal(DIM).astype(np.float32))}, pool, k=5)
    assert ranker.blocks.hits >= 1  # unchanged pools: the (bottom, shoes) block was reused


def test_accessories_are_optional_pieces_chosen_exactly():
    """A bag and an accessory join an outfit exactly when they raise its score (brute force over
    every choice of layer, bag and accessory), with pools big enough for the bounds to prune."""
    rng = np.random.default_rng(47)
    model = PartnerAwareModel(17)
    pool = random_wardrobe(rng, {"top": 7, "bottom": 8, "shoes": 6, "outerwear": 4, ONEPIECE: 3,
                                 "bag": 3, "accessory": 5})
    ranker = OutfitRanker(model)
    seen = set()
    for anchors in ({}, {"shoes": ("s*", rng.standard_normal(DIM).astype(np.float32))}):
        for mode in (None, True, False):
            assert assert_matches_oracle(ranker, model, anchors, pool, 12, with_outerwear=mode)
            seen |= {frozenset(o.items) & {"bag", "accessory"}
                     for o in ranker.rank(anchors, pool, k=40, with_outerwear=mode)}
    # with and without each accessory slot: the choice really is made per outfit
    assert seen == {frozenset(), frozenset({"bag"}), frozenset({"accessory"}),
                    frozenset({"bag", "accessory"})}


def test_an_anchored_hat_is_in_every_outfit_and_picks_the_clothes():
    rng = np.random.default_rng(53)
    model = PartnerAwareModel(19)
    pool = random_wardrobe(rng, {"top": 5, "bottom": 5, "shoes": 4, "outerwear": 3, ONEPIECE: 2,
                                 "bag": 2, "accessory": 4})
    hat = {"accessory": ("hat*", rng.standard_normal(DIM).astype(np.float32))}
    ranker = OutfitRanker(model)
    result = ranker.rank(hat, pool, k=1000)
    assert len(result) == 5 * 5 * 4 + 2 * 4  # every base once
    assert all(o.items["accessory"] == "hat*" for o in result)
    assert all(("shoes", "accessory") in o.pair_scores for o in result)
    for mode in (None, True, False):
        assert assert_matches_oracle(ranker, model, hat, pool, 10, with_outerwear=mode)
    # the hat takes part in the score: its pairs are in every outfit's mean
    for o in result[:5]:
        assert np.mean(list(o.pair_scores.values())) == pytest.approx(o.score, abs=1e-12)
        assert sum(1 for pair in o.pair_scores if "accessory" in pair) == len(o.items) - 1
    bag = {"bag": ("bag*", rng.standard_normal(DIM).astype(np.float32))}
    assert all(o.items["bag"] == "bag*" for o in ranker.rank({**hat, **bag}, pool, k=50))
    assert ranker.rank(hat, {s: v for s, v in pool.items() if s != "shoes"}) == []  # no shoes


def test_diverse_results_with_accessories_stay_among_the_exact_ones():
    rng = np.random.default_rng(59)
    pool = random_wardrobe(rng, {"top": 5, "bottom": 5, "shoes": 5, "bag": 3, "accessory": 3})
    ranker = OutfitRanker(identity())
    exact = {tuple(sorted(o.items.items())) for o in ranker.rank({}, pool, k=10**6)}
    diverse = ranker.rank({}, pool, k=6, diversity=0.5)
    assert len(diverse) == 6 and all(tuple(sorted(o.items.items())) in exact for o in diverse)
    assert len(exact) == 125  # each base once, whatever extras it carries
