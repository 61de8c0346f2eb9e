"""A partner briefing pack from the demo extract, built on the Exports page in a browser."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

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
