"""The app's view of the compatibility model: which one is active, training it on the person's
own outfits, evaluating it, and the score distributions the Model page plots.

The active model is the folder `settings.compat_model_dir` when it loads, else the identity
model (raw FashionCLIP cosine), with a message saying why. The folder is re-read when its files
change, so a model trained from the app or the command line is picked up without a restart.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from base.config import Settings
from core.learning import personal
from core.ranking.ranker import OutfitRanker
from models.compat import CompatModel, ModelMismatch, identity, load_model
from models.config import TrainConfig
from models.data import OutfitSet
from models.evaluate import Evaluation, auc_negatives, evaluate, score_outfits
from models.train import TrainProgress, train

if TYPE_CHECKING:
    from core.wardrobe.service import Wardrobe

MIN_TRAINING_OUTFITS = 4  # below this a validation split and in-batch negatives mean nothing
EVALUATIONS_FILE = "evaluations.json"  # under settings.models_dir, keyed by model version


@dataclass(frozen=True)
class ActiveModel:
    """The model suggestions use now, and what the person should know about it."""

    model: CompatModel
    name: str  # for people: "identity (untrained)" or "trained on 12 outfits, 2024-05-01"
    version: str
    path: Path | None  # folder it was loaded from; None for identity
    message: str | None  # why a configured model could not be loaded
    info: dict[str, Any] = field(default_factory=dict)  # training info saved with the model
    base: CompatModel | None = None  # the base under an adopted personal layer; None: no layer


@dataclass(frozen=True)
class TrainingData:
    """How much the wardrobe can teach: positives (outfits) and hard negatives (dislikes)."""

    outfits: int
    disliked: int
    data: OutfitSet | None

    @property
    def enough(self) -> bool:
        return self.outfits >= MIN_TRAINING_OUTFITS


@dataclass(frozen=True)
class ScoreDistribution:
    """Scores of real outfits vs. scrambled ones (each slot from another outfit) and dislikes."""

    positive: np.ndarray
    negative: np.ndarray
    disliked: np.ndarray

    def histogram(self, bins: int = 20) -> list[dict[str, object]]:
        """Rows (score bin centre, kind, share of that kind) for a chart; shares sum to 1 per kind."""
        edges = np.linspace(-1.0, 1.0, bins + 1)
        centres = (edges[:-1] + edges[1:]) / 2
        rows: list[dict[str, object]] = []
        for kind, values in (("real outfits", self.positive), ("scrambled outfits", self.negative),
                             ("disliked", self.disliked)):
            values = values[np.isfinite(values)]
            if values.size == 0:
                continue
            counts, _ = np.histogram(np.clip(values, -1.0, 1.0), bins=edges)
            for centre, count in zip(centres, counts, strict=True):
                rows.append({"score": round(float(centre), 3), "kind": kind,
                             "share": float(count) / values.size})
        return rows


def _stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _identity(message: str | None) -> ActiveModel:
    """The untrained model, with why a configured one is not used (None: none configured)."""
    return ActiveModel(identity(), "identity (untrained: raw FashionCLIP similarity)", "identity",
                       None, message)


def training_metrics(info: dict[str, Any]) -> dict[str, Any]:
    """The training metrics saved with a model; a config file may hold anything there."""
    metrics = info.get("metrics")
    return metrics if isinstance(metrics, dict) else {}


class ModelService:
    """One per process (the app caches it). Thread-safe: reruns of several sessions may call it."""

    def __init__(
        self, settings: Settings, embedding_dim: Callable[[], int | None] | None = None
    ) -> None:
        """`embedding_dim`: the loaded encoder's embedding size (None while it is not loaded);
        a model that takes another size is refused, as it could not score these embeddings."""
        self.settings = settings
        self._embedding_dim = embedding_dim or (lambda: None)
        self._lock = threading.RLock()
        self._loaded: tuple[tuple[object, ...], ActiveModel] | None = None
        self._ranker: OutfitRanker | None = None

    @classmethod
    def for_wardrobe(cls, wardrobe: Wardrobe) -> ModelService:
        """The service for a wardrobe: models that cannot score its encoder's embeddings are
        refused."""
        return cls(wardrobe.settings, lambda: wardrobe.encoder_dim)

    # --- active model ---------------------------------------------------------------------

    @property
    def folder(self) -> Path:
        return self.settings.compat_model_dir

    def _fingerprint(self) -> tuple[object, ...]:
        files = sorted(self.folder.glob("*")) if self.folder.is_dir() else []
        layer = personal.personal_dir(self.settings)
        files += sorted(layer.glob("*")) if layer.is_dir() else []
        return (self._embedding_dim(), *(f.stat().st_mtime_ns for f in files if f.is_file()))

    def _load(self) -> ActiveModel:
        if not self.folder.exists():
            return _identity(None)
        try:
            model = load_model(self.folder)
        except Exception as exc:  # ModelLoadError and anything a damaged folder can raise
            return _identity(f"The compatibility model in {self.folder} could not be loaded: {exc}")
        dim = self._embedding_dim()
        try:
            if dim is not None:
                model.check_inputs(dim)
        except ModelMismatch as exc:
            return _identity(f"The compatibility model in {self.folder} was not used: {exc}; "
                             f"the encoder {self.settings.clip_model} makes {dim}-d embeddings")
        info = dict(getattr(model, "info", {}) or {})
        n = training_metrics(info).get("n_train")
        details = ", ".join(x for x in (f"{n} training outfits" if n else "",
                                        str(info.get("trained", ""))[:10]) if x)
        name = f"trained model ({details})" if details else "trained model"
        return ActiveModel(model, name, model.version, self.folder, None, info)

    def active(self) -> ActiveModel:
        """The base, with the personal taste layer folded in when its last update adopted it."""
        with self._lock:
            fingerprint = self._fingerprint()
            if self._loaded is None or self._loaded[0] != fingerprint:
                base = self._load()
                model = personal.wrap(base.model, personal.read_preference(self.settings, base.model),
                                      personal.read_features(self.settings))
                if model is not base.model:
                    base = ActiveModel(model, base.name + " + your personal taste", model.version,
                                       base.path, base.message, base.info, base.model)
                self._loaded = (fingerprint, base)
            return self._loaded[1]

    # --- personal taste layer (core/learning/personal.py) -----------------------------------

    def update_personal(self, wardrobe: Wardrobe) -> personal.PersonalState:
        """Refit the taste layer on all feedback over the current base; adopted only if it beats
        the base on held-out feedback. Seconds: meant to run as a job after each reaction."""
        active = self.active()
        state = personal.update(self.settings, wardrobe, active.base or active.model)
        with self._lock:
            self._loaded = None
        return state

    def personal_state(self) -> personal.PersonalState | None:
        return personal.read_state(self.settings)

    def reset_personal(self) -> None:
        """Rank with the base alone again (the feedback stays; the next update may refit)."""
        with self._lock:
            personal.reset(self.settings)
            self._loaded = None

    def ranker(self, active: ActiveModel) -> OutfitRanker:
        """The ranker for this active model, kept across requests so that its projection and
        pair-block caches serve the next anchor too; a new model gets a new (cold) one."""
        with self._lock:
            if self._ranker is None or self._ranker.model is not active.model:
                self._ranker = OutfitRanker(active.model)
            return self._ranker

    # --- data -------------------------------------------------------------------------------

    @staticmethod
    def training_data(wardrobe: Wardrobe) -> TrainingData:
        data = wardrobe.training_set()
        if data is None:
            return TrainingData(0, 0, None)
        hard = data.hard_negatives
        return TrainingData(len(data), len(hard) if hard is not None else 0, data)

    # --- training ---------------------------------------------------------------------------

    def train_on_wardrobe(
        self,
        wardrobe: Wardrobe,
        epochs: int = 60,
        progress: Callable[[TrainProgress], None] | None = None,
        seed: int = 0,
    ) -> dict[str, Any]:
        """Train on the wardrobe's outfits and feedback; the new model becomes the active one.

        Written to a fresh folder first and swapped in by renames, so a failed run leaves the
        previous model in place (kept as `<folder>.previous`).
        """
        available = self.training_data(wardrobe)
        if not available.enough or available.data is None:
            raise ValueError(
                f"training needs at least {MIN_TRAINING_OUTFITS} outfits of two or more pieces; "
                f"your wardrobe has {available.outfits}. Upload outfit photos, or like / save "
                "suggestions, then try again"
            )
        # lr_step 8 as before the default's own schedule moved to 12 epochs (issue 11, round 7)
        config = TrainConfig(epochs=epochs, seed=seed, batch_size=64, lr_step=8,
                             val_fraction=0.2 if available.outfits >= 10 else 0.0)
        model, metrics = train(available.data, config, progress=progress)
        info = dict(model.info)
        info.update(trained=_stamp(), data="wardrobe", n_disliked=available.disliked)
        with self._lock:
            staging = self.folder.with_name(self.folder.name + ".new")
            previous = self.folder.with_name(self.folder.name + ".previous")
            shutil.rmtree(staging, ignore_errors=True)
            model.save(staging, info=info)
            if self.folder.exists():
                shutil.rmtree(previous, ignore_errors=True)
                self.folder.rename(previous)
            staging.rename(self.folder)
            self._loaded = None
        return metrics

    # --- evaluation -------------------------------------------------------------------------

    def _evaluations_path(self) -> Path:
        return self.settings.models_dir / EVALUATIONS_FILE

    def _read_evaluations(self) -> dict[str, Any]:
        try:
            raw = json.loads(self._evaluations_path().read_text())
        except (OSError, ValueError):
            return {}
        return raw if isinstance(raw, dict) else {}

    def last_evaluation(self, version: str) -> dict[str, Any] | None:
        """The latest evaluation of this model version on the wardrobe, if any."""
        found = self._read_evaluations().get(version)
        if not isinstance(found, dict):
            return None
        scores = (found.get("auc"), found.get("fitb_accuracy"))
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in scores):
            return None  # a hand-edited or damaged file: as if never evaluated
        return found

    def evaluate_on_wardrobe(self, wardrobe: Wardrobe, seed: int = 0) -> dict[str, Evaluation]:
        """AUC and FITB of the active model and of identity, on the wardrobe's own outfits.

        The trained model has seen these outfits, so its numbers are optimistic; identity's
        are the honest baseline to compare against.
        """
        available = self.training_data(wardrobe)
        if available.data is None or available.outfits < 2:
            raise ValueError("evaluation needs at least 2 outfits in the wardrobe")
        active = self.active()
        results = {"active": evaluate(active.model, available.data, seed=seed)}
        if active.version != "identity":
            results["identity"] = evaluate(identity(), available.data, seed=seed)
        with self._lock:
            stored = self._read_evaluations()
            for key, result in results.items():
                version = active.version if key == "active" else "identity"
                stored[version] = {**result.to_dict(), "evaluated": _stamp(),
                                   "n_outfits_in_wardrobe": available.outfits}
            path = self._evaluations_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(stored, indent=2) + "\n")
            tmp.replace(path)
        return results

    def score_distribution(
        self, wardrobe: Wardrobe, seed: int = 0, training: TrainingData | None = None
    ) -> ScoreDistribution | None:
        """Scores of the wardrobe's outfits, their scrambled copies and disliked outfits.

        `training`: the wardrobe's training data when the caller already has it (the Model
        page builds it once per run), so the outfits are not read and stacked again.
        """
        data = (training or self.training_data(wardrobe)).data
        if data is None or len(data) == 0:
            return None
        model = self.active().model
        cats = np.array(data.category_grid(), dtype=object)
        positive = score_outfits(model, data.vectors, data.mask, cats)
        donors = auc_negatives(data, np.random.default_rng(seed))
        rows = np.arange(len(data))[:, None]
        take = np.where(donors >= 0, donors, rows)
        scrambled = data.vectors[take, np.arange(data.mask.shape[1])]
        negative = score_outfits(model, scrambled, data.mask, cats)
        hard = data.hard_negatives
        disliked = (
            score_outfits(model, hard.vectors, hard.mask, np.array(hard.category_grid(), dtype=object))
            if hard is not None and len(hard) else np.zeros(0, np.float32)
        )
        return ScoreDistribution(np.asarray(positive), np.asarray(negative), np.asarray(disliked))
