"""The tasking log on SQLite and PostgreSQL: migrations, round trips, conflicts, audit."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import pytest
import shapely
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from shapely import LineString, Point, box
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.orm import Session

from spatial.crs import BNG
from spatial.errors import (
    DatabaseError,
    EditConflictError,
    InvalidGeometryError,
    OutsideGreatBritainError,
    ParameterError,
    PatchmapError,
    RecordNotFoundError,
)
from tasking.store import (
    Base,
    add_action,
    add_area,
    add_decision,
    add_finding,
    add_meeting,
    add_problem,
    areas_to_geodataframe,
    connect,
    delete_action,
    downgrade_database,
    export_log,
    get_action,
    get_area,
    get_problem,
    list_actions,
    list_areas,
    list_audit,
    list_decisions,
    list_findings,
    list_meetings,
    list_problems,
    resolve_database_url,
    update_action,
    update_problem,
    upgrade_database,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.engine import Engine

TABLES = {
    "problems",
    "actions",
    "areas",
    "nag_meetings",
    "nag_decisions",
    "eva_findings",
    "audit_log",
    "add_requests",
}
PATROL = box(545_000, 260_000, 545_400, 260_300)  # Cambridge, BNG metres
ROUTE = LineString([(545_050, 260_050), (545_200, 260_100), (545_350, 260_250)])


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = connect(database_url)
    yield engine
    engine.dispose()


def test_migrations_upgrade_an_empty_database_and_match_the_models(database_url: str) -> None:
    engine = create_engine(resolve_database_url(database_url))
    try:
        assert set(inspect(engine).get_table_names()) == set()
        upgrade_database(engine)
        assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            assert context.get_current_revision() == "0004"
        upgrade_database(engine)  # a second run is a no-op
        downgrade_database(engine)  # and the downgrade removes every table
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        upgrade_database(engine)
        assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
    finally:
        engine.dispose()


def test_opening_a_log_puts_its_ward_names_in_nfc_keeping_the_rest(database_url: str) -> None:
    """A log written before names were normalised: "Cafe" + U+0301 missed the ward "Café"."""
    decomposed, composed = "Cafe\u0301", "Caf\u00e9"
    old = create_engine(resolve_database_url(database_url))
    try:
        upgrade_database(old, revision="0003")
        with Session(old) as session, session.begin():
            problem = add_problem(session, title="ASB", user="pc.a", ward=composed)
            add_problem(session, title="Bikes", user="pc.a", ward="Castle")
            add_action(
                session, problem_id=problem.id, epic="prevention", description="Lights", user="pc.a"
            )
        with old.begin() as connection:  # as an older patchmap stored it
            connection.execute(
                text("UPDATE problems SET ward = :ward WHERE id = :id"),
                {"ward": decomposed, "id": problem.id},
            )
        with Session(old) as session:
            before = export_log(session)
            assert list_problems(session, ward=composed) == ()  # the defect: no match
    finally:
        old.dispose()
    assert before["problems"][0]["ward"] == decomposed
    engine = connect(database_url)  # opening the log migrates it
    try:
        with Session(engine) as session:
            (found,) = list_problems(session, ward=composed)
            after = export_log(session)
            assert [a.problem_id for a in list_actions(session, problem_id=found.id)] == [found.id]
    finally:
        engine.dispose()
    assert (found.id, found.ward, found.title) == (problem.id, composed, "ASB")
    assert after["problems"][0] == {**before["problems"][0], "ward": composed}
    assert {k: v for k, v in after.items() if k != "problems"} == {
        k: v for k, v in before.items() if k != "problems"
    }  # actions, audit and the other problem as they were: no new version or audit row
    assert after["problems"][1] == before["problems"][1]


def test_problem_action_area_meeting_finding_round_trip(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        problem = add_problem(
            session,
            title="  Cycle theft at the station racks ",
            user="pc.smith",
            description="42 thefts in 6 months",
            ward="Petersfield",
        )
        action = add_action(
            session,
            problem.id,
            epic="prevention",
            description="Replace butterfly racks with Sheffield stands",
            user="pc.smith",
            owner_agency="Cambridge City Council",
            owner_person="J. Patel",
            due_date=dt.date(2026, 12, 1),
            notes="Quote requested",
        )
        patrol = add_area(
            session,
            PATROL,
            kind="patrol_area",
            name="Station patrol",
            user="pc.smith",
            problem_id=problem.id,
        )
        route = add_area(
            session,
            ROUTE,
            kind="eva_route",
            name="Station EVA",
            user="pc.smith",
            problem_id=problem.id,
        )
        meeting = add_meeting(
            session, name="Petersfield NAG", held_on=dt.date(2026, 11, 20), user="chair"
        )
        decision = add_decision(
            session,
            meeting.id,
            decision="Adopt cycle theft as a priority",
            user="chair",
            problem_id=problem.id,
        )
        finding = add_finding(
            session,
            route.id,
            stop_number=2,
            answers={"graffiti": True, "street_lighting": False},
            user="pcso.jones",
            note="Tags on the underpass",
            photo_ref="IMG_0042.jpg",
            spoken_to="Station manager",
            walked_on=dt.date(2026, 11, 18),
            point=Point(545_120, 260_060),
        )
    with Session(engine) as session:
        assert get_problem(session, problem.id) == problem
        assert problem.title == "Cycle theft at the station racks"
        assert problem.version == 1
        assert problem.sara_stage == "scanning"
        assert problem.created_at.tzinfo is not None
        assert list_problems(session) == (problem,)
        assert list_problems(session, sara_stage="response") == ()
        assert get_action(session, action.id) == action
        assert list_actions(session, problem_id=problem.id) == (action,)
        assert action.due_date == dt.date(2026, 12, 1)
        assert action.is_overdue(dt.date(2026, 12, 2))
        assert not action.is_overdue(dt.date(2026, 12, 1))
        assert get_area(session, patrol.id).geometry.equals(PATROL)
        assert list_areas(session, kind="eva_route") == (route,)
        assert route.geometry.equals(ROUTE)
        assert list_meetings(session) == (meeting,)
        assert list_decisions(session, problem_id=problem.id) == (decision,)
        (stored,) = list_findings(session, route_id=route.id)
        assert stored == finding
        assert stored.answers["graffiti"] is True
        assert stored.answers["street_lighting"] is False
        assert stored.answers["fly_tipping"] is None
        exported = export_log(session)
    assert {k: len(v) for k, v in exported.items()} == {
        "problems": 1,
        "actions": 1,
        "areas": 2,
        "meetings": 1,
        "decisions": 1,
        "findings": 1,
        "audit": 7,
    }
    assert json.loads(json.dumps(exported))["actions"][0]["due_date"] == "2026-12-01"
    frame = areas_to_geodataframe((patrol, route))
    assert frame.crs == BNG
    assert list(frame["kind"]) == ["patrol_area", "eva_route"]
    assert frame.geometry.iloc[0].area == pytest.approx(400 * 300)


def _problem_and_action(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="ASB in the park", user="pc.smith")
        action = add_action(
            session, problem.id, epic="enforcement", description="Dispersal order", user="sgt.lee"
        )
    return problem.id, action.id


def test_concurrent_edits_of_an_action_lose_neither_change(engine: Engine) -> None:
    _, action_id = _problem_and_action(engine)
    # Alice and Bob both open the action (each in their own request/session).
    with Session(engine) as alice_session:
        alice_view = get_action(alice_session, action_id)
    with Session(engine) as bob_session:
        bob_view = get_action(bob_session, action_id)
    assert alice_view.version == bob_view.version == 1
    with Session(engine) as alice_session, alice_session.begin():
        saved = update_action(
            alice_session,
            action_id,
            expected_version=alice_view.version,
            user="alice",
            status="in_progress",
        )
    assert saved.version == 2
    with (
        pytest.raises(
            EditConflictError,
            match=r"Action \d+ was changed by alice .* now version 2: status: 'open' -> "
            r"'in_progress' by alice\)\. Your change to notes was not saved: reload",
        ) as caught,
        Session(engine) as bob_session,
        bob_session.begin(),
    ):
        update_action(
            bob_session,
            action_id,
            expected_version=bob_view.version,
            user="bob",
            notes="Council warden on board",
        )
    assert caught.value.changed_by == "alice"
    assert caught.value.current_version == 2
    assert isinstance(caught.value, PatchmapError)
    # Bob reloads and applies his change again: both survive.
    with Session(engine) as bob_session, bob_session.begin():
        reloaded = get_action(bob_session, action_id)
        final = update_action(
            bob_session,
            action_id,
            expected_version=reloaded.version,
            user="bob",
            notes="Council warden on board",
        )
    assert (final.status, final.notes, final.version) == (
        "in_progress",
        "Council warden on board",
        3,
    )
    assert final.updated_by == "bob"


def test_conflict_found_at_write_time_is_reported_too(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Alice tries to save between Bob's version check and his UPDATE. On PostgreSQL she can:
    # the version column in Bob's UPDATE's WHERE clause catches it. On SQLite every transaction
    # starts with the write lock (BEGIN IMMEDIATE), so she cannot: she waits for Bob and, with a
    # short lock timeout, is told the log is locked; Bob's save goes through.
    _, action_id = _problem_and_action(engine)
    on_sqlite = engine.dialect.name == "sqlite"
    state: dict[str, object] = {"interfered": False}

    def now_with_interference() -> dt.datetime:
        if not state["interfered"]:
            state["interfered"] = True
            url = engine.url.render_as_string(hide_password=False)
            alice_engine = connect(url, migrate=False, lock_timeout_s=0.2)
            try:
                with Session(alice_engine) as alice, alice.begin():
                    update_action(alice, action_id, expected_version=1, user="alice", status="done")
            except DatabaseError as err:
                state["alice"] = str(err)
            finally:
                alice_engine.dispose()
        return dt.datetime.now(dt.UTC)

    monkeypatch.setattr("tasking._log_repository.now", now_with_interference)
    if on_sqlite:
        with Session(engine) as bob, bob.begin():
            update_action(bob, action_id, expected_version=1, user="bob", notes="mine")
        assert "is locked by another program" in str(state["alice"])
    else:
        with (
            pytest.raises(EditConflictError, match=r"changed by alice.*Your change to notes"),
            Session(engine) as bob,
            bob.begin(),  # as callers use it: the conflict must surface, not a SQLAlchemy error
        ):
            update_action(bob, action_id, expected_version=1, user="bob", notes="mine")
    monkeypatch.undo()
    with Session(engine) as session:
        stored = get_action(session, action_id)
    expected = ("open", "mine", 2) if on_sqlite else ("done", "", 2)
    assert (stored.status, stored.notes, stored.version) == expected


def test_editing_an_action_someone_deleted_says_who_deleted_it(engine: Engine) -> None:
    _, action_id = _problem_and_action(engine)
    with Session(engine) as session, session.begin():
        delete_action(session, action_id, expected_version=1, user="alice")
    with (
        Session(engine) as session,
        pytest.raises(
            EditConflictError,
            match=rf"Action {action_id} was deleted by alice at .*; your change to status was not",
        ) as caught,
    ):
        update_action(session, action_id, expected_version=1, user="bob", status="done")
    assert caught.value.changed_by == "alice"
    with Session(engine) as session, pytest.raises(RecordNotFoundError, match="No action has id"):
        update_action(session, 12345, expected_version=1, user="bob", status="done")


def test_audit_trail_records_who_changed_what_and_when(engine: Engine) -> None:
    problem_id, action_id = _problem_and_action(engine)
    before = dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():
        update_problem(
            session,
            problem_id,
            expected_version=1,
            user="insp.khan",
            sara_stage="analysis",
            ward="Abbey",
        )
        update_action(
            session,
            action_id,
            expected_version=1,
            user="sgt.lee",
            due_date=dt.date(2027, 1, 15),
            status="open",  # status unchanged: no audit row
        )
        delete_action(session, action_id, expected_version=2, user="insp.khan")
    with Session(engine) as session:
        problem_rows = list_audit(session, entity="problem", entity_id=problem_id)
        action_rows = list_audit(session, entity="action", entity_id=action_id)
        assert list_actions(session) == ()
    updates = [
        (r.changed_by, r.field, r.old_value, r.new_value, r.entity_version)
        for r in problem_rows[1:]
    ]
    assert sorted(updates) == [
        ("insp.khan", "sara_stage", "scanning", "analysis", 2),
        ("insp.khan", "ward", None, "Abbey", 2),
    ]
    assert problem_rows[0].operation == "create"
    assert json.loads(problem_rows[0].new_value or "")["title"] == "ASB in the park"
    assert [(r.operation, r.changed_by, r.field) for r in action_rows] == [
        ("create", "sgt.lee", None),
        ("update", "sgt.lee", "due_date"),
        ("delete", "insp.khan", None),
    ]
    assert action_rows[1].old_value is None
    assert action_rows[1].new_value == "2027-01-15"
    assert json.loads(action_rows[2].old_value or "")["due_date"] == "2027-01-15"
    assert all(r.changed_at >= before - dt.timedelta(seconds=5) for r in action_rows[1:])


def test_store_errors_say_what_to_fix(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="Drug dealing", user="pc.smith")
        patrol = add_area(session, PATROL, kind="patrol_area", name="P", user="pc.smith")
        with pytest.raises(RecordNotFoundError, match="No action has id 999"):
            get_action(session, 999)
        with pytest.raises(ParameterError, match="epic must be one of enforcement, prevention"):
            add_action(session, problem.id, epic="arrest", description="x", user="a")  # type: ignore[arg-type]
        with pytest.raises(ParameterError, match="user must name who is making the change"):
            add_problem(session, title="x", user="  ")
        with pytest.raises(OutsideGreatBritainError, match="reproject longitude/latitude"):
            add_area(session, box(0.11, 52.19, 0.13, 52.21), kind="patrol_area", name="x", user="a")
        with pytest.raises(InvalidGeometryError, match="must be a LineString or MultiLineString"):
            add_area(session, PATROL, kind="eva_route", name="x", user="a")
        with pytest.raises(ParameterError, match=r"is a patrol area, not an EVA route"):
            add_finding(session, patrol.id, stop_number=1, answers={}, user="a")
        with pytest.raises(ParameterError, match="expected_version must be the whole-number"):
            update_problem(session, problem.id, expected_version="1", user="a", title="y")  # type: ignore[arg-type]


def test_unknown_checklist_item_is_rejected(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        route = add_area(session, ROUTE, kind="eva_route", name="R", user="a")
        with pytest.raises(ParameterError, match=r"Unknown checklist items \['graffitti'\]"):
            add_finding(session, route.id, stop_number=1, answers={"graffitti": True}, user="a")  # type: ignore[dict-item]


def test_resolve_database_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATCHMAP_DATABASE_URL", "postgres://nag@db/tasking")
    assert resolve_database_url() == "postgresql+psycopg://nag@db/tasking"
    monkeypatch.delenv("PATCHMAP_DATABASE_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert resolve_database_url() == f"sqlite:///{tmp_path}/patchmap/tasking.sqlite"
    assert resolve_database_url(tmp_path / "x.db") == f"sqlite:///{tmp_path}/x.db"
    with pytest.raises(ParameterError, match="runs on SQLite or PostgreSQL; 'mysql://a@b/c'"):
        resolve_database_url("mysql://a@b/c")


def test_connect_creates_the_sqlite_file_and_its_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "log.sqlite"
    engine = connect(target)
    try:
        assert target.exists()
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_foreign_keys_are_enforced_on_sqlite(tmp_path: Path) -> None:
    engine = connect(tmp_path / "fk.sqlite")
    try:
        with Session(engine) as session, session.begin():
            problem = add_problem(session, title="t", user="u")
            add_action(session, problem.id, epic="intelligence", description="d", user="u")
        with engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM problems")
        with Session(engine) as session:
            assert list_actions(session) == ()  # ON DELETE CASCADE ran
    finally:
        engine.dispose()


def test_point_geometry_is_not_an_area(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(InvalidGeometryError, match="found Point"):
        add_area(session, Point(545_000, 260_000), kind="patrol_area", name="x", user="a")
    assert shapely.is_valid(PATROL)
