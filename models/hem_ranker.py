"""A tiny learned ranker that picks a garment's hem among candidate rows (issue 13, round 9).

Why: four rounds of hand rules for the bottom's hem raised the photos they were designed on
but not unseen ones. This is a conditional logit (softmax over one photo's candidate rows) of
a few features per row, L2-regularised, fitted with plain gradient descent: a handful of
weights, stored as JSON (no pickle), loaded once. Features are standardised with the training
set's mean and spread, which travel in the same file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
FORMAT = "what2wear-hem-ranker-1"


@dataclass(frozen=True)
class HemRanker:
    """Weights of a linear score per candidate row; the softmax of the scores over one
    photo's candidates is the chance each row is the hem."""

    names: tuple[str, ...]
    weights: np.ndarray  # (F,)
    mean: np.ndarray  # (F,) feature means of the training rows
    scale: np.ndarray  # (F,) feature spreads (never 0)
    abstain: float = 0.0  # below this chance for the best row the caller keeps its rules

    def chances(self, features: np.ndarray) -> np.ndarray:
        """Softmax over the candidates (rows of `features`, shape (N, F))."""
        z = ((features - self.mean) / self.scale) @ self.weights
        z = np.exp(z - z.max())
        return z / z.sum()

    def choose(self, features: np.ndarray) -> int | None:
        """The index of the most likely hem row, or None when the ranker abstains."""
        if features.shape[0] == 0 or features.shape[1] != len(self.names):
            return None
        chance = self.chances(features)
        best = int(np.argmax(chance))
        return best if chance[best] >= self.abstain else None

    def save(self, path: Path) -> None:
        data = {"format": FORMAT, "names": list(self.names), "abstain": self.abstain,
                "weights": self.weights.tolist(), "mean": self.mean.tolist(),
                "scale": self.scale.tolist()}
        path.write_text(json.dumps(data, indent=1) + "\n")


def read_weights(path: Path, fmt: str, names: Sequence[str]) -> dict:
    """The JSON weights file at `path` if it is of format `fmt` and was trained on the features
    `names` (the learned placements read features by position); ValueError naming what is wrong."""
    data = json.loads(Path(path).read_text())
    if data.get("format") != fmt:
        raise ValueError(f"format is {data.get('format')!r}, expected {fmt!r}")
    if tuple(data["names"]) != tuple(names):
        raise ValueError("its features are not the ones computed here")
    return data


def load(path: Path, names: Sequence[str]) -> HemRanker | None:
    """The ranker stored at `path`, or None (with a warning naming the file and why) when it
    is missing, unreadable, or was trained on other features than `names`."""
    try:
        data = read_weights(path, FORMAT, names)
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("weights", "mean", "scale")]
        if any(a.shape != (len(names),) or not np.isfinite(a).all() for a in arrays):
            raise ValueError("weights, mean or scale have the wrong length or are not finite")
        if (arrays[2] <= 0).any():
            raise ValueError("a feature scale is not positive")
        return HemRanker(tuple(names), *arrays, abstain=float(data.get("abstain", 0.0)))
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("hem ranker %s not used (%s); the hand rules place the hem", path, error)
        return None


def fit(groups: Sequence[np.ndarray], gains: Sequence[np.ndarray], names: Sequence[str],
        l2: float = 1.0, objective: str = "match", steps: int = 1000,
        slack: float = 0.02) -> HemRanker:
    """Fit the softmax ranker: `groups[i]` is photo i's (N_i, F) candidate features,
    `gains[i]` what each of its rows is worth (the garment's vertical IoU with the label).
    Full-batch gradient descent from all weights 0, with `l2` / n_photos times the squared
    weights, on either "match": the cross-entropy to an even distribution over the rows
    within `slack` of the best gain (all about-as-good rows are right answers), or "gain":
    minus the expected gain under the softmax (the measure itself; it tends to stay near a
    feature that is right on most photos, such as the rules' own row)."""
    stacked = np.vstack(groups)
    mean = stacked.mean(axis=0)
    scale = stacked.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    n, longest, width = len(groups), max(len(g) for g in groups), stacked.shape[1]
    x = np.zeros((n, longest, width))  # photos padded to the longest candidate list
    valid = np.zeros((n, longest), dtype=bool)
    gain = np.zeros((n, longest))
    goal = np.zeros((n, longest))
    for i, (g, v) in enumerate(zip(groups, gains, strict=True)):
        x[i, :len(g)] = (g - mean) / scale
        valid[i, :len(g)] = True
        gain[i, :len(g)] = v
        good = v >= v.max() - slack
        goal[i, :len(g)] = good / good.sum()
    rate = 0.5 if objective == "match" else 2.0
    w = np.zeros(width)
    for _ in range(steps):
        z = np.where(valid, x @ w, -np.inf)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        prob = e / e.sum(axis=1, keepdims=True)
        if objective == "match":
            weight = prob - goal
        else:
            weight = -prob * (gain - (prob * gain).sum(axis=1, keepdims=True))
        w -= rate * (l2 * w / n + np.einsum("ij,ijk->k", weight, x) / n)
    return HemRanker(tuple(names), w, mean, scale)
