"""The settings as a person reads them: labelled, with secrets in URLs masked."""

from __future__ import annotations

from dataclasses import dataclass

from base.config import Settings, mask_url

__all__ = ["SettingLine", "describe", "mask_url"]


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
    ]
