"""The outfit-compatibility model interface shared by training, evaluation and ranking.

A model maps each item embedding into a latent space (optionally depending on the category of
the item it is paired with). The score of an outfit is the mean pairwise cosine similarity of its
present items in that space. Because the score decomposes into pairs, the ranker can search every
combination exactly with matrix products instead of one model call per outfit.
"""

from __future__ import annotations

import hashlib
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from models.config import ARCHS, ModelConfig
from models.data import category_grid
from models.style_features import (
    STYLE_FEATURES_FILE,
    Maps,
    load_style_features,
    save_style_features,
)
from models.style_prior import STYLE_PRIOR_FILE, load_style_prior, save_style_prior

# Slot order used by data files, training and the ranker. A one-piece fills the top and bottom
# slots of an outfit: it is stored in the "top" slot, its category "onepiece", with "bottom" absent.


def l2_normalise(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), eps)


class ModelMismatch(ValueError):
    """A model that loads but cannot score these item embeddings (their size or categories)."""


class CompatModel(ABC):
    """Anything that can project items of a category into the shared latent space."""

    name: str = "model"
    style_prior: np.ndarray | None = None  # the base's style basis, if trained with one (models/style_prior.py)
    style_features: Maps | None = None  # raw-item style maps, if trained with them (models/style_features.py)

    @property
    def input_dim(self) -> int | None:
        """The size of item embedding it takes; None = any."""
        return None

    @property
    def categories(self) -> tuple[str, ...] | None:
        """The item categories it can project; None = any."""
        return None

    def check_inputs(self, dim: int, categories: Iterable[str] = ()) -> None:
        """ModelMismatch, with a sentence, unless it can score `dim`-d embeddings of these
        categories: a model trained on another encoder's embeddings would fail deep in torch."""
        if self.input_dim is not None and dim != self.input_dim:
            raise ModelMismatch(f"it takes {self.input_dim}-d item embeddings, not {dim}-d ones "
                                "(was it trained on another encoder's?)")
        known = self.categories
        unknown = sorted(set(categories) - set(known)) if known is not None else []
        if unknown:
            raise ModelMismatch(f"it knows no category {', '.join(map(repr, unknown))} "
                                f"(only {', '.join(known or ())})")

    @property
    @abstractmethod
    def version(self) -> str:
        """Changes whenever the weights change; the ranker caches projections under it."""

    @abstractmethod
    def project(self, category: str, x: np.ndarray, partner: str | None = None) -> np.ndarray:
        """(n, D) item embeddings of one category -> (n, d) float32 latents, L2-normalised (a
        model with an item gate scales each by its item's weight g in (0, 1), so that a pair's
        dot product is g_a·g_b·cos and the outfit score stays a mean over pairs).

        `partner` is the category of the other item of the pair being scored; models with one
        shared space ignore it, type-aware models use it to pick the pair's subspace.
        """

    def project_partners(
        self, category: str, x: np.ndarray, partners: Sequence[str | None]
    ) -> list[np.ndarray]:
        """`project` for several partners at once; models whose projection shares work across
        partners (one embedding, a mask per pair) override it so the ranker pays for it once."""
        return [self.project(category, x, partner) for partner in partners]

    def pair_similarity(
        self, cat_a: str, xa: np.ndarray, cat_b: str, xb: np.ndarray
    ) -> np.ndarray:
        """(na, nb) cosine similarities between items of two categories."""
        return self.project(cat_a, xa, cat_b) @ self.project(cat_b, xb, cat_a).T

    def score(
        self, vectors: np.ndarray, mask: np.ndarray, categories: Sequence[Sequence[str]] | Sequence[str]
    ) -> np.ndarray:
        """Mean pairwise similarity of present items for a batch of outfits.

        vectors (N, K, D), mask (N, K) bool, categories either (K,) shared by all outfits or
        (N, K) per outfit (so a one-piece in the top slot can say so). Outfits with fewer than
        two present items score NaN.
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        mask = np.asarray(mask, dtype=bool)
        n, k, _ = vectors.shape
        cats = category_grid(categories, (n, k))
        total = np.zeros(n, dtype=np.float64)
        count = np.zeros(n, dtype=np.int64)
        for i, j in combinations(range(k), 2):
            both = mask[:, i] & mask[:, j]
            for ci, cj in {(cats[r, i], cats[r, j]) for r in np.flatnonzero(both)}:
                rows = np.flatnonzero(both & (cats[:, i] == ci) & (cats[:, j] == cj))
                za = self.project(ci, vectors[rows, i], cj)
                zb = self.project(cj, vectors[rows, j], ci)
                total[rows] += np.einsum("nd,nd->n", za, zb)
                count[rows] += 1
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan).astype(np.float32)


class ModelOver(CompatModel):
    """A model that adds to the scores of a base model (a taste layer, a re-ranker): it takes
    the base's inputs, so a mismatch is refused by the same check as for the base."""

    def __init__(self, base: CompatModel) -> None:
        self.base = base

    @property
    def input_dim(self) -> int | None:
        return self.base.input_dim

    @property
    def categories(self) -> tuple[str, ...] | None:
        return self.base.categories


