"""The loss ranking of the garment regions (benchmarks/outfit_losses.py) and the start ranker's
retraining options (benchmarks/train_hem.py --round 17 --compare): pure functions and argument
checks, no pose model needed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import train_hem
from benchmarks.outfit_losses import loss_side
from benchmarks.outfit_parts import SPLITS


def test_the_loss_ranking_reads_the_design_splits_by_default() -> None:
    from benchmarks import outfit_losses

    assert outfit_losses.ROUND_SPLITS[17] == train_hem.ROUND_SPLITS[17]
    assert "fresh-18" not in outfit_losses.ROUND_SPLITS[17]


def test_a_missing_garment_loses_one() -> None:
    assert loss_side(None, (0, 100, 50, 200)) == ("missing", 1.0)


def test_the_loss_goes_to_the_side_further_from_the_label() -> None:
    side, loss = loss_side((0, 120, 50, 200), (0, 100, 50, 200))
    assert side == "starts too low" and loss == pytest.approx(0.2)
    side, loss = loss_side((0, 95, 50, 150), (0, 100, 50, 200))
    assert side == "ends too high" and loss == pytest.approx(1 - 50 / 105)
    assert loss_side((0, 60, 50, 210), (0, 100, 50, 200))[0] == "starts too high"
    assert loss_side((0, 100, 50, 260), (0, 100, 50, 200))[0] == "ends too low"


def test_round_17_retrains_on_the_design_splits_only() -> None:
    # the benchmark's first 17 splits, and never a split labelled later (fresh-18 is unseen)
    assert train_hem.ROUND_SPLITS[17] == SPLITS[:17]
    assert "fresh-18" not in train_hem.ROUND_SPLITS[17]
    assert train_hem.ROUND_SPLITS[10] == SPLITS[:10]


def test_a_bad_weights_file_to_compare_with_is_named(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache.json"
    cache.write_text("[]")
    bad = tmp_path / "weights.json"
    bad.write_text('{"format": "something else"}')
    monkeypatch.setattr(sys, "argv", ["train_hem.py", "--part", "start", "--round", "17",
                                      "--cache", str(cache), "--compare", str(bad)])
    with pytest.raises(SystemExit, match=r"weights\.json"):
        train_hem.main()
