"""Background removal with rembg: one model session per process, never fatal.

Cut-outs make the encoder see the garment instead of the bed it lies on (the seed composited on
white for the same reason). Loading the ONNX model costs far more than running it, and rembg's
`remove()` without a session reloads it on every call, so sessions are cached per model for the
life of the process. A missing model (offline, weights never downloaded) must not stop
ingestion: photos are kept uncut, flagged, and can be re-processed once the model is there.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from core.photos.maskcheck import cutout_doubt

log = logging.getLogger(__name__)

DISABLED = "none"
CUSTOM_SESSION = "u2net_custom"
DOWNLOAD_TIMEOUT_S = 10  # per network operation; offline machines must not hang on start
MIN_FOREGROUND_SHARE = 0.005  # a mask with less foreground than this found nothing
RELEASES_URL = "https://github.com/danielgatis/rembg/releases"

_sessions: dict[str, Any] = {}  # model name -> rembg session
_failures: dict[str, str] = {}  # model name -> why it could not be loaded
_warned: set[str] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class CutOut:
    """Result of background removal. With `removed=False` both images are the original photo
    (opaque), so callers can always use them the same way. `doubt` says, in words for the
    person, why the cut-out looks wrong and should be checked (None: nothing suspicious, or
    nothing was removed)."""

    rgba: Image.Image  # transparent background: kept as PNG for display
    on_white: Image.Image  # RGB composited on white: what the encoder and colour tags see
    removed: bool
    doubt: str | None = None


def composite_on_white(rgba: Image.Image) -> Image.Image:
    """Flatten a cut-out onto white, the background the seed's encoder inputs had."""
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba.convert("RGBA")).convert("RGB")


def rembg_home() -> Path:
    """Where rembg keeps models (U2NET_HOME when set), read from rembg itself so we agree."""
    from rembg.sessions.base import BaseSession

    return Path(BaseSession.rembg_home())


def _session_spec(model_name: str) -> tuple[str, dict[str, str]]:
    """Map WHAT2WEAR_REMBG_MODEL to rembg's (session name, kwargs): a value ending in `.onnx`
    is a custom U²-Net-compatible file (relative paths are inside U2NET_HOME)."""
    if model_name.lower().endswith(".onnx"):
        path = Path(model_name).expanduser()
        if not path.is_absolute():
            path = rembg_home() / path
        return CUSTOM_SESSION, {"model_path": str(path)}
    return model_name, {}


def _model_dir(model_name: str) -> Path:
    """The folder rembg looks in (and downloads to) for a built-in model."""
    from rembg.sessions import sessions_class

    for session_class in sessions_class:
        if session_class.name() == model_name:
            return Path(session_class.model_dir())
    return rembg_home() / "models" / model_name


def _fix_hint(model_name: str) -> str:
    return (
        f"Download {model_name}.onnx from {RELEASES_URL} and put it in "
        f"{_model_dir(model_name)} (or set U2NET_HOME to a folder holding {model_name}.onnx), "
        "or set WHAT2WEAR_REMBG_MODEL to the "
        "path of a U²-Net-compatible .onnx file inside U2NET_HOME, or to 'none' to switch "
        "background removal off."
    )


def _create_session(model_name: str) -> Any:
    """Build the rembg session, turning every failure into a RuntimeError with a fix."""
    import pooch.downloaders
    from rembg import new_session

    session_name, kwargs = _session_spec(model_name)
    if session_name == CUSTOM_SESSION:
        path = Path(kwargs["model_path"])
        if not path.is_file():
            raise RuntimeError(
                f"background model file {path} does not exist. Put the .onnx file inside "
                f"U2NET_HOME ({rembg_home()}) and point WHAT2WEAR_REMBG_MODEL at it, or set "
                "WHAT2WEAR_REMBG_MODEL=none."
            )
    # pooch documents this module constant as the way to change its (30 s) network timeout;
    # rembg gives no other handle. Restored afterwards.
    previous = pooch.downloaders.DEFAULT_TIMEOUT
    pooch.downloaders.DEFAULT_TIMEOUT = DOWNLOAD_TIMEOUT_S
    try:
        return new_session(session_name, **kwargs)
    except Exception as exc:
        detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        if session_name == CUSTOM_SESSION:
            raise RuntimeError(
                f"rembg could not load the custom model {kwargs['model_path']} ({detail}). "
                f"It must be a U²-Net-compatible .onnx file inside U2NET_HOME ({rembg_home()})."
            ) from exc
        if "No session class" in str(exc):
            raise RuntimeError(
                f"rembg has no model called {model_name!r}. Set WHAT2WEAR_REMBG_MODEL to a rembg "
                "model name (u2netp, u2net, silueta, isnet-general-use, ...), a .onnx path, or "
                "'none'."
            ) from exc
        raise RuntimeError(
            f"background model {model_name!r} is not on this machine and could not be "
            f"downloaded ({detail}). {_fix_hint(model_name)}"
        ) from exc
    finally:
        pooch.downloaders.DEFAULT_TIMEOUT = previous


def _get_session(model_name: str) -> Any | None:
    with _lock:
        if model_name in _sessions:
            return _sessions[model_name]
        if model_name in _failures:
            return None
        try:
            _sessions[model_name] = _create_session(model_name)
            return _sessions[model_name]
        except RuntimeError as exc:
            _failures[model_name] = str(exc)
            if model_name not in _warned:
                _warned.add(model_name)
                log.warning("Background removal is off for this run: %s", exc)
            return None


class BackgroundRemover:
    """Cuts garments out of photos with the configured rembg model (`Settings.rembg_model`)."""

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name.strip()
        self.enabled = self.model_name.lower() != DISABLED

    @property
    def session(self) -> Any | None:
        """The process-wide rembg session of this model (shared by every remover), or None."""
        return _get_session(self.model_name) if self.enabled else None

    @property
    def ready(self) -> bool:
        """True when the model is loaded (loads it on first use; may download it once)."""
        return self.session is not None

    @property
    def message(self) -> str | None:
        """Why removal is not happening, with the fix; None when it works."""
        if not self.enabled:
            return "Background removal is switched off (WHAT2WEAR_REMBG_MODEL=none)."
        if self.ready:
            return None
        return f"Background removal is unavailable: {_failures.get(self.model_name, 'unknown')}"

    def retry(self) -> bool:
        """Forget an earlier failure (say the model file has been put in place) and try again."""
        with _lock:
            _failures.pop(self.model_name, None)
        return self.ready

    def cut_out(self, image: Image.Image) -> CutOut:
        """Remove the background; never raises. Falls back to the uncut photo (removed=False)
        when the model is unavailable, fails on this image, or finds no foreground."""
        rgb = image.convert("RGB")
        session = self.session
        if session is not None:
            try:
                from rembg import remove

                rgba = remove(rgb, session=session)
                alpha = np.asarray(rgba.getchannel("A"))
                if (alpha >= 128).mean() >= MIN_FOREGROUND_SHARE:
                    return CutOut(rgba, composite_on_white(rgba), True, cutout_doubt(rgba))
                log.info("Background removal found no foreground; keeping the photo uncut.")
            except Exception as exc:  # rembg/onnxruntime errors must not stop ingestion
                log.warning("Background removal failed on one image: %s", exc)
        return CutOut(rgb.convert("RGBA"), rgb, False)
