"""End to end in a real browser: `streamlit run` + Debian's chromium, driven by Selenium.

The journey a new user takes: upload 6 photos (2 tops, 2 bottoms, 2 shoes; each batch told
what it is), open "What goes with this" for a top, see at least 2 outfit cards, like one, find
it under Outfits. Screenshots of each step go to tests/artifacts/ (git-ignored).

Selenium uses the system chromedriver (no Selenium Manager download, SE_OFFLINE=true). Without
chromium/chromedriver the test is skipped, unless CI is set, where it fails.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.browser import (
    Requests,
    app_env,
    browser_available,
    chrome,
    horizontal_overflow,
    serve,
    widest_elements,
)
from devkit.imaging import BLUE, GREEN, NAVY, RED, YELLOW, garment_photo

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SERVER_START_S = 120  # the first start imports torch and transformers on a busy 2-core machine
STEP_S = 60  # any single step of the journey


if not browser_available():
    message = ("chromium and chromedriver are needed for the browser test: "
               "apt-get install chromium chromium-driver")
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def app_url(tmp_path: Path, tiny_clip_dir: Path, tiny_rembg_model: str) -> Iterator[str]:
    """`streamlit run` on a free 127.0.0.1 port, a fresh home and the tiny models; always killed."""
    log = tmp_path / "streamlit.log"
    env = app_env(tmp_path / "home", str(tiny_clip_dir), tiny_rembg_model)
    with serve(env, log, start_s=SERVER_START_S) as app:
        yield app.url
    tail = log.read_text(errors="replace")[-4000:]
    assert "Traceback" not in tail, f"the server logged a traceback:\n{tail}"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """Chromium recording every request of the page (see `requests_of`)."""
    driver = chrome(tmp_path / "chrome-profile", 1500, 1800)
    driver.set_page_load_timeout(STEP_S)
    REQUESTS[id(driver)] = Requests()
    try:
        yield driver
    finally:
        REQUESTS.pop(id(driver), None)
        driver.quit()


REQUESTS: dict[int, Requests] = {}


def assert_no_outside_requests(driver: WebDriver) -> None:
    """Every request the page made so far went to this computer (127.0.0.1)."""
    seen = REQUESTS[id(driver)]
    outside = seen.outside(driver)
    assert seen.urls, "no request was recorded: the performance log is not working"
    assert not outside, f"the page made requests outside this computer: {outside}"


def assert_fits_width(driver: WebDriver, what: str) -> None:
    overflow = horizontal_overflow(driver)
    assert overflow <= 0, (f"{what} scrolls sideways by {overflow}px at "
                           f"{driver.execute_script('return innerWidth')}px: {widest_elements(driver)}")


# --- small Streamlit-aware helpers ------------------------------------------------------------

def _until(driver: WebDriver, what: str, condition, timeout: float = STEP_S):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.25,
                             ignored_exceptions=(StaleElementReferenceException,)).until(condition)
    except TimeoutException:
        shot(driver, f"FAILED-{what.replace(' ', '-')[:40]}")
        raise AssertionError(f"timed out waiting for {what}") from None


def wait_text(driver: WebDriver, text: str, timeout: float = STEP_S) -> None:
    _until(driver, repr(text), lambda d: text in d.find_element(By.TAG_NAME, "body").text, timeout)


def idle(driver: WebDriver) -> None:
    """Wait until Streamlit has finished running the script (no 'Running…' status)."""
    time.sleep(0.3)
    _until(driver, "the app to finish running",
           lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'))


def button(driver: WebDriver, label: str, within: WebElement | None = None) -> WebElement:
    root = within or driver
    # A button's text is its label, after the ligature name of its icon if it has one.
    xpath = f".//button[substring(normalize-space(.), string-length(normalize-space(.)) - {len(label) - 1}) = {_xpath_literal(label)}]"
    return _until(driver, f"button {label!r}",
                  lambda d: next((b for b in root.find_elements(By.XPATH, xpath) if b.is_enabled()),
                                 None))


def click(driver: WebDriver, element: WebElement) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def choose(driver: WebDriver, label: str, option: str) -> None:
    """Pick `option` in the st.selectbox labelled `label`."""
    box = _until(driver, f"selectbox {label!r}", lambda d: next(
        (w for w in d.find_elements(By.CSS_SELECTOR, '[data-testid="stSelectbox"]')
         if w.text.startswith(label)), None))
    click(driver, box.find_element(By.CSS_SELECTOR, 'button[aria-label="Open"]'))
    item = _until(driver, f"option {option!r}", lambda d: next(
        (o for o in d.find_elements(By.CSS_SELECTOR, '[role="option"]')
         if o.text.strip() == option), None))
    click(driver, item)
    idle(driver)


def open_page(driver: WebDriver, title: str) -> None:
    link = _until(driver, f"the {title} link", lambda d: next(
        (a for a in d.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a')
         if a.text.strip().endswith(title)), None))
    click(driver, link)


def _xpath_literal(text: str) -> str:
    return f"'{text}'" if "'" not in text else f'"{text}"'


def shot(driver: WebDriver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


# --- the journey ------------------------------------------------------------------------------

PAGE_PATHS = {"What goes with this": "what_goes_with_this", "Outfits": "outfits", "Model": "model",
              "Settings": "settings", "Wardrobe": "wardrobe",
              "Today": ""}  # a new session with items opens on Today, at "/"
BATCHES = [  # (category option as shown, files); the gallery heading is "Tops (2)" etc.
    ("tops", [("top-red.jpg", "tshirt", RED), ("top-green.jpg", "tshirt", GREEN)]),
    ("bottoms", [("bottom-navy.jpg", "trousers", NAVY), ("bottom-blue.jpg", "trousers", BLUE)]),
    ("shoes", [("shoes-yellow.jpg", "shoe", YELLOW), ("shoes-red.jpg", "shoe", RED)]),
]


def cards(driver: WebDriver) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, '[class*="st-key-outfit-card-"]')


def card_pieces(card: WebElement) -> str | None:
    """The card's line of piece names: which outfit it shows (None while it is drawn)."""
    return next((c.text for c in card.find_elements(By.CSS_SELECTOR, '[data-testid="stCaptionContainer"]')
                 if "·" in c.text and "carry it" not in c.text), None)


