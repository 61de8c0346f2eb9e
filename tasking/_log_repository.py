"""
One repository for the six kinds of record in the tasking log.

Private to :mod:`tasking.store`, whose public ``add_*``, ``get_*``, ``list_*``, ``update_*`` and
``delete_*`` functions are thin calls into this module. A :class:`Kind` says everything that
differs between record kinds (table, record class, field checks, order, whether it is versioned);
:func:`add`, :func:`get`, :func:`select_records`, :func:`update` and :func:`delete` do the rest
once: validation, optimistic locking, the audit trail and the errors that say what to fix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Final, Generic, Literal, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from spatial.errors import EditConflictError, ParameterError, RecordNotFoundError
from spatial.names import normal_name
from tasking._log_checks import (
    check_choice,
    check_date,
    check_text,
    check_user,
    is_whole,
    text_of,
)
from tasking._log_records import (
    ActionRecord,
    AreaRecord,
    AuditRecord,
    DecisionRecord,
    FindingRecord,
    MeetingRecord,
    ProblemRecord,
    Record,
    finding_record,
    record_from_row,
    utc,
)
from tasking._log_schema import (
    ACTION_STATUSES,
    EPIC_TYPES,
    MAX_NAME,
    MAX_REQUEST_ID,
    PROBLEM_STATUSES,
    SARA_STAGES,
    ActionRow,
    AreaRow,
    AuditRow,
    Base,
    DecisionRow,
    FindingRow,
    MeetingRow,
    ProblemRow,
    RequestRow,
    Unchanged,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

_Row = TypeVar("_Row", bound=Base)
_Rec = TypeVar("_Rec", bound=Record)
Check = Callable[[Any], object]
"""Cleans one field's value or raises a PatchmapError saying what is wrong with it."""


@dataclass(frozen=True)
class Kind(Generic[_Row, _Rec]):
    """What differs between the kinds of record: everything else is shared."""

    entity: str
    """Name in the audit trail (an :data:`Entity`)."""
    label: str
    """Name in messages ("No NAG meeting has id 4")."""
    row: type[_Row]
    record: Callable[[_Row], _Rec]
    checks: Mapping[str, Check] = field(default_factory=dict)
    """Field name -> check, used by both :func:`add` and :func:`update`."""
    order: Callable[[], Sequence[Any]] = lambda: ()
    """ORDER BY of :func:`select_records` (a callable: columns exist once mapped)."""
    versioned: bool = False
    """Has ``version``/``updated_at``/``updated_by`` and may be updated and deleted."""


def now() -> dt.datetime:
    """Return the time stamped on a change (UTC)."""
    return dt.datetime.now(dt.UTC)


def _name(limit: int | None = MAX_NAME, *, field_name: str, required: bool = False) -> Check:
    return partial(check_text, name=field_name, required=required, max_len=limit)


def _optional_name(field_name: str, *, max_len: int = MAX_NAME) -> Check:
    def check(value: object) -> str | None:
        return None if value is None else check_text(value, field_name, max_len=max_len) or None

    return check


def _ward_name(value: object) -> str | None:
    """Check a problem's ward: text, kept in the one Unicode form ward files are read in."""
    checked = _optional_name("ward")(value)
    return None if checked is None else normal_name(str(checked))


def _choice(choices: Sequence[str], field_name: str) -> Check:
    return partial(check_choice, choices=choices, name=field_name)


