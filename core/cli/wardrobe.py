"""Wardrobe commands of `python -m core.cli`: ingest, list, outfits, doctor, reindex, export,
import. Thin: every command opens the service, calls it and prints; the logic lives in
core/wardrobe/service.py so the app and the CLI behave the same."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from base.config import load_settings
from base.vocabulary import CATEGORIES
from core.photos.encoder import EncoderUnavailable
from core.wardrobe.batch import PhotoInput
from core.wardrobe.service import DatabaseUnavailable, HomeRefused, Wardrobe
from db.archive import ImportRefused
from db.lock import HomeLocked

# Files picked up when a folder is given (a file named explicitly is always tried).
PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif"})
EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_CONFIG, EXIT_LOCKED, EXIT_NO_DATABASE = 0, 1, 2, 3, 4
# Why a home is not opened, and the exit status that says so (first match wins). Messages of
# settings never show a password (mask_url).
REFUSALS: tuple[tuple[type[Exception], int], ...] = (
    (HomeLocked, EXIT_LOCKED),
    (HomeRefused, EXIT_PROBLEMS),
    (DatabaseUnavailable, EXIT_NO_DATABASE),
    (ValueError, EXIT_BAD_CONFIG),  # say WHAT2WEAR_CHROMA_URL with a wrong scheme
)

log = logging.getLogger(__name__)

Command = Callable[[Wardrobe, argparse.Namespace], int]


def _with_wardrobe(
    command: Command, read_only: bool = False
) -> Callable[[argparse.Namespace], int]:
    """Open the home for the command; any of REFUSALS is one clear line, not a traceback.
    `read_only` commands write nothing (and `doctor` decides per its flags)."""

    def run(args: argparse.Namespace) -> int:
        check_only = read_only or bool(getattr(args, "check_only", False))
        try:
            wardrobe = Wardrobe.open(load_settings(), read_only=check_only,
                                     adopt=bool(getattr(args, "adopt", False)))
        except tuple(kind for kind, _ in REFUSALS) as error:
            print(f"error: {error}", file=sys.stderr)
            return next(code for kind, code in REFUSALS if isinstance(error, kind))
        with wardrobe:
            return command(wardrobe, args)

    return run


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


# --- ingest ---------------------------------------------------------------------------------


def _skip_reason(path: Path, root: Path) -> str | None:
    """Why a file found in a folder is not ingested; None for a photo."""
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        return "hidden"
    if path.suffix.lower() not in PHOTO_SUFFIXES:
        kind = f"extension {path.suffix}" if path.suffix else "no extension"
        return f"not a photo ({kind}; photos end in {', '.join(sorted(PHOTO_SUFFIXES))})"
    return None


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files as given, plus the photos inside given folders (recursively, sorted), and the
    other files found in those folders with why each was skipped, so the summary can say so."""
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)  # a missing path is refused by ingest with its reason
            continue
        for entry in sorted(path.rglob("*")):
            if entry.is_dir():
                continue
            reason = _skip_reason(entry, path)
            if reason is None:
                found.append(entry)  # not only regular files: a pipe is refused with its reason
            else:
                skipped.append((entry, reason))
    return found, skipped


def _print_skipped(skipped: list[tuple[Path, str]]) -> None:
    hidden = sum(1 for _, reason in skipped if reason == "hidden")
    for path, reason in skipped:
        if reason != "hidden":
            print(f"  {'skipped':<10} {path}: {reason}")
    if hidden:
        print(f"  {'skipped':<10} {hidden} hidden file(s) (a name or folder starting with '.')")


def _ingest(wardrobe: Wardrobe, args: argparse.Namespace) -> int:
    files, skipped = expand_paths(Path(p) for p in args.paths)
    with tqdm(total=len(files), desc="ingesting", unit="photo", file=sys.stderr) as bar:
        outcomes = wardrobe.ingest_batch(
            [PhotoInput.from_path(path) for path in files], outfit=args.outfit,
            category=args.category, progress=lambda done, _total, _name: bar.update(done - bar.n))
    counts = Counter(o.status for o in outcomes)
    kind = "outfit photo(s)" if args.outfit else "photo(s)"
    others = f", {len(skipped)} other file(s) skipped" if skipped else ""
    print(f"{len(files)} {kind}: {counts['added']} added, {counts['duplicate']} duplicate, "
          f"{counts['refused']} refused{others}")
    for o in outcomes:
        if o.status == "added" and o.reason:
            print(f"  added      {o.filename}: {o.reason}")
        elif o.status != "added":
            print(f"  {o.status:<10} {o.filename}: {o.reason}")
        if o.near_duplicates:
            print(f"  similar    {o.filename}: looks like item(s) {', '.join(o.near_duplicates)}")
    for warning, n in Counter(w for o in outcomes for w in o.warnings).items():
        print(f"  warning    ({n} photo(s)) {warning}")
    _print_skipped(skipped)
    if not files:
        print("nothing to ingest: no photos found in the given paths", file=sys.stderr)
    return EXIT_PROBLEMS if counts["refused"] else EXIT_OK


# --- listing --------------------------------------------------------------------------------


def _list(wardrobe: Wardrobe, args: argparse.Namespace) -> int:
    items = wardrobe.items()
    if args.json:
        print(json.dumps([_jsonable(i) for i in items], indent=2))
        return EXIT_OK
    for i in items:
        flags = [f for f, on in (("pending-embedding", i.pending_embedding),
                                 ("background-kept", not i.background_removed),
                                 ("unavailable", not i.available)) if on]
        print(f"{i.id}  {i.category:<10} {i.subtype:<14} {','.join(i.colours):<16} "
              f"{i.name}{'  [' + ', '.join(flags) + ']' if flags else ''}")
    print(f"{len(items)} item(s)")
    return EXIT_OK


