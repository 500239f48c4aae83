"""Outfit suggestions for the app: a wardrobe + a compatibility model + an anchor -> outfits.

Turns wardrobe records into the ranker's pools (available, embedded items by slot), runs
`OutfitRanker`, and hands back records the page can draw directly. "Swap this piece" is the same
ranker with every other piece of the outfit locked and only one slot open.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from base.vocabulary import ACCESSORY, ACCESSORY_SLOTS, BAG, OUTFIT_SLOTS, SLOT_OF_CATEGORY
from core.ranking.ranker import OutfitRanker, RankedOutfit, weakest_pair
from core.views.outfit_cards import REFERENCE_SAMPLE, sample_outfits
from models.compat import IdentityModel

if TYPE_CHECKING:
    from base.records import ItemRecord
    from core.wardrobe.service import Wardrobe
    from models.compat import CompatModel

# Order pieces are drawn in, head to toe.
DISPLAY_ORDER: tuple[str, ...] = ("outerwear", "top", "onepiece", "bottom", "shoes", "accessory",
                                  "bag")
# Trained models record the categories they learned under this key of their info; models saved
# without it learned from clothes only (the wardrobe trainer feeds SLOTS, Polyvore drops the rest).
TRAINED_CATEGORIES = "trained_categories"
ACCESSORY_WORDS = {BAG: "bags", ACCESSORY: "hats, scarves, belts, jewellery and other accessories"}


def outfit_pieces(wardrobe: Wardrobe, items: Mapping[str, str]) -> list[tuple[str, ItemRecord]]:
    """A stored outfit's pieces head to toe; pieces deleted since are left out."""
    rank = {s: i for i, s in enumerate(DISPLAY_ORDER)}
    pieces: list[tuple[str, ItemRecord]] = []
    for slot, item_id in sorted(items.items(), key=lambda kv: rank.get(kv[0], len(rank))):
        try:
            pieces.append((slot, wardrobe.item(item_id)))
        except KeyError:
            continue
    return pieces


def slot_of(item: ItemRecord) -> str | None:
    return SLOT_OF_CATEGORY.get(item.category)


def can_anchor(item: ItemRecord, unscored: Sequence[str] = ()) -> bool:
    """Only embedded items of an outfit category can be the centre of a suggestion, and not
    accessories the model cannot score (`unscored_slots`)."""
    return slot_of(item) not in (None, *unscored) and not item.pending_embedding


def unscored_slots(model: CompatModel) -> tuple[str, ...]:
    """Accessory slots the model has not learned, so it cannot score them: the identity model
    (raw FashionCLIP similarity) scores every piece; a trained model only the categories it
    learned from (its info's `trained_categories`; clothes only when it does not say). A
    personal taste layer scores what its base scores."""
    while hasattr(model, "base"):  # models.personal.PersonalModel and other wrappers
        model = model.base
    if isinstance(model, IdentityModel):
        return ()
    info = getattr(model, "info", None) or {}
    learned = info.get(TRAINED_CATEGORIES)
    learned = set(learned) if isinstance(learned, list | tuple) else set(OUTFIT_SLOTS)
    known = set(model.categories) if model.categories is not None else learned
    return tuple(s for s in ACCESSORY_SLOTS if s not in learned or s not in known)


def accessory_note(model: CompatModel, items: Sequence[ItemRecord]) -> str | None:
    """Why this wardrobe's accessories are not in outfits, when the model cannot score them."""
    unscored = unscored_slots(model)
    have = [s for s in unscored if any(slot_of(i) == s for i in items)]
    if not have:
        return None
    words = " and ".join(ACCESSORY_WORDS[s] for s in have)
    return (f"Your {words} are not part of these outfits and cannot be the piece to start from: "
            "the trained model in use learned from clothes only, so it cannot tell what goes "
            "with them. The untrained model (used until one is trained) includes them.")


