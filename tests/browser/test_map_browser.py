from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from boundaries.dataset import load_demo
from layers.map import snap_point_counts

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