class IdentityModel(CompatModel):
    """No learned weights: the score is the mean raw FashionCLIP cosine. Used until one is trained."""

    name = "identity"

    @property
    def version(self) -> str:
        return "identity"

    def project(self, category: str, x: np.ndarray, partner: str | None = None) -> np.ndarray:
        return l2_normalise(x)


def identity() -> IdentityModel:
    return IdentityModel()


# --------------------------------------------------------------------------------------------
# The learned model: a torch module (CompatNet) and its numpy-facing wrapper (LearnedCompatModel).
# --------------------------------------------------------------------------------------------

MODEL_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
FORMAT_NAME = "what2wear-compat"
FORMAT_VERSION = 1


class ModelLoadError(ValueError):
    """A model folder that cannot be used; the message names the file and the reason."""


OFFSET_INIT = 0.05  # a pair offset's starting β (cosine units): small beside the margin 0.2


def _unit(x: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp_min(eps)


class _Tower(nn.Module):
    """One category's view: a linear skip path plus a GELU MLP, and with `d_quad` > 0 a quadratic
    path W2·(W1·h)²: where one category shows only the square of the style, another's tower can
    square its own (a GELU MLP learns that slowly from a few thousand outfits)."""

    def __init__(self, d_in: int, d_hid: int, d_out: int, d_quad: int = 0) -> None:
        super().__init__()
        self.skip = nn.Linear(d_in, d_out)
        self.fc1 = nn.Linear(d_in, d_hid)
        self.fc2 = nn.Linear(d_hid, d_out)
        self.q_in = nn.Linear(d_in, d_quad, bias=False) if d_quad else None
        self.q_out = nn.Linear(d_quad, d_out) if d_quad else None

    def forward(self, h: torch.Tensor, drop: nn.Module) -> torch.Tensor:
        out = self.skip(h) + self.fc2(drop(F.gelu(self.fc1(h))))
        if self.q_in is not None and self.q_out is not None:
            out = out + self.q_out(self.q_in(h) ** 2)
        return out


class PairScorer(nn.Module):
    """What every net shares: category ids, and outfit scores from `embed` + `pair_view` (a
    subclass defines those two), so one net and an ensemble of them score outfits the same way."""

    config: ModelConfig
    category_index: dict[str, int]

    def embed(self, x: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def pair_view(self, h: torch.Tensor, cat: torch.Tensor, partner: torch.Tensor | None) -> torch.Tensor:
        raise NotImplementedError

    def category_ids(self, categories: np.ndarray | Sequence[str]) -> torch.Tensor:
        """Category names (any shape) -> int64 ids; an unknown name is a clear error."""
        cats = np.asarray(categories, dtype=object)
        try:
            ids = np.vectorize(self.category_index.__getitem__, otypes=[np.int64])(cats)
        except KeyError as exc:
            known = ", ".join(self.config.categories)
            raise ValueError(f"unknown item category {exc.args[0]!r}; known: {known}") from None
        return torch.from_numpy(np.asarray(ids, dtype=np.int64))

    def pair_scores(
        self, x: torch.Tensor, mask: torch.Tensor, cat: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per slot pair cosines (B, P) and whether both items are present (B, P)."""
        b, k, d_in = x.shape
        return self.latent_pair_scores(self.embed(x.reshape(b * k, d_in), cat.reshape(-1)).reshape(b, k, -1), mask, cat)

    def latent_pair_scores(
        self, h: torch.Tensor, mask: torch.Tensor, cat: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`pair_scores` from already embedded (B, K, d) latents (losses reuse one embedding)."""
        k = h.shape[1]
        sims, both = [], []
        for i, j in combinations(range(k), 2):
            zi = self.pair_view(h[:, i], cat[:, i], cat[:, j])
            zj = self.pair_view(h[:, j], cat[:, j], cat[:, i])
            sims.append((zi * zj).sum(-1))
            both.append(mask[:, i] & mask[:, j])
        return torch.stack(sims, 1), torch.stack(both, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        """(B, K, D), (B, K) bool, (B, K) ids -> (B,) mean pairwise cosine of present items.

        Outfits with fewer than two items score NaN (same rule as `CompatModel.score`).
        """
        sims, both = self.pair_scores(x, mask, cat)
        w = both.to(sims.dtype)
        count = w.sum(1)
        score = (sims * w).sum(1) / count.clamp_min(1.0)
        return torch.where(count > 0, score, torch.full_like(score, float("nan")))


class CompatNet(PairScorer):
    """Item embeddings -> one shared latent space; outfit score = mean pairwise cosine.

    `linear` is the seed's bare W (no bias, no LayerNorm, no dropout). `mlp` normalises the input
    with LayerNorm, adds a learned type embedding inside a GELU MLP (so each category can get its
    own, possibly non-linear, view) on top of a linear skip path, with dropout in the hidden layer.
    With `pair_masks`, each unordered category pair (top-shoes, bottom-shoes, ...) compares items
    through its own learned diagonal metric, as in type-aware embeddings (Vasileva et al. 2018):
    "goes with shoes" and "goes with a bottom" may depend on different features.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        if config.members != 1:
            raise ValueError(f"a CompatNet is one net, not {config.members}; build_net(config) makes an ensemble")
        self.config = config
        self.category_index = {c: i for i, c in enumerate(config.categories)}
        n_cat = len(config.categories)
        d_in, d_out, d_hid = config.input_dim, config.latent_dim, config.hidden_dim
        if config.arch == "linear":
            self.W = nn.Linear(d_in, d_out, bias=False)
        elif config.arch == "mlp":
            self.norm = nn.LayerNorm(d_in) if config.layernorm else nn.Identity()
            self.skip = nn.Linear(d_in, d_out)
            self.fc1 = nn.Linear(d_in, d_hid)
            self.fc2 = nn.Linear(d_hid, d_out)
            self.drop = nn.Dropout(config.dropout)
            self.type_emb = nn.Embedding(n_cat, d_hid) if config.type_embedding else None
            if self.type_emb is not None:
                nn.init.normal_(self.type_emb.weight, std=0.02)
        elif config.arch == "towers":
            # One tower per category: each category gets its own (possibly non-linear) view.
            self.norm = nn.LayerNorm(d_in) if config.layernorm else nn.Identity()
            self.drop = nn.Dropout(config.dropout)
            self.in_drop = nn.Dropout(config.input_dropout) if config.input_dropout else nn.Identity()
            self.towers = nn.ModuleDict({c: _Tower(d_in, d_hid, d_out, config.quad_dim)
                                         for c in config.categories})
            if config.subspace_rank:  # set from the training items (set_input_basis); until then the first coordinates
                self.register_buffer("input_mean", torch.zeros(n_cat, d_in))
                self.register_buffer("input_basis", torch.eye(d_in, config.subspace_rank).repeat(n_cat, 1, 1))
        else:
            raise ValueError(f"unknown arch {config.arch!r}; use one of {', '.join(ARCHS)}")
        # Symmetric table: unordered category pair -> row of `pair_mask`.
        rows, cols = np.triu_indices(n_cat)
        table = np.zeros((n_cat, n_cat), dtype=np.int64)
        table[rows, cols] = np.arange(rows.size)
        table[cols, rows] = np.arange(rows.size)
        self.register_buffer("pair_table", torch.from_numpy(table), persistent=False)
        self.pair_mask = nn.Parameter(torch.ones(rows.size, d_out)) if config.pair_masks else None
        # Pair offset β = softplus(ρ) per unordered category pair, starting at β = OFFSET_INIT.
        self.pair_offset = (nn.Parameter(torch.full((rows.size,), math.log(math.expm1(OFFSET_INIT))))
                            if config.pair_offset else None)
        # Item gate: one logit per (item, own category), starting near-constant at g ≈ 0.5.
        self.gate = nn.Linear(d_in, n_cat) if config.item_gate else None
        if self.gate is not None:
            nn.init.normal_(self.gate.weight, std=0.01)
            nn.init.zeros_(self.gate.bias)

    def set_input_basis(self, mean: np.ndarray, basis: np.ndarray) -> None:
        """Each category's mean (n_cat, D) and principal directions (n_cat, D, subspace_rank) of its
        training items (models/input_basis.py), in `config.categories` order."""
        self.input_mean.copy_(torch.as_tensor(mean, dtype=self.input_mean.dtype))
        self.input_basis.copy_(torch.as_tensor(basis, dtype=self.input_basis.dtype))

    def _in_subspace(self, x: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        """Each item's part in its category's principal subspace (ModelConfig.input_rank), else x."""
        if not self.config.subspace_rank:
            return x
        out = torch.empty_like(x)
        for c in torch.unique(cat).tolist():
            rows = torch.nonzero(cat == c).flatten()
            mean, basis = self.input_mean[c], self.input_basis[c]
            out[rows] = mean + ((x[rows] - mean) @ basis) @ basis.T
        return out

    def embed(self, x: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        """(n, D) items with (n,) category ids -> (n, d) latents: un-normalised, or with an item
        gate, of norm g (the item's weight) exactly, which `pair_view` carries through."""
        x = self._in_subspace(x, cat)
        out = self._embed(x, cat)
        if self.gate is None:
            return out
        h = x if self.config.arch == "linear" else self.norm(x)
        g = torch.sigmoid(self.gate(h).gather(1, cat.reshape(-1, 1)))
        return _unit(out) * g

    def _embed(self, x: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        if self.config.arch == "linear":
            return self.W(x)
        h = self.norm(x)
        if self.config.arch == "towers":
            h = self.in_drop(h)
            out = x.new_empty((x.shape[0], self.config.latent_dim))
            for c in torch.unique(cat).tolist():
                rows = torch.nonzero(cat == c).flatten()
                out[rows] = self.towers[self.config.categories[c]](h[rows], self.drop)
            return out
        hidden = self.fc1(h)
        if self.type_emb is not None:
            hidden = hidden + self.type_emb(cat)
        return self.skip(h) + self.fc2(self.drop(F.gelu(hidden)))

    def pair_view(self, h: torch.Tensor, cat: torch.Tensor, partner: torch.Tensor | None) -> torch.Tensor:
        """Unit latents as seen by the pair (cat, partner); partner None = the plain shared space.
        With an item gate, scaled by the item's weight g = ‖h‖ (see `embed`); with a pair offset,
        one more coordinate for a pair (so a pair view is latent_dim + 1 wide)."""
        g = h.norm(dim=-1, keepdim=True) if self.gate is not None else None
        if self.pair_mask is not None and partner is not None:
            h = h * self.pair_mask[self.pair_table[cat, partner]]
        z = _unit(h) if g is None else _unit(h) * g
        if partner is None:
            return z
        # +1 on the pair's first category (by id), −1 on its second; 0 for two items of one category
        # (never an outfit pair). Signs the anti coordinates and the offset's coordinate below.
        side = torch.sign(partner - cat).to(z.dtype)
        anti = self.config.anti_dim
        if anti:
            z = torch.cat([z[:, :-anti], z[:, -anti:] * side[:, None]], dim=-1)
        if self.pair_offset is None:
            return z
        # One more coordinate, √β·g on the pair's first category and −√β·g on its second,
        # so the dot product is g_a·g_b·(cos − β).
        beta = F.softplus(self.pair_offset[self.pair_table[cat, partner]])
        weight = torch.ones_like(z[:, :1]) if g is None else g
        return torch.cat([z, (side * beta.sqrt())[:, None] * weight], dim=-1)


class CompatEnsemble(PairScorer):
    """`members` nets trained apart (own seeds), scored as the mean of their outfit scores.

    A member's pair view is unit-length (times its item gate), so concatenating the members'
    views divided by √M makes a pair's dot product the members' mean cosine: the outfit score
    still decomposes into pairs and the ranker stays exact. Averaging nets fitted to a few
    thousand outfits removes much of their seed-to-seed variance (issue 11, round 7).
    """

    def __init__(self, config: ModelConfig, members: Sequence[CompatNet] | None = None) -> None:
        """New members from `config`, or the given trained ones (which must be of its one-net config)."""
        super().__init__()
        self.config = config
        self.category_index = {c: i for i, c in enumerate(config.categories)}
        one = replace(config, members=1)
        nets = list(members) if members is not None else [CompatNet(one) for _ in range(config.members)]
        if len(nets) != config.members or any(net.config != one for net in nets):
            raise ValueError(f"an ensemble of {config.members} needs that many nets of its own config")
        self.members = nn.ModuleList(nets)

    def embed(self, x: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        """The members' latents side by side: (n, members × latent_dim)."""
        return torch.cat([m.embed(x, cat) for m in self.members], dim=-1)

    def pair_view(self, h: torch.Tensor, cat: torch.Tensor, partner: torch.Tensor | None) -> torch.Tensor:
        chunks = h.split(self.config.latent_dim, dim=-1)
        views = [m.pair_view(c, cat, partner) for m, c in zip(self.members, chunks, strict=True)]
        return torch.cat(views, dim=-1) / math.sqrt(len(views))


def build_net(config: ModelConfig) -> CompatNet | CompatEnsemble:
    """The net a config describes: one `CompatNet`, or an ensemble when `members` > 1."""
    return CompatEnsemble(config) if config.members > 1 else CompatNet(config)


def weights_hash(net: nn.Module, config: ModelConfig) -> str:
    """Content hash of architecture + weights: the ranker caches projections under it."""
    digest = hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True).encode())
    for name, tensor in sorted(net.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


class LearnedCompatModel(CompatModel):
    """A trained `CompatNet` behind the numpy `CompatModel` interface (always in eval mode)."""

    name = "learned"

    def __init__(self, net: PairScorer, info: dict[str, Any] | None = None) -> None:
        self.net = net.eval()
        self.config = net.config
        self.info: dict[str, Any] = dict(info or {})
        self._version = weights_hash(net, net.config)

    @property
    def version(self) -> str:
        return self._version

    @property
    def input_dim(self) -> int | None:
        return self.config.input_dim

    @property
    def categories(self) -> tuple[str, ...] | None:
        return self.config.categories

    def project(self, category: str, x: np.ndarray, partner: str | None = None) -> np.ndarray:
        return self.project_partners(category, x, [partner])[0]

    @torch.no_grad()
    def project_partners(
        self, category: str, x: np.ndarray, partners: Sequence[str | None]
    ) -> list[np.ndarray]:
        """One MLP pass for the items, then only the cheap pair mask per partner."""
        xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).reshape(-1, self.config.input_dim)
        cat = self.net.category_ids([category]).expand(xt.shape[0])
        h = self.net.embed(xt, cat)
        out = []
        for partner in partners:
            other = None if partner is None else self.net.category_ids([partner]).expand(xt.shape[0])
            out.append(self.net.pair_view(h, cat, other).numpy().astype(np.float32, copy=False))
        return out

    @torch.no_grad()
    def torch_score(
        self, vectors: np.ndarray, mask: np.ndarray, categories: Sequence[Sequence[str]] | Sequence[str]
    ) -> np.ndarray:
        """Same result as `score()`, computed by the torch forward in one pass (used in evaluation)."""
        x = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
        if x.shape[0] == 0:  # e.g. no FITB question could be drawn from a tiny set
            return np.zeros(0, dtype=np.float32)
        cats = category_grid(categories, tuple(x.shape[:2]))
        out = self.net(x, torch.from_numpy(np.asarray(mask, dtype=bool)), self.net.category_ids(cats))
        return out.numpy().astype(np.float32, copy=False)

    def save(self, directory: str | Path, info: dict[str, Any] | None = None) -> Path:
        """Write `model.safetensors` + `config.json` (architecture, version, training info)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        if info is not None:
            self.info = dict(info)
        tensors = {k: v.detach().cpu().contiguous() for k, v in self.net.state_dict().items()}
        save_file(tensors, str(out / MODEL_FILE), metadata={"version": self.version})
        meta = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "version": self.version,
            "model": self.config.to_dict(),
            "info": self.info,
        }
        (out / CONFIG_FILE).write_text(json.dumps(meta, indent=2, default=str) + "\n")
        if self.style_prior is not None:
            save_style_prior(out, self.style_prior, self.version)
        else:  # never leave another model's basis beside these weights
            (out / STYLE_PRIOR_FILE).unlink(missing_ok=True)
        if self.style_features:
            save_style_features(out, self.style_features, self.version)
        else:
            (out / STYLE_FEATURES_FILE).unlink(missing_ok=True)
        return out


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ModelLoadError(f"{path}: missing (a model folder holds {CONFIG_FILE} and {MODEL_FILE})")
    try:
        meta = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelLoadError(f"{path}: not a What2Wear compatibility model config")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(f"{path}: unsupported format_version {meta.get('format_version')!r}")
    return meta


def load_model(spec: str | Path) -> CompatModel:
    """"identity" or a folder written by `LearnedCompatModel.save`. Never unpickles anything."""
    if str(spec) == "identity":
        return identity()
    folder = Path(spec).expanduser()
    if not folder.is_dir():
        raise ModelLoadError(f"{folder}: no such model folder (or use 'identity')")
    if (folder / "personal.json").is_file():  # a personal layer over a base (models/personal.py)
        from models.personal import load_personal

        return load_personal(folder)
    meta = _read_config(folder / CONFIG_FILE)
    try:
        config = ModelConfig.from_dict(meta["model"])
        net = build_net(config)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelLoadError(f"{folder / CONFIG_FILE}: invalid model config ({exc})") from None
    info = meta.get("info") or {}
    if not isinstance(info, dict):
        raise ModelLoadError(f"{folder / CONFIG_FILE}: invalid model config ('info' must be an "
                             f"object, not {type(info).__name__})")
    weights = folder / MODEL_FILE
    if not weights.is_file():
        raise ModelLoadError(f"{weights}: missing")
    try:
        state = load_file(str(weights))
        net.load_state_dict(state, strict=True)
    except Exception as exc:  # safetensors raises its own error types; all mean "unusable file"
        raise ModelLoadError(f"{weights}: cannot load weights ({exc})") from None
    model = LearnedCompatModel(net, info=info)
    model.style_prior = load_style_prior(folder, model)
    model.style_features = load_style_features(folder, model)
    return model
