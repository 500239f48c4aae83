"""In a real browser: an outfit photo is uploaded, its garments are drawn on it, and a person
drops a region that is not a piece they wore — at desktop and at phone width.

The AppTest twin (tests/test_app.py) checks the stored outfit; this one checks what a person
sees in Chromium: the photo with its boxes, one row of controls per region, the drop taking
effect, and nothing scrolling sideways at 390 px. It runs the real pose model on a real photo.
Uses the Chromium harness of tests/test_e2e_browser.py (skipped the same way without it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from devkit.browser import app_env, serve
from tests import test_e2e_browser as e2e
from tests.test_e2e_browser import browser  # noqa: F401 - a fixture

PHOTO = Path(__file__).parent / "fixtures" / "outfits" / "unsplash_03_07.jpg"
REVIEW = "What was taken from your outfit photos"


@pytest.fixture
def app_with_pose(tmp_path: Path, tiny_clip_dir: Path, tiny_rembg_model: str) -> Iterator[str]:
    """The served app with the real pose model (the harness's app switches it off)."""
    log = tmp_path / "streamlit.log"
    env = app_env(tmp_path / "home", str(tiny_clip_dir), tiny_rembg_model,
                  extra={"WHAT2WEAR_POSE_MODEL": ""})
    with serve(env, log, start_s=e2e.SERVER_START_S) as app:
        yield app.url
    tail = log.read_text(errors="replace")[-4000:]
    assert "Traceback" not in tail, f"the server logged a traceback:\n{tail}"


def drop_buttons(driver: WebDriver) -> list:
    return [b for b in driver.find_elements(By.CSS_SELECTOR, '[class*="st-key-review-"] button')
            if b.text.strip().endswith("Drop")]


def test_outfit_photo_regions_are_shown_and_one_is_dropped(
        app_with_pose: str, browser: WebDriver, tmp_path: Path) -> None:  # noqa: F811
    photo = tmp_path / "walk.jpg"
    photo.write_bytes(PHOTO.read_bytes())
    browser.get(app_with_pose)
    e2e.wait_text(browser, "Your wardrobe is empty")
    e2e.idle(browser)
    outfit_mode = e2e._until(browser, "the outfit photo choice", lambda d: next(
        (label for label in d.find_elements(By.CSS_SELECTOR, '[data-testid="stRadio"] label')
         if label.text.strip() == "an outfit I wore (full body)"), None))
    e2e.click(browser, outfit_mode)
    e2e.idle(browser)
    uploader = e2e._until(browser, "the file input", lambda d: d.find_element(
        By.CSS_SELECTOR, '[data-testid="stFileUploader"] input[type="file"]'))
    uploader.send_keys(str(photo))
    e2e.click(browser, e2e.button(browser, "Add to wardrobe"))
    e2e.wait_text(browser, REVIEW, timeout=300)
    e2e.idle(browser)
    e2e.shot(browser, "outfit-photo-01-regions")

    text = browser.find_element(By.TAG_NAME, "body").text
    for piece in ("top:", "bottom:", "shoes:"):
        assert piece in text, f"no {piece!r} row in the review"
    review_images = [i for i in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stImage"] img')
                     if i.size["width"] > 100]
    assert review_images, "the photo with its regions is not shown"
    assert len(drop_buttons(browser)) == 3

    shoes_row = next(b for b in drop_buttons(browser)
                     if "shoes" in b.find_element(By.XPATH, "./ancestor::*[contains(@class, "
                                                  "'st-key-review-')][1]").get_attribute("class"))
    e2e.click(browser, shoes_row)
    e2e.wait_text(browser, "The shoes region is no longer part of this outfit")
    e2e.idle(browser)
    e2e._until(browser, "two regions left", lambda d: len(drop_buttons(d)) == 2)
    assert "shoes:" not in browser.find_element(By.TAG_NAME, "body").text
    e2e.shot(browser, "outfit-photo-02-shoes-dropped")

    browser.set_window_size(390, 1800)
    e2e.idle(browser)
    e2e.assert_fits_width(browser, "the outfit photo review")
    e2e.shot(browser, "outfit-photo-03-phone-width")
    e2e.assert_no_outside_requests(browser)
