"""The vector index: a ChromaDB collection of item embeddings (cosine space, id = item id).

It is a rebuildable cache of the embeddings kept in SQLite. Embeddings are always passed in
explicitly (the collection has no embedding function, so Chroma never downloads a model) and
telemetry is off. The embedded default is a persistent folder under the home; setting
WHAT2WEAR_CHROMA_URL talks to a `chroma run` server instead, with the same code.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import InvalidArgumentError

from base.config import Settings, mask_url
from db.database import driver_url

COLLECTION = "what2wear_items"
_PAGE = 1000  # ids fetched per request when listing a large collection

log = logging.getLogger(__name__)


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
    # the driver form, so `postgresql://` and `postgresql+psycopg://` name one collection
    url = driver_url(settings.effective_database_url).render_as_string(hide_password=True)
    digest = hashlib.sha256(url.encode()).hexdigest()
    return f"{COLLECTION}_{digest[:16]}"


class VectorStore:
    """Item embeddings in one Chroma collection. Subclass to hook writes (tests inject failures)."""

    def __init__(self, client: ClientAPI, collection: str = COLLECTION) -> None:
        self.client = client
        self.name = collection
        self.collection = self._get_or_create()

    def _get_or_create(self) -> Any:
        return self.client.get_or_create_collection(
            self.name, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )

    def dimension(self) -> int | None:
        """The vector size the index accepts; None while it has never held a vector.

        Chroma fixes a collection's dimension at its first vector and keeps it even when
        emptied; a freshly fetched collection reports it.
        """
        fresh = self.client.get_collection(self.name)
        dimension = getattr(getattr(fresh, "_model", None), "dimension", None)
        if dimension is None and fresh.count():
            dimension = len(fresh.get(limit=1, include=["embeddings"])["embeddings"][0])
        return int(dimension) if dimension is not None else None

    def recreate(self) -> None:
        """Drop the whole collection and start an empty one (the index is a cache: the
        database rebuilds it), for a damaged index or one of another dimension."""
        try:
            self.client.delete_collection(self.name)
        except Exception as error:  # already gone, or too damaged to delete: start over anyway
            log.warning("dropping the vector collection %s: %s", self.name, error)
        self.collection = self._get_or_create()

    @classmethod
    def connect(cls, settings: Settings) -> VectorStore:
        return cls(chroma_client(settings), collection_name(settings))

    def upsert(
        self, ids: Sequence[str], embeddings: np.ndarray, categories: Sequence[str], model: str
    ) -> None:
        if not ids:
            return
        vectors = np.asarray(embeddings, dtype=np.float32).reshape(len(ids), -1)
        metadatas = [{"category": c, "embedding_model": model} for c in categories]
        try:
            self.collection.upsert(ids=list(ids), embeddings=vectors, metadatas=metadatas)  # type: ignore[arg-type]
        except InvalidArgumentError:
            dimension = self.dimension()
            if dimension in (None, vectors.shape[1]):
                raise
            if self.collection.get(where={"embedding_model": model}, limit=1)["ids"]:
                raise ValueError(
                    f"{model}: {vectors.shape[1]}-d embeddings do not fit this encoder's "
                    f"{dimension}-d vectors in the index; run `python -m core.cli doctor`"
                ) from None
            # Only another encoder's vectors are there (the encoder was switched): they are
            # stale for the configured encoder, and the index is a cache. Start anew.
            log.info("vector index: %d-d -> %d-d for %s", dimension, vectors.shape[1], model)
            self.recreate()
            self.collection.upsert(ids=list(ids), embeddings=vectors, metadatas=metadatas)  # type: ignore[arg-type]

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


class UnreadableIndex(VectorStore):
    """Stands in for an index that could not be opened, in a read-only session: every use
    raises the original error, which a check reports as a problem (nothing is moved)."""

    def __init__(self, error: Exception) -> None:  # no client: nothing to open
        self.error = error
        self.client = None  # type: ignore[assignment]
        self.name = COLLECTION

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error

    upsert = delete = ids = entries = nearest = count = dimension = recreate = _fail  # type: ignore[assignment]


def open_vector_store(
    settings: Settings,
    factory: Callable[[Settings], VectorStore],
    read_only: bool,
) -> tuple[VectorStore, str | None]:
    """The index, and a note when it had to be rebuilt.

    The embedded index is a cache of the database: one that cannot be opened (a damaged
    chroma.sqlite3) is moved aside to `chroma.damaged-<time>` and started anew, so the home
    still opens and start-up reconciliation refills it. A read-only session moves nothing and
    reports the damage instead. A server that cannot be reached is an error.
    """
    try:
        return factory(settings), None
    except Exception as error:
        if settings.chroma_url or not settings.chroma_path.exists():
            raise
        if read_only:
            return UnreadableIndex(error), None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        aside = settings.chroma_path.with_name(f"{settings.chroma_path.name}.damaged-{stamp}")
        settings.chroma_path.rename(aside)
        SharedSystemClient.clear_system_cache()  # forget the client cached for the damaged folder
        log.warning("vector index could not be opened (%s); moved to %s", error, aside)
        return factory(settings), (
            f"the vector index could not be opened ({type(error).__name__}: {error}); it was "
            f"moved to {aside.name} and rebuilt from the database")
