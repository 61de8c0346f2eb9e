"""A running patchmap app and a headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from playwright.sync_api import Browser, Page, Route

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310  # our local server
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"streamlit did not become healthy in {STARTUP_TIMEOUT_S} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``streamlit run app.py`` on a free port; yield its URL; stop it afterwards."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing on CI (make browser-deps installs it)")
        pytest.skip(f"{CHROMIUM} is not installed")
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent))
    assert streamlit is not None
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603  # fixed arguments, our own app
            [
                streamlit,
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            # A throwaway tasking log and report file: never the user's own.
            env={
                **os.environ,
                "PATCHMAP_DATABASE_URL": f"sqlite:///{log.parent / 'tasking.sqlite'}",
                "PATCHMAP_REPORTS_PATH": str(log.parent / "community_reports.csv"),
            },
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (``playwright install`` is not needed)."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415  # only browser tests need it

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def offline_page(browser: Browser, app_url: str) -> Iterator[tuple[Page, list[str]]]:
    """A page that may only reach the app: every other request is refused and recorded."""
    context = browser.new_context(viewport={"width": 1500, "height": 950})
    page = context.new_page()
    refused: list[str] = []

    def only_local(route: Route) -> None:
        if route.request.url.startswith(app_url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    yield page, refused
    context.close()


# Wait until the map frames' images (raster overlays, the layer control's icon) are decoded and
# painted, so a screenshot never catches a half-drawn control.
_SETTLE_JS = """async () => {
  const urls = [];
  document.querySelectorAll(".leaflet-control-layers-toggle").forEach((el) => {
    const found = getComputedStyle(el).backgroundImage.match(/url\\("?(.*?)"?\\)/);
    if (found) { urls.push(found[1]); }
  });
  document.querySelectorAll("img").forEach((img) => urls.push(img.src));
  await Promise.all(urls.map((url) => {
    const img = new Image();
    img.src = url;
    return img.decode().catch(() => null);
  }));
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""


def _settle_maps(page: Page, *, attempts: int = 3) -> None:
    """
    Wait until every map frame has painted its images.

    A frame can be replaced while it is waited for (a viewport change makes Streamlit draw the
    map again): the wait then starts over on the new frames, a few times at most.
    """
    from playwright.sync_api import Error as PlaywrightError  # noqa: PLC0415 - browser tests only

    for attempt in range(attempts):
        try:
            for frame in page.frames:
                if "streamlit_folium" in frame.url:
                    frame.evaluate(_SETTLE_JS)
        except PlaywrightError as err:
            if "detached" not in str(err) or attempt == attempts - 1:
                raise
            page.wait_for_timeout(500)
        else:
            return


def _save_screenshot(page: Page, name: str, *, docs_copy: str | None = None) -> Path:
    _settle_maps(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs_copy is not None:
        target = ROOT / "docs" / docs_copy
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return path


@pytest.fixture
def save_screenshot() -> Callable[..., Path]:
    """Return ``save(page, name, *, docs_copy=None)``: a full-page shot in ``screenshots/``."""
    return _save_screenshot
