"""FashionCLIP image/text encoder: loaded once per process, batched, L2-normalised float32.

Every stored vector and every compatibility score depends on this encoder, so it is loaded
through the standard transformers path (`CLIPModel`/`CLIPProcessor.from_pretrained`, safetensors
only) from a hub id or a local folder. Start-up must stay fast and clear offline: the local
cache/folder is tried first, the network only when the hub answers, and failure becomes one
`EncoderUnavailable` whose message says how to fix it (the app then keeps photos "pending").
"""

from __future__ import annotations

import functools
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

HUB_PROBE_TIMEOUT_S = 3.0


class EncoderUnavailable(RuntimeError):
    """The encoder cannot be loaded; the message says why and what to do."""


def _features(output: Any) -> Any:
    """transformers 5 returns an output object from get_*_features; 4.x returned the tensor."""
    return output if hasattr(output, "shape") else output.pooler_output


@dataclass(eq=False)
class FashionEncoder:
    """A loaded CLIP: maps images and texts into the same unit-length 512-d space."""

    name: str  # what WHAT2WEAR_CLIP_MODEL said: stored with each embedding
    model: Any = field(repr=False)  # transformers CLIPModel, eval mode
    processor: Any = field(repr=False)  # transformers CLIPProcessor
    dim: int = 512

    @property
    def logit_scale(self) -> float:
        """CLIP's learned softmax temperature for image-text similarities."""
        return float(self.model.logit_scale.exp().item())

    def _normalised(self, features: Any) -> np.ndarray:
        import torch

        unit = torch.nn.functional.normalize(features.float(), dim=-1)
        return unit.cpu().numpy().astype(np.float32, copy=False)

    def encode_images(self, images: Sequence[Image.Image], batch_size: int = 32) -> np.ndarray:
        """(n, dim) float32, rows of unit length. Images should be RGB (cut-outs on white)."""
        import torch

        if not images:
            return np.zeros((0, self.dim), np.float32)
        parts = []
        with torch.inference_mode():
            for start in range(0, len(images), batch_size):
                batch = [im.convert("RGB") for im in images[start : start + batch_size]]
                pixels = self.processor.image_processor(images=batch, return_tensors="pt")
                output = self.model.get_image_features(pixel_values=pixels["pixel_values"])
                parts.append(self._normalised(_features(output)))
        return np.concatenate(parts)

    def encode_texts(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """(n, dim) float32 unit vectors of the texts (search queries, tag prompts)."""
        import torch

        if not texts:
            return np.zeros((0, self.dim), np.float32)
        max_length = int(self.model.config.text_config.max_position_embeddings)
        parts = []
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                tokens = self.processor.tokenizer(
                    list(texts[start : start + batch_size]), padding=True, truncation=True,
                    max_length=max_length, return_tensors="pt",
                )
                output = self.model.get_text_features(
                    input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"]
                )
                parts.append(self._normalised(_features(output)))
        return np.concatenate(parts)


def _looks_like_path(model_id: str) -> bool:
    """Hub ids are `name` or `owner/name`; anything else is meant as a folder."""
    return model_id.startswith(("/", ".", "~")) or model_id.count("/") > 1 or "\\" in model_id


def _hub_reachable() -> bool:
    """A 3-second TCP probe of the hub, because an unreachable hub otherwise costs ~25 s of
    retries inside huggingface_hub before it gives up."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    url = urlparse(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=HUB_PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def _from_pretrained(source: str, local_only: bool) -> tuple[Any, Any]:
    from transformers import CLIPModel, CLIPProcessor

    model = CLIPModel.from_pretrained(source, use_safetensors=True, local_files_only=local_only)
    processor = CLIPProcessor.from_pretrained(source, local_files_only=local_only)
    return model.eval(), processor


def _load(model_id: str) -> tuple[Any, Any]:
    folder = Path(model_id).expanduser()
    if folder.is_dir():
        try:
            return _from_pretrained(str(folder), local_only=True)
        except (OSError, ValueError) as exc:
            raise EncoderUnavailable(
                f"cannot load the CLIP model from folder {folder}: {exc}. The folder needs "
                "config.json, model.safetensors, the tokenizer and preprocessor files (as saved "
                "by save_pretrained or `hf download`)."
            ) from exc
    if _looks_like_path(model_id):
        raise EncoderUnavailable(
            f"the CLIP model folder {folder} does not exist. Set WHAT2WEAR_CLIP_MODEL to a "
            "folder holding a saved FashionCLIP, or to a hub id such as "
            "patrickjohncyh/fashion-clip."
        )
    try:
        return _from_pretrained(model_id, local_only=True)  # fast path: already in the cache
    except (OSError, ValueError) as cached_error:
        log.debug("%s is not in the local cache: %s", model_id, cached_error)
    reason = "the Hugging Face hub cannot be reached (offline?)"
    if _hub_reachable():
        try:
            return _from_pretrained(model_id, local_only=False)
        except (OSError, ValueError) as exc:
            reason = str(exc).splitlines()[0]
    raise EncoderUnavailable(
        f"cannot load the CLIP model {model_id!r}: it is not in the local Hugging Face cache "
        f"and could not be downloaded ({reason}). On a machine with internet run "
        f"`hf download {model_id} --local-dir fashion-clip`, copy that folder here and set "
        "WHAT2WEAR_CLIP_MODEL to its path."
    )


@functools.cache
def load_encoder(model_id: str) -> FashionEncoder:
    """The process-wide encoder for `model_id` (a hub id or a local folder). Failures are not
    cached, so a later call (e.g. `reindex`) picks up a model that has since been installed."""
    model, processor = _load(model_id)
    dim = int(model.config.projection_dim)
    log.info("Loaded CLIP encoder %s (%d-d)", model_id, dim)
    return FashionEncoder(name=model_id, model=model, processor=processor, dim=dim)
