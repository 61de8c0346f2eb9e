from __future__ import annotations

import os
from pathlib import Path

import pytest

from layers.pdf import DEFAULT_CHROMIUM, html_to_pdf
from spatial.errors import PatchmapError


def _need_chromium() -> None:
    if not Path(DEFAULT_CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{DEFAULT_CHROMIUM} is missing on CI")
        pytest.skip("Chromium is not installed")


def test_pdf_prints_inside_a_running_playwright_session() -> None:
    """A sync Playwright session already running in this thread (as in the browser tests)."""
    _need_chromium()
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only this test needs it

    with sync_playwright():
        pdf = html_to_pdf("<html><body><h1>Fenbridge EVA</h1></body></html>")
    assert pdf.startswith(b"%PDF-")
    assert b"%%EOF" in pdf[-1024:]


def test_missing_chromium_is_explained(tmp_path: Path) -> None:
    with pytest.raises(PatchmapError, match="apt-get install chromium"):
        html_to_pdf("<p>x</p>", chromium_path=tmp_path / "no-chromium")
