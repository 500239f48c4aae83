"""A personal taste layer on top of any base compatibility model.

Why: compatibility (what goes together at all) is learned from many outfits; taste (which of
the compatible outfits this person likes) from a handful of likes, dislikes and wears. So the
base stays as it is and a small per-item preference p_i = gate(w · z_i) (z_i the item's base
latent in the shared space, w regularised toward zero, gate bounded in [-DOWN, +AMPLITUDE])
weights every pair:

    pair'(a, b) = pair(a, b) · (1 + (p_a + p_b) / 2)

and the outfit score stays the mean over present pairs, for any number of items. A weight rather
than an added term: an added preference lifts liked pieces above the compatibility signal
itself (in the benchmark it cost 0.2 compatibility AUC), while a weight reorders compatible
outfits and leaves pairs that do not go together low. `project` returns [(1 + p/2) z, z]
against [z, (p/2) z] (ordered by category name), whose dot product is pair' exactly, so the
ranker's matrix products, bounds and caches need no change. Two items of the *same* category are
never paired in an outfit; their `pair_similarity` does not include the weight.

w lives in the base's latent space: the app keeps it only over the base it was fitted on and
refits over a new base on the next update.

Features (round 6): over a base trained with style maps (models/style_features.py) the
preference is read from the raw item vector instead, p_i = gate(w · f_c(x_i)), f_c the base's
map of the item's category into a shared k-dim style space (the best direction in z ranked
held-out preferences at 0.83, through f at 0.86; the fitted layer 0.76 -> 0.81 on calibration
users). The ranker is unchanged: p_i is still one number per item. The layer records which it
uses (`features`: "latent" or "style"); a layer saved before has none and is "latent".

Direction (round 9): over style features the direction is an L2 logistic regression of the
reactions on the outfits' mean features (`logistic_direction`), not the ridge readout: on the
calibration users it ranked held-out preferences at 0.854 against 0.842 (README, round 9).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

from models.compat import CompatModel, ModelLoadError, ModelOver
from models.data import OutfitSet, category_grid
from models.style_features import features as style_features_of
from models.style_prior import prior_map

PERSONAL_CONFIG = "personal.json"
PERSONAL_WEIGHTS = "personal.safetensors"
PERSONAL_FORMAT = "what2wear-personal"
BASE_SUBFOLDER = "base"
DOWN = 0.5  # how far a disliked item's pairs may fall: weight >= 1 - DOWN
AMPLITUDE = 2.0  # how far a liked item's pairs may rise: weight <= 1 + AMPLITUDE
TAU = 10.0  # logit per unit of outfit-score difference: score gaps of 0.1 are one logit
DEFAULT_L2 = 1e-3  # pull of w toward zero (the base)
RIDGE = 0.01  # ridge penalty of the direction, relative to the total variance of its inputs;
# on calibration users (world 1, users 100-111, 30 + 30, no guard) 0.003 / 0.01 / 0.03 / 0.1
# gave preference AUC 0.724 / 0.728 / 0.720 / 0.708
MAX_SCALE = 2.0  # the largest scale, in standard deviations of u·z: on users 100-111 (a first
# run of this estimator: penalty 0.009, scales 0.25-64 before the cap) a cap of 1.5 / 2 / 3 /
# none gave preference AUC 0.736 / 0.737 / 0.736 / 0.735 and a worst compatibility AUC change
# of -0.016 / -0.018 / -0.020 / -0.023 (the limit is -0.02)
SCALES = tuple(float(c) for c in np.geomspace(MAX_SCALE / 16, MAX_SCALE, 13))
ADOPT_MARGIN = 0.9  # held-out AUC gain needed: ADOPT_MARGIN / sqrt(fewer of liked, disliked);
# the smallest (in steps of 0.1) that adopted no user without taste among 88 simulated fits of
# the ridge estimator with 10 repeats (world 1; benchmarks/personal_guard.py) over the default
# base (towers + quadratic path): 0.8 and 0.7 adopted 1 each. Over the previous default base
# (shared MLP) it was 0.7.
PRIOR_ADOPT_MARGIN = 0.8  # the same calibration for the style-prior estimator (a base with a
# style basis, models/style_prior.py; same 88 no-taste fits): 0.8 adopted none (and 38 of 44
# taste fits at 30 + 30), 0.7 adopted 1 (at 30 + 30)
CV_FOLDS = 5  # k of the k-fold cross-validation behind the guard
CV_REPEATS = 10  # k-fold cross-validation repeated with other splits: a steadier verdict (with
# 3 repeats the calibrated margin was 1.0 and adopted 21 of 44 taste fits at 30 + 30, with 10 it
# was 0.7 and adopted 36, over the previous default base; a fit costs milliseconds)...
STEADY_EACH = 50  # ...on few events; from this many liked and negatives on, one pass is steady
MIN_EACH = 3  # liked and disliked outfits needed before a layer is fitted at all
SKIP_WEIGHT = 0.2  # a suggestion shown but skipped: a weak negative, 1/5 of a dislike (benchmark)
LOGISTIC_L2 = 1e-3  # penalty of the logistic direction, × the total variance of the outfit means:
# round 7's grid 0.001 / 0.01 / 0.1 / 1 on the calibration users, the smallest best (0.821 / 0.810
# / 0.785 / 0.777 with reliability-weighted features over round 6's base)
NEWTON_STEPS = 12  # the logistic fit's Newton steps at most (it converges in 5-8 on 60 events)
FEATURES_ADOPT_MARGIN = 0.8  # the same calibration for the style features (a base with style maps,
# models/style_features.py; same 88 no-taste fits): over issue 11's round-6 and round-7 bases 0.8
# adopted none (and 43 of 44 taste fits at 30 + 30), 0.7 adopted 1; over round 8's base (three
# nets) 0.8 adopted 1 (at 30 + 30) and 0.9 none (42 of 44 taste fits at 30 + 30); over round 9's
# (two nets, pair offset, gates fitted to rarity) and round 10's 0.8 adopted none, 0.7 two (42 and 43
# of 44 at 30 + 30); over round 15's (each tower on its category's principal subspace) 0.8 adopted one
# (at 30 + 30) and 0.9 none (44 of 44 taste fits at 30 + 30); with issue 12 round 9's estimator
# (reliability-weighted maps, logistic direction) over round 15's base 0.7 adopts one (at 30 + 30)
# and 0.8 none (44 of 44 taste fits at 30 + 30, 17 of 44 at 10 + 10)
LATENT, STYLE = "latent", "style"  # what the per-item preference is read from
FEATURES = (LATENT, STYLE)


class PersonalModel(ModelOver):
    """A base model plus a per-item preference folded into the pair sums (see module doc)."""

    name = "personal"

    def __init__(self, base: CompatModel, w: np.ndarray, info: dict[str, Any] | None = None,
                 features: str = LATENT) -> None:
        super().__init__(base)
        if features not in FEATURES:
            raise ValueError(f"unknown preference features {features!r} (expected one of {FEATURES})")
        if features == STYLE and not base.style_features:
            raise ValueError("the preference reads style features, but the base carries none")
        self.w = np.ascontiguousarray(w, dtype=np.float32).reshape(-1)
        if features == STYLE:
            width = next(iter(base.style_features.values()))[0].shape[1]
            if self.w.size != width:
                raise ValueError(f"a preference of {self.w.size} numbers over style features of width {width}")
        self.info: dict[str, Any] = dict(info or {})
        self.features = features
        digest = hashlib.sha256(base.version.encode())
        digest.update(self.w.tobytes())
        if features != LATENT:  # a layer of the latent keeps the version it had
            digest.update(features.encode())
        self._version = "personal-" + digest.hexdigest()[:16]

    @property
    def version(self) -> str:
        return self._version

    def preference(self, category: str, x: np.ndarray) -> np.ndarray:
        """(n, D) item embeddings of one category -> (n,) p_i = A·tanh(w · item features)."""
        return item_preference(item_features(self.base, self.features, category, x), self.w)

    def project(self, category: str, x: np.ndarray, partner: str | None = None) -> np.ndarray:
        return self.project_partners(category, x, [partner])[0]

    def project_partners(
        self, category: str, x: np.ndarray, partners: Sequence[str | None]
    ) -> list[np.ndarray]:
        """[(1 + p/2) z, z] against [z, (p/2) z]: their dot product is pair · (1 + (p_a + p_b)/2)."""
        if self.features == LATENT:  # the preference reads the plain latent: one pass for both
            plain, *latents = self.base.project_partners(category, x, [None, *partners])
        else:  # it reads the raw item's style features: the plain latent is not needed
            plain = item_features(self.base, self.features, category, x)
            latents = self.base.project_partners(category, x, partners)
        p = item_preference(plain, self.w)[:, None]
        out = []
        for partner, z in zip(partners, latents, strict=True):
            z = np.asarray(z, np.float32)
            if partner is None or partner == category:
                pair = [z, np.zeros_like(z)]
            elif category < partner:
                pair = [(1 + p / 2) * z, z]
            else:
                pair = [z, (p / 2) * z]
            out.append(np.hstack(pair).astype(np.float32, copy=False))
        return out

    def score(
        self, vectors: np.ndarray, mask: np.ndarray, categories: Sequence[Sequence[str]] | Sequence[str]
    ) -> np.ndarray:
        """Base score + mean preference of the present items (the definition, computed directly)."""
        vectors = np.asarray(vectors, np.float32)
        mask = np.asarray(mask, bool)
        cats = category_grid(categories, mask.shape)
        return PairData.build(self.base, vectors, mask, cats, self.features).scores(self.w).astype(np.float32)

    def save(self, directory: str | Path, base_folder: str | Path | None, info: dict[str, Any] | None = None) -> Path:
        """`personal.json` + `personal.safetensors`, and the base: 'identity' or a copy of its folder."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        if info is not None:
            self.info = dict(info)
        if base_folder is None:
            base_ref = "identity"
        else:
            shutil.rmtree(out / BASE_SUBFOLDER, ignore_errors=True)
            shutil.copytree(base_folder, out / BASE_SUBFOLDER)
            base_ref = BASE_SUBFOLDER
        save_file({"w": self.w}, str(out / PERSONAL_WEIGHTS))
        meta = {"format": PERSONAL_FORMAT, "format_version": 1, "version": self.version,
                "base": base_ref, "base_version": self.base.version, "info": self.info}
        if self.features != LATENT:  # absent = the latent (every layer saved before round 6)
            meta["features"] = self.features
        (out / PERSONAL_CONFIG).write_text(json.dumps(meta, indent=2, default=str) + "\n")
        return out


