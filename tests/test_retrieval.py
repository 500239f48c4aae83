"""Chroma retrieval + exact ranking against exact ranking, on a real ChromaDB in a temp folder."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from core.ranking.ranker import OutfitRanker
from core.ranking.retrieval import LatentIndex, RetrievalRanker, open_chroma, recall_at_k
from models.compat import identity, l2_normalise

DIM = 32


def catalogue(rng: np.random.Generator, n: int, slots=("bottom", "shoes", "outerwear")) -> dict:
    return {s: ([f"{s}-{i}" for i in range(n)], l2_normalise(rng.standard_normal((n, DIM))))
            for s in slots}


@pytest.fixture
def persistent(tmp_path):
    return open_chroma(tmp_path / "chroma")


def test_retrieval_with_all_items_equals_exact(persistent):
    rng = np.random.default_rng(1)
    pool = catalogue(rng, 60)
    ranker = OutfitRanker(identity())
    anchors = {"top": ("t", l2_normalise(rng.standard_normal(DIM)))}
    exact = ranker.rank(anchors, pool, k=10)
    approx = RetrievalRanker(ranker, LatentIndex(persistent, identity()), m=60).rank(anchors, pool)
    assert [o.items for o in approx] == [o.items for o in exact]
    assert [o.score for o in approx] == pytest.approx([o.score for o in exact], abs=1e-12)
    assert recall_at_k(approx, exact) == 1.0


def test_retrieval_around_a_hat_keeps_the_clothes_and_equals_exact(persistent):
    """Accessories meet every piece: around an anchored hat the clothes are retrieved, not
    dropped, and with every item kept the result is the exact one."""
    rng = np.random.default_rng(2)
    pool = catalogue(rng, 12, slots=("top", "bottom", "shoes", "bag"))
    ranker = OutfitRanker(identity())
    anchors = {"accessory": ("hat", l2_normalise(rng.standard_normal(DIM)))}
    exact = ranker.rank(anchors, pool, k=10)
    approx = RetrievalRanker(ranker, LatentIndex(persistent, identity()), m=12).rank(anchors, pool)
    assert exact and all(o.items["accessory"] == "hat" for o in exact)
    assert [o.items for o in approx] == [o.items for o in exact]


def test_recall_is_high_on_a_larger_pool():
    """Items near the anchor (as real compatible clothes are) must be found with a small m."""
    rng = np.random.default_rng(2)
    n = 400
    anchor = l2_normalise(rng.standard_normal(DIM))
    pool = {}
    for s in ("bottom", "shoes", "outerwear"):  # a spread of items, some close to the anchor
        x = rng.standard_normal((n, DIM)) + rng.uniform(0, 3, (n, 1)) * anchor
        pool[s] = ([f"{s}-{i}" for i in range(n)], l2_normalise(x))
    ranker = OutfitRanker(identity())
    client = open_chroma()  # in-memory clients share one store: keep names unique
    index = LatentIndex(client, identity(), prefix=f"t{uuid.uuid4().hex[:8]}")
    recalls = []
    for trial in range(3):
        anchors = {"top": (f"t{trial}", l2_normalise(anchor + 0.3 * rng.standard_normal(DIM)))}
        exact = ranker.rank(anchors, pool, k=10)
        approx = RetrievalRanker(ranker, index, m=60).rank(anchors, pool)
        recalls.append(recall_at_k(approx, exact))
        assert all(a.score <= exact[0].score + 1e-12 for a in approx)
    assert np.mean(recalls) >= 0.9, recalls


def test_index_follows_pool_changes_and_excludes(persistent):
    rng = np.random.default_rng(3)
    pool = catalogue(rng, 30, ("bottom", "shoes"))
    model = identity()
    index = LatentIndex(persistent, model)
    anchors = {"top": ("t", l2_normalise(rng.standard_normal(DIM)))}
    first = index.retrieve(anchors, pool, m=5)
    assert {s: len(ids) for s, (ids, _) in first.items()} == {"bottom": 5, "shoes": 5}
    exclude = frozenset(first["bottom"][0])
    again = index.retrieve(anchors, pool, m=5, exclude=exclude)
    assert len(again["bottom"][0]) == 5 and not exclude & set(again["bottom"][0])

    ids, x = pool["bottom"]  # drop half the bottoms and move one: the collection follows
    x = x.copy()
    x[0] = anchors["top"][1]
    pool["bottom"] = (ids[:15], x[:15])
    collection = persistent.get_collection(index.collection_name("bottom", "top"))
    index.retrieve(anchors, pool, m=5)
    assert sorted(collection.get()["ids"]) == sorted(ids[:15])
    fresh = LatentIndex(persistent, model)  # a new index finds the stored items up to date
    assert fresh.retrieve(anchors, pool, m=1)["bottom"][0] == [ids[0]]
    assert sorted(collection.get()["ids"]) == sorted(ids[:15])


def test_retrieval_needs_an_anchor(persistent):
    pool = catalogue(np.random.default_rng(4), 5)
    with pytest.raises(ValueError, match="anchor"):
        LatentIndex(persistent, identity()).retrieve({}, pool)


def test_collection_names_are_valid_for_any_version(persistent):
    class OddVersion(type(identity())):
        @property
        def version(self) -> str:
            return "my model / v2 (trained 2024-06-01)"

    index = LatentIndex(persistent, OddVersion())
    pool = catalogue(np.random.default_rng(5), 4, ("shoes",))
    index.retrieve({"top": ("t", np.ones(DIM))}, pool, m=2)
    assert persistent.get_collection(index.collection_name("shoes", "top")).count() == 4
