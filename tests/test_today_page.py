"""The Today page headless (AppTest): what a returning person sees first, the day's outfit with
its reasons, "Wear this", the week plan and the packing list. Real wardrobe, tiny models."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from base.config import Settings
from tests.test_app import (  # noqa: F401 (fixtures used by name)
    APP,
    PAGES,
    TIMEOUT,
    TRICKY_NAME,
    _release_app_resources,
    _warm_app,
    assert_clean,
    empty,
    populated,
    populated_template,
    reopen,
    texts,
)
from ui.text import plain

LAST_WORN = {plain(TRICKY_NAME), "navy trousers", "yellow shoes"}  # the populated wear


def first_card_names(at: AppTest) -> set[str]:
    """Names under the best outfit's pictures (its captions are "slot: name")."""
    captions = [c.value for c in at.caption if ": " in c.value and not c.value.startswith(":")]
    names = [c.split(": ", 1)[1] for c in captions]
    return set(names[:3])


def test_a_returning_person_lands_on_today_with_reasons_and_can_wear_it(
        populated: Settings) -> None:  # noqa: F811 (the imported fixture)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["Today"]
    page = texts(at)
    assert "Wear this today" in page and "Alternatives" in page
    assert "°C" in page  # the reasons name the weather they fit
    best = first_card_names(at)
    assert len(best) == 3 and best != LAST_WORN  # the last outfit worn never comes back first
    at.button(key="today-wear-0").click().run()
    assert_clean(at)
    assert any("Logged as worn today" in s.value for s in at.success)
    assert "You logged today's outfit already" in texts(at)
    assert first_card_names(at) != best  # what was just worn moves down
    with reopen(populated) as wardrobe:
        day, outfit = wardrobe.wear_history()[0]
        names = {wardrobe.item(i).name for i in outfit.items.values()}
        assert day == date.today() and {plain(n) for n in names} == best


def test_the_context_changes_the_rules_and_says_so(populated: Settings) -> None:  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.number_input(key="today_temp").set_value(2.0).run()
    assert_clean(at)
    assert "no outer layer in the wardrobe" in texts(at)  # nothing to require: said, not hidden
    assert "2 °C" in texts(at)
    at.selectbox(key="today_occasion").set_value("work").run()
    assert_clean(at)
    assert "Wear this today" in texts(at)


def test_week_plan_and_trip_packing_from_the_page(populated: Settings) -> None:  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.radio(key="today_view").set_value("Plan a week").run()
    at.button(key="week-go").click().run()
    assert not at.exception
    # 2 tops x 2 bottoms x 2 shoes cannot dress 7 days with each piece at most twice: said so
    assert any("at most 2 times" in e.value for e in at.error)
    at.slider(key="week-k").set_value(4).run()
    at.button(key="week-go").click().run()
    assert_clean(at)
    assert any("Planned 7 days: the best possible plan" in s.value for s in at.success)
    assert sum("Day " in m.value for m in at.markdown) == 7
    at.radio(key="today_view").set_value("Pack for a trip").run()
    at.slider(key="trip-pieces").set_value(5).run()
    at.button(key="trip-go").click().run()
    assert_clean(at)
    assert any(s.value.startswith("Packed ") for s in at.success), texts(at)
    assert any(h.value.startswith("Pack these ") for h in at.subheader)
    assert sum("Day " in m.value for m in at.markdown) == 4


def test_an_empty_wardrobe_opens_on_wardrobe_and_today_explains(
        empty: Settings) -> None:  # noqa: F811 (the imported fixture)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_clean(at)
    assert "Your wardrobe is empty" in texts(at)
    at.switch_page(PAGES["Today"]).run()
    assert_clean(at)
    assert "Add tops, bottoms and shoes" in texts(at)


def test_the_item_editor_sets_warmth_and_formality(populated: Settings) -> None:  # noqa: F811
    with reopen(populated) as wardrobe:
        target = next(i for i in wardrobe.items() if i.name == "green tee")
    assert target.warmth is not None  # guessed at ingest
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page(PAGES["Wardrobe"]).run()
    at.button(key=f"open-{target.id}").click().run()
    key = f"edit-{target.id}"
    new_warmth = 5 if target.warmth != 5 else 1
    at.selectbox(key=f"{key}-warmth").set_value(new_warmth)
    at.button(key=f"{key}-save").click().run()
    assert_clean(at)
    assert any("Saved warmth" in s.value for s in at.success)
    with reopen(populated) as wardrobe:
        edited = wardrobe.item(target.id)
        assert edited.warmth == new_warmth and edited.formality == target.formality
        assert "warmth" in edited.user_edited and "formality" not in edited.user_edited