def outfit_features(
    base: CompatModel, vectors: np.ndarray, mask: np.ndarray, categories: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(N,) base scores and (N, d) features F with personal score = base + F @ w.

    F = mean over present pairs of pair(a, b) · (z_a + z_b) / 2, z the items' base latents in the
    shared space (no partner). Outfits with fewer than two items: NaN.
    """
    vectors = np.asarray(vectors, np.float32)
    m = np.asarray(mask, bool)
    cats = category_grid(categories, m.shape)
    n, k = m.shape
    plain: dict[tuple[int, int], np.ndarray] = {}
    for cat in sorted(set(cats[m].tolist())):
        rows, cols = np.nonzero(m & (cats == cat))
        z = np.asarray(base.project(cat, vectors[rows, cols], None), np.float64)
        for r, c, zz in zip(rows, cols, z, strict=True):
            plain[(int(r), int(c))] = zz
    d = len(next(iter(plain.values()))) if plain else 0
    total, feats = np.zeros(n), np.zeros((n, d))
    count = np.zeros(n)
    for i, j in combinations(range(k), 2):
        both = m[:, i] & m[:, j]
        for ci, cj in {(cats[r, i], cats[r, j]) for r in np.flatnonzero(both)}:
            rows = np.flatnonzero(both & (cats[:, i] == ci) & (cats[:, j] == cj))
            sim = np.einsum("nd,nd->n", np.asarray(base.project(ci, vectors[rows, i], cj), np.float64),
                            np.asarray(base.project(cj, vectors[rows, j], ci), np.float64))
            zi = np.stack([plain[(int(r), i)] for r in rows])
            zj = np.stack([plain[(int(r), j)] for r in rows])
            total[rows] += sim
            feats[rows] += sim[:, None] * (zi + zj) / 2
            count[rows] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = count > 0
        base_scores = np.where(ok, total / np.maximum(count, 1), np.nan)
        feats = np.where(ok[:, None], feats / np.maximum(count, 1)[:, None], np.nan)
    return base_scores, feats


def gate(x: Any) -> Any:
    """Bounded preference from a score, numpy or torch: up to +AMPLITUDE for what the person
    likes, down to -DOWN for what they do not (a smaller fall, so disliked but compatible
    outfits stay above incompatible ones)."""
    t = torch.tanh(x) if isinstance(x, torch.Tensor) else np.tanh(x)
    return (t > 0) * AMPLITUDE * t + (t <= 0) * DOWN * t


def item_features(base: CompatModel, features: str, category: str, x: np.ndarray) -> np.ndarray:
    """(n, D) raw item vectors of one category -> (n, d) what the preference reads: the base's
    latent in the shared space, or the base's style features f_c(x) (zeros for a category the
    maps do not cover: no preference)."""
    if features == STYLE and base.style_features:
        return style_features_of(base.style_features, category, x)
    return np.asarray(base.project(category, x, None), np.float64)


def item_preference(latents: np.ndarray, w: np.ndarray) -> np.ndarray:
    """p = A·tanh(z · w): bounded, so a pair's weight 1 + (p_a + p_b)/2 stays in [1 - A, 1 + A]
    and taste reorders compatible outfits without making incompatible ones look good."""
    z = np.asarray(latents, np.float64)
    return gate(z @ np.asarray(w, np.float64)).astype(np.float32)


@dataclass(frozen=True)
class PairData:
    """What the personal score of a batch of outfits needs from the base, computed once:
    pair similarities S (N, P) with validity (N, P), and the items' shared latents Z (N, K, d)."""

    pairs: tuple[tuple[int, int], ...]
    sims: np.ndarray
    valid: np.ndarray
    latents: np.ndarray
    present: np.ndarray  # (N, K) bool: the slot holds an item

    @classmethod
    def build(cls, base: CompatModel, vectors: np.ndarray, mask: np.ndarray,
              categories: np.ndarray, features: str = LATENT) -> PairData:
        """`latents` holds what the preference reads (`item_features`), the sims the base's pairs."""
        vectors = np.asarray(vectors, np.float32)
        m = np.asarray(mask, bool)
        cats = category_grid(categories, m.shape)
        n, k = m.shape
        pairs = tuple(combinations(range(k), 2))
        latents: np.ndarray | None = None
        for cat in sorted(set(cats[m].tolist())):
            rows, cols = np.nonzero(m & (cats == cat))
            z = item_features(base, features, cat, vectors[rows, cols])
            if latents is None:
                latents = np.zeros((n, k, z.shape[1]))
            latents[rows, cols] = z
        sims = np.zeros((n, len(pairs)))
        valid = np.zeros((n, len(pairs)), bool)
        for q, (i, j) in enumerate(pairs):
            both = m[:, i] & m[:, j]
            valid[:, q] = both
            for ci, cj in {(cats[r, i], cats[r, j]) for r in np.flatnonzero(both)}:
                rows = np.flatnonzero(both & (cats[:, i] == ci) & (cats[:, j] == cj))
                sims[rows, q] = np.einsum(
                    "nd,nd->n", np.asarray(base.project(ci, vectors[rows, i], cj), np.float64),
                    np.asarray(base.project(cj, vectors[rows, j], ci), np.float64))
        return cls(pairs, sims, valid, latents if latents is not None else np.zeros((n, k, 0)), m.copy())

    def subset(self, rows: np.ndarray) -> PairData:
        return PairData(self.pairs, self.sims[rows], self.valid[rows], self.latents[rows],
                        self.present[rows])

    def base_scores(self) -> np.ndarray:
        return self.scores(None)

    def scores(self, w: np.ndarray | None) -> np.ndarray:
        """(N,) mean over present pairs of S · (1 + (p_a + p_b)/2); w None = the base score."""
        weight = np.ones_like(self.sims)
        if w is not None:
            p = gate(self.latents @ np.asarray(w, np.float64))
            i, j = (np.array(x) for x in zip(*self.pairs, strict=True))
            weight = 1 + (p[:, i] + p[:, j]) / 2
        count = self.valid.sum(1)
        total = (self.sims * weight * self.valid).sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def is_personal_folder(folder: Path) -> bool:
    return (folder / PERSONAL_CONFIG).is_file()


