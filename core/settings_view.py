"""The settings as a person reads them: labelled, with secrets in URLs masked."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.config import Settings


@dataclass(frozen=True)
class SettingLine:
    label: str
    value: str
    variable: str  # the environment variable that changes it


def mask_url(url: str) -> str:
    """A database/server URL with any password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url.split("@", 1)[-1] if "@" in url else url


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
    ]
