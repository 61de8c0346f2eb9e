"""Partner layers and packs of the demo extract, made on the Exports page in a browser."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import TYPE_CHECKING

import pandas as pd
import pyogrio
import pytest
from pypdf import PdfReader

from patchmap.cli import main
from spatial.demo import NEAR_REPEAT_CHAIN
from tests._demo_extract import demo_extract_options
from tests.browser._exports import TIMEOUT_MS, download, open_extract_exports

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

WARD = NEAR_REPEAT_CHAIN.ward
NIGHTS = "Fri 22-03,Sat 22-03"  # --hours's own example
NO_FILES = "No files until the hours of the week above can be read."
MADE_AT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


def _pdf_text(path: Path) -> str:
    text = " ".join(p.extract_text() for p in PdfReader(path).pages)
    return MADE_AT.sub("(made at)", unicodedata.normalize("NFKC", text))


def test_a_partner_pack_from_the_demo_extract(
    offline_page: tuple[Page, list[str]],
    app_url: str,
    save_screenshot: Callable[..., Path],
    demo_extract_file: Path,
    tmp_path: Path,
) -> None:
    page, refused = offline_page
    open_extract_exports(page, app_url)
    sidebar = page.get_by_test_id("stSidebar")
    assert sidebar.get_by_text("Timed crimes").count() == 1  # the extract's inputs, as on When
    page.get_by_text("The density layer of a force extract is not shared").wait_for()
    page.get_by_role("button", name="GeoPackage (QGIS, ArcGIS)").wait_for(timeout=TIMEOUT_MS)
    save_screenshot(page, "exports_extract")

    page.get_by_role("tab", name="Briefing pack").click()
    page.get_by_test_id("stSelectbox").filter(has_text="Ward or neighbourhood").click()
    page.get_by_role("option", name=WARD, exact=True).click()
    page.get_by_text("Crime types come from the extract's boxes above").wait_for()
    page.get_by_role("button", name="Build the briefing pack").click()
    page.get_by_text("Near repeats.").wait_for(timeout=TIMEOUT_MS)  # the last section named
    pdf = download(page, "Briefing pack (PDF)", tmp_path)
    html = download(page, "Briefing pack (HTML)", tmp_path)
    assert re.fullmatch(rf"briefing_partner_extract_{WARD}_\d{{4}}-\d{{2}}-\d{{2}}\.pdf", pdf.name)
    meeting = pdf.stem.rsplit("_", 1)[1]
    assert html.name == pdf.name.replace(".pdf", ".html")
    page.get_by_text("Sections: Cover, Map, Profile").scroll_into_view_if_needed()
    page.locator("img").last.wait_for()
    save_screenshot(page, "exports_extract_pack")

    # The command's pack of the same extract, place, meeting and audience: the same words.
    place = ["--ward", WARD, "--meeting", meeting, "--audience", "partner"]
    cli = tmp_path / "cli.pdf"
    options = demo_extract_options(demo_extract_file)
    assert main(["brief", *options, *place, "--out", str(cli)]) == 0
    text = _pdf_text(pdf)
    assert text == _pdf_text(cli)
    assert f"Briefing pack: {WARD}" in text
    assert "Near repeats" in text
    # partners see no crime reference and no time of any crime (only the pack's own minute)
    assert not re.search(r"FB/\d{6}/\d{2}", text)
    assert not re.search(r"\d{2}:\d{2}", text.replace("(made at)", ""))
    assert refused == []


def test_hours_of_the_week_on_the_demo_extract(
    offline_page: tuple[Page, list[str]],
    app_url: str,
    save_screenshot: Callable[..., Path],
    demo_extract_file: Path,
    tmp_path: Path,
) -> None:
    """The box keeps the crimes of those hours, as --hours; what it cannot read, it says."""
    page, refused = offline_page
    open_extract_exports(page, app_url)
    page.get_by_test_id("stRadio").filter(has_text="Audience").get_by_text("Public").click()
    page.get_by_text("Public: ward totals").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Also a zipped Shapefile").click()
    page.get_by_role("button", name="Shapefile (zipped)").wait_for(timeout=TIMEOUT_MS)
    box = page.get_by_label("Hours of the week", exact=True)
    box.fill("Friday night")
    box.press("Enter")
    alert = page.get_by_test_id("stAlertContentError")
    alert.wait_for(timeout=TIMEOUT_MS)
    assert alert.inner_text() == (
        "--hours (app: Hours of the week): cannot read 'Friday night'. Write blocks like "
        "'Fri 22-03' or 'Mon-Fri 09-17', separated by commas (days Mon..Sun, hours 0-24)."
    )
    page.get_by_text(NO_FILES).first.wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_role("button", name="GeoPackage (QGIS, ArcGIS)").count() == 0
    save_screenshot(page, "exports_extract_hours_refused")
    box = page.get_by_label("Hours of the week", exact=True)
    box.fill(NIGHTS)
    box.press("Enter")
    page.get_by_text(f"Only crimes in the hours {NIGHTS}").wait_for(timeout=TIMEOUT_MS)
    gpkg = download(page, "GeoPackage (QGIS, ArcGIS)", tmp_path)
    stem = "patchmap_public_extract_all_wards_2024-10_to_2025-09_Fri_22-03_Sat_22-03"
    assert gpkg.name == f"{stem}.gpkg"
    assert page.get_by_test_id("stAlertContentError").count() == 0
    # the run's last element (in the pack's tab, not shown) drawn: no widget is mid-render
    build = page.get_by_role("button", name="Build the briefing pack", include_hidden=True)
    build.wait_for(state="attached")
    # the boxes show the choices the files were made with, as before the refusal
    assert page.get_by_role("radio", name="Public").is_checked()
    assert page.get_by_role("checkbox", name="Also a zipped Shapefile").is_checked()
    assert page.get_by_label("Suppress counts below", exact=True).input_value() == "10"
    assert page.get_by_text("6 downloads for the public audience").count() == 1
    page.get_by_label("Hours of the week", exact=True).scroll_into_view_if_needed()
    save_screenshot(page, "exports_extract_hours")

    out = tmp_path / "cli"  # the command's default layers for the public, in the same hours
    command = ["export", *demo_extract_options(demo_extract_file), "--hours", NIGHTS]
    assert main([*command, "--audience", "public", "--out", str(out)]) == 0
    cli = out / "patchmap_public.gpkg"
    layers = [name for name, _ in pyogrio.list_layers(gpkg)]
    assert layers == [name for name, _ in pyogrio.list_layers(cli)]
    assert layers == ["hotspots", "clusters", "sites"]
    for name in layers:
        pd.testing.assert_frame_equal(
            pd.DataFrame(pyogrio.read_dataframe(gpkg, layer=name)),
            pd.DataFrame(pyogrio.read_dataframe(cli, layer=name)),
        )
        mine, theirs = (
            json.loads(pyogrio.read_info(f, layer=name)["layer_metadata"]["PATCHMAP_METADATA"])
            for f in (gpkg, cli)
        )  # every month of the extract, as the command without --months: no months filter
        assert mine["filters"] == theirs["filters"] == {"hours": NIGHTS}
    assert refused == []
