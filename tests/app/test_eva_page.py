from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import eva_routes as page
from tasking.store import add_problem, connect, list_areas

if TYPE_CHECKING:
    from boundaries.dataset import StudyArea

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/eva_routes.py"


@pytest.fixture(autouse=True)
def tasking_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own tasking log (the page offers to save the route to it)."""
    path = tmp_path / "tasking.sqlite"
    monkeypatch.setenv("PATCHMAP_DATABASE_URL", f"sqlite:///{path}")
    return path


def _eva_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    (metric,) = [m for m in at.metric if m.label == label]
    return str(metric.value)


def test_eva_page_plans_a_loop_through_the_demo_hotspots() -> None:
    at = _eva_page()
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "EVA routes"
    visited, offered = (int(v) for v in _metric(at, "Stops visited").split(" of "))
    assert 1 <= visited <= offered
    assert int(_metric(at, "Time").removesuffix(" min")) <= 60
    assert int(_metric(at, "Walk").removesuffix(" m").replace(",", "")) > 0
    assert at.selectbox(key="eva_start").value == "Fenbridge Police Station"


def test_a_budget_too_small_for_one_stop_says_what_to_change() -> None:
    at = _eva_page()
    at.number_input(key="eva_stop_minutes").set_value(12.0)
    at.slider(key="eva_max_minutes").set_value(10).run()
    assert not at.exception, at.exception
    messages = [e.value for e in at.error]
    assert any("No stop can be visited within 10 min" in m for m in messages), messages
    assert any("lower the minutes per stop" in m for m in messages), messages


def test_catchments_show_the_share_of_crime_within_a_walk() -> None:
    at = _eva_page()
    at.toggle(key="eva_show_catchments").set_value(True).run()
    assert not at.exception, at.exception
    (table,) = [d.value for d in at.dataframe if "Share of crime" in d.value.columns]
    assert sorted(set(table["Walk (min)"])) == [5.0, 10.0, 15.0]
    assert table["Share of crime"].between(0, 1).all()
    assert table["Share of ASB"].between(0, 1).all()
    assert len(table) == 3 * table["Site"].nunique()
    (coverage,) = [
        d.value for d in at.dataframe if "Fenbridge Town Hall, 15 min" in d.value.columns
    ]
    assert coverage.isin([0.0, 1.0]).all().all()  # stops are points: inside or not


def test_starting_elsewhere_and_a_longer_walk_change_the_route() -> None:
    at = _eva_page()
    before = _metric(at, "Walk")
    at.selectbox(key="eva_start").set_value("Fenbridge Town Hall")
    at.slider(key="eva_max_minutes").set_value(120).run()
    assert not at.exception, at.exception
    assert not at.error
    assert _metric(at, "Walk") != before
    assert int(_metric(at, "Time").removesuffix(" min")) <= 120


def test_stops_can_come_from_density_peaks_or_clusters() -> None:
    at = _eva_page()
    for source, label in (("Density peaks", "Density peak 1"), ("Crime clusters", "")):
        at.radio(key="eva_stop_source").set_value(source).run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        visited = int(_metric(at, "Stops visited").split(" of ")[0])
        assert visited >= 1
        (stops,) = [d.value for d in at.dataframe if "Arrive (min)" in d.value.columns]
        assert len(stops) == visited
        if label:
            assert any(str(v).startswith("Density peak") for v in stops["Stop"])
        # a peak's weight is a density, a cluster's a count (found by an exploratory test: the
        # caption called a peak's 21,526 crimes per km² "crimes in the hotspot")
        weight = "the density at the peak (crimes per km²)" if label else "crimes in the hotspot"
        assert any(f"Weight = {weight}." in c.value for c in at.caption)


def test_saving_the_route_stores_its_line_and_stops_in_the_tasking_log(
    tasking_log: Path,
) -> None:
    engine = connect(tasking_log)
    try:
        with Session(engine) as session, session.begin():
            problem = add_problem(session, title="Castle NTE violence", user="sgt.lee")
        at = _eva_page()
        at.selectbox(key=page.SAVE_PROBLEM_KEY).set_value(problem.id)
        at.button(key=page.SAVE_ROUTE_KEY).click().run()
        assert any("Type your name" in e.value for e in at.error)
        with Session(engine) as session:
            assert list_areas(session) == ()
        at.text_input(key=page.SAVE_USER_KEY).set_value("pcso.jones")
        at.text_input(key=page.SAVE_NAME_KEY).set_value("Castle evening walk")
        at.button(key=page.SAVE_ROUTE_KEY).click().run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        with Session(engine) as session:
            (saved,) = list_areas(session)
    finally:
        engine.dispose()
    visited = int(_metric(at, "Stops visited").split(" of ")[0])
    walk_m = float(_metric(at, "Walk").removesuffix(" m").replace(",", ""))
    assert (saved.kind, saved.name, saved.problem_id, saved.created_by) == (
        "eva_route",
        "Castle evening walk",
        problem.id,
        "pcso.jones",
    )
    assert saved.geometry.geom_type == "LineString"
    assert saved.geometry.length == pytest.approx(walk_m, abs=1.0)
    assert len(saved.stops) == visited
    assert any(f"Saved as EVA route {saved.id}" in s.value for s in at.success)


def test_the_page_walks_the_stops_route_export_and_brief_plan(demo_area: StudyArea) -> None:
    """Same data, same defaults: the page's walk is the one tasking.eva plans for the CLI."""
    from boundaries.select import Selection, select_points, select_wards  # noqa: PLC0415
    from spatial.network import load_network  # noqa: PLC0415
    from tasking.eva import plan_hotspot_route  # noqa: PLC0415

    demo = demo_area
    selection = Selection(months=(demo.months[0], demo.months[-1]))
    assert demo.network_path is not None
    planned = plan_hotspot_route(
        load_network(demo.network_path),
        select_points(demo, selection),
        select_wards(demo, selection),
        sites=demo.sites,
    )
    at = _eva_page()
    assert at.selectbox(key="eva_start").value == planned.start_label
    (shown,) = [d.value for d in at.dataframe if "Arrive (min)" in d.value.columns]
    assert shown["Stop"].tolist() == [str(s) for s in planned.stops["label"]]
    assert shown["#"].tolist() == [int(o) for o in planned.stops["order"]]


