"""The settings as a person reads them: labelled, with secrets in URLs masked."""

from __future__ import annotations

from dataclasses import dataclass

from base.config import Settings, mask_url
from core.photos.pose_model import configured_path

__all__ = ["SettingLine", "describe", "mask_url", "model_lines", "storage_sentence"]


@dataclass(frozen=True)
class SettingLine:
    label: str
    value: str
    variable: str  # the environment variable that changes it


def describe(settings: Settings) -> list[SettingLine]:
    return [
        SettingLine("Data folder", str(settings.home), "WHAT2WEAR_HOME"),
        SettingLine("Database", mask_url(settings.effective_database_url), "WHAT2WEAR_DATABASE_URL"),
        SettingLine("Vector index", mask_url(settings.chroma_url) if settings.chroma_url
                    else str(settings.chroma_path), "WHAT2WEAR_CHROMA_URL"),
        SettingLine("Photos", str(settings.images_dir), "WHAT2WEAR_HOME"),
        SettingLine("Encoder (FashionCLIP)", settings.clip_model, "WHAT2WEAR_CLIP_MODEL"),
        SettingLine("Background removal", settings.rembg_model, "WHAT2WEAR_REMBG_MODEL"),
        SettingLine("Compatibility model", str(settings.compat_model_dir), "WHAT2WEAR_COMPAT_MODEL"),
        SettingLine("Pose model (garments of outfit photos)", _pose_model(settings),
                    "WHAT2WEAR_POSE_MODEL"),
        SettingLine("Where a bottom begins on outfit photos", _hem_ranker(settings),
                    "WHAT2WEAR_HEM_RANKER"),
        SettingLine("Row labeller of outfit photos (opt-in)", _row_labeller(settings),
                    "WHAT2WEAR_ROW_LABELLER"),
        SettingLine("Dresses on outfit photos", "found from the photo (one-piece over bare legs)"
                    if settings.one_piece_on else "off (a top and a bottom)",
                    "WHAT2WEAR_ONE_PIECE"),
        SettingLine("Feet under a hem on outfit photos (opt-in)", "used (shoes under wide trousers or a "
                    "maxi dress)" if settings.feet_under_hem_on else "off (dropped as unseen)",
                    "WHAT2WEAR_FEET_UNDER_HEM"),
        SettingLine("Hanging sleeves on outfit photos (opt-in)", "part of the top (down to their cuffs)"
                    if settings.hanging_sleeves_on else "off (the top ends at its hem)",
                    "WHAT2WEAR_HANGING_SLEEVES"),
        SettingLine("A sliver between the hips on outfit photos (opt-in)", "looked for (photos cut "
                    "at the hips or thighs)" if settings.middle_sliver_on else "off (the hips' width "
                    "only)",
                    "WHAT2WEAR_MIDDLE_SLIVER"),
        SettingLine("Seated people on outfit photos (opt-in)", "the bottom ends at the heels"
                    if settings.seated_heels_on else "off (the bottom ends at the toes)",
                    "WHAT2WEAR_SEATED_HEELS"),
    ]


def _hem_ranker(settings: Settings) -> str:
    value = settings.hem_ranker.strip()
    if value.lower() in ("", "none"):
        return "hand rules"
    return "learned ranker (shipped)" if value.lower() == "shipped" else f"learned ranker: {value}"


def _row_labeller(settings: Settings) -> str:
    value = settings.row_labeller.strip()
    if value.lower() in ("", "off", "none"):
        return "off"
    if settings.hem_ranker.strip().lower() in ("", "none"):
        return "off (the hand rules alone: WHAT2WEAR_HEM_RANKER=none)"
    return "on (shipped)" if value.lower() == "on" else f"on: {value}"


def _pose_model(settings: Settings) -> str:
    """Where the pose model is, or why outfit photos are cut into fixed rows instead."""
    path = configured_path(settings.pose_model)
    if path is None:
        return "off: outfit photos are cut into fixed rows"
    if not path.is_file():
        return f"{path} is missing (make pose-model): outfit photos are cut into fixed rows"
    return str(path)


def storage_sentence(settings: Settings, folder: str) -> str:
    """Where everything is, said once; `folder` is the home as the page shows it (Markdown)."""
    servers = [name for name, url in (("a database server", settings.database_url),
                                      ("a search-index server", settings.chroma_url)) if url]
    if servers:
        return (f"Your photos and the trained model stay on this computer, in {folder}; the "
                f"list of your clothes and outfits is kept on {' and '.join(servers)} you "
                "configured. To move or back up everything, use **Export** below.")
    return (f"Everything stays on this computer, in {folder}: your photos exactly as you added "
            "them, their cut-outs, the list of your clothes and outfits, and the trained model. "
            "Nothing is sent anywhere. To move or back it up, use **Export** below.")


def model_lines(encoder_ready: bool, background_ready: bool, trained: bool) -> list[str]:
    """What each model does for the person, and whether it is working, in plain words."""
    return [
        "Photo recognition (names each piece's kind and colours, and lets the app compare "
        "pieces): " + ("**ready**." if encoder_ready else "**off**, see below."),
        "Background removal (cuts each piece out of its photo): "
        + ("**ready**." if background_ready else "**off**: photos keep their background."),
        "Outfit model (judges what goes together): "
        + ("**trained on your outfits**." if trained else
           "**not trained yet**: it pairs pieces that look alike; train it on the **Model** page."),
    ]

