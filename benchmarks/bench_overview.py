"""
Force overview benchmark: the app's overview page to a drawn map on a 1M-row store.

The 1M-row force is generated from the 13 real Cambridgeshire months as in
:mod:`benchmarks.bench_store` (144 months, Crime IDs made unique; never committed) and ingested
into a temporary store. The app runs with ``streamlit run app.py``; Debian's headless Chromium,
driven by Playwright, picks the data set in the sidebar as a user would, then opens the Force
overview. A figure is the wall time from the click on "Force overview" (once the Map page has
finished drawing) until the 14 ward polygons and the legend are in the map's page (tile
requests are refused: the machine is offline, so polygons, not tiles, mark "drawn").

The peer is the same page on the same rows loaded from the CSV files (the Folder choice): the
only way to see a force before the store existed.

Run: ``.venv/bin/python -m benchmarks.bench_overview`` (about 5 minutes; needs Chromium).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Final

from benchmarks.bench_store import WARDS, write_force

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Page

ROOT: Final = Path(__file__).resolve().parents[1]
CHROMIUM: Final = "/usr/bin/chromium"
MAP_FRAME: Final = 'iframe[title="streamlit_folium.st_folium"]'
N_WARDS: Final = 14
REPEATS: Final = 3
TIMEOUT_MS: Final = 600_000


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_app(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent))
    if streamlit is None:
        msg = "streamlit is not installed in this environment"
        raise SystemExit(msg)
    env = {
        **os.environ,
        "PATCHMAP_DATABASE_URL": f"sqlite:///{tmp / 'tasking.sqlite'}",
        "XDG_CACHE_HOME": str(tmp / "cache"),  # the Folder choice's GeoParquet cache: cold
    }
    log = (tmp / "streamlit.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own app, fixed arguments
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
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):  # noqa: S310 - local
                return process, url
        except OSError:
            time.sleep(0.25)
    process.terminate()
    msg = f"the app did not start; see {tmp / 'streamlit.log'}"
    raise SystemExit(msg)


def _fill(page: Page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")


def _choose(page: Page, choice: str, fields: dict[str, str], *, gone: str | None = None) -> float:
    """
    Pick a data set in the sidebar; return seconds until the sidebar reports its crimes.

    ``gone`` is an input label of the previous choice, which must leave the page first.
    """
    page.get_by_role("link", name="Map", exact=True).click()
    page.get_by_text("Crimes shown").wait_for(timeout=TIMEOUT_MS)
    start = time.perf_counter()
    page.get_by_text(choice, exact=True).click()
    if gone is not None:  # the previous choice's inputs leave the sidebar first
        page.get_by_label(gone, exact=True).wait_for(state="detached", timeout=TIMEOUT_MS)
    for label, value in fields.items():
        _fill(page, label, value)
    if gone is not None:  # the previous data set's sidebar line must be replaced first
        page.get_by_text("elsewhere in the store", exact=False).wait_for(
            state="detached", timeout=TIMEOUT_MS
        )
    page.get_by_text(f"crimes in {N_WARDS} wards", exact=False).wait_for(timeout=TIMEOUT_MS)
    elapsed = time.perf_counter() - start
    _idle(page)
    return elapsed


def _idle(page: Page) -> None:
    """Wait until the app has finished its run (Streamlit's "Running" indicator is gone)."""
    page.wait_for_timeout(500)
    page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=TIMEOUT_MS)


def _open_overview(page: Page) -> float:
    """Click "Force overview"; return seconds until every ward and the legend are drawn."""
    page.get_by_role("link", name="Map", exact=True).click()
    page.get_by_text("Crimes shown").wait_for(timeout=TIMEOUT_MS)
    page.frame_locator(MAP_FRAME).locator("path.leaflet-interactive").first.wait_for(
        state="attached", timeout=TIMEOUT_MS
    )
    _idle(page)  # the Map page is drawn: the user now clicks "Force overview"
    start = time.perf_counter()
    page.get_by_role("link", name="Force overview").click()
    page.get_by_role("heading", name="Force overview").wait_for(timeout=TIMEOUT_MS)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator("path.leaflet-interactive").nth(N_WARDS - 1).wait_for(
        state="attached", timeout=TIMEOUT_MS
    )
    frame.locator(".patchmap-legend").wait_for(state="attached", timeout=TIMEOUT_MS)
    return time.perf_counter() - start


def _timings(page: Page) -> tuple[float, float]:
    """First open (nothing cached) and best of ``REPEATS`` opens afterwards (cached)."""
    first = _open_overview(page)
    again = min(_open_overview(page) for _ in range(REPEATS))
    return first, again


def _browser_page() -> Iterator[Page]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only this benchmark

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 1500, "height": 950})
        page = context.new_page()
        page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith("http://127.0.0.1")
                else route.abort()
            ),
        )
        yield page
        browser.close()


def main() -> None:
    """Print the overview table in markdown."""
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: skipped (make system-deps installs it).")
        return
    from spatial.store import ingest  # noqa: PLC0415 - heavy

    with tempfile.TemporaryDirectory(prefix="bench-overview-") as name:
        tmp = Path(name)
        csvs, store = tmp / "force-csv", tmp / "force-store"
        n_rows = write_force(csvs)
        start = time.perf_counter()
        ingest([csvs], store_dir=store)
        ingest_s = time.perf_counter() - start
        process, url = _start_app(tmp)
        try:
            for page in _browser_page():
                page.goto(url, wait_until="domcontentloaded")
                page.get_by_text("Crimes shown").wait_for(timeout=TIMEOUT_MS)
                store_choice = _choose(
                    page,
                    "Store (patchmap ingest)",
                    {
                        "Store folder (made by patchmap ingest)": str(store),
                        "Ward boundary file": str(WARDS),
                    },
                )
                store_first, store_again = _timings(page)
                print(
                    f"store: choice {store_choice:.2f} s, overview {store_first:.2f} s, "
                    f"cached {store_again:.2f} s",
                    flush=True,
                )
                csv_choice = _choose(
                    page,
                    "Folder on this computer",
                    {
                        "Crime CSVs: a file, folder or .zip": str(csvs),
                        "Ward boundary file": str(WARDS),
                    },
                    gone="Store folder (made by patchmap ingest)",
                )
                csv_first, csv_again = _timings(page)
        finally:
            process.terminate()
            process.wait(timeout=30)
    rows = [
        ("Force overview to a drawn map, first open", store_first, csv_first),
        (f"Force overview again (cached), best of {REPEATS}", store_again, csv_again),
        ("choosing the data set until its crimes are counted", store_choice, csv_choice),
    ]
    print(f"\nOne force, {n_rows:,} rows; ingest {ingest_s:.1f} s (in process).\n")
    print("| what | store, s | CSV folder (peer), s | peer / store |")
    print("|---|---:|---:|---:|")
    for label, from_store, from_csv in rows:
        print(f"| {label} | {from_store:.2f} | {from_csv:.2f} | {from_csv / from_store:.1f}x |")


if __name__ == "__main__":
    main()