def load_personal(folder: Path) -> PersonalModel:
    """A folder written by `PersonalModel.save`; its base loads with `load_model` (never pickles)."""
    from models.compat import load_model

    path = folder / PERSONAL_CONFIG
    try:
        meta = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != PERSONAL_FORMAT:
        raise ModelLoadError(f"{path}: not a What2Wear personal-layer config")
    base_ref = meta.get("base")
    if base_ref not in ("identity", BASE_SUBFOLDER):
        raise ModelLoadError(f"{path}: 'base' must be 'identity' or '{BASE_SUBFOLDER}', not {base_ref!r}")
    features = meta.get("features", LATENT)
    if features not in FEATURES:
        raise ModelLoadError(f"{path}: 'features' must be one of {FEATURES}, not {features!r}")
    base = load_model("identity" if base_ref == "identity" else folder / BASE_SUBFOLDER)
    weights = folder / PERSONAL_WEIGHTS
    try:
        w = load_file(str(weights))["w"]
    except Exception as exc:  # safetensors raises its own error types; all mean "unusable file"
        raise ModelLoadError(f"{weights}: cannot load the preference vector ({exc})") from None
    info = meta.get("info") if isinstance(meta.get("info"), dict) else {}
    if features == STYLE and not base.style_features:
        raise ModelLoadError(f"{path}: the layer reads the base's style features, but "
                             f"{folder / BASE_SUBFOLDER} has no usable style_features.safetensors")
    try:
        return PersonalModel(base, w, info, features)
    except ValueError as exc:
        raise ModelLoadError(f"{weights}: {exc}") from None


