"""The settings as a person reads them: labelled, with secrets in URLs masked."""

from __future__ import annotations

from dataclasses import dataclass

from base.config import Settings, mask_url
from core.photos.pose_model import configured_path

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
        SettingLine("Pose model (garments of outfit photos)", _pose_model(settings),
                    "WHAT2WEAR_POSE_MODEL"),
    ]


def _pose_model(settings: Settings) -> str:
    """Where the pose model is, or why outfit photos are cut into fixed rows instead."""
    path = configured_path(settings.pose_model)
    if path is None:
        return "off: outfit photos are cut into fixed rows"
    if not path.is_file():
        return f"{path} is missing (make pose-model): outfit photos are cut into fixed rows"
    return str(path)
