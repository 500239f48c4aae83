"""The app's core services against a real wardrobe (SQLite + Chroma in a temp folder, tiny
CLIP, tiny rembg): batch uploads, suggestions and swaps, outfit actions, the model service."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from itertools import product
from typing import Any

import numpy as np
import pytest

from base.config import Settings
from base.records import IngestOutcome
from base.vocabulary import CATEGORIES
from core.learning.service import MIN_TRAINING_OUTFITS, ModelService
from core.ranking.ranker import OutfitRanker
from core.views import outfit_actions
from core.views.suggestions import OutfitSuggester, can_anchor, outfit_pieces, unscored_slots
from core.views.uploads import summarise
from core.wardrobe.batch import PhotoInput
from core.wardrobe.service import Wardrobe
from devkit.imaging import BLUE, GREEN, NAVY, RED, YELLOW, garment_photo, outfit_photo, text_file
from models.compat import CompatNet, IdentityModel, LearnedCompatModel, identity
from models.config import ModelConfig
from models.personal import PersonalModel

ITEMS = [("top", "tshirt", RED), ("top", "tshirt", GREEN), ("bottom", "trousers", NAVY),
         ("bottom", "trousers", BLUE), ("shoes", "shoe", YELLOW), ("shoes", "shoe", RED),
         ("bag", "shoe", GREEN)]


@pytest.fixture
def wardrobe(settings: Settings) -> Iterator[Wardrobe]:
    with Wardrobe.open(settings) as opened:
        yield opened


def upload(wardrobe: Wardrobe, *files: tuple[str, bytes], **options: Any) -> list[IngestOutcome]:
    """An upload batch through the one ingestion path the app and the CLI share."""
    return wardrobe.ingest_batch([PhotoInput.from_bytes(name, data) for name, data in files],
                                 **options)


@pytest.fixture
def stocked(wardrobe: Wardrobe) -> dict[str, list[str]]:
    """Two tops, two bottoms, two shoes and a bag, categories set by the person."""
    ids: dict[str, list[str]] = {}
    for seed, (category, kind, colour) in enumerate(ITEMS):
        [result] = upload(wardrobe, (f"{category}{seed}.jpg",
                                     garment_photo(kind, colour, seed=seed)), category=category)
        ids.setdefault(category, []).append(result.item_id)
    return ids


# --- uploads ------------------------------------------------------------------------------------

def test_batch_upload_reports_each_file_and_applies_the_chosen_category(wardrobe: Wardrobe) -> None:
    photo = garment_photo("trousers", NAVY, seed=3)
    calls: list[tuple[int, int, str]] = []
    results = upload(
        wardrobe,
        ("a.jpg", photo), ("b.jpg", photo), ("c.jpg", text_file()),
        ("d.png", garment_photo("trousers", BLUE, fmt="PNG", seed=4)),
        category="bottom",
        progress=lambda done, total, name: calls.append((done, total, name)),
    )
    assert [r.status for r in results] == ["added", "duplicate", "refused", "added"]
    assert results[2].reason and not results[2].item_id  # says why, stores nothing
    assert summarise(results) == {"added": 2, "duplicate": 1, "refused": 1}
    assert calls == [(0, 4, "a.jpg"), (1, 4, "b.jpg"), (2, 4, "c.jpg"), (3, 4, "d.png"), (4, 4, "")]
    items = wardrobe.items()
    assert len(items) == 2 and {i.category for i in items} == {"bottom"}
    assert all("category" in i.user_edited for i in items)


def test_an_unknown_category_refuses_the_photo_and_stores_nothing(wardrobe: Wardrobe) -> None:
    [result] = upload(wardrobe, ("hat.jpg", garment_photo(seed=5)), category="hat")
    assert result.status == "refused" and result.item_id is None
    assert "'hat'" in result.reason and "unknown category" in result.reason
    assert wardrobe.items() == []


def test_the_chosen_category_is_the_one_near_duplicates_are_searched_in(
    wardrobe: Wardrobe,
) -> None:
    photo = garment_photo("tshirt", RED, seed=1)
    [first] = upload(wardrobe, ("a.jpg", photo), category="shoes")
    [again] = upload(wardrobe, ("b.png", garment_photo("tshirt", RED, fmt="PNG", seed=1)),
                     category="shoes")
    assert again.near_duplicates == (first.item_id,)
    [other] = upload(wardrobe, ("c.png", garment_photo("tshirt", RED, fmt="PNG", seed=1, size=(250, 330))),
                     category="bag")
    assert other.status == "added" and other.near_duplicates == ()


def test_same_outfit_photo_uploaded_twice_is_reported_as_a_duplicate(wardrobe: Wardrobe) -> None:
    photo = outfit_photo(seed=4)
    first, again = upload(wardrobe, ("me.jpg", photo), ("me-again.jpg", photo), outfit=True)
    assert first.status == "added" and again.status == "duplicate"
    assert first.outfit_id in again.reason and not again.item_ids
    assert again.outfit_id == first.outfit_id
    assert len(wardrobe.outfits()) == 1


def test_without_a_chosen_category_the_zero_shot_guess_stays_automatic(wardrobe: Wardrobe) -> None:
    [result] = upload(wardrobe, ("x.jpg", garment_photo(seed=9)))
    assert result.status == "added"
    assert "category" not in wardrobe.item(result.item_id).user_edited


def test_outfit_photo_upload_records_an_outfit(wardrobe: Wardrobe) -> None:
    [result] = upload(wardrobe, ("me.jpg", outfit_photo()), outfit=True)
    assert result.status == "added" and result.outfit_id
    stored = wardrobe.outfit(result.outfit_id)
    assert stored.source == "photo" and set(stored.items.values()) == set(result.item_ids)
    [refused] = upload(wardrobe, ("no.jpg", text_file()), outfit=True)
    assert refused.status == "refused" and refused.reason


# --- suggestions ----------------------------------------------------------------------------------

def _brute_force(wardrobe: Wardrobe, anchor: str, ids: dict[str, list[str]]) -> list[tuple[float, dict]]:
    """Every outfit around the top, each with the bag or without it, whichever scores higher."""
    model = identity()
    scored = []
    for bottom, shoes in product(ids["bottom"], ids["shoes"]):
        options = []
        for bag in (None, *ids["bag"]):
            outfit = {"top": anchor, "bottom": bottom, "shoes": shoes}
            outfit |= {"bag": bag} if bag else {}
            vectors = wardrobe.embeddings(list(outfit.values()))[None]
            score = float(model.score(vectors, np.ones((1, len(outfit)), bool), list(outfit))[0])
            options.append((score, bag is not None, outfit))
        best = min(options, key=lambda o: (-o[0], o[1]))  # ties: without the bag
        scored.append((best[0], best[2]))
    return sorted(scored, key=lambda s: -s[0])


def test_suggestions_around_a_top_are_exact_and_carry_records(wardrobe: Wardrobe,
                                                             stocked: dict[str, list[str]]) -> None:
    anchor = stocked["top"][0]
    results = OutfitSuggester(wardrobe, identity()).suggest([anchor], k=10, diversity=0.0)
    expected = _brute_force(wardrobe, anchor, stocked)
    assert len(results) == len(expected) == 4
    assert [r.item_ids for r in results] == [o for _s, o in expected]
    assert np.allclose([r.score for r in results], [s for s, _o in expected], atol=1e-5)
    first = results[0]
    assert first.anchors == {anchor} and first.items["top"].id == anchor
    extra = ["bag"] if "bag" in first.items else []  # the bag joins when it raises the score
    assert first.swappable_slots() == ["bottom", "shoes", *extra]
    a, b, value = first.weakest_pair
    assert value == min(first.ranked.pair_scores.values()) and {a, b} <= set(first.items)
    assert [slot for slot, _item in first.ordered()] == ["top", "bottom", "shoes", *extra]


def test_unavailable_items_are_never_suggested_and_bags_anchor_when_the_model_knows_them(
        wardrobe: Wardrobe, stocked: dict[str, list[str]]) -> None:
    away = stocked["shoes"][0]
    wardrobe.set_available(away, False)
    suggester = OutfitSuggester(wardrobe, identity())
    results = suggester.suggest([stocked["top"][0]], k=10)
    assert results and all(away not in r.item_ids.values() for r in results)
    bag = wardrobe.item(stocked["bag"][0])
    assert can_anchor(bag) and unscored_slots(identity()) == ()
    with_bag = suggester.suggest([bag.id], k=10, diversity=0.0)
    assert len(with_bag) == 2 * 2 * 1 and all(r.item_ids["bag"] == bag.id for r in with_bag)
    assert [slot for slot, _ in with_bag[0].ordered()][-1] == "bag"
    trained = LearnedCompatModel(CompatNet(ModelConfig(input_dim=512, hidden_dim=16, latent_dim=8)))
    assert unscored_slots(trained) == ("bag", "accessory")  # it learned clothes only
    assert not can_anchor(bag, unscored_slots(trained))
    clothes_only = OutfitSuggester(wardrobe, trained)
    with pytest.raises(ValueError, match="has not learned bags"):
        clothes_only.suggest([bag.id])
    assert all("bag" not in r.item_ids for r in clothes_only.suggest([stocked["top"][0]], k=10))
    taught = LearnedCompatModel(trained.net, info={"trained_categories": [*CATEGORIES]})
    assert unscored_slots(taught) == ()  # a model that says it learned accessories scores them
    assert unscored_slots(PersonalModel(trained, np.zeros(8, np.float32))) == ("bag", "accessory")


def test_swap_offers_the_next_best_piece_for_one_slot(wardrobe: Wardrobe,
                                                      stocked: dict[str, list[str]]) -> None:
    suggester = OutfitSuggester(wardrobe, identity())
    outfit = suggester.suggest([stocked["top"][0]], k=1)[0]
    options = suggester.alternatives(outfit, "shoes", k=3)
    assert len(options) == 1  # two shoes in the wardrobe: the other one
    [option] = options
    assert option.item_ids["shoes"] != outfit.item_ids["shoes"]
    assert {s: i for s, i in option.item_ids.items() if s != "shoes"} == {
        s: i for s, i in outfit.item_ids.items() if s != "shoes"}
    rescored = OutfitRanker(identity()).rank(
        {s: (i, wardrobe.embeddings([i])[0]) for s, i in option.item_ids.items()}, {}, k=1)
    assert rescored[0].score == pytest.approx(option.score)


class InsideCountingModel(IdentityModel):
    """The identity model, noting how many threads are projecting at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.most_inside = 0
        self._count = threading.Lock()

    def project(self, category: str, x: np.ndarray, partner: str | None = None) -> np.ndarray:
        with self._count:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        time.sleep(0.002)  # long enough for another thread to come in, were it let in
        try:
            return super().project(category, x, partner)
        finally:
            with self._count:
                self.inside -= 1


