"""Where training and evaluation data come from, seen from the app: the person's own wardrobe,
or a data path (`.npz`, the seed's `.json`, a Polyvore folder) whose item images the
configured encoder embeds. `models/` loads data given an encoder; this module supplies the
wardrobe and the encoder, so `models/` never reaches up into the services.
"""

from __future__ import annotations

from pathlib import Path

from base.config import Settings
from core.photos.encoder import load_encoder
from core.wardrobe import Wardrobe
from models.data import DataError, OutfitSet, load_outfits, validate_outfits
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