@dataclass(frozen=True)
class OutfitSuggestion:
    """A ranked outfit with its records; `anchors` are the ids the person locked."""

    items: dict[str, ItemRecord]
    ranked: RankedOutfit
    anchors: frozenset[str] = field(default_factory=frozenset)

    @property
    def score(self) -> float:
        return float(self.ranked.score)

    @property
    def item_ids(self) -> dict[str, str]:
        return dict(self.ranked.items)

    @property
    def weakest_pair(self) -> tuple[str, str, float] | None:
        """The two slots that go together worst: what to change first."""
        if not self.ranked.pair_scores:
            return None
        a, b = weakest_pair(self.ranked)
        return a, b, float(self.ranked.pair_scores[(a, b)])

    def ordered(self) -> list[tuple[str, ItemRecord]]:
        rank = {s: i for i, s in enumerate(DISPLAY_ORDER)}
        return sorted(self.items.items(), key=lambda kv: rank.get(kv[0], len(rank)))

    def swappable_slots(self) -> list[str]:
        return [slot for slot, item in self.ordered() if item.id not in self.anchors]


class OutfitSuggester:
    """Ranks outfits from one wardrobe with one model. Cheap to build; build one per request.

    Pass a long-lived `ranker` for `model` (ModelService.ranker) to reuse its projection and
    pair-block caches across requests; without one a fresh ranker starts cold. `items`: the
    wardrobe's items when the caller already has them (read once per page run, not twice).
    """

    def __init__(self, wardrobe: Wardrobe, model: CompatModel,
                 ranker: OutfitRanker | None = None,
                 items: Sequence[ItemRecord] | None = None) -> None:
        if ranker is not None and ranker.model is not model:
            raise ValueError("the ranker was built for another model")
        self.wardrobe = wardrobe
        self.ranker = ranker or OutfitRanker(model)
        self.unscored = unscored_slots(model)
        listed = wardrobe.items() if items is None else items  # a page passes the list it has
        self._items = {i.id: i for i in listed if i.available and can_anchor(i, self.unscored)}

    def candidates(self) -> dict[str, list[ItemRecord]]:
        """Rankable items by slot (available and embedded)."""
        by_slot: dict[str, list[ItemRecord]] = {}
        for item in self._items.values():
            by_slot.setdefault(slot_of(item) or "", []).append(item)
        return by_slot

    def _pool(self, slots: Sequence[str], drop: frozenset[str]) -> dict[str, tuple[list[str], np.ndarray]]:
        pool: dict[str, tuple[list[str], np.ndarray]] = {}
        for slot, items in self.candidates().items():
            ids = [i.id for i in items if i.id not in drop]
            if slot in slots and ids:
                pool[slot] = (ids, self.wardrobe.embeddings(ids))
        return pool

    def _anchors(self, items: Sequence[ItemRecord]) -> dict[str, tuple[str, np.ndarray]]:
        vectors = self.wardrobe.embeddings([i.id for i in items])
        return {slot_of(i) or "": (i.id, vectors[n]) for n, i in enumerate(items)}

    def _records(self, ranked: Sequence[RankedOutfit], anchors: frozenset[str]) -> list[OutfitSuggestion]:
        return [
            OutfitSuggestion({slot: self._items.get(item_id) or self.wardrobe.item(item_id)
                              for slot, item_id in r.items.items()}, r, anchors)
            for r in ranked
        ]

    def suggest(
        self,
        anchor_ids: Sequence[str],
        k: int = 6,
        diversity: float = 0.5,
        with_outerwear: bool = False,
        exclude: Collection[frozenset[tuple[str, str]]] = (),
    ) -> list[OutfitSuggestion]:
        """The top-k outfits around the anchors, varied when `diversity` > 0.

        A layer is added when `with_outerwear`, else only where it raises the score. Outfits
        whose pieces (slot -> id pairs, `outfit_actions.outfit_key`) are in `exclude` (say,
        disliked ones) are skipped and the next ones take their place.
        """
        anchors = [self._items.get(i) or self.wardrobe.item(i) for i in anchor_ids]
        for anchor in anchors:
            if slot_of(anchor) in self.unscored:
                raise ValueError(f"the model in use has not learned {ACCESSORY_WORDS[anchor.category]}"
                                 " (it was trained on clothes only), so it cannot anchor an outfit")
            if not can_anchor(anchor):
                raise ValueError(
                    f"{anchor.category} items cannot anchor an outfit"
                    if slot_of(anchor) is None else "this item has no embedding yet"
                )
        locked = frozenset(a.id for a in anchors)
        pool = self._pool(list(SLOT_OF_CATEGORY.values()), locked)
        ids = {a.id for a in anchors}
        relevant = [key for key in exclude if ids <= {item_id for _slot, item_id in key}]
        ranked = self.ranker.rank(
            self._anchors(anchors), pool, k=k + len(relevant), diversity=diversity,
            with_outerwear=True if with_outerwear else None,
        )
        skip = set(relevant)
        kept = [r for r in ranked if frozenset(r.items.items()) not in skip][:k]
        return self._records(kept, locked)

    def next_after(
        self,
        shown: Sequence[OutfitSuggestion],
        anchor_ids: Sequence[str],
        exclude: Collection[frozenset[tuple[str, str]]],
        diversity: float = 0.5,
        with_outerwear: bool = False,
    ) -> OutfitSuggestion | None:
        """The best outfit not shown and not excluded: what replaces a disliked card while the
        other cards stay where they are. Varied first; when no varied one is left (they may share
        at most one piece with each other), the best remaining one. None when the wardrobe has
        no other outfit."""
        taken = set(exclude) | {frozenset(o.item_ids.items()) for o in shown}
        for varied in dict.fromkeys((diversity, 0.0)):
            more = self.suggest(anchor_ids, k=len(shown) + 1, diversity=varied,
                                with_outerwear=with_outerwear, exclude=taken)
            following = next((o for o in more if frozenset(o.item_ids.items()) not in taken), None)
            if following is not None:
                return following
        return None

    def reference_scores(self, n: int = REFERENCE_SAMPLE, seed: int = 0) -> np.ndarray:
        """Scores of `n` random outfits of this wardrobe (no layer), by the same model and the
        same formula as the ranker (mean pair similarity): what a rating is measured against."""
        by_slot = {slot: items for slot, items in self.candidates().items() if items}
        vectors = {slot: self.wardrobe.embeddings([i.id for i in items])
                   for slot, items in by_slot.items()}
        outfits = sample_outfits({slot: range(len(items)) for slot, items in by_slot.items()},
                                 n, seed)
        scores = np.empty(len(outfits), dtype=np.float64)
        model = self.ranker.model
        shapes: dict[tuple[str, ...], list[int]] = {}
        for row, outfit in enumerate(outfits):
            shapes.setdefault(tuple(outfit), []).append(row)
        for shape, rows in shapes.items():
            total = np.zeros(len(rows), dtype=np.float64)
            pairs = [(a, b) for n_a, a in enumerate(shape) for b in shape[n_a + 1:]]
            for a, b in pairs:
                xa = vectors[a][[outfits[r][a] for r in rows]]
                xb = vectors[b][[outfits[r][b] for r in rows]]
                za = model.project(a, xa, b).astype(np.float64)
                zb = model.project(b, xb, a).astype(np.float64)
                total += np.einsum("nd,nd->n", za, zb)
            scores[rows] = total / len(pairs)
        return scores

    def alternatives(self, outfit: OutfitSuggestion, slot: str, k: int = 3) -> list[OutfitSuggestion]:
        """Next best pieces for one slot, every other piece of the outfit kept."""
        current = outfit.items[slot]
        others = [item for s, item in outfit.items.items() if s != slot]
        pool = self._pool([slot], frozenset({current.id}))
        if not pool:
            return []
        ranked = self.ranker.rank(
            self._anchors(others), pool, k=k, diversity=0.0,
            with_outerwear=True if slot == "outerwear" else None,
        )
        return self._records(ranked, outfit.anchors)