def shown_outfits(driver: WebDriver) -> list[str]:
    """Each card's pieces, once every card on screen is drawn."""
    def drawn(d: WebDriver) -> list[str] | None:
        lines = [card_pieces(c) for c in cards(d)]
        return lines if lines and all(lines) else None
    return _until(driver, "the cards to be drawn", drawn)


def wait_toast(driver: WebDriver, text: str) -> None:
    _until(driver, f"a toast saying {text!r}", lambda d: any(
        text in t.text for t in d.find_elements(By.CSS_SELECTOR, '[data-testid="stToast"]')))


def phone_viewport(driver: WebDriver, width: int = 390, height: int = 844) -> None:
    """Resize the window so the page itself (the viewport) is `width` x `height` CSS px."""
    driver.set_window_size(width, height)
    extra_h = driver.execute_script("return outerHeight - innerHeight")  # the window's frame
    driver.set_window_size(width, height + extra_h)
    assert driver.execute_script("return [innerWidth, innerHeight]") == [width, height]


def set_slider(driver: WebDriver, label: str, presses: int) -> None:
    """Move the st.slider labelled `label` by `presses` arrow keys (negative: left)."""
    slider = _until(driver, f"slider {label!r}", lambda d: next(
        (w for w in d.find_elements(By.CSS_SELECTOR, '[data-testid="stSlider"]')
         if w.text.startswith(label)), None))
    thumb = slider.find_element(By.XPATH, './/*[@data-testid="stSliderThumbValue"]/..')
    click(driver, thumb)  # focuses the slider's range input
    key = Keys.ARROW_LEFT if presses < 0 else Keys.ARROW_RIGHT
    ActionChains(driver).send_keys(*([key] * abs(presses))).perform()
    idle(driver)


