"""Candidate retrieval for very large pools (a shop catalogue): ChromaDB first, exact ranking after.

Why: exact ranking touches every (bottom, shoes) pair, so 100k items a slot means 10^10 pairs.
Items that go well with the locked items lie close to them in the model's latent space, so a
nearest-neighbour index returns the top M of each slot cheaply and the exact ranker scores only
those. It is an approximation (pairs among retrieved items are not looked at when retrieving),
so callers measure it with `recall_at_k` against exact search.

One collection per (model version, slot, partner slot) holds the items' latents for that pair:
type-aware models project an item differently for each partner category. Collections use cosine
space, embeddings are passed explicitly and no embedding function is attached.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from base.vocabulary import ACCESSORY, BAG, BOTTOM, ONEPIECE, OUTERWEAR, SHOES, TOP
from core.ranking.latent_cache import fingerprint
from core.ranking.ranker import RANK_SLOTS, OutfitRanker, RankedOutfit
from models.compat import CompatModel

DEFAULT_CANDIDATES = 500  # items retrieved per slot and anchor before exact ranking
# Which slots an item of each slot is ever paired with (one-pieces never meet tops or bottoms).
PARTNERS: dict[str, tuple[str, ...]] = {
    TOP: (BOTTOM, SHOES, OUTERWEAR, BAG, ACCESSORY),
    BOTTOM: (TOP, SHOES, OUTERWEAR, BAG, ACCESSORY),
    ONEPIECE: (SHOES, OUTERWEAR, BAG, ACCESSORY),
    SHOES: (TOP, BOTTOM, ONEPIECE, OUTERWEAR, BAG, ACCESSORY),
    OUTERWEAR: (TOP, BOTTOM, ONEPIECE, SHOES, BAG, ACCESSORY),
    BAG: (TOP, BOTTOM, ONEPIECE, SHOES, OUTERWEAR, ACCESSORY),  # accessories meet every piece
    ACCESSORY: (TOP, BOTTOM, ONEPIECE, SHOES, OUTERWEAR, BAG),
}


def open_chroma(path: Path | None = None) -> chromadb.ClientAPI:
    """A persistent client under `path` (one process at a time) or an in-memory one; no telemetry."""
    settings = ChromaSettings(anonymized_telemetry=False)
    if path is None:
        return chromadb.EphemeralClient(settings=settings)
    return chromadb.PersistentClient(path=str(path), settings=settings)


def recall_at_k(approx: Sequence[RankedOutfit], exact: Sequence[RankedOutfit], k: int = 10) -> float:
    """Share of the exact top k outfits that the approximate top k also found."""
    want = {tuple(sorted(o.items.items())) for o in exact[:k]}
    if not want:
        return 1.0
    got = {tuple(sorted(o.items.items())) for o in approx[:k]}
    return len(want & got) / len(want)


class LatentIndex:
    """Nearest-neighbour collections of pool items' latents, kept in step with the pools."""

    def __init__(self, client: chromadb.ClientAPI, model: CompatModel, prefix: str = "latent") -> None:
        self.client = client
        self.model = model
        self.prefix = prefix
        self._synced: dict[str, str] = {}  # collection name -> pool fingerprint it holds

    def collection_name(self, slot: str, partner: str) -> str:
        version = self.model.version
        slug = re.sub(r"[^A-Za-z0-9_-]+", "_", version)[:40].strip("_-") or "model"
        digest = hashlib.sha1(version.encode()).hexdigest()[:8]
        return f"{self.prefix}-{slug}-{digest}-{slot}-{partner}"

    def sync(self, slot: str, partner: str, ids: list[str], embeddings: np.ndarray) -> None:
        """Make the (slot, partner) collection hold exactly these items (adds, updates, deletes)."""
        name = self.collection_name(slot, partner)
        key = fingerprint(ids, embeddings)
        if self._synced.get(name) == key:
            return
        collection = self._collection(name)
        latents = np.asarray(self.model.project(slot, embeddings, partner=partner), np.float32)
        row_hash = [hashlib.blake2b(row.tobytes(), digest_size=8).hexdigest() for row in latents]
        stored = collection.get(include=["metadatas"])
        held = {i: (m or {}).get("h") for i, m in zip(stored["ids"], stored["metadatas"],
                                                        strict=True)}
        wanted = set(ids)
        gone = [i for i in held if i not in wanted]
        batch = self.client.get_max_batch_size()
        for start in range(0, len(gone), batch):
            collection.delete(ids=gone[start : start + batch])
        todo = [n for n, i in enumerate(ids) if held.get(i) != row_hash[n]]
        for start in range(0, len(todo), batch):
            rows = todo[start : start + batch]
            collection.upsert(ids=[ids[n] for n in rows], embeddings=latents[rows],
                              metadatas=[{"h": row_hash[n]} for n in rows])
        self._synced[name] = key

    def retrieve(
        self,
        anchors: Mapping[str, tuple[str, np.ndarray]],
        pool: Mapping[str, tuple[list[str], np.ndarray]],
        m: int = DEFAULT_CANDIDATES,
        exclude: Iterable[str] = frozenset(),
    ) -> dict[str, tuple[list[str], np.ndarray]]:
        """The pool cut down to, per slot, the union over anchors of its m nearest items."""
        if not anchors:
            raise ValueError("retrieval needs at least one anchor to search around")
        if m <= 0:
            raise ValueError(f"m must be positive, got {m}")
        excluded = frozenset(exclude)
        reduced: dict[str, tuple[list[str], np.ndarray]] = {}
        for slot, (ids, x) in pool.items():
            if slot not in RANK_SLOTS:
                raise ValueError(f"unknown pool slot {slot!r}; slots are {RANK_SLOTS}")
            partners = [a for a in anchors if a in PARTNERS[slot] and a != slot]
            if slot in anchors or not partners or not ids:
                continue  # replaced by its anchor, or never worn with the anchors
            ids = [str(i) for i in ids]
            x = np.asarray(x, dtype=np.float32)
            row_of = {item_id: n for n, item_id in enumerate(ids)}
            chosen: dict[str, None] = {}
            for partner in partners:
                self.sync(slot, partner, ids, x)
                _, anchor_x = anchors[partner]
                query = self.model.project(partner, np.asarray(anchor_x, np.float32).reshape(1, -1),
                                           partner=slot)
                collection = self._collection(self.collection_name(slot, partner))
                n = min(len(ids), m + len(excluded))  # excluded hits must not eat the quota
                hits = collection.query(query_embeddings=np.asarray(query, np.float32),
                                        n_results=n, include=["distances"])["ids"][0]
                kept = [h for h in hits if h not in excluded and h in row_of][:m]
                chosen.update(dict.fromkeys(kept))
            rows = [row_of[i] for i in chosen]
            reduced[slot] = ([ids[r] for r in rows], x[rows])
        return reduced

    def _collection(self, name: str):
        return self.client.get_or_create_collection(
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )


class RetrievalRanker:
    """Retrieve the top m per slot from the index, then rank those exactly."""

    def __init__(self, ranker: OutfitRanker, index: LatentIndex, m: int = DEFAULT_CANDIDATES) -> None:
        self.ranker = ranker
        self.index = index
        self.m = m

    def rank(
        self,
        anchors: Mapping[str, tuple[str, np.ndarray]],
        pool: Mapping[str, tuple[list[str], np.ndarray]],
        k: int = 10,
        exclude: Iterable[str] = frozenset(),
        **options,
    ) -> list[RankedOutfit]:
        reduced = self.index.retrieve(anchors, pool, self.m, exclude)
        return self.ranker.rank(anchors, reduced, k=k, exclude=frozenset(exclude), **options)
