"""
The tasking log: problems, EPIC actions, areas, NAG decisions, EVA findings and an audit trail.

A real database through SQLAlchemy 2: an SQLite file by default, or PostgreSQL for a shared
multi-agency deployment (``PATCHMAP_DATABASE_URL=postgresql://user@host/db``). The schema is
created and upgraded by the Alembic migrations shipped in ``tasking/migrations``
(:func:`upgrade_database`; :func:`connect` runs it for you).

Every function takes a :class:`~sqlalchemy.orm.Session` first and returns frozen records, never
live ORM objects; the caller owns the transaction::

    engine = connect("sqlite:///tasking.sqlite")
    with Session(engine) as session, session.begin():
        problem = add_problem(session, title="Cycle theft at the station", user="pc.smith")

Problems and actions carry a ``version``: an update names the version it was based on
(``expected_version``) and raises :class:`EditConflictError` if someone else saved first, so
neither edit is lost silently. Every change writes rows to the audit log (who, when, which field,
old and new value).

Geometries (patrol areas, EVA routes, comparison areas) are stored as WKT text in British
National Grid metres, which works on SQLite and PostgreSQL alike. An EVA route may also keep its
stops (``add_area(..., stops=...)``: a MultiPoint in visiting order, ``areas.stops_wkt``), so a
finding recorded at stop ``n`` is located at that stop unless a point is given; findings keep
their location as ``x_m``/``y_m`` (BNG metres, empty when unknown).

The code is split along its seams: the vocabulary and tables (``tasking/_log_schema.py``), the
records handed back (``_log_records.py``), opening and migrating the database
(``_log_database.py``), the checks of callers' values (``_log_checks.py``) and one generic
repository for every kind of record (``_log_repository.py``). The functions here are its thin,
documented public face.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, cast

from spatial.crs import BNG
from spatial.errors import ParameterError
from spatial.names import normal_name
from tasking import _log_repository as repo
from tasking._log_checks import (
    check_choice,
    check_date,
    check_geometry,
    check_point,
    check_stops,
    check_user,
    is_whole,
)
from tasking._log_database import (
    DATABASE_URL_ENV,
    connect,
    default_database_url,
    downgrade_database,
    resolve_database_url,
    upgrade_database,
)
from tasking._log_records import (
    ActionRecord,
    AreaRecord,
    AuditRecord,
    DecisionRecord,
    FindingRecord,
    MeetingRecord,
    ProblemRecord,
)
from tasking._log_schema import (
    ACTION_STATUSES,
    AREA_KINDS,
    CHECKLIST_ITEMS,
    EPIC_TYPES,
    PROBLEM_STATUSES,
    SARA_STAGES,
    UNCHANGED,
    ActionStatus,
    AreaKind,
    Base,
    ChecklistItem,
    Entity,
    EpicType,
    ProblemStatus,
    SaraStage,
    Unchanged,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping, Sequence

    import geopandas as gpd
    from shapely.geometry import MultiPoint, Point
    from shapely.geometry.base import BaseGeometry
    from sqlalchemy.orm import Session

__all__ = [
    "ACTION_STATUSES",
    "AREA_KINDS",
    "CHECKLIST_ITEMS",
    "DATABASE_URL_ENV",
    "EPIC_TYPES",
    "PROBLEM_STATUSES",
    "SARA_STAGES",
    "UNCHANGED",
    "ActionRecord",
    "ActionStatus",
    "AreaKind",
    "AreaRecord",
    "AuditRecord",
    "Base",
    "ChecklistItem",
    "DecisionRecord",
    "EpicType",
    "FindingRecord",
    "MeetingRecord",
    "ProblemRecord",
    "ProblemStatus",
    "SaraStage",
    "Unchanged",
    "add_action",
    "add_area",
    "add_decision",
    "add_finding",
    "add_meeting",
    "add_problem",
    "areas_to_geodataframe",
    "connect",
    "default_database_url",
    "delete_action",
    "downgrade_database",
    "export_log",
    "get_action",
    "get_area",
    "get_eva_route",
    "get_problem",
    "list_actions",
    "list_areas",
    "list_audit",
    "list_decisions",
    "list_findings",
    "list_meetings",
    "list_problems",
    "request_id_for",
    "resolve_database_url",
    "update_action",
    "update_problem",
    "upgrade_database",
]


def add_problem(
    session: Session,
    *,
    title: str,
    user: str,
    description: str = "",
    sara_stage: SaraStage = "scanning",
    ward: str | None = None,
    request_id: str | None = None,
) -> ProblemRecord:
    """
    Add a problem to the tasking log.

    Parameters
    ----------
    session
        Open session; the caller commits.
    title
        Short name of the problem ("Cycle theft, Mill Road station racks").
    user
        Who is adding it (recorded in the audit trail).
    description
        What the problem is and the evidence for it.
    sara_stage
        Stage of the SARA model it is at.
    ward
        Ward name it lies in, if one.
    request_id
        Idempotency key of this add (e.g. a UUID made once per intended record): when an add
        with this key was stored before, as after a crash or a lost reply, its record is
        returned and nothing is added. The same key with other values is refused. None: no
        such protection.

    Returns
    -------
    ProblemRecord
        The stored problem, version 1.

    Raises
    ------
    ParameterError
        When the title or user is empty or a choice is not one of the allowed values.
    """
    return repo.add(
        session,
        repo.PROBLEMS,
        user=user,
        request_id=request_id,
        title=title,
        description=description,
        sara_stage=sara_stage,
        status="open",
        ward=ward,
    )


def get_problem(session: Session, problem_id: int) -> ProblemRecord:
    """
    Return one problem.

    Parameters
    ----------
    session
        Open session.
    problem_id
        Its id.

    Returns
    -------
    ProblemRecord
        The problem as stored now.

    Raises
    ------
    RecordNotFoundError
        When no problem has that id.
    """
    return repo.get(session, repo.PROBLEMS, problem_id)


def list_problems(
    session: Session,
    *,
    sara_stage: SaraStage | None = None,
    status: ProblemStatus | None = None,
    ward: str | None = None,
) -> tuple[ProblemRecord, ...]:
    """
    List problems, oldest first.

    Parameters
    ----------
    session
        Open session.
    sara_stage
        Only problems at this stage.
    status
        Only open or only closed problems.
    ward
        Only problems in this ward (stored names are in Unicode NFC, as this is made).

    Returns
    -------
    tuple of ProblemRecord
        Matching problems ordered by id.
    """
    return repo.select_records(
        session,
        repo.PROBLEMS,
        sara_stage=repo.optional_choice(sara_stage, SARA_STAGES, "sara_stage"),
        status=repo.optional_choice(status, PROBLEM_STATUSES, "status"),
        ward=None if ward is None else normal_name(ward),
    )


def update_problem(  # noqa: PLR0913 - one keyword per editable field
    session: Session,
    problem_id: int,
    *,
    expected_version: int,
    user: str,
    title: str | Unchanged = UNCHANGED,
    description: str | Unchanged = UNCHANGED,
    sara_stage: SaraStage | Unchanged = UNCHANGED,
    status: ProblemStatus | Unchanged = UNCHANGED,
    ward: str | Unchanged | None = UNCHANGED,
) -> ProblemRecord:
    """
    Change a problem, refusing if someone else saved it since ``expected_version``.

    Parameters
    ----------
    session
        Open session; the caller commits.
    problem_id
        The problem to change.
    expected_version
        The ``version`` of the record the edit is based on.
    user
        Who is making the change.
    title, description, sara_stage, status, ward
        New values; fields left as :data:`UNCHANGED` keep theirs.

    Returns
    -------
    ProblemRecord
        The problem after the change (``version`` + 1 if anything changed).

    Raises
    ------
    EditConflictError
        When the stored version is not ``expected_version``; the message says who changed what.
    RecordNotFoundError
        When no problem has that id.
    ParameterError
        When a value is not allowed.
    """
    return repo.update(
        session,
        repo.PROBLEMS,
        problem_id,
        expected_version=expected_version,
        user=user,
        title=title,
        description=description,
        sara_stage=sara_stage,
        status=status,
        ward=ward,
    )


def add_action(  # noqa: PLR0913 - the fields of an EPIC action
    session: Session,
    problem_id: int,
    *,
    epic: EpicType,
    description: str,
    user: str,
    owner_agency: str = "",
    owner_person: str = "",
    due_date: dt.date | None = None,
    status: ActionStatus = "open",
    notes: str = "",
    source: str | None = None,
    request_id: str | None = None,
) -> ActionRecord:
    """
    Add an EPIC action to a problem.

    Parameters
    ----------
    session
        Open session; the caller commits.
    problem_id
        The problem the action addresses.
    epic
        Enforcement, prevention, intelligence or communication.
    description
        What is to be done.
    user
        Who is adding it.
    owner_agency
        Agency responsible ("Cambridge City Council environmental services").
    owner_person
        Person responsible in that agency.
    due_date
        When it should be done.
    status
        Starting status (``proposed`` for suggestions awaiting a NAG decision).
    notes
        Free text.
    source
        Where the action came from (``"eva_finding:graffiti"``), if generated.
    request_id
        Idempotency key of this add (e.g. a UUID made once per intended record): when an add
        with this key was stored before, as after a crash or a lost reply, its record is
        returned and nothing is added. The same key with other values is refused. None: no
        such protection.

    Returns
    -------
    ActionRecord
        The stored action, version 1.

    Raises
    ------
    RecordNotFoundError
        When the problem does not exist.
    ParameterError
        When a value is not allowed.
    """
    check_user(user)
    repo.get_row(session, repo.PROBLEMS, problem_id)
    return repo.add(
        session,
        repo.ACTIONS,
        user=user,
        request_id=request_id,
        problem_id=problem_id,
        epic=epic,
        description=description,
        owner_agency=owner_agency,
        owner_person=owner_person,
        due_date=due_date,
        status=status,
        notes=notes,
        source=source,
    )


def get_action(session: Session, action_id: int) -> ActionRecord:
    """
    Return one action.

    Parameters
    ----------
    session
        Open session.
    action_id
        Its id.

    Returns
    -------
    ActionRecord
        The action as stored now.

    Raises
    ------
    RecordNotFoundError
        When no action has that id.
    """
    return repo.get(session, repo.ACTIONS, action_id)


def list_actions(
    session: Session,
    *,
    problem_id: int | None = None,
    status: ActionStatus | None = None,
    owner_agency: str | None = None,
) -> tuple[ActionRecord, ...]:
    """
    List actions, oldest first.

    Parameters
    ----------
    session
        Open session.
    problem_id
        Only this problem's actions.
    status
        Only actions with this status.
    owner_agency
        Only this agency's actions.

    Returns
    -------
    tuple of ActionRecord
        Matching actions ordered by id.
    """
    return repo.select_records(
        session,
        repo.ACTIONS,
        problem_id=problem_id,
        status=repo.optional_choice(status, ACTION_STATUSES, "status"),
        owner_agency=owner_agency,
    )


def update_action(  # noqa: PLR0913 - one keyword per editable field
    session: Session,
    action_id: int,
    *,
    expected_version: int,
    user: str,
    epic: EpicType | Unchanged = UNCHANGED,
    description: str | Unchanged = UNCHANGED,
    owner_agency: str | Unchanged = UNCHANGED,
    owner_person: str | Unchanged = UNCHANGED,
    due_date: dt.date | Unchanged | None = UNCHANGED,
    status: ActionStatus | Unchanged = UNCHANGED,
    notes: str | Unchanged = UNCHANGED,
) -> ActionRecord:
    """
    Change an action, refusing if someone else saved it since ``expected_version``.

    Parameters
    ----------
    session
        Open session; the caller commits. After an :class:`EditConflictError` the caller must
        roll its transaction back (``with session.begin():`` does).
    action_id
        The action to change.
    expected_version
        The ``version`` of the record the edit is based on.
    user
        Who is making the change.
    epic, description, owner_agency, owner_person, due_date, status, notes
        New values; fields left as :data:`UNCHANGED` keep theirs.

    Returns
    -------
    ActionRecord
        The action after the change (``version`` + 1 if anything changed).

    Raises
    ------
    EditConflictError
        When the stored version is not ``expected_version``: someone else saved first. The
        message says who, when and what they changed; reload and apply the change again.
        Also when someone else deleted the action.
    RecordNotFoundError
        When no action has that id.
    ParameterError
        When a value is not allowed.
    """
    return repo.update(
        session,
        repo.ACTIONS,
        action_id,
        expected_version=expected_version,
        user=user,
        epic=epic,
        description=description,
        owner_agency=owner_agency,
        owner_person=owner_person,
        due_date=due_date,
        status=status,
        notes=notes,
    )


def delete_action(session: Session, action_id: int, *, expected_version: int, user: str) -> None:
    """
    Delete an action (the audit trail keeps a copy).

    Parameters
    ----------
    session
        Open session; the caller commits.
    action_id
        The action to delete.
    expected_version
        The version the deletion is based on.
    user
        Who is deleting it.

    Raises
    ------
    EditConflictError
        When someone else changed or deleted the action since ``expected_version``.
    RecordNotFoundError
        When no action has that id.
    """
    repo.delete(session, repo.ACTIONS, action_id, expected_version=expected_version, user=user)


def add_area(
    session: Session,
    geometry: BaseGeometry,
    *,
    kind: AreaKind,
    name: str,
    user: str,
    problem_id: int | None = None,
    stops: MultiPoint | Sequence[Point] | None = None,
    request_id: str | None = None,
) -> AreaRecord:
    """
    Store a patrol area, EVA route or comparison area.

    Parameters
    ----------
    session
        Open session; the caller commits.
    geometry
        Polygon (patrol or comparison area) or line (EVA route) in British National Grid metres;
        stored as WKT rounded to the millimetre.
    kind
        What the geometry is for.
    name
        Name shown in lists ("Kings Hedges evening patrol").
    user
        Who is adding it.
    problem_id
        The problem it belongs to, if one.
    stops
        An EVA route's stops in visiting order (BNG metres), as a MultiPoint or a sequence of
        Points: stop ``n`` is the ``n``-th point. Stored beside the line (``stops_wkt``) so a
        finding recorded at a stop takes the stop's position (see :func:`add_finding`).
    request_id
        Idempotency key of this add (e.g. a UUID made once per intended record): when an add
        with this key was stored before, as after a crash or a lost reply, its record is
        returned and nothing is added. The same key with other values is refused. None: no
        such protection.

    Returns
    -------
    AreaRecord
        The stored area.

    Raises
    ------
    InvalidGeometryError
        When the geometry or the stops are empty, invalid or of the wrong type for ``kind``.
    OutsideGreatBritainError
        When its coordinates are not BNG metres inside Great Britain.
    ParameterError
        When ``stops`` are given for an area that is not an EVA route.
    RecordNotFoundError
        When ``problem_id`` does not exist.
    """
    check_user(user)
    kind = check_choice(kind, AREA_KINDS, "kind")  # type: ignore[assignment]  # checked
    wkt = check_geometry(geometry, kind)
    if stops is not None and kind != "eva_route":
        msg = f"Only an EVA route has stops; a {kind.replace('_', ' ')} takes none."
        raise ParameterError(msg)
    stops_wkt = None if stops is None else check_stops(stops)
    if problem_id is not None:
        repo.get_row(session, repo.PROBLEMS, problem_id)
    return repo.add(
        session,
        repo.AREAS,
        user=user,
        request_id=request_id,
        problem_id=problem_id,
        kind=kind,
        name=name,
        geometry_wkt=wkt,
        stops_wkt=stops_wkt,
    )


def get_area(session: Session, area_id: int) -> AreaRecord:
    """
    Return one stored area.

    Parameters
    ----------
    session
        Open session.
    area_id
        Its id.

    Returns
    -------
    AreaRecord
        The area.

    Raises
    ------
    RecordNotFoundError
        When no area has that id.
    """
    return repo.get(session, repo.AREAS, area_id)


def get_eva_route(session: Session, route_id: int) -> AreaRecord:
    """
    Return one stored EVA route, refusing an id that is another kind of area.

    Parameters
    ----------
    session
        Open session.
    route_id
        The route's area id.

    Returns
    -------
    AreaRecord
        The route (``kind == "eva_route"``).

    Raises
    ------
    RecordNotFoundError
        When no area has that id.
    ParameterError
        When the area is a patrol or comparison area, not an EVA route.
    """
    route = repo.AREAS.record(repo.get_row(session, repo.AREAS, route_id, label="EVA route"))
    if route.kind != "eva_route":
        msg = (
            f"Area {route_id} ({route.name}) is a {route.kind.replace('_', ' ')}, not an EVA "
            "route; name a route (list them with: patchmap tasks list areas --kind eva_route)."
        )
        raise ParameterError(msg)
    return route


def list_areas(
    session: Session, *, problem_id: int | None = None, kind: AreaKind | None = None
) -> tuple[AreaRecord, ...]:
    """
    List stored areas, oldest first.

    Parameters
    ----------
    session
        Open session.
    problem_id
        Only this problem's areas.
    kind
        Only areas of this kind.

    Returns
    -------
    tuple of AreaRecord
        Matching areas ordered by id.
    """
    return repo.select_records(
        session,
        repo.AREAS,
        problem_id=problem_id,
        kind=repo.optional_choice(kind, AREA_KINDS, "kind"),
    )


def areas_to_geodataframe(areas: Sequence[AreaRecord]) -> gpd.GeoDataFrame:
    """
    Turn stored areas into a GeoDataFrame in British National Grid.

    Parameters
    ----------
    areas
        Records from :func:`list_areas`.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``area_id``, ``problem_id``, ``kind``, ``name``, ``geometry``; EPSG:27700.
    """
    import geopandas as gpd  # noqa: PLC0415 - keeps the store importable cheaply

    return gpd.GeoDataFrame(
        {
            "area_id": [a.id for a in areas],
            "problem_id": [a.problem_id for a in areas],
            "kind": [a.kind for a in areas],
            "name": [a.name for a in areas],
        },
        geometry=[a.geometry for a in areas],
        crs=BNG,
    )


def add_meeting(
    session: Session,
    *,
    name: str,
    held_on: dt.date,
    user: str,
    notes: str = "",
    request_id: str | None = None,
) -> MeetingRecord:
    """
    Record a Neighbourhood Action Group meeting.

    Parameters
    ----------
    session
        Open session; the caller commits.
    name
        Which NAG ("Arbury and Kings Hedges NAG").
    held_on
        Date of the meeting.
    user
        Who records it.
    notes
        Attendance, apologies, other notes.
    request_id
        Idempotency key of this add (e.g. a UUID made once per intended record): when an add
        with this key was stored before, as after a crash or a lost reply, its record is
        returned and nothing is added. The same key with other values is refused. None: no
        such protection.

    Returns
    -------
    MeetingRecord
        The stored meeting.

    Raises
    ------
    ParameterError
        When the name or user is empty or ``held_on`` is not a date.
    """
    check_user(user)
    if check_date(held_on, "held_on") is None:
        msg = "held_on must be the date of the meeting."
        raise ParameterError(msg)
    return repo.add(
        session,
        repo.MEETINGS,
        user=user,
        request_id=request_id,
        name=name,
        held_on=held_on,
        notes=notes,
    )


def list_meetings(session: Session) -> tuple[MeetingRecord, ...]:
    """
    List NAG meetings, most recent first.

    Parameters
    ----------
    session
        Open session.

    Returns
    -------
    tuple of MeetingRecord
        Meetings ordered by date (newest first), then id.
    """
    return repo.select_records(session, repo.MEETINGS)


def add_decision(
    session: Session,
    meeting_id: int,
    *,
    decision: str,
    user: str,
    problem_id: int | None = None,
    request_id: str | None = None,
) -> DecisionRecord:
    """
    Record a decision of a NAG meeting.

    Parameters
    ----------
    session
        Open session; the caller commits.
    meeting_id
        The meeting that took it.
    decision
        What was decided.
    user
        Who records it.
    problem_id
        The problem it is about, if one.
    request_id
        Idempotency key of this add (e.g. a UUID made once per intended record): when an add
        with this key was stored before, as after a crash or a lost reply, its record is
        returned and nothing is added. The same key with other values is refused. None: no
        such protection.

    Returns
    -------
    DecisionRecord
        The stored decision.

    Raises
    ------
    RecordNotFoundError
        When the meeting or problem does not exist.
    """
    check_user(user)
    repo.get_row(session, repo.MEETINGS, meeting_id)
    if problem_id is not None:
        repo.get_row(session, repo.PROBLEMS, problem_id)
    return repo.add(
        session,
        repo.DECISIONS,
        user=user,
        request_id=request_id,
        meeting_id=meeting_id,
        problem_id=problem_id,
        decision=decision,
    )


def list_decisions(
    session: Session, *, meeting_id: int | None = None, problem_id: int | None = None
) -> tuple[DecisionRecord, ...]:
    """
    List NAG decisions in the order they were recorded.

    Parameters
    ----------
    session
        Open session.
    meeting_id
        Only this meeting's decisions.
    problem_id
        Only decisions about this problem.

    Returns
    -------
    tuple of DecisionRecord
        Matching decisions ordered by id.
    """
    return repo.select_records(
        session, repo.DECISIONS, meeting_id=meeting_id, problem_id=problem_id
    )


def add_finding(  # noqa: PLR0913 - what an EVA stop records
    session: Session,
    route_id: int,
    *,
    stop_number: int,
    answers: Mapping[ChecklistItem, bool | None],
    user: str,
    note: str = "",
    photo_ref: str | None = None,
    spoken_to: str = "",
    walked_on: dt.date | None = None,
    point: Point | None = None,
    request_id: str | None = None,
) -> FindingRecord:
    """
    Record what was seen at one stop of an EVA walk.

    Parameters
    ----------
    session
        Open session; the caller commits.
    route_id
        The stored EVA route (an area of kind ``eva_route``).
    stop_number
        Stop along the route, from 1.
    answers
        Checklist answers by :data:`ChecklistItem`; items left out are "not checked".
    user
        Who records it.
    note
        What was seen.
    photo_ref
        Reference to a photo (file name or evidence number).
    spoken_to
        Who was spoken to (no personal data beyond what the partnership's DPIA allows).
    walked_on
        Date of the walk.
    point
        Where it was seen, a shapely Point in British National Grid metres. When None, the
        position of stop ``stop_number`` of a route stored with its stops
        (``add_area(..., stops=...)``); a route stored without them needs the point, since a
        finding without a location can be neither mapped nor counted in a ward's profile.
    request_id
        Idempotency key of this add (e.g. a UUID made once per intended record): when an add
        with this key was stored before, as after a crash or a lost reply, its record is
        returned and nothing is added. The same key with other values is refused. None: no
        such protection.

    Returns
    -------
    FindingRecord
        The stored finding, with every checklist item present in ``answers``.

    Raises
    ------
    RecordNotFoundError
        When the route does not exist.
    ParameterError
        When the area is not an EVA route, an answer key is unknown or not True/False/None,
        ``stop_number`` is below 1, the route stores its stops and has no such stop, no
        ``point`` is given for a route without stops, or the finding records nothing (no
        answer, note, photo or person spoken to).
    InvalidGeometryError
        When ``point`` is not a shapely Point.
    OutsideGreatBritainError
        When ``point`` is not in BNG metres inside Great Britain (longitude/latitude, say).

    Examples
    --------
    >>> from sqlalchemy import create_engine
    >>> from sqlalchemy.orm import Session
    >>> from shapely import LineString, Point
    >>> engine = create_engine("sqlite://")
    >>> upgrade_database(engine)
    >>> line = LineString([(545000, 258000), (545300, 258000)])
    >>> stops = [Point(545100, 258000), Point(545250, 258010)]
    >>> with Session(engine) as session:
    ...     route = add_area(
    ...         session, line, kind="eva_route", name="Market walk", user="pcso", stops=stops
    ...     )
    ...     found = add_finding(
    ...         session, route.id, stop_number=2, answers={"graffiti": True}, user="pcso"
    ...     )
    >>> (found.x_m, found.y_m)
    (545250.0, 258010.0)
    """
    check_user(user)
    route = get_eva_route(session, route_id)
    _check_answers(answers)
    if not is_whole(stop_number) or stop_number < 1:
        msg = f"stop_number must be a whole number from 1; found {stop_number!r}."
        raise ParameterError(msg)
    _check_not_empty(answers, note=note, photo_ref=photo_ref, spoken_to=spoken_to)
    x_m, y_m = _finding_location(route, stop_number, point)
    return repo.add(
        session,
        repo.FINDINGS,
        user=user,
        request_id=request_id,
        route_id=route_id,
        stop_number=stop_number,
        walked_on=walked_on,
        answers_json=json.dumps({k: answers.get(k) for k in CHECKLIST_ITEMS}),
        note=note,
        photo_ref=photo_ref,
        spoken_to=spoken_to,
        x_m=x_m,
        y_m=y_m,
    )


def _check_answers(answers: Mapping[ChecklistItem, bool | None]) -> None:
    unknown = sorted(set(answers) - set(CHECKLIST_ITEMS))
    if unknown:
        msg = f"Unknown checklist items {unknown}; use {', '.join(CHECKLIST_ITEMS)}."
        raise ParameterError(msg)
    raw = cast("Mapping[str, object]", answers)
    bad = {k: v for k, v in raw.items() if v is not None and not isinstance(v, bool)}
    if bad:
        msg = (
            "Checklist answers must be True (seen), False (not seen) or None (not checked); "
            f"found {bad}."
        )
        raise ParameterError(msg)


def _check_not_empty(
    answers: Mapping[ChecklistItem, bool | None],
    *,
    note: object,
    photo_ref: object,
    spoken_to: object,
) -> None:
    """Refuse a finding that records nothing: no item checked, no note, photo or name."""
    checked = any(v is not None for v in answers.values())
    written = any(isinstance(t, str) and t.strip() for t in (note, photo_ref, spoken_to))
    if not (checked or written):
        msg = (
            "The finding records nothing: no checklist item is marked seen or not seen, and "
            "there is no note, photo or person spoken to. Mark what was checked (--seen, "
            "--not-seen; app: Seen, Checked, not seen) or write a note."
        )
        raise ParameterError(msg)


def _finding_location(route: AreaRecord, stop_number: int, point: object) -> tuple[float, float]:
    """Return the given point, else the route's stored stop; refuse a finding with neither."""
    if point is not None:
        return check_point(point)
    stops = route.stops
    if not stops:
        msg = (
            f"EVA route {route.id} ({route.name}) was saved without its stops, so stop "
            f"{stop_number} has no position and the finding could not be mapped or counted. "
            "Give where it was seen in British National Grid metres (--at X_M Y_M, or the "
            "easting and northing on the Tasking page), or save the route with its stops from "
            "the EVA routes page."
        )
        raise ParameterError(msg)
    if stop_number > len(stops):
        msg = (
            f"EVA route {route.id} ({route.name}) has {len(stops)} stops; there is no stop "
            f"{stop_number}. Choose a stop from 1 to {len(stops)}, or give the point seen."
        )
        raise ParameterError(msg)
    stop = stops[stop_number - 1]
    return float(stop.x), float(stop.y)


def list_findings(session: Session, *, route_id: int | None = None) -> tuple[FindingRecord, ...]:
    """
    List EVA findings by route and stop.

    Parameters
    ----------
    session
        Open session.
    route_id
        Only this route's findings.

    Returns
    -------
    tuple of FindingRecord
        Ordered by route, stop number, id.
    """
    return repo.select_records(session, repo.FINDINGS, route_id=route_id)


def list_audit(
    session: Session, *, entity: Entity | None = None, entity_id: int | None = None
) -> tuple[AuditRecord, ...]:
    """
    Return the audit trail, oldest first.

    Parameters
    ----------
    session
        Open session.
    entity
        Only rows about this kind of record.
    entity_id
        Only rows about this id (use with ``entity``).

    Returns
    -------
    tuple of AuditRecord
        One row per created or deleted record and per changed field.
    """
    return repo.select_records(session, repo.AUDIT, entity=entity, entity_id=entity_id)


def export_log(session: Session) -> dict[str, list[dict[str, object]]]:
    """
    Export the whole tasking log as JSON-friendly lists of records.

    Parameters
    ----------
    session
        Open session.

    Returns
    -------
    dict
        ``problems``, ``actions``, ``areas`` (WKT in EPSG:27700), ``meetings``, ``decisions``,
        ``findings`` and ``audit``, each a list of record dicts.
    """
    return {
        "problems": [r.to_dict() for r in list_problems(session)],
        "actions": [r.to_dict() for r in list_actions(session)],
        "areas": [r.to_dict() for r in list_areas(session)],
        "meetings": [r.to_dict() for r in list_meetings(session)],
        "decisions": [r.to_dict() for r in list_decisions(session)],
        "findings": [r.to_dict() for r in list_findings(session)],
        "audit": [r.to_dict() for r in list_audit(session)],
    }


def request_id_for(*parts: object) -> str:
    """
    Derive a request id (idempotency key) from the parts of one submission.

    The app keys a form's add on its values and the browser session, so the same submission
    processed twice (a double click, a rerun) adds one record.

    Parameters
    ----------
    *parts
        What identifies the submission (a session nonce, the form, the values); dates and other
        values are taken as text.

    Returns
    -------
    str
        ``"sha256:"`` and 64 hex digits: equal parts give equal ids.

    Examples
    --------
    >>> request_id_for("nonce", "add_problem", "Cycle theft") == request_id_for(
    ...     "nonce", "add_problem", "Cycle theft"
    ... )
    True
    >>> len(request_id_for("anything"))
    71
    """
    text = json.dumps([str(p) if not isinstance(p, int | float | None) else p for p in parts])
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
