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
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, TypeVar, cast, get_args

import shapely
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from spatial.crs import BNG, GB_BOUNDS_M
from spatial.errors import (
    InvalidGeometryError,
    OutsideGreatBritainError,
    ParameterError,
    PatchmapError,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    import geopandas as gpd
    from sqlalchemy.engine import Engine

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
    "EditConflictError",
    "EpicType",
    "FindingRecord",
    "MeetingRecord",
    "ProblemRecord",
    "ProblemStatus",
    "RecordNotFoundError",
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
    "get_problem",
    "list_actions",
    "list_areas",
    "list_audit",
    "list_decisions",
    "list_findings",
    "list_meetings",
    "list_problems",
    "resolve_database_url",
    "update_action",
    "update_problem",
    "upgrade_database",
]

SaraStage = Literal["scanning", "analysis", "response", "assessment"]
"""Stage of the SARA problem-solving model a problem is at."""
SARA_STAGES: Final[tuple[SaraStage, ...]] = get_args(SaraStage)
ProblemStatus = Literal["open", "closed"]
"""Whether a problem is still being worked."""
PROBLEM_STATUSES: Final[tuple[ProblemStatus, ...]] = get_args(ProblemStatus)
EpicType = Literal["enforcement", "prevention", "intelligence", "communication"]
"""EPIC kind of an action."""
EPIC_TYPES: Final[tuple[EpicType, ...]] = get_args(EpicType)
ActionStatus = Literal["proposed", "open", "in_progress", "done", "cancelled"]
"""Progress of an action; ``proposed`` ones come from EVA findings and await a NAG decision."""
ACTION_STATUSES: Final[tuple[ActionStatus, ...]] = get_args(ActionStatus)
AreaKind = Literal["patrol_area", "eva_route", "comparison_area"]
"""What a stored geometry is for."""
AREA_KINDS: Final[tuple[AreaKind, ...]] = get_args(AreaKind)
ChecklistItem = Literal[
    "graffiti",
    "fly_tipping",
    "litter",
    "street_lighting",
    "damage",
    "abandoned_vehicles",
    "overgrown_vegetation",
    "sightlines",
    "signage",
    "residents_spoken_to",
]
"""EVA walk checklist questions. An answer True means the issue was seen (for
``street_lighting``: lights out or poor; ``sightlines``: blocked sightlines or hiding places;
``signage``: missing or damaged signs; ``residents_spoken_to``: residents were spoken to),
False that it was checked and not seen, None that it was not checked."""
CHECKLIST_ITEMS: Final[tuple[ChecklistItem, ...]] = get_args(ChecklistItem)

DATABASE_URL_ENV: Final = "PATCHMAP_DATABASE_URL"
"""Environment variable naming the database when no URL is given."""
DEFAULT_DATABASE_FILE: Final = Path("patchmap") / "tasking.sqlite"
"""SQLite file used when neither a URL nor ``PATCHMAP_DATABASE_URL`` is given, under
``$XDG_DATA_HOME`` (default ``~/.local/share``)."""
MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"
"""Alembic script directory shipped with the package."""

_MAX_NAME: Final = 200
_MAX_USER: Final = 100
_MAX_DEGREES: Final = 180.0
"""Coordinates all this close to 0 are longitude/latitude, not BNG metres (which are 0 only
in the sea south-west of the Isles of Scilly)."""
Entity = Literal["problem", "action", "area", "meeting", "decision", "finding"]


class Unchanged(enum.Enum):
    """Marker type of :data:`UNCHANGED`."""

    UNCHANGED = "unchanged"


UNCHANGED: Final = Unchanged.UNCHANGED
"""Default of the update functions' fields: leave this field as it is."""


class EditConflictError(PatchmapError):
    """
    Someone else saved a newer version of the record since it was loaded.

    Attributes
    ----------
    entity
        ``"problem"`` or ``"action"``.
    entity_id
        Its id.
    expected_version
        The version the rejected edit was based on.
    current_version
        The version now stored.
    changed_by
        Who saved the current version.
    """

    def __init__(
        self,
        msg: str,
        *,
        entity: str,
        entity_id: int,
        expected_version: int,
        current_version: int,
        changed_by: str,
    ) -> None:
        super().__init__(msg)
        self.entity = entity
        self.entity_id = entity_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.changed_by = changed_by


class RecordNotFoundError(PatchmapError, LookupError):
    """No record has the id asked for."""


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------

NAMING_CONVENTION: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names, so migrations are identical on SQLite and PostgreSQL."""


class Base(DeclarativeBase):
    """Declarative base of the tasking tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _in(column: str, choices: Iterable[str]) -> str:
    quoted = ", ".join(f"'{c}'" for c in choices)
    return f"{column} IN ({quoted})"


_M = TypeVar("_M", bound="Base")


class _Problem(Base):
    __tablename__ = "problems"
    __table_args__ = (
        CheckConstraint(_in("sara_stage", SARA_STAGES), name="sara_stage"),
        CheckConstraint(_in("status", PROBLEM_STATUSES), name="status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(_MAX_NAME))
    description: Mapped[str] = mapped_column(Text)
    sara_stage: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    ward: Mapped[str | None] = mapped_column(String(_MAX_NAME))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(_MAX_USER))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(_MAX_USER))
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API