PROBLEMS: Final[Kind[ProblemRow, ProblemRecord]] = Kind(
    "problem",
    "problem",
    ProblemRow,
    partial(record_from_row, ProblemRecord),
    checks={
        "title": _name(field_name="title", required=True),
        "description": _name(None, field_name="description"),
        "sara_stage": _choice(SARA_STAGES, "sara_stage"),
        "status": _choice(PROBLEM_STATUSES, "status"),
        "ward": _ward_name,
    },
    order=lambda: (ProblemRow.id,),
    versioned=True,
)
ACTIONS: Final[Kind[ActionRow, ActionRecord]] = Kind(
    "action",
    "action",
    ActionRow,
    partial(record_from_row, ActionRecord),
    checks={
        "epic": _choice(EPIC_TYPES, "epic"),
        "description": _name(None, field_name="description", required=True),
        "owner_agency": _name(field_name="owner_agency"),
        "owner_person": _name(field_name="owner_person"),
        "due_date": partial(check_date, name="due_date"),
        "status": _choice(ACTION_STATUSES, "status"),
        "notes": _name(None, field_name="notes"),
    },
    order=lambda: (ActionRow.id,),
    versioned=True,
)
AREAS: Final[Kind[AreaRow, AreaRecord]] = Kind(
    "area",
    "area",
    AreaRow,
    partial(record_from_row, AreaRecord),
    checks={"name": _name(field_name="name", required=True)},
    order=lambda: (AreaRow.id,),
)
MEETINGS: Final[Kind[MeetingRow, MeetingRecord]] = Kind(
    "meeting",
    "NAG meeting",
    MeetingRow,
    partial(record_from_row, MeetingRecord),
    checks={
        "name": _name(field_name="name", required=True),
        "notes": _name(None, field_name="notes"),
    },
    order=lambda: (MeetingRow.held_on.desc(), MeetingRow.id),
)
DECISIONS: Final[Kind[DecisionRow, DecisionRecord]] = Kind(
    "decision",
    "decision",
    DecisionRow,
    partial(record_from_row, DecisionRecord),
    checks={"decision": _name(None, field_name="decision", required=True)},
    order=lambda: (DecisionRow.id,),
)
FINDINGS: Final[Kind[FindingRow, FindingRecord]] = Kind(
    "finding",
    "finding",
    FindingRow,
    finding_record,
    checks={
        "walked_on": partial(check_date, name="walked_on"),
        "note": _name(None, field_name="note"),
        "photo_ref": _optional_name("photo_ref", max_len=500),
        "spoken_to": _name(None, field_name="spoken_to"),
    },
    order=lambda: (FindingRow.route_id, FindingRow.stop_number, FindingRow.id),
)
AUDIT: Final[Kind[AuditRow, AuditRecord]] = Kind(
    "audit",  # never written through add(): the audit trail is not itself audited
    "audit row",
    AuditRow,
    partial(record_from_row, AuditRecord),
    order=lambda: (AuditRow.id,),
)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def get_row(session: Session, kind: Kind[_Row, Any], entity_id: int, *, label: str = "") -> _Row:
    """Return the live row, or raise RecordNotFoundError naming ``label`` (default the kind's)."""
    row = session.get(kind.row, entity_id, populate_existing=True)
    if row is None:
        msg = f"No {label or kind.label} has id {entity_id}. List them to see the ids that exist."
        raise RecordNotFoundError(msg)
    return row


def get(session: Session, kind: Kind[Any, _Rec], entity_id: int) -> _Rec:
    """Return one record as stored now."""
    return kind.record(get_row(session, kind, entity_id))


def select_records(session: Session, kind: Kind[Any, _Rec], /, **equal: object) -> tuple[_Rec, ...]:
    """Return the records whose columns equal the given values (None: any), in the kind's order."""
    query = select(kind.row).order_by(*kind.order())
    for column, value in equal.items():
        if value is not None:
            query = query.where(getattr(kind.row, column) == value)
    return tuple(kind.record(row) for row in session.scalars(query))


def optional_choice(value: str | None, choices: Sequence[str], name: str) -> str | None:
    """Check a list filter: None (no filter) or one of ``choices``."""
    return None if value is None else check_choice(value, choices, name)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _checked(kind: Kind[Any, Any], values: Mapping[str, object]) -> dict[str, object]:
    """Run each field's check; fields without one are passed as they are (checked by caller)."""
    return {
        name: kind.checks[name](value) if name in kind.checks else value
        for name, value in values.items()
    }


def audit(  # noqa: PLR0913 - one audit row has this many facts
    session: Session,
    *,
    user: str,
    when: dt.datetime,
    entity: str,
    entity_id: int,
    operation: Literal["create", "update", "delete"],
    field_name: str | None = None,
    old: object = None,
    new: object = None,
    version: int | None = None,
) -> None:
    """Add one row to the audit trail (flushed with the change it records)."""
    session.add(
        AuditRow(
            changed_at=when,
            changed_by=user,
            entity=entity,
            entity_id=entity_id,
            operation=operation,
            field=field_name,
            old_value=text_of(old),
            new_value=text_of(new),
            entity_version=version,
        )
    )


