"""The app's personal taste layer: fitted from likes, dislikes and wears, kept beside the base.

Why a folder of its own (`<models_dir>/personal`): the base model folder stays exactly as it was
trained, a new base keeps the layer (its preference lives in the item-embedding space), and
"reset to base" is deleting this folder. `state.json` says whether the last fit was adopted and
why, how many feedback events it rests on, and what it learned in words.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors.numpy import load_file, save_file

from base.config import Settings
from models.compat import CompatModel
from models.personal import (
    LATENT,
    STYLE,
    PersonalFit,
    PersonalModel,
    fit_personal,
    item_features,
    item_preference,
)

if TYPE_CHECKING:
    from core.wardrobe.service import Wardrobe

log = logging.getLogger(__name__)

STATE_FILE = "state.json"
WEIGHTS_FILE = "preference.safetensors"


@dataclass(frozen=True)
class PersonalState:
    """What the Model page shows about the personal layer."""

    adopted: bool
    reason: str
    events: int
    n_liked: int
    n_disliked: int
    updated: str
    prefers: list[str] = field(default_factory=list)  # item names / colours, most preferred first
    avoids: list[str] = field(default_factory=list)
    heldout: dict[str, Any] = field(default_factory=dict)
    base_version: str = ""  # the base it was fitted over: w lives in that base's latent space
    n_skipped: int = 0  # suggestions shown and passed over: weak negatives (not in `events`)
    estimator: str = ""  # "style prior" (the base carries a style basis) or "ridge"; "" before round 5
    features: str = ""  # what the preference reads: "style" (the base's style maps) or "latent"; "" = latent


def personal_dir(settings: Settings) -> Path:
    return settings.models_dir / "personal"


def read_state(settings: Settings) -> PersonalState | None:
    """The last update's state, or None (never fitted, reset, or an unreadable file)."""
    try:
        raw = json.loads((personal_dir(settings) / STATE_FILE).read_text())
        return PersonalState(**raw)
    except (OSError, ValueError, TypeError):
        return None


def read_preference(settings: Settings, base: CompatModel) -> np.ndarray | None:
    """The adopted preference vector w over this base, or None: the base ranks alone (none
    adopted, or fitted over another base; the next update refits over this one)."""
    state = read_state(settings)
    if state is None or not state.adopted or state.base_version != base.version:
        return None
    if state.features == STYLE and not base.style_features:  # the base's maps became unusable
        return None
    try:
        return load_file(str(personal_dir(settings) / WEIGHTS_FILE))["w"]
    except Exception:  # a damaged file: the base ranks, as if reset
        return None


def read_features(settings: Settings) -> str:
    """What the stored preference reads (`models.personal.FEATURES`); a state written before
    round 6 has none: the latent."""
    state = read_state(settings)
    return state.features if state is not None and state.features else LATENT


def wrap(base: CompatModel, w: np.ndarray | None, features: str = LATENT) -> CompatModel:
    """The base with the preference folded in, or the base itself when there is none or it
    does not fit this base (a stored preference of another width or kind: logged, and the base
    ranks until the next update refits)."""
    if w is None:
        return base
    try:
        return PersonalModel(base, w, features=features)
    except ValueError as error:
        log.warning("personal layer not used: %s", error)
        return base


def reset(settings: Settings) -> None:
    """Back to the base: the layer and its state are removed (feedback itself is kept)."""
    shutil.rmtree(personal_dir(settings), ignore_errors=True)


def describe(
    wardrobe: Wardrobe, base: CompatModel, w: np.ndarray, n: int = 3, features: str = LATENT
) -> tuple[list[str], list[str]]:
    """The person's items (and colours) the layer now prefers and avoids most, in words."""
    items = [r for r in wardrobe.items() if r.embedding_model and not r.pending_embedding]
    if not items:
        return [], []
    x = wardrobe.embeddings([r.id for r in items])
    p = np.zeros(len(items))
    for category in {r.category for r in items}:
        rows = [k for k, r in enumerate(items) if r.category == category]
        try:
            p[rows] = item_preference(item_features(base, features, category, x[rows]), w)
        except ValueError:  # a category the base does not know: no opinion on those items
            continue
    p = p - p.mean()
    order = np.argsort(-p)
    by_colour: dict[str, list[float]] = defaultdict(list)
    for r, value in zip(items, p, strict=True):
        for colour in r.colours:
            by_colour[colour].append(float(value))
    colours = sorted(((float(np.mean(v)), c) for c, v in by_colour.items() if len(v) >= 2),
                     reverse=True)
    name = lambda r: r.name or r.category  # noqa: E731
    prefers = [name(items[i]) for i in order[:n] if p[i] > 0]
    avoids = [name(items[i]) for i in order[::-1][:n] if p[i] < 0]
    if colours and colours[0][0] > 0:
        prefers.append(f"{colours[0][1]} pieces")
    if len(colours) > 1 and colours[-1][0] < 0:
        avoids.append(f"{colours[-1][1]} pieces")
    return prefers, avoids


def update(settings: Settings, wardrobe: Wardrobe, base: CompatModel) -> PersonalState:
    """Fit the layer on all of the wardrobe's feedback over `base` and store the verdict.

    Written to a fresh folder and renamed into place, so a reader never sees half a layer.
    """
    found = wardrobe.feedback_set()
    if found is None:
        fit = PersonalFit(np.zeros(0, np.float32), False, "no feedback yet: like, dislike or wear "
                          "suggested outfits", 0, 0, float("nan"), float("nan"))
    else:
        data, ratings = found
        fit = fit_personal(base, data, ratings)
    prefers, avoids = describe(wardrobe, base, fit.w, features=fit.features) if fit.adopted else ([], [])
    state = PersonalState(fit.adopted, fit.reason, fit.n_liked + fit.n_disliked, fit.n_liked,
                          fit.n_disliked, datetime.now(UTC).isoformat(timespec="seconds"),
                          prefers, avoids, {k: v for k, v in fit.to_dict().items()
                                            if k.startswith("heldout")}, base.version,
                          fit.n_skipped, fit.estimator, fit.features)
    folder = personal_dir(settings)
    staging = folder.with_name(folder.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    if fit.adopted:
        save_file({"w": fit.w}, str(staging / WEIGHTS_FILE))
    (staging / STATE_FILE).write_text(json.dumps(state.__dict__, indent=2) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return state
