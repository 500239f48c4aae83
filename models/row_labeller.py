"""Per-row chances for the body's row sequence (issue 13, round 18): still in the top? the
bottom begun?

Why: a boundary decoded over all rows at once (core/photos/row_sequence.py) needs each row's
own chance of each state. Two L2-regularised logistic regressions ("end": the row is inside
the top; "start": the row is inside the bottom or below it), fitted by Newton steps in numpy:
a few weights each, stored as JSON (no pickle) with the feature means and spreads, the
margin (in log units) a decoded boundary must beat the rules' row by, and how far from the
rules' row it may lie.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.hem_ranker import read_weights

log = logging.getLogger(__name__)
FORMAT = "what2wear-row-labeller-1"
HEADS: tuple[str, ...] = ("end", "start")


@dataclass(frozen=True)
class Head:
    """One logistic regression over standardised features (weights[0] is the bias)."""

    weights: np.ndarray  # (F + 1,)
    mean: np.ndarray  # (F,)
    scale: np.ndarray  # (F,)
    margin: float = np.inf  # a boundary must beat the rules' row by this; inf: never used
    reach: int | None = None  # boundaries within this many sequence rows of the rules' row

    def chances(self, features: np.ndarray) -> np.ndarray:
        z = self.weights[0] + ((features - self.mean) / self.scale) @ self.weights[1:]
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@dataclass(frozen=True)
class RowLabeller:
    names: tuple[str, ...]
    heads: dict[str, Head]

    def save(self, path: Path) -> None:
        data = {"format": FORMAT, "names": list(self.names),
                "heads": {k: {"weights": h.weights.tolist(), "mean": h.mean.tolist(),
                              "scale": h.scale.tolist(),
                              "margin": h.margin if np.isfinite(h.margin) else None,
                              "reach": h.reach}
                          for k, h in self.heads.items()}}
        path.write_text(json.dumps(data, indent=1) + "\n")


def load(path: Path, names: Sequence[str]) -> RowLabeller | None:
    """The labeller stored at `path`, or None (with a warning naming the file and why) when it
    is missing, unreadable, or was trained on other features than `names`."""
    try:
        data = read_weights(path, FORMAT, names)
        heads = {}
        for key, h in data["heads"].items():
            if key not in HEADS:
                raise ValueError(f"unknown head {key!r}")
            w, m, s = (np.asarray(h[k], dtype=np.float64) for k in ("weights", "mean", "scale"))
            if w.shape != (len(names) + 1,) or m.shape != (len(names),) or s.shape != m.shape:
                raise ValueError(f"head {key!r} has the wrong number of weights")
            if not (np.isfinite(w).all() and np.isfinite(m).all() and (s > 0).all()):
                raise ValueError(f"head {key!r} has weights that are not finite")
            margin = h.get("margin")
            reach = h.get("reach")
            heads[key] = Head(w, m, s, float(margin) if margin is not None else np.inf,
                              int(reach) if reach is not None else None)
        return RowLabeller(tuple(names), heads)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        log.warning("row labeller %s not used (%s); the rules place the hems", path, error)
        return None


def fit_head(x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float = 1.0,
             steps: int = 25) -> Head:
    """Weighted logistic regression of `y` (0/1) on `x` (rows × features), L2 `l2` on the
    standardised weights (not the bias), by Newton steps."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[0] = 0.0
    weight = weight / weight.sum() * len(x) / max(1.0, len(x) / 1000)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (weight * (p - y)) + reg * w
        hess = (z * (weight * p * (1 - p))[:, None]).T @ z + np.diag(reg + 1e-6)
        delta = np.linalg.solve(hess, grad)
        w -= delta
        if np.abs(delta).max() < 1e-6:
            break
    return Head(w, mean, scale)
