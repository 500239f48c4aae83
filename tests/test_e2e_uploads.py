"""In a real browser: an upload batch survives clicks and page switches, then offers a review.

During a batch of several photos the person changes "These are all", switches to another
page and back, and reloads. Every photo must be stored exactly once, with the category the batch was
submitted with, and the review step (original and cut-out side by side) must follow.

Photos are listed in BATCH: add one (say a 48 MP JPEG, or a photo whose cut-out is doubtful)
by adding a `Photo` with what the review step should say about it.
Uses the Chromium harness of tests/test_e2e_browser.py (skipped the same way without it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageDraw
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from devkit.imaging import BLUE, GREEN, NAVY, RED, YELLOW, encode, garment_image, garment_photo
from tests.test_e2e_browser import (  # noqa: F401 - app_url and browser are fixtures
    _until,
    app_url,
    browser,
    button,
    choose,
    click,
    idle,
    open_page,
    shot,
    wait_text,
)

BIG = (1800, 2400)  # phone-like sizes make each photo take long enough to click during it


@dataclass(frozen=True)
class Photo:
    filename: str
    data: Callable[[], bytes]
    flagged: str = ""  # text the review step must show for it ("" = no flag expected)


def printed_shirt(size: tuple[int, int]) -> bytes:
    """A grey top with a small red print on a grey floor: background removal (the tiny model,
    like the real one on a bear-print shirt) keeps only the print, a cut-out to be doubted."""
    image = garment_image("tshirt", (150, 150, 150), size=size)
    sx, sy = size[0] / 240, size[1] / 320
    ImageDraw.Draw(image).rectangle((105 * sx, 140 * sy, 135 * sx, 175 * sy), fill=RED)
    return encode(image, "JPEG", quality=90)


BATCH = [
    *(Photo(f"IMG_43{n}{n}.jpg", lambda n=n, c=c: garment_photo("tshirt", c, seed=n, size=BIG))
      for n, c in enumerate([RED, GREEN, BLUE, NAVY, YELLOW])),
    # a 48 MP phone photo (8000 x 6000): accepted, decoded at reduced scale
    Photo("IMG_4848.jpg", lambda: garment_photo("tshirt", RED, seed=48, size=(6000, 8000))),
    Photo("IMG_4399.jpg", lambda: printed_shirt(BIG), flagged="of the photo"),
]
SUBMITTED_AS = ("tops", "top")  # (option shown in "These are all", stored category)
CHANGED_TO = "shoes"


def stored_items(home: Path) -> list[tuple[str, str, str, str]]:
    """(category, sha256, name, user_edited) of every item, read-only from the app's SQLite."""
    uri = f"file:{home / 'wardrobe.sqlite3'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        return db.execute("SELECT category, sha256, name, user_edited FROM items").fetchall()


def body(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def test_batch_survives_option_change_and_page_switch_then_offers_review(
        app_url: str, browser: WebDriver, tmp_path: Path) -> None:  # noqa: F811
    import hashlib

    folder = tmp_path / "photos"
    folder.mkdir()
    paths, hashes = [], set()
    for p in BATCH:
        data = p.data()
        (folder / p.filename).write_bytes(data)
        paths.append(str(folder / p.filename))
        hashes.add(hashlib.sha256(data).hexdigest())
    browser.get(app_url)
    wait_text(browser, "Your wardrobe is empty")
    idle(browser)

    choose(browser, "These are all", SUBMITTED_AS[0])
    uploader = _until(browser, "the file input", lambda d: d.find_element(
        By.CSS_SELECTOR, '[data-testid="stFileUploader"] input[type="file"]'))
    uploader.send_keys("\n".join(paths))
    click(browser, button(browser, "Add to wardrobe"))
    wait_text(browser, f"Adding {len(BATCH)} photos")
    shot(browser, "uploads-01-running")

    # Mid-batch: another category for the next batch, then another page and back.
    choose(browser, "These are all", CHANGED_TO)
    assert f"Adding {len(BATCH)} photos" in body(browser), "the batch ended too soon to test"
    open_page(browser, "Outfits")
    wait_text(browser, "Outfits")
    open_page(browser, "Wardrobe")
    wait_text(browser, "Add clothes")
    _until(browser, "the batch, still running or done", lambda d: any(
        marker in body(d) for marker in (f"Adding {len(BATCH)} photos", "Batch of")))
    shot(browser, "uploads-02-back-on-wardrobe")
    # A reload starts a new session: the batch goes on and is shown again. The Wardrobe page by
    # its own address: "/" is the default page, which is Today for a session that starts with
    # items in the wardrobe.
    browser.get(f"{app_url}/wardrobe")
    _until(browser, "the batch after a reload", lambda d: any(
        marker in body(d) for marker in (f"Adding {len(BATCH)} photos", "Batch of")))

    wait_text(browser, f"Batch of {len(BATCH)} (garment photos, all {SUBMITTED_AS[0]}): "
                       f"{len(BATCH)} added.", timeout=300)
    wait_text(browser, f"{SUBMITTED_AS[0].capitalize()} ({len(BATCH)})")  # the gallery
    idle(browser)
    shot(browser, "uploads-03-review")
    text = body(browser)
    assert f"{SUBMITTED_AS[0].capitalize()} ({len(BATCH)})" in text
    assert f"{CHANGED_TO.capitalize()} (" not in text
    assert f"Check what was added ({len(BATCH)})" in text
    reviews = browser.find_elements(By.CSS_SELECTOR, '[class*="st-key-review-card-"]')
    assert len(reviews) == len(BATCH)
    for review in reviews:
        assert len(review.find_elements(By.TAG_NAME, "img")) >= 2  # original + cut-out
        assert "Keep original photo" in review.text
    for p in BATCH:
        if p.flagged:
            assert p.flagged in text
    assert "IMG_43" not in browser.find_element(
        By.CSS_SELECTOR, '[class*="st-key-tile-"]').text  # named for people, not the file

    items = stored_items(tmp_path / "home")
    assert len(items) == len(BATCH)
    assert {sha for _c, sha, _n, _e in items} == hashes  # every photo exactly once
    assert {c for c, *_ in items} == {SUBMITTED_AS[1]}
    assert all("category" in edited for *_, edited in items)
    assert len({name for _c, _s, name, _e in items}) == len(BATCH)  # unique names

    # Keep the original photo of the first item: its picture is the whole photo now.
    click(browser, button(browser, "Keep original photo", within=reviews[0]))
    wait_text(browser, "Kept the original photo")
    idle(browser)
    assert "Whole photo (no background removed)" in body(browser)
    shot(browser, "uploads-04-kept-original")

    browser.set_window_size(390, 1800)
    idle(browser)
    shot(browser, "uploads-05-phone-width")


def test_every_page_keeps_its_address_on_an_empty_wardrobe(
        app_url: str, browser: WebDriver) -> None:  # noqa: F811
    """A new session on an empty wardrobe, opened at "/wardrobe" (a bookmark, or a reload while
    the first photos are still being added): the page opens there, with no "Page not found"."""
    browser.get(f"{app_url}/wardrobe")
    wait_text(browser, "Add clothes")
    idle(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stDialog"]')
    assert "Page not found" not in body(browser)
    browser.get(app_url)  # "/" is Today's address; an empty wardrobe is sent to Wardrobe
    wait_text(browser, "Add clothes")
    idle(browser)
    assert browser.current_url.rstrip("/").endswith("/wardrobe")
    assert "Page not found" not in body(browser)
