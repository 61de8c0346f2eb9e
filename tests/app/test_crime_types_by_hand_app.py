"""
The app reads crime types typed by hand ('burglary ', 'DRUGS') as data.police.uk's, in Folder
and store modes: the sidebar offers each type once, choosing Burglary counts every burglary, and
the sidebar says how many rows were read so.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui
from boundaries.dataset import load_study_area
from boundaries.select import Selection, summarise
from spatial.crime_types import CRIME_TYPES
from spatial.store import ingest

pytestmark = pytest.mark.shared

APP = str(Path(__file__).resolve().parents[2] / "app.py")
MONTH_FILE = "2024-09-cambridgeshire-street.csv"


@pytest.fixture(scope="module")
def typed_by_hand(cambridge_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2024-09 with every other Burglary and Drugs row typed again by hand, and its store."""
    folder = tmp_path_factory.mktemp("by-hand") / "crimes"
    folder.mkdir()
    frame = pd.read_csv(cambridge_dir / "crimes" / MONTH_FILE, dtype=str, keep_default_na=False)
    for crime_type, written in (("Burglary", "burglary "), ("Drugs", "DRUGS")):
        rows = frame.index[frame["Crime type"] == crime_type][::2]
        frame.loc[rows, "Crime type"] = written
    frame.to_csv(folder / MONTH_FILE, index=False)
    ingest([folder], store_dir=folder.parent / "store")
    return folder.parent


@pytest.fixture(autouse=True)
def tasking_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATCHMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'tasking.sqlite'}")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.mark.parametrize("mode", [_ui.FOLDER, _ui.STORE])
def test_the_app_counts_burglaries_typed_by_hand_as_burglaries(
    mode: str, typed_by_hand: Path, cambridge_dir: Path
) -> None:
    wards = cambridge_dir / "wards.geojson"
    real = load_study_area([cambridge_dir / "crimes" / MONTH_FILE], wards)
    expected = summarise(real, Selection(crime_types=("Burglary",))).n_inside_wards
    assert expected > 0
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.radio(key=_ui.DATASET_KEY).set_value(mode).run()
    if mode == _ui.FOLDER:
        at.text_input(key=_ui.FOLDER_CRIMES_KEY).set_value(str(typed_by_hand / "crimes"))
        at.text_input(key=_ui.FOLDER_WARDS_KEY).set_value(str(wards)).run()
    else:
        at.text_input(key=_ui.STORE_DIR_KEY).set_value(str(typed_by_hand / "store"))
        at.text_input(key=_ui.STORE_WARDS_KEY).set_value(str(wards)).run()
    assert not at.exception, at.exception
    types = at.multiselect(key=_ui.CRIME_TYPES_KEY)
    assert set(types.options) <= set(CRIME_TYPES)  # no 'burglary ' beside 'Burglary'
    shown = [re.sub(r"\\(.)", r"\1", c.value) for c in at.sidebar.caption]
    assert any(
        f"{MONTH_FILE}: " in n and " rows' crime types written in another case or spacing " in n
        for n in shown
    ), shown
    types.set_value(["Burglary"]).run()
    assert not at.exception, at.exception
    assert not at.error
    table = at.dataframe[0].value  # the Map page's table of the chosen crimes
    assert int(table["All crimes"].sum()) == expected
