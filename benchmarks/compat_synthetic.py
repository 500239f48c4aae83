"""Identity / seed / previous default / new default on a family of synthetic worlds (issue 11).

Each world (`models/worlds.py`) draws its own rules: how each category sees the latent style
(shared or own linear maps, non-linear views), noise, a nuisance that misleads raw cosine, missing
slots, popularity skew and an "agree with top OR bottom" rule. `split_worlds` splits the world ids
into *selection* worlds (where architecture and defaults were chosen) and *report* worlds that no
choice ever looked at; `--part fresh` runs worlds 24-71: 24-35 were drawn after round 7, which no run of
rounds 1-7 looked at (round 8 reported 24-29 once; 30-35 were first run for round 9), 36-47 after round 9
(36-41 reported round 10, 42-47 round 10 again in round 11), 48-53 after round 11 and 54-59 after round 13 (round 10 reported on each once, after rounds 13 and
14), 60-65 after round 14 (rounds 10 and 15 reported on them after round 15) and 66-71 after round 15
(never run yet). Per world and seed: `--n-train` training and `--n-test` test outfits,
evaluated with the fixed protocol (models/evaluate.py). The `oracle` row is no model: a score that
knows the world's rules but not the outfits (models/worlds_oracle.py), computed from the same test
vectors; its AUC is attainable, so it shows whether a target can be reached in that world. Results are appended to a JSON-lines file
(so a long run can be done in pieces with `--worlds`) and the table is printed from all of it:
mean ± sd over (world, seed) runs and the worst world (its mean over seeds).

    .venv/bin/python benchmarks/compat_synthetic.py --quick                  # smoke run
    .venv/bin/python benchmarks/compat_synthetic.py --part report --results r.jsonl
    .venv/bin/python benchmarks/compat_synthetic.py --table --results r.jsonl  # table only
    .venv/bin/python benchmarks/compat_synthetic.py --timing --threads 1       # the 3-minute claim
The README's table: `--table --results benchmarks/results/compat_worlds.jsonl` (how it was made
is written beside it).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.compat import CompatModel, identity
from models.config import (
    PREVIOUS_DEFAULT,
    ROUND2_DEFAULT,
    ROUND3_DEFAULT,
    ROUND4_DEFAULT,
    ROUND5_DEFAULT,
    ROUND6_DEFAULT,
    ROUND7_DEFAULT,
    ROUND8_DEFAULT,
    ROUND9_DEFAULT,
    ROUND10_DEFAULT,
    TrainConfig,
)
from models.evaluate import evaluate
from models.train import train
from models.worlds import (
    World,
    WorldOutfits,
    WorldSpec,
    make_world,
    split_worlds,
    world,
    world_outfits,
)
from models.worlds_oracle import WorldOracle

ORACLE = "oracle (knows the world's rules)"
N_WORLDS = 24
N_SELECTION = 12
SPLIT_SEED = 0
# Worlds drawn after round 7 (issue 11): no run looked at them before round 8's report, so they are
# unseen by every choice made in rounds 1-8 (the 12 report worlds had been reported in 7 rounds);
# round 8 reported 24-29, and 30-35 stayed unrun until round 9's report. Worlds 36-47 were added
# after round 9 (round 9's diagnosis had read the specs of 24-29): no run touched them before round 10.
# Worlds 48-53 were added after round 11 and 54-59 after round 13 (round 10 reported on each set once,
# after rounds 13 and 14), 60-65 after round 14 (rounds 10 and 15 reported on them after round 15's
# choice), and 66-71 after round 15: no run has touched them.
FRESH_WORLDS = range(N_WORLDS, N_WORLDS + 48)
# Worlds whose specs a diagnosis has read, so they may serve selection from then on (their fresh rows
# stay in the record): 24-29 (round 9's diagnosis; world 28 a probe world in round 11) and 42-47
# (read after round 11's report on them).
DIAGNOSED_WORLDS = (*range(N_WORLDS, N_WORLDS + 6), *range(N_WORLDS + 18, N_WORLDS + 24))
PARTS = ("selection", "report", "fresh")
METHODS: dict[str, TrainConfig | None] = {
    "identity (raw cosine)": None,
    "seed (faithful reproduction)": TrainConfig.for_loss("seed"),
    "previous default (mlp, pair InfoNCE + margin)": PREVIOUS_DEFAULT,
    # issue 11's second-round default (towers, no quadratic path); its rows are "new default" in
    # benchmarks/results/compat_worlds_6000.jsonl, made before the quadratic path was the default.
    "round-2 default (towers)": ROUND2_DEFAULT,
    # issue 11's third-round default (towers + quadratic path); its rows are "new default" in
    # benchmarks/results/compat_worlds_6000_quad.jsonl, made before the item gate was the default.
    "round-3 default (towers + quadratic path)": ROUND3_DEFAULT,
    # issue 11's fourth-round default (+ item gate, rarity-weighted InfoNCE, quadratic path 64); its
    # rows are "new default" in benchmarks/results/compat_worlds_6000_gate.jsonl.
    "round-4 default (+ item gate, rarity-weighted InfoNCE)": ROUND4_DEFAULT,
    # issue 11's fifth-round default (quadratic path 128, towers 256 wide); its rows are "new default"
    # in benchmarks/results/compat_worlds_6000_quad128.jsonl, made before the towers were widened.
    "round-5 default (quadratic path 128, towers 256)": ROUND5_DEFAULT,
    # issue 11's sixth-round default (towers 512, one net, 20 epochs); its rows are "new default" in
    # benchmarks/results/compat_worlds_6000_hidden512.jsonl, made before two nets were the default.
    "round-6 default (towers 512, one net)": ROUND6_DEFAULT,
    # issue 11's seventh-round default (two nets of 12 epochs, scores averaged); its report rows are
    # "new default" in benchmarks/results/compat_worlds_6000_members2.jsonl.
    "round-7 default (two nets)": ROUND7_DEFAULT,
    # issue 11's eighth-round default (three nets); its report rows are "new default" in
    # benchmarks/results/compat_worlds_6000_members3.jsonl.
    "round-8 default (three nets)": ROUND8_DEFAULT,
    # issue 11's ninth-round default (two nets, pair offset, gates fitted to rarity); its rows on worlds 30-35
    # are "new default" in benchmarks/results/compat_worlds_6000_fresh2.jsonl.
    "round-9 default (pair offset, two nets)": ROUND9_DEFAULT,
    # issue 11's tenth-round default (input dropout 0.2); its rows on worlds 36-59 are "new default" in
    # benchmarks/results/compat_worlds_6000_fresh{5,6,7,8}.jsonl.
    "round-10 default (input dropout, two nets)": ROUND10_DEFAULT,
    "new default": TrainConfig.for_loss("contrastive"),
    # Not a model: the generator-aware score (models/worlds_oracle.py); needs no training data.
    ORACLE: None,
}


def emit(row: dict, results: Path | None, stream=sys.stdout) -> None:
    """Print one result row as JSON and append it to `results` (when given): the rows are the
    benchmarks' record, the tables are made from them."""
    print(json.dumps(row), file=stream, flush=True)
    if results is not None:
        with results.open("a") as f:
            f.write(json.dumps(row) + "\n")


