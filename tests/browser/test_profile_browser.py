from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from boundaries.dataset import load_demo
from tasking.profile import build_profile

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def test_profile_page_shows_numbers_chart_and_patrol_areas(
    offline_page: tuple[Page, list[str]], app_url: str, save_screenshot: Callable[..., Path]
) -> None:
    page, refused = offline_page
    demo = load_demo()
    first = demo.neighbourhood_names[0]
    expected = build_profile(demo, neighbourhood=first, months=("2025-07", "2025-09"))

    page.goto(f"{app_url}/profile", wait_until="domcontentloaded")
    page.get_by_text("Crimes and ASB").first.wait_for(timeout=120_000)
    page.get_by_text(f"{expected.n_crimes:,}", exact=True).first.wait_for(timeout=60_000)
    # The Altair chart of the monthly series renders as a Vega canvas or SVG.
    page.locator(".vega-embed").first.wait_for(timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=60_000)
    assert frame.locator(".patchmap-legend").count() == 1
    assert page.get_by_text("Problems for joint patrol tasking").count() == 1
    assert refused == []
    save_screenshot(page, "profile")
    # the ranked problems' patrol areas, as `patchmap problems --out` writes them (police only)
    download = page.get_by_role("button", name="Patrol areas: GeoPackage (QGIS; police)")
    download.scroll_into_view_if_needed(timeout=60_000)
    assert page.get_by_role("button", name="Patrol areas: GeoJSON (web maps; police)").count() == 1
    assert page.get_by_text("Police only: the patrol areas").count() == 1
    save_screenshot(page, "profile_problem_files")


def test_tables_offer_no_download_of_their_own(
    offline_page: tuple[Page, list[str]], app_url: str
) -> None:
    """Every file goes through the Exports page's audience rules: tables' own CSV is off."""
    page, _ = offline_page
    page.goto(f"{app_url}/profile", wait_until="domcontentloaded")
    table = page.get_by_test_id("stDataFrame").first
    table.wait_for(timeout=120_000)
    table.scroll_into_view_if_needed(timeout=60_000)
    table.hover()
    # the table's toolbar is shown (its search), without Streamlit's "Download as CSV"
    page.get_by_role("button", name="Search").first.wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Download as CSV").count() == 0
