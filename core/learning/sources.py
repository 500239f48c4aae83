"""Where training and evaluation data come from, seen from the app: the person's own wardrobe,
or a data path (`.npz`, the seed's `.json`, a Polyvore folder) whose item images the
configured encoder embeds. `models/` loads data given an encoder; this module supplies the
wardrobe and the encoder, so `models/` never reaches up into the services.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from base.config import Settings
from core.photos.encoder import load_encoder
from core.wardrobe import Wardrobe
from models.data import DataError, OutfitSet, load_outfits, load_rated_npz, validate_outfits
from models.polyvore import ItemEmbedder

WARDROBE = "wardrobe"  # the `--data` value naming the person's own outfits


def item_embedder(settings: Settings) -> ItemEmbedder:
    """The configured encoder, loaded only if an item image is not cached yet; caches live
    under the home (`cache/polyvore/`)."""
    return ItemEmbedder(
        name=settings.clip_model,
        cache_dir=settings.home / "cache" / "polyvore",
        load=lambda: load_encoder(settings.clip_model),
    )


def load_wardrobe(settings: Settings) -> OutfitSet:
    """The person's own outfits (photo, manual, liked) with disliked ones as hard negatives."""
    source = f"wardrobe ({settings.home})"
    try:
        wardrobe = Wardrobe.open(settings)
    except Exception as exc:  # HomeLocked, HomeRefused, migration errors: "cannot read it now"
        raise DataError(f"{source}: cannot open ({exc})") from None
    with wardrobe:
        data = wardrobe.training_set()
    if data is None:
        raise DataError(f"{source}: no outfits to learn from yet; save or photograph some "
                        "outfits (two or more items each) first")
    return validate_outfits(data, source)


def load_training_data(spec: str | Path, settings: Settings, split: str = "train") -> OutfitSet:
    """`--data`: `wardrobe`, or a path `models.data.load_outfits` reads."""
    if str(spec) == WARDROBE:
        return load_wardrobe(settings)
    return load_outfits(spec, split, item_embedder(settings))


def load_rated_data(spec: str | Path, settings: Settings) -> tuple[OutfitSet, np.ndarray | None]:
    """Outfits with their ratings (+1 liked / -1 disliked) for the taste layer: an `.npz`'s
    optional `rating` array, or the wardrobe's likes, dislikes and wears; None = no ratings."""
    if str(spec) == WARDROBE:
        source = f"wardrobe ({settings.home})"
        try:
            wardrobe = Wardrobe.open(settings)
        except Exception as exc:  # HomeLocked, HomeRefused, migration errors
            raise DataError(f"{source}: cannot open ({exc})") from None
        with wardrobe:
            found = wardrobe.feedback_set()
        if found is None:
            raise DataError(f"{source}: no liked, disliked or worn outfits yet")
        return validate_outfits(found[0], source), found[1]
    if Path(spec).suffix == ".npz":
        return load_rated_npz(spec)
    return load_training_data(spec, settings), None
