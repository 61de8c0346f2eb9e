"""The Exports page in a browser, as its tests open it and save its downloads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from tests._demo_extract import FROM_EXTRACT

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page

TIMEOUT_MS: Final = 180_000
"""Long enough for the first export or pack of a cold app on a busy machine."""


def open_exports(page: Page, app_url: str) -> None:
    """Go to the Exports page and wait until its audience's threshold is shown."""
    page.goto(f"{app_url}/exports", wait_until="domcontentloaded")
    page.get_by_text("Suppress counts below").first.wait_for(timeout=TIMEOUT_MS)


def open_extract_exports(page: Page, app_url: str) -> None:
    """
    Go to the Exports page and choose the force extract: the sidebar's, the demo extract.

    Waits until the extract is read (where its rows went) and its own filters are drawn.
    """
    from spatial.demo import demo_incidents  # noqa: PLC0415  # heavy: only tests that use it

    open_exports(page, app_url)
    page.get_by_text(FROM_EXTRACT).click()
    report = demo_incidents().report
    page.get_by_text(f"{report.n_rows:,} rows read, {report.n_events:,} events kept").wait_for(
        timeout=TIMEOUT_MS
    )
    page.get_by_text("Extract's months").wait_for(timeout=TIMEOUT_MS)


def download(page: Page, label: str, folder: Path) -> Path:
    """Click the download button ``label``; save the file under its suggested name in ``folder``."""
    button = page.get_by_role("button", name=label)
    button.wait_for(timeout=TIMEOUT_MS)
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target