# --- fitting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalFit:
    """A fitted preference and whether it beat the base on held-out feedback."""

    w: np.ndarray
    adopted: bool
    reason: str
    n_liked: int
    n_disliked: int
    heldout_auc_base: float
    heldout_auc_personal: float
    n_skipped: int = 0  # weak negatives: suggestions shown and passed over
    estimator: str = "ridge"  # "style prior" when the base carries a style basis (models/style_prior.py)
    features: str = LATENT  # STYLE when the base carries style maps (models/style_features.py)

    def to_dict(self) -> dict[str, Any]:
        return {"adopted": self.adopted, "reason": self.reason, "n_liked": self.n_liked,
                "n_disliked": self.n_disliked, "n_skipped": self.n_skipped, "estimator": self.estimator,
                "features": self.features,
                "heldout_auc_base": _finite(self.heldout_auc_base),
                "heldout_auc_personal": _finite(self.heldout_auc_personal)}


def _finite(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 4)


def weighted_auc(scores: np.ndarray, ratings: np.ndarray) -> float:
    """P(a liked outfit outranks a negative one), each pair weighted by |rating| of both (a
    skipped suggestion, rating -SKIP_WEIGHT, counts for that much of a dislike); ties half."""
    pos, neg = np.flatnonzero(ratings > 0), np.flatnonzero(ratings < 0)
    if pos.size == 0 or neg.size == 0:
        return float("nan")
    diff = scores[pos][:, None] - scores[neg][None, :]
    weight = np.abs(ratings[pos])[:, None] * np.abs(ratings[neg])[None, :]
    return float(((diff > 0) + 0.5 * (diff == 0)).ravel() @ weight.ravel() / weight.sum())


