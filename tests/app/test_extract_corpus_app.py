"""
The force-extract corpus through the app's When page: a message in the page, never an exception.

Each case's files go in as the user gives them: uploads, or the page's "File or folder on this
computer" field for the cases that need real paths (folders, pipes, permissions); ``--columns``,
``--crs`` and ``--midnight`` are the sidebar's Column names, CRS and "Times of exactly 00:00".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui
from tests.corpus.extracts import EXTRACT_CASES, ExtractCase, ExtractKit, make_extract_kit
from tests.corpus.runner import patched

if TYPE_CHECKING:
    from collections.abc import Iterator

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(scope="module")
def kit(shared_data_dir: Path) -> ExtractKit:
    return make_extract_kit(shared_data_dir)


@pytest.fixture(scope="module", autouse=True)
def _scan_components_once() -> Iterator[None]:
    """Scan installed packages for Streamlit components once, not per AppTest."""
    from streamlit.components.v2 import manifest_scanner  # noqa: PLC0415, TID251

    found = manifest_scanner.scan_component_manifests()
    with mock.patch.object(manifest_scanner, "scan_component_manifests", return_value=found):
        yield


def _set_options(at: AppTest, case: ExtractCase) -> None:
    at.session_state[_ui.WHEN_COLUMNS_KEY] = case.columns or ""
    at.session_state[_ui.WHEN_CRS_KEY] = case.crs or ""
    at.session_state[_ui.WHEN_MIDNIGHT_KEY] = case.midnight


@pytest.mark.parametrize("case", EXTRACT_CASES, ids=[c.id for c in EXTRACT_CASES])
def test_extract_case_in_the_when_page(
    case: ExtractCase, kit: ExtractKit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    inputs = case.build(kit, tmp_path)
    at = AppTest.from_file(APP, default_timeout=120)
    _set_options(at, case)
    at.switch_page("app_pages/when.py")
    with patched(case, tmp_path):  # type: ignore[arg-type]
        if case.on_disk:
            (path,) = inputs.files  # the page takes one file or folder
            at.session_state[_ui.WHEN_SOURCE_KEY] = _ui.WHEN_PATH
            at.session_state[_ui.WHEN_PATH_KEY] = str(path)
            at.run()
        else:
            at.session_state[_ui.WHEN_SOURCE_KEY] = _ui.WHEN_UPLOAD
            at.run()
            uploads = [s for s in inputs.files if isinstance(s, tuple)]
            files = [(name, data, "application/octet-stream") for name, data in uploads]
            at.file_uploader(key=_ui.WHEN_UPLOAD_KEY).set_value(files).run()
    assert not at.exception, f"{case.id}: {at.exception}"
    if case.message:
        errors = [e.value for e in at.error]
        assert errors, f"{case.id}: no error shown; metrics {[m.label for m in at.metric]}"
        first = errors[0].splitlines()[0]
        for fragment in case.message:
            assert fragment in first, f"{case.id}: {fragment!r} not in {first!r}"
        assert not at.metric
        return
    assert not at.error, f"{case.id}: {[e.value for e in at.error]}"
    counts = case.counts
    accounting = at.caption[0].value
    head = f"{counts['n_rows']:,} rows read, {counts['n_events']:,} events kept"
    assert accounting.startswith(head), f"{case.id}: {accounting}"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Events"] == f"{counts['n_events']:,}"
    for key, label in (
        ("n_windows_spread", "Windows spread"),
        ("n_windows_too_long", "Windows over 7 days"),
    ):
        if counts.get(key) is not None:
            assert metrics[label] == f"{counts[key]:,}", f"{case.id}: {label} {metrics[label]}"