def add(
    session: Session,
    kind: Kind[Any, _Rec],
    /,
    *,
    user: str,
    request_id: str | None = None,
    **values: object,
) -> _Rec:
    """
    Insert a record of ``kind`` (fields checked by the kind's checks) and audit its creation.

    With a ``request_id``, the add is idempotent: if an add with that id was stored before (a
    retry after a crash or a lost reply), return that record and add nothing; the same id with
    other values or another user is refused. The caller has checked what the kind's checks do
    not cover (references, geometries).
    """
    user = check_user(user)
    checked = _checked(kind, values)
    if request_id is None:
        return _insert(session, kind, checked, user=user)
    key = check_request_id(request_id)
    digest = _digest(kind.entity, checked)
    earlier = _replay(session, kind, key, digest=digest, user=user)
    if earlier is not None:
        return earlier
    try:
        with session.begin_nested():  # a savepoint: a lost race undoes only this add
            record = _insert(session, kind, checked, user=user)
            session.add(
                RequestRow(
                    request_id=key,
                    entity=kind.entity,
                    entity_id=record.id,  # type: ignore[attr-defined]  # every record has an id
                    digest=digest,
                    created_at=now(),
                    created_by=user,
                )
            )
            session.flush()
    except IntegrityError:
        # Another process stored the same request id after our look-up (PostgreSQL; SQLite
        # writers are serialised). Its add is committed: return it.
        earlier = _replay(session, kind, key, digest=digest, user=user)
        if earlier is None:
            raise
        return earlier
    return record


def _insert(
    session: Session, kind: Kind[Any, _Rec], values: dict[str, object], *, user: str
) -> _Rec:
    stamp = now()
    stamps: dict[str, object] = {"created_at": stamp, "created_by": user}
    if kind.versioned:
        stamps |= {"updated_at": stamp, "updated_by": user}
    row = kind.row(**values, **stamps)
    session.add(row)
    session.flush()
    record = kind.record(row)
    data = record.to_dict()
    audit(
        session,
        user=user,
        when=stamp,
        entity=kind.entity,
        entity_id=int(data["id"]),  # type: ignore[call-overload]  # ids are ints
        operation="create",
        new=json.dumps(data, sort_keys=True),
        version=data.get("version"),  # type: ignore[arg-type]  # int or absent
    )
    session.flush()
    return record


def check_request_id(request_id: object) -> str:
    """Return the request id stripped, or say what a usable one looks like."""
    cleaned = request_id.strip() if isinstance(request_id, str) else ""
    if not cleaned or len(cleaned) > MAX_REQUEST_ID or not cleaned.isprintable():
        msg = (
            f"request_id must be 1-{MAX_REQUEST_ID} printable characters, e.g. a UUID "
            f"(python -c 'import uuid; print(uuid.uuid4())'); found {request_id!r}."
        )
        raise ParameterError(msg)
    return cleaned


