from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui
from boundaries.assign import assign_wards
from boundaries.dataset import load_demo
from spatial.incidents import incidents_to_crimes
from tasking.problems import flag_problems
from tasking.windows import hot_areas
from tests.app._pages import cambridge_folder_page

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry
from app_pages import tasking as page
from tasking.store import add_problem, connect, list_actions

APP = str(Path(__file__).resolve().parents[2] / "app.py")
HEADER = "Crime Ref,Committed From,Committed To,Offence,Easting,Northing\n"


def _when_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page("app_pages/when.py").run()
    return at


@pytest.fixture(scope="module")
def demo_page() -> AppTest:
    return _when_page()


def test_when_page_finds_the_planted_night_time_economy(demo_page: AppTest) -> None:
    at = demo_page
    assert not at.exception
    assert at.metric[0].value == f"{_ui.demo_extract('as-recorded').report.n_events:,}"
    at.multiselect(key="when_types").set_value(["Violence and sexual offences"]).run()
    at.radio(key="when_area_kind").set_value(_ui.WHEN_WARDS).run()
    at.multiselect(key="when_wards").set_value(["Castle"]).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Fri and Sat 22:00-03:00" in text
    assert "violence and sexual offences in Castle" in text
    (windows,) = [d.value for d in at.dataframe if "Share of events" in d.value.columns]
    assert windows["When"].iloc[0] == "Fri and Sat 22:00-03:00"
    (problems,) = [d.value for d in at.dataframe if "Patrol window" in d.value.columns]
    assert "Fri and Sat 22:00-03:00" in problems["Patrol window"].iloc[0]


def _select(at: AppTest, kind: str, types: list[str] | None = None) -> AppTest:
    at.multiselect(key="when_types").set_value(types or []).run()
    at.date_input(key="when_dates").set_value(_DEMO_DAYS).run()
    at.radio(key="when_area_kind").set_value(kind).run()
    assert not at.exception
    return at


_DEMO_DAYS = (dt.date(2024, 10, 1), dt.date(2025, 9, 30))


def _n_events(at: AppTest) -> int:
    return int(at.metric[0].value.replace(",", ""))


def _inside(shape: BaseGeometry, types: list[str] | None = None) -> int:
    events = _ui.demo_extract("as-recorded").events
    if types:
        events = events.loc[events["crime_type"].isin(types)]
    return int(events.geometry.intersects(shape).sum())


def test_when_page_counts_several_wards(demo_page: AppTest) -> None:
    at = _select(demo_page, _ui.WHEN_WARDS)
    at.multiselect(key="when_wards").set_value(["Castle", "Riverside"]).run()
    wards = load_demo().wards
    chosen = wards.loc[wards["ward_name"].isin(["Castle", "Riverside"])].union_all()
    assert not at.exception
    assert _n_events(at) == _inside(chosen)
    assert 0 < _n_events(at) < _ui.demo_extract("as-recorded").report.n_events
    assert any("in Castle and Riverside" in m.value for m in at.markdown)


def test_when_page_counts_a_neighbourhood(demo_page: AppTest) -> None:
    at = _select(demo_page, _ui.WHEN_NEIGHBOURHOOD)
    at.selectbox(key="when_neighbourhood").set_value("Fenbridge South and West").run()
    wards = load_demo().wards
    hood = wards.loc[wards["ward_name"].isin(["Southmoor", "Westbury"])].union_all()
    assert not at.exception
    assert _n_events(at) == _inside(hood)
    assert any("in Fenbridge South and West neighbourhood" in m.value for m in at.markdown)


def test_when_page_counts_a_gi_star_hot_area_of_the_chosen_crimes(demo_page: AppTest) -> None:
    violence = ["Violence and sexual offences"]
    at = _select(demo_page, _ui.WHEN_HOT_AREA, violence)
    events = _ui.demo_extract("as-recorded").events
    hot = hot_areas(events, load_demo().wards, crime_types=violence)
    assert at.selectbox(key="when_hot_area").options == list(hot["label"])
    at.selectbox(key="when_hot_area").set_value(hot["label"].iloc[0]).run()
    assert not at.exception
    assert _n_events(at) == _inside(hot.geometry.iloc[0], violence)
    assert _n_events(at) > 0.25 * len(events.loc[events["crime_type"] == violence[0]])
    assert at.dataframe[0].value["When"].iloc[0] == "Fri and Sat 22:00-03:00"


def test_when_page_counts_a_problems_patrol_area(demo_page: AppTest) -> None:
    at = _select(demo_page, _ui.WHEN_PROBLEM)
    inc = _ui.demo_extract("as-recorded")
    area = load_demo()
    crimes = assign_wards(incidents_to_crimes(inc), area.wards).inside
    problems = flag_problems(crimes, wards=area.wards, months=("2024-10", "2025-09"))
    assert at.selectbox(key="when_problem").options == list(problems["label"])
    label = problems["label"].iloc[1]
    at.selectbox(key="when_problem").set_value(label).run()
    assert not at.exception
    assert _n_events(at) == _inside(problems.geometry.iloc[1])
    assert any(f"in the patrol area of {label}" in m.value for m in at.markdown)


