"""The vector index: a ChromaDB collection of item embeddings (cosine space, id = item id).

It is a rebuildable cache of the embeddings kept in SQLite. Embeddings are always passed in
explicitly (the collection has no embedding function, so Chroma never downloads a model) and
telemetry is off. The embedded default is a persistent folder under the home; setting
WHAT2WEAR_CHROMA_URL talks to a `chroma run` server instead, with the same code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.config import Settings as ChromaSettings
from sqlalchemy.engine import make_url

from core.config import Settings, mask_url

COLLECTION = "what2wear_items"
_PAGE = 1000  # ids fetched per request when listing a large collection


@dataclass(frozen=True)
class VectorEntry:
    """What the index holds for one item."""

    id: str
    embedding: np.ndarray
    category: str
    embedding_model: str


def chroma_client(settings: Settings) -> ClientAPI:
    """A Chroma client for the configured mode: server URL if set, else the home's folder."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(
                f"WHAT2WEAR_CHROMA_URL={mask_url(settings.chroma_url)!r}: expected "
                "http(s)://host:port"
            )
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def collection_name(settings: Settings) -> str:
    """The collection caching this wardrobe's database.

    Embedded, the collection lives in the home and is simply COLLECTION. On a shared server,
    each database gets its own collection (named after its URL, password left out), so two
    wardrobes on one server never see, or reconcile away, each other's vectors.
    """
    if not settings.chroma_url:
        return COLLECTION
    url = make_url(settings.effective_database_url).render_as_string(hide_password=True)
    digest = hashlib.sha256(url.encode()).hexdigest()
    return f"{COLLECTION}_{digest[:16]}"


class VectorStore:
    """Item embeddings in one Chroma collection. Subclass to hook writes (tests inject failures)."""

    def __init__(self, client: ClientAPI, collection: str = COLLECTION) -> None:
        self.client = client
        self.collection = client.get_or_create_collection(
            collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )

    @classmethod
    def connect(cls, settings: Settings) -> VectorStore:
        return cls(chroma_client(settings), collection_name(settings))

    def upsert(
        self, ids: Sequence[str], embeddings: np.ndarray, categories: Sequence[str], model: str
    ) -> None:
        if not ids:
            return
        vectors = np.asarray(embeddings, dtype=np.float32).reshape(len(ids), -1)
        self.collection.upsert(
            ids=list(ids),
            embeddings=vectors,
            metadatas=[{"category": c, "embedding_model": model} for c in categories],
        )

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if ids:
            self.collection.delete(ids=ids)

    def ids(self) -> set[str]:
        found: set[str] = set()
        offset = 0
        while True:
            page = self.collection.get(limit=_PAGE, offset=offset, include=[])["ids"]
            found.update(page)
            if len(page) < _PAGE:
                return found
            offset += _PAGE

    def entries(
        self, ids: Sequence[str] | None = None, with_embeddings: bool = True
    ) -> dict[str, VectorEntry]:
        """Metadata (and embeddings unless told not to) of the given ids (all when None)."""
        wanted = sorted(self.ids()) if ids is None else list(ids)
        include = ["embeddings", "metadatas"] if with_embeddings else ["metadatas"]
        out: dict[str, VectorEntry] = {}
        for start in range(0, len(wanted), _PAGE):
            got = self.collection.get(ids=wanted[start : start + _PAGE], include=include)  # type: ignore[arg-type]
            for i, item_id in enumerate(got["ids"]):
                meta = got["metadatas"][i] or {}
                vector = got["embeddings"][i] if with_embeddings else ()
                out[item_id] = VectorEntry(
                    id=item_id,
                    embedding=np.asarray(vector, dtype=np.float32),
                    category=str(meta.get("category", "")),
                    embedding_model=str(meta.get("embedding_model", "")),
                )
        return out

    def nearest(
        self,
        embedding: np.ndarray,
        k: int,
        category: str | Sequence[str] | None = None,
        model: str | None = None,
    ) -> list[tuple[str, float]]:
        """The k nearest items as (id, cosine similarity), optionally within one category (or
        any of several) and one embedding model."""
        count = self.collection.count()
        if count == 0 or k <= 0:
            return []
        clauses: list[dict[str, Any]] = []
        if isinstance(category, str):
            clauses.append({"category": category})
        elif category is not None:
            clauses.append({"category": {"$in": list(category)}})
        if model is not None:
            clauses.append({"embedding_model": model})
        where = None if not clauses else clauses[0] if len(clauses) == 1 else {"$and": clauses}
        result = self.collection.query(
            query_embeddings=np.asarray(embedding, dtype=np.float32).reshape(1, -1),
            n_results=min(k, count),
            where=where,  # type: ignore[arg-type]
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = result["distances"][0] if result["distances"] else []
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def count(self) -> int:
        return self.collection.count()
