"""
The tasking log's vocabulary and tables: record kinds, their allowed values and the ORM models.

Private to :mod:`tasking.store` (which re-exports the public names). The tables are created and
upgraded by the Alembic migrations in ``tasking/migrations``; a change here needs a new revision
there (see ``tasking/migrations/env.py``).
"""

from __future__ import annotations

import datetime as dt  # noqa: TC003 - SQLAlchemy reads the Mapped[] annotations at runtime
import enum
from typing import TYPE_CHECKING, Final, Literal, get_args

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
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

if TYPE_CHECKING:
    from collections.abc import Iterable

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

MAX_NAME: Final = 200
"""Longest title, name, ward or agency stored."""
MAX_USER: Final = 100
"""Longest user name stored."""
MAX_REQUEST_ID: Final = 100
"""Longest request id (idempotency key) of an add."""
Entity = Literal["problem", "action", "area", "meeting", "decision", "finding"]
"""Kinds of record in the log (the audit trail's ``entity``)."""


class Unchanged(enum.Enum):
    """Marker type of :data:`UNCHANGED`."""

    UNCHANGED = "unchanged"


UNCHANGED: Final = Unchanged.UNCHANGED
"""Default of the update functions' fields: leave this field as it is."""

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


class ProblemRow(Base):
    __tablename__ = "problems"
    __table_args__ = (
        CheckConstraint(_in("sara_stage", SARA_STAGES), name="sara_stage"),
        CheckConstraint(_in("status", PROBLEM_STATUSES), name="status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(MAX_NAME))
    description: Mapped[str] = mapped_column(Text)
    sara_stage: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    ward: Mapped[str | None] = mapped_column(String(MAX_NAME))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(MAX_USER))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(MAX_USER))
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API


class ActionRow(Base):
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
    owner_agency: Mapped[str] = mapped_column(String(MAX_NAME))
    owner_person: Mapped[str] = mapped_column(String(MAX_NAME))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(MAX_NAME))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(MAX_USER))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(MAX_USER))
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API


class AreaRow(Base):
    __tablename__ = "areas"
    __table_args__ = (CheckConstraint(_in("kind", AREA_KINDS), name="kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    problem_id: Mapped[int | None] = mapped_column(
        ForeignKey("problems.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    geometry_wkt: Mapped[str] = mapped_column(Text)
    stops_wkt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(MAX_USER))


class MeetingRow(Base):
    __tablename__ = "nag_meetings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    held_on: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(MAX_USER))


class DecisionRow(Base):
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
    created_by: Mapped[str] = mapped_column(String(MAX_USER))


class FindingRow(Base):
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
    created_by: Mapped[str] = mapped_column(String(MAX_USER))


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(MAX_USER))
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(10))
    field: Mapped[str | None] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    entity_version: Mapped[int | None] = mapped_column(Integer)


class RequestRow(Base):
    """
    One idempotent add: its request id, what it created and a digest of the values it was given.

    The unique ``request_id`` is what makes a retried add return the first attempt's record.
    """

    __tablename__ = "add_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(String(MAX_REQUEST_ID), unique=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(MAX_USER))
