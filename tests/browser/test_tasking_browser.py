from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_tasking_page_adds_a_problem_and_records_who_did(
    offline_page: tuple[Page, list[str]], app_url: str, save_screenshot: Callable[..., Path]
) -> None:
    page, refused = offline_page
    page.goto(f"{app_url}/tasking", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Tasking").wait_for(timeout=180_000)
    name = page.get_by_label("Your name (recorded in the audit trail)")
    name.fill("PC Jones")
    name.press("Enter")
    title = "Drug dealing behind Lime Avenue shops"
    page.get_by_role("textbox", name="Title").fill(title)
    page.get_by_role("button", name="Add problem").click()
    # The problems table is a data grid: its accessible cells carry the text.
    cell = page.locator('[role="gridcell"]', has_text=title).first
    cell.wait_for(state="attached", timeout=60_000)
    page.get_by_role("tab", name="Audit trail").click()
    who = page.locator('[role="gridcell"]', has_text="PC Jones").first
    who.wait_for(state="attached", timeout=60_000)
    assert refused == []
    save_screenshot(page, "tasking")


def test_a_refused_save_keeps_what_was_typed(
    offline_page: tuple[Page, list[str]], app_url: str
) -> None:
    """Only a save that worked empties the form: a missing name loses no typing."""
    page, _ = offline_page
    page.goto(f"{app_url}/tasking", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Tasking").wait_for(timeout=180_000)
    title = "Shed burglaries off Long Road allotments"
    title_box = page.get_by_role("textbox", name="Title")
    description = page.get_by_role("textbox", name="Description and evidence")
    title_box.fill(title)
    description.fill("Three sheds forced since May.")
    page.get_by_role("button", name="Add problem").click()
    page.get_by_text("Type your name at the top of the page").wait_for(timeout=60_000)
    assert title_box.input_value() == title
    assert description.input_value().startswith("Three sheds")
    name = page.get_by_label("Your name (recorded in the audit trail)")
    name.fill("PC Jones")
    name.press("Enter")
    page.get_by_role("button", name="Add problem").click()
    cell = page.locator('[role="gridcell"]', has_text=title).first
    cell.wait_for(state="attached", timeout=60_000)
    expect(title_box).to_have_value("", timeout=30_000)
    expect(description).to_have_value("", timeout=30_000)
