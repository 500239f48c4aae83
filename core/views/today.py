"""The Today page's one write: "Wear this" records the outfit (found again if it exists) and
logs a wear. The planning itself lives in core/planning/today.py (shared with the CLI)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core.views.outfit_actions import wear_today

if TYPE_CHECKING:
    from base.records import OutfitRecord
    from core.planning.today import TodayOutfit, TodayPlanner


def wear(planner: TodayPlanner, outfit: TodayOutfit, day: date | None = None) -> OutfitRecord:
    return wear_today(planner.wardrobe, outfit.items, outfit.outfit.score, day or planner.today)