def fit_preference(
    data: PairData, ratings: np.ndarray, l2: float = DEFAULT_L2, prior: np.ndarray | None = None,
    logistic: bool = False,
) -> np.ndarray:
    """w = c · u: the direction u by a weighted ridge regression of each outfit's reaction (+1 /
    -1) on the mean base latent of its items, the scale c by the pairwise logistic loss on
    score(liked) − score(negative) in the layer's own form, + l2·|w|², over a grid up to
    `MAX_SCALE`.

    Why two steps: the direction is a closed-form convex fit, which 60 events estimate better
    than the non-convex gated loss over all d coordinates did (calibration users, README); only
    one number is then fitted through the gate. A skipped suggestion weighs |rating| in both.
    `prior`: the map B of the base's style prior (`style_prior.prior_map`), or None.
    `logistic`: the direction by `logistic_direction` instead (style features, round 9).
    """
    ratings = np.asarray(ratings, np.float64)
    pos, neg = np.flatnonzero(ratings > 0), np.flatnonzero(ratings < 0)
    d = data.latents.shape[2]
    if pos.size == 0 or neg.size == 0:
        return np.zeros(d, np.float32)
    u = logistic_direction(data, ratings) if logistic else ridge_direction(data, ratings, prior)
    return fit_scale(data, ratings, u, l2)


