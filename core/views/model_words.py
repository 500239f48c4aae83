"""The Model page in plain words: what the outfit model does, how sure it is, what it learned.

Why: AUC, fill-in-the-blank and "identity" mean nothing to most people. Each number is said as
what it measures on their own outfits ("picks your real outfit over a random mix 8 times in
10"); the numbers themselves stay on the page behind "Details".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from base.words import count
from core.views.suggestions import ACCESSORY_WORDS

if TYPE_CHECKING:
    from core.learning.service import ActiveModel

# AUC verdicts: (at least, words). 0.5 is a coin toss.
VERDICTS: tuple[tuple[float, str], ...] = (
    (0.9, "very reliable"), (0.75, "fairly reliable"), (0.6, "a little better than guessing"),
    (float("-inf"), "no better than guessing yet"),
)


def in_ten(share: float) -> str:
    """0.83 -> "8 times in 10": a share as people say it."""
    return f"{round(max(0.0, min(1.0, share)) * 10)} times in 10"


def what_it_does(active: ActiveModel, encoder_ready: bool) -> str:
    """One paragraph: what the outfit model is for, and which one is in use."""
    does = ("The outfit model looks at the photos of your clothes and judges which pieces go "
            "together; **What goes with this** shows the combinations it rates highest.")
    if not encoder_ready:
        return (does + " Right now it cannot see your photos: the photo recognition model is "
                "not loaded (see **Settings**).")
    if active.version == "identity" or active.path is None:
        return (does + " It has not learned from your outfits yet: for now it pairs pieces "
                "that look alike in their photos (colour, material, style). Train it on your "
                "saved outfits below to teach it what you actually wear together.")
    taste = " It also follows your personal taste (below)." if active.base is not None else ""
    return does + " It has learned from your own saved outfits." + taste


def how_sure(evaluation: Mapping[str, Any] | None, trained: bool) -> str:
    """How well the model knows this wardrobe's outfits, from its latest check."""
    if not evaluation:
        return ("Not checked yet: press **Check how well it does** to test it on your saved "
                "outfits.")
    auc = float(evaluation["auc"])
    fitb = float(evaluation["fitb_accuracy"])
    verdict = next(words for floor, words in VERDICTS if auc >= floor)
    text = (f"It is **{verdict}** on your outfits: shown one of them and a random mix of your "
            f"clothes, it prefers your real outfit {in_ten(auc)} (a coin toss would be 5 in 10). "
            f"Asked which of 4 pieces completes one of your outfits, it picks the right one "
            f"{in_ten(fitb)} (guessing: 2 or 3 in 10).")
    if trained:
        text += (" It has seen these outfits while learning, so the real figure on new "
                 "outfits is likely lower.")
    return text


def what_it_learned(active: ActiveModel, outfits: int, disliked: int,
                    unscored: Sequence[str]) -> list[str]:
    """Plain lines on what the model knows and does not know."""
    lines = []
    n = _number(active.info)
    if active.version != "identity" and active.path is not None:
        lines.append(f"Learned from {n} of your outfits." if n else
                     "Learned from outfits (how many was not recorded).")
    lines.append(f"Your wardrobe now has {count(outfits, 'saved or liked outfit')} to learn from and "
                 f"{count(disliked, 'disliked suggestion')} to learn to avoid; training again uses all "
                 "of them.")
    if unscored:
        words = " and ".join(ACCESSORY_WORDS[s] for s in unscored)
        lines.append(f"It knows clothes only: {words} are not part of what it learned, so "
                     "they are left out of suggestions while it is in use.")
    else:
        lines.append("Bags, hats and other accessories join an outfit when they make it a "
                     "better match.")
    return lines


def _number(info: Mapping[str, Any]) -> int | None:
    metrics = info.get("metrics")
    n = metrics.get("n_train") if isinstance(metrics, dict) else None
    return n if isinstance(n, int) and not isinstance(n, bool) else None