class _Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        CheckConstraint(_in("epic", EPIC_TYPES), name="epic"),
        CheckConstraint(_in("status", ACTION_STATUSES), name="status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    problem_id: Mapped[int] = mapped_column(
        ForeignKey("problems.id", ondelete="CASCADE"), index=True
    )
    epic: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    owner_agency: Mapped[str] = mapped_column(String(_MAX_NAME))
    owner_person: Mapped[str] = mapped_column(String(_MAX_NAME))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(_MAX_NAME))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(_MAX_USER))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(_MAX_USER))
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API


class _Area(Base):
    __tablename__ = "areas"
    __table_args__ = (CheckConstraint(_in("kind", AREA_KINDS), name="kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    problem_id: Mapped[int | None] = mapped_column(
        ForeignKey("problems.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(_MAX_NAME))
    geometry_wkt: Mapped[str] = mapped_column(Text)
    stops_wkt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(_MAX_USER))


class _Meeting(Base):
    __tablename__ = "nag_meetings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(_MAX_NAME))
    held_on: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(_MAX_USER))


class _Decision(Base):
    __tablename__ = "nag_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("nag_meetings.id", ondelete="CASCADE"), index=True
    )
    problem_id: Mapped[int | None] = mapped_column(
        ForeignKey("problems.id", ondelete="SET NULL"), index=True
    )
    decision: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(_MAX_USER))


class _Finding(Base):
    __tablename__ = "eva_findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    stop_number: Mapped[int] = mapped_column(Integer)
    walked_on: Mapped[dt.date | None] = mapped_column(Date)
    answers_json: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text)
    photo_ref: Mapped[str | None] = mapped_column(String(500))
    spoken_to: Mapped[str] = mapped_column(Text)
    x_m: Mapped[float | None] = mapped_column(Float)
    y_m: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(_MAX_USER))


class _Audit(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(_MAX_USER))
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(10))
    field: Mapped[str | None] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    entity_version: Mapped[int | None] = mapped_column(Integer)


# ---------------------------------------------------------------------------------------------
# Records returned to callers
# ---------------------------------------------------------------------------------------------


