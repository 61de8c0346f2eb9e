from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from boundaries.dataset import load_demo
from hotspots.streets import hot_streets
from layers.streets import street_breaks
from spatial.network import load_network
from tasking.street_beats import gistar_beats

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def test_streets_method_draws_hot_street_lines_offline(
    offline_page: tuple[Page, list[str]], app_url: str, save_screenshot: Callable[..., Path]
) -> None:
    page, refused = offline_page
    demo = load_demo()
    assert demo.network_path is not None
    hot = hot_streets(demo.points, network=load_network(demo.network_path))
    values = hot.lines[hot.value_column]
    n_drawn = int((values >= street_breaks(hot)[0]).sum())

    page.goto(f"{app_url}/hotspots", wait_until="domcontentloaded")
    page.get_by_text("Top hotspots").wait_for(timeout=120_000)
    page.get_by_text("Streets", exact=True).click()
    page.get_by_text("Top streets").wait_for(timeout=120_000)
    page.wait_for_function(f"document.querySelectorAll({MAP_FRAME!r}).length === 1", timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".patchmap-legend").get_by_text("Crimes per km (network KDE)").wait_for(
        timeout=60_000
    )
    paths = frame.locator("path.leaflet-interactive")
    expected = n_drawn + len(demo.wards)
    paths.nth(expected - 1).wait_for(state="attached", timeout=60_000)
    assert paths.count() == expected
    page.set_viewport_size({"width": 1500, "height": 1700})
    save_screenshot(page, "hotspots_streets")
    assert refused == []


def test_eva_page_walks_the_hot_streets_and_offers_the_gpx(
    offline_page: tuple[Page, list[str]], app_url: str, save_screenshot: Callable[..., Path]
) -> None:
    page, refused = offline_page
    page.goto(f"{app_url}/eva_routes", wait_until="domcontentloaded")
    page.get_by_text("Stops visited").first.wait_for(timeout=180_000)
    page.get_by_text("Hot streets (walked end to end)", exact=True).click()
    # the stops table (a canvas grid; its cells are hidden) lists hot streets, not hotspots
    page.wait_for_function(
        "[...document.querySelectorAll('td')].some(td => / crimes\\)$/.test(td.textContent) "
        "&& !td.textContent.startsWith('Hotspot'))",
        timeout=120_000,
    )
    page.wait_for_function(f"document.querySelectorAll({MAP_FRAME!r}).length === 1", timeout=60_000)
    frame = page.frame_locator(MAP_FRAME).first
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=60_000)
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="GPX").first.click()
    gpx = download_info.value.path().read_text(encoding="utf-8")
    assert "<trkpt" in gpx
    assert "crimes)" in gpx  # the hot streets are the waypoints
    assert refused == []
    page.set_viewport_size({"width": 1500, "height": 1700})
    save_screenshot(page, "eva_hot_streets")


def test_streets_method_draws_patrol_beats_and_next_month_compares_streets(
    offline_page: tuple[Page, list[str]], app_url: str, save_screenshot: Callable[..., Path]
) -> None:
    page, refused = offline_page
    demo = load_demo()
    assert demo.network_path is not None
    network = load_network(demo.network_path)
    hot = hot_streets(demo.points, network=network)
    n_drawn = int((hot.lines[hot.value_column] >= street_breaks(hot)[0]).sum())
    beats = gistar_beats(
        hot_streets(demo.points, network=network, method="gistar").lines, network=network
    )
    assert len(beats) >= 1
    page.goto(f"{app_url}/hotspots", wait_until="domcontentloaded")
    page.get_by_text("Top hotspots").wait_for(timeout=120_000)
    page.get_by_text("Cells or streets?").wait_for(timeout=180_000)  # next month, streets beside
    page.get_by_text("Streets", exact=True).click()
    page.get_by_text("Top streets").wait_for(timeout=120_000)
    page.get_by_text("Patrol beats along the hot streets").first.click()
    page.get_by_role("heading", name="Patrol beats along the hot streets").wait_for(timeout=120_000)
    page.wait_for_function(f"document.querySelectorAll({MAP_FRAME!r}).length === 1", timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".patchmap-legend").get_by_text(f"Patrol beat ({len(beats)} in all)").wait_for(
        state="attached", timeout=60_000
    )
    paths = frame.locator("path.leaflet-interactive")
    expected = n_drawn + len(demo.wards) + len(beats)  # one path per beat (a multi-line)
    paths.nth(expected - 1).wait_for(state="attached", timeout=60_000)
    assert paths.count() == expected
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="KML").first.click()
    kml = download_info.value.path().read_text(encoding="utf-8")
    assert "<MultiGeometry>" in kml
    assert "beat_id" in kml
    page.set_viewport_size({"width": 1500, "height": 2400})
    save_screenshot(page, "hotspots_street_beats")
    assert refused == []
