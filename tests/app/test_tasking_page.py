from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from shapely import LineString, MultiPoint, Point
from sqlalchemy import text
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest  # noqa: TID251  # AppTest drives the app

from app_pages import _ui
from app_pages import tasking as page
from layers import findings
from tasking.assess import assess_response
from tasking.findings import findings_to_geodataframe
from tasking.store import (
    add_action,
    add_area,
    add_finding,
    add_meeting,
    add_problem,
    connect,
    get_action,
    get_problem,
    list_actions,
    list_areas,
    list_audit,
    list_decisions,
    list_findings,
    list_problems,
    update_action,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Engine

    from boundaries.dataset import StudyArea

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    path = tmp_path / "tasking.sqlite"
    monkeypatch.setenv("PATCHMAP_DATABASE_URL", f"sqlite:///{path}")
    engine = connect(path)
    yield engine
    engine.dispose()


def _tasking(user: str | None = "pc.smith") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("app_pages/tasking.py")
    at.run()
    assert not at.exception
    if user is not None:
        at.text_input(key=page.USER_KEY).set_value(user).run()
        assert not at.exception
    return at


def test_tasking_page_starts_with_an_empty_log(engine: Engine) -> None:
    at = _tasking(user=None)
    assert at.title[0].value == "Tasking"
    assert any("No problems yet" in info.value for info in at.info)
    # Streamlit's magic prints bare strings of the page script: none may leak onto the page.
    assert not [m.value for m in at.markdown if "prefix" in m.value]
    assert not at.get("component_instance")  # no findings, no findings map
    with Session(engine) as session:
        assert list_problems(session) == ()


def test_adding_a_problem_stores_it_with_the_user(engine: Engine) -> None:
    at = _tasking()
    at.text_input(key=page.PROBLEM_TITLE_KEY).set_value("Cycle theft at the station")
    at.selectbox(key=page.PROBLEM_STAGE_KEY).set_value("analysis")
    at.button(key=page.ADD_PROBLEM_KEY).click().run()
    assert not at.exception
    assert not at.error
    with Session(engine) as session:
        (problem,) = list_problems(session)
    assert (problem.title, problem.sara_stage, problem.created_by) == (
        "Cycle theft at the station",
        "analysis",
        "pc.smith",
    )
    table = at.dataframe[0].value
    assert list(table["title"]) == ["Cycle theft at the station"]


def test_the_same_form_submitted_twice_adds_one_record(engine: Engine) -> None:
    at = _tasking()
    for title in ("Cycle theft", "Cycle theft", "Drug dealing"):  # a double click, then a new one
        at.text_input(key=page.PROBLEM_TITLE_KEY).set_value(title)
        at.button(key=page.ADD_PROBLEM_KEY).click().run()
        assert not at.exception
        assert not at.error
    with Session(engine) as session:
        assert [p.title for p in list_problems(session)] == ["Cycle theft", "Drug dealing"]
        assert len(list_audit(session, entity="problem")) == 2
    fresh = _tasking()  # another browser session: its own submissions
    fresh.text_input(key=page.PROBLEM_TITLE_KEY).set_value("Cycle theft")
    fresh.button(key=page.ADD_PROBLEM_KEY).click().run()
    with Session(engine) as session:
        assert len(list_problems(session)) == 3


def test_a_second_click_on_the_emptied_form_adds_nothing_and_keeps_the_page(
    engine: Engine,
) -> None:
    at = _tasking()
    at.text_input(key=page.PROBLEM_TITLE_KEY).set_value("Cycle theft")
    at.button(key=page.ADD_PROBLEM_KEY).click().run()
    at.button(key=page.ADD_PROBLEM_KEY).click().run()  # the form emptied by the save
    assert not at.exception
    assert not at.error  # not "title must not be empty."
    assert [w.value for w in at.warning] == ["Give the problem a title: nothing was added."]
    assert list(at.dataframe[0].value["title"]) == ["Cycle theft"]  # the log still shown
    with Session(engine) as session:
        assert [p.title for p in list_problems(session)] == ["Cycle theft"]


def test_a_change_without_a_name_is_refused(engine: Engine) -> None:
    at = _tasking(user=None)
    at.text_input(key=page.PROBLEM_TITLE_KEY).set_value("Anonymous")
    at.button(key=page.ADD_PROBLEM_KEY).click().run()
    assert any("Type your name" in e.value for e in at.error)
    with Session(engine) as session:
        assert list_problems(session) == ()
    # what was typed stays to correct; only a save that worked empties the form
    assert at.text_input(key=page.PROBLEM_TITLE_KEY).value == "Anonymous"
    at.text_input(key=page.USER_KEY).set_value("pc.smith")
    at.button(key=page.ADD_PROBLEM_KEY).click().run()
    assert not at.error
    with Session(engine) as session:
        assert [p.title for p in list_problems(session)] == ["Anonymous"]
    assert at.text_input(key=page.PROBLEM_TITLE_KEY).value == ""
    assert at.selectbox(key=page.PROBLEM_STAGE_KEY).value == "scanning"


def test_saving_over_someone_elses_change_is_refused_then_both_survive(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="ASB in the park", user="sgt.lee")
        action = add_action(
            session, problem.id, epic="enforcement", description="Dispersal order", user="sgt.lee"
        )
    at = _tasking()  # opens the action at version 1
    assert at.session_state[f"{page.EDIT_VERSION_PREFIX}{action.id}"] == 1
    with Session(engine) as session, session.begin():
        update_action(session, action.id, expected_version=1, user="alice", notes="Warden briefed")
    at.selectbox(key=f"{page.EDIT_STATUS_PREFIX}{action.id}").set_value("in_progress")
    at.button(key=page.SAVE_ACTION_KEY).click().run()
    assert not at.exception
    (error,) = at.error
    assert "was changed by alice" in error.value
    assert _ui.plain("notes: '' -> 'Warden briefed'") in error.value  # shown as text
    with Session(engine) as session:
        assert get_action(session, action.id).status == "open"
    at.button(key=page.RELOAD_ACTION_KEY).click().run()
    at.selectbox(key=f"{page.EDIT_STATUS_PREFIX}{action.id}").set_value("in_progress")
    at.button(key=page.SAVE_ACTION_KEY).click().run()
    assert not at.exception
    assert not at.error
    with Session(engine) as session:
        saved = get_action(session, action.id)
        audit = list_audit(session, entity="action", entity_id=action.id)
    assert (saved.status, saved.notes, saved.version) == ("in_progress", "Warden briefed", 3)
    assert [(r.changed_by, r.field) for r in audit[1:]] == [
        ("alice", "notes"),
        ("pc.smith", "status"),
    ]


def test_eva_findings_become_proposed_actions_from_the_page(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="Underpass", user="pc.smith")
        route = add_area(
            session,
            LineString([(545_000, 260_000), (545_100, 260_100)]),
            kind="eva_route",
            name="Underpass walk",
            user="pc.smith",
            problem_id=problem.id,
        )
        add_finding(
            session,
            route.id,
            stop_number=1,
            answers={"graffiti": True},
            user="pcso",
            walked_on=dt.date(2026, 11, 18),
            point=Point(545_000, 260_000),
        )
    at = _tasking()
    at.multiselect(key=page.FINDING_SEEN_KEY).set_value(["fly_tipping"])
    at.text_area(key=page.FINDING_NOTE_KEY).set_value("Mattress")
    at.number_input(key=page.FINDING_X_KEY).set_value(545_050.0)
    at.number_input(key=page.FINDING_Y_KEY).set_value(260_050.0)
    at.button(key=page.ADD_FINDING_KEY).click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    at.button(key=page.PROPOSE_KEY).click().run()
    assert not at.exception
    with Session(engine) as session:
        proposed = list_actions(session, status="proposed")
    assert sorted((a.source, a.owner_agency) for a in proposed) == [
        ("eva_route:1:fly_tipping", "Environmental services"),
        ("eva_route:1:graffiti", "Environmental services"),
    ]


def test_assessment_shows_the_wdd_of_the_chosen_wards(engine: Engine, demo_area: StudyArea) -> None:
    del engine
    at = _tasking()
    wards = demo_area.wards.set_index("ward_name").geometry
    first, second = demo_area.ward_names[0], demo_area.ward_names[1]
    assert at.selectbox(key=page.TREATED_KEY).value == f"{page.WARD_PREFIX}{first}"
    assert at.selectbox(key=page.COMPARISON_KEY).value == f"{page.WARD_PREFIX}{second}"
    months = demo_area.months
    half = len(months) // 2
    expected = assess_response(
        demo_area.points,
        wards[first],
        wards[second],
        before=(months[0], months[half - 1]),
        after=(months[half], months[-1]),
    )
    (wdd,) = [m for m in at.metric if m.label == "WDD (crimes per month)"]
    assert wdd.value == f"{expected.wdd.est_total:+.2f}"
    (counts,) = [d.value for d in at.dataframe if "n_before" in d.value.columns]
    assert list(counts["n_before"]) == [expected.treated.n_before, expected.comparison.n_before]
    at.number_input(key=page.BUFFER_KEY).set_value(100.0).run()
    assert any("overlap" in e.value for e in at.error)


def test_moving_a_problem_to_response_and_recording_a_nag_decision(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="Shed burglaries", user="sgt.lee")
        meeting = add_meeting(
            session, name="Northfield NAG", held_on=dt.date(2026, 11, 20), user="chair"
        )
    at = _tasking()
    at.selectbox(key=f"{page.PROBLEM_STAGE_PREFIX}{problem.id}").set_value("response")
    at.button(key=page.SAVE_PROBLEM_KEY).click().run()
    assert not at.exception
    assert not at.error
    at.text_area(key=page.DECISION_TEXT_KEY).set_value("Crime prevention letters to allotments")
    at.selectbox(key=page.DECISION_PROBLEM_KEY).set_value(problem.id)
    at.button(key=page.ADD_DECISION_KEY).click().run()
    assert not at.exception
    with Session(engine) as session:
        moved = get_problem(session, problem.id)
        (decision,) = list_decisions(session, problem_id=problem.id)
        audit = list_audit(session, entity="problem", entity_id=problem.id)
    assert (moved.sara_stage, moved.version, moved.updated_by) == ("response", 2, "pc.smith")
    assert [(r.field, r.old_value, r.new_value) for r in audit[1:]] == [
        ("sara_stage", "scanning", "response")
    ]
    assert (decision.meeting_id, decision.created_by) == (meeting.id, "pc.smith")
    assert decision.decision == "Crime prevention letters to allotments"


def test_linked_wards_become_stored_areas_the_assessment_can_use(
    engine: Engine, demo_area: StudyArea
) -> None:
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="Vehicle crime", user="sgt.lee")
    at = _tasking()
    treated, comparison = demo_area.ward_names[0], demo_area.ward_names[-1]
    for ward, kind in ((treated, "patrol_area"), (comparison, "comparison_area")):
        at.selectbox(key=page.LINK_WARD_KEY).set_value(ward)
        at.selectbox(key=page.LINK_KIND_KEY).set_value(kind)
        at.button(key=page.LINK_AREA_KEY).click().run()
        assert not at.exception
        assert not at.error
    with Session(engine) as session:
        stored = list_areas(session, problem_id=problem.id)
    assert [(a.name, a.kind) for a in stored] == [
        (treated, "patrol_area"),
        (comparison, "comparison_area"),
    ]
    at.selectbox(key=page.TREATED_KEY).set_value(f"{page.STORED_PREFIX}1: {treated}")
    at.selectbox(key=page.COMPARISON_KEY).set_value(f"{page.STORED_PREFIX}2: {comparison}")
    at.run()
    assert not at.exception
    wards = demo_area.wards.set_index("ward_name").geometry
    months = demo_area.months
    half = len(months) // 2
    expected = assess_response(
        demo_area.points,
        wards[treated],
        wards[comparison],
        before=(months[0], months[half - 1]),
        after=(months[half], months[-1]),
    )
    (wdd,) = [m for m in at.metric if m.label == "WDD (crimes per month)"]
    assert wdd.value == f"{expected.wdd.est_total:+.2f}"


