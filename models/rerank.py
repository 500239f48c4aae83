"""Optional outfit-level re-ranker (issue 11): a small transformer over the items of an outfit.

The pairwise model's score decomposes into pairs, so the ranker finds its exact top-K; a pairwise
score cannot express rules over three items ("the shoes agree with the top *or* the bottom").
This module re-scores given outfits (e.g. that top-K) with a transformer (OutfitTransformer-style)
over the frozen pairwise model's latents, added to the pairwise score:
    score = a · pairwise + delta(outfit)
`delta`'s output layer starts at zero, so an untrained re-ranker ranks exactly as the pairwise
model does. The pairwise stage is not changed: `RerankedModel.project` is the base model's.
Training: outfit-level InfoNCE, each true outfit against copies with 1, 2 or all present slots
replaced by the same slot's items of other outfits (the FITB / modified / AUC negatives).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from models.compat import LearnedCompatModel, ModelOver
from models.data import OutfitSet, category_grid
from models.losses import outfit_similarity
from models.negatives import Batch, OutfitSampler


@dataclass(frozen=True)
class RerankConfig:
    d_model: int = 64
    n_layers: int = 2
    n_heads: int = 4
    dropout: float = 0.1
    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 1e-4
    pair_scale_init: float = 10.0  # a: the pairwise score's weight (cosine -> logit units)
    seed: int = 0


class OutfitReranker(nn.Module):
    """Latents (B, K, d) of present items + category ids -> (B,) score delta."""

    def __init__(self, latent_dim: int, n_categories: int, config: RerankConfig) -> None:
        super().__init__()
        self.inp = nn.Linear(latent_dim, config.d_model)
        self.cat = nn.Embedding(n_categories, config.d_model)
        layer = nn.TransformerEncoderLayer(
            config.d_model, config.n_heads, 2 * config.d_model, config.dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, config.n_layers, enable_nested_tensor=False)
        self.out = nn.Linear(config.d_model, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        self.pair_scale = nn.Parameter(torch.tensor(float(config.pair_scale_init)))

    def forward(self, h: torch.Tensor, mask: torch.Tensor, cat: torch.Tensor, pair: torch.Tensor) -> torch.Tensor:
        z = self.inp(h / h.norm(dim=-1, keepdim=True).clamp_min(1e-12)) + self.cat(cat)
        z = self.encoder(z, src_key_padding_mask=~mask)
        w = mask.to(z.dtype).unsqueeze(-1)
        pooled = (z * w).sum(1) / w.sum(1).clamp_min(1.0)
        return self.pair_scale * pair + self.out(pooled).squeeze(-1)


def _latents(base: LearnedCompatModel, data: OutfitSet) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Frozen latents (N, K, d), mask and category ids of a set (absent slots: zeros)."""
    net = base.net
    x = torch.from_numpy(np.ascontiguousarray(data.vectors, dtype=np.float32))
    mask = torch.from_numpy(np.asarray(data.mask, dtype=bool))
    cat = net.category_ids(data.category_grid())
    n, k, d_in = x.shape
    with torch.no_grad():
        h = net.embed(x.reshape(n * k, d_in), cat.reshape(-1)).reshape(n, k, -1)
    return h * mask.unsqueeze(-1), mask, cat


def _pair(base: LearnedCompatModel, b: Batch) -> torch.Tensor:
    with torch.no_grad():
        return outfit_similarity(*base.net.latent_pair_scores(b.x, b.mask, b.cat))


class RerankedModel(ModelOver):
    """The base pairwise model with an outfit-level re-ranker on top of its score.

    `project`/`pair_similarity` stay the base model's (the exact first stage); `score` is the
    re-ranked outfit score, for re-scoring a shortlist and for evaluation.
    """

    name = "reranked"

    def __init__(self, base: LearnedCompatModel, reranker: OutfitReranker, info: dict[str, Any] | None = None) -> None:
        super().__init__(base)
        self.base: LearnedCompatModel = base
        self.reranker = reranker.eval()
        self.info = dict(info or {})

    @property
    def version(self) -> str:
        return f"{self.base.version}+rerank"

    def project(self, category: str, x: np.ndarray, partner: str | None = None) -> np.ndarray:
        return self.base.project(category, x, partner)

    def project_partners(self, category: str, x: np.ndarray, partners: Sequence[str | None]) -> list[np.ndarray]:
        return self.base.project_partners(category, x, partners)

    @torch.no_grad()
    def score(self, vectors: np.ndarray, mask: np.ndarray, categories: Sequence[Sequence[str]] | Sequence[str]) -> np.ndarray:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape[0] == 0:
            return np.zeros(0, dtype=np.float32)
        cats = category_grid(categories, vectors.shape[:2])
        h, m, c = _latents(self.base, OutfitSet(vectors, np.asarray(mask, dtype=bool), cats))
        pair = _pair(self.base, Batch(h, m, c))
        out = self.reranker(h, m, c, pair).numpy().astype(np.float32)
        return np.where(m.sum(1).numpy() >= 2, out, np.nan).astype(np.float32)


def train_reranker(base: LearnedCompatModel, data: OutfitSet, config: RerankConfig | None = None) -> tuple[RerankedModel, dict[str, Any]]:
    """Fit a re-ranker on `data` over the frozen `base`; returns the combined model and metrics."""
    config = config or RerankConfig()
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    h, mask, _ = _latents(base, data)
    latent_set = OutfitSet(h.numpy(), mask.numpy(), data.category_grid())
    sampler = OutfitSampler(latent_set, base.net)
    n_cat = len(base.net.config.categories)
    model = OutfitReranker(h.shape[-1], n_cat, config)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    k = mask.shape[1]
    t0 = time.perf_counter()
    losses = []
    for _epoch in range(config.epochs):
        model.train()
        running, batches = 0.0, sampler.epoch_batches(config.batch_size, gen)
        for idx in batches:
            pos = sampler.batch(idx)
            negs = [sampler.modified(idx, n, gen) for n in (1, 2, k)]
            outs = [model(b.x, b.mask, b.cat, _pair(base, b)) for b in (pos, *negs)]
            logits = torch.stack(outs, 1)
            valid = torch.stack([torch.ones_like(negs[0].valid), *[b.valid for b in negs]], 1)
            logits = logits.masked_fill(~valid, -1e4)
            loss = nn.functional.cross_entropy(logits, torch.zeros(len(idx), dtype=torch.long))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            running += loss.item()
        losses.append(running / max(len(batches), 1))
    metrics = {"rerank_config": asdict(config), "rerank_train_time_s": round(time.perf_counter() - t0, 2),
               "rerank_epoch_loss": [round(v, 5) for v in losses]}
    return RerankedModel(base, model, {"metrics": metrics}), metrics
