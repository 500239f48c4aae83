"""Losses. Each is a module (it may own a learned temperature) called as loss(net, pos, neg, hard).

`seed`: the original method, reproduced faithfully including its flaw: every term pulls
similarities up and nothing pushes incompatible items apart, so mapping everything onto one
direction minimises it (collapse).
`contrastive`: per category pair, symmetric InfoNCE with in-batch negatives (as CLIP/open_clip),
plus a margin ranking term against the modified outfits (and disliked outfits when known).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from models.compat import CompatNet
from models.config import TrainConfig
from models.negatives import Batch


def outfit_similarity(sims: torch.Tensor, both: torch.Tensor) -> torch.Tensor:
    """Mean over present pairs of (B, P) pair similarities; 0 for outfits without a pair."""
    w = both.to(sims.dtype)
    return (sims * w).sum(1) / w.sum(1).clamp_min(1.0)


def same_rows(x: torch.Tensor) -> torch.Tensor:
    """(n, n) bool: rows i and j are the identical vector (i != j). Exact: `cdist(x, x) == 0`
    in float32 misses about half of the identical rows (the matrix-product path leaves ~1e-4)."""
    _, ids = torch.unique(x, dim=0, return_inverse=True)
    same = ids[:, None] == ids[None, :]
    same.fill_diagonal_(False)
    return same


def latents(net: CompatNet, batch: Batch, unit: torch.Tensor | None = None) -> torch.Tensor:
    """(B, K, d) latents of a batch, divided by `unit` (the gate scale) when given."""
    b, k, d_in = batch.x.shape
    h = net.embed(batch.x.reshape(b * k, d_in), batch.cat.reshape(-1)).reshape(b, k, -1)
    return h if unit is None else h / unit


def gate_scale(h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean item weight g = ‖h‖ over the present items of a batch (a gated net's latents)."""
    g = h.norm(dim=-1)
    return (g * mask).sum() / mask.sum().clamp_min(1)


def weight_norm(net: CompatNet) -> torch.Tensor:
    """‖W‖ (Frobenius) of the seed's matrix; for other nets, of all weight matrices together."""
    mats = [p for name, p in net.named_parameters() if p.ndim == 2 and "weight" in name]
    return torch.sqrt(sum((m**2).sum() for m in mats))


class SeedLoss(nn.Module):
    """relu(1 − mean_sim(outfit)) + mean(relu(threshold − sim(modified))) + λ‖W‖, sim = cos/τ."""

    def __init__(self, temperature_init: float = 0.07, threshold: float = 0.7, w_norm_weight: float = 0.01) -> None:
        super().__init__()
        self.temperature = nn.Parameter(torch.tensor(float(temperature_init)))
        self.threshold = threshold
        self.w_norm_weight = w_norm_weight

    def forward(self, net: CompatNet, pos: Batch, neg: Batch, hard: Batch | None = None) -> tuple[torch.Tensor, dict[str, float]]:
        pos_sim = outfit_similarity(*net.pair_scores(pos.x, pos.mask, pos.cat)) / self.temperature
        neg_sim = outfit_similarity(*net.pair_scores(neg.x, neg.mask, neg.cat)) / self.temperature
        keep = neg.valid if neg.valid is not None else torch.ones_like(neg_sim, dtype=torch.bool)
        l_pos = F.relu(1.0 - pos_sim).mean()
        l_neg = F.relu(self.threshold - neg_sim[keep]).mean() if keep.any() else pos_sim.new_zeros(())
        l_w = self.w_norm_weight * weight_norm(net)
        loss = l_pos + l_neg + l_w
        return loss, {"pos": l_pos.item(), "neg": l_neg.item(), "w": l_w.item()}