def test_when_page_counts_crime_types_in_a_date_range(demo_page: AppTest) -> None:
    at = _select(demo_page, _ui.WHEN_WHOLE, ["Shoplifting", "Burglary"])
    first, last = dt.date(2025, 1, 1), dt.date(2025, 3, 31)
    at.date_input(key="when_dates").set_value((first, last)).run()
    assert not at.exception
    events = _ui.demo_extract("as-recorded").events
    expected = events.loc[
        events["crime_type"].isin(["Shoplifting", "Burglary"])
        & (events["start"] >= pd.Timestamp(first))
        & (events["start"] < pd.Timestamp(last) + pd.Timedelta(days=1))
    ]
    assert _n_events(at) == len(expected) > 0
    assert at.select_slider(key="when_split").options == ["2025-02", "2025-03"]


def test_uploaded_extract_with_ambiguous_dates_shows_the_fix() -> None:
    at = _when_page()
    at.radio(key=_ui.WHEN_SOURCE_KEY).set_value(_ui.WHEN_UPLOAD).run()
    data = (HEADER + "A1,03/01/2025 22:15,,Violence,453850,269500\n").encode()
    at.file_uploader(key=_ui.WHEN_UPLOAD_KEY).set_value([("x.csv", data, "text/csv")]).run()
    assert not at.exception
    assert any("dates=day-first" in e.value for e in at.error)
    at.text_input(key=_ui.WHEN_COLUMNS_KEY).input("dates=day-first").run()
    assert not at.exception
    assert not at.error
    assert at.metric[0].value == "1"


def test_uploaded_extract_with_no_usable_row_says_where_the_rows_went() -> None:
    at = _when_page()
    at.radio(key=_ui.WHEN_SOURCE_KEY).set_value(_ui.WHEN_UPLOAD).run()
    data = (HEADER + "A1,13/01/2025 22:15,,Violence,,\nA2,14/01/2025 22:15,,Violence,,\n").encode()
    at.file_uploader(key=_ui.WHEN_UPLOAD_KEY).set_value([("x.csv", data, "text/csv")]).run()
    assert not at.exception
    (error,) = at.error
    assert "x.csv: no row could be used (2 rows: 2 without location)" in error.value
    assert "No events in the selection" not in error.value


def test_demo_extract_beside_other_wards_says_so_instead_of_an_error(cambridge_dir: Path) -> None:
    at = cambridge_folder_page(cambridge_dir, "app_pages/when.py")
    assert not at.exception
    assert not at.error  # it said "No crimes in the selection" with every filter at "all"
    assert at.metric[0].value == "8,491"  # the demo extract's events, counted as ever
    assert list(at.radio(key="when_area_kind").options) == [_ui.WHEN_WHOLE]
    assert any(
        "No event of the extract lies in the wards of" in c.value
        and "the demo extract is the demo town's" in c.value
        for c in at.caption
    )
    (notice,) = [i.value for i in at.info]  # before the demo's patrol windows, not after them
    assert notice.startswith("These figures are the demo town's, not wards.geojson's: ")
    assert "Choose it under 'Timed crimes' in the sidebar" in notice


def test_the_demo_town_on_its_own_extract_gets_no_notice(demo_page: AppTest) -> None:
    assert not [i.value for i in demo_page.info if "These figures are the demo town's" in i.value]


def test_tasking_page_writes_the_patrol_window_into_a_new_action(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tasking.sqlite"
    monkeypatch.setenv("PATCHMAP_DATABASE_URL", f"sqlite:///{path}")
    engine = connect(path)
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="Market violence", user="sgt.lee", ward="Castle")
    at = AppTest.from_file(APP, default_timeout=300)
    at.switch_page("app_pages/tasking.py")
    at.run()
    at.text_input(key=page.USER_KEY).set_value("pc.smith").run()
    at.text_input(key=page.ACTION_DESCRIPTION_KEY).set_value("Joint patrol with licensing")
    at.text_input(key=page.ACTION_WHEN_KEY).set_value("Fri and Sat 22:00-03:00")
    at.button(key=page.ADD_ACTION_KEY).click().run()
    assert not at.exception
    with Session(engine) as session:
        (action,) = list_actions(session, problem_id=problem.id)
    assert action.description == "Joint patrol with licensing (Fri and Sat 22:00-03:00)"
    engine.dispose()


def test_toronto_extract_from_a_path_shows_charts_without_the_map(shared_data_dir: Path) -> None:
    at = _when_page()
    at.radio(key=_ui.WHEN_SOURCE_KEY).set_value(_ui.WHEN_PATH).run()
    path = shared_data_dir / "toronto" / "toronto_mci_2019_2021.csv"
    at.text_input(key=_ui.WHEN_PATH_KEY).input(str(path)).run()
    assert not at.exception
    assert not at.error
    assert at.metric[0].value == "93,113"
    assert any("outside Great Britain (EPSG:32617)" in c.value for c in at.caption)
    at.multiselect(key="when_types").set_value(["Break and Enter"]).run()
    assert not at.exception
    assert any("Every day 00:00-06:00" in m.value for m in at.markdown)


def test_the_timing_change_is_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """The page tested with 499 shuffles, the command with 999: p 0.268 against 0.276."""
    import json  # noqa: PLC0415

    from patchmap.cli import main  # noqa: PLC0415

    at = _when_page()
    at.select_slider(key="when_split").set_value("2025-04").run()
    assert not at.exception, at.exception
    assert main(["when", "--demo", "--split", "2025-04", "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    (command,) = [n for n in notes if "timing of crimes" in n]  # "No significant change in ..."
    assert _ui.plain(command) in [m.value for m in at.markdown]
