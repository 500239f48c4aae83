"""The logic behind Today / plan / pack on a real wardrobe (tiny models), the command line that
shares it, and the optional forecast (a recorded answer, and the offline path)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from base.config import Settings
from core.cli.main import main
from core.planning.today import TodayPlanner, parse_days
from core.ranking.context import DayContext
from core.ranking.weather import ForecastError, forecast, locate, parse_forecast
from core.views.today import wear
from core.wardrobe import Wardrobe
from devkit import imaging
from models.compat import identity

FIXTURE = Path(__file__).parent / "fixtures" / "open_meteo" / "forecast_berlin.json"
TODAY = date(2026, 11, 29)
PIECES = [  # (category, kind, colour, subtype, warmth, formality)
    ("top", "tshirt", imaging.RED, "t-shirt", 2, 2),
    ("top", "tshirt", imaging.GREEN, "shirt", 2, 4),
    ("top", "tshirt", imaging.BLUE, "knit sweater", 4, 3),
    ("bottom", "trousers", imaging.NAVY, "trousers", 3, 4),
    ("bottom", "trousers", imaging.YELLOW, "shorts", 1, 2),
    ("bottom", "trousers", imaging.BLUE, "jeans", 3, 2),
    ("shoes", "shoe", imaging.YELLOW, "sneakers", 2, 1),
    ("shoes", "shoe", imaging.RED, "loafers", 2, 4),
    ("outerwear", "tshirt", imaging.NAVY, "coat", 5, 4),
]


@pytest.fixture
def wardrobe(cli_env: Settings) -> Iterator[Wardrobe]:
    with Wardrobe.open(cli_env) as opened:
        for seed, (category, kind, colour, subtype, warmth, formality) in enumerate(PIECES):
            item_id = opened.ingest_bytes(imaging.garment_photo(kind, colour, seed=seed),
                                          f"{subtype}.jpg").item_id
            opened.update_item(item_id, category=category, subtype=subtype, warmth=warmth,
                               formality=formality, name=subtype)
        yield opened


def ids_by_name(wardrobe: Wardrobe) -> dict[str, str]:
    return {i.name: i.id for i in wardrobe.items()}


def test_today_never_repeats_the_last_outfit_and_explains_itself(wardrobe: Wardrobe) -> None:
    planner = TodayPlanner(wardrobe, identity(), today=TODAY)
    ctx = DayContext(18, occasion="casual")
    first = planner.suggest(ctx)
    assert len(first) >= 2 and len({o.outfit.key for o in first}) == len(first)
    assert first[0].outfit.score >= max(o.outfit.score for o in first[1:])
    assert any("18 °C" in r for r in first[0].reasons)
    wear(planner, first[0], TODAY - timedelta(days=1))  # worn yesterday
    again = TodayPlanner(wardrobe, identity(), today=TODAY).suggest(ctx)
    assert again[0].outfit.key != first[0].outfit.key
    worn = Counter(i for i in first[0].outfit.key)
    assert sum(worn[i] for i in again[0].outfit.key) < 3  # demoted pieces, not the same look


def test_cold_work_day_brings_the_coat_and_no_shorts(wardrobe: Wardrobe) -> None:
    names = {v: k for k, v in ids_by_name(wardrobe).items()}
    outfits = TodayPlanner(wardrobe, identity(), today=TODAY).suggest(DayContext(2, occasion="work"))
    assert outfits
    for outfit in outfits:
        pieces = {names[i] for i in outfit.items.values()}
        assert "coat" in pieces and "shorts" not in pieces and "sneakers" not in pieces
    assert any("against the cold" in r for r in outfits[0].reasons)


def test_unavailable_pieces_are_never_suggested(wardrobe: Wardrobe) -> None:
    coat = ids_by_name(wardrobe)["coat"]
    wardrobe.set_available(coat, False)
    outfits = TodayPlanner(wardrobe, identity(), today=TODAY).suggest(DayContext(2))
    assert outfits and all(coat not in o.items.values() for o in outfits)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_plan_and_pack_on_the_command_line_match_the_page_logic(
        wardrobe: Wardrobe, cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    days = "8,work 14 20,casual,rain 8,work"
    expected, _ = TodayPlanner(wardrobe, identity(), today=TODAY).plan(parse_days(days), 2)
    wardrobe.close()  # the CLI opens the home itself (one process per home)
    code, out, err = run_cli(capsys, "plan", days, "--max-uses", "2", "--today", "2026-11-29",
                             "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert len(plan["days"]) == 4 and plan["exact"] is True
    assert plan["total"] == pytest.approx(expected.total, abs=1e-5)
    uses = Counter(v["id"] for d in plan["days"] for s, v in d["items"].items() if s != "outerwear")
    assert max(uses.values()) <= 2
    assert len({frozenset(v["id"] for v in d["items"].values()) for d in plan["days"]}) == 4

    for most in (8, 3):  # 3 pieces are one outfit: they cannot dress all three days well
        with Wardrobe.open(cli_env) as reopened:
            want, _ = TodayPlanner(reopened, identity(), today=TODAY).pack(parse_days("8,work 14 20"),
                                                                           most)
        code, out, err = run_cli(capsys, "pack", "8,work 14 20", "--max-pieces", str(most),
                                 "--today", "2026-11-29", "--json")
        packed = json.loads(out)
        assert [p["id"] for p in packed["pieces"]] == list(want.pieces)
        assert (packed["days_covered"], packed["good_outfits"]) == (want.days_covered,
                                                                    want.good_outfits)
        assert len(packed["pieces"]) <= most
        if packed["days_covered"] == 3:
            assert code == 0, err
            pieces = {p["id"] for p in packed["pieces"]}
            assert len(packed["plan"]) == 3
            assert all({v["id"] for v in d["items"].values()} <= pieces for d in packed["plan"])
        else:  # no plan, said so, and the exit code tells a script
            assert code == 1 and packed["plan"] == []
        assert packed["days_covered"] == 3 or most == 3
    assert code == 1

    code, out, err = run_cli(capsys, "plan", "8,work warm,casual")
    assert code == 2 and "day 2 ('warm,casual')" in err and out == ""
    code, out, err = run_cli(capsys, "plan", "8,picnic")
    assert code == 2 and "unknown occasion 'picnic'" in err


def test_parse_days() -> None:
    assert parse_days("8,work 12,rain;20,evening,rain") == [
        DayContext(8, False, "work"), DayContext(12, True, "casual"), DayContext(20, True, "evening")]
    with pytest.raises(ValueError, match="one occasion a day"):
        parse_days("8,work,sport")
    with pytest.raises(ValueError, match="no days given"):
        parse_days("  ")


def test_a_recorded_forecast_is_read() -> None:
    days = parse_forecast(json.loads(FIXTURE.read_text()))
    assert len(days) == 7 and days[0].day == date(2026, 11, 29)
    assert days[0].temperature_c == 4 and days[0].rain and not days[1].rain
    with pytest.raises(ForecastError, match="no daily values"):
        parse_forecast({"error": True, "reason": "bad"})
    with pytest.raises(ForecastError, match="could not be read"):
        parse_forecast({"daily": {"time": ["2026-11-29"], "temperature_2m_max": []}})


def test_offline_the_forecast_is_a_sentence_and_fast() -> None:
    start = time.monotonic()
    with pytest.raises(ForecastError, match="no forecast"):
        forecast("52.52, 13.41", forecast_url="http://127.0.0.1:9/v1/forecast", timeout=2)
    assert time.monotonic() - start < 5
    with pytest.raises(ForecastError, match="latitude must be"):
        locate("123, 13")
    with pytest.raises(ForecastError, match="no forecast"):  # a name needs the lookup: offline
        locate("Nowhere Town", geocode_url="http://127.0.0.1:9/v1/search", timeout=2)