class ContrastiveLoss(nn.Module):
    """Per category pair InfoNCE (in-batch negatives) + margin over modified/disliked outfits."""

    def __init__(
        self,
        temperature_init: float = 0.07,
        margin: float = 0.2,
        hard_negative_weight: float = 1.0,
        max_logit_scale: float = 100.0,
        nce_weight: float = 1.0,
        margin_weight: float = 1.0,
        outfit_nce_weight: float = 0.0,
        learn_temperature: bool = True,
        rarity_weight: bool = False,
        rarity_power: float = 1.0,
        gate_target: float = 0.0,
    ) -> None:
        super().__init__()
        log_scale = torch.tensor(math.log(1.0 / temperature_init))
        if learn_temperature:
            self.logit_scale = nn.Parameter(log_scale)
        else:
            self.register_buffer("logit_scale", log_scale)
        self.margin = margin
        self.hard_negative_weight = hard_negative_weight
        self.max_log_scale = math.log(max_logit_scale)
        self.nce_weight = nce_weight
        self.margin_weight = margin_weight
        self.outfit_nce_weight = outfit_nce_weight
        self.rarity_weight = rarity_weight
        self.rarity_power = rarity_power
        self.gate_target = gate_target

    def info_nce(self, net: CompatNet, h: torch.Tensor, pos: Batch) -> torch.Tensor:
        """Symmetric InfoNCE for every (slot pair, category pair) group of >= 2 outfits.

        Items appearing in several outfits of the batch (the same vector) are not counted as
        negatives of each other's partners: they are masked out of the logits.
        """
        scale = self.logit_scale.clamp(max=self.max_log_scale).exp()
        total, count = h.new_zeros(()), 0
        k = h.shape[1]
        for i in range(k):
            for j in range(i + 1, k):
                both = pos.mask[:, i] & pos.mask[:, j]
                pair_key = pos.cat[:, i] * 1000 + pos.cat[:, j]
                for key in torch.unique(pair_key[both]).tolist():
                    rows = torch.nonzero(both & (pair_key == key)).flatten()
                    if rows.numel() < 2:
                        continue
                    ci, cj = pos.cat[rows, i], pos.cat[rows, j]
                    za = net.pair_view(h[rows, i], ci, cj)
                    zb = net.pair_view(h[rows, j], cj, ci)
                    logits = scale * za @ zb.T
                    xa, xb = pos.x[rows, i], pos.x[rows, j]
                    dup = same_rows(xa) | same_rows(xb)
                    logits = logits.masked_fill(dup, float("-inf"))
                    labels = torch.arange(rows.numel())
                    if self.rarity_weight and pos.rarity is not None:
                        # a pair counts as much as its rarer-seen items: a staple's pair ~ nothing
                        w = (pos.rarity[rows, i] * pos.rarity[rows, j]) ** self.rarity_power
                        ce = (F.cross_entropy(logits, labels, reduction="none")
                              + F.cross_entropy(logits.T, labels, reduction="none")) / 2
                        total = total + (ce * w).sum()
                        count = count + w.sum()
                        continue
                    pair_loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
                    total = total + pair_loss * rows.numel()
                    count += rows.numel()
        return total / count if torch.is_tensor(count) else total / max(count, 1)

    def outfit_nce(self, net: CompatNet, h: torch.Tensor, pos: Batch) -> torch.Tensor:
        """Fill-in-the-blank as a loss: for every slot, outfit i's own item must beat the same
        slot's items of the other outfits of the batch, scored against all of i's other items
        (the part of the outfit score that changes when that slot changes)."""
        scale = self.logit_scale.clamp(max=self.max_log_scale).exp()
        total, count = h.new_zeros(()), 0
        k = pos.mask.shape[1]
        for slot in range(k):
            for c in torch.unique(pos.cat[pos.mask[:, slot], slot]).tolist():
                rows = torch.nonzero(pos.mask[:, slot] & (pos.cat[:, slot] == c)).flatten()
                if rows.numel() < 2:
                    continue
                logits = h.new_zeros((rows.numel(), rows.numel()))
                partners = h.new_zeros(rows.numel())
                cand_cat = pos.cat[rows, slot]
                for other in range(k):
                    if other == slot:
                        continue
                    present = pos.mask[rows, other]
                    for p in torch.unique(pos.cat[rows[present], other]).tolist():
                        sel = torch.nonzero(present & (pos.cat[rows, other] == p)).flatten()
                        pcat = torch.full_like(cand_cat, p)
                        cand = net.pair_view(h[rows, slot], cand_cat, pcat)  # every candidate
                        ctx = net.pair_view(h[rows[sel], other], pcat[sel], cand_cat[sel])
                        logits = logits.index_add(0, sel, ctx @ cand.T)
                        partners = partners.index_add(0, sel, torch.ones_like(sel, dtype=h.dtype))
                keep = partners > 0
                if keep.sum() < 1:
                    continue
                logits = scale * logits / partners.clamp_min(1.0)[:, None]
                xs = pos.x[rows, slot]
                dup = same_rows(xs)
                logits = logits.masked_fill(dup, float("-inf"))[keep]
                labels = torch.arange(rows.numel())[keep]
                if self.rarity_weight and pos.rarity is not None:
                    w = pos.rarity[rows, slot][keep] ** self.rarity_power  # blanking a staple asks nothing learnable
                    total = total + (F.cross_entropy(logits, labels, reduction="none") * w).sum()
                    count = count + w.sum()
                    continue
                total = total + F.cross_entropy(logits, labels, reduction="sum")
                count += int(keep.sum())
        return total / count if torch.is_tensor(count) else total / max(count, 1)

    def forward(self, net: CompatNet, pos: Batch, neg: Batch, hard: Batch | None = None) -> tuple[torch.Tensor, dict[str, float]]:
        h = latents(net, pos)
        l_gate = self.gate_target * self.gate_fit(net, h, pos) if self.gate_target else h.new_zeros(())
        # With an item gate, weights are taken relative to the batch's mean weight: scaling every
        # g up would otherwise act as a second temperature, and all gates would saturate at 1.
        # (Scores then scale by one constant per model; rankings, AUC and FITB do not change.)
        unit = gate_scale(h, pos.mask) if net.gate is not None else None
        if unit is not None:
            h = h / unit
        l_nce = self.nce_weight * self.info_nce(net, h, pos) if self.nce_weight else h.new_zeros(())
        l_outfit = self.outfit_nce_weight * self.outfit_nce(net, h, pos) if self.outfit_nce_weight else h.new_zeros(())
        pos_score = outfit_similarity(*net.latent_pair_scores(h, pos.mask, pos.cat))
        neg_score = outfit_similarity(*net.latent_pair_scores(latents(net, neg, unit), neg.mask, neg.cat))
        keep = neg.valid if neg.valid is not None else torch.ones_like(neg_score, dtype=torch.bool)
        l_margin = F.relu(self.margin - pos_score + neg_score)[keep].mean() if keep.any() else h.new_zeros(())
        l_margin = self.margin_weight * l_margin
        l_hard = h.new_zeros(())
        if hard is not None:
            hard_score = outfit_similarity(*net.latent_pair_scores(latents(net, hard, unit), hard.mask, hard.cat))
            l_hard = self.hard_negative_weight * F.relu(self.margin - pos_score + hard_score).mean()
        loss = l_nce + l_outfit + l_margin + l_hard + l_gate
        return loss, {"nce": l_nce.item(), "outfit_nce": l_outfit.item(), "margin": l_margin.item(), "hard": l_hard.item(),
                      "gate": l_gate.item()}

    @staticmethod
    def gate_fit(net: CompatNet, h: torch.Tensor, pos: Batch) -> torch.Tensor:
        """Cross-entropy of each present item's gate g = ‖h‖ against its rarity 1/count: an item
        worn with many different partners says little about any one of them (as IDF weighs a word),
        and the losses alone give a staple's gate no reason to fall (its pairs are weighted ~0)."""
        if net.gate is None or pos.rarity is None:
            return h.new_zeros(())
        g = h.norm(dim=-1)[pos.mask].clamp(1e-6, 1 - 1e-6)
        return F.binary_cross_entropy(g, pos.rarity[pos.mask].to(g.dtype))


def make_loss(config: TrainConfig) -> SeedLoss | ContrastiveLoss:
    if config.loss == "seed":
        return SeedLoss(config.temperature_init, config.threshold, config.w_norm_weight)
    return ContrastiveLoss(config.temperature_init, config.margin, config.hard_negative_weight, config.max_logit_scale,
                           config.nce_weight, config.margin_weight, config.outfit_nce_weight, config.learn_temperature,
                           config.rarity_weight, config.rarity_power, config.gate_target)