def _demo_route(demo_area: StudyArea) -> tuple[LineString, MultiPoint]:
    """A short route inside the first demo ward, with three stops."""
    centre = demo_area.wards.geometry.iloc[0].representative_point()
    x, y = round(centre.x), round(centre.y)
    line = LineString([(x, y), (x + 100, y), (x + 100, y + 100)])
    return line, MultiPoint([(x, y), (x + 100, y), (x + 100, y + 100)])


def test_recording_a_finding_at_a_stop_stores_its_location_and_maps_it(
    engine: Engine, demo_area: StudyArea
) -> None:
    line, stops = _demo_route(demo_area)
    with Session(engine) as session, session.begin():
        bare = add_area(session, line, kind="eva_route", name="Old walk", user="pc.smith")
        route = add_area(
            session, line, kind="eva_route", name="Castle <walk>", user="pc.smith", stops=stops
        )
        legacy = add_finding(  # stored before a position was required: made unlocated below
            session,
            bare.id,
            stop_number=1,
            answers={"litter": False},
            user="pc.smith",
            point=Point(545_000, 260_000),
        )
        session.execute(
            text("UPDATE eva_findings SET x_m = NULL, y_m = NULL WHERE id = :id"),
            {"id": legacy.id},
        )
    at = _tasking()
    assert any("saved without its stops" in c.value for c in at.caption)
    at.selectbox(key=page.FINDING_ROUTE_KEY).set_value(route.id).run()
    assert any("saved with its 3 stops" in c.value for c in at.caption)
    at.number_input(key=page.FINDING_STOP_KEY).set_value(2)
    at.multiselect(key=page.FINDING_SEEN_KEY).set_value(["graffiti", "fly_tipping"])
    at.text_area(key=page.FINDING_NOTE_KEY).set_value("Tags <script>")
    at.button(key=page.ADD_FINDING_KEY).click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    at.selectbox(key=page.FINDING_ROUTE_KEY).set_value(bare.id).run()
    at.multiselect(key=page.FINDING_SEEN_KEY).set_value(["graffiti"])
    at.button(key=page.ADD_FINDING_KEY).click().run()  # no stops and no position: refused
    assert not at.exception, at.exception
    assert any("saved without its stops, so stop 1 has no position" in e.value for e in at.error)
    at.selectbox(key=page.FINDING_ROUTE_KEY).set_value(bare.id).run()
    assert at.multiselect(key=page.FINDING_SEEN_KEY).value == ["graffiti"]  # kept, refused
    at.multiselect(key=page.FINDING_SEEN_KEY).set_value([])
    at.text_area(key=page.FINDING_NOTE_KEY).set_value("   ")
    at.number_input(key=page.FINDING_X_KEY).set_value(545_000.0)
    at.number_input(key=page.FINDING_Y_KEY).set_value(260_000.0)
    at.button(key=page.ADD_FINDING_KEY).click().run()  # nothing ticked, no note: refused
    assert any("The finding records nothing" in e.value for e in at.error)
    with Session(engine) as session:
        unlocated, located = sorted(list_findings(session), key=lambda f: f.id)
    assert located.point == stops.geoms[1]
    assert (located.route_id, located.stop_number, located.created_by) == (route.id, 2, "pc.smith")
    assert located.answers["graffiti"] is True
    assert (unlocated.route_id, unlocated.point) == (bare.id, None)
    at.selectbox(key=page.FINDING_ROUTE_KEY).set_value(route.id).run()
    assert any(
        "1 finding(s) on the map, 1 with a problem seen; 1 recorded without a location" in c.value
        for c in at.caption
    )
    table = next(d.value for d in at.dataframe if "x_m" in d.value.columns)
    assert list(table["x_m"].fillna(-1)) == [-1, stops.geoms[1].x]
    assert list(table["seen"]) == ["", "graffiti; fly_tipping"]
    maps = [c.proto.component_name for c in at.get("component_instance")]
    assert maps == ["streamlit_folium.st_folium"]  # the findings map (the only map on the page)


