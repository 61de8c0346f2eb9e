from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from shapely import LineString, MultiPoint
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui
from boundaries.dataset import load_study_area
from tasking.findings import findings_to_geodataframe
from tasking.profile import build_profile
from tasking.store import ChecklistItem, add_area, add_finding, connect, list_findings

if TYPE_CHECKING:
    from boundaries.dataset import StudyArea

APP = str(Path(__file__).resolve().parents[2] / "app.py")
REPORTS = (
    b"date,reported_by,issue,lon,lat\n"
    b"2025-08-03,resident,drug dealing by the shops,{lon},{lat}\n"
    b"2025-08-09,environmental services,fly-tipping in the alley,{lon},{lat}\n"
)


@pytest.fixture(autouse=True)
def tasking_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty tasking log (the page reads EVA findings from it)."""
    path = tmp_path / "tasking.sqlite"
    monkeypatch.setenv("PATCHMAP_DATABASE_URL", f"sqlite:///{path}")
    return path


def _profile_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("app_pages/profile.py").run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    (metric,) = [m for m in at.metric if m.label == label]
    return str(metric.value)


def test_profile_page_shows_the_neighbourhood_numbers(demo_area: StudyArea) -> None:
    at = _profile_page()
    assert not at.error
    name = demo_area.neighbourhood_names[0]
    assert at.selectbox(key="profile_area").value == name
    expected = build_profile(demo_area, neighbourhood=name, months=("2025-07", "2025-09"))
    assert _metric(at, "Crimes and ASB") == f"{expected.n_crimes:,}"
    assert _metric(at, "Of which ASB") == f"{expected.n_asb:,}"
    assert expected.rate_per_1000 is not None
    assert _metric(at, "Per 1,000 residents (3 months)") == f"{expected.rate_per_1000:.1f}"
    (rate,) = [m for m in at.metric if m.label.startswith("Per 1,000")]
    # The whole period's rate, named with its months, and its average a year beside it.
    assert "of 2025-07 to 2025-09 (3 months) per 1,000" in rate.help
    assert f"about {expected.rate_per_1000 * 4:,.1f} a year" in rate.help
    assert any(expected.changes[0].verdict in m.value for m in at.markdown)
    # The hot cells are the profile's own 150 m grid; the Hotspots page maps its own cell size.
    size = float(str(expected.hotspots["cell_size_m"]))
    assert size == 150.0
    (caption,) = [c.value for c in at.caption if "Gi* on" in c.value]
    assert caption.startswith(f"Gi* on {size:.0f} m cells, the profile's fixed grid.")
    assert "cells of its own size" in caption
    assert "maps them" not in caption
    # An empty tasking log: no EVA findings section, not even a placeholder.
    assert not [m for m in at.markdown if "EVA walks" in m.value]
    assert not [m for m in at.metric if m.label == "Stops with findings"]


def test_choosing_a_ward_profiles_that_ward(demo_area: StudyArea) -> None:
    at = _profile_page()
    at.radio(key="profile_scope").set_value("A ward").run()
    ward = demo_area.ward_names[2]
    at.selectbox(key="profile_area").set_value(ward).run()
    assert not at.exception
    at.radio(key="profile_period").set_value("Months chosen in the sidebar").run()
    expected = int((demo_area.points["ward"] == ward).sum())
    assert _metric(at, "Crimes and ASB") == f"{expected:,}"
    tables = [d.value for d in at.dataframe if "problem_id" in d.value.columns]
    assert len(tables) == 1
    assert tables[0]["problem_id"].iloc[0] == "P1"


def test_eva_findings_of_the_profiled_area_are_shown(
    demo_area: StudyArea, tasking_log: Path
) -> None:
    name = demo_area.neighbourhood_names[0]
    own = demo_area.wards.loc[demo_area.wards["neighbourhood"] == name].geometry.iloc[0]
    other = demo_area.wards.loc[demo_area.wards["neighbourhood"] != name].geometry.iloc[0]
    here, there = own.representative_point(), other.representative_point()
    stops = MultiPoint([(here.x, here.y), (here.x + 1, here.y), (there.x, there.y)])
    engine = connect(tasking_log)
    try:
        with Session(engine) as session, session.begin():
            route = add_area(
                session,
                LineString(list(stops.geoms)),
                kind="eva_route",
                name="Walk",
                user="pcso",
                stops=stops,
            )
            walked = dt.date(2025, 8, 14)
            visits: list[tuple[int, dict[ChecklistItem, bool | None]]] = [
                (1, {"graffiti": True, "fly_tipping": True}),
                (2, {"graffiti": True, "litter": False}),
                (3, {"graffiti": True}),  # in another neighbourhood
            ]
            for stop, answers in visits:
                add_finding(
                    session,
                    route.id,
                    stop_number=stop,
                    answers=answers,
                    user="pcso",
                    walked_on=walked,
                )
            records = list_findings(session)
    finally:
        engine.dispose()
    at = _profile_page()
    assert not at.error, [e.value for e in at.error]
    expected = build_profile(
        demo_area,
        neighbourhood=name,
        months=("2025-07", "2025-09"),
        findings=findings_to_geodataframe(records),
    ).eva_findings
    assert expected is not None
    assert (expected.n_findings, expected.by_issue) == (2, {"graffiti": 2, "fly_tipping": 1})
    assert _metric(at, "Stops with findings") == "2"
    assert _metric(at, "With a problem seen") == "2"
    (table,) = [d.value for d in at.dataframe if list(d.value.columns) == ["stops"]]
    assert table["stops"].to_dict() == {"Graffiti": 2, "Fly tipping": 1}


def _cambridge_profile(cambridge_dir: Path, **paths: Path) -> AppTest:
    """Open the Profile page of the Cambridge folder with optional files (by sidebar key)."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.radio(key=_ui.DATASET_KEY).set_value(_ui.FOLDER).run()
    at.text_input(key=_ui.FOLDER_CRIMES_KEY).set_value(str(cambridge_dir / "crimes"))
    at.text_input(key=_ui.FOLDER_WARDS_KEY).set_value(str(cambridge_dir / "wards.geojson"))
    for key, path in paths.items():
        at.text_input(key=key).set_value(str(path))
    at.run()
    assert not at.exception
    at.switch_page("app_pages/profile.py").run()
    assert not at.exception
    return at


