from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def test_near_repeat_page_shows_knox_grid_zones_and_forecast(
    offline_page: tuple[Page, list[str]], app_url: str, save_screenshot: Callable[..., Path]
) -> None:
    page, _refused = offline_page
    page.set_viewport_size({"width": 1500, "height": 1400})
    page.goto(f"{app_url}/near_repeat", wait_until="domcontentloaded")
    verdict = page.get_by_test_id("stAlertContentSuccess")  # the Knox tab's verdict
    verdict.get_by_text("Burglaries within 100 m and 7 days of each other").wait_for(
        timeout=300_000
    )
    assert page.get_by_text("significant after a false-discovery-rate correction").count() == 1
    page.get_by_text("1-100 m", exact=True).wait_for(timeout=60_000)  # the Knox grid
    save_screenshot(page, "near_repeat_knox")

    page.get_by_role("tab", name="Live risk zones").click()
    page.get_by_text("near-repeat zone(s) are live").wait_for(timeout=120_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=60_000)
    assert frame.locator("path.leaflet-interactive").count() >= 2  # zones and their events
    save_screenshot(page, "near_repeat_zones")

    page.get_by_role("tab", name="7-day forecast").click()
    page.get_by_text("weekly origins from").wait_for(timeout=300_000)
    page.get_by_text("Next 7 days from").wait_for(timeout=300_000)
    save_screenshot(page, "near_repeat_forecast")