def _jsonable(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


class _Record:
    def to_dict(self) -> dict[str, object]:
        """
        Return the record as a JSON-friendly dict (dates as ISO 8601 text).

        Returns
        -------
        dict
            One key per attribute.
        """
        return {k: _jsonable(v) for k, v in asdict(self).items()}  # type: ignore[call-overload]  # subclasses are dataclasses


@dataclass(frozen=True)
class ProblemRecord(_Record):
    """A problem in the tasking log (``version`` is what an update must name)."""

    id: int
    title: str
    description: str
    sara_stage: SaraStage
    status: ProblemStatus
    ward: str | None
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    version: int


@dataclass(frozen=True)
class ActionRecord(_Record):
    """An EPIC action against a problem, with its owner, due date and status."""

    id: int
    problem_id: int
    epic: EpicType
    description: str
    owner_agency: str
    owner_person: str
    due_date: dt.date | None
    status: ActionStatus
    notes: str
    source: str | None
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    version: int

    def is_overdue(self, on: dt.date) -> bool:
        """
        Say whether the action is past its due date and not finished on ``on``.

        Parameters
        ----------
        on
            The day to judge by.

        Returns
        -------
        bool
            True when due before ``on`` and still proposed, open or in progress.
        """
        return (
            self.due_date is not None
            and self.due_date < on
            and self.status in {"proposed", "open", "in_progress"}
        )


@dataclass(frozen=True)
class AreaRecord(_Record):
    """
    A stored patrol area, EVA route or comparison area (WKT in BNG metres).

    ``stops_wkt`` is the MultiPoint of an EVA route's stops in visiting order (stop 1 first),
    or None when the route was stored without them (and for other kinds).
    """

    id: int
    problem_id: int | None
    kind: AreaKind
    name: str
    geometry_wkt: str
    created_at: dt.datetime
    created_by: str
    stops_wkt: str | None = None

    @property
    def geometry(self) -> BaseGeometry:
        """The shapely geometry, in British National Grid metres."""
        return shapely.from_wkt(self.geometry_wkt)

    @property
    def stops(self) -> tuple[Point, ...]:
        """An EVA route's stops in visiting order (stop number = position + 1); empty if none."""
        if self.stops_wkt is None:
            return ()
        return tuple(cast("MultiPoint", shapely.from_wkt(self.stops_wkt)).geoms)


@dataclass(frozen=True)
class MeetingRecord(_Record):
    """A Neighbourhood Action Group meeting."""

    id: int
    name: str
    held_on: dt.date
    notes: str
    created_at: dt.datetime
    created_by: str


@dataclass(frozen=True)
class DecisionRecord(_Record):
    """A decision taken at a NAG meeting, optionally about one problem."""

    id: int
    meeting_id: int
    problem_id: int | None
    decision: str
    created_at: dt.datetime
    created_by: str


@dataclass(frozen=True)
class FindingRecord(_Record):
    """What was seen at one stop of an EVA walk (see :data:`ChecklistItem` for the answers)."""

    id: int
    route_id: int
    stop_number: int
    walked_on: dt.date | None
    answers: dict[ChecklistItem, bool | None]
    note: str
    photo_ref: str | None
    spoken_to: str
    created_at: dt.datetime
    created_by: str
    x_m: float | None = None
    """Easting of where it was seen (British National Grid metres); None if not located."""
    y_m: float | None = None
    """Northing, as ``x_m``."""

    @property
    def point(self) -> Point | None:
        """Where it was seen, in British National Grid metres; None if not located."""
        if self.x_m is None or self.y_m is None:
            return None
        return Point(self.x_m, self.y_m)


@dataclass(frozen=True)
class AuditRecord(_Record):
    """One audit-trail row: who changed which field of what, when, from what to what."""

    id: int
    changed_at: dt.datetime
    changed_by: str
    entity: str
    entity_id: int
    operation: Literal["create", "update", "delete"]
    field: str | None
    old_value: str | None
    new_value: str | None
    entity_version: int | None


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _problem_record(row: _Problem) -> ProblemRecord:
    return ProblemRecord(
        id=row.id,
        title=row.title,
        description=row.description,
        sara_stage=row.sara_stage,  # type: ignore[arg-type]  # CHECK constraint keeps it a SaraStage
        status=row.status,  # type: ignore[arg-type]  # CHECK constraint
        ward=row.ward,
        created_at=_utc(row.created_at),
        created_by=row.created_by,
        updated_at=_utc(row.updated_at),
        updated_by=row.updated_by,
        version=row.version,
    )


def _action_record(row: _Action) -> ActionRecord:
    return ActionRecord(
        id=row.id,
        problem_id=row.problem_id,
        epic=row.epic,  # type: ignore[arg-type]  # CHECK constraint keeps it an EpicType
        description=row.description,
        owner_agency=row.owner_agency,
        owner_person=row.owner_person,
        due_date=row.due_date,
        status=row.status,  # type: ignore[arg-type]  # CHECK constraint
        notes=row.notes,
        source=row.source,
        created_at=_utc(row.created_at),
        created_by=row.created_by,
        updated_at=_utc(row.updated_at),
        updated_by=row.updated_by,
        version=row.version,
    )


def _area_record(row: _Area) -> AreaRecord:
    return AreaRecord(
        id=row.id,
        problem_id=row.problem_id,
        kind=row.kind,  # type: ignore[arg-type]  # CHECK constraint keeps it an AreaKind
        name=row.name,
        geometry_wkt=row.geometry_wkt,
        created_at=_utc(row.created_at),
        created_by=row.created_by,
        stops_wkt=row.stops_wkt,
    )


def _meeting_record(row: _Meeting) -> MeetingRecord:
    return MeetingRecord(
        id=row.id,
        name=row.name,
        held_on=row.held_on,
        notes=row.notes,
        created_at=_utc(row.created_at),
        created_by=row.created_by,
    )


def _decision_record(row: _Decision) -> DecisionRecord:
    return DecisionRecord(
        id=row.id,
        meeting_id=row.meeting_id,
        problem_id=row.problem_id,
        decision=row.decision,
        created_at=_utc(row.created_at),
        created_by=row.created_by,
    )


def _finding_record(row: _Finding) -> FindingRecord:
    stored = json.loads(row.answers_json)
    return FindingRecord(
        id=row.id,
        route_id=row.route_id,
        stop_number=row.stop_number,
        walked_on=row.walked_on,
        answers={item: stored.get(item) for item in CHECKLIST_ITEMS},
        note=row.note,
        photo_ref=row.photo_ref,
        spoken_to=row.spoken_to,
        created_at=_utc(row.created_at),
        created_by=row.created_by,
        x_m=row.x_m,
        y_m=row.y_m,
    )


def _audit_record(row: _Audit) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        changed_at=_utc(row.changed_at),
        changed_by=row.changed_by,
        entity=row.entity,
        entity_id=row.entity_id,
        operation=row.operation,  # type: ignore[arg-type]  # written only by this module
        field=row.field,
        old_value=row.old_value,
        new_value=row.new_value,
        entity_version=row.entity_version,
    )


# ---------------------------------------------------------------------------------------------
# Connecting and migrating
# ---------------------------------------------------------------------------------------------


def default_database_url() -> str:
    """
    Return the SQLite URL used when no database is named.

    Returns
    -------
    str
        ``sqlite:///`` + ``$XDG_DATA_HOME/patchmap/tasking.sqlite`` (``~/.local/share`` when
        ``XDG_DATA_HOME`` is unset).
    """
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(base) / DEFAULT_DATABASE_FILE}"


def resolve_database_url(url: str | Path | None = None) -> str:
    """
    Turn what the user gave into an SQLAlchemy URL.

    Parameters
    ----------
    url
        A database URL (``sqlite:///path``, ``postgresql://user@host/db``), a path to an SQLite
        file, or None for ``$PATCHMAP_DATABASE_URL`` and then :func:`default_database_url`.

    Returns
    -------
    str
        The URL; ``postgresql://`` and ``postgres://`` get the psycopg 3 driver.

    Raises
    ------
    ParameterError
        When the URL is not one SQLAlchemy understands or names another database system.

    Examples
    --------
    >>> resolve_database_url("postgresql://nag@db.example/tasking")
    'postgresql+psycopg://nag@db.example/tasking'
    >>> resolve_database_url("sqlite:///:memory:")
    'sqlite:///:memory:'
    """
    if url is None:
        url = os.environ.get(DATABASE_URL_ENV) or default_database_url()
    text = str(url)
    if isinstance(url, Path) or "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    for prefix in ("postgresql://", "postgres://"):
        if text.startswith(prefix):
            text = "postgresql+psycopg://" + text.removeprefix(prefix)
    try:
        parsed = make_url(text)
    except ArgumentError as err:
        msg = f"Cannot read the database URL {text!r} ({err}). Use sqlite:///path or postgresql://user@host/db."
        raise ParameterError(msg) from err
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        msg = (
            f"The tasking log runs on SQLite or PostgreSQL; {text!r} names "
            f"{parsed.get_backend_name()}. Use sqlite:///path or postgresql://user@host/db."
        )
        raise ParameterError(msg)
    return text