def test_a_shared_ranker_serves_suggesters_and_threads_alike(
        settings: Settings, wardrobe: Wardrobe, stocked: dict[str, list[str]]) -> None:
    """The app keeps one ranker per model across runs and sessions (ModelService.ranker)."""
    service = ModelService(settings)
    active = service.active()
    shared = service.ranker(active)
    assert service.ranker(service.active()) is shared
    with pytest.raises(ValueError, match="another model"):
        OutfitSuggester(wardrobe, identity(), shared)
    warm = OutfitSuggester(wardrobe, active.model, shared)
    cold = OutfitSuggester(wardrobe, active.model)
    for top in stocked["top"]:
        assert [o.item_ids for o in warm.suggest([top], k=4)] == [
            o.item_ids for o in cold.suggest([top], k=4)]
    assert shared.cache.hits > 0  # the second anchor reused the first one's projections

    rng = np.random.default_rng(0)
    pool = {slot: ([f"{slot}{n}" for n in range(12)], rng.normal(size=(12, 8)).astype(np.float32))
            for slot in ("top", "bottom", "shoes", "outerwear")}
    requests = [({"top": (f"a{n}", rng.normal(size=8).astype(np.float32))}, d)
                for n in range(3) for d in (0.0, 0.5)]
    expected = [[o.items for o in OutfitRanker(identity()).rank(a, pool, k=5, diversity=d)]
                for a, d in requests]
    model = InsideCountingModel()
    tiny = OutfitRanker(model, cache_bytes=4096)  # evicts all the time
    failures: list[str] = []

    def worker() -> None:
        for (a, d), want in zip(requests, expected, strict=True):
            got = [o.items for o in tiny.rank(a, pool, k=5, diversity=d)]
            if got != want:
                failures.append(f"{a} {d}: {got} != {want}")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert model.most_inside == 1  # one ranking at a time: its LRU caches are not thread-safe


