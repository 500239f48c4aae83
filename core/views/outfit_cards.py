"""What an outfit card says and where its pieces go: a rating a person can read, the reason in
one line, and the flat-lay positions of the pieces.

A raw score (a mean cosine in -1..1) means nothing to a person, and most outfits of one
wardrobe sit in a narrow band of it. The rating is therefore relative: the share of this
wardrobe's outfits (a random sample, scored by the same model) that the outfit beats, turned
into stars and a word.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from base.vocabulary import BOTTOM, ONEPIECE, OUTERWEAR, SHOES, TOP

# (lowest percentile, stars, word), best first
RATING_BANDS: tuple[tuple[float, int, str], ...] = (
    (95.0, 5, "Excellent"),
    (80.0, 4, "Great"),
    (55.0, 3, "Good"),
    (30.0, 2, "Fair"),
    (0.0, 1, "Weak"),
)
REFERENCE_SAMPLE = 400  # random outfits a wardrobe's ratings are measured against


@dataclass(frozen=True)
class OutfitRating:
    """Where one outfit stands among this wardrobe's outfits."""

    percentile: float  # 0..100: share of the sampled outfits it scores above (ties count half)
    stars: int  # 1..5
    word: str
    compared_with: int  # how many outfits the percentile is measured against

    @property
    def star_text(self) -> str:
        return "★" * self.stars + "☆" * (5 - self.stars)

    @property
    def sentence(self) -> str:
        if self.compared_with == 0:
            return "the only outfit your wardrobe makes so far"
        if self.percentile >= 99.5:  # "better than 100%" reads oddly; the sample cannot tell more
            return "among the best 1% of the outfits your wardrobe makes"
        return f"better than {int(self.percentile)}% of the outfits your wardrobe makes"


def rate(score: float, reference: np.ndarray) -> OutfitRating:
    """The rating of `score` against the reference scores of the same wardrobe and model."""
    ref = np.asarray(reference, dtype=np.float64)
    ref = ref[np.isfinite(ref)]
    if ref.size == 0:
        return OutfitRating(100.0, 5, "Best you have", 0)
    below = np.count_nonzero(ref < score)
    ties = np.count_nonzero(ref == score)
    percentile = 100.0 * (below + 0.5 * ties) / ref.size
    for floor, stars, word in RATING_BANDS:
        if percentile >= floor:
            return OutfitRating(percentile, stars, word, int(ref.size))
    raise AssertionError("the last band starts at 0")  # pragma: no cover


def sample_outfits(
    pools: Mapping[str, Sequence[int]], n: int, seed: int = 0
) -> list[dict[str, int]]:
    """`n` random complete outfits (top + bottom + shoes, or one-piece + shoes), as slot -> row.

    Each shape is drawn in proportion to how many outfits of that shape the pools make, so the
    sample stands for the wardrobe's outfits. Empty list when no outfit can be made.
    """
    shapes = [shape for shape in ((TOP, BOTTOM, SHOES), (ONEPIECE, SHOES))
              if all(pools.get(slot) for slot in shape)]
    if not shapes or n <= 0:
        return []
    sizes = np.array([np.prod([len(pools[s]) for s in shape], dtype=np.float64)
                      for shape in shapes])
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(shapes), size=n, p=sizes / sizes.sum())
    outfits = []
    for pick in picks:
        outfits.append({slot: int(rng.choice(pools[slot])) for slot in shapes[pick]})
    return outfits


# --- the reason in one line ---------------------------------------------------------------------

@dataclass(frozen=True)
class Reason:
    """The pair that carries the outfit and the one that holds it back (slots)."""

    best: tuple[str, str]
    weakest: tuple[str, str] | None  # None when the outfit has a single pair


def reason(pair_scores: Mapping[tuple[str, str], float]) -> Reason | None:
    """Strongest and weakest pair of an outfit; None when it has no pairs."""
    if not pair_scores:
        return None
    ordered = sorted(pair_scores, key=lambda pair: (-pair_scores[pair], pair))
    return Reason(ordered[0], ordered[-1] if len(ordered) > 1 else None)


def reason_text(why: Reason | None, names: Mapping[str, str]) -> str:
    """One line, e.g. "Navy trousers + yellow shoes carry it; weakest: red tee + navy trousers".

    `names` maps slot -> a name already made safe for Markdown.
    """
    if why is None:
        return ""
    a, b = why.best
    line = f"**{names[a]}** + **{names[b]}** carry it"
    if why.weakest is not None:
        c, d = why.weakest
        line += f"; weakest pair: {names[c]} + {names[d]}"
    return line


# --- the flat-lay -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """Where one piece goes on the flat-lay canvas, in pixels."""

    slot: str
    left: int
    top: int
    width: int
    height: int


# Canvas and cells: every piece is fitted into a cell of its body position. Cells of the same
# kind have one size on every card, so pieces are drawn at one scale and cards line up.
CANVAS = (330, 390)
_CENTRE_X, _RIGHT_X, _LEFT_X = 85, 165, 5  # the body column alone / beside the left column
_CELLS: dict[str, tuple[int, int, int]] = {  # slot -> (top, width, height) in the body column
    TOP: (10, 160, 135),
    BOTTOM: (150, 160, 140),
    ONEPIECE: (10, 160, 280),
    SHOES: (295, 160, 85),
}
BODY = (TOP, ONEPIECE, BOTTOM, SHOES)


def flat_lay(slots: Iterable[str]) -> list[Cell]:
    """Cells for the slots present, head to toe: the top above the bottom (or a one-piece over
    both), shoes at the foot; outerwear, then any other piece (a bag, a hat), in a column to the
    left."""
    present = list(dict.fromkeys(slots))
    side = [s for s in present if s == OUTERWEAR] + [s for s in present
                                                    if s not in BODY and s != OUTERWEAR]
    x = _RIGHT_X if side else _CENTRE_X
    cells = [Cell(slot, x, *_CELLS[slot]) for slot in BODY if slot in present]
    y = 10
    if OUTERWEAR in side:
        cells.append(Cell(OUTERWEAR, _LEFT_X, y, 150, 230))
        y += 240
    extras = [s for s in side if s != OUTERWEAR]
    if extras:
        height = max(20, min(90, (CANVAS[1] - y) // len(extras) - 5))
        for slot in extras:
            cells.append(Cell(slot, _LEFT_X, y, 150, height))
            y += height + 5
    return cells
