"""The app offers ``(blank)`` among the crime types when rows have none, and it selects them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui
from boundaries.dataset import load_study_area
from boundaries.select import BLANK_CRIME_TYPE, Selection, summarise
from spatial.store import ingest

pytestmark = pytest.mark.shared

APP = str(Path(__file__).resolve().parents[2] / "app.py")
MONTH_FILE = "2024-09-cambridgeshire-street.csv"


@pytest.fixture(scope="module")
def blank_store(cambridge_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of 2024-09 with the crime type of every 500th row emptied (14 rows)."""
    folder = tmp_path_factory.mktemp("blank") / "crimes"
    folder.mkdir()
    frame = pd.read_csv(cambridge_dir / "crimes" / MONTH_FILE, dtype=str, keep_default_na=False)
    frame.loc[frame.index % 500 == 7, "Crime type"] = ""
    frame.to_csv(folder / MONTH_FILE, index=False)
    ingest([folder], store_dir=folder.parent / "store")
    return folder.parent


@pytest.fixture(autouse=True)
def tasking_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATCHMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'tasking.sqlite'}")


def test_choosing_blank_in_the_app_shows_the_crimes_without_a_type(
    blank_store: Path, cambridge_dir: Path
) -> None:
    wards = cambridge_dir / "wards.geojson"
    area = load_study_area([blank_store / "crimes"], wards)
    expected = summarise(area, Selection(crime_types=(BLANK_CRIME_TYPE,))).n_inside_wards
    assert expected > 0
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.STORE).run()
    at.text_input(key=_ui.STORE_DIR_KEY).set_value(str(blank_store / "store"))
    at.text_input(key=_ui.STORE_WARDS_KEY).set_value(str(wards)).run()
    assert not at.exception, at.exception
    types = at.multiselect(key=_ui.CRIME_TYPES_KEY)
    assert types.options[-1] == BLANK_CRIME_TYPE
    everything = at.dataframe[0].value  # the Map page's table: all crimes counted
    assert int(everything[BLANK_CRIME_TYPE].sum()) == expected
    assert int(everything["All crimes"].sum()) == len(area.points)
    types.set_value([BLANK_CRIME_TYPE]).run()
    assert not at.exception, at.exception
    assert not at.error
    table = at.dataframe[0].value
    assert list(table.columns) == ["All crimes", BLANK_CRIME_TYPE]
    assert int(table["All crimes"].sum()) == expected
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    (overview,) = [d.value for d in at.dataframe if "Crimes" in d.value.columns]
    assert int(overview["Crimes"].sum()) == expected