def test_outfit_pieces_skip_deleted_items(wardrobe: Wardrobe, stocked: dict[str, list[str]]) -> None:
    items = {"top": stocked["top"][0], "bottom": stocked["bottom"][0], "shoes": stocked["shoes"][0]}
    outfit = wardrobe.save_outfit(items, source="manual")
    wardrobe.delete_item(stocked["bottom"][0])
    pieces = outfit_pieces(wardrobe, wardrobe.outfit(outfit.id).items | items)
    assert [slot for slot, _ in pieces] == ["top", "shoes"]


# --- outfit actions -------------------------------------------------------------------------------

def test_actions_reuse_one_record_and_feed_training(wardrobe: Wardrobe,
                                                     stocked: dict[str, list[str]]) -> None:
    t, b, s = stocked["top"][0], stocked["bottom"][0], stocked["shoes"][0]
    items = {"top": t, "bottom": b, "shoes": s}
    liked = outfit_actions.like(wardrobe, items, 0.5)
    assert outfit_actions.like(wardrobe, items, 0.5).id == liked.id
    assert outfit_actions.wear_today(wardrobe, items, 0.5).id == liked.id
    assert len(wardrobe.outfits()) == 1 and wardrobe.outfit(liked.id).rating == 1
    assert wardrobe.item(t).times_worn == 1

    other = {"top": stocked["top"][1], "bottom": stocked["bottom"][1], "shoes": stocked["shoes"][1]}
    disliked = outfit_actions.dislike(wardrobe, other, 0.1)
    assert not disliked.saved and wardrobe.outfit(disliked.id).rating == -1
    data = wardrobe.training_set()
    assert data is not None and data.hard_negatives is not None and len(data.hard_negatives) == 1
    positives = len(data)
    saved = outfit_actions.save(wardrobe, other, 0.1)  # saving after a dislike: the same record
    assert saved.saved and saved.id == disliked.id and len(wardrobe.outfits()) == 2
    swapped = dict(reversed(list(other.items())))  # same pieces and slots, listed otherwise
    assert outfit_actions.find_outfit(wardrobe, swapped).id == saved.id
    recorded = outfit_actions.index_outfits(wardrobe.outfits())
    assert len(recorded) == 2 and recorded[outfit_actions.outfit_key(items)].id == liked.id
    assert outfit_actions.outfit_key({"top": t, "bottom": b}) not in recorded
    # still disliked last: saved, but a negative only, never a positive as well
    data = wardrobe.training_set()
    assert data is not None and len(data) == positives
    assert data.hard_negatives is not None and len(data.hard_negatives) == 1
    outfit_actions.like(wardrobe, other, 0.1)  # liked later: now a positive, no negative left
    data = wardrobe.training_set()
    assert data is not None and len(data) == positives + 1
    assert data.hard_negatives is None or len(data.hard_negatives) == 0


