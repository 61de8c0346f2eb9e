from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def test_eva_page_draws_the_loop_offline_and_offers_the_gpx(
    offline_page: tuple[Page, list[str]], app_url: str, save_screenshot: Callable[..., Path]
) -> None:
    page, refused = offline_page
    page.goto(f"{app_url}/eva_routes", wait_until="domcontentloaded")
    page.get_by_text("Stops visited").first.wait_for(timeout=180_000)
    frame = page.frame_locator(MAP_FRAME).first
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=60_000)
    assert frame.locator("path.leaflet-interactive").count() > 1  # wards, route and stops
    assert frame.locator(".leaflet-tile").count() == 0  # the demo draws its own streets
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="GPX").first.click()
    gpx = download_info.value.path().read_text(encoding="utf-8")
    assert "<gpx" in gpx
    assert "<trkpt" in gpx
    assert "<wpt" in gpx
    assert refused == []
    page.get_by_text("Stops visited").first.scroll_into_view_if_needed()
    save_screenshot(page, "eva_routes")
