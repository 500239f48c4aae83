"""End to end in a real browser: `streamlit run` + Debian's chromium, driven by Selenium.

The journey a new user takes: upload 6 photos (2 tops, 2 bottoms, 2 shoes; each batch told
what it is), open "What goes with this" for a top, see at least 2 outfit cards, like one, find
it under Outfits. Screenshots of each step go to tests/artifacts/ (git-ignored).

Selenium uses the system chromedriver (no Selenium Manager download, SE_OFFLINE=true). Without
chromium/chromedriver the test is skipped, unless CI is set, where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.imaging import BLUE, GREEN, NAVY, RED, YELLOW, garment_photo
from tests.servers import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SERVER_START_S = 120  # the first start imports torch and transformers on a busy 2-core machine
STEP_S = 60  # any single step of the journey


def _browser_available() -> bool:
    return Path(CHROMEDRIVER).is_file() and Path(CHROMIUM).is_file()


if not _browser_available():
    message = ("chromium and chromedriver are needed for the browser test: "
               "apt-get install chromium chromium-driver")
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)

from selenium import webdriver  # noqa: E402 - only once we know a browser exists
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"streamlit exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"streamlit did not answer within {SERVER_START_S}s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def app_url(tmp_path: Path, tiny_clip_dir: Path, tiny_rembg_model: str) -> Iterator[str]:
    """`streamlit run` on a free 127.0.0.1 port, a fresh home and the tiny models; always killed."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHAT2WEAR_")}
    env.update(
        WHAT2WEAR_HOME=str(tmp_path / "home"),
        WHAT2WEAR_CLIP_MODEL=str(tiny_clip_dir),
        WHAT2WEAR_REMBG_MODEL=tiny_rembg_model,
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    log = tmp_path / "streamlit.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, server, log)
        yield url
    finally:
        stop(server, timeout=15)
        tail = log.read_text(errors="replace")[-4000:]
        assert "Traceback" not in tail, f"the server logged a traceback:\n{tail}"


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    monkeypatch.setenv("SE_OFFLINE", "true")  # never let Selenium Manager download anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", f"--user-data-dir={tmp_path / 'chrome-profile'}",
                "--window-size=1500,1800"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(STEP_S)
    try:
        yield driver
    finally:
        driver.quit()


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
              "Wardrobe": "wardrobe"}  # a new session with items opens on Today
BATCHES = [  # (category option as shown, files); the gallery heading is "Tops (2)" etc.
    ("tops", [("top-red.jpg", "tshirt", RED), ("top-green.jpg", "tshirt", GREEN)]),
    ("bottoms", [("bottom-navy.jpg", "trousers", NAVY), ("bottom-blue.jpg", "trousers", BLUE)]),
    ("shoes", [("shoes-yellow.jpg", "shoe", YELLOW), ("shoes-red.jpg", "shoe", RED)]),
]


def test_upload_suggest_like_and_find_it_under_outfits(app_url: str, browser: WebDriver,
                                                      tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    browser.get(app_url)
    wait_text(browser, "Your wardrobe is empty")
    idle(browser)
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
    cards = browser.find_elements(By.CSS_SELECTOR, '[class*="st-key-outfit-card-"]')
    assert len(cards) >= 2, f"expected at least 2 outfit cards, saw {len(cards)}"
    for card in cards:
        assert len(card.find_elements(By.TAG_NAME, "img")) >= 3  # top, bottom, shoes side by side
        assert "Weakest pair" in card.text
    shot(browser, "04-outfit-cards")
    click(browser, _until(browser, "the picture picker", lambda d: next(
        (e for e in d.find_elements(By.CSS_SELECTOR, '[data-testid="stExpander"] summary')
         if "Choose by picture" in e.text), None)))
    wait_text(browser, "Bottoms")
    pictures = browser.find_elements(By.CSS_SELECTOR, '[class*="st-key-anchor-pic-"]')
    assert len(pictures) == sum(len(files) for _c, files in BATCHES)  # every piece, by category
    shot(browser, "04b-choose-by-picture")

    click(browser, button(browser, "Like", within=cards[0]))
    wait_text(browser, "Liked — saved under Outfits")
    idle(browser)
    shot(browser, "05-liked")

    open_page(browser, "Outfits")
    wait_text(browser, "Saved & liked")
    wait_text(browser, "liked")
    idle(browser)
    saved = browser.find_elements(By.CSS_SELECTOR, '[class*="st-key-saved-outfit-"]')
    assert len(saved) == 1, f"expected the liked outfit under Outfits, saw {len(saved)}"
    assert "liked" in saved[0].text
    assert len(saved[0].find_elements(By.TAG_NAME, "img")) >= 3
    shot(browser, "06-outfits-page")

    # The remaining pages render in the browser without any error box.
    for n, (page, marker) in enumerate([("Model", "How sure it is"),
                                        ("Settings", "Import an export")], start=7):
        open_page(browser, page)
        wait_text(browser, marker)
        idle(browser)
        assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
        assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stAlertContentError"]')
        shot(browser, f"{n:02d}-{page.lower()}-page")

    # At a phone's width every page still renders without an error box.
    browser.set_window_size(390, 1800)
    for n, (page, marker) in enumerate([("Wardrobe", "Your clothes"),
                                        ("What goes with this", "Start from"),
                                        ("Outfits", "Saved & liked"),
                                        ("Model", "Teach it your outfits")], start=9):
        browser.get(f"{app_url}/{PAGE_PATHS.get(page, '')}")  # the sidebar is collapsed here
        wait_text(browser, marker)
        idle(browser)
        assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
        shot(browser, f"{n:02d}-{page.lower().replace(' ', '-')}-390px")
