from __future__ import annotations

import json
import unicodedata
import zipfile
from typing import TYPE_CHECKING

import pyogrio
import pytest
import rasterio
from pypdf import PdfReader

from tests.browser._exports import TIMEOUT_MS, download, open_exports

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

FORMAT_BUTTONS = (
    "GeoPackage (QGIS, ArcGIS)",
    "KML (Google Earth)",
    "GeoTIFF density raster",
    "GeoJSON (web maps)",
    "CSV tables (spreadsheets)",
    "Everything (zip)",
)


def test_exports_page_downloads_each_file(
    offline_page: tuple[Page, list[str]],
    app_url: str,
    save_screenshot: Callable[..., Path],
    tmp_path: Path,
) -> None:
    page, refused = offline_page
    open_exports(page, app_url)
    files = {label: download(page, label, tmp_path) for label in FORMAT_BUTTONS}

    gpkg = files["GeoPackage (QGIS, ArcGIS)"]
    # The audience, the area and the period in the name (demo town: every ward, every month).
    assert gpkg.name == "patchmap_partner_all_wards_2024-10_to_2025-09.gpkg"
    layers = [name for name, _ in pyogrio.list_layers(gpkg)]
    assert layers == ["hotspots", "clusters", "sites"]
    hot = pyogrio.read_dataframe(gpkg, layer="hotspots")
    assert hot.crs.to_epsg() == 27700
    assert "gi_z" not in hot.columns  # the partner allow-list
    shown = hot["n_crimes"].dropna()
    assert (shown >= 5).all()
    assert pyogrio.list_layers(files["KML (Google Earth)"])[0][0] == "hotspots"
    with rasterio.open(files["GeoTIFF density raster"]) as src:
        assert src.crs.to_epsg() == 27700
        assert src.units == ("crimes per km2",)
    with zipfile.ZipFile(files["GeoJSON (web maps)"]) as archive:
        assert {"hotspots.geojson", "clusters.geojson", "metadata.json"} <= set(archive.namelist())
        meta = json.loads(archive.read("metadata.json"))
    assert meta["audience"] == "partner"
    assert meta["min_count"] == 5
    with zipfile.ZipFile(files["CSV tables (spreadsheets)"]) as archive:
        assert "hotspots.csv" in archive.namelist()
    with zipfile.ZipFile(files["Everything (zip)"]) as archive:
        assert "patchmap_partner.gpkg" in archive.namelist()
    save_screenshot(page, "exports")

    page.get_by_role("tab", name="Briefing pack").click()
    page.get_by_role("button", name="Build the briefing pack").click()
    pdf = download(page, "Briefing pack (PDF)", tmp_path)
    html = download(page, "Briefing pack (HTML)", tmp_path)
    assert pdf.name.startswith("briefing_partner_")  # a police pack would not overwrite it
    assert html.name == pdf.name.replace(".pdf", ".html")
    text = unicodedata.normalize("NFKC", " ".join(p.extract_text() for p in PdfReader(pdf).pages))
    assert "Briefing pack:" in text
    assert "Crimes and ASB in the period" in text
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    page.get_by_text("Sections: Cover, Map, Profile").wait_for(timeout=TIMEOUT_MS)
    save_screenshot(page, "exports_briefing")
    assert refused == []
