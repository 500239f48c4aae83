"""The candidates compared on the selection worlds (issue 11), as run; prints one JSON line each.

    .venv/bin/python benchmarks/compat_candidates.py CFG[,CFG...] N_TRAIN EPOCHS WORLD...
    e.g. benchmarks/compat_candidates.py default,towers_outfit 2000 8 12 15 17 18

Names: identity, default (= PREVIOUS_DEFAULT), towers, towers_outfit (= the new default), and
the ablations below; `new*` are variations of the shipped default (its own epochs/schedule unless
EPOCHS says otherwise). Use only selection worlds (models.worlds.split_worlds); the report worlds
are for benchmarks/compat_synthetic.py after a choice is made.
"""
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.compat import identity
from models.config import PREVIOUS_DEFAULT, TrainConfig
from models.evaluate import evaluate
from models.train import train
from models.worlds import world, world_outfits


def configs() -> dict[str, TrainConfig]:
    base = replace(PREVIOUS_DEFAULT, val_fraction=0.0)
    c = {"default": base}
    m = base.model
    c["nomask"] = replace(base, model=replace(m, pair_masks=False))
    c["nce_only"] = replace(base, margin_weight=0.0)
    c["towers"] = replace(base, model=replace(m, arch="towers", hidden_dim=256))
    c["outfit"] = replace(base, outfit_nce_weight=1.0)
    c["towers_outfit"] = replace(base, model=replace(m, arch="towers", hidden_dim=256), outfit_nce_weight=1.0)
    c["outfit_only"] = replace(base, outfit_nce_weight=1.0, nce_weight=0.0, margin_weight=0.0)
    c["towers_outfit_only"] = replace(base, model=replace(m, arch="towers", hidden_dim=256), outfit_nce_weight=1.0, nce_weight=0.0, margin_weight=0.0)
    t = replace(base, model=replace(m, arch="towers", hidden_dim=256))
    c["t_h512"] = replace(t, model=replace(t.model, hidden_dim=512))
    c["t_nomask"] = replace(t, model=replace(t.model, pair_masks=False))
    c["t_nce_only"] = replace(t, margin_weight=0.0)
    c["t_outfit_nomargin"] = replace(t, margin_weight=0.0, outfit_nce_weight=1.0)
    c["t_drop3"] = replace(t, model=replace(t.model, dropout=0.3))
    c["t_fixtemp"] = replace(t, learn_temperature=False, temperature_init=0.1)
    c["t_wd"] = replace(t, weight_decay=1e-3)
    c["t_outfit_h128"] = replace(t, model=replace(t.model, hidden_dim=128), outfit_nce_weight=1.0)
    # issue 11, second round (on the shipped default: towers + outfit InfoNCE, 20 epochs)
    new = replace(TrainConfig.for_loss("contrastive"), val_fraction=0.0)
    c["new"] = new
    c["new_lat64"] = replace(new, model=replace(new.model, latent_dim=64))
    c["new_wd1e3"] = replace(new, weight_decay=1e-3)
    c["new_drop3"] = replace(new, model=replace(new.model, dropout=0.3))
    return c

def main() -> None:
    torch.set_num_threads(1)
    names, n_train, epochs = sys.argv[1].split(","), int(sys.argv[2]), int(sys.argv[3])
    cfgs = configs()
    for wid in [int(a) for a in sys.argv[4:]]:
        w = world(wid)
        train_set = world_outfits(n_train, w, seed=100 + wid).outfits
        test_set = world_outfits(1500, w, seed=200 + wid).outfits
        for name in names:
            secs = 0.0
            if name == "identity":
                e = evaluate(identity(), test_set, seed=wid)
            else:
                t0 = time.perf_counter()
                model, _ = train(train_set, replace(cfgs[name], epochs=epochs, seed=wid))
                secs = time.perf_counter() - t0
                e = evaluate(model, test_set, seed=wid)
            print(json.dumps({"cfg": name, "world": wid, "n": n_train, "ep": epochs, "auc": round(e.auc, 4),
                              "fitb": round(e.fitb_accuracy, 4), "s": round(secs, 1)}), flush=True)


if __name__ == "__main__":
    main()
