"""`train` and `evaluate`: the compatibility model's command line (interface fixed by issue 3).

    python -m core.cli train --data PATH --out DIR [--loss contrastive|seed] [--epochs N]
                             [--seed S] [--val-fraction F]
    python -m core.cli train --init BASE_DIR|identity --data PATH --out DIR   (taste layer, issue 12)
    python -m core.cli evaluate --model DIR|identity --data PATH [--seed S] --json

Bad data or model folders print one clear line naming the file and the reason, exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from base.config import load_settings

EXIT_BAD_INPUT = 2


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _json_safe(value: Any) -> Any:
    """NaN is not JSON: report it as null."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def cmd_train_personal(args: argparse.Namespace) -> int:
    """Fit the personal taste layer on rated outfits over the model in `--init` (left as it is)."""
    from core.learning.sources import load_rated_data
    from models.compat import ModelLoadError, ModelMismatch, load_model
    from models.data import DataError
    from models.personal import PersonalModel, fit_personal

    settings = load_settings()
    try:
        base = load_model(args.init)
    except ModelLoadError as exc:
        return _fail(str(exc))
    try:
        data, ratings = load_rated_data(args.data, settings)
        base.check_inputs(data.dim, data.category_grid()[data.mask].tolist())
    except DataError as exc:
        return _fail(str(exc))
    except ModelMismatch as exc:
        return _fail(f"{args.init}: cannot score {args.data}: {exc}")
    if ratings is None:
        return _fail(f"{args.data}: --init needs rated outfits (an .npz with a 'rating' array of "
                     "+1/-1, or 'wardrobe')")
    if Path(args.out).resolve() == Path(str(args.init)).resolve():
        return _fail(f"{args.out}: --out must differ from --init (the base stays unchanged)")
    fit = fit_personal(base, data, ratings, seed=args.seed)
    model = PersonalModel(base, fit.w, info={"personal": fit.to_dict(), "data": str(args.data)},
                          features=fit.features)
    out = model.save(args.out, None if str(args.init) == "identity" else Path(args.init))
    state = "adopted" if fit.adopted else "not adopted (zero preference: ranks as the base)"
    print(f"saved personal layer {model.version} over {base.version} to {out}: {state}; "
          f"{fit.reason} (direction: {fit.estimator}); preference read from: {fit.features}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    if args.init is not None:
        return cmd_train_personal(args)
    from tqdm import tqdm

    from core.learning.sources import load_training_data
    from models.config import TrainConfig
    from models.data import DataError
    from models.polyvore import is_polyvore_folder
    from models.train import TrainProgress, train

    settings = load_settings()
    try:
        config = TrainConfig.for_loss(args.loss, epochs=args.epochs, seed=args.seed, val_fraction=args.val_fraction)
    except ValueError as exc:
        return _fail(str(exc))
    try:
        data = load_training_data(args.data, settings, split="train")
        val = (load_training_data(args.data, settings, split="valid")
               if is_polyvore_folder(Path(args.data)) else None)
    except DataError as exc:
        return _fail(str(exc))

    bar = tqdm(total=None, desc=f"training ({config.loss})", unit="step", file=sys.stderr)

    def show(p: TrainProgress) -> None:
        bar.total = p.total_steps
        bar.set_postfix(epoch=p.epoch + 1, loss=f"{p.loss:.4f}", refresh=False)
        bar.update(1)

    try:
        model, metrics = train(data, config, progress=show, val_data=val)
    except DataError as exc:
        return _fail(str(exc))
    finally:
        bar.close()
    out = model.save(args.out)
    print(f"saved model {model.version} to {out} ({metrics['n_train']} outfits, {metrics['train_time_s']} s)")
    validation = metrics.get("validation")
    if validation is None:
        print("validation metrics: none (--val-fraction 0)")
    else:
        print("validation metrics: " + json.dumps(_json_safe(validation)))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from core.learning.sources import item_embedder, load_rated_data, load_training_data
    from models.compat import ModelLoadError, ModelMismatch, load_model
    from models.data import DataError
    from models.evaluate import evaluate, evaluate_polyvore, roc_auc, score_outfits
    from models.polyvore import PolyvoreFolder, is_polyvore_folder

    settings = load_settings()
    try:
        model = load_model(args.model)
    except ModelLoadError as exc:
        return _fail(str(exc))
    try:
        if is_polyvore_folder(Path(args.data)):
            result: dict[str, Any] = evaluate_polyvore(
                model, PolyvoreFolder(args.data), item_embedder(settings))
        else:
            result = evaluate(model, load_training_data(args.data, settings),
                              seed=args.seed).to_dict()
            rated, ratings = (load_rated_data(args.data, settings)
                              if Path(args.data).suffix == ".npz" else (None, None))
            if rated is not None and ratings is not None:  # liked vs disliked outfits: does the model share the taste?
                scores = score_outfits(model, rated.vectors, rated.mask, rated.category_grid())
                result["preference_auc"] = roc_auc(scores[ratings > 0], scores[ratings < 0])
    except DataError as exc:
        return _fail(str(exc))
    except ModelMismatch as exc:
        return _fail(f"{args.model}: cannot score {args.data}: {exc}")
    result = {"model": str(args.model), "model_version": model.version, "seed": args.seed, **result}
    if args.json:
        print(json.dumps(_json_safe(result)))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="train the outfit-compatibility model")
    p.add_argument("--data", required=True, help=".npz, seed .json, Polyvore folder or 'wardrobe'")
    p.add_argument("--out", required=True, type=Path, help="folder to write the model to")
    p.add_argument("--loss", choices=("contrastive", "seed"), default="contrastive")
    p.add_argument("--epochs", type=int, default=None, help="default: the loss's preset")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--val-fraction", type=float, default=None, help="default 0.1")
    p.add_argument("--init", default=None, help="fit a personal taste layer on the rated outfits "
                   "of --data over this model folder (or 'identity'), which stays unchanged")
    p.set_defaults(func=cmd_train)

    e = subparsers.add_parser("evaluate", help="AUC and fill-in-the-blank accuracy of a model")
    e.add_argument("--model", required=True, help="model folder or 'identity'")
    e.add_argument("--data", required=True, help=".npz, seed .json, Polyvore folder or 'wardrobe'")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.set_defaults(func=cmd_evaluate)
