"""`python -m core.cli today | plan | pack`: the Today page's logic on the command line
(core/planning/today.py), printed as lines or as JSON. They read the wardrobe and write nothing."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from core.cli.wardrobe import EXIT_BAD_CONFIG, EXIT_OK, EXIT_PROBLEMS, _with_wardrobe
from core.learning.service import ModelService
from core.planning.today import TodayOutfit, TodayPlanner, parse_days
from core.ranking.context import OCCASIONS, DayContext
from core.ranking.planner import PlanInfeasible
from core.wardrobe.service import Wardrobe

DAYS_HELP = ('days as "TEMP[,OCCASION][,rain]" separated by spaces, e.g. '
             '"8,work 8,work,rain 14 20,evening"; occasions: ' + ", ".join(OCCASIONS))


def _planner(wardrobe: Wardrobe, today: str | None) -> TodayPlanner:
    model = ModelService.for_wardrobe(wardrobe).active().model
    return TodayPlanner(wardrobe, model, today=date.fromisoformat(today) if today else None)


def _outfit(planner: TodayPlanner, outfit: TodayOutfit, ctx: DayContext) -> dict[str, Any]:
    return {
        "context": {"temperature_c": ctx.temperature_c, "rain": ctx.rain, "occasion": ctx.occasion},
        "items": {slot: {"id": item.id, "name": planner.names[item.id]}
                  for slot, item in outfit.pieces},
        "score": round(outfit.outfit.score, 6),
        "context_score": round(outfit.outfit.context, 6),
        "reasons": list(outfit.reasons),
    }


def _line(planner: TodayPlanner, outfit: TodayOutfit) -> str:
    pieces = ", ".join(planner.names[item.id] for _, item in outfit.pieces)
    return f"{pieces}  ({outfit.outfit.score:.3f}; {'; '.join(outfit.reasons)})"


def _emit(args: argparse.Namespace, payload: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print("\n".join(lines))


def _today(wardrobe: Wardrobe, args: argparse.Namespace) -> int:
    try:
        ctx = DayContext(args.temp, args.rain, args.occasion)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    planner = _planner(wardrobe, args.today)
    outfits = planner.suggest(ctx, alternatives=args.alternatives)
    payload = {"outfits": [_outfit(planner, o, ctx) for o in outfits],
               "notes": list(planner.notes(ctx))}
    _emit(args, payload, [_line(planner, o) for o in outfits] or ["no outfit fits"])
    return EXIT_OK if outfits else EXIT_PROBLEMS


def _plan(wardrobe: Wardrobe, args: argparse.Namespace) -> int:
    try:
        contexts = parse_days(args.days)
        planner = _planner(wardrobe, args.today)
        result, outfits = planner.plan(contexts, max_uses=args.max_uses)
    except PlanInfeasible as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    payload = {"days": [_outfit(planner, o, c) for o, c in zip(outfits, contexts, strict=True)],
               "total": round(result.total, 6), "exact": result.exact,
               "gap_bound": round(result.gap_bound, 6), "candidates_per_day": result.candidates}
    lines = [f"day {n + 1} ({c.label()}): {_line(planner, o)}"
             for n, (o, c) in enumerate(zip(outfits, contexts, strict=True))]
    how = "optimal" if result.exact else (
        f"approximate, at most {result.gap_bound:.3f} below the optimum")
    lines.append(f"total {result.total:.3f} ({how})")
    _emit(args, payload, lines)
    return EXIT_OK


def _pack(wardrobe: Wardrobe, args: argparse.Namespace) -> int:
    try:
        contexts = parse_days(args.days)
        planner = _planner(wardrobe, args.today)
        result, outfits = planner.pack(contexts, args.max_pieces)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    days = list(zip(outfits, contexts, strict=True)) if outfits else []  # no plan: days uncovered
    payload = {
        "pieces": [{"id": i, "name": planner.names[i]} for i in result.pieces],
        "days_covered": result.days_covered, "days": len(contexts),
        "good_outfits": result.good_outfits, "complete": result.complete,
        "plan": [_outfit(planner, o, c) for o, c in days],
    }
    lines = [f"pack {len(result.pieces)}: " + ", ".join(planner.names[i] for i in result.pieces),
             f"{result.good_outfits} good outfits; {result.days_covered} of {len(contexts)} "
             "days covered" + ("" if days else f" (no plan: allow more than {args.max_pieces} pieces)")]
    lines += [f"day {n + 1} ({c.label()}): {_line(planner, o)}" for n, (o, c) in enumerate(days)]
    _emit(args, payload, lines)
    return EXIT_OK if result.days_covered == len(contexts) else EXIT_PROBLEMS


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("today", help="what to wear today (and alternatives)")
    p.add_argument("--temp", type=float, required=True, help="temperature in °C")
    p.add_argument("--rain", action="store_true")
    p.add_argument("--occasion", default="casual", choices=OCCASIONS)
    p.add_argument("--alternatives", type=int, default=3)
    p.add_argument("--today", help="the date to plan from (YYYY-MM-DD; default: today)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_with_wardrobe(_today, read_only=True))

    p = subparsers.add_parser("plan", help="one outfit a day for several days")
    p.add_argument("days", help=DAYS_HELP)
    p.add_argument("--max-uses", type=int, default=2, help="wears of one piece (layers exempt)")
    p.add_argument("--today", help="the date to plan from (YYYY-MM-DD; default: today)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_with_wardrobe(_plan, read_only=True))

    p = subparsers.add_parser("pack", help="the pieces to pack for a trip, and the day plan")
    p.add_argument("days", help=DAYS_HELP)
    p.add_argument("--max-pieces", type=int, required=True)
    p.add_argument("--today", help="the date to plan from (YYYY-MM-DD; default: today)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_with_wardrobe(_pack, read_only=True))
