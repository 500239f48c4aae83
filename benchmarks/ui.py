"""The app's speed as a person feels it, in a real browser: Selenium + headless Chromium against
`streamlit run`, on a wardrobe of 200 items.

    .venv/bin/python benchmarks/ui.py [--items 200] [--repeats 5] [--home DIR] [--shots DIR]

The wardrobe is built with the tiny real models of devkit/ (a 2-layer CLIP, a small ONNX
saliency net) from synthetic garment photos, so the numbers are the app's own cost (Streamlit,
the wardrobe, ranking, drawing), not FashionCLIP's; `--home DIR` keeps it for the next run.
Timings are taken in the page (performance.now(), polled every 10 ms) from the click to the
moment the result is on screen and the app has finished its run (no "Running" status, no
stale element):

- first paint: from launching `streamlit run` to the app's first screen (a title) in the
  browser, which opens the address as soon as the server answers; also from that load, to
  the titled navigation, and to the finished first page (Today: the wardrobe has items);
- page switch: sidebar link -> the page's title and finished run (Today, Wardrobe, Outfits,
  Model, Settings, What goes with this);
- suggestions shown: another anchor picked in "Choose by picture" -> its outfit cards (the
  picture grid closes with the pick);
- feedback round trip: Like / Save on a card -> the card's mark; Dislike -> the replacement.

Next to each wall time, the CPU seconds the server and the browser (all their processes) used
for it, from /proc: the work itself, whatever else the machine runs. On a busy shared machine
the wall time is mostly waiting for a core; on a quiet one it comes close to that CPU time
(the server's and the browser's parts mostly follow each other).

It also checks what the browser test checks: no request leaves 127.0.0.1, and at 390 px no
page scrolls sideways. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devkit.browser import Requests, app_env, chrome, horizontal_overflow, serve  # noqa: E402

TARGETS = {"first paint (launch -> visible)": 3.0, "page switch": 0.7, "suggestions shown": 1.0,
           "feedback round trip": 0.5}
MIX = [("top", "tshirt", 60), ("bottom", "trousers", 50), ("shoes", "shoe", 40),
       ("outerwear", "tshirt", 20), ("onepiece", "dress", 15), ("bag", "shoe", 15)]
PAGES = {"Today": "Today", "Wardrobe": "Wardrobe", "What goes with this": "What goes with this?",
         "Outfits": "Outfits", "Model": "Model", "Settings": "Settings"}
IDLE_JS = ("document.querySelector('[data-testid=\"stApp\"]')"
           ".getAttribute('data-test-script-state') === 'notRunning'"
           " && !document.querySelector('[data-stale=\"true\"]')"
           " && [...document.images].every(i => i.complete)")


def build_home(home: Path, models: Path, n_items: int) -> tuple[str, str]:
    """A wardrobe of `n_items` synthetic garments (and a few saved outfits) with tiny models."""
    from devkit.tiny_models import TINY_REMBG_FILE, build_tiny_clip, tiny_saliency_onnx

    clip = models / "tiny-clip"
    rembg = models / TINY_REMBG_FILE
    if not clip.exists():
        build_tiny_clip(clip)
    if not rembg.exists():
        tiny_saliency_onnx(rembg)
    if (home / "done").exists():
        return str(clip), str(rembg)
    import dataclasses

    from base.config import load_settings
    from core.wardrobe.service import Wardrobe
    from devkit.imaging import garment_photo

    settings = dataclasses.replace(load_settings(home=home), clip_model=str(clip),
                                   rembg_model=str(rembg), database_url="", chroma_url="",
                                   compat_model="")
    rng = random.Random(7)
    total = sum(n for *_rest, n in MIX)
    ids: dict[str, list[str]] = {}
    with Wardrobe.open(settings) as wardrobe:
        for category, kind, share in MIX:
            for n in range(round(share * n_items / total)):
                colour = tuple(rng.randrange(30, 226) for _ in range(3))
                outcome = wardrobe.ingest_bytes(garment_photo(kind, colour, seed=len(ids) * 1000 + n),
                                                f"{category}-{n}.jpg", category=category)
                if outcome.item_id:
                    ids.setdefault(category, []).append(outcome.item_id)
        for n in range(20):  # a history for the Outfits page
            outfit = wardrobe.save_outfit({"top": rng.choice(ids["top"]),
                                           "bottom": rng.choice(ids["bottom"]),
                                           "shoes": rng.choice(ids["shoes"])}, source="manual")
            if n % 2:
                wardrobe.log_wear(outfit.id)
    (home / "done").write_text("built\n")
    return str(clip), str(rembg)


CPU_ROOTS: list[int] = []  # the server's and chromedriver's process ids
LAST_CPU = [0.0, 0.0]  # CPU seconds the latest `timed` action cost the server, the browser


def cpu_seconds(roots: list[int]) -> float:
    """User + system CPU seconds of the processes under `roots` (them included), from /proc."""
    parent: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        ticks[pid] = int(fields[11]) + int(fields[12])
    total = 0
    for pid, used in ticks.items():
        node = pid
        while node > 1 and node not in roots:
            node = parent.get(node, 0)
        if node in roots:
            total += used
    return total / os.sysconf("SC_CLK_TCK")


def timed(driver, element, condition_js: str, timeout_s: float = 60.0) -> float:
    """Seconds from clicking `element` (None: no click) until `condition_js` holds and the app
    is idle, measured in the page; the CPU it cost goes to LAST_CPU."""
    driver.set_script_timeout(timeout_s + 5)
    cpu_before = [cpu_seconds([root]) for root in CPU_ROOTS]
    elapsed = driver.execute_async_script(f"""
        const el = arguments[0], done = arguments[arguments.length - 1];
        const cond = () => {{ try {{ return ({condition_js}) && {IDLE_JS}; }} catch (e) {{ return false; }} }};
        const t0 = performance.now();
        if (el) el.click();
        (function poll() {{
          if (cond()) return done((performance.now() - t0) / 1000);
          if (performance.now() - t0 > {timeout_s * 1000}) return done(-1);
          setTimeout(poll, 10);
        }})();""", element)
    if elapsed < 0:
        state = driver.execute_script(f"""return [
            (() => {{ try {{ return !!({condition_js}); }} catch (e) {{ return String(e); }} }})(),
            document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state'),
            document.querySelectorAll('[data-stale="true"]').length,
            [...document.images].filter(i => !i.complete).length]""")
        raise TimeoutError(f"not done within {timeout_s}s: {condition_js} "
                           f"(condition, script state, stale elements, images loading: {state})")
    LAST_CPU[:] = [cpu_seconds([root]) - before for root, before in zip(CPU_ROOTS, cpu_before,
                                                                          strict=True)]
    return float(elapsed)


def title_is(text: str) -> str:
    return f"(document.querySelector('h1')?.innerText || '').startsWith({text!r})"


def card_js(index: int) -> str:
    return f"document.querySelector('[class*=\"st-key-outfit-card-{index}\"]')"


def nav_link(driver, title: str):
    from selenium.webdriver.common.by import By

    return next(a for a in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a')
                if a.text.strip().endswith(title))


def first_paint(driver, app) -> dict[str, float]:
    """Launch -> the app's first screen, then -> its navigation, then -> the first page done."""
    server_up = time.monotonic() - app.started
    driver.get(app.url)
    driver.set_script_timeout(120)
    painted = driver.execute_async_script("""
        const done = arguments[arguments.length - 1], t0 = performance.now();
        (function poll() {
          if (document.querySelector('h1')) return done((performance.now() - t0) / 1000);
          setTimeout(poll, 10);
        })();""")
    at_paint = time.monotonic() - app.started
    timed(driver, None, "document.querySelector('[data-testid=\"stSidebarNav\"] a')", 120)
    at_nav = time.monotonic() - app.started
    # a wardrobe with items opens on Today
    timed(driver, None, title_is("Today") + " && document.querySelector('[data-testid=\"stSidebarNav\"] a')", 120)
    return {"server answers (launch -> health ok)": server_up,
            "first paint (launch -> visible)": at_paint,
            "first paint (load -> visible)": float(painted),
            "navigation shown (launch)": at_nav,
            "first page finished (launch -> idle)": time.monotonic() - app.started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--home", type=Path, help="keep (and reuse) the wardrobe here")
    parser.add_argument("--shots", type=Path, help="save screenshots of every page here")
    args = parser.parse_args()
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    work = Path(tempfile.mkdtemp(prefix="w2w-ui-bench-"))
    home = args.home or work / "home"
    models = (args.home.parent if args.home else work) / "models"
    models.mkdir(parents=True, exist_ok=True)
    os.environ["U2NET_HOME"] = str(models)
    started = time.monotonic()
    clip, rembg = build_home(home, models, args.items)
    print(f"wardrobe of {args.items} items ready in {time.monotonic() - started:.0f}s ({home})")
    run_home = work / "run-home"  # a copy: the feedback of one run does not carry into the next
    shutil.copytree(home, run_home)
    env = app_env(run_home, clip, rembg, {"U2NET_HOME": str(models)})
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    problems: list[str] = []
    driver = chrome(work / "profile", 1280, 900)
    driver.get("about:blank")  # the browser is up before the server is launched
    requests = Requests()
    try:
        with serve(env, work / "streamlit.log", start_s=180) as app:
            for name, value in first_paint(driver, app).items():
                times.setdefault(name, []).append(value)
            timed(driver, None, "!document.body.innerText.includes('Loading the photo models')", 120)

            CPU_ROOTS[:] = [app.process.pid, driver.service.process.pid]

            def switch(page: str) -> float:
                return timed(driver, nav_link(driver, page), title_is(PAGES[page]))

            def record(name: str, wall: float) -> None:
                times.setdefault(name, []).append(wall)
                cpu.setdefault(name, []).append(tuple(LAST_CPU))

            for page in ("What goes with this", "Outfits", "Model", "Settings", "Wardrobe", "Today"):
                switch(page)  # warm: each page's first run in this process
            for _ in range(args.repeats):
                for page in ("Outfits", "Model", "Settings", "Wardrobe", "Today",
                             "What goes with this"):
                    record("page switch", switch(page))
                    record(f"page switch: {page}", times["page switch"][-1])
            # suggestions around other anchors, picked by picture
            def picture_picks():
                """The grid's buttons but the piece already picked (the grid opened if closed)."""
                if not driver.find_elements(By.CSS_SELECTOR, '[class*="st-key-anchor-pick-"]'):
                    toggle = next(t for t in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stCheckbox"] label')
                                  if "Choose by picture" in t.text).find_element(By.TAG_NAME, "input")
                    timed(driver, toggle, "document.querySelector('[class*=\"st-key-anchor-pick-\"]')")
                return driver.find_elements(
                    By.CSS_SELECTOR, '[class*="st-key-anchor-pick-"] button[data-testid="stBaseButton-secondary"]')

            count = len(picture_picks())
            for n in random.Random(3).sample(range(count), min(count, args.repeats + 1)):
                for _attempt in range(3):  # the grid may be drawn again between finding and clicking
                    try:
                        button = picture_picks()[n]  # the grid closes after each pick
                        before = driver.execute_script(f"return {card_js(0)}?.innerText || ''")
                        record("suggestions shown", timed(
                            driver, button, f"{card_js(0)} && {card_js(0)}.innerText !== {before!r}"))
                        break
                    except StaleElementReferenceException:
                        continue
            for table in (times, cpu):  # the first: the anchor list's first run
                table["suggestions shown"] = table["suggestions shown"][1:]
            if args.shots:
                args.shots.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(args.shots / "What-goes-with-this-1280.png"))
            for _ in range(args.repeats):
                # each on a card that does not carry the mark yet (a like saves, too)
                for label, mark in (("Like", "Liked"), ("Save", "Saved")):
                    card = driver.execute_script("""
                        const cards = [...document.querySelectorAll('[class*="st-key-outfit-card-"]')];
                        return cards.findIndex(c => !c.innerText.includes('Saved'));""")
                    if card < 0:
                        continue
                    button = driver.find_element(
                        By.CSS_SELECTOR, f'[class*="st-key-{label.lower()}-{card}"] button')
                    record("feedback round trip", timed(
                        driver, button, f"{card_js(card)}.innerText.includes({mark!r})"))
                shown = len(driver.find_elements(By.CSS_SELECTOR, '[class*="st-key-outfit-card-"]'))
                if not shown:
                    break
                last = shown - 1
                before = driver.execute_script(f"return {card_js(last)}.innerText")
                button = driver.find_element(By.CSS_SELECTOR, f'[class*="st-key-dislike-{last}"] button')
                count = "document.querySelectorAll('[class*=\"st-key-outfit-card-\"]').length"
                record("feedback round trip", timed(  # replaced by the next outfit, or just gone
                    driver, button, f"{count} < {shown} || ({card_js(last)} && "
                                    f"{card_js(last)}.innerText !== {before!r})"))
            outside = requests.outside(driver)
            if outside:
                problems.append(f"requests outside this computer: {outside}")
            driver.set_window_size(390, 844)
            extra_h = driver.execute_script("return outerHeight - innerHeight")
            driver.set_window_size(390, 844 + extra_h)  # a 390 x 844 viewport
            for page, title in PAGES.items():
                path = "" if page == "Today" else page.lower().replace(" ", "_")  # Today is "/"
                driver.get(f"{app.url}/{path}")
                timed(driver, None, title_is(title), 120)
                overflow = horizontal_overflow(driver)
                if overflow > 0:
                    problems.append(f"{page} scrolls sideways by {overflow}px at 390px")
                if args.shots:
                    args.shots.mkdir(parents=True, exist_ok=True)
                    driver.save_screenshot(str(args.shots / f"{page.replace(' ', '-')}-390.png"))
            outside = requests.outside(driver)
            if outside and not problems:
                problems.append(f"requests outside this computer: {outside}")
    finally:
        driver.quit()
    print(f"\n{args.items} items, {args.repeats} repeats, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print("| measure | target | median (s) | max (s) | CPU s: server, browser (median) | n |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, values in times.items():
        target = TARGETS.get(name)
        used = (f"{statistics.median(c[0] for c in cpu[name]):.2f}, "
                f"{statistics.median(c[1] for c in cpu[name]):.2f}") if name in cpu else ""
        print(f"| {name} | {f'< {target} s' if target else ''} | {statistics.median(values):.2f} "
              f"| {max(values):.2f} | {used} | {len(values)} |")
    print("\nchecks: " + ("; ".join(problems) if problems else
                          "no request outside 127.0.0.1; no page wider than 390 px"))


if __name__ == "__main__":
    main()
