from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from spatial.demo import demo_incidents

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def test_when_page_shows_heat_chart_windows_and_map(
    offline_page: tuple[Page, list[str]], app_url: str, save_screenshot: Callable[..., Path]
) -> None:
    page, refused = offline_page
    n_events = demo_incidents().report.n_events

    page.goto(f"{app_url}/when", wait_until="domcontentloaded")
    page.get_by_text("Patrol windows").first.wait_for(timeout=180_000)
    page.get_by_text(f"{n_events:,}", exact=True).first.wait_for(timeout=60_000)
    # The hour-of-week heat chart and the chart by month render as Vega canvases or SVGs.
    page.locator(".vega-embed").nth(1).wait_for(timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").wait_for(timeout=120_000)
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=60_000)
    assert page.get_by_text("Where the patrol windows apply").count() == 1
    assert refused == []
    save_screenshot(page, "when", docs_copy="when.png")
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    save_screenshot(page, "when_map")
