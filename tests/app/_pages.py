"""Open the app's pages with real data loaded, as several page tests do."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

ROOT = Path(__file__).resolve().parents[2]


def cambridge_folder_page(cambridge_dir: Path, page: str) -> AppTest:
    """Open ``page`` with the Cambridge crimes and wards loaded as a folder on this computer."""
    from app_pages import _ui  # noqa: PLC0415 - importable once ROOT is on sys.path

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.FOLDER).run()
    at.text_input(key=_ui.FOLDER_CRIMES_KEY).set_value(str(cambridge_dir / "crimes"))
    at.text_input(key=_ui.FOLDER_WARDS_KEY).set_value(str(cambridge_dir / "wards.geojson")).run()
    at.switch_page(page).run()
    return at
