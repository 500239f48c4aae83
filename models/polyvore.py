"""Polyvore Outfits (Vasileva et al. 2018) as training and evaluation data.

A folder holds `{nondisjoint,disjoint}/{train,valid,test}.json` (outfits: set_id + items),
`polyvore_item_metadata.json` (semantic_category per item), `fill_in_blank_*.json`,
`compatibility_*.txt` and `images/<item_id>.jpg`. Items are embedded once by the encoder an
`ItemEmbedder` names and cached in its folder (the images never change, the encoder name is in
the key). The caller supplies the encoder, so this package never loads one itself.
Semantic categories map onto our slots; bags, jewellery, hats and the like are dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from base.vocabulary import ONEPIECE, SLOTS
from models.data import DataError, OutfitSet, validate_outfits


class ImageEncoder(Protocol):
    """What embedding item images takes (the app's FashionEncoder is one)."""

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray: ...


@dataclass(frozen=True)
class ItemEmbedder:
    """How a folder's item images become vectors: the encoder's name (part of the cache key),
    the folder caches live in, and a way to load the encoder, called only when an item is not
    cached yet (loading is slow, and may fail)."""

    name: str
    cache_dir: Path
    load: Callable[[], ImageEncoder]

# Polyvore semantic_category -> our item category. Anything else is dropped.
SEMANTIC_TO_CATEGORY: dict[str, str] = {
    "tops": "top",
    "bottoms": "bottom",
    "shoes": "shoes",
    "outerwear": "outerwear",
    "all-body": ONEPIECE,
}
VERSIONS: tuple[str, ...] = ("nondisjoint", "disjoint")
METADATA_FILE = "polyvore_item_metadata.json"
ENCODE_BATCH = 64


@dataclass(frozen=True)
class ItemBag:
    """Outfits of any length as (category, item id) lists, for Polyvore's own test questions."""

    items: list[list[tuple[str, str]]]


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise DataError(f"{path}: missing")
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not readable JSON ({exc})") from None


def is_polyvore_folder(path: Path) -> bool:
    return path.is_dir() and (path / METADATA_FILE).is_file()


def slot_outfit(items: Iterable[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """(category, item id) list -> slot -> (category, item id): first item per slot wins.

    A one-piece takes the top slot (bottom empty) only when the outfit lacks a top or a bottom,
    so an outfit with a top, a bottom and a dress keeps the separates.
    """
    first: dict[str, tuple[str, str]] = {}
    for category, item_id in items:
        first.setdefault(category, (category, item_id))
    slots = {s: first[s] for s in ("shoes", "outerwear") if s in first}
    if ONEPIECE in first and not ("top" in first and "bottom" in first):
        slots["top"] = first[ONEPIECE]
    else:
        slots.update({s: first[s] for s in ("top", "bottom") if s in first})
    return slots


class PolyvoreFolder:
    """One Polyvore Outfits folder (version `nondisjoint` unless only `disjoint` is there)."""

    def __init__(self, root: str | Path, version: str | None = None) -> None:
        self.root = Path(root).expanduser()
        if not is_polyvore_folder(self.root):
            raise DataError(f"{self.root}: not a Polyvore Outfits folder (no {METADATA_FILE})")
        if version is None:
            version = next((v for v in VERSIONS if (self.root / v).is_dir()), "")
        if version not in VERSIONS or not (self.root / version).is_dir():
            raise DataError(f"{self.root}: no {' or '.join(VERSIONS)} sub-folder")
        self.version = version
        self._metadata: dict[str, Any] | None = None
        self._sets: dict[str, dict[str, dict[str, str]]] = {}

    # ---- reading the files ------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            raw = _read_json(self.root / METADATA_FILE)
            if not isinstance(raw, dict):
                raise DataError(f"{self.root / METADATA_FILE}: expected an object item_id -> metadata")
            self._metadata = raw
        return self._metadata

    def category(self, item_id: str) -> str | None:
        meta = self.metadata.get(item_id)
        if meta is None:
            raise DataError(f"{self.root / METADATA_FILE}: no entry for item {item_id!r}")
        return SEMANTIC_TO_CATEGORY.get(str(meta.get("semantic_category", "")))

    def outfit_list(self, split: str) -> list[dict[str, Any]]:
        path = self.root / self.version / f"{split}.json"
        raw = _read_json(path)
        if not isinstance(raw, list) or not all(isinstance(o, dict) and "items" in o and "set_id" in o for o in raw):
            raise DataError(f"{path}: expected a list of outfits with 'set_id' and 'items'")
        return raw

    def set_items(self, split: str) -> dict[str, dict[str, str]]:
        """set_id -> {index: item_id} for resolving the "setid_index" names of test questions."""
        if split not in self._sets:
            self._sets[split] = {
                str(o["set_id"]): {str(it["index"]): str(it["item_id"]) for it in o["items"]}
                for o in self.outfit_list(split)
            }
        return self._sets[split]

    def resolve(self, name: str, split: str) -> str:
        set_id, _, index = name.rpartition("_")
        try:
            return self.set_items(split)[set_id][index]
        except KeyError:
            raise DataError(f"{self.root / self.version / (split + '.json')}: no item {name!r}") from None

    # ---- embeddings -------------------------------------------------------------------
    def cache_path(self, embedder: ItemEmbedder) -> Path:
        """Where this folder's item embeddings by `embedder`'s encoder are cached."""
        key = hashlib.sha256(f"{self.root.resolve()}|{embedder.name}".encode()).hexdigest()[:16]
        slug = re.sub(r"[^A-Za-z0-9]+", "-", embedder.name).strip("-")[-40:]
        return embedder.cache_dir / f"{key}-{slug}.npz"

    def embeddings(self, item_ids: Iterable[str], embedder: ItemEmbedder) -> dict[str, np.ndarray]:
        """item id -> vector; items missing from the cache are encoded and added to it."""
        cache = self.cache_path(embedder)
        known: dict[str, np.ndarray] = {}
        if cache.is_file():
            try:
                with np.load(cache, allow_pickle=False) as f:
                    known = dict(zip(f["item_ids"].tolist(), f["vectors"], strict=True))
            except (OSError, ValueError, KeyError) as exc:
                raise DataError(f"{cache}: unreadable embedding cache ({exc}); delete it to rebuild") from None
        missing = sorted(set(item_ids) - set(known))
        if missing:
            known.update(zip(missing, self._encode(missing, embedder), strict=True))
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(".tmp.npz")
            ids = sorted(known)
            np.savez(tmp, item_ids=np.asarray(ids), vectors=np.stack([known[i] for i in ids]).astype(np.float32))
            tmp.replace(cache)
        return known

    def _encode(self, item_ids: list[str], embedder: ItemEmbedder) -> np.ndarray:
        try:
            encoder = embedder.load()
        except Exception as exc:  # the encoder's own "unavailable", or a broken model folder
            raise DataError(
                f"{self.root}: {len(item_ids)} items need embedding but the encoder is unavailable ({exc})"
            ) from None
        out = []
        for start in range(0, len(item_ids), ENCODE_BATCH):
            images = []
            for item_id in item_ids[start : start + ENCODE_BATCH]:
                path = self.root / "images" / f"{item_id}.jpg"
                try:
                    with Image.open(path) as im:
                        images.append(im.convert("RGB"))
                except OSError as exc:
                    raise DataError(f"{path}: cannot read image ({exc})") from None
            out.append(np.asarray(encoder.encode_images(images), dtype=np.float32))
        return np.concatenate(out)

    # ---- data sets --------------------------------------------------------------------
    def outfits(self, split: str, embedder: ItemEmbedder) -> OutfitSet:
        """One split as slot outfits (K = 4 slots, per-outfit categories for one-pieces)."""
        slotted = []
        for outfit in self.outfit_list(split):
            items = [(self.category(str(it["item_id"])), str(it["item_id"])) for it in outfit["items"]]
            slots = slot_outfit((c, i) for c, i in items if c is not None)
            if len(slots) >= 2:
                slotted.append(slots)
        source = str(self.root / self.version / f"{split}.json")
        if not slotted:
            raise DataError(f"{source}: no outfit has two or more items in our slots")
        vectors = self.embeddings({i for s in slotted for _, i in s.values()}, embedder)
        dim = len(next(iter(vectors.values())))
        x = np.zeros((len(slotted), len(SLOTS), dim), dtype=np.float32)
        mask = np.zeros((len(slotted), len(SLOTS)), dtype=bool)
        cats = np.tile(np.asarray(SLOTS, dtype=object), (len(slotted), 1))
        for n, slots in enumerate(slotted):
            for k, slot in enumerate(SLOTS):
                if slot in slots:
                    cats[n, k], item_id = slots[slot]
                    x[n, k] = vectors[item_id]
                    mask[n, k] = True
        return validate_outfits(OutfitSet(x, mask, cats), source)

    def fitb_questions(self, split: str = "test") -> tuple[ItemBag, list[list[tuple[str, str]]], int]:
        """Questions (context items), answers (4 candidates, true first) and how many were skipped."""
        path = self.root / self.version / f"fill_in_blank_{split}.json"
        raw = _read_json(path)
        if not isinstance(raw, list):
            raise DataError(f"{path}: expected a list of questions")
        contexts, answers, skipped = [], [], 0
        for q in raw:
            try:
                set_id = str(q["question"][0]).rpartition("_")[0]
                names = [str(a) for a in q["answers"]]
                true = next((a for a in names if a.rpartition("_")[0] == set_id), names[0])
                cands = [true] + [a for a in names if a != true]
            except (KeyError, IndexError, TypeError):
                raise DataError(f"{path}: malformed question {q!r:.200}") from None
            context = [(c, i) for i in (self.resolve(n, split) for n in q["question"]) if (c := self.category(i))]
            options = [(self.category(i), i) for i in (self.resolve(n, split) for n in cands)]
            if not context or any(c is None for c, _ in options):
                skipped += 1
                continue
            contexts.append(context)
            answers.append([(str(c), i) for c, i in options])
        return ItemBag(contexts), answers, skipped

    def compatibility_outfits(self, split: str = "test") -> tuple[ItemBag, np.ndarray, int]:
        """Outfits of `compatibility_{split}.txt` with their 0/1 labels, and how many were skipped."""
        path = self.root / self.version / f"compatibility_{split}.txt"
        if not path.is_file():
            raise DataError(f"{path}: missing")
        outfits, labels, skipped = [], [], 0
        for line_no, line in enumerate(path.read_text().splitlines(), 1):
            parts = line.split()
            if not parts:
                continue
            if parts[0] not in {"0", "1"}:
                raise DataError(f"{path}:{line_no}: expected 'label setid_index ...', got {line[:80]!r}")
            items = [(c, i) for i in (self.resolve(n, split) for n in parts[1:]) if (c := self.category(i))]
            if len(items) < 2:
                skipped += 1
                continue
            outfits.append(items)
            labels.append(int(parts[0]))
        return ItemBag(outfits), np.asarray(labels, dtype=np.int64), skipped
