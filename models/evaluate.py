"""The fixed evaluation protocol: compatibility AUC and fill-in-the-blank (FITB) accuracy.

On an outfit set (an `.npz` or `.json` is entirely test data):
- AUC: positives are the outfits; each gets one negative where every present slot is replaced by
  the same slot's item (same category) from a random other outfit, the donors of one negative all
  different outfits (so a negative is never a real outfit of the set). ROC AUC of the scores.
- FITB: for each outfit, blank one random present slot among top (or one-piece), bottom and
  shoes; the candidates are the true item and 3 items of that slot from 3 random other outfits.
  Correct when the true item scores strictly highest (ties count as wrong).
On a Polyvore folder, its own `fill_in_blank_test.json` and `compatibility_test.txt` are used.
All random draws come from `numpy.random.default_rng(seed)`, so results are deterministic.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

from base.vocabulary import BOTTOM, ONEPIECE, SHOES, TOP
from models.compat import CompatModel, LearnedCompatModel
from models.data import OutfitSet

if TYPE_CHECKING:
    from models.polyvore import ItemBag, ItemEmbedder, PolyvoreFolder

FITB_CATEGORIES = frozenset({TOP, ONEPIECE, BOTTOM, SHOES})
N_CANDIDATES = 4
MAX_REDRAWS = 100


@dataclass(frozen=True)
class Evaluation:
    auc: float
    fitb_accuracy: float
    n_outfits: int  # outfits (or Polyvore compatibility outfits) scored for AUC
    n_fitb: int  # FITB questions asked
    mean_negative_score: float  # mean score of random-item outfits: near 1 = a collapsed space
    sd_negative_score: float  # their spread: near 0 = a collapsed space
    protocol: str = "outfits"

    def to_dict(self) -> dict[str, float | int | str]:
        return asdict(self)


def roc_auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(score of a random positive > a random negative), ties counted half (Mann-Whitney U)."""
    pos = np.asarray(positive, dtype=np.float64)
    neg = np.asarray(negative, dtype=np.float64)
    pos, neg = pos[~np.isnan(pos)], neg[~np.isnan(neg)]
    if pos.size == 0 or neg.size == 0:
        return float("nan")
    _values, inverse, counts = np.unique(np.concatenate([pos, neg]), return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0  # 1-based, ties averaged
    rank_sum = average_rank[inverse[: pos.size]].sum()
    return float((rank_sum - pos.size * (pos.size + 1) / 2.0) / (pos.size * neg.size))


def score_outfits(model: CompatModel, vectors: np.ndarray, mask: np.ndarray, categories: np.ndarray) -> np.ndarray:
    """Outfit scores; a learned model uses its single torch pass (same numbers as `score`)."""
    if isinstance(model, LearnedCompatModel):
        return model.torch_score(vectors, mask, categories)
    return model.score(vectors, mask, categories)


def _slot_groups(mask: np.ndarray, cats: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(slot, sorted row indices) for every (slot, category) with an item present."""
    groups = []
    for k in range(mask.shape[1]):
        for c in sorted(set(cats[mask[:, k], k].tolist())):
            groups.append((k, np.flatnonzero(mask[:, k] & (cats[:, k] == c))))
    return groups


def _other_members(rng: np.random.Generator, group: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """(len(rows), n) distinct members of `group` other than each row (needs len(group) > n)."""
    pos = np.searchsorted(group, rows)
    offsets = rng.integers(1, group.size, size=(rows.size, n))
    for _ in range(MAX_REDRAWS):
        dup = np.zeros(offsets.shape, dtype=bool)
        for a in range(1, n):
            dup[:, a] = (offsets[:, :a] == offsets[:, a : a + 1]).any(1)
        if not dup.any():
            break
        offsets[dup] = rng.integers(1, group.size, size=int(dup.sum()))
    return group[(pos[:, None] + offsets) % group.size]


def auc_negatives(data: OutfitSet, rng: np.random.Generator) -> np.ndarray:
    """(N, K) donor outfit per slot (-1 where absent or no other outfit has that slot)."""
    cats = data.category_grid()
    donors = np.full(data.mask.shape, -1, dtype=np.int64)
    groups = _slot_groups(data.mask, cats)
    for k, group in groups:
        if group.size > 1:
            donors[group, k] = _other_members(rng, group, group, 1)[:, 0]
    for _ in range(MAX_REDRAWS):  # one negative's donors should be different outfits
        clash = np.zeros(donors.shape, dtype=bool)
        for j in range(1, donors.shape[1]):
            clash[:, j] = ((donors[:, :j] == donors[:, j : j + 1]) & (donors[:, j : j + 1] >= 0)).any(1)
        if not clash.any():
            break
        for k, group in groups:
            rows = group[clash[group, k]]
            if rows.size and group.size > 1:
                donors[rows, k] = _other_members(rng, group, rows, 1)[:, 0]
    return donors


def evaluate(model: CompatModel, data: OutfitSet, seed: int = 0) -> Evaluation:
    """AUC and FITB of `model` on `data` with the fixed protocol (module docstring).
    ModelMismatch when the model cannot score this data's embeddings."""
    rng = np.random.default_rng(seed)
    cats = np.array(data.category_grid(), dtype=object)
    model.check_inputs(data.dim, cats[data.mask].tolist())
    n, k = data.mask.shape
    rows = np.arange(n)[:, None]
    positives = score_outfits(model, data.vectors, data.mask, cats)

    donors = auc_negatives(data, rng)
    take = np.where(donors >= 0, donors, rows)
    neg_vectors = data.vectors[take, np.arange(k)]
    negatives = score_outfits(model, neg_vectors, data.mask, cats)
    auc = roc_auc(positives, negatives)

    # FITB: one blank per outfit among eligible slots, 3 distractors of the same slot and category.
    blank = np.full(n, -1, dtype=np.int64)
    distractors = np.full((n, N_CANDIDATES - 1), -1, dtype=np.int64)
    eligible = data.mask & np.isin(cats, list(FITB_CATEGORIES)) & (data.mask.sum(1) >= 2)[:, None]
    for slot, group in _slot_groups(data.mask, cats):
        if group.size < N_CANDIDATES:
            eligible[group, slot] = False
    keys = np.where(eligible, rng.random(eligible.shape), -1.0)
    asked = eligible.any(1)
    blank[asked] = keys[asked].argmax(1)
    for slot, group in _slot_groups(data.mask, cats):
        members = group[blank[group] == slot]
        if members.size:
            distractors[members] = _other_members(rng, group, members, N_CANDIDATES - 1)
    q = np.flatnonzero(asked)
    cand_scores = np.empty((q.size, N_CANDIDATES), dtype=np.float32)
    cand_scores[:, 0] = positives[q]
    for c in range(N_CANDIDATES - 1):
        vectors = data.vectors[q].copy()
        vectors[np.arange(q.size), blank[q]] = data.vectors[distractors[q, c], blank[q]]
        cand_scores[:, c + 1] = score_outfits(model, vectors, data.mask[q], cats[q])
    correct = cand_scores[:, 0] > cand_scores[:, 1:].max(1)
    return Evaluation(
        auc=auc,
        fitb_accuracy=float(correct.mean()) if q.size else float("nan"),
        n_outfits=int(np.isfinite(positives).sum()),
        n_fitb=int(q.size),
        mean_negative_score=float(np.nanmean(negatives)),
        sd_negative_score=float(np.nanstd(negatives)),
    )


def _bag_arrays(
    outfits: list[list[tuple[str, str]]], vectors: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Variable-length (category, item) lists -> padded vectors, mask and per-outfit categories."""
    length = max(len(o) for o in outfits)
    dim = len(next(iter(vectors.values())))
    x = np.zeros((len(outfits), length, dim), dtype=np.float32)
    mask = np.zeros((len(outfits), length), dtype=bool)
    cats = np.full((len(outfits), length), "top", dtype=object)
    for r, outfit in enumerate(outfits):
        for c, (category, item_id) in enumerate(outfit):
            x[r, c], mask[r, c], cats[r, c] = vectors[item_id], True, category
    return x, mask, cats


def evaluate_polyvore(
    model: CompatModel, folder: PolyvoreFolder, embedder: ItemEmbedder, split: str = "test"
) -> dict[str, float | int | str]:
    """Polyvore's own FITB questions and compatibility outfits; items outside our slots are dropped."""
    compat: ItemBag
    compat, labels, compat_skipped = folder.compatibility_outfits(split)
    contexts, answers, fitb_skipped = folder.fitb_questions(split)
    needed = {i for o in compat.items for _, i in o} | {i for o in contexts.items for _, i in o}
    needed |= {i for a in answers for _, i in a}
    vectors = folder.embeddings(needed, embedder)
    if vectors:
        bags = (*compat.items, *contexts.items, *answers)
        model.check_inputs(len(next(iter(vectors.values()))), {c for bag in bags for c, _ in bag})

    scores = score_outfits(model, *_bag_arrays(compat.items, vectors))
    auc = roc_auc(scores[labels == 1], scores[labels == 0])
    fitb = float("nan")
    if contexts.items:
        cand = np.stack(
            [
                score_outfits(model, *_bag_arrays([[*ctx, a[c]] for ctx, a in zip(contexts.items, answers, strict=True)], vectors))
                for c in range(N_CANDIDATES)
            ],
            axis=1,
        )
        fitb = float((cand[:, 0] > cand[:, 1:].max(1)).mean())
    return {
        "auc": auc,
        "fitb_accuracy": fitb,
        "n_outfits": len(compat.items),
        "n_fitb": len(contexts.items),
        "skipped_outfits": compat_skipped,
        "skipped_fitb": fitb_skipped,
        "protocol": f"polyvore-{folder.version}-{split}",
    }
