"""`train` and `evaluate` through the real argparse sub-commands registered by core.cli_model."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from core import cli_model
from models.compat import CONFIG_FILE, MODEL_FILE, load_model
from models.synthetic import SyntheticSpec, make_world, synthetic_outfits


def run(argv: list[str]) -> int:
    """Parse with the same sub-parsers `python -m core.cli` uses and dispatch to `func`."""
    parser = argparse.ArgumentParser(prog="python -m core.cli")
    cli_model.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


@pytest.fixture
def npz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WHAT2WEAR_HOME", str(tmp_path / "home"))
    data = synthetic_outfits(240, make_world(SyntheticSpec(dim=32, style_dim=4, noise=0.5), 0), seed=0)
    path = tmp_path / "outfits.npz"
    np.savez(path, vectors=data.vectors, mask=data.mask, categories=data.category_grid().astype(str))
    return path


def test_train_then_evaluate_round_trip(npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "model"
    code = run(["train", "--data", str(npz), "--out", str(out), "--epochs", "2", "--seed", "1", "--val-fraction", "0.25"])
    assert code == 0
    printed = capsys.readouterr()
    assert {p.name for p in out.iterdir()} == {MODEL_FILE, CONFIG_FILE}
    last = printed.out.strip().splitlines()[-1]
    assert last.startswith("validation metrics: ")
    validation = json.loads(last.removeprefix("validation metrics: "))
    assert validation["n_outfits"] == 60 and 0.0 <= validation["auc"] <= 1.0
    assert "training (contrastive)" in printed.err  # the progress bar

    assert run(["evaluate", "--model", str(out), "--data", str(npz), "--seed", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_outfits"] == 240 and {"auc", "fitb_accuracy"} <= set(result)
    assert result["model_version"] == load_model(out).version
    assert run(["evaluate", "--model", str(out), "--data", str(npz), "--seed", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == result  # deterministic for a seed

    assert run(["evaluate", "--model", "identity", "--data", str(npz), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model_version"] == "identity"


def test_seed_loss_from_the_command_line(npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "seed-model"
    assert run(["train", "--data", str(npz), "--out", str(out), "--loss", "seed", "--epochs", "1", "--val-fraction", "0"]) == 0
    assert "validation metrics: none" in capsys.readouterr().out
    assert load_model(out).config.arch == "linear"


def test_bad_inputs_exit_non_zero_with_a_clear_message(npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": [[1, 2]]}')
    assert run(["train", "--data", str(bad), "--out", str(tmp_path / "m")]) == 2
    assert f"{bad}: outfit 'a' must be a list of 3 vectors" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()  # nothing written
    assert run(["evaluate", "--model", str(tmp_path / "nope"), "--data", str(npz), "--json"]) == 2
    assert "no such model folder" in capsys.readouterr().err
    assert run(["evaluate", "--model", "identity", "--data", str(tmp_path / "absent.npz"), "--json"]) == 2
    assert "absent.npz: no such file" in capsys.readouterr().err
    assert run(["train", "--data", str(npz), "--out", str(tmp_path / "m"), "--val-fraction", "1.5"]) == 2
    assert "val_fraction" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run(["train", "--data", str(npz), "--out", str(tmp_path / "m"), "--loss", "triplet"])