def test_findings_map_colours_and_escapes_each_finding(
    engine: Engine, demo_area: StudyArea
) -> None:
    line, stops = _demo_route(demo_area)
    second_x, second_y = stops.geoms[1].coords[0]
    with Session(engine) as session, session.begin():
        route = add_area(
            session, line, kind="eva_route", name="Castle <walk>", user="pc", stops=stops
        )
        add_finding(
            session,
            route.id,
            stop_number=1,
            answers={"graffiti": True},
            user="pcso",
            note="<img src=x onerror=alert(1)>",
        )
        add_finding(session, route.id, stop_number=3, answers={"litter": False}, user="pcso")
        add_finding(
            session,
            route.id,
            stop_number=2,
            answers={},
            user="pcso",
            note="Quiet",
            point=Point(second_x + 5, second_y),
        )
        records = list_findings(session)
    frame = findings_to_geodataframe(records)
    built = findings.findings_map(
        frame, demo_area.wards, route_names={route.id: route.name}, tiles="none"
    )
    rendered = built.get_root().render()
    assert "<img src=x" not in rendered
    assert "openstreetmap" not in rendered.lower()
    (geojson,) = [
        child
        for group in built._children.values()  # noqa: SLF001 - folium's element tree
        for child in getattr(group, "_children", {}).values()
        if type(child).__name__ == "GeoJson" and child.layer_name == "EVA findings"
    ]
    features = geojson.data["features"]
    colours = [findings._finding_style(f)["fillColor"] for f in features]  # noqa: SLF001 - the style under test
    assert colours == [
        findings.PROBLEM_SEEN_COLOUR,
        findings.NOTHING_SEEN_COLOUR,
        findings.NOTHING_SEEN_COLOUR,
    ]
    assert [f["properties"]["stop"] for f in features] == [1, 2, 3]
    first = features[0]["properties"]
    assert first["note"] == "&lt;img src=x onerror=alert(1)&gt;"
    assert first["route"] == "Castle &lt;walk&gt;"
    assert first["issues"] == "graffiti"
    assert [f["properties"]["issues"] for f in features[1:]] == ["none seen", "none seen"]
    assert features[0]["geometry"]["coordinates"][0] == pytest.approx(
        frame.to_crs(4326).geometry.x.iloc[0]
    )
    assert "Problem seen" in rendered
    assert "Nothing seen" in rendered


