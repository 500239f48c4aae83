"""Warmth and formality levels: zero-shot guesses, the item editor's edits, migration 0004 and
`reindex` filling them for items stored before they existed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from alembic import command
from sqlalchemy import inspect, text, update

from base.config import Settings
from base.vocabulary import FORMALITY_LEVELS, WARMTH_LEVELS
from core.photos.encoder import FashionEncoder, load_encoder
from core.photos.tagging import LEVEL_PRIORS, levels, prompt_vectors
from core.views.item_edits import ItemForm, changed_fields
from core.wardrobe import Wardrobe
from db.database import alembic_config, create_database_engine
from db.schema import Item
from devkit import imaging


@pytest.fixture(scope="module")
def encoder(tiny_clip_dir: Path) -> FashionEncoder:
    return load_encoder(str(tiny_clip_dir))


@pytest.fixture
def wardrobe(settings: Settings) -> Iterator[Wardrobe]:
    with Wardrobe.open(settings) as opened:
        yield opened


def test_level_prompts_are_embedded_once_with_the_other_prompts(encoder: FashionEncoder) -> None:
    prompts = prompt_vectors(encoder)
    assert prompt_vectors(encoder) is prompts
    assert prompts.warmth_vectors.shape == (len(WARMTH_LEVELS), 512)
    assert prompts.formality_vectors.shape == (len(FORMALITY_LEVELS), 512)


def test_an_embedding_near_a_level_prompt_gets_a_level_toward_it(encoder: FashionEncoder) -> None:
    prompts = prompt_vectors(encoder)
    heavy = prompts.warmth_vectors[4] / np.linalg.norm(prompts.warmth_vectors[4])
    light = prompts.warmth_vectors[0] / np.linalg.norm(prompts.warmth_vectors[0])
    w_heavy, _ = levels(encoder, heavy)
    w_light, _ = levels(encoder, light)
    assert 1 <= w_light <= w_heavy <= 5 and w_light < w_heavy
    # The sub-type's usual level pulls the guess: a parka is never guessed lighter than the
    # same picture without a sub-type, a tank top never heavier.
    assert levels(encoder, light, "parka")[0] >= w_light
    assert levels(encoder, heavy, "tank top")[0] <= w_heavy
    for subtype, (warm, formal) in LEVEL_PRIORS.items():
        w, f = levels(encoder, heavy, subtype)
        assert 1 <= w <= 5 and 1 <= f <= 5 and abs(w - warm) <= 2 and abs(f - formal) <= 2


def test_ingest_guesses_levels_and_edits_are_kept(wardrobe: Wardrobe) -> None:
    item_id = wardrobe.ingest_bytes(imaging.garment_photo(seed=3), "tee.jpg").item_id
    item = wardrobe.item(item_id)
    assert item.warmth in WARMTH_LEVELS and item.formality in FORMALITY_LEVELS
    new_warmth = 5 if item.warmth != 5 else 1
    edited = wardrobe.update_item(item_id, warmth=new_warmth)
    assert edited.warmth == new_warmth and "warmth" in edited.user_edited
    again = wardrobe.reprocess_background(item_id)  # re-tags: the edit stays, the rest is guessed
    assert again.warmth == new_warmth and again.formality == item.formality
    before = wardrobe.item(item_id)
    for bad in (0, 6, 2.5, "3", True):
        with pytest.raises(ValueError, match="warmth must be a whole number from 1 to 5"):
            wardrobe.update_item(item_id, warmth=bad)
    with pytest.raises(ValueError, match="formality must be"):
        wardrobe.update_item(item_id, formality=9)
    assert wardrobe.item(item_id) == before


def test_the_editor_sends_a_level_only_when_the_person_changed_it(wardrobe: Wardrobe) -> None:
    item = wardrobe.item(wardrobe.ingest_bytes(imaging.garment_photo(seed=4), "t.jpg").item_id)
    form = dict(name=item.name, category=item.category, subtype=item.subtype,
                colours=item.colours, seasons=item.seasons, price=item.price, notes=item.notes)
    assert changed_fields(item, ItemForm(**form, warmth=item.warmth)) == {}
    assert changed_fields(item, ItemForm(**form)) == {}  # unset in the form: nothing to clear
    other = 1 if item.formality != 1 else 2
    assert changed_fields(item, ItemForm(**form, formality=other)) == {"formality": other}


def test_reindex_fills_levels_of_items_stored_before_them(wardrobe: Wardrobe) -> None:
    a = wardrobe.ingest_bytes(imaging.garment_photo(seed=5), "a.jpg").item_id
    b = wardrobe.ingest_bytes(imaging.garment_photo("trousers", imaging.NAVY, seed=6),
                              "b.jpg").item_id
    guessed = {i: (wardrobe.item(i).warmth, wardrobe.item(i).formality) for i in (a, b)}
    wardrobe.update_item(b, formality=5)  # the person's level
    with wardrobe.engine.begin() as connection:  # as migration 0004 leaves older items
        connection.execute(update(Item).values(warmth=None))
        connection.execute(update(Item).where(Item.id == a).values(formality=None))
    assert wardrobe.item(a).warmth is None
    assert wardrobe.reindex() == 0  # nothing re-embedded...
    assert (wardrobe.item(a).warmth, wardrobe.item(a).formality) == guessed[a]  # ...but filled
    assert (wardrobe.item(b).warmth, wardrobe.item(b).formality) == (guessed[b][0], 5)


def test_migration_0004_adds_empty_levels_to_existing_rows(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        connection.execute(text(
            "INSERT INTO items (id, category, subtype, colours, name, notes, seasons, "
            "original_path, cutout_path, thumbnail_path, sha256, pending_embedding, "
            "background_removed, available, user_edited, created, times_worn) VALUES "
            "('a', 'top', 't-shirt', '[]', 'tee', '', '[]', 'o', 'c', 't', 'x', 0, 1, 1, '[]', "
            "'2026-01-01 00:00:00', 0)"))
    assert "warmth" not in {c["name"] for c in inspect(engine).get_columns("items")}
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        assert connection.execute(text("SELECT warmth, formality FROM items")).all() == [
            (None, None)]
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    assert "warmth" not in {c["name"] for c in inspect(engine).get_columns("items")}
    engine.dispose()
