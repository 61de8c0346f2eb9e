"""The pack's content: its change figures are the profile's comparison."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from shapely import LineString, Point
from sqlalchemy.orm import Session

from boundaries.select import Selection, select_points
from layers.briefing import render_briefing
from spatial.errors import PatchmapWarning
from tasking.assess import assess_response
from tasking.pack import briefing_content, pack_period, read_tasking
from tasking.profile import build_profile, change_since, meeting_changes
from tasking.store import add_action, add_area, add_finding, add_problem, connect

if TYPE_CHECKING:
    from pathlib import Path

    from shapely.geometry.base import BaseGeometry

    from boundaries.dataset import StudyArea
    from tasking.store import AreaKind, EpicType

WARD = "Castle"


def test_change_since_a_meeting_is_the_profiles_previous_period_of_those_months(
    demo_area: StudyArea,
) -> None:
    demo = demo_area
    months = demo.months[-6:]
    profile = build_profile(demo, wards=(WARD,), months=(months[0], months[-1]))
    meeting = dt.date.fromisoformat(f"{months[2]}-20")  # the last meeting fell in the 3rd month
    since = change_since(profile, demo, since=meeting)
    later = build_profile(demo, wards=(WARD,), months=(months[3], months[-1]))
    (previous,) = [c for c in later.changes if c.label == "previous period"]
    assert since is not None
    assert since.label == f"since the last meeting ({meeting.isoformat()})"
    assert (since.before, since.after) == (previous.before, previous.after)
    assert (since.n_before, since.n_after) == (previous.n_before, previous.n_after)
    assert since.p_value == previous.p_value
    assert since.verdict == previous.verdict
    assert meeting_changes(profile, demo, last_meeting=meeting)[0] == since


def test_without_a_last_meeting_the_pack_shows_the_profiles_changes(demo_area: StudyArea) -> None:
    demo = demo_area
    meeting = dt.date(2025, 10, 14)
    content = briefing_content(demo, meeting=meeting, ward=WARD)
    assert content.profile.months == pack_period(demo, meeting)
    assert content.changes == content.profile.changes
    assert content.route is None
    assert content.hot_cells is not None
    assert int(content.hot_cells["n_crimes"].sum()) == len(content.points)


def test_a_meeting_after_the_profile_changes_nothing(demo_area: StudyArea) -> None:
    demo = demo_area
    profile = build_profile(demo, wards=(WARD,), months=(demo.months[-3], demo.months[-1]))
    assert change_since(profile, demo, since=dt.date(2030, 1, 1)) is None
    assert meeting_changes(profile, demo, last_meeting=dt.date(2030, 1, 1)) == profile.changes


def _finished(
    session: Session,
    title: str,
    *,
    ward: str,
    patrol: BaseGeometry | None,
    comparison: BaseGeometry | None,
    due: dt.date | None,
    epic: EpicType = "prevention",
) -> None:
    problem = add_problem(session, title=title, user="pc.a", ward=ward, sara_stage="assessment")
    add_action(
        session, problem.id, epic=epic, description="patrols", user="pc.a", due_date=due,
        status="done",
    )  # fmt: skip
    kinds: tuple[tuple[AreaKind, BaseGeometry | None], ...] = (
        ("patrol_area", patrol),
        ("comparison_area", comparison),
    )
    for kind, shape in kinds:
        if shape is not None:
            add_area(session, shape, kind=kind, name=kind, user="pc.a", problem_id=problem.id)


def test_pack_assessments_count_the_packs_crime_types_and_say_why_one_is_missing(
    demo_area: StudyArea, tmp_path: Path
) -> None:
    demo = demo_area
    ward = "Castle"
    centres = demo.wards.set_index("ward_name").geometry.representative_point()
    here, there = centres[ward], max(centres, key=centres[ward].distance)
    engine = connect(f"sqlite:///{tmp_path / 'log.sqlite'}")
    due = dt.date(2025, 6, 1)
    with Session(engine) as session, session.begin():
        _finished(
            session,
            "Counted",
            ward=ward,
            patrol=here.buffer(400),
            comparison=there.buffer(400),
            due=due,
        )
        _finished(
            session,
            "Overlapping",
            ward=ward,
            patrol=here.buffer(400),
            comparison=here.buffer(300),
            due=due,
        )
        _finished(
            session, "No comparison", ward=ward, patrol=here.buffer(400), comparison=None, due=due
        )
        _finished(
            session,
            "Too late",
            ward=ward,
            patrol=here.buffer(400),
            comparison=there.buffer(400),
            due=dt.date(2026, 1, 5),
        )
    types = ("Violence and sexual offences",)
    with Session(engine) as session:
        snapshot = read_tasking(
            session, demo, wards=[ward], meeting=dt.date(2025, 10, 14), crime_types=types
        )
    assert snapshot.crime_types == types
    [(title, assessment)] = snapshot.assessments
    assert title == "Counted"
    # the same counts `tasks assess --crime-type` gives: the pack's types, not every crime
    violence = select_points(demo, Selection(crime_types=types))
    expected = assess_response(
        violence, here.buffer(400), there.buffer(400), before=assessment.before,
        after=assessment.after,
    )  # fmt: skip
    assert assessment.treated == expected.treated
    assert assessment.comparison == expected.comparison
    everything = assess_response(
        demo.points, here.buffer(400), there.buffer(400), before=assessment.before,
        after=assessment.after,
    )  # fmt: skip
    assert everything.treated.n_before > assessment.treated.n_before  # other types left out
    reasons = dict(snapshot.not_assessed)
    assert set(reasons) == {"Overlapping", "No comparison", "Too late"}
    assert reasons["Overlapping"].startswith("The patrol area and the comparison area overlap")
    assert reasons["No comparison"].startswith("the log holds no comparison area for it")
    assert "started in 2026-01" in reasons["Too late"]
    pack = render_briefing(
        briefing_content(demo, meeting=dt.date(2025, 10, 14), ward=ward, crime_types=types,
                         tasking=snapshot),
        demo, audience="police",
    )  # fmt: skip
    assert "Not assessed: " in pack.html
    assert "Counting Violence and sexual offences in each problem" in pack.html


def test_pack_assessments_use_no_month_from_the_meeting_on(
    demo_area: StudyArea, tmp_path: Path
) -> None:
    demo = demo_area
    centres = demo.wards.set_index("ward_name").geometry.representative_point()
    here, there = centres["Castle"], max(centres, key=centres["Castle"].distance)
    engine = connect(f"sqlite:///{tmp_path / 'log.sqlite'}")
    with Session(engine) as session, session.begin():
        _finished(session, "Past", ward="Castle", patrol=here.buffer(400),
                  comparison=there.buffer(400), due=dt.date(2025, 2, 10))  # fmt: skip
    with Session(engine) as session:
        snapshot = read_tasking(session, demo, wards=["Castle"], meeting=dt.date(2025, 5, 20))
    [(_, assessment)] = snapshot.assessments
    assert assessment.after == ("2025-02", "2025-04")  # the meeting's month (May) not used
    assert assessment.before == ("2024-11", "2025-01")


def test_a_small_count_warning_names_its_problem(demo_area: StudyArea, tmp_path: Path) -> None:
    demo = demo_area
    centres = demo.wards.set_index("ward_name").geometry.representative_point()
    here, there = centres["Castle"], max(centres, key=centres["Castle"].distance)
    engine = connect(f"sqlite:///{tmp_path / 'log.sqlite'}")
    with Session(engine) as session, session.begin():
        _finished(session, "Tiny patch", ward="Castle", patrol=here.buffer(30),
                  comparison=there.buffer(30), due=dt.date(2025, 6, 1))  # fmt: skip
    with (
        Session(engine) as session,
        pytest.warns(PatchmapWarning, match=r"^Tiny patch: Fewer than"),
    ):
        read_tasking(session, demo, wards=["Castle"], meeting=dt.date(2025, 10, 14))


def test_problems_are_matched_to_wards_as_typed_and_the_rest_are_named(
    demo_area: StudyArea, tmp_path: Path
) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'log.sqlite'}")
    with Session(engine) as session, session.begin():
        add_problem(session, title="Lower case", user="pc.a", ward=" castle")
        add_problem(session, title="Typed wrong", user="pc.a", ward="Castle ward")
        add_problem(session, title="Force-wide", user="pc.a")
        add_problem(session, title="Elsewhere", user="pc.a", ward="Riverside")
    with Session(engine) as session:
        snapshot = read_tasking(session, demo_area, wards=["Castle"], meeting=dt.date(2025, 10, 14))
    assert [p.title for p in snapshot.problems] == ["Lower case"]
    assert snapshot.unplaced == ("Typed wrong", "Force-wide")
    content = briefing_content(
        demo_area, meeting=dt.date(2025, 10, 14), ward="Castle", tasking=snapshot
    )
    police = render_briefing(content, demo_area, audience="police")
    assert "Not in any ward's pack: 2 open problems (Typed wrong; Force-wide)" in police.html


def test_the_pack_counts_the_logs_eva_findings_as_profile_db_does(
    demo_area: StudyArea, tmp_path: Path
) -> None:
    demo = demo_area
    centre = demo.wards.set_index("ward_name").geometry.representative_point()
    x, y = float(centre.x["Castle"]), float(centre.y["Castle"])
    here, there = Point(x, y), Point(x + 200, y)
    engine = connect(f"sqlite:///{tmp_path / 'log.sqlite'}")
    with Session(engine) as session, session.begin():
        route = add_area(
            session, LineString([here, there]), kind="eva_route", name="Walk", user="pc.a",
            stops=[here, there],
        )  # fmt: skip
        for stop, day in (
            (1, dt.date(2025, 8, 5)),
            (2, dt.date(2025, 8, 5)),
            (1, dt.date(2024, 11, 2)),
        ):
            add_finding(
                session, route.id, stop_number=stop, user="pc.a", walked_on=day,
                answers={"graffiti": True, "litter": stop == 1},
            )  # fmt: skip
    meeting = dt.date(2025, 10, 14)
    with Session(engine) as session:
        snapshot = read_tasking(session, demo, wards=["Castle"], meeting=meeting)
    content = briefing_content(demo, meeting=meeting, ward="Castle", tasking=snapshot)
    found = content.profile.eva_findings
    assert found is not None
    assert (found.n_findings, found.n_with_issues) == (2, 2)  # November 2024 is not in the period
    assert found.by_issue == {"graffiti": 2, "litter": 1}
    profiled = build_profile(
        demo, wards=("Castle",), months=content.profile.months, findings=snapshot.findings
    )
    assert profiled.eva_findings == found  # the figure `profile --db` gives
    police = render_briefing(content, demo, audience="police")
    row = "<th>EVA findings in the period</th><td>2 (2 with issues seen: graffiti 2, litter 1)"
    assert row in police.html
    public = briefing_content(
        demo, meeting=meeting, ward="Castle", tasking=snapshot, hot_cell_size_m=250
    )
    assert "EVA findings" not in render_briefing(public, demo, audience="public").html
