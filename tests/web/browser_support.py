"""What the browser tests stand on: the real app served by uvicorn on a loopback port in a background
thread, Debian's Chromium launched through Playwright (or the reason it cannot be), a clock moved to
a chosen day, and small whole-page screenshots for docs/screenshots."""

from __future__ import annotations

import io
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from PIL import Image  # Pillow comes with WeasyPrint
from playwright.sync_api import Browser, Page, Playwright, ViewportSize
from playwright.sync_api import Error as PlaywrightError

from inwriting.app.context import App
from inwriting.web.app import create_app
from tests.conftest import StepClock

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MAX_SHOT_HEIGHT = 2000  # px: a long page is cut here, to keep the PNGs small
SHOT_COLOURS = 128
START_TIMEOUT = 15.0  # s for the server to answer


def launch(playwright: Playwright) -> tuple[Browser | None, str]:
    """Debian's Chromium, headless; or None and why it cannot be had (the tests then skip)."""
    if not CHROMIUM.exists():
        return None, f"no Chromium at {CHROMIUM} (apt-get install -y --no-install-recommends chromium)"
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, f"Chromium at {CHROMIUM} cannot start: {first[:200]}"
    return browser, ""


class LiveServer:
    """`create_app(app)` under uvicorn on 127.0.0.1 (a port the system picks), in a daemon thread."""

    def __init__(self, app: App) -> None:
        config = uvicorn.Config(
            create_app(app), host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="inwriting-live-server", daemon=True)
        self.url = ""

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web server did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        while True:  # started means listening; wait until a page actually answers
            try:
                with urllib.request.urlopen(f"{self.url}/login", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the web server at {self.url} does not answer")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def set_today(app: App, day: str) -> None:
    """Move the app's clock to noon UTC on `day` (still one second further per reading)."""
    clock = StepClock()
    clock.moment = datetime.fromisoformat(f"{day}T12:00:00+00:00").astimezone(UTC)
    app.clock = clock


def shoot(page: Page, name: str) -> Path:
    """The page as `docs/screenshots/<name>.png`: from its top, at the viewport's width, as long as
    the page but at most MAX_SHOT_HEIGHT pixels.

    The viewport is stretched for the shot and put back, rather than taking a `full_page` shot:
    with Debian's Chromium 156 and Playwright 1.65, a click after a full-page shot was lost (the form
    was not sent)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    height = min(int(page.evaluate("document.documentElement.scrollHeight")), MAX_SHOT_HEIGHT)
    path = SHOTS / f"{name}.png"
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(height, VIEWPORT["height"])})
    try:
        shot = page.screenshot(animations="disabled", caret="hide")
    finally:
        page.set_viewport_size(VIEWPORT)
    # A page of text and flat colours loses nothing visible in a palette, and the file shrinks ~2.5x.
    with Image.open(io.BytesIO(shot)) as image:
        image.quantize(SHOT_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(path)
    return path
