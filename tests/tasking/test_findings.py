"""EVA findings become proposed actions: graffiti and fly-tipping go to environmental services."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from shapely import LineString, MultiPoint
from sqlalchemy.orm import Session

from spatial.errors import ParameterError
from tasking.findings import add_proposed_actions, propose_actions
from tasking.store import (
    add_area,
    add_finding,
    add_problem,
    connect,
    list_actions,
    list_areas,
    list_findings,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.engine import Engine

ROUTE = LineString([(545_050, 260_050), (545_200, 260_100), (545_350, 260_250)])
STOPS = MultiPoint([(545_050, 260_050), (545_200, 260_100), (545_350, 260_250)])


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = connect(tmp_path / "findings.sqlite")
    yield engine
    engine.dispose()


def _walk(engine: Engine, *, linked: bool) -> int:
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="Underpass ASB", user="pc.smith")
        route = add_area(
            session,
            ROUTE,
            kind="eva_route",
            name="Underpass walk",
            user="pc.smith",
            problem_id=problem.id if linked else None,
            stops=STOPS,
        )
        day = dt.date(2026, 11, 18)
        add_finding(
            session,
            route.id,
            stop_number=3,
            user="pcso",
            walked_on=day,
            answers={"graffiti": True, "fly_tipping": True, "residents_spoken_to": True},
            note="Mattresses dumped",
            photo_ref="IMG_3.jpg",
            spoken_to="Two residents",
        )
        add_finding(
            session,
            route.id,
            stop_number=1,
            user="pcso",
            walked_on=day,
            answers={"graffiti": True, "street_lighting": False, "litter": None},
            note="Fresh tags",
        )
        add_finding(session, route.id, stop_number=2, user="pcso", answers={"graffiti": False})
    return problem.id


def test_findings_become_one_proposal_per_issue_for_the_right_agency(engine: Engine) -> None:
    problem_id = _walk(engine, linked=True)
    with Session(engine) as session:
        proposals = propose_actions(list_findings(session), routes=list_areas(session))
    assert [(p.item, p.owner_agency, p.epic, p.stops) for p in proposals] == [
        ("graffiti", "Environmental services", "prevention", (1, 3)),
        ("fly_tipping", "Environmental services", "prevention", (3,)),
    ]
    graffiti = proposals[0]
    assert graffiti.problem_id == problem_id
    assert graffiti.description == "Remove graffiti on EVA route 'Underpass walk', stops 1, 3"
    assert graffiti.notes == (
        "Stop 1 (2026-11-18): Fresh tags\nStop 3 (2026-11-18): Mattresses dumped [photo IMG_3.jpg]"
    )


def test_proposals_are_stored_once_as_proposed_actions(engine: Engine) -> None:
    problem_id = _walk(engine, linked=True)
    with Session(engine) as session, session.begin():
        proposals = propose_actions(list_findings(session), routes=list_areas(session))
        added = add_proposed_actions(
            session, proposals, user="nag.chair", due_date=dt.date(2026, 12, 1)
        )
        again = add_proposed_actions(session, proposals, user="nag.chair")
    assert again == ()
    with Session(engine) as session:
        stored = list_actions(session, problem_id=problem_id, status="proposed")
    assert stored == added
    assert [a.owner_agency for a in stored] == ["Environmental services"] * 2
    assert {a.source for a in stored} == {"eva_route:1:graffiti", "eva_route:1:fly_tipping"}


def test_unlinked_route_needs_a_problem(engine: Engine) -> None:
    problem_id = _walk(engine, linked=False)
    with Session(engine) as session, session.begin():
        proposals = propose_actions(list_findings(session), routes=list_areas(session))
        assert all(p.problem_id is None for p in proposals)
        with pytest.raises(ParameterError, match=r"EVA route\(s\) 1 are not linked to a problem"):
            add_proposed_actions(session, proposals, user="a")
        added = add_proposed_actions(session, proposals, user="a", problem_id=problem_id)
    assert len(added) == 2


def test_no_issue_seen_proposes_nothing() -> None:
    assert propose_actions(()) == ()
