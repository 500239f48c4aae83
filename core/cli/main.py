"""`python -m core.cli`: the command line. Each command group registers its own sub-commands."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

# Modules exposing `register(subparsers)`; each sub-command sets `func(args) -> int`.
COMMAND_MODULES: tuple[str, ...] = ("core.cli.wardrobe", "core.cli.model", "core.cli.photos",
                                     "core.cli.plan")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core.cli", description="What2Wear wardrobe tools")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)