def fit_scale(data: PairData, ratings: np.ndarray, u: np.ndarray, l2: float = DEFAULT_L2) -> np.ndarray:
    """w = c · u with the c of `SCALES` that minimises the pairwise logistic loss on
    score(liked) − score(negative) in the layer's form + l2·|w|² (pairs weighted by |rating|);
    zeros when u is zero or a side is missing."""
    ratings = np.asarray(ratings, np.float64)
    pos, neg = np.flatnonzero(ratings > 0), np.flatnonzero(ratings < 0)
    d = data.latents.shape[2]
    if pos.size == 0 or neg.size == 0 or not np.any(u):
        return np.zeros(d, np.float32)
    pair_w = np.abs(ratings[pos])[:, None] * np.abs(ratings[neg])[None, :]
    pair_w = pair_w / pair_w.sum()
    best_loss, best = np.inf, np.zeros(d)
    for c in SCALES:
        w = c * u
        s = data.scores(w)
        margin = TAU * (s[pos][:, None] - s[neg][None, :])
        loss = float((np.logaddexp(0.0, -margin) * pair_w).sum() + l2 * (w @ w))
        if loss < best_loss:
            best_loss, best = loss, w
    return best.astype(np.float32)


def ridge_direction(data: PairData, ratings: np.ndarray, prior: np.ndarray | None = None) -> np.ndarray:
    """Unit-spread direction u (std of u·z over the feedback's items = 1), or zeros: the weighted
    ridge readout of sign(rating) from each outfit's mean item latent, penalty `RIDGE` × their
    total variance (so it does not depend on the base's latent scale).

    With `prior` B (a generalised ridge toward the base's style subspace): the readout is fitted
    on B z and mapped back, u = B u', so directions outside the subspace cost 1/EPS times more.
    """
    if prior is not None:
        return unit_spread(data, prior @ ridge_direction(replace(data, latents=data.latents @ prior), ratings))
    x = outfit_means(data)
    weight = np.abs(ratings)
    weight = weight / weight.sum()
    xc = x - weight @ x
    lam = RIDGE * float(weight @ (xc * xc).sum(1))  # × the weighted total variance
    if lam <= 0:
        return np.zeros(x.shape[1])
    target = weight * np.sign(ratings)
    n, d = xc.shape
    if n < d:  # the same solution through the n × n system: fewer events than latent dims
        u = xc.T @ _solve(weight[:, None] * (xc @ xc.T) + lam * np.eye(n), target)
    else:
        u = _solve(xc.T @ (xc * weight[:, None]) + lam * np.eye(d), xc.T @ target)
    return unit_spread(data, u)


