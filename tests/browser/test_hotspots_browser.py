from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from boundaries.dataset import load_demo
from hotspots.clusters import dbscan_clusters
from hotspots.gistar import gi_star
from spatial.grid import count_points, make_grid

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def test_hotspots_page_draws_density_and_gistar_offline(
    offline_page: tuple[Page, list[str]], app_url: str, save_screenshot: Callable[..., Path]
) -> None:
    page, refused = offline_page
    demo = load_demo()
    grid = make_grid(demo.wards)
    result = gi_star(count_points(demo.points, grid), grid=grid)
    n_significant = int((result.cells["gi_bin"] != 0).sum())

    page.goto(f"{app_url}/hotspots", wait_until="domcontentloaded")
    page.get_by_text("Top hotspots").wait_for(timeout=120_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator("img.leaflet-image-layer").wait_for(timeout=60_000)
    assert frame.locator("img.leaflet-image-layer").count() == 1
    assert "crimes per km²" in frame.locator(".patchmap-legend").inner_text()
    page.set_viewport_size({"width": 1500, "height": 1600})
    save_screenshot(page, "hotspots_density")

    page.get_by_text("Gi* hot spots", exact=True).click()
    page.get_by_text("Gi* convention used").wait_for(timeout=120_000)
    # The density map's frame is replaced by the Gi* one: wait until only one is left.
    page.wait_for_function(f"document.querySelectorAll({MAP_FRAME!r}).length === 1", timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    expected_paths = n_significant + len(demo.wards)
    paths = frame.locator("path.leaflet-interactive")
    paths.nth(expected_paths - 1).wait_for(state="attached", timeout=60_000)
    assert paths.count() == expected_paths
    assert frame.locator("img.leaflet-image-layer").count() == 0
    assert "Hot 99%" in frame.locator(".patchmap-legend").inner_text()
    save_screenshot(page, "hotspots_gistar", docs_copy="hotspots.png")

    n_clusters = len(dbscan_clusters(demo.points).clusters)
    page.get_by_text("Clusters", exact=True).click()
    page.get_by_text("DBSCAN on the").wait_for(timeout=120_000)
    page.wait_for_function(f"document.querySelectorAll({MAP_FRAME!r}).length === 1", timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    paths = frame.locator("path.leaflet-interactive")
    paths.nth(n_clusters + len(demo.wards) - 1).wait_for(state="attached", timeout=60_000)
    assert paths.count() == n_clusters + len(demo.wards)
    save_screenshot(page, "hotspots_clusters")

    page.get_by_text("Emerging hot spots", exact=True).click()
    page.get_by_text("Mann-Kendall; cells are named").wait_for(timeout=120_000)
    page.wait_for_function(f"document.querySelectorAll({MAP_FRAME!r}).length === 1", timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".patchmap-legend").get_by_text("Persistent Hot Spot").wait_for(timeout=60_000)
    save_screenshot(page, "hotspots_emerging")
    assert refused == []
