"""Open the app's pages with real data loaded, and record what they make, as page tests do."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from tests._demo_extract import FROM_EXTRACT

if TYPE_CHECKING:
    import pytest

ROOT = Path(__file__).resolve().parents[2]
APP: Final = str(ROOT / "app.py")
EXPORTS: Final = "app_pages/exports.py"


def cambridge_folder_page(cambridge_dir: Path, page: str) -> AppTest:
    """Open ``page`` with the Cambridge crimes and wards loaded as a folder on this computer."""
    from app_pages import _ui  # noqa: PLC0415 - importable once ROOT is on sys.path

    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.FOLDER).run()
    at.text_input(key=_ui.FOLDER_CRIMES_KEY).set_value(str(cambridge_dir / "crimes"))
    at.text_input(key=_ui.FOLDER_WARDS_KEY).set_value(str(cambridge_dir / "wards.geojson")).run()
    at.switch_page(page).run()
    return at


def demo_app() -> AppTest:
    """Return the app as it opens: the demo town loaded, the first page shown."""
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    return at


def exports_page(at: AppTest | None = None) -> AppTest:
    """
    Show the Exports page, without an exception.

    Of ``at`` as its sidebar was left (wards or crime types chosen first), or of a new app on
    the demo town when None.
    """
    at = demo_app() if at is None else at
    at.switch_page(EXPORTS).run()
    assert not at.exception, at.exception
    return at


def extract_exports_page(at: AppTest | None = None) -> AppTest:
    """
    Show the Exports page of the force extract chosen in the sidebar: the demo extract.

    As :func:`exports_page`, then "Crimes from" set to the extract; the page shows no exception
    and no error, and the sidebar's Timed crimes hold the demo extract.
    """
    from app_pages import _ui  # noqa: PLC0415 - importable once ROOT is on sys.path

    at = exports_page(at)
    at.radio(key="export_source").set_value(FROM_EXTRACT).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.radio(key=_ui.WHEN_SOURCE_KEY).value == _ui.WHEN_DEMO
    return at


def record_returns(monkeypatch: pytest.MonkeyPatch, name: str, *, by: int) -> dict[str, Any]:
    """
    Record what the page's cached ``_ui.<name>`` returns, by one of its arguments.

    Parameters
    ----------
    monkeypatch
        The test's.
    name
        ``"export_files"`` or ``"briefing_files"``.
    by
        The place of the argument that keys the record (the audience: 2 for ``export_files``,
        3 for ``briefing_files``).

    Returns
    -------
    dict
        Filled as the page runs: the argument's text to the last value returned with it.
    """
    from app_pages import _ui  # noqa: PLC0415 - importable once ROOT is on sys.path

    made: dict[str, Any] = {}
    original = getattr(_ui, name)

    def recording(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        made[str(args[by])] = value = original(*args, **kwargs)
        return value

    monkeypatch.setattr(_ui, name, recording)
    return made


def saved_names(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """
    Record the file names the browser would save the page's downloads under.

    Returns
    -------
    list of str
        Filled as the page runs: the name of each download, where Streamlit stores it.
    """
    from streamlit.runtime.memory_media_file_storage import (  # noqa: PLC0415, TID251
        MemoryMediaFileStorage,
    )

    names: list[str] = []
    keep = MemoryMediaFileStorage.load_and_get_id

    def record(self: MemoryMediaFileStorage, *args: Any, **kwargs: Any) -> str:  # noqa: ANN401
        filename = kwargs.get("filename", args[3] if len(args) > 3 else None)
        names.append(str(filename))
        return keep(self, *args, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return names