def _outfits(wardrobe: Wardrobe, args: argparse.Namespace) -> int:
    outfits = wardrobe.outfits()
    items = {i.id: i for i in wardrobe.items()}

    def describe(item_id: str) -> dict[str, Any]:
        item = items.get(item_id)
        return {"id": item_id, "category": item.category if item else None,
                "name": item.name if item else None}

    if args.json:
        rows = [{**_jsonable(o), "items": {s: describe(i) for s, i in o.items.items()}}
                for o in outfits]
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    for o in outfits:
        rating = {1: "liked", -1: "disliked"}.get(o.rating or 0, "")
        score = "" if o.score is None else f" score={o.score:.3f}"
        print(f"{o.id}  {o.source:<9} {o.created:%Y-%m-%d %H:%M}{score} {rating}")
        for slot, item_id in o.items.items():
            print(f"    {slot:<10} {item_id}  {describe(item_id)['name'] or ''}")
    print(f"{len(outfits)} outfit(s)")
    return EXIT_OK


# --- maintenance ----------------------------------------------------------------------------


def _doctor(wardrobe: Wardrobe, args: argparse.Namespace) -> int:
    if args.adopt:
        return _adopt(wardrobe)
    # Opening the home (unless read-only) already repaired index/file drift; say what it found.
    startup = wardrobe.startup_report
    for problem in startup.problems:
        print(f"repaired at start-up: {problem}")
    report = wardrobe.doctor(repair=not args.check_only)
    for problem in report.problems:
        print(f"problem: {problem}")
    for note in startup.notes + report.notes:
        print(f"note: {note}")
    if args.check_only:
        print("no problems" if report.ok else f"{len(report.problems)} problem(s); run "
              "`python -m core.cli doctor` to repair")
        return EXIT_OK if report.ok else EXIT_PROBLEMS
    after = wardrobe.doctor(repair=False)
    print(f"repaired {startup.repaired + report.repaired} thing(s); "
          + ("all consistent" if after.ok else f"{len(after.problems)} problem(s) remain:"))
    for problem in after.problems:
        print(f"remaining: {problem}")
    quarantined = wardrobe.files.quarantined()
    if quarantined:
        print(f"note: {len(quarantined)} photo folder(s) set aside in "
              f"{wardrobe.files.quarantine_root}; `doctor --adopt` makes items of them")
    return EXIT_OK if after.ok else EXIT_PROBLEMS


def _adopt(wardrobe: Wardrobe) -> int:
    outcomes = wardrobe.adopt_photos()
    counts = Counter(o.status for o in outcomes)
    print(f"{len(outcomes)} set-aside photo(s): {counts['added']} recovered as items (named "
          f"'recovered ...', check their tags), {counts['duplicate']} duplicate, "
          f"{counts['refused']} refused")
    for o in outcomes:
        print(f"  {o.status:<10} {o.filename}" + (f": {o.reason}" if o.reason else "")
              + (f" -> item {o.item_id}" if o.status == "added" else ""))
    return EXIT_PROBLEMS if counts["refused"] else EXIT_OK


def _reindex(wardrobe: Wardrobe, args: argparse.Namespace) -> int:
    try:
        count = wardrobe.reindex()
    except EncoderUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"embedded {count} item(s); the vector index matches the database")
    return EXIT_OK


def _export(wardrobe: Wardrobe, args: argparse.Namespace) -> int:
    wardrobe.export_zip(Path(args.file))
    counts = wardrobe.counts()
    print(f"exported {counts['items']} item(s) and {counts['outfits']} outfit(s) to {args.file}")
    return EXIT_OK


def _import(wardrobe: Wardrobe, args: argparse.Namespace) -> int:
    try:
        wardrobe.import_zip(Path(args.file))
    except ImportRefused as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    counts = wardrobe.counts()
    print(f"imported {counts['items']} item(s) and {counts['outfits']} outfit(s) from {args.file}")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    def add(
        name: str, command: Command, help_text: str, read_only: bool = False
    ) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(func=_with_wardrobe(command, read_only))
        return parser

    ingest = add("ingest", _ingest, "add garment photos (files or folders) to the wardrobe")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    batch = ingest.add_mutually_exclusive_group()
    batch.add_argument("--outfit", action="store_true",
                       help="the photos are full-body 'what I wore' photos: record outfits")
    batch.add_argument("--category", choices=CATEGORIES,
                       help="every photo is of this category (instead of the automatic guess)")
    add("list", _list, "list the items", read_only=True).add_argument(
        "--json", action="store_true")
    add("outfits", _outfits, "list outfits with their items by slot", read_only=True
        ).add_argument("--json", action="store_true")
    doctor = add("doctor", _doctor, "check database, vector index and images, and repair drift")
    mode = doctor.add_mutually_exclusive_group()
    mode.add_argument("--check-only", action="store_true", help="report, do not repair")
    mode.add_argument("--repair", action="store_true", help="repair (the default)")
    mode.add_argument("--adopt", action="store_true",
                      help="make items of photos the database does not know (a lost database)")
    add("reindex", _reindex, "embed items waiting for an embedding (or made by another model)")
    add("export", _export, "write the whole wardrobe to a zip", read_only=True).add_argument(
        "file",
                                                                             metavar="FILE.zip")
    add("import", _import, "load an exported zip into an empty home").add_argument(
        "file", metavar="FILE.zip")
