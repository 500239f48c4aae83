"""What the wardrobe service's modules share: the three stores, the models and the write lock.

One `WardrobeStores` per open wardrobe is passed to ingest, item, outfit-log and maintenance
functions, so they all see the same sessions, index, image folder and (lazily loaded) encoder
without any of them owning the life cycle (core/wardrobe/service.py does).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from base.config import Settings
from core.photos.background import BackgroundRemover
from core.photos.encoder import EncoderUnavailable, FashionEncoder, load_encoder
from core.photos.images import LoadedImage, load_image
from core.photos.pose_model import PoseModel, PoseModelUnavailable, load_pose_model
from db.files import ImageFiles
from db.schema import Item
from db.vectors import VectorStore


@dataclass
class WardrobeStores:
    """Handles on one wardrobe's stores and models; `write_lock` serialises writers in-process."""

    settings: Settings
    sessions: sessionmaker[Session]
    vectors: VectorStore
    files: ImageFiles
    remover: BackgroundRemover
    write_lock: threading.RLock = field(default_factory=threading.RLock)
    encoder_message: str | None = None
    # bumped after every write that may change items (rows, pictures, embeddings), so callers
    # can tell cheaply that what they computed from items (suggestions) is out of date
    items_revision: int = 0
    _encoder: FashionEncoder | None = None
    _encoder_tried: bool = False
    pose_message: str | None = None
    _pose: PoseModel | None = None
    _pose_tried: bool = False

    def note_item_change(self) -> None:
        """Count one more (possible) change to the items; see `items_revision`."""
        with self.write_lock:
            self.items_revision += 1

    @property
    def encoder(self) -> FashionEncoder | None:
        """The encoder, loaded on first use: commands that never embed (list, outfits, export,
        a check) never pay for loading it. A failed load is not retried here (an offline hub
        id costs a network probe on every try); `load_encoder` retries."""
        if not self._encoder_tried:
            self.load_encoder()
        return self._encoder

    @property
    def loaded_encoder(self) -> FashionEncoder | None:
        """The encoder if it has been loaded already (never triggers a load)."""
        return self._encoder

    def load_encoder(self) -> FashionEncoder | None:
        """Load (or retry loading) the encoder; failures are kept as a message, never raised.

        Called on first use and by explicit actions (reindex, search, reprocess), not per
        ingested photo.
        """
        with self.write_lock:
            if self._encoder is None:
                try:
                    self._encoder = load_encoder(self.settings.clip_model)
                    self.encoder_message = None
                except Exception as error:  # EncoderUnavailable, or a broken model folder
                    detail = str(error) if isinstance(error, EncoderUnavailable) else (
                        f"{type(error).__name__}: {error}")
                    self.encoder_message = (
                        f"Encoder unavailable, photos are kept as 'pending embedding': {detail}"
                    )
            self._encoder_tried = True  # after the attempt: `encoder_tried` means "settled"
        return self._encoder

    @property
    def encoder_tried(self) -> bool:
        """Whether a load has finished, loaded or failed (never triggers one): a page can tell
        "still loading" from "missing" without waiting for the model."""
        return self._encoder_tried

    @property
    def pose_model(self) -> PoseModel | None:
        """The pose model for outfit photos, loaded on first use; None (with `pose_message`
        saying why, unless it was switched off) when it cannot be used: outfit photos are then
        cut into the seed's rows."""
        with self.write_lock:
            if not self._pose_tried:
                self._pose_tried = True
                try:
                    self._pose = load_pose_model(self.settings.pose_model)
                except PoseModelUnavailable as error:
                    self.pose_message = str(error)
        return self._pose

    def require_encoder(self) -> FashionEncoder:
        """The encoder, for actions that cannot run without it (EncoderUnavailable otherwise)."""
        encoder = self.load_encoder()
        if encoder is None:
            raise EncoderUnavailable(self.encoder_message or "the encoder is unavailable")
        return encoder

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session (writers use `sessions.begin()` for one transaction per change)."""
        with self.sessions() as session:
            yield session

    def load_image(self, data: bytes, filename: str) -> LoadedImage:
        """Decode a photo within the configured size limits (ImageRejected otherwise)."""
        return load_image(
            data,
            filename,
            max_pixels=self.settings.max_image_pixels,
            max_side=self.settings.max_image_side,
        )


def item_row(session: Session, item_id: str) -> Item:
    """The item's row; KeyError names the id when there is none."""
    row = session.get(Item, item_id)
    if row is None:
        raise KeyError(f"no item {item_id!r}")
    return row
