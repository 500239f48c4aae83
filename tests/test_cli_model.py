"""`train` and `evaluate` through the real argparse sub-commands registered by core.cli.model."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.cli import model as cli_model
from models.compat import CONFIG_FILE, MODEL_FILE, LearnedCompatModel, build_net, load_model
from models.config import ModelConfig
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
    data = synthetic_outfits(160, make_world(SyntheticSpec(dim=32, style_dim=4, noise=0.5), 0), seed=0)
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
    assert validation["n_outfits"] == 40 and 0.0 <= validation["auc"] <= 1.0
    assert "training (contrastive)" in printed.err  # the progress bar

    assert run(["evaluate", "--model", str(out), "--data", str(npz), "--seed", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_outfits"] == 160 and {"auc", "fitb_accuracy"} <= set(result)
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


def _model_folder(folder: Path, config: ModelConfig, meta_edit: dict[str, Any] | None = None,
                  model_edit: dict[str, Any] | None = None) -> Path:
    """A model saved by the real code, then its config.json changed as a person or a bad copy
    might have."""
    LearnedCompatModel(build_net(config)).save(folder, info={"metrics": {"n_train": 1}})
    meta = json.loads((folder / CONFIG_FILE).read_text())
    meta.update(meta_edit or {})
    meta["model"].update(model_edit or {})
    (folder / CONFIG_FILE).write_text(json.dumps(meta))
    return folder


SMALL = ModelConfig(input_dim=32, hidden_dim=16, latent_dim=8)


@pytest.mark.parametrize(("meta_edit", "model_edit", "config", "reason"), [
    ({"info": "trained by hand"}, None, SMALL,
     "config.json: invalid model config ('info' must be an object, not str)"),
    (None, {"input_dim": -1}, SMALL,
     "config.json: invalid model config (input_dim must be a whole number from 1 to 16384, not -1)"),
    (None, {"hidden_dim": 10**9}, SMALL,  # refused before torch would allocate 10^9 x 32
     "config.json: invalid model config (hidden_dim must be a whole number from 1 to 16384"),
    (None, None, replace(SMALL, input_dim=16),
     ": cannot score {data}: it takes 16-d item embeddings, not 32-d ones"),
    (None, None, replace(SMALL, categories=("top", "bottom")),
     ": cannot score {data}: it knows no category"),
], ids=["info-not-an-object", "negative-size", "huge-size", "other-embedding-size",
        "unknown-categories"])
def test_bad_model_folders_are_one_line_not_a_traceback(
    npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    meta_edit: dict[str, Any] | None, model_edit: dict[str, Any] | None, config: ModelConfig,
    reason: str,
) -> None:
    folder = _model_folder(tmp_path / "model", config, meta_edit, model_edit)
    assert run(["evaluate", "--model", str(folder), "--data", str(npz), "--json"]) == 2
    printed = capsys.readouterr()
    assert not printed.out
    line, = printed.err.strip().splitlines()
    assert line.startswith(f"error: {folder}") and reason.format(data=npz) in line, line
