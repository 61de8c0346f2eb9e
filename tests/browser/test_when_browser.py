from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from spatial.demo import demo_incidents

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import Browser, Page, Route

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


def test_the_chart_file_shows_offline_as_a_picture_and_a_table(
    browser: Browser, tmp_path: Path
) -> None:
    """`when --out chart.html` on a network that blocks Vega's CDN: the picture and table."""
    from patchmap.cli import main  # noqa: PLC0415

    assert main(["when", "--demo", "--out", str(tmp_path / "chart.html")]) == 0
    context = browser.new_context()
    refused: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    page.goto((tmp_path / "chart.html").as_uri(), wait_until="load")
    assert any("cdn.jsdelivr.net" in url for url in refused)  # the interactive chart's Vega
    assert page.locator("#offline").is_visible()
    width = page.locator("#offline img").evaluate("img => img.naturalWidth")
    assert width > 600  # the PNG, decoded
    assert page.locator("#offline table tbody tr").count() == 7
    context.close()