def unit_spread(data: PairData, u: np.ndarray) -> np.ndarray:
    """u scaled so that u·z has standard deviation 1 over the data's present items; zeros when
    it has none (a scale-free direction: the scale is fitted after, by `fit_scale`)."""
    spread = float(np.std(data.latents[data.present] @ u))
    return u / spread if spread > 0 else np.zeros_like(u)


def outfit_means(data: PairData) -> np.ndarray:
    """(N, d) each outfit's mean item latent (or features) over its present items."""
    present = data.present
    return (data.latents * present[..., None]).sum(1) / np.maximum(present.sum(1), 1)[:, None]


def logistic_direction(data: PairData, ratings: np.ndarray, lam: float = LOGISTIC_L2) -> np.ndarray:
    """Unit-spread direction u (std of u·f over the feedback's items = 1), or zeros: an L2
    logistic regression of sign(rating) on each outfit's mean features with an unpenalised
    intercept, events weighted by |rating|, penalty lam × their total variance.

    Why not least squares: a ±1 target fitted by squares spends the fit on outfits already far on
    their side; the logistic loss weighs the ones near the boundary, which decide the ranking."""
    x = outfit_means(data)
    ratings = np.asarray(ratings, np.float64)
    weight = np.abs(ratings)
    if not (ratings > 0).any() or not (ratings < 0).any():
        return np.zeros(x.shape[1])
    weight = weight / weight.sum()
    xc = x - weight @ x
    tv = float(weight @ (xc * xc).sum(1))
    if tv <= 1e-12 * float(weight @ (x * x).sum(1)):  # the same outfit(s) only: rounding, no signal
        return np.zeros(x.shape[1])
    d = x.shape[1]
    design = np.hstack([x, np.ones((len(x), 1))])
    penalty = np.append(np.full(d, lam * tv), 0.0)
    return unit_spread(data, newton_logistic(design, np.sign(ratings), weight, penalty)[:d])


def newton_logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """argmin Σ weight·log(1 + exp(−y x·β)) + ½ βᵀ diag(penalty) β by Newton steps (convex; the
    unpenalised intercept is kept finite by the penalised rest on separable data)."""
    beta = np.zeros(x.shape[1])
    for _ in range(NEWTON_STEPS):
        margin = y * (x @ beta)
        p = 0.5 * (1 - np.tanh(margin / 2))  # sigmoid(−margin), stable
        grad = -(x.T @ (weight * y * p)) + penalty * beta
        hess = (x.T * (weight * p * (1 - p))) @ x + np.diag(penalty)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:  # a singular system (collinear features): the least-squares step
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a⁻¹ b through torch's solver: in the benchmark (torch on one thread, 2 busy cores) numpy's
    solve took 0.2 s per 200 × 200 system, 1.2 of the 1.5 s of a 200-event update; with torch's
    the update took 0.3–0.6 s."""
    return torch.linalg.solve(torch.from_numpy(a), torch.from_numpy(b)).numpy()


def _folds(ratings: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Stratified fold index per event (liked, disliked and skipped spread over the folds)."""
    rng = np.random.default_rng(seed)
    fold = np.empty(ratings.size, np.int64)
    for group in (ratings > 0, ratings <= -1, (ratings < 0) & (ratings > -1)):
        idx = rng.permutation(np.flatnonzero(group))
        fold[idx] = np.arange(idx.size) % k
    return fold


