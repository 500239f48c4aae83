"""The app in a real browser, for the browser tests and the UI benchmark: `streamlit run` on a
free loopback port, headless Chromium through Selenium (the system chromedriver, never a
download), every request the page makes, and the page's horizontal overflow.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
# What the page may load without a network: its own server, and data the page holds itself.
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "chrome", "chrome-extension", "devtools"})


def browser_available() -> bool:
    return Path(CHROMEDRIVER).is_file() and Path(CHROMIUM).is_file()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class App:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    started: float  # time.monotonic() when `streamlit run` was launched


def app_env(home: Path, clip_model: str, rembg_model: str,
            extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a served app on `home` with the given models, offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHAT2WEAR_")}
    env.update(WHAT2WEAR_HOME=str(home), WHAT2WEAR_CLIP_MODEL=clip_model,
               WHAT2WEAR_REMBG_MODEL=rembg_model, WHAT2WEAR_POSE_MODEL="none",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    env.update(extra or {})
    return env


@contextmanager
def serve(env: Mapping[str, str], log: Path, start_s: float = 120.0) -> Iterator[App]:
    """`streamlit run streamlit_app.py` on a free 127.0.0.1 port until healthy; always stopped."""
    port = free_port()
    started = time.monotonic()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.headless", "true"],
            cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    app = App(f"http://127.0.0.1:{port}", process, log, started)
    try:
        wait_healthy(app, start_s)
        yield app
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def wait_healthy(app: App, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise AssertionError(f"streamlit exited early:\n{app.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as reply:
                if reply.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"streamlit did not answer within {seconds}s:\n{app.log.read_text()[-3000:]}")


def chrome(profile: Path, width: int = 1280, height: int = 900):  # -> WebDriver
    """Headless Chromium that records the page's network events (Chrome's performance log)."""
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager download anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


@dataclass
class Requests:
    """Every URL the page asked for (HTTP requests and WebSockets), kept across reads of
    Chrome's performance log (each read drains it)."""

    urls: list[str] = field(default_factory=list)

    def collect(self, driver) -> list[str]:
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message.get("method") == "Network.requestWillBeSent":
                self.urls.append(params["request"]["url"])
            elif message.get("method") == "Network.webSocketCreated":
                self.urls.append(params["url"])
        # what the document itself points at (a favicon link is fetched by the browser, which
        # may not log it for a headless page): icons, images, scripts, styles, and whatever
        # resource timing saw (fonts included)
        self.urls.extend(driver.execute_script(
            "return [...document.querySelectorAll('link[href],img[src],script[src],iframe[src]')]"
            ".map(e => e.href || e.src)"
            ".concat(performance.getEntriesByType('resource').map(e => e.name));"))
        return self.urls

    def outside(self, driver) -> list[str]:
        """The URLs that leave this computer (any host but the loopback)."""
        return sorted({url for url in self.collect(driver) if not is_local(url)})


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES or not parts.scheme:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


def horizontal_overflow(driver) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scrolling)."""
    return int(driver.execute_script(
        "return document.scrollingElement.scrollWidth - window.innerWidth;"))


def widest_elements(driver, limit: int = 5) -> list[str]:
    """The elements reaching furthest right past the window: what to fix when it overflows."""
    return driver.execute_script("""
        const w = window.innerWidth; const out = [];
        for (const e of document.querySelectorAll('body *')) {
          const r = e.getBoundingClientRect();
          if (r.right > w + 1 && r.width > 0) out.push([r.right, e.tagName + '.' +
              (e.getAttribute('data-testid') || e.className || '').toString().slice(0, 60)]);
        }
        out.sort((a, b) => b[0] - a[0]);
        return out.slice(0, arguments[0]).map(x => Math.round(x[0]) + ' ' + x[1]);""", limit)