def _sqlite_foreign_keys(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]  # a DB-API connection
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def upgrade_database(engine: Engine, *, revision: str = "head") -> None:
    """
    Create or upgrade the tasking tables with the shipped Alembic migrations.

    Parameters
    ----------
    engine
        Engine of the database (from :func:`connect` or ``sqlalchemy.create_engine``).
    revision
        Alembic revision to upgrade to.

    Examples
    --------
    >>> from sqlalchemy import create_engine, inspect
    >>> engine = create_engine("sqlite://")
    >>> upgrade_database(engine)
    >>> "problems" in inspect(engine).get_table_names()
    True
    """
    from alembic import command  # noqa: PLC0415 - only needed when migrating

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade_database(engine: Engine, *, revision: str = "base") -> None:
    """
    Undo migrations down to ``revision`` (``"base"`` drops every tasking table and its data).

    Parameters
    ----------
    engine
        Engine of the database.
    revision
        Alembic revision to go back to.
    """
    from alembic import command  # noqa: PLC0415 - only needed when migrating

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def alembic_config() -> AlembicConfig:
    """
    Return an Alembic configuration pointing at the shipped migrations.

    Set ``config.attributes["connection"]`` to a connection, or the ``sqlalchemy.url`` main
    option, before running an Alembic command with it.

    Returns
    -------
    alembic.config.Config
        Configuration with ``script_location`` set; no ``alembic.ini`` is needed.
    """
    from alembic.config import Config  # noqa: PLC0415 - only needed when migrating

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def connect(url: str | Path | None = None, *, migrate: bool = True) -> Engine:
    """
    Open the tasking database, creating and upgrading its tables.

    Parameters
    ----------
    url
        See :func:`resolve_database_url`.
    migrate
        Run the migrations to the newest revision (do this unless a deployment migrates
        separately).

    Returns
    -------
    sqlalchemy.engine.Engine
        Engine for ``Session(engine)``; SQLite connections enforce foreign keys.

    Raises
    ------
    ParameterError
        When the URL is unusable or the database cannot be reached.
    """
    resolved = resolve_database_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in {None, "", ":memory:"}:
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(resolved)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    if migrate:
        from sqlalchemy.exc import OperationalError  # noqa: PLC0415 - error path only

        try:
            upgrade_database(engine)
        except OperationalError as err:
            engine.dispose()
            shown = parsed.render_as_string(hide_password=True)
            reason = " ".join(str(err.orig).split()).rstrip(".?")
            msg = (
                f"Cannot open the tasking database {shown}: {reason}. "
                "Check the URL and that the server is running."
            )
            raise ParameterError(msg) from err
    return engine


if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig


# ---------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _check_user(user: object) -> str:
    cleaned = user.strip() if isinstance(user, str) else ""
    if not cleaned or len(cleaned) > _MAX_USER:
        msg = f"user must name who is making the change (1-{_MAX_USER} characters); found {user!r}."
        raise ParameterError(msg)
    return cleaned


def _check_text(
    value: object, name: str, *, required: bool = False, max_len: int | None = None
) -> str:
    if not isinstance(value, str):
        msg = f"{name} must be text; found {value!r}."
        raise ParameterError(msg)
    cleaned = value.strip()
    if required and not cleaned:
        msg = f"{name} must not be empty."
        raise ParameterError(msg)
    if max_len is not None and len(cleaned) > max_len:
        msg = f"{name} is {len(cleaned)} characters long; shorten it to {max_len} or fewer."
        raise ParameterError(msg)
    return cleaned


def _check_choice(value: str, choices: Sequence[str], name: str) -> str:
    if value not in choices:
        msg = f"{name} must be one of {', '.join(choices)}; found {value!r}."
        raise ParameterError(msg)
    return value


