"""Unit tests of the app's pure logic in core/: gallery filters, wear statistics, item edits,
settings display and text escaping. No wardrobe needed: records are built directly."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from base.config import load_settings
from base.records import ItemRecord, OutfitRecord
from core.views.gallery import (
    GalleryFilter,
    category_label,
    colour_options,
    display_name,
    filter_items,
    group_by_category,
)
from core.views.item_edits import ItemForm, changed_fields
from core.views.settings import describe, mask_url
from core.views.stats import cost_per_wear, least_worn, most_worn, priced_items, wear_days
from ui.text import plain


def item(
    id: str,
    category: str = "top",
    colours: tuple[str, ...] = ("red",),
    seasons: tuple[str, ...] = ("summer",),
    available: bool = True,
    times_worn: int = 0,
    price: float | None = None,
    name: str = "",
    subtype: str = "t-shirt",
    created_day: int = 1,
    last_worn: date | None = None,
) -> ItemRecord:
    return ItemRecord(
        id=id, category=category, subtype=subtype, colours=colours, name=name, notes="",
        seasons=seasons, price=price, original_path=Path("/x"), cutout_path=Path("/x"),
        thumbnail_path=Path("/x"), sha256=id, embedding_model="tiny", pending_embedding=False,
        background_removed=True, available=available,
        created=datetime(2024, 1, created_day, tzinfo=UTC), times_worn=times_worn,
        last_worn=last_worn, user_edited=frozenset(),
    )


def outfit(id: str) -> OutfitRecord:
    return OutfitRecord(id=id, source="suggested", created=datetime(2024, 1, 1, tzinfo=UTC),
                        score=0.5, items={"top": "a"}, saved=True, rating=None)


def test_filter_combines_every_control_and_keeps_order() -> None:
    items = [
        item("a", "top", ("red", "white"), ("summer",)),
        item("b", "bottom", ("blue",), ("winter",)),
        item("c", "top", ("blue",), ("summer", "spring"), available=False),
        item("d", "top", ("red",), ("winter",)),
    ]
    assert [i.id for i in filter_items(items, GalleryFilter())] == ["a", "b", "c", "d"]
    assert [i.id for i in filter_items(items, GalleryFilter(category="top"))] == ["a", "c", "d"]
    assert [i.id for i in filter_items(items, GalleryFilter(colour="blue"))] == ["b", "c"]
    assert [i.id for i in filter_items(items, GalleryFilter(season="summer", colour="red"))] == ["a"]
    assert [i.id for i in filter_items(items, GalleryFilter(available=False))] == ["c"]
    reordered = list(reversed(items))  # search results arrive ranked: order must survive
    assert [i.id for i in filter_items(reordered, GalleryFilter(category="top"))] == ["d", "c", "a"]


def test_groups_follow_wardrobe_order_and_unknown_comes_last() -> None:
    items = [item("s", "shoes"), item("u", "unknown"), item("t", "top"), item("o", "onepiece")]
    assert list(group_by_category(items)) == ["top", "onepiece", "shoes", "unknown"]
    assert category_label("onepiece") == "one-piece"
    assert category_label("onepiece", plural=True) == "One-pieces"


def test_colour_options_most_common_first() -> None:
    items = [item("a", colours=("blue", "red")), item("b", colours=("red",)), item("c", colours=())]
    assert colour_options(items) == ["red", "blue"]


def test_display_name_prefers_the_persons_name() -> None:
    assert display_name(item("a", name="  Lucky shirt ")) == "Lucky shirt"
    assert display_name(item("a", category="bottom", colours=("navy",), subtype="jeans")) == "navy jeans"
    assert display_name(item("a", name="IMG_4312", category="bottom", colours=("navy",),
                             subtype="jeans")) == "navy jeans"  # a file name is no name
    assert display_name(item("a", category="onepiece", colours=(), subtype="")) == "one-piece"


def test_cost_per_wear_needs_a_price_and_a_wear() -> None:
    assert cost_per_wear(item("a", price=90.0, times_worn=4)) == 22.5
    assert cost_per_wear(item("a", price=90.0, times_worn=0)) is None
    assert cost_per_wear(item("a", price=None, times_worn=3)) is None


def test_most_and_least_worn() -> None:
    items = [
        item("never-old", created_day=1),
        item("never-new", created_day=5),
        item("once", times_worn=1, last_worn=date(2024, 3, 1)),
        item("often", times_worn=7, last_worn=date(2024, 2, 1)),
        item("often-recent", times_worn=7, last_worn=date(2024, 3, 2)),
        item("away", available=False),
    ]
    assert [r.item.id for r in most_worn(items, n=3)] == ["often-recent", "often", "once"]
    least = [r.item.id for r in least_worn(items, n=3)]
    assert least == ["never-old", "never-new", "once"]  # unavailable items are not suggested


def test_priced_items_put_never_worn_first_then_dearest_per_wear() -> None:
    items = [item("cheap", price=10.0, times_worn=10), item("coat", price=300.0, times_worn=2),
             item("new", price=50.0), item("free")]
    rows = priced_items(items)
    assert [r.item.id for r in rows] == ["new", "coat", "cheap"]
    assert [r.cost_per_wear for r in rows] == [None, 150.0, 1.0]


def test_wear_days_group_and_sort_newest_first() -> None:
    a, b, c = outfit("a"), outfit("b"), outfit("c")
    history = [(date(2024, 1, 2), a), (date(2024, 1, 5), b), (date(2024, 1, 2), c)]
    days = wear_days(history)
    assert [d.day for d in days] == [date(2024, 1, 5), date(2024, 1, 2)]
    assert [o.id for o in days[1].outfits] == ["a", "c"]


def _form(record: ItemRecord, **changes: object) -> ItemForm:
    values = dict(name=record.name, category=record.category, subtype=record.subtype,
                  colours=list(record.colours), seasons=list(record.seasons), price=record.price,
                  notes=record.notes)
    values.update(changes)
    return ItemForm(**values)  # type: ignore[arg-type]


def test_changed_fields_only_reports_real_edits() -> None:
    record = item("a", colours=("red",), price=20.0, name="Shirt")
    assert changed_fields(record, _form(record)) == {}
    assert changed_fields(record, _form(record, name=" Shirt ")) == {}  # whitespace is no edit
    changes = changed_fields(record, _form(record, colours=["Red", "white ", "red"], price=25.499,
                                           category="outerwear"))
    assert changes == {"colours": ("red", "white"), "price": 25.5, "category": "outerwear"}
    assert changed_fields(record, _form(record, price=None)) == {"price": None}
    with pytest.raises(ValueError, match="negative"):
        changed_fields(record, _form(record, price=-1.0))


def test_settings_never_show_a_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert mask_url("postgresql://me:s3cret@db.local:5432/w2w") == "postgresql://me:***@db.local:5432/w2w"
    # malformed URLs (no scheme, '@' or '/' in the password) are masked too
    for url in ("me:s3cret@host:1", "ftp://me:p@s3cret@host", "postgresql://me:s3/cret@db/w",
                "http//me:s3cret@host"):
        assert "s3cret" not in mask_url(url) and "cret" not in mask_url(url), url
    assert mask_url("http://vectors:8000") == "http://vectors:8000"
    monkeypatch.setenv("WHAT2WEAR_DATABASE_URL", "postgresql://me:s3cret@db.local/w2w")
    lines = describe(load_settings(home=tmp_path))
    assert all("s3cret" not in line.value for line in lines)
    assert {line.variable for line in lines} >= {"WHAT2WEAR_HOME", "WHAT2WEAR_CLIP_MODEL"}
    home = dataclasses.replace(load_settings(home=tmp_path))
    assert describe(home)[0].value == str(tmp_path.resolve())


@pytest.mark.parametrize(
    "text",
    ["<script>alert(1)</script>", "**bold** _it_ [link](http://x) ![img](http://y)",
     ":red[colour] $x^2$ `code` # heading", "a\\b | c ~~d~~"],
)
def test_plain_escapes_every_markdown_and_html_marker(text: str) -> None:
    escaped = plain(text)
    # Removing the escapes gives the original back, and no marker is left unescaped.
    assert escaped.replace("\\", "") == text.replace("\\", "")
    for n, ch in enumerate(escaped):
        if ch in "<>*_[]()!:$`#|~":
            assert escaped[n - 1] == "\\", (text, escaped)


def test_display_order_covers_exactly_the_shared_category_vocabulary() -> None:
    from base.vocabulary import CATEGORIES
    from core.views.gallery import CATEGORY_LABELS, CATEGORY_ORDER

    assert sorted(CATEGORY_ORDER) == sorted(CATEGORIES) == sorted(CATEGORY_LABELS)


@pytest.mark.parametrize("text", ["/tmp/a_b*c", "x`y", "``double`` and `single`", "`edge`"])
def test_code_spans_hold_any_text(text: str) -> None:
    from ui.text import code

    span = code(text)
    fence = span[: len(span) - len(span.lstrip("`"))]
    assert fence not in text  # a fence longer than any backtick run inside
    inner = span[len(fence):-len(fence)]
    padded = text.startswith("`") or text.endswith("`")  # CommonMark strips one space each side
    assert inner == (f" {text} " if padded else text)
