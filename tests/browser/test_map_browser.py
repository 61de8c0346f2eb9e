from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from boundaries.dataset import load_demo
from hotspots.tables import snap_point_counts

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def test_map_page_draws_every_layer_offline(
    offline_page: tuple[Page, list[str]], app_url: str, save_screenshot: Callable[..., Path]
) -> None:
    page, refused = offline_page
    demo = load_demo()
    n_points = len(snap_point_counts(demo.points))
    n_sites = 0 if demo.sites is None else len(demo.sites)
    expected_paths = n_points + len(demo.wards) + n_sites

    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("Crimes shown").wait_for(timeout=120_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    interactive = frame.locator("path.leaflet-interactive")
    interactive.nth(expected_paths - 1).wait_for(state="attached", timeout=60_000)

    assert interactive.count() == expected_paths
    assert frame.locator(".patchmap-ward-label").count() == len(demo.wards)
    assert frame.locator(".patchmap-legend").count() == 1
    assert frame.locator(".leaflet-tile").count() == 0  # the demo draws its streets, not tiles
    labels = frame.locator(".patchmap-ward-label").all_inner_texts()
    assert sorted(labels) == sorted(demo.ward_names)
    assert refused == []  # Leaflet and everything else came from the app itself

    page.get_by_text("Crimes shown").scroll_into_view_if_needed()
    save_screenshot(page, "map", docs_copy="map.png")


def test_real_data_map_needs_the_internet_only_for_tiles(
    offline_page: tuple[Page, list[str]],
    app_url: str,
    cambridge_dir: Path,
    save_screenshot: Callable[..., Path],
) -> None:
    page, refused = offline_page
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("Crimes shown").wait_for(timeout=120_000)
    page.get_by_text("Folder on this computer", exact=True).click()
    crimes_box = page.get_by_label("Crime CSVs: a file, folder or .zip")
    crimes_box.fill(str(cambridge_dir / "crimes"))
    crimes_box.press("Enter")
    wards_box = page.get_by_label("Ward boundary file")
    wards_box.fill(str(cambridge_dir / "wards.geojson"))
    wards_box.press("Enter")
    # SOURCES.md: 17,785 located crimes fall inside the 14 Cambridge wards.
    page.get_by_test_id("stMetricValue").get_by_text("17,785", exact=True).wait_for(timeout=180_000)
    page.wait_for_function(f"document.querySelectorAll({MAP_FRAME!r}).length === 1", timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".patchmap-ward-label").nth(13).wait_for(state="attached", timeout=60_000)
    assert frame.locator(".patchmap-ward-label").count() == 14
    assert frame.locator("path.leaflet-interactive").count() > 1_000
    assert "Market" in frame.locator(".patchmap-ward-label").all_inner_texts()
    assert refused, "the OpenStreetMap tiles should have been asked for"
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in refused), refused
    save_screenshot(page, "map_cambridge")


def test_the_map_pages_own_name_opens_the_map_page(
    offline_page: tuple[Page, list[str]], app_url: str
) -> None:
    # /map is what a user bookmarks or types by analogy with /hotspots: no "page not found"
    page, _ = offline_page
    page.goto(f"{app_url}/map", wait_until="domcontentloaded")
    page.get_by_text("Crimes shown").wait_for(timeout=120_000)
    page.frame_locator(MAP_FRAME).locator(".leaflet-container").wait_for(timeout=60_000)
    assert page.get_by_text("Page not found").count() == 0
    assert page.url.rstrip("/") == app_url.rstrip("/")  # the Map page's address: the app's own
