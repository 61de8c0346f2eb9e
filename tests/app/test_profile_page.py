from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from boundaries.dataset import load_demo
from tasking.profile import build_profile

if TYPE_CHECKING:
    from boundaries.dataset import StudyArea

APP = str(Path(__file__).resolve().parents[2] / "app.py")
REPORTS = (
    b"date,reported_by,issue,lon,lat\n"
    b"2025-08-03,resident,drug dealing by the shops,{lon},{lat}\n"
    b"2025-08-09,environmental services,fly-tipping in the alley,{lon},{lat}\n"
)


@pytest.fixture(scope="module")
def demo() -> StudyArea:
    return load_demo()


def _profile_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("app_pages/profile.py").run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    (metric,) = [m for m in at.metric if m.label == label]
    return str(metric.value)


def test_profile_page_shows_the_neighbourhood_numbers(demo: StudyArea) -> None:
    at = _profile_page()
    assert not at.error
    name = demo.neighbourhood_names[0]
    assert at.selectbox(key="profile_area").value == name
    expected = build_profile(demo, neighbourhood=name, months=("2025-07", "2025-09"))
    assert _metric(at, "Crimes and ASB") == f"{expected.n_crimes:,}"
    assert _metric(at, "Of which ASB") == f"{expected.n_asb:,}"
    assert expected.rate_per_1000 is not None
    assert _metric(at, "Per 1,000 residents") == f"{expected.rate_per_1000:.1f}"
    assert any(expected.changes[0].verdict in m.value for m in at.markdown)


def test_choosing_a_ward_profiles_that_ward(demo: StudyArea) -> None:
    at = _profile_page()
    at.radio(key="profile_scope").set_value("A ward").run()
    ward = demo.ward_names[2]
    at.selectbox(key="profile_area").set_value(ward).run()
    assert not at.exception
    at.radio(key="profile_period").set_value("Months chosen in the sidebar").run()
    expected = int((demo.points["ward"] == ward).sum())
    assert _metric(at, "Crimes and ASB") == f"{expected:,}"
    tables = [d.value for d in at.dataframe if "problem_id" in d.value.columns]
    assert len(tables) == 1
    assert tables[0]["problem_id"].iloc[0] == "P1"
