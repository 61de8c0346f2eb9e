from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from layers.pdf import DEFAULT_CHROMIUM, html_to_pdf
from spatial.errors import PatchmapError

if TYPE_CHECKING:
    from collections.abc import Callable


def _need_chromium() -> None:
    if not Path(DEFAULT_CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{DEFAULT_CHROMIUM} is missing on CI")
        pytest.skip("Chromium is not installed")


def test_pdf_prints_while_an_event_loop_runs_in_the_thread(
    pdf_text: Callable[[bytes], str],
) -> None:
    """As in a notebook kernel, or beside the browser tests' Playwright session."""
    _need_chromium()
    html = "<html><body><h1>Fenbridge EVA</h1><p>Stop 1: Park gate &amp; garages</p></body></html>"

    async def inside_a_loop() -> bytes:
        return html_to_pdf(html)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pdf = asyncio.run(inside_a_loop())
    else:  # already inside one (another sync Playwright session in this process)
        pdf = html_to_pdf(html)
    assert pdf_text(pdf) == "Fenbridge EVA Stop 1: Park gate & garages"


def test_missing_chromium_is_explained(tmp_path: Path) -> None:
    with pytest.raises(PatchmapError, match="apt-get install chromium"):
        html_to_pdf("<p>x</p>", chromium_path=tmp_path / "no-chromium")
