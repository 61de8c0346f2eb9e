from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui
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
    at.selectbox(key="when_ward").set_value("Castle").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Fri and Sat 22:00-03:00" in text
    assert "violence and sexual offences in Castle" in text
    (windows,) = [d.value for d in at.dataframe if "Share of events" in d.value.columns]
    assert windows["When"].iloc[0] == "Fri and Sat 22:00-03:00"
    (problems,) = [d.value for d in at.dataframe if "Patrol window" in d.value.columns]
    assert "Fri and Sat 22:00-03:00" in problems["Patrol window"].iloc[0]


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