# --- model service --------------------------------------------------------------------------------

def _outfits(wardrobe: Wardrobe, ids: dict[str, list[str]], n: int) -> None:
    for top, bottom, shoes in list(product(ids["top"], ids["bottom"], ids["shoes"]))[:n]:
        wardrobe.save_outfit({"top": top, "bottom": bottom, "shoes": shoes}, source="manual")


def test_identity_until_trained_and_a_clear_message_for_a_broken_model(settings: Settings) -> None:
    service = ModelService(settings)
    assert service.active().version == "identity" and service.active().message is None
    settings.compat_model_dir.mkdir(parents=True)
    (settings.compat_model_dir / "config.json").write_text("{not json")
    broken = service.active()
    assert broken.version == "identity"
    assert broken.message and str(settings.compat_model_dir) in broken.message


def test_a_folder_that_fails_to_load_falls_back_with_the_reason(settings: Settings,
                                                                 wardrobe: Wardrobe) -> None:
    """A folder that fails to load is not "trained": the service falls back to identity."""
    service = ModelService.for_wardrobe(wardrobe)
    assert service.active().version == "identity"
    settings.compat_model_dir.mkdir(parents=True)
    (settings.compat_model_dir / "config.json").write_text("{not json")
    assert service.active().version == "identity"
    assert service.active().message  # the reason is kept where the pages read it