def fmt(values: list[float], digits: int = 3) -> str:
    sd = np.std(values, ddof=1) if len(values) > 1 else 0.0
    return f"{np.mean(values):.{digits}f} ± {sd:.{digits}f}"


def world_data(w: World, wid: int, n_train: int, n_test: int, seed: int) -> tuple[WorldOutfits, WorldOutfits]:
    """World `wid`'s training and test outfits for one seed. Every world script draws them here, so a
    report, selection, diagnosis or ablation run of one world and seed sees the same outfits."""
    return (world_outfits(n_train, w, seed=1000 * seed + 100 + wid),
            world_outfits(n_test, w, seed=1000 * seed + 200 + wid))


def run(world_ids: list[int], part: str, seeds: range, n_train: int, n_test: int, quick: bool, out: Path,
        methods: list[str]) -> None:
    for wid in world_ids:
        w = world(wid)
        for seed in seeds:
            train_data, test_data = world_data(w, wid, n_train, n_test, seed)
            train_set, test_set = train_data.outfits, test_data.outfits
            for name, config in METHODS.items():
                if not any(name.startswith(m) for m in methods):
                    continue
                seconds = 0.0
                model: CompatModel = WorldOracle(w) if name == ORACLE else identity()
                if config is not None:
                    config = replace(config, seed=seed, val_fraction=0.0, epochs=2 if quick else config.epochs)
                    t0 = time.perf_counter()
                    model, _ = train(train_set, config)
                    seconds = time.perf_counter() - t0
                r = evaluate(model, test_set, seed=seed)
                row = {"part": part, "world": wid, "seed": seed, "method": name, "n_train": n_train,
                       "auc": r.auc, "fitb": r.fitb_accuracy, "seconds": round(seconds, 1)}
                emit(row, out, sys.stderr)


def table(results: Path) -> None:
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["part"], r["method"])].append(r)
    print("| worlds | method | AUC mean ± sd | worst AUC | FITB mean ± sd | worst FITB | train s/run |")
    print("|---|---|---|---|---|---|---|")
    for part in PARTS:
        for name in METHODS:
            g = groups.get((part, name))
            if not g:
                continue
            by_world: dict[int, list[dict]] = defaultdict(list)
            for r in g:
                by_world[r["world"]].append(r)
            worst_auc = min(np.mean([r["auc"] for r in rs]) for rs in by_world.values())
            worst_fitb = min(np.mean([r["fitb"] for r in rs]) for rs in by_world.values())
            secs = "—" if config_free(name) else f"{np.mean([r['seconds'] for r in g]):.0f}"
            label = f"{part} ({len(by_world)} worlds, {len(g)} runs)"
            print(f"| {label} | {name} | {fmt([r['auc'] for r in g])} | {worst_auc:.3f} | "
                  f"{fmt([r['fitb'] for r in g])} | {worst_fitb:.3f} | {secs} |")


