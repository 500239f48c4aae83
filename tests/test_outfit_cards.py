"""What an outfit card says: the rating against this wardrobe's outfits, the reason line, the
flat-lay places; and the suggestion rules behind feedback in place (disliked outfits skipped,
the next outfit found for a dismissed card). Real wardrobe, tiny models, identity model."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest

from core.views.outfit_cards import (
    CANVAS,
    OutfitRating,
    flat_lay,
    rate,
    reason,
    reason_text,
    sample_outfits,
)
from core.views.suggestions import OutfitSuggester
from core.wardrobe.service import Wardrobe
from devkit.imaging import BLUE, GREEN, NAVY, RED, YELLOW, garment_photo
from models.compat import identity
from tests.test_app_services import stocked, upload, wardrobe  # noqa: F401 - fixtures


def test_rating_is_the_share_of_outfits_beaten_not_the_raw_score() -> None:
    reference = np.linspace(0.90, 0.99, 100)  # a wardrobe whose outfits all score high
    assert rate(0.99 + 1e-9, reference).percentile == 100.0
    assert rate(0.99 + 1e-9, reference).stars == 5
    assert rate(0.99 + 1e-9, reference).sentence == "among the best 1% of the outfits your wardrobe makes"
    low = rate(0.905, reference)  # a raw 0.905 would fill 95 % of a -1..1 bar
    assert low.percentile == pytest.approx(6.0) and low.stars == 1 and low.word == "Weak"
    middle = rate(float(reference[60]), reference)  # beats 60, ties 1
    assert middle.percentile == pytest.approx(60.5) and (middle.stars, middle.word) == (3, "Good")
    assert "better than 60%" in middle.sentence and middle.star_text == "★★★☆☆"
    assert rate(0.5, np.array([np.nan])) == OutfitRating(100.0, 5, "Best you have", 0)


def test_sampled_outfits_are_complete_and_follow_the_shape_sizes() -> None:
    pools = {"top": range(3), "bottom": range(2), "shoes": range(2), "onepiece": range(1)}
    outfits = sample_outfits(pools, 3000, seed=1)
    separates = [o for o in outfits if set(o) == {"top", "bottom", "shoes"}]
    dresses = [o for o in outfits if set(o) == {"onepiece", "shoes"}]
    assert len(separates) + len(dresses) == 3000
    assert len(dresses) / 3000 == pytest.approx(2 / 14, abs=0.03)  # 2 of 12 + 2 outfits
    assert all(o["top"] in range(3) and o["bottom"] in range(2) for o in separates)
    assert sample_outfits({"top": range(3), "bottom": range(2)}, 10) == []  # no shoes
    assert sample_outfits(pools, 50, seed=4) == sample_outfits(pools, 50, seed=4)


def test_reason_names_the_strongest_and_the_weakest_pair() -> None:
    pairs = {("top", "bottom"): 0.2, ("top", "shoes"): 0.9, ("bottom", "shoes"): 0.5}
    why = reason(pairs)
    assert why is not None and why.best == ("top", "shoes") and why.weakest == ("top", "bottom")
    names = {"top": "red tee", "bottom": "jeans", "shoes": "boots"}
    assert reason_text(why, names) == ("**red tee** + **boots** carry it; "
                                       "weakest pair: red tee + jeans")
    single = reason({("onepiece", "shoes"): 0.4})
    assert single is not None and single.weakest is None
    assert reason_text(single, {"onepiece": "dress", "shoes": "boots"}) == "**dress** + **boots** carry it"
    assert reason({}) is None and reason_text(None, {}) == ""


def _inside(cell) -> bool:
    return (cell.left >= 0 and cell.top >= 0 and cell.left + cell.width <= CANVAS[0]
            and cell.top + cell.height <= CANVAS[1])


def _overlap(a, b) -> bool:
    return not (a.left + a.width <= b.left or b.left + b.width <= a.left
                or a.top + a.height <= b.top or b.top + b.height <= a.top)


@pytest.mark.parametrize("slots", [
    ["top", "bottom", "shoes"],
    ["outerwear", "top", "bottom", "shoes"],
    ["onepiece", "shoes"],
    ["outerwear", "onepiece", "shoes", "bag", "accessory"],
    ["top", "bottom", "shoes", "bag"],
])
def test_flat_lay_places_pieces_head_to_toe_without_overlap(slots: list[str]) -> None:
    cells = {c.slot: c for c in flat_lay(slots)}
    assert set(cells) == set(slots)
    assert all(_inside(c) for c in cells.values())
    listed = list(cells.values())
    assert not any(_overlap(a, b) for n, a in enumerate(listed) for b in listed[n + 1:])
    body = [s for s in ("top", "onepiece", "bottom", "shoes") if s in cells]
    tops = [cells[s].top for s in body]
    assert tops == sorted(tops)  # head to toe
    assert len({(cells[s].width) for s in body}) == 1  # one column, one width: one scale
    if "outerwear" in cells:
        assert cells["outerwear"].left + cells["outerwear"].width <= cells[body[0]].left


# --- against a real wardrobe ------------------------------------------------------------------

def test_reference_scores_are_the_rankers_scores_of_real_outfits(
        wardrobe: Wardrobe, stocked: dict[str, list[str]]) -> None:  # noqa: F811
    suggester = OutfitSuggester(wardrobe, identity())
    every = {}
    for top, bottom, shoes in product(stocked["top"], stocked["bottom"], stocked["shoes"]):
        [ranked] = suggester.ranker.rank(
            {s: (i, wardrobe.embeddings([i])[0]) for s, i in
             (("top", top), ("bottom", bottom), ("shoes", shoes))}, {}, k=1)
        every[(top, bottom, shoes)] = ranked.score
    reference = suggester.reference_scores(n=200, seed=3)
    assert reference.shape == (200,)
    # every sampled score is the exact score of one of the wardrobe's 8 outfits
    distance = np.abs(reference[:, None] - np.array(list(every.values()))[None, :]).min(axis=1)
    assert distance.max() < 1e-5
    assert len(np.unique(np.round(reference, 6))) > 4  # the sample spreads over the outfits
    best = max(every.values())
    assert rate(best, reference).percentile > rate(min(every.values()), reference).percentile


def test_disliked_outfits_are_skipped_and_the_next_one_found(
        wardrobe: Wardrobe, stocked: dict[str, list[str]]) -> None:  # noqa: F811
    anchor = stocked["top"][0]
    suggester = OutfitSuggester(wardrobe, identity())
    ranked = suggester.suggest([anchor], k=4, diversity=0.0)
    keys = [frozenset(o.item_ids.items()) for o in ranked]
    skipped = suggester.suggest([anchor], k=4, diversity=0.0, exclude={keys[0]})
    assert [frozenset(o.item_ids.items()) for o in skipped] == keys[1:]
    # a dismissed card: the others stay, the next outfit neither shown nor excluded comes in
    shown = ranked[:2]
    following = suggester.next_after(shown[1:], [anchor], {keys[0]}, diversity=0.0)
    assert following is not None and frozenset(following.item_ids.items()) == keys[2]
    assert suggester.next_after(ranked[1:], [anchor], {keys[0]}, diversity=0.0) is None
    # excluded outfits without the anchor do not cost a longer search or change the result
    other = frozenset({("top", stocked["top"][1]), ("bottom", stocked["bottom"][0])})
    assert suggester.suggest([anchor], k=2, diversity=0.0, exclude={other}) == ranked[:2]


def test_a_dismissed_card_is_replaced_even_when_no_varied_outfit_is_left(
        wardrobe: Wardrobe) -> None:  # noqa: F811
    """One top, one bottom, two shoes and one coat, the layer asked for: the two outfits share
    the bottom and the coat, so "Varied results" allows only one; a dislike still brings the
    other."""
    ids = {}
    for seed, (category, kind, colour) in enumerate([
            ("top", "tshirt", RED), ("bottom", "trousers", NAVY), ("shoes", "shoe", YELLOW),
            ("shoes", "shoe", BLUE), ("outerwear", "tshirt", GREEN)]):
        [result] = upload(wardrobe, (f"{category}{seed}.jpg", garment_photo(kind, colour, seed=seed)),
                          category=category)
        ids.setdefault(category, []).append(result.item_id)
    anchor = ids["top"][0]
    suggester = OutfitSuggester(wardrobe, identity())
    [only] = suggester.suggest([anchor], k=3, diversity=0.5, with_outerwear=True)
    exact = suggester.suggest([anchor], k=3, diversity=0.0, with_outerwear=True)
    assert len(exact) == 2
    disliked = frozenset(only.item_ids.items())
    following = suggester.next_after([], [anchor], {disliked}, diversity=0.5, with_outerwear=True)
    assert following is not None
    assert following.item_ids == next(o.item_ids for o in exact if o.item_ids != only.item_ids)
