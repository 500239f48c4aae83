"""Counts in plain words ("1 outfit", "3 outfits"), shared by the pages, views and the CLI:
"outfit(s)" reads like a form, not like a sentence."""

from __future__ import annotations


def count(n: int, singular: str, plural: str | None = None) -> str:
    """`n` and the noun in the right number; `plural` for irregular nouns (default: + "s")."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"