def config_free(name: str) -> bool:
    return METHODS[name] is None


def per_world(results: Path) -> None:
    """AUC / FITB per world and method (mean over seeds), so each world's ceiling sits beside it."""
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    names = [m for m in METHODS if any(r["method"] == m for r in rows)]
    short = {m: m.split(" (")[0] for m in names}
    print("\n| part | world | " + " | ".join(f"{short[m]} AUC / FITB" for m in names) + " |")
    print("|---|---|" + "---|" * len(names))
    for part in PARTS:
        for wid in sorted({r["world"] for r in rows if r["part"] == part}):
            cells = []
            for m in names:
                g = [r for r in rows if r["part"] == part and r["world"] == wid and r["method"] == m]
                cells.append(f"{np.mean([r['auc'] for r in g]):.3f} / {np.mean([r['fitb'] for r in g]):.3f}"
                             if g else "—")
            print(f"| {part} | {wid} | " + " | ".join(cells) + " |")


def timing(n_train: int, quick: bool) -> None:
    """The claim: 6,000 outfits with all 4 slots × 512-d train with the defaults in under 3 min;
    the previous default is timed in the same run, so the ratio holds whatever the machine's load."""
    full = WorldSpec(p_outerwear=1.0, p_onepiece=0.0)
    data = world_outfits(n_train, make_world(full, 0), seed=7).outfits
    print(f"\nTraining on {n_train} outfits × 4 slots × 512-d (all slots present), validation split "
          f"included, torch threads {torch.get_num_threads()}:\n")
    print("| config | seconds | steps |\n|---|---:|---:|")
    for name, config in (("round-10 default (two nets, 12 epochs each)", ROUND10_DEFAULT),
                         ("new default", TrainConfig.for_loss("contrastive"))):
        t0 = time.perf_counter()
        _, metrics = train(data, replace(config, epochs=2, lr_step=1) if quick else config)
        print(f"| {name} | {time.perf_counter() - t0:.0f} | {metrics['steps']} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=(*PARTS, "both"), default="both",
                        help="both: selection and report; fresh: worlds 24-71, drawn after rounds 7, 9, 11, 13, 14 and 15")
    parser.add_argument("--worlds", type=int, nargs="*", help="only these world ids (of the part)")
    parser.add_argument("--seeds", type=int, default=2, help="training/test seeds per world")
    parser.add_argument("--first-seed", type=int, default=0, help="run seeds first-seed, first-seed + 1, ...")
    parser.add_argument("--n-train", type=int, default=6000)
    parser.add_argument("--n-test", type=int, default=1500)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--results", type=Path, default=None,
                        help="JSON-lines file the runs are appended to (default: compat_worlds.jsonl; "
                             "with --quick, a temporary file); the committed run is "
                             "benchmarks/results/compat_worlds.jsonl")
    parser.add_argument("--table", action="store_true", help="only print the table of --results")
    parser.add_argument("--timing", action="store_true", help="only time the default's training")
    parser.add_argument("--methods", nargs="*", default=["identity", "seed", "previous", "new", "oracle"],
                        help="only the methods whose names start with these words")
    parser.add_argument("--quick", action="store_true", help="2 worlds, 400 outfits, 2 epochs")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.results is None:
        args.results = (Path(tempfile.mkdtemp()) / "quick.jsonl") if args.quick else Path("compat_worlds.jsonl")
    if args.table:
        table(args.results)
        per_world(args.results)
        return
    if args.timing:
        timing(args.n_train, args.quick)
        return
    selection, report = split_worlds(range(N_WORLDS), N_SELECTION, seed=SPLIT_SEED)
    n_train, n_test = (400, 300) if args.quick else (args.n_train, args.n_test)
    parts = {"selection": selection, "report": report, "fresh": list(FRESH_WORLDS)}
    for part, ids in parts.items():
        if args.part != part and not (args.part == "both" and part != "fresh"):
            continue
        chosen = [i for i in ids if args.worlds is None or i in args.worlds]
        if args.quick:
            chosen = chosen[:1]
        seeds = range(args.first_seed, args.first_seed + (1 if args.quick else args.seeds))
        run(chosen, part, seeds, n_train, n_test, args.quick, args.results, args.methods)
    table(args.results)
    per_world(args.results)
    if args.quick:
        timing(400, quick=True)


if __name__ == "__main__":
    main()
