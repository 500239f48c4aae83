"""Training loop for the compatibility model, readable top to bottom (nanoGPT style).

`train(data, config, progress)` -> (model, metrics). Everything random is seeded from
`config.seed`, so a run is reproducible. Progress is reported through a callback so the command
line can draw a tqdm bar and the app a progress bar.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import torch

from models.compat import CompatEnsemble, CompatNet, LearnedCompatModel
from models.config import ModelConfig, TrainConfig
from models.data import DataError, OutfitSet, split_outfits
from models.evaluate import evaluate
from models.input_basis import principal_bases
from models.losses import make_loss
from models.negatives import OutfitSampler
from models.style_features import gcca_maps, reliability_weighted
from models.style_prior import style_basis


@dataclass(frozen=True)
class TrainProgress:
    step: int
    total_steps: int
    epoch: int
    loss: float


ProgressCallback = Callable[[TrainProgress], None]


def train(
    data: OutfitSet,
    config: TrainConfig | None = None,
    progress: ProgressCallback | None = None,
    val_data: OutfitSet | None = None,
) -> tuple[LearnedCompatModel, dict[str, Any]]:
    """Train on `data` (minus a validation split unless `val_data` is given); returns the model
    and metrics (training time, loss curve, validation AUC/FITB with the fixed protocol)."""
    config = config or TrainConfig()
    # Multi-threaded CPU kernels (index backward) otherwise vary in the last bits between runs.
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        return _train(data, config, progress, val_data)
    finally:
        torch.use_deterministic_algorithms(was_deterministic)


def _train(
    data: OutfitSet, config: TrainConfig, progress: ProgressCallback | None, val_data: OutfitSet | None
) -> tuple[LearnedCompatModel, dict[str, Any]]:
    # ---- data
    if val_data is None:
        train_set, val_set = split_outfits(data, config.val_fraction, config.seed)
    else:
        train_set, val_set = data, val_data
    if len(train_set) < 2:
        raise DataError(f"{len(train_set)} training outfit(s): need at least 2")

    # ---- one net per member, member m on seed + m (so member 0 is the single net of this seed)
    model_config = replace(config.model, input_dim=train_set.dim)
    n_members = model_config.members
    t0 = time.perf_counter()
    # each category's principal subspace of the training items, shared by the members
    rank = model_config.subspace_rank
    basis = principal_bases(train_set, model_config.categories, rank) if rank else None
    fits = [_fit(train_set, replace(config, seed=config.seed + m), replace(model_config, members=1),
                 _member_progress(progress, m, n_members), basis)
            for m in range(n_members)]
    train_time = time.perf_counter() - t0
    net = fits[0].net if n_members == 1 else CompatEnsemble(model_config, [f.net for f in fits])
    epoch_loss = [sum(values) / n_members for values in zip(*(f.epoch_loss for f in fits), strict=True)]
    step = sum(f.steps for f in fits)
    loss_fn = fits[0].loss_fn

    # ---- wrap, validate, record
    model = LearnedCompatModel(net)
    # the style subspace of the training outfits, for the personal layer's prior (saved beside
    # the weights; not part of the version: it does not change how the model ranks)
    model.style_prior = style_basis(model, train_set)
    # style features of the raw item vectors (multi-set CCA across the outfits' categories): what
    # the personal layer reads its per-item preference from when present, each category's
    # scaled by how reliably it agrees with the rest of its outfits
    model.style_features = reliability_weighted(gcca_maps(train_set), train_set) or None
    metrics: dict[str, Any] = {
        "loss": config.loss,
        "n_train": len(train_set),
        "n_val": len(val_set) if val_set is not None else 0,
        "epochs": config.epochs,
        "steps": step,
        "train_time_s": round(train_time, 2),
        "epoch_loss": [round(v, 5) for v in epoch_loss],
        # learned scalars of the loss (the seed's temperature, the contrastive logit scale)
        "loss_state": {n: round(p.item(), 6) for n, p in loss_fn.named_parameters() if p.numel() == 1},
        "style_prior": None if model.style_prior is None else int(model.style_prior.shape[1]),
        "style_features": None if model.style_features is None else sorted(model.style_features),
    }
    if n_members > 1:  # epoch_loss is then the members' mean, loss_state member 0's
        metrics["members"] = n_members
    if val_set is not None:
        metrics["validation"] = evaluate(model, val_set, seed=config.seed).to_dict()
    model.info = {"config": asdict(config), "metrics": metrics}
    return model, metrics


@dataclass
class _Fit:
    """One net trained on its own seed, with what the record keeps of its run."""

    net: CompatNet
    loss_fn: torch.nn.Module
    epoch_loss: list[float]
    steps: int


def _member_progress(progress: ProgressCallback | None, member: int, n_members: int) -> ProgressCallback | None:
    """Progress of member `member` as steps of the whole run (members train one after another)."""
    if progress is None or n_members == 1:
        return progress

    def report(p: TrainProgress) -> None:
        progress(TrainProgress(member * p.total_steps + p.step, n_members * p.total_steps, p.epoch, p.loss))

    return report


def _fit(train_set: OutfitSet, config: TrainConfig, model_config: ModelConfig, progress: ProgressCallback | None,
         basis: tuple[np.ndarray, np.ndarray] | None = None) -> _Fit:
    """Train one net from its seed: model, loss, optimiser, then the loop over epochs."""
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)

    # ---- model, loss, optimiser (the loss may own a learned temperature)
    net = CompatNet(model_config)
    if basis is not None:
        net.set_input_basis(*basis)
    loss_fn = make_loss(config)
    params = list(net.parameters()) + list(loss_fn.parameters())
    optimizer = torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=config.lr_step, gamma=config.lr_gamma)
    sampler = OutfitSampler(train_set, net)
    average = [torch.zeros_like(p) for p in net.parameters()] if config.ema_decay else None

    # ---- loop
    steps_per_epoch = len(sampler.epoch_batches(config.batch_size, torch.Generator().manual_seed(0)))
    total_steps = steps_per_epoch * config.epochs
    epoch_loss: list[float] = []
    step = 0
    for epoch in range(config.epochs):
        net.train()
        running = 0.0
        batches = sampler.epoch_batches(config.batch_size, gen)
        for idx in batches:
            pos = sampler.batch(idx)
            neg = sampler.modified(idx, config.n_swap, gen)
            hard = sampler.hard_batch(len(idx), gen)
            loss, _ = loss_fn(net, pos, neg, hard)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if average is not None:
                with torch.no_grad():
                    for a, p in zip(average, net.parameters(), strict=True):
                        a.lerp_(p, 1.0 - config.ema_decay)
            step += 1
            running += loss.item()
            if progress is not None:
                progress(TrainProgress(step, total_steps, epoch, loss.item()))
        scheduler.step()
        epoch_loss.append(running / max(len(batches), 1))
    if average is not None:  # the net ends as the average of its weights (TrainConfig.ema_decay),
        # started from zero and divided by the weight it has gathered, as Adam corrects its moments
        gathered = 1.0 - config.ema_decay ** step
        with torch.no_grad():
            for p, a in zip(net.parameters(), average, strict=True):
                p.copy_(a / gathered)
    return _Fit(net.eval(), loss_fn, epoch_loss, step)
