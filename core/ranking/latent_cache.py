"""Projections of item embeddings into a model's latent space, computed once and reused.

Why: the app ranks again every time the person picks another anchor, while the wardrobe (the
pools) stays the same. A learned projection costs a (n, 512) x (512, 512) product per slot and
partner; caching it by content makes repeated ranking cost only the pair products.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Hashable, Sequence

import numpy as np

from models.compat import CompatModel


def fingerprint(ids: Sequence[str], embeddings: np.ndarray) -> str:
    """Content hash of a pool: the same ids and the same vectors give the same key.

    SHA-1 because it is the fastest full-content hash in hashlib here (a cache key, not security).
    """
    h = hashlib.sha1(usedforsecurity=False)
    h.update(repr(embeddings.shape).encode())
    h.update("\x1f".join(ids).encode())
    h.update(np.ascontiguousarray(embeddings, dtype=np.float32).reshape(-1).view(np.uint8))
    return h.hexdigest()


class BytesLRU:
    """Least-recently-used mapping bounded by the bytes of the arrays it holds."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[np.ndarray, ...]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> tuple[np.ndarray, ...] | None:
        value = self._entries.get(key)
        if value is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return value

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, key: Hashable, value: tuple[np.ndarray, ...]) -> None:
        size = sum(a.nbytes for a in value)
        if size > self.max_bytes or key in self._entries:
            return
        for a in value:
            a.setflags(write=False)  # shared between calls: nobody may change it in place
        self._entries[key] = value
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, old = self._entries.popitem(last=False)
            self._bytes -= sum(a.nbytes for a in old)


class LatentCache:
    """LRU cache of `model.project(category, x, partner)` keyed by model version and content."""

    def __init__(self, model: CompatModel, max_bytes: int = 256 << 20) -> None:
        self.model = model
        self._lru = BytesLRU(max_bytes)

    def __len__(self) -> int:
        return len(self._lru)

    @property
    def hits(self) -> int:
        return self._lru.hits

    @property
    def misses(self) -> int:
        return self._lru.misses

    def project(
        self,
        category: str,
        partner: str | None,
        key: str,
        embeddings: np.ndarray,
        siblings: Sequence[str | None] = (),
    ) -> np.ndarray:
        """(n, d) float32 latents of `embeddings`; `key` is their `fingerprint`.

        On a miss the latents for the `siblings` partners (the other slots of the query) are
        computed in the same model call, since they will be asked for next.
        """
        entry_key = (self.model.version, category, partner, key)
        cached = self._lru.get(entry_key)
        if cached is not None:
            return cached[0]
        partners = [partner, *(p for p in dict.fromkeys(siblings) if p != partner
                               and (self.model.version, category, p, key) not in self._lru)]
        for other, latents in zip(partners, self.model.project_partners(category, embeddings, partners),
                                  strict=True):
            latents = np.ascontiguousarray(latents, dtype=np.float32)
            if latents.ndim != 2 or latents.shape[0] != embeddings.shape[0]:
                raise ValueError(
                    f"model {self.model.name!r} projected {embeddings.shape} to {latents.shape}; "
                    "expected one latent row per item"
                )
            self._lru.put((self.model.version, category, other, key), (latents,))
            if other == partner:
                result = latents
        return result
