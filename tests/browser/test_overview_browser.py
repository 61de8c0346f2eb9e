from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def test_force_overview_from_a_store_draws_every_ward(
    offline_page: tuple[Page, list[str]],
    app_url: str,
    cambridge_dir: Path,
    cambridge_store: Path,
    save_screenshot: Callable[..., Path],
) -> None:
    page, refused = offline_page
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("Crimes shown").wait_for(timeout=120_000)
    page.get_by_text("Store (patchmap ingest)", exact=True).click()
    store_box = page.get_by_label("Store folder (made by patchmap ingest)")
    store_box.fill(str(cambridge_store))
    store_box.press("Enter")
    wards_box = page.get_by_label("Ward boundary file")
    wards_box.fill(str(cambridge_dir / "wards.geojson"))
    wards_box.press("Enter")
    # SOURCES.md: 17,785 located crimes fall inside the 14 Cambridge wards.
    page.get_by_text("17,785 crimes in 14 wards", exact=False).wait_for(timeout=180_000)

    page.get_by_role("link", name="Force overview").click()
    page.get_by_role("heading", name="Force overview").wait_for(timeout=120_000)
    page.get_by_role("link", name="Profile of Market").wait_for(timeout=120_000)
    frame = page.frame_locator(MAP_FRAME)
    wards = frame.locator("path.leaflet-interactive")
    wards.nth(13).wait_for(state="attached", timeout=60_000)
    assert wards.count() == 14
    assert frame.locator(".patchmap-legend").count() == 1
    assert "Crimes" in frame.locator(".patchmap-legend").inner_text()
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in refused), refused
    save_screenshot(page, "overview", docs_copy="overview.png")

    # Untouched, the link opens the ward it names (the busiest, first in the box), not the
    # first by name, and selects it in the sidebar's Wards filter.
    page.get_by_role("link", name="Profile of Market").click()
    page.get_by_role("heading", name="Profile", exact=True).wait_for(timeout=120_000)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text(re.compile(r"^Market, \d{4}-\d\d to ")).wait_for(timeout=60_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_text("Market", exact=True).count() >= 1  # the Wards filter's chip
    assert "ward=" not in page.url  # applied once, then dropped from the address
    save_screenshot(page, "overview_link_profile")
    page.get_by_role("link", name="Force overview").click()
    page.get_by_role("heading", name="Force overview").wait_for(timeout=120_000)
    page.get_by_role("link", name="Profile of Market").wait_for(timeout=120_000)
    wards.nth(13).wait_for(state="attached", timeout=60_000)

    # A click on a ward picks it: the link names it, and opens its profile with the sidebar's
    # data set and filters kept.
    wards.nth(3).click(force=True)
    link = page.get_by_role("link", name=re.compile(r"^Profile of (?!Market$)"))
    link.wait_for(timeout=60_000)
    found = re.search(r"Profile of (.+)$", link.inner_text().strip())  # after the icon's name
    assert found is not None
    ward = found.group(1).strip()
    assert ward in {
        "Abbey",
        "Arbury",
        "Castle",
        "Cherry Hinton",
        "Coleridge",
        "East Chesterton",
        "King's Hedges",
        "Newnham",
        "Petersfield",
        "Queen Edith's",
        "Romsey",
        "Trumpington",
        "West Chesterton",
    }
    link.click()
    page.get_by_role("heading", name="Profile", exact=True).wait_for(timeout=120_000)
    page.get_by_text("17,785 crimes in 14 wards", exact=False).wait_for(timeout=60_000)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text(re.compile(rf"^{re.escape(ward)}, \d{{4}}-\d\d to ")).wait_for(
        timeout=60_000
    )  # the profile's heading line: "<ward>, <first month> to <last month>"
    save_screenshot(page, "overview_profile")
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_text(ward, exact=True).count() >= 1  # the Wards filter's chip
