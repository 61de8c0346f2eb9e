"""
Records the tasking log hands back: frozen dataclasses, never live ORM rows.

Private to :mod:`tasking.store` (which re-exports the public names). :func:`record_from_row`
turns any table row into its record by the record's field names, so adding a column means adding
a field here and a column in :mod:`tasking._log_schema`, nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import shapely
from shapely.geometry import MultiPoint, Point

from tasking._log_schema import (
    CHECKLIST_ITEMS,
    ActionStatus,
    AreaKind,
    ChecklistItem,
    EpicType,
    ProblemStatus,
    SaraStage,
)

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from tasking._log_schema import Base, FindingRow


def _jsonable(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


class Record:
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
class ProblemRecord(Record):
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
class ActionRecord(Record):
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
class AreaRecord(Record):
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
class MeetingRecord(Record):
    """A Neighbourhood Action Group meeting."""

    id: int
    name: str
    held_on: dt.date
    notes: str
    created_at: dt.datetime
    created_by: str


@dataclass(frozen=True)
class DecisionRecord(Record):
    """A decision taken at a NAG meeting, optionally about one problem."""

    id: int
    meeting_id: int
    problem_id: int | None
    decision: str
    created_at: dt.datetime
    created_by: str


@dataclass(frozen=True)
class FindingRecord(Record):
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
class AuditRecord(Record):
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


_R = TypeVar("_R", bound=Record)


def utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def record_from_row(record: type[_R], row: Base) -> _R:
    """
    Copy a row's columns into a record, field by field (times made UTC-aware).

    CHECK constraints keep the text columns inside the records' ``Literal`` types.
    """
    values: dict[str, Any] = {}
    for field in fields(record):  # type: ignore[arg-type]  # every Record is a dataclass
        value = getattr(row, field.name)
        values[field.name] = utc(value) if isinstance(value, dt.datetime) else value
    return record(**values)


def finding_record(row: FindingRow) -> FindingRecord:
    """Build a finding's record, with one answer per checklist item."""
    stored = json.loads(row.answers_json)
    answers = {item: stored.get(item) for item in CHECKLIST_ITEMS}
    values = {f.name: getattr(row, f.name) for f in fields(FindingRecord) if f.name != "answers"}
    values["created_at"] = utc(row.created_at)
    return FindingRecord(answers=answers, **values)