def fit_personal(
    base: CompatModel, data: OutfitSet, ratings: np.ndarray, l2: float = DEFAULT_L2, seed: int = 0
) -> PersonalFit:
    """Fit w on all feedback; adopt it only if, fitted without them, it ranks held-out events
    (stratified k-fold) better than the base by `ADOPT_MARGIN` preference AUC.

    `ratings`: +1 liked or worn, -1 disliked, a weight in (-1, 0) for a suggestion shown but
    skipped (`SKIP_WEIGHT`). Skipped ones count toward the negatives by their weight: five
    skips are as much evidence as one dislike, for the fit and for the guard.
    """
    ratings = np.asarray(ratings, np.float64)
    n_pos, n_neg = int((ratings > 0).sum()), int((ratings <= -1).sum())
    n_skip = int(((ratings < 0) & (ratings > -1)).sum())
    neg_weight = float(-ratings[ratings < 0].sum())  # dislikes + weighted skips
    features = STYLE if base.style_features else LATENT
    pairs = PairData.build(base, data.vectors, data.mask, data.category_grid(), features)
    base_scores = pairs.base_scores()
    dim = pairs.latents.shape[2]
    basis = base.style_prior if features == LATENT else None  # the prior lives in the latent
    prior = prior_map(basis) if basis is not None and basis.shape[0] == dim else None
    estimator = "style features" if features == STYLE else "ridge" if prior is None else "style prior"
    logistic = features == STYLE
    if n_pos < MIN_EACH or neg_weight < MIN_EACH:
        skipped = f" and {n_skip} skipped (each {SKIP_WEIGHT:g} of a dislike)" if n_skip else ""
        return PersonalFit(np.zeros(dim, np.float32), False,
                           f"needs at least {MIN_EACH} liked (or worn) and {MIN_EACH} disliked outfits; "
                           f"has {n_pos} and {n_neg}{skipped}", n_pos, n_neg, float("nan"),
                           float("nan"), n_skip, estimator, features)
    k = int(min(CV_FOLDS, n_pos, n_neg + n_skip))
    aucs = []
    for repeat in range(CV_REPEATS if min(n_pos, n_neg + n_skip) < STEADY_EACH else 1):
        fold = _folds(ratings, k, seed + repeat)
        held = np.empty(ratings.size)
        for f in range(k):
            train = fold != f
            w = fit_preference(pairs.subset(train), ratings[train], l2, prior, logistic)
            held[~train] = pairs.subset(~train).scores(w)
        aucs.append(weighted_auc(held, ratings))
    auc_base = weighted_auc(base_scores, ratings)
    auc_pers = float(np.mean(aucs))
    w = fit_preference(pairs, ratings, l2, prior, logistic)
    # better than the base and than chance (a base below 0.5 by luck is no bar), by about two
    # standard errors of an AUC on this few events (~0.41/sqrt(n))
    # the standard error follows the number of negatives, not their weight: with weights, their
    # effective number (sum w)^2 / sum w^2 (all skips: their count; all dislikes: theirs)
    weights = -ratings[ratings < 0]
    n_eff = min(n_pos, float(weights.sum() ** 2 / (weights**2).sum()))
    margin = FEATURES_ADOPT_MARGIN if features == STYLE else ADOPT_MARGIN if prior is None else PRIOR_ADOPT_MARGIN
    adopted = auc_pers >= max(auc_base, 0.5) + margin / np.sqrt(n_eff)
    verdict = "beats" if adopted else "does not beat"
    reason = (f"on held-out feedback it {verdict} the base model: it ranks a liked outfit above a "
              f"disliked one {auc_pers:.0%} of the time, the base {auc_base:.0%}")
    return PersonalFit(w if adopted else np.zeros(dim, np.float32), bool(adopted), reason, n_pos, n_neg,
                       auc_base, auc_pers, n_skip, estimator, features)