NAMED_STOPS = (  # demo streets; a "name" column, no "label"; the last stop has no name
    ((-1.209717, 52.321069), "Wharf <script>alert(1)</script>", 5),
    ((-1.211921, 52.320859), 'Bene\'t & "Co"', 4),
    ((-1.209302, 52.323763), "Caf\u00e9 \U0001f693", 3),
    ((-1.210434, 52.321973), "</name><x>", 2),
    ((-1.203841, 52.321479), None, 1),
)


def test_uploaded_stops_are_named_from_their_name_column_as_the_cli_names_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gpxpy  # noqa: PLC0415

    import layers.routes  # noqa: PLC0415
    from patchmap.cli import main  # noqa: PLC0415

    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(lonlat)},
            "properties": {"name": name, "weight": weight},
        }
        for lonlat, name, weight in NAMED_STOPS
    ]
    path = tmp_path / "named.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    cli_gpx = tmp_path / "cli.gpx"
    assert main(["route", "--demo", "--stops", str(path), "--out", str(cli_gpx)]) == 0
    written: list[str] = []
    to_gpx = layers.routes.route_to_gpx

    def keep(*args: object, **kwargs: object) -> str:
        written.append(to_gpx(*args, **kwargs))  # type: ignore[arg-type]
        return written[-1]

    monkeypatch.setattr(layers.routes, "route_to_gpx", keep)
    at = _eva_page()
    upload = ("named.geojson", path.read_bytes(), "application/geo+json")
    at.file_uploader(key=page.STOPS_UPLOAD_KEY).set_value(upload).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]

    def names(document: str) -> list[str]:
        return [str(w.name) for w in gpxpy.parse(document).waypoints]

    cli_names = names(cli_gpx.read_text("utf-8"))
    assert cli_names[1:] == [  # the CLI's order, by weight and distance
        'Stop 1: Bene\'t & "Co"',
        "Stop 2: Wharf <script>alert(1)</script>",
        "Stop 3: </name><x>",
        "Stop 4: Stop 5",
        "Stop 5: Caf\u00e9 \U0001f693",
    ]
    assert names(written[-1]) == cli_names
    (shown,) = [d.value for d in at.dataframe if "Arrive (min)" in d.value.columns]
    assert shown["Stop"].tolist() == [n.split(": ", 1)[1] for n in cli_names[1:]]


def test_the_stops_source_is_kept_while_another_page_is_shown() -> None:
    # found by an exploratory test in Chromium: back from the Map, it was Gi* hot cells again
    at = _eva_page()
    at.radio(key="eva_stop_source").set_value("Crime clusters").run()
    at.switch_page("app_pages/map.py").run()
    at.switch_page("app_pages/eva_routes.py").run()
    assert not at.exception, at.exception
    assert at.radio(key="eva_stop_source").value == "Crime clusters"