def _digest(entity: str, values: Mapping[str, object]) -> str:
    text = json.dumps([entity, dict(values)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _replay(
    session: Session, kind: Kind[Any, _Rec], key: str, *, digest: str, user: str
) -> _Rec | None:
    """Return the record an earlier add with ``key`` stored, None if there was none."""
    earlier = session.scalars(select(RequestRow).where(RequestRow.request_id == key)).first()
    if earlier is None:
        return None
    if (earlier.entity, earlier.digest, earlier.created_by) != (kind.entity, digest, user):
        when = utc(earlier.created_at).strftime("%Y-%m-%d %H:%M UTC")
        msg = (
            f"request_id {key!r} was already used by {earlier.created_by} at {when} to add "
            f"{earlier.entity} {earlier.entity_id} with other values. A retry must repeat the "
            "same values; give a new request id to add a new record."
        )
        raise ParameterError(msg)
    row = session.get(kind.row, earlier.entity_id, populate_existing=True)
    if row is None:
        msg = (
            f"request_id {key!r} added {kind.label} {earlier.entity_id}, which has since been "
            "deleted (see the audit trail). Give a new request id to add it again."
        )
        raise RecordNotFoundError(msg)
    return kind.record(row)


def _editable_row(
    session: Session, kind: Kind[_Row, Any], entity_id: int, *, attempted: str
) -> _Row:
    """Return the row, or say who deleted it if someone did."""
    row = session.get(kind.row, entity_id, populate_existing=True)
    if row is not None:
        return row
    deleted = session.scalars(
        select(AuditRow)
        .where(
            AuditRow.entity == kind.entity,
            AuditRow.entity_id == entity_id,
            AuditRow.operation == "delete",
        )
        .order_by(AuditRow.id.desc())
    ).first()
    if deleted is None:
        msg = f"No {kind.label} has id {entity_id}. List them to see the ids that exist."
        raise RecordNotFoundError(msg)
    when = utc(deleted.changed_at).strftime("%Y-%m-%d %H:%M UTC")
    msg = (
        f"{kind.label.capitalize()} {entity_id} was deleted by {deleted.changed_by} at {when}; "
        f"your {attempted} was not saved. Add it again as a new {kind.label} if it is still "
        "needed."
    )
    raise EditConflictError(
        msg,
        entity=kind.entity,
        entity_id=entity_id,
        expected_version=deleted.entity_version or 0,
        current_version=-1,
        changed_by=deleted.changed_by,
    )


def _conflict(
    session: Session,
    kind: Kind[Any, Any],
    entity_id: int,
    *,
    expected_version: int,
    attempted: Sequence[str],
) -> EditConflictError:
    """Describe what others saved since ``expected_version``."""
    entity = kind.entity
    rows = session.scalars(
        select(AuditRow)
        .where(
            AuditRow.entity == entity,
            AuditRow.entity_id == entity_id,
            AuditRow.operation == "update",
            AuditRow.entity_version > expected_version,
        )
        .order_by(AuditRow.id)
    ).all()
    current = session.get(kind.row, entity_id, populate_existing=True)
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
    when = utc(current.updated_at).strftime("%Y-%m-%d %H:%M UTC")
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


def _fresh_conflict(
    session: Session,
    kind: Kind[Any, Any],
    entity_id: int,
    *,
    expected_version: int,
    attempted: Sequence[str],
) -> EditConflictError:
    """
    Describe a conflict found at write time (a StaleDataError).

    The session's transaction is now unusable (the caller rolls it back), so the conflict is
    described from a fresh session on the same database.
    """
    with Session(session.get_bind()) as fresh:
        return _conflict(
            fresh, kind, entity_id, expected_version=expected_version, attempted=attempted
        )


def _check_version(expected_version: object) -> int:
    if not is_whole(expected_version):
        msg = (
            "expected_version must be the whole-number version you loaded; "
            f"found {expected_version!r}."
        )
        raise ParameterError(msg)
    return cast("int", expected_version)


def update(
    session: Session,
    kind: Kind[Any, _Rec],
    entity_id: int,
    /,
    *,
    expected_version: int,
    user: str,
    **values: object,
) -> _Rec:
    """
    Change the given fields (those not :data:`UNCHANGED`) with optimistic locking.

    Writes one audit row per changed field; raises EditConflictError when the stored version
    is not ``expected_version`` (or changes under us before the write).
    """
    user = check_user(user)
    changes = _checked(kind, {k: v for k, v in values.items() if not isinstance(v, Unchanged)})
    row = _editable_row(session, kind, entity_id, attempted=f"change to {', '.join(changes)}")
    expected_version = _check_version(expected_version)
    if row.version != expected_version:
        raise _conflict(
            session, kind, entity_id, expected_version=expected_version, attempted=list(changes)
        )
    changed = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if changed:
        _write_changes(session, kind, row, changed, user=user, expected_version=expected_version)
    return get(session, kind, entity_id)


def _write_changes(
    session: Session,
    kind: Kind[Any, Any],
    row: Any,  # noqa: ANN401 - a versioned row of ``kind``
    changed: dict[str, object],
    *,
    user: str,
    expected_version: int,
) -> None:
    stamp = now()
    old = {k: getattr(row, k) for k in changed}
    for key, value in changed.items():
        setattr(row, key, value)
    row.updated_at = stamp
    row.updated_by = user
    entity_id = row.id
    try:
        session.flush()
    except StaleDataError:
        raise _fresh_conflict(
            session, kind, entity_id, expected_version=expected_version, attempted=list(changed)
        ) from None
    for key, value in changed.items():
        audit(
            session,
            user=user,
            when=stamp,
            entity=kind.entity,
            entity_id=entity_id,
            operation="update",
            field_name=key,
            old=old[key],
            new=value,
            version=row.version,
        )
    session.flush()


def delete(
    session: Session, kind: Kind[Any, Any], entity_id: int, *, expected_version: int, user: str
) -> None:
    """Delete a versioned record; the audit trail keeps a copy of it."""
    user = check_user(user)
    row = _editable_row(session, kind, entity_id, attempted="deletion")
    if row.version != _check_version(expected_version):
        raise _conflict(
            session, kind, entity_id, expected_version=expected_version, attempted=["deletion"]
        )
    snapshot = json.dumps(kind.record(row).to_dict(), sort_keys=True)
    session.delete(row)
    try:
        session.flush()
    except StaleDataError:
        raise _fresh_conflict(
            session, kind, entity_id, expected_version=expected_version, attempted=["deletion"]
        ) from None
    audit(
        session,
        user=user,
        when=now(),
        entity=kind.entity,
        entity_id=entity_id,
        operation="delete",
        old=snapshot,
        version=expected_version,
    )
    session.flush()