def _check_date(value: object, name: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        msg = f"{name} must be a date (YYYY-MM-DD); found {value!r}."
        raise ParameterError(msg)
    return value


def _text_of(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _audit(  # noqa: PLR0913 - one audit row has this many facts
    session: Session,
    *,
    user: str,
    when: dt.datetime,
    entity: Entity,
    entity_id: int,
    operation: Literal["create", "update", "delete"],
    field: str | None = None,
    old: object = None,
    new: object = None,
    version: int | None = None,
) -> None:
    session.add(
        _Audit(
            changed_at=when,
            changed_by=user,
            entity=entity,
            entity_id=entity_id,
            operation=operation,
            field=field,
            old_value=_text_of(old),
            new_value=_text_of(new),
            entity_version=version,
        )
    )


def _audit_created(session: Session, record: _Record, *, entity: Entity, user: str) -> None:
    data = record.to_dict()
    _audit(
        session,
        user=user,
        when=_now(),
        entity=entity,
        entity_id=int(data["id"]),  # type: ignore[call-overload]  # ids are ints
        operation="create",
        new=json.dumps(data, sort_keys=True),
        version=data.get("version"),  # type: ignore[arg-type]  # int or absent
    )


def _get(session: Session, model: type[_M], entity_id: int, entity: str) -> _M:
    row = session.get(model, entity_id, populate_existing=True)
    if row is None:
        msg = f"No {entity} has id {entity_id}. List them to see the ids that exist."
        raise RecordNotFoundError(msg)
    return row


def _editable_action(session: Session, action_id: int, *, attempted: str) -> _Action:
    """Return the action, or say who deleted it if someone did."""
    row = session.get(_Action, action_id, populate_existing=True)
    if row is not None:
        return row
    deleted = session.scalars(
        select(_Audit)
        .where(
            _Audit.entity == "action",
            _Audit.entity_id == action_id,
            _Audit.operation == "delete",
        )
        .order_by(_Audit.id.desc())
    ).first()
    if deleted is None:
        msg = f"No action has id {action_id}. List them to see the ids that exist."
        raise RecordNotFoundError(msg)
    when = _utc(deleted.changed_at).strftime("%Y-%m-%d %H:%M UTC")
    msg = (
        f"Action {action_id} was deleted by {deleted.changed_by} at {when}; your {attempted} "
        "was not saved. Add it again as a new action if it is still needed."
    )
    raise EditConflictError(
        msg,
        entity="action",
        entity_id=action_id,
        expected_version=deleted.entity_version or 0,
        current_version=-1,
        changed_by=deleted.changed_by,
    )


def _conflict(
    session: Session,
    *,
    entity: Entity,
    entity_id: int,
    expected_version: int,
    attempted: Sequence[str],
) -> EditConflictError:
    """Describe what others saved since ``expected_version``."""
    rows = session.scalars(
        select(_Audit)
        .where(
            _Audit.entity == entity,
            _Audit.entity_id == entity_id,
            _Audit.operation == "update",
            _Audit.entity_version > expected_version,
        )
        .order_by(_Audit.id)
    ).all()
    current: _Problem | _Action | None = (
        session.get(_Problem, entity_id, populate_existing=True)
        if entity == "problem"
        else session.get(_Action, entity_id, populate_existing=True)
    )
    if current is None:
        msg = (
            f"{entity.capitalize()} {entity_id} was deleted by someone else; "
            "your change was not saved."
        )
        return EditConflictError(
            msg,
            entity=entity,
            entity_id=entity_id,
            expected_version=expected_version,
            current_version=-1,
            changed_by="",
        )
    changes = "; ".join(
        f"{r.field}: {r.old_value!r} -> {r.new_value!r} by {r.changed_by}" for r in rows
    )
    when = _utc(current.updated_at).strftime("%Y-%m-%d %H:%M UTC")
    msg = (
        f"{entity.capitalize()} {entity_id} was changed by {current.updated_by} at {when} "
        f"after you loaded it (you edited version {expected_version}; "
        f"it is now version {current.version}"
        + (f": {changes}" if changes else "")
        + f"). Your change to {', '.join(attempted) or 'it'} was not saved: reload the {entity}, "
        "check their change and apply yours again."
    )
    return EditConflictError(
        msg,
        entity=entity,
        entity_id=entity_id,
        expected_version=expected_version,
        current_version=current.version,
        changed_by=current.updated_by,
    )


def _apply_update(
    session: Session,
    row: _Problem | _Action,
    *,
    entity: Entity,
    expected_version: int,
    user: str,
    changes: dict[str, object],
) -> None:
    """Apply ``changes`` with optimistic locking and write one audit row per changed field."""
    if not _is_whole(expected_version):
        msg = (
            "expected_version must be the whole-number version you loaded; "
            f"found {expected_version!r}."
        )
        raise ParameterError(msg)
    if row.version != expected_version:
        raise _conflict(
            session,
            entity=entity,
            entity_id=row.id,
            expected_version=expected_version,
            attempted=list(changes),
        )
    changed = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if not changed:
        return
    when = _now()
    old = {k: getattr(row, k) for k in changed}
    for key, value in changed.items():
        setattr(row, key, value)
    row.updated_at = when
    row.updated_by = user
    entity_id = row.id
    try:
        session.flush()
    except StaleDataError:
        # The session's transaction is now unusable (the caller rolls it back); describe the
        # conflict from a fresh session on the same database.
        with Session(session.get_bind()) as fresh:
            conflict = _conflict(
                fresh,
                entity=entity,
                entity_id=entity_id,
                expected_version=expected_version,
                attempted=list(changed),
            )
        raise conflict from None
    for key, value in changed.items():
        _audit(
            session,
            user=user,
            when=when,
            entity=entity,
            entity_id=entity_id,
            operation="update",
            field=key,
            old=old[key],
            new=value,
            version=row.version,
        )
    session.flush()


# ---------------------------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------------------------


def add_problem(
    session: Session,
    *,
    title: str,
    user: str,
    description: str = "",
    sara_stage: SaraStage = "scanning",
    ward: str | None = None,
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

    Returns
    -------
    ProblemRecord
        The stored problem, version 1.

    Raises
    ------
    ParameterError
        When the title or user is empty or a choice is not one of the allowed values.
    """
    user = _check_user(user)
    now = _now()
    row = _Problem(
        title=_check_text(title, "title", required=True, max_len=_MAX_NAME),
        description=_check_text(description, "description"),
        sara_stage=_check_choice(sara_stage, SARA_STAGES, "sara_stage"),
        status="open",
        ward=None if ward is None else _check_text(ward, "ward", max_len=_MAX_NAME) or None,
        created_at=now,
        created_by=user,
        updated_at=now,
        updated_by=user,
    )
    session.add(row)
    session.flush()
    record = _problem_record(row)
    _audit_created(session, record, entity="problem", user=user)
    session.flush()
    return record


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
    return _problem_record(_get(session, _Problem, problem_id, "problem"))


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
        Only problems in this ward.

    Returns
    -------
    tuple of ProblemRecord
        Matching problems ordered by id.
    """
    query = select(_Problem).order_by(_Problem.id)
    if sara_stage is not None:
        query = query.where(
            _Problem.sara_stage == _check_choice(sara_stage, SARA_STAGES, "sara_stage")
        )
    if status is not None:
        query = query.where(_Problem.status == _check_choice(status, PROBLEM_STATUSES, "status"))
    if ward is not None:
        query = query.where(_Problem.ward == ward)
    return tuple(_problem_record(r) for r in session.scalars(query))


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
    user = _check_user(user)
    changes: dict[str, object] = {}
    if not isinstance(title, Unchanged):
        changes["title"] = _check_text(title, "title", required=True, max_len=_MAX_NAME)
    if not isinstance(description, Unchanged):
        changes["description"] = _check_text(description, "description")
    if not isinstance(sara_stage, Unchanged):
        changes["sara_stage"] = _check_choice(sara_stage, SARA_STAGES, "sara_stage")
    if not isinstance(status, Unchanged):
        changes["status"] = _check_choice(status, PROBLEM_STATUSES, "status")
    if not isinstance(ward, Unchanged):
        changes["ward"] = (
            None if ward is None else _check_text(ward, "ward", max_len=_MAX_NAME) or None
        )
    row = _get(session, _Problem, problem_id, "problem")
    _apply_update(
        session,
        row,
        entity="problem",
        expected_version=expected_version,
        user=user,
        changes=changes,
    )
    return get_problem(session, problem_id)


# ---------------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------------


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
    user = _check_user(user)
    _get(session, _Problem, problem_id, "problem")
    now = _now()
    row = _Action(
        problem_id=problem_id,
        epic=_check_choice(epic, EPIC_TYPES, "epic"),
        description=_check_text(description, "description", required=True),
        owner_agency=_check_text(owner_agency, "owner_agency", max_len=_MAX_NAME),
        owner_person=_check_text(owner_person, "owner_person", max_len=_MAX_NAME),
        due_date=_check_date(due_date, "due_date"),
        status=_check_choice(status, ACTION_STATUSES, "status"),
        notes=_check_text(notes, "notes"),
        source=source,
        created_at=now,
        created_by=user,
        updated_at=now,
        updated_by=user,
    )
    session.add(row)
    session.flush()
    record = _action_record(row)
    _audit_created(session, record, entity="action", user=user)
    session.flush()
    return record


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
    return _action_record(_get(session, _Action, action_id, "action"))


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
    query = select(_Action).order_by(_Action.id)
    if problem_id is not None:
        query = query.where(_Action.problem_id == problem_id)
    if status is not None:
        query = query.where(_Action.status == _check_choice(status, ACTION_STATUSES, "status"))
    if owner_agency is not None:
        query = query.where(_Action.owner_agency == owner_agency)
    return tuple(_action_record(r) for r in session.scalars(query))


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
    user = _check_user(user)
    changes: dict[str, object] = {}
    if not isinstance(epic, Unchanged):
        changes["epic"] = _check_choice(epic, EPIC_TYPES, "epic")
    if not isinstance(description, Unchanged):
        changes["description"] = _check_text(description, "description", required=True)
    if not isinstance(owner_agency, Unchanged):
        changes["owner_agency"] = _check_text(owner_agency, "owner_agency", max_len=_MAX_NAME)
    if not isinstance(owner_person, Unchanged):
        changes["owner_person"] = _check_text(owner_person, "owner_person", max_len=_MAX_NAME)
    if not isinstance(due_date, Unchanged):
        changes["due_date"] = _check_date(due_date, "due_date")
    if not isinstance(status, Unchanged):
        changes["status"] = _check_choice(status, ACTION_STATUSES, "status")
    if not isinstance(notes, Unchanged):
        changes["notes"] = _check_text(notes, "notes")
    row = _editable_action(session, action_id, attempted=f"change to {', '.join(changes)}")
    _apply_update(
        session,
        row,
        entity="action",
        expected_version=expected_version,
        user=user,
        changes=changes,
    )
    return get_action(session, action_id)


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
    user = _check_user(user)
    row = _editable_action(session, action_id, attempted="deletion")
    if row.version != expected_version:
        raise _conflict(
            session,
            entity="action",
            entity_id=action_id,
            expected_version=expected_version,
            attempted=["deletion"],
        )
    snapshot = json.dumps(_action_record(row).to_dict(), sort_keys=True)
    session.delete(row)
    try:
        session.flush()
    except StaleDataError:
        with Session(session.get_bind()) as fresh:
            conflict = _conflict(
                fresh,
                entity="action",
                entity_id=action_id,
                expected_version=expected_version,
                attempted=["deletion"],
            )
        raise conflict from None
    _audit(
        session,
        user=user,
        when=_now(),
        entity="action",
        entity_id=action_id,
        operation="delete",
        old=snapshot,
        version=expected_version,
    )
    session.flush()


# ---------------------------------------------------------------------------------------------
# Areas, meetings, decisions, findings
# ---------------------------------------------------------------------------------------------


def _check_geometry(geometry: object, kind: AreaKind) -> str:
    label = kind.replace("_", " ")
    if not isinstance(geometry, BaseGeometry) or geometry.is_empty:
        msg = f"The {label} geometry is empty or not a shapely geometry: {geometry!r}."
        raise InvalidGeometryError(msg)
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        msg = f"The {label} geometry is invalid ({reason}); repair it with shapely.make_valid."
        raise InvalidGeometryError(msg)
    wanted = (
        ("LineString", "MultiLineString") if kind == "eva_route" else ("Polygon", "MultiPolygon")
    )
    if geometry.geom_type not in wanted:
        msg = f"A {label} must be a {' or '.join(wanted)}; found {geometry.geom_type}."
        raise InvalidGeometryError(msg)
    _check_in_gb(geometry, label=f"The {label}", stored="Areas")
    return shapely.to_wkt(geometry, rounding_precision=3)


def _check_in_gb(geometry: BaseGeometry, *, label: str, stored: str) -> None:
    """Refuse coordinates that are not BNG metres inside Great Britain (e.g. lon/lat)."""
    min_x, min_y, max_x, max_y = geometry.bounds
    gb = GB_BOUNDS_M
    looks_like_degrees = (
        max(abs(min_x), abs(max_x)) <= _MAX_DEGREES and max(abs(min_y), abs(max_y)) <= _MAX_DEGREES
    )
    outside = min_x < gb[0] or min_y < gb[1] or max_x > gb[2] or max_y > gb[3]
    if looks_like_degrees or outside:
        where = (
            f"at {min_x:.1f}, {min_y:.1f}"
            if (min_x, min_y) == (max_x, max_y)
            else f"bounds {min_x:.1f}, {min_y:.1f}, {max_x:.1f}, {max_y:.1f}"
        )
        msg = (
            f"{label} lies outside Great Britain in British National Grid metres ({where}). "
            f"{stored} are stored in {BNG}: reproject longitude/latitude with "
            f"to_crs('{BNG}') first."
        )
        raise OutsideGreatBritainError(msg)


def _check_stops(stops: object) -> str:
    """Validate an EVA route's stops (a MultiPoint or points in visiting order); return WKT."""
    if isinstance(stops, Point):
        stops = MultiPoint([stops])
    elif not isinstance(stops, BaseGeometry | str) and hasattr(stops, "__iter__"):
        points = list(stops)
        bad = [s for s in points if not isinstance(s, Point) or s.is_empty]
        if bad or not points:
            msg = f"EVA route stops must be shapely Points; found {bad[0] if bad else 'none'!r}."
            raise InvalidGeometryError(msg)
        stops = MultiPoint(points)
    if not isinstance(stops, MultiPoint) or stops.is_empty:
        msg = (
            "EVA route stops must be a non-empty MultiPoint (or a list of Points) in visiting "
            f"order; found {stops!r}."
        )
        raise InvalidGeometryError(msg)
    _check_in_gb(stops, label="The EVA route stops", stored="Stops")
    return shapely.to_wkt(stops, rounding_precision=3)


def _check_point(point: object) -> tuple[float, float]:
    """Validate a finding's location; return its (x_m, y_m) rounded to the millimetre."""
    if not isinstance(point, Point) or point.is_empty:
        msg = (
            "point must be a shapely Point in British National Grid metres "
            f"(e.g. Point(545200, 258300)); found {point!r}."
        )
        raise InvalidGeometryError(msg)
    _check_in_gb(point, label="The finding location", stored="Findings")
    return round(float(point.x), 3), round(float(point.y), 3)


def add_area(
    session: Session,
    geometry: BaseGeometry,
    *,
    kind: AreaKind,
    name: str,
    user: str,
    problem_id: int | None = None,
    stops: MultiPoint | Sequence[Point] | None = None,
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
    user = _check_user(user)
    kind = _check_choice(kind, AREA_KINDS, "kind")  # type: ignore[assignment]  # checked
    wkt = _check_geometry(geometry, kind)
    if stops is not None and kind != "eva_route":
        msg = f"Only an EVA route has stops; a {kind.replace('_', ' ')} takes none."
        raise ParameterError(msg)
    stops_wkt = None if stops is None else _check_stops(stops)
    if problem_id is not None:
        _get(session, _Problem, problem_id, "problem")
    row = _Area(
        problem_id=problem_id,
        kind=kind,
        name=_check_text(name, "name", required=True, max_len=_MAX_NAME),
        geometry_wkt=wkt,
        stops_wkt=stops_wkt,
        created_at=_now(),
        created_by=user,
    )
    session.add(row)
    session.flush()
    record = _area_record(row)
    _audit_created(session, record, entity="area", user=user)
    session.flush()
    return record


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
    return _area_record(_get(session, _Area, area_id, "area"))


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
    query = select(_Area).order_by(_Area.id)
    if problem_id is not None:
        query = query.where(_Area.problem_id == problem_id)
    if kind is not None:
        query = query.where(_Area.kind == _check_choice(kind, AREA_KINDS, "kind"))
    return tuple(_area_record(r) for r in session.scalars(query))


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
    session: Session, *, name: str, held_on: dt.date, user: str, notes: str = ""
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

    Returns
    -------
    MeetingRecord
        The stored meeting.

    Raises
    ------
    ParameterError
        When the name or user is empty or ``held_on`` is not a date.
    """
    user = _check_user(user)
    held = _check_date(held_on, "held_on")
    if held is None:
        msg = "held_on must be the date of the meeting."
        raise ParameterError(msg)
    row = _Meeting(
        name=_check_text(name, "name", required=True, max_len=_MAX_NAME),
        held_on=held,
        notes=_check_text(notes, "notes"),
        created_at=_now(),
        created_by=user,
    )
    session.add(row)
    session.flush()
    record = _meeting_record(row)
    _audit_created(session, record, entity="meeting", user=user)
    session.flush()
    return record


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
    query = select(_Meeting).order_by(_Meeting.held_on.desc(), _Meeting.id)
    return tuple(_meeting_record(r) for r in session.scalars(query))


def add_decision(
    session: Session,
    meeting_id: int,
    *,
    decision: str,
    user: str,
    problem_id: int | None = None,
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

    Returns
    -------
    DecisionRecord
        The stored decision.

    Raises
    ------
    RecordNotFoundError
        When the meeting or problem does not exist.
    """
    user = _check_user(user)
    _get(session, _Meeting, meeting_id, "NAG meeting")
    if problem_id is not None:
        _get(session, _Problem, problem_id, "problem")
    row = _Decision(
        meeting_id=meeting_id,
        problem_id=problem_id,
        decision=_check_text(decision, "decision", required=True),
        created_at=_now(),
        created_by=user,
    )
    session.add(row)
    session.flush()
    record = _decision_record(row)
    _audit_created(session, record, entity="decision", user=user)
    session.flush()
    return record


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
    query = select(_Decision).order_by(_Decision.id)
    if meeting_id is not None:
        query = query.where(_Decision.meeting_id == meeting_id)
    if problem_id is not None:
        query = query.where(_Decision.problem_id == problem_id)
    return tuple(_decision_record(r) for r in session.scalars(query))


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
        Where it was seen, a shapely Point in British National Grid metres. When None and the
        route was stored with its stops (``add_area(..., stops=...)``), the position of stop
        ``stop_number``; otherwise the finding has no location.

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
        ``stop_number`` is below 1, or the route stores its stops and has no such stop.
    InvalidGeometryError
        When ``point`` is not a shapely Point.
    OutsideGreatBritainError
        When ``point`` is not in BNG metres inside Great Britain (longitude/latitude, say).

    Examples
    --------
    >>> from sqlalchemy import create_engine
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
    user = _check_user(user)
    route: _Area = _get(session, _Area, route_id, "EVA route")
    if route.kind != "eva_route":
        msg = (
            f"Area {route_id} ({route.name}) is a {route.kind}, not an EVA route; "
            "record findings against a route."
        )
        raise ParameterError(msg)
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
    if not _is_whole(stop_number) or stop_number < 1:
        msg = f"stop_number must be a whole number from 1; found {stop_number!r}."
        raise ParameterError(msg)
    x_m, y_m = _finding_location(_area_record(route), stop_number, point)
    row = _Finding(
        route_id=route_id,
        stop_number=stop_number,
        walked_on=_check_date(walked_on, "walked_on"),
        answers_json=json.dumps({k: answers.get(k) for k in CHECKLIST_ITEMS}),
        note=_check_text(note, "note"),
        photo_ref=None
        if photo_ref is None
        else _check_text(photo_ref, "photo_ref", max_len=500) or None,
        spoken_to=_check_text(spoken_to, "spoken_to"),
        x_m=x_m,
        y_m=y_m,
        created_at=_now(),
        created_by=user,
    )
    session.add(row)
    session.flush()
    record = _finding_record(row)
    _audit_created(session, record, entity="finding", user=user)
    session.flush()
    return record


def _finding_location(
    route: AreaRecord, stop_number: int, point: object
) -> tuple[float | None, float | None]:
    """Return the given point, else the route's stored stop, else no location."""
    if point is not None:
        return _check_point(point)
    stops = route.stops
    if not stops:
        return None, None
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
    query = select(_Finding).order_by(_Finding.route_id, _Finding.stop_number, _Finding.id)
    if route_id is not None:
        query = query.where(_Finding.route_id == route_id)
    return tuple(_finding_record(r) for r in session.scalars(query))


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
    query = select(_Audit).order_by(_Audit.id)
    if entity is not None:
        query = query.where(_Audit.entity == entity)
    if entity_id is not None:
        query = query.where(_Audit.entity_id == entity_id)
    return tuple(_audit_record(r) for r in session.scalars(query))


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
