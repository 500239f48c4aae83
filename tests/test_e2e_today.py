"""The Today page in a real browser (`streamlit run` + chromium): a returning person opens the app
on Today, sees the day's outfit with its reasons, wears it, packs for a trip; at 1280 px and at a
phone's 390 px. Screenshots go to tests/artifacts/today-*.png (git-ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from base.config import Settings
from core.wardrobe import Wardrobe
from devkit.imaging import BLUE, GREEN, NAVY, RED, YELLOW, garment_photo
from tests.test_e2e_browser import (  # noqa: F401 (fixtures used by name)
    app_url,
    browser,
    button,
    click,
    idle,
    shot,
    wait_text,
)

PIECES = [("top", "tshirt", RED, "red tee"), ("top", "tshirt", GREEN, "green shirt"),
          ("bottom", "trousers", NAVY, "navy trousers"), ("bottom", "trousers", BLUE, "jeans"),
          ("shoes", "shoe", YELLOW, "yellow sneakers"), ("shoes", "shoe", RED, "red loafers"),
          ("outerwear", "tshirt", NAVY, "navy coat")]


@pytest.fixture
def populated_home(settings: Settings) -> Iterator[Path]:
    """The home `app_url` serves (tmp_path/home), filled before the server starts."""
    with Wardrobe.open(settings) as wardrobe:
        ids = {}
        for seed, (category, kind, colour, name) in enumerate(PIECES):
            item_id = wardrobe.ingest_bytes(garment_photo(kind, colour, seed=seed),
                                            f"{name}.jpg").item_id
            wardrobe.update_item(item_id, category=category, name=name)
            ids[name] = item_id
        worn = wardrobe.save_outfit({"top": ids["red tee"], "bottom": ids["jeans"],
                                     "shoes": ids["yellow sneakers"]}, source="manual")
        wardrobe.log_wear(worn.id, date.today() - timedelta(days=1))
    yield settings.home


def pictures_loaded(driver) -> None:
    """Every picture of the best outfit decoded (a screenshot before that shows blanks)."""
    from selenium.webdriver.common.by import By

    from tests.test_e2e_browser import _until

    def loaded(d) -> bool:
        card = d.find_element(By.CSS_SELECTOR, '[class*="st-key-today-card-0"]')
        images = card.find_elements(By.TAG_NAME, "img")
        return len(images) >= 1 and all(
            d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", i)
            for i in images)

    _until(driver, "the outfit's pictures", loaded)


def no_error_box(driver) -> None:
    from selenium.webdriver.common.by import By
    assert not driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
    assert not driver.find_elements(By.CSS_SELECTOR, '[data-testid="stAlertContentError"]')


def test_a_returning_person_opens_on_today_wears_it_and_packs(
        populated_home: Path, app_url: str, browser) -> None:  # noqa: F811 (imported fixtures)
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 1600)
    browser.get(app_url)
    wait_text(browser, "Wear this today")
    wait_text(browser, "Alternatives")
    idle(browser)
    no_error_box(browser)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "fits 15 °C" in body or "for 15 °C" in body  # the reason names the weather
    pictures_loaded(browser)  # the card's picture arrives after the text on a busy machine
    best = browser.find_element(By.CSS_SELECTOR, '[class*="st-key-today-card-0"]')
    assert len(best.find_elements(By.TAG_NAME, "img")) == 1  # the outfit as one flat-lay
    shot(browser, "today-01-1280")

    click(browser, button(browser, "Wear this", within=best))
    wait_text(browser, "Logged as worn today")
    idle(browser)
    no_error_box(browser)
    shot(browser, "today-02-worn-1280")

    click(browser, browser.find_element(By.XPATH, "//label[.//p[text()='Pack for a trip']]"))
    idle(browser)
    click(browser, button(browser, "Pack"))
    wait_text(browser, "Pack these")
    idle(browser)
    no_error_box(browser)
    assert "Day 4" in browser.find_element(By.TAG_NAME, "body").text
    shot(browser, "today-03-pack-1280")

    browser.set_window_size(390, 1800)
    browser.get(app_url)  # a new session: still Today first
    wait_text(browser, "Wear this today")
    idle(browser)
    no_error_box(browser)
    pictures_loaded(browser)
    shot(browser, "today-04-390")