def test_a_model_for_another_embedding_size_is_refused_with_the_reason(
        settings: Settings, wardrobe: Wardrobe) -> None:
    """The tiny encoder makes 512-d embeddings, like FashionCLIP; a 16-d model could not score
    them (it failed in torch on the first suggestion), so identity is used, with the reason."""
    small = ModelConfig(hidden_dim=16, latent_dim=8)
    LearnedCompatModel(CompatNet(replace(small, input_dim=16))).save(settings.compat_model_dir)
    service = ModelService.for_wardrobe(wardrobe)
    assert wardrobe.status.encoder_ready  # the encoder is loaded: its size is known
    refused = service.active()
    assert refused.version == "identity"
    assert refused.message and str(settings.compat_model_dir) in refused.message
    assert "takes 16-d item embeddings, not 512-d ones" in refused.message
    LearnedCompatModel(CompatNet(replace(small, input_dim=512))).save(settings.compat_model_dir)
    assert service.active().version != "identity"  # the right size is used


def test_training_needs_enough_outfits(settings: Settings, wardrobe: Wardrobe,
                                       stocked: dict[str, list[str]]) -> None:
    _outfits(wardrobe, stocked, MIN_TRAINING_OUTFITS - 1)
    service = ModelService(settings)
    assert not service.training_data(wardrobe).enough
    with pytest.raises(ValueError, match=f"at least {MIN_TRAINING_OUTFITS} outfits"):
        service.train_on_wardrobe(wardrobe, epochs=10)
    assert not settings.compat_model_dir.exists()


def test_train_activates_the_new_model_and_evaluations_are_kept_per_version(
        settings: Settings, wardrobe: Wardrobe, stocked: dict[str, list[str]]) -> None:
    _outfits(wardrobe, stocked, 6)
    service = ModelService(settings)
    untrained = service.ranker(service.active())
    steps: list[int] = []
    metrics = service.train_on_wardrobe(wardrobe, epochs=10, progress=lambda p: steps.append(p.step))
    assert metrics["epochs"] == 10 and steps == sorted(steps) and steps[-1] == metrics["steps"]
    active = service.active()
    assert active.version != "identity" and active.path == settings.compat_model_dir
    assert active.info["data"] == "wardrobe" and "trained model" in active.name
    assert ModelService.for_wardrobe(wardrobe).active().version == active.version  # a new one too
    assert service.ranker(active) is not untrained  # a new model starts a new ranker

    results = service.evaluate_on_wardrobe(wardrobe, seed=0)
    assert set(results) == {"active", "identity"}
    stored = json.loads((settings.models_dir / "evaluations.json").read_text())
    assert stored[active.version]["auc"] == pytest.approx(results["active"].auc, nan_ok=True)
    assert service.last_evaluation(active.version)["n_outfits"] == results["active"].n_outfits

    first = active.version
    service.train_on_wardrobe(wardrobe, epochs=10, seed=1)
    assert service.active().version != first  # reloaded without a restart
    assert (settings.compat_model_dir.parent / "active.previous" / "model.safetensors").is_file()


def test_score_distribution_has_a_scrambled_twin_per_outfit(
        settings: Settings, wardrobe: Wardrobe, stocked: dict[str, list[str]]) -> None:
    service = ModelService(settings)
    assert service.score_distribution(wardrobe) is None
    _outfits(wardrobe, stocked, 5)
    t, b, s = stocked["top"][1], stocked["bottom"][1], stocked["shoes"][0]
    outfit_actions.dislike(wardrobe, {"top": t, "bottom": b, "shoes": s}, None)
    dist = service.score_distribution(wardrobe)
    assert dist is not None
    again = service.score_distribution(wardrobe, training=service.training_data(wardrobe))
    assert again is not None and np.array_equal(again.positive, dist.positive)
    assert dist.positive.shape == dist.negative.shape == (5,) and dist.disliked.shape == (1,)
    rows = dist.histogram(bins=10)
    for kind in ("real outfits", "scrambled outfits", "disliked"):
        assert sum(r["share"] for r in rows if r["kind"] == kind) == pytest.approx(1.0)


def test_a_warning_every_file_shares_is_said_once(settings: Settings) -> None:
    import dataclasses

    from core.views.uploads import details, shared_warnings

    with Wardrobe.open(dataclasses.replace(settings, rembg_model="none")) as wardrobe:
        results = upload(wardrobe, *[(f"{n}.jpg", garment_photo(seed=n)) for n in range(2)],
                         ("x.jpg", text_file()))
    added = [r for r in results if r.status == "added"]
    assert all(r.warnings for r in added)  # no background removal in this run
    assert shared_warnings(added) == added[0].warnings
    assert shared_warnings(results) == ()  # the refused file did not get it
    assert details(added[0], shared_warnings(added)) == ""
    assert details(results[2]) == results[2].reason != ""
