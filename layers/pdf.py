"""
HTML to PDF with Chromium's own print engine, driven by Playwright.

Chromium prints exactly what the browser shows (SVG maps, tables, page breaks from CSS), so the
route sheet and briefing pages need no second layout engine. Debian's ``/usr/bin/chromium`` is
used; Playwright's own browser download is not needed.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final

from spatial.errors import PatchmapError

__all__ = ["CHROMIUM_ARGS", "CHROMIUM_PATH_ENV", "DEFAULT_CHROMIUM", "html_to_pdf"]

DEFAULT_CHROMIUM: Final = "/usr/bin/chromium"
"""Where Debian installs Chromium."""
CHROMIUM_PATH_ENV: Final = "PATCHMAP_CHROMIUM"
"""Environment variable naming another Chromium executable."""
CHROMIUM_ARGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
)
"""Flags Chromium is started with."""
DEFAULT_TIMEOUT_S: Final = 60.0
"""Longest wait for the page to render and print."""


def html_to_pdf(
    html: str,
    *,
    chromium_path: str | Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> bytes:
    """
    Print an HTML document to PDF (A4, backgrounds printed).

    Parameters
    ----------
    html
        A complete HTML document; it should not load anything from the network.
    chromium_path
        The Chromium executable; ``$PATCHMAP_CHROMIUM`` or :data:`DEFAULT_CHROMIUM` when None.
    timeout_s
        Longest wait for rendering and printing.

    Returns
    -------
    bytes
        The PDF file.

    Raises
    ------
    PatchmapError
        When Playwright (the ``pdf`` extra) or Chromium is not installed, or Chromium cannot
        print the page.
    """
    _require_playwright()
    executable = Path(chromium_path or os.environ.get(CHROMIUM_PATH_ENV) or DEFAULT_CHROMIUM)
    if not executable.is_file():
        msg = (
            f"PDF export needs Chromium, which was not found at {executable}. Install it "
            "(Debian/Ubuntu: apt-get install chromium) or set PATCHMAP_CHROMIUM to its path; "
            "the HTML route sheet can still be printed from any browser."
        )
        raise PatchmapError(msg)
    # Playwright's sync API refuses to run in a thread whose asyncio loop is running (a
    # notebook kernel, or another sync Playwright session); print in a fresh thread then.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _print(html, executable, timeout_s)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print, html, executable, timeout_s).result()


def _require_playwright() -> None:
    """Raise a PatchmapError saying what to install when Playwright is missing."""
    try:
        import playwright.sync_api  # noqa: F401, PLC0415 - an optional dependency
    except ImportError as err:
        msg = (
            "PDF printing needs Playwright, an optional part of patchmap that is not installed: "
            "pip install 'patchmap[pdf]' (and Chromium). The HTML version can be printed from "
            "any browser."
        )
        raise PatchmapError(msg) from err


def _print(html: str, executable: Path, timeout_s: float) -> bytes:
    from playwright.sync_api import Error as PlaywrightError  # noqa: PLC0415  # only for PDFs
    from playwright.sync_api import sync_playwright  # noqa: PLC0415  # only for PDFs

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(executable), args=list(CHROMIUM_ARGS), headless=True
            )
            try:
                page = browser.new_page()
                page.set_default_timeout(timeout_s * 1000)
                page.set_content(html, wait_until="load")
                return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            finally:
                browser.close()
    except PlaywrightError as err:
        msg = f"Chromium could not print the page to PDF ({err}). Print the HTML instead."
        raise PatchmapError(msg) from err