def test_upload_suggest_like_and_find_it_under_outfits(app_url: str, browser: WebDriver,
                                                      tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    browser.get(app_url)
    wait_text(browser, "Your wardrobe is empty")
    idle(browser)
    nav = [a.text for a in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a')]
    assert any(t.endswith("What goes with this") for t in nav), nav  # titles, not file names
    assert not any("streamlit app" in t or "what goes with this" in t for t in nav), nav
    shot(browser, "01-empty-wardrobe")

    for n, (category, files) in enumerate(BATCHES):
        paths = []
        for seed, (name, kind, colour) in enumerate(files):
            path = photos / name
            path.write_bytes(garment_photo(kind, colour, seed=10 * n + seed))
            paths.append(str(path))
        choose(browser, "These are all", category)
        uploader = _until(browser, "the file input", lambda d: d.find_element(
            By.CSS_SELECTOR, '[data-testid="stFileUploader"] input[type="file"]'))
        uploader.send_keys("\n".join(paths))
        click(browser, button(browser, "Add to wardrobe"))
        wait_text(browser, f"{category.capitalize()} (2)")  # this batch is in the gallery
        wait_text(browser, f"(garment photos, all {category}): 2 added.")  # the batch's summary
        idle(browser)
    shot(browser, "02-six-items-added")
    body = browser.find_element(By.TAG_NAME, "body").text
    for heading in ("Tops (2)", "Bottoms (2)", "Shoes (2)"):
        assert heading in body

    # Open the first top from the gallery and ask what goes with it.
    tiles = browser.find_elements(By.CSS_SELECTOR, '[class*="st-key-tile-"]')
    top_tile = next(t for t in tiles if "top" in t.text)
    click(browser, button(browser, "Open", within=top_tile))
    wait_text(browser, "Save changes")
    idle(browser)
    shot(browser, "03-item-detail")
    click(browser, button(browser, "What goes with this"))
    wait_text(browser, "What goes with this?")
    wait_text(browser, "Outfit 2")
    idle(browser)
    shot(browser, "04-outfit-cards")
    assert len(cards(browser)) == 4  # 2 bottoms x 2 shoes around the top
    for card in cards(browser):
        assert len(card.find_elements(By.TAG_NAME, "img")) == 1  # one flat-lay per outfit
        assert "★" in card.text and ("Better than" in card.text or "best 1%" in card.text)
        assert "carry it" in card.text and "weakest pair" in card.text
    click(browser, _until(browser, "the picture picker", lambda d: next(
        (t for t in d.find_elements(By.CSS_SELECTOR, '[data-testid="stCheckbox"] label')
         if "Choose by picture" in t.text), None)))
    wait_text(browser, "Bottoms")
    pictures = browser.find_elements(By.CSS_SELECTOR, '[class*="st-key-anchor-pic-"]')
    assert len(pictures) == sum(len(files) for _c, files in BATCHES)  # every piece, by category
    shot(browser, "04b-choose-by-picture")

    # Two outfits on screen: a dislike replaces the second by the next one, which never
    # comes back, not even as the exact top outfits ("Varied results" off).
    set_slider(browser, "How many outfits", -4)
    _until(browser, "two cards", lambda d: len(cards(d)) == 2)
    first, disliked = shown_outfits(browser)
    click(browser, button(browser, "Dislike", within=cards(browser)[1]))
    wait_toast(browser, "Disliked")
    _until(browser, "the disliked outfit to be replaced", lambda d: len(cards(d)) == 2
           and disliked not in shown_outfits(d))
    idle(browser)
    assert shown_outfits(browser)[0] == first  # the other card stays where it was
    shot(browser, "05-disliked-and-replaced")
    click(browser, _until(browser, "the Varied results toggle", lambda d: next(
        (t for t in d.find_elements(By.CSS_SELECTOR, '[data-testid="stCheckbox"] label')
         if "Varied results" in t.text), None)))
    idle(browser)
    set_slider(browser, "How many outfits", 4)
    _until(browser, "three cards", lambda d: len(cards(d)) == 3)  # 4 outfits, one disliked
    idle(browser)
    assert disliked not in shown_outfits(browser)

    # Save and like mark their cards, with a toast beside the page.
    click(browser, button(browser, "Save", within=cards(browser)[1]))
    wait_toast(browser, "Saved under Outfits")
    _until(browser, "the Saved mark", lambda d: "Saved" in cards(d)[1].text)
    click(browser, button(browser, "Like", within=cards(browser)[0]))
    wait_toast(browser, "Liked — saved under Outfits")
    _until(browser, "the Liked mark", lambda d: "Liked" in cards(d)[0].text)
    idle(browser)
    assert "Liked" not in cards(browser)[1].text and "Saved" in cards(browser)[1].text
    shot(browser, "06-liked-and-saved")

    open_page(browser, "Outfits")
    wait_text(browser, "Saved & liked")
    wait_text(browser, "liked")
    idle(browser)
    saved = browser.find_elements(By.CSS_SELECTOR, '[class*="st-key-saved-outfit-"]')
    assert len(saved) == 2, f"expected the liked and the saved outfit under Outfits, saw {len(saved)}"
    assert sum("liked" in s.text for s in saved) == 1
    assert all(len(s.find_elements(By.TAG_NAME, "img")) >= 3 for s in saved)
    shot(browser, "07-outfits-page")

    # The remaining pages render in the browser without any error box.
    for n, (page, marker) in enumerate([("Model", "How sure it is"),
                                        ("Settings", "Import an export")], start=8):
        open_page(browser, page)
        wait_text(browser, marker)
        idle(browser)
        assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
        assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stAlertContentError"]')
        shot(browser, f"{n:02d}-{page.lower()}-page")
    assert_no_outside_requests(browser)

    # At a phone's width (390 x 844 CSS px) every page fits without sideways scrolling, and
    # an outfit card fits one screen.
    phone_viewport(browser)
    for n, (page, marker) in enumerate([("Today", "Plan a week"),
                                        ("Wardrobe", "Your clothes"),
                                        ("What goes with this", "Start from"),
                                        ("Outfits", "Saved & liked"),
                                        ("Model", "Teach it your outfits"),
                                        ("Settings", "Import an export")], start=9):
        browser.get(f"{app_url}/{PAGE_PATHS.get(page, '')}")  # the sidebar is collapsed here
        wait_text(browser, marker)
        idle(browser)
        assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
        assert_fits_width(browser, page)
        if page == "What goes with this":
            card = cards(browser)[0]
            browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", card)
            height = card.size["height"]
            assert height <= browser.execute_script("return innerHeight"), height
        shot(browser, f"{n:02d}-{page.lower().replace(' ', '-')}-390px")
    assert_no_outside_requests(browser)
