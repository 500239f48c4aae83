"""Photo commands of `python -m core.cli`: `outfit-parts` shows how one outfit photo is cut into
garments, without opening a wardrobe (so it runs while the app holds the home)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from base.config import load_settings
from core.photos.background import BackgroundRemover
from core.photos.garment_regions import ROWS_NOTE, find_regions
from core.photos.images import ImageRejected, load_image, read_photo
from core.photos.pose_model import PoseModelUnavailable, load_pose_model


def register(sub: argparse._SubParsersAction) -> None:
    parts = sub.add_parser(
        "outfit-parts",
        help="find the top, bottom (or one-piece) and shoes of a full-body photo",
        description="Print the person box and each garment region found, in the photo's own "
                    "pixels after EXIF orientation; regions not in the photo are listed as "
                    "missing.")
    parts.add_argument("photo", type=Path)
    parts.add_argument("--json", action="store_true", help="print JSON")
    parts.add_argument("--save", type=Path, metavar="DIR",
                       help="write each garment's crop (on white) into DIR as PNG")
    parts.set_defaults(func=outfit_parts)


def outfit_parts(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        data = read_photo(args.photo)
        loaded = load_image(data, str(args.photo), max_pixels=settings.max_image_pixels,
                            max_side=settings.max_image_side)
    except ImageRejected as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {args.photo}: {error.strerror or error}", file=sys.stderr)
        return 1
    note = ROWS_NOTE
    try:
        model = load_pose_model(settings.pose_model)
    except PoseModelUnavailable as error:
        model, note = None, f"{ROWS_NOTE} ({error})"
    image = loaded.image
    remover = BackgroundRemover(settings.rembg_model)
    regions = find_regions(remover.cut_out(image), model, note, photo=image)
    # boxes in the photo's own pixels (upright), not in the copy downscaled for the analysis
    shown = regions.as_json(scale=loaded.original_size[0] / image.width)
    if regions.note:
        print(f"note: {regions.note}", file=sys.stderr)
    if args.save is not None:
        args.save.mkdir(parents=True, exist_ok=True)
        for part, crop in regions.crops.items():
            crop.save(args.save / f"{args.photo.stem}-{part}.png")
    if args.json:
        print(json.dumps(shown))
        return 0
    left, top, right, bottom = shown["person"]  # type: ignore[misc]
    print(f"{args.photo}: {regions.method}; person {left},{top},{right},{bottom}")
    for part, box in shown["parts"].items():  # type: ignore[attr-defined]
        print(f"  {part:9s} {box[0]},{box[1]},{box[2]},{box[3]}")
    for part in regions.missing:
        print(f"  {part:9s} not in the photo")
    return 0