def test_assessment_refuses_an_after_period_before_the_before_period(
    engine: Engine, demo_area: StudyArea
) -> None:
    del engine
    at = _tasking()
    months = [str(m) for m in demo_area.months]
    at.select_slider(key=page.BEFORE_KEY).set_value((months[-3], months[-1]))
    at.select_slider(key=page.AFTER_KEY).set_value((months[0], months[2])).run()
    assert not at.exception
    assert any(
        f"The after period ({months[0]}..{months[2]}) comes before the before period "
        f"({months[-3]}..{months[-1]})" in e.value
        for e in at.error
    ), [e.value for e in at.error]
    assert not [m for m in at.metric if m.label == "WDD (crimes per month)"]


def test_another_applications_sqlite_file_is_refused_on_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3  # noqa: PLC0415 - only this test makes a foreign file

    path = tmp_path / "crm.sqlite"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE problems (name TEXT)")
    monkeypatch.setenv("PATCHMAP_DATABASE_URL", f"sqlite:///{path}")
    at = _tasking(user=None)
    assert any("holds another application's tables (problems)" in e.value for e in at.error)
    with sqlite3.connect(path) as other:
        assert [r[0] for r in other.execute("SELECT name FROM sqlite_master")] == ["problems"]


def test_the_forms_say_which_text_partners_read(engine: Engine) -> None:
    """A title and a non-Intelligence action go into partner packs: the boxes say so."""
    del engine
    at = _tasking()
    assert "Partners read the title" in str(at.text_input(key=page.PROBLEM_TITLE_KEY).help)
    assert "police only" in str(at.text_area(key=page.PROBLEM_DESCRIPTION_KEY).help)