def test_folder_data_with_population_gives_cambridge_rates(cambridge_dir: Path) -> None:
    population = cambridge_dir / "population" / "lsoa21_census2021_usual_residents.csv"
    lsoas = cambridge_dir / "boundaries" / "lsoa_2021.geojson"
    at = _cambridge_profile(
        cambridge_dir, **{_ui.FOLDER_POPULATION_KEY: population, _ui.FOLDER_LSOAS_KEY: lsoas}
    )
    assert at.selectbox(key="profile_area").value == "Abbey"
    area = load_study_area(
        [cambridge_dir / "crimes"],
        cambridge_dir / "wards.geojson",
        population=population,
        lsoas=lsoas,
    )
    expected = build_profile(area, wards=("Abbey",), months=("2025-07", "2025-09"))
    assert expected.rate_per_1000 is not None
    assert _metric(at, "Per 1,000 residents (3 months)") == f"{expected.rate_per_1000:.1f}"
    assert _metric(at, "Rank") == f"{expected.rank} of 14"


def test_a_population_table_without_lsoa_boundaries_is_refused_as_by_the_command(
    cambridge_dir: Path,
) -> None:
    """One file alone gave rates of n/a with no word why; `patchmap profile` refuses it."""
    population = cambridge_dir / "population" / "lsoa21_census2021_usual_residents.csv"
    at = _cambridge_profile(cambridge_dir, **{_ui.FOLDER_POPULATION_KEY: population})
    errors = [e.value.replace("\\", "") for e in at.error]
    assert any(
        e.startswith(
            "--population needs --lsoas too (app: the LSOA population CSV needs the LSOA "
            "boundaries)"
        )
        for e in errors
    ), errors


def test_a_report_entered_on_the_page_is_saved_and_compared(
    demo_area: StudyArea, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = tmp_path / "reports.csv"
    monkeypatch.setenv("PATCHMAP_REPORTS_PATH", str(saved))
    at = _profile_page()
    at.radio(key="profile_period").set_value("Months chosen in the sidebar").run()
    at.date_input(key="report_date").set_value(dt.date(2025, 8, 3))
    at.selectbox(key="report_by").set_value("resident")
    at.text_input(key="report_issue").set_value("Drug dealing behind the shops")
    at.button(key="add_report").click().run()
    assert not at.exception
    assert saved.exists()
    assert "Drug dealing behind the shops" in saved.read_text(encoding="utf-8")
    captions = " ".join(c.value for c in at.caption)
    assert "1 of 1 reports fall in" in captions
    gap = [d.value for d in at.dataframe if "theme" in d.value.columns]
    assert len(gap) == 1
    drugs = gap[0].set_index("theme").loc["Drugs"]
    assert drugs["n_reports"] == 1
    name = demo_area.neighbourhood_names[0]
    wards = demo_area.wards.loc[demo_area.wards["neighbourhood"] == name, "ward_name"]
    in_area = demo_area.points[demo_area.points["ward"].isin(wards)]
    assert drugs["n_recorded"] == int((in_area["crime_type"] == "Drugs").sum())


def test_the_profile_keeps_its_choices_while_another_page_is_shown() -> None:
    """Streamlit drops the values of widgets a run does not draw; the page gives them back."""
    at = _profile_page()
    at.radio(key="profile_scope").set_value("A ward").run()
    ward = at.selectbox(key="profile_area").options[3]
    at.selectbox(key="profile_area").set_value(ward).run()
    at.radio(key="profile_period").set_value("Last 6 months").run()
    heading = [h.value for h in at.subheader]
    at.switch_page("app_pages/hotspots.py").run()
    at.switch_page("app_pages/profile.py").run()
    assert not at.exception, at.exception
    assert at.radio(key="profile_scope").value == "A ward"
    assert at.selectbox(key="profile_area").value == ward
    assert at.radio(key="profile_period").value == "Last 6 months"
    assert [h.value for h in at.subheader] == heading  # the same profile, not the first ward's
    # the sidebar's one ward still wins when it is chosen after the page's own choice
    other = next(w for w in at.selectbox(key="profile_area").options if w != ward)
    at.multiselect(key=_ui.WARDS_KEY).set_value([other]).run()
    assert at.selectbox(key="profile_area").value == other


def test_problem_scores_show_one_decimal() -> None:
    at = _profile_page()
    (shown,) = [d for d in at.dataframe if "score" in d.value.columns]
    assert len(shown.value) > 0  # the demo ranks problems
    config = json.loads(shown.proto.columns)
    assert config["score"]["type_config"]["format"] == "%,.1f"  # 6.7, not 6.6667
