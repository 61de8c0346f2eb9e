"""``patchmap tasks``: the tasking log (problems, EPIC actions, NAG decisions, assessments)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from patchmap._data import load
from patchmap._defaults import (
    ACTION_STATUSES,
    AREA_KINDS,
    CHECKLIST_ITEMS,
    DATABASE_URL_ENV,
    EPIC_TYPES,
    PROBLEM_STATUSES,
    SARA_STAGES,
)
from patchmap._options import (
    common_options,
    iso_date,
    iso_date_or_none,
    name_text,
    whole_from_one,
)
from patchmap._output import checked_json_out, checked_out, print_json
from spatial.errors import ParameterError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from shapely.geometry.base import BaseGeometry
    from sqlalchemy.orm import Session

    from boundaries.dataset import StudyArea
    from tasking.store import AreaRecord, FindingRecord


__all__ = ["add_tasks", "run_tasks"]


LOG_OPTIONS: Final = frozenset({"db", "user", "json", "out"})
"""The options (by ``dest``) every ``tasks`` verb reads; the data options only ``assess`` reads."""
BOUNDARY_OPTIONS: Final = frozenset({"wards", "ward_field", "demo"})
"""The data options (by ``dest``) ``tasks add problem`` and ``tasks update problem`` read too:
the ward boundaries their ``--ward`` is checked against."""
UNREAD_FILTERS: Final = {"ward": "--ward", "neighbourhood": "--neighbourhood", "months": "--months"}
"""Common filters no ``tasks`` verb reads: ``assess`` takes its areas from ``--treated`` and
``--comparison`` and its months from ``--before`` and ``--after``."""

if TYPE_CHECKING:
    _SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]  # noqa: SLF001 - its base
else:
    _SubParsers = argparse._SubParsersAction  # noqa: SLF001 - argparse's class for subcommands


class _VerbsAction(_SubParsers):
    """
    The ``tasks`` verbs: an option of ``tasks`` is read before the verb or after it, not both.

    Each verb's parser takes the ``tasks`` options it reads with no default of its own
    (:func:`_after_verb`), so one given only before the verb is kept. One given on both sides
    is refused, as is a data option given before a verb that reads no crime data.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        after = argparse.Namespace()
        super().__call__(parser, after, values, option_string)
        verb = str(after.tasks_verb)
        for action in parser._actions:  # noqa: SLF001 - argparse lists a parser's actions nowhere else
            if not action.option_strings or action.dest == "help":
                continue
            before = getattr(namespace, action.dest, action.default) != action.default
            if before and action.dest in vars(after):
                msg = (
                    f"{action.option_strings[0]} is given both before and after {verb!r}: "
                    "give it once."
                )
                parser.error(msg)
            unread = action.dest in UNREAD_FILTERS  # refused below, whatever the verb
            read = action.dest in LOG_OPTIONS or (
                action.dest in BOUNDARY_OPTIONS and _checks_ward(verb, after)
            )
            if before and verb != "assess" and not read and not unread:
                what = " ".join([verb, *([after.record] if "record" in after else [])])
                parser.error(_unread_data_option(action.option_strings[0], action.dest, what))
        for name, value in vars(after).items():
            setattr(namespace, name, value)
        for dest, option in UNREAD_FILTERS.items():
            if getattr(namespace, dest, None) is not None:
                hint = (
                    " (a problem's ward goes after the record: tasks add problem --ward NAME)"
                    if dest == "ward" and verb != "assess"
                    else ""
                )
                msg = (
                    f"{option} is read by no 'tasks' verb: 'tasks assess' takes its areas from "
                    "--treated and --comparison (a ward as ward:NAME) and its months from "
                    f"--before and --after. Leave {option} out{hint}."
                )
                parser.error(msg)


def _checks_ward(verb: str, after: argparse.Namespace) -> bool:
    """Say whether ``tasks VERB RECORD`` reads ward boundaries (to check a problem's ward)."""
    return verb in {"add", "update"} and getattr(after, "record", None) == "problem"


def _unread_data_option(option: str, dest: str, verb: str) -> str:
    """Return the refusal of a data option given before a verb (and record) not reading it."""
    also = (
        " and, to check a problem's --ward, by 'tasks add problem' and 'tasks update problem'"
        if dest in BOUNDARY_OPTIONS
        else ""
    )
    return (
        f"{option} is read only by 'tasks assess'{also}: 'tasks {verb}' reads no crime data. "
        f"Leave it out (the options of 'tasks {verb}' go after it)."
    )


def _after_verb(options: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """
    Return ``options`` with no defaults, to be the parent of a ``tasks`` verb.

    The ``tasks`` parser holds the defaults; a verb's parser sets only what is given after the
    verb, so that what is given before it is not overwritten by the verb's default.
    """
    for action in options._actions:  # noqa: SLF001 - argparse lists a parser's actions nowhere else
        action.default = argparse.SUPPRESS
    return options


def _add_log_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of the tasking log, which every ``tasks`` verb reads, to ``parser``."""
    log = parser.add_argument_group("tasking log")
    log.add_argument(
        "--db",
        metavar="URL",
        help=f"database URL or SQLite file (default ${DATABASE_URL_ENV}, else "
        "$XDG_DATA_HOME/patchmap/tasking.sqlite, $XDG_DATA_HOME defaulting to ~/.local/share)",
    )
    log.add_argument(
        "--user", metavar="NAME", help="who is making the change (default $PATCHMAP_USER or login)"
    )


def _tasks_options() -> argparse.ArgumentParser:
    """Options of every ``tasks`` verb but ``assess``, after the verb (or before it)."""
    opts = argparse.ArgumentParser(add_help=False)
    _add_log_options(opts)
    opts.add_argument("--json", action="store_true", help="print JSON")
    opts.add_argument("--out", type=Path, metavar="FILE", help="write JSON to FILE")
    return _after_verb(opts)


def _record(
    records: _SubParsers,
    name: str,
    *,
    parents: list[argparse.ArgumentParser],
    help: str,  # noqa: A002 - argparse's name
    argument_default: str | None = None,
) -> argparse.ArgumentParser:
    """
    Add the record ``name`` (singular) to a verb, which takes its plural as well.

    ``tasks add problems`` and ``tasks list problem`` are read as ``problem``: ``args.record``
    is always the singular.
    """
    aliases = [] if name == "audit" else [f"{name}s"]
    parser = records.add_parser(
        name, aliases=aliases, parents=parents, help=help, argument_default=argument_default
    )
    parser.set_defaults(record=name)
    return parser


def add_tasks(parser: argparse.ArgumentParser) -> None:  # noqa: PLR0915 - one CLI table
    """
    Add the options of ``patchmap tasks`` to its parser.

    Every option in the ``tasks`` usage line may come before the verb or after it (after the
    record name for ``add``, ``list`` and ``update``); given on both sides it is refused.

    long: declares every 'tasks' subcommand's options in one tree, read top to bottom.
    """
    _add_log_options(parser)
    parser.epilog = (
        "The options above may come before VERB or after it (after the record for add, list "
        "and update), not on both sides; the data options are read only by assess."
    )
    opts = _tasks_options()
    verbs = parser.add_subparsers(
        dest="tasks_verb", required=True, metavar="VERB", action=_VerbsAction
    )

    add = verbs.add_parser("add", help="add a record").add_subparsers(
        dest="record", required=True, metavar="RECORD"
    )
    add_opts = argparse.ArgumentParser(add_help=False, parents=[opts])
    add_opts.add_argument(
        "--request-id",
        metavar="ID",
        help="idempotency key: a retry with the same ID (after a crash, a timeout or a lost "
        "reply) returns the record the first try stored instead of adding a second; use a new "
        "ID, e.g. from uuidgen, for each record",
    )
    p = _record(add, "problem", parents=[add_opts], help="a problem (SARA)")
    p.add_argument(
        "--title",
        required=True,
        help="shown in partners' briefing packs: name no victim, suspect or address",
    )
    p.add_argument("--description", default="", help="for the police only (not in partner packs)")
    p.add_argument("--stage", choices=SARA_STAGES, default="scanning")
    p.add_argument("--ward", dest="problem_ward", type=name_text, help="ward the problem lies in")
    _add_boundary_options(p)
    a = _record(add, "action", parents=[add_opts], help="an EPIC action on a problem")
    a.add_argument("--problem", type=int, required=True, metavar="ID")
    a.add_argument("--epic", choices=EPIC_TYPES, required=True)
    a.add_argument(
        "--description",
        required=True,
        help="shown in partners' briefing packs unless --epic intelligence: name no victim, "
        "suspect or address (use --notes, for the police only)",
    )
    a.add_argument("--agency", default="", help="owner agency")
    a.add_argument("--person", default="", help="owner within the agency")
    a.add_argument("--due", type=iso_date_or_none, metavar="YYYY-MM-DD")
    a.add_argument("--status", choices=ACTION_STATUSES, default="open")
    a.add_argument("--notes", default="")
    a.add_argument(
        "--when",
        metavar="WINDOW",
        help='days and hours of a joint patrol, e.g. "Fri and Sat 22:00-03:00" (from patchmap '
        "when); written into the description",
    )
    m = _record(add, "meeting", parents=[add_opts], help="a NAG meeting")
    m.add_argument("--name", required=True)
    m.add_argument("--held-on", type=iso_date, required=True, metavar="YYYY-MM-DD")
    m.add_argument("--notes", default="")
    d = _record(add, "decision", parents=[add_opts], help="a decision of a NAG meeting")
    d.add_argument("--meeting", type=int, required=True, metavar="ID")
    d.add_argument("--decision", required=True)
    d.add_argument("--problem", type=int, metavar="ID")
    ar = _record(add, "area", parents=[add_opts], help="a patrol area, EVA route or comparison")
    ar.add_argument("--kind", choices=AREA_KINDS, required=True)
    ar.add_argument("--name", required=True)
    ar.add_argument("--wkt", required=True, help="geometry as WKT in British National Grid metres")
    ar.add_argument("--problem", type=int, metavar="ID")
    f = _record(add, "finding", parents=[add_opts], help="what was seen at one EVA stop")
    f.add_argument("--route", type=int, required=True, metavar="ID")
    f.add_argument(
        "--stop", type=whole_from_one, required=True, metavar="N", help="stop number, from 1"
    )
    f.add_argument("--seen", action="append", choices=CHECKLIST_ITEMS, default=[])
    f.add_argument("--not-seen", action="append", choices=CHECKLIST_ITEMS, default=[])
    f.add_argument("--note", default="")
    f.add_argument("--photo", help="photo reference")
    f.add_argument("--spoken-to", default="")
    f.add_argument("--walked-on", type=iso_date, metavar="YYYY-MM-DD")
    f.add_argument(
        "--at",
        nargs=2,
        type=float,
        metavar=("X_M", "Y_M"),
        help="where it was seen, British National Grid metres (default: the position of the "
        "stop when the route was saved with its stops)",
    )

    lst = verbs.add_parser("list", help="list records").add_subparsers(
        dest="record", required=True, metavar="RECORD"
    )
    lp = _record(lst, "problem", parents=[opts], help="problems (--stage, --status)")
    lp.add_argument("--stage", choices=SARA_STAGES)
    lp.add_argument("--status", choices=PROBLEM_STATUSES)
    la = _record(lst, "action", parents=[opts], help="EPIC actions (--problem, --status, --agency)")
    la.add_argument("--problem", type=int, metavar="ID")
    la.add_argument("--status", choices=ACTION_STATUSES)
    la.add_argument("--agency")
    lar = _record(lst, "area", parents=[opts], help="stored areas (--problem, --kind)")
    lar.add_argument("--problem", type=int, metavar="ID")
    lar.add_argument("--kind", choices=AREA_KINDS)
    _record(lst, "meeting", parents=[opts], help="NAG meetings")
    ld = _record(lst, "decision", parents=[opts], help="NAG decisions (--meeting, --problem)")
    ld.add_argument("--meeting", type=int, metavar="ID")
    ld.add_argument("--problem", type=int, metavar="ID")
    lf = _record(lst, "finding", parents=[opts], help="EVA findings (--route)")
    lf.add_argument("--route", type=int, metavar="ID")
    lau = _record(lst, "audit", parents=[opts], help="the audit trail (--entity, --id)")
    lau.add_argument(
        "--entity", choices=["problem", "action", "area", "meeting", "decision", "finding"]
    )
    lau.add_argument("--id", type=int, metavar="ID")

    upd = verbs.add_parser("update", help="change a problem or action").add_subparsers(
        dest="record", required=True, metavar="RECORD"
    )
    up = _record(
        upd, "problem", parents=[opts], argument_default=argparse.SUPPRESS, help="a problem"
    )
    ua = _record(
        upd, "action", parents=[opts], argument_default=argparse.SUPPRESS, help="an action"
    )
    for u in (up, ua):
        u.add_argument("id", type=int)
        u.add_argument(
            "--version", type=int, required=True, help="the version you loaded (from list)"
        )
        u.add_argument("--description")
    up.add_argument("--title")
    up.add_argument("--stage", choices=SARA_STAGES)
    up.add_argument("--status", choices=PROBLEM_STATUSES)
    up.add_argument("--ward", dest="problem_ward", type=name_text, help="'none' clears it")
    _add_boundary_options(up)
    ua.add_argument("--epic", choices=EPIC_TYPES)
    ua.add_argument("--agency")
    ua.add_argument("--person")
    ua.add_argument("--due", type=iso_date_or_none, metavar="YYYY-MM-DD", help="'none' clears it")
    ua.add_argument("--status", choices=ACTION_STATUSES)
    ua.add_argument("--notes")

    verbs.add_parser(
        "export", parents=[opts], help="the whole log as JSON, marked for the police only"
    )
    pr = verbs.add_parser(
        "propose", parents=[opts], help="propose actions from EVA findings (--add stores them)"
    )
    pr.add_argument("--route", type=int, metavar="ID", help="only this route's findings")
    pr.add_argument("--problem", type=int, metavar="ID", help="for routes with no problem")
    pr.add_argument("--due", type=iso_date, metavar="YYYY-MM-DD")
    pr.add_argument("--add", action="store_true", help="store them as proposed actions")

    db_only = argparse.ArgumentParser(add_help=False)
    db_only.add_argument("--db", metavar="URL", help="database URL or SQLite file")
    db_only.add_argument("--user", metavar="NAME", help=argparse.SUPPRESS)
    asr = verbs.add_parser(
        "assess",
        parents=[_after_verb(_assess_data_options()), _after_verb(db_only)],
        help="WDD and exact Poisson assessment of a response (treated vs comparison area)",
        description="Compare crime in the --treated area with the --comparison area, in the "
        "--before months and the --after months (which follow them); --crime-type chooses the "
        "crimes counted. Areas and months come from these options alone: --ward and --months "
        "are not read.",
    )
    asr.add_argument(
        "--treated", required=True, metavar="AREA", help="'ward:NAME' or a stored area id"
    )
    asr.add_argument(
        "--comparison", required=True, metavar="AREA", help="'ward:NAME' or a stored area id"
    )
    asr.add_argument("--before", required=True, metavar="YYYY-MM:YYYY-MM")
    asr.add_argument("--after", required=True, metavar="YYYY-MM:YYYY-MM")
    asr.add_argument("--buffer-m", type=float, help="displacement ring width in metres")
    asr.add_argument("--per-km2", action="store_true", help="compare crimes per km2")


def _add_boundary_options(parser: argparse.ArgumentParser) -> None:
    """
    Add the ward boundaries a problem's ``--ward`` is checked against to ``parser``.

    No defaults (see :func:`_after_verb`): the ``tasks`` parser holds them, so the options may
    come before the verb as well.
    """
    check = parser.add_argument_group(
        "ward check (optional: with boundaries, a --ward they do not hold is refused)"
    )
    check.add_argument(
        "--wards",
        type=Path,
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="ward boundaries (GeoJSON, GPKG, zipped SHP) whose names --ward must be one of",
    )
    check.add_argument(
        "--ward-field",
        metavar="COL",
        default=argparse.SUPPRESS,
        help="column of --wards with the ward names (auto)",
    )
    check.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="check --ward against the demo town's wards",
    )


def _assess_data_options() -> argparse.ArgumentParser:
    """
    Return the common options as ``tasks assess`` shows them: without the unread filters.

    ``--ward``, ``--neighbourhood`` and ``--months`` still parse, so that they are refused by
    name (see :data:`UNREAD_FILTERS`), but the help does not offer them.
    """
    options = common_options()
    for action in options._actions:  # noqa: SLF001 - argparse lists a parser's actions nowhere else
        if action.dest in UNREAD_FILTERS:
            action.help = argparse.SUPPRESS
    return options


def _tasks_user(args: argparse.Namespace) -> str:
    user = args.user or os.environ.get("PATCHMAP_USER")
    if not user:
        try:
            user = getpass.getuser()
        except (OSError, KeyError) as err:
            msg = "Say who is making the change with --user NAME (or set PATCHMAP_USER)."
            raise ParameterError(msg) from err
    return str(user)


def _with_when(description: str, when: str | None) -> str:
    from tasking.windows import with_window

    return description if when is None else with_window(description, when)


def _ward_boundaries(args: argparse.Namespace) -> tuple[list[str], str, str] | None:
    """
    Return the ward names of the boundaries given to check a problem's ``--ward``, if any.

    Returns the names, what to call the boundaries in a message and how to fix a refused name;
    None when neither ``--demo`` nor ``--wards`` is given.
    """
    demo, wards = bool(getattr(args, "demo", False)), getattr(args, "wards", None)
    if getattr(args, "ward_field", None) is not None and wards is None:
        msg = "--ward-field names a column of --wards: give --wards PATH too, or leave it out."
        raise ParameterError(msg)
    if demo and wards is not None:
        msg = "Check --ward against either the demo town (--demo) or --wards, not both."
        raise ParameterError(msg)
    fix = "Give --ward as one of its wards (case and spacing do not matter)"
    if demo:
        from boundaries.dataset import load_demo

        return [str(n) for n in load_demo().ward_names], "the demo town", f"{fix}."
    if wards is None:
        return None
    from boundaries.dataset import default_cache_dir
    from spatial.cache import read_wards_cached

    frame = read_wards_cached(wards, name_field=args.ward_field, cache_dir=default_cache_dir())
    hint = f"{fix}, or give the boundaries of the problem's area with --wards."
    return [str(n) for n in frame.wards["ward_name"]], str(wards), hint


def _check_problem_ward(args: argparse.Namespace) -> list[str]:
    """
    Check the ``--ward`` of ``tasks add problem`` or ``tasks update problem``; return notes.

    With boundaries (``--demo`` or ``--wards``) a name they do not hold is refused, naming the
    closest, and a name that differs in case or spacing only is stored as they spell it
    (``args.problem_ward`` is set to it). Without, the name is kept as typed, with a note that
    it was not checked.
    """
    boundaries = _ward_boundaries(args)
    ward = getattr(args, "problem_ward", None)
    if ward is None or (args.tasks_verb == "update" and ward.lower() == "none"):
        if boundaries is not None and ward is None:
            option = "--demo" if getattr(args, "demo", False) else "--wards"
            msg = (
                f"{option} is read to check a problem's --ward, and no --ward is given: give "
                f"--ward NAME, or leave {option} out."
            )
            raise ParameterError(msg)
        return []
    if boundaries is None:
        note = (
            f"The ward {ward!r} was not checked: no ward boundaries were given. To check it, "
            "give them with --wards PATH (or --demo for the demo town); a briefing pack lists "
            "the problems whose ward its boundaries do not hold."
        )
        return [note]
    from boundaries.ward_names import match_ward_name

    names, source, hint = boundaries
    matched = match_ward_name(ward, names, source=source, hint=hint)
    args.problem_ward = matched
    if matched != ward:
        return [f"The ward {ward!r} is stored as {matched!r}, as {source} spells it."]
    return []


def _tasks_add(session: Session, args: argparse.Namespace) -> dict[str, object]:

    from tasking.store import (
        ActionRecord,
        DecisionRecord,
        MeetingRecord,
        ProblemRecord,
        add_action,
        add_decision,
        add_meeting,
        add_problem,
    )

    user = _tasks_user(args)
    record: ProblemRecord | ActionRecord | MeetingRecord | DecisionRecord | AreaRecord
    if args.record == "problem":
        record = add_problem(
            session,
            title=args.title,
            user=user,
            request_id=args.request_id,
            description=args.description,
            sara_stage=args.stage,
            ward=args.problem_ward,
        )
    elif args.record == "action":
        record = add_action(
            session,
            args.problem,
            epic=args.epic,
            description=_with_when(args.description, args.when),
            user=user,
            request_id=args.request_id,
            owner_agency=args.agency,
            owner_person=args.person,
            due_date=args.due,
            status=args.status,
            notes=args.notes,
        )
    elif args.record == "meeting":
        record = add_meeting(
            session,
            name=args.name,
            held_on=args.held_on,
            user=user,
            request_id=args.request_id,
            notes=args.notes,
        )
    elif args.record == "decision":
        record = add_decision(
            session,
            args.meeting,
            decision=args.decision,
            user=user,
            request_id=args.request_id,
            problem_id=args.problem,
        )
    elif args.record == "area":
        record = _tasks_add_area(session, args, user)
    else:
        return _tasks_add_finding(session, args, user).to_dict()
    return record.to_dict()


def _tasks_add_area(session: Session, args: argparse.Namespace, user: str) -> AreaRecord:
    import shapely
    import shapely.errors

    from tasking.store import add_area

    try:
        geometry = shapely.from_wkt(args.wkt)
    except shapely.errors.GEOSException as err:
        msg = f"--wkt is not valid WKT ({err}); e.g. 'POLYGON ((545000 260000, ...))'."
        raise ParameterError(msg) from err
    return add_area(
        session,
        geometry,
        kind=args.kind,
        name=args.name,
        user=user,
        request_id=args.request_id,
        problem_id=args.problem,
    )


def _tasks_add_finding(session: Session, args: argparse.Namespace, user: str) -> FindingRecord:
    import shapely

    from tasking.store import add_finding

    both = set(args.seen) & set(args.not_seen)
    if both:
        msg = f"{', '.join(sorted(both))} given as both --seen and --not-seen."
        raise ParameterError(msg)
    answers = dict.fromkeys(args.seen, True) | dict.fromkeys(args.not_seen, False)
    return add_finding(
        session,
        args.route,
        stop_number=args.stop,
        answers=answers,
        user=user,
        request_id=args.request_id,
        note=args.note,
        photo_ref=args.photo,
        spoken_to=args.spoken_to,
        walked_on=args.walked_on,
        point=None if args.at is None else shapely.Point(*args.at),
    )


def _tasks_list(session: Session, args: argparse.Namespace) -> list[dict[str, object]]:
    from tasking.store import (
        list_actions,
        list_areas,
        list_audit,
        list_decisions,
        list_findings,
        list_meetings,
        list_problems,
    )

    kind = args.record
    if kind == "problem":
        rows: Sequence[Any] = list_problems(session, sara_stage=args.stage, status=args.status)
    elif kind == "action":
        rows = list_actions(
            session, problem_id=args.problem, status=args.status, owner_agency=args.agency
        )
    elif kind == "area":
        rows = list_areas(session, problem_id=args.problem, kind=args.kind)
    elif kind == "meeting":
        rows = list_meetings(session)
    elif kind == "decision":
        rows = list_decisions(session, meeting_id=args.meeting, problem_id=args.problem)
    elif kind == "finding":
        rows = list_findings(session, route_id=args.route)
    else:
        rows = list_audit(session, entity=args.entity, entity_id=args.id)
    return [r.to_dict() for r in rows]


def _tasks_update(session: Session, args: argparse.Namespace) -> dict[str, object]:
    from tasking.store import UNCHANGED, update_action, update_problem

    given = vars(args)
    fields = {
        "problem": ("title", "description", "stage", "status", "problem_ward"),
        "action": ("epic", "description", "agency", "person", "due", "status", "notes"),
    }[args.record]
    if not any(name in given for name in fields):
        options = ", ".join(f"--{name.removeprefix('problem_')}" for name in fields)
        msg = f"Nothing to change: give at least one of {options}."
        raise ParameterError(msg)
    user = _tasks_user(args)
    if args.record == "problem":
        ward = given.get("problem_ward", UNCHANGED)
        return update_problem(
            session,
            args.id,
            expected_version=args.version,
            user=user,
            title=given.get("title", UNCHANGED),
            description=given.get("description", UNCHANGED),
            sara_stage=given.get("stage", UNCHANGED),
            status=given.get("status", UNCHANGED),
            ward=None if isinstance(ward, str) and ward.lower() == "none" else ward,
        ).to_dict()
    return update_action(
        session,
        args.id,
        expected_version=args.version,
        user=user,
        epic=given.get("epic", UNCHANGED),
        description=given.get("description", UNCHANGED),
        owner_agency=given.get("agency", UNCHANGED),
        owner_person=given.get("person", UNCHANGED),
        due_date=given.get("due", UNCHANGED),
        status=given.get("status", UNCHANGED),
        notes=given.get("notes", UNCHANGED),
    ).to_dict()


def _tasks_propose(session: Session, args: argparse.Namespace) -> list[dict[str, object]]:
    from tasking.findings import add_proposed_actions, propose_actions
    from tasking.store import get_eva_route, list_areas, list_findings

    if args.route is not None:
        get_eva_route(session, args.route)  # refuses an id that is no EVA route
    proposals = propose_actions(
        list_findings(session, route_id=args.route), routes=list_areas(session, kind="eva_route")
    )
    if args.add:
        added = add_proposed_actions(
            session, proposals, user=_tasks_user(args), problem_id=args.problem, due_date=args.due
        )
        return [a.to_dict() for a in added]
    return [
        {
            "route_id": p.route_id,
            "problem_id": p.problem_id,
            "item": p.item,
            "epic": p.epic,
            "owner_agency": p.owner_agency,
            "description": p.description,
            "notes": p.notes,
            "stops": list(p.stops),
        }
        for p in proposals
    ]


def _describe_task(rec: dict[str, object]) -> str:
    """One line per record for the text output."""
    if "sara_stage" in rec:
        ward = f" ({rec['ward']})" if rec.get("ward") else ""
        return (
            f"problem {rec['id']} v{rec['version']} [{rec['sara_stage']}, {rec['status']}] "
            f"{rec['title']}{ward}"
        )
    if "epic" in rec and "id" in rec:
        due = f" due {rec['due_date']}" if rec.get("due_date") else ""
        owner = " / ".join(str(rec[k]) for k in ("owner_agency", "owner_person") if rec.get(k))
        return (
            f"action {rec['id']} v{rec['version']} problem {rec['problem_id']} {rec['epic']} "
            f"[{rec['status']}]{due} {owner}: {rec['description']}"
        )
    if "stops" in rec:
        return f"proposed {rec['epic']} for {rec['owner_agency']}: {rec['description']}"
    if "changed_by" in rec:
        what = (
            f" {rec['field']}: {rec['old_value']!r} -> {rec['new_value']!r}" if rec["field"] else ""
        )
        return (
            f"{rec['changed_at']} {rec['changed_by']} {rec['operation']} "
            f"{rec['entity']} {rec['entity_id']}{what}"
        )
    skip = {"created_at", "created_by", "geometry_wkt", "answers"}
    return ", ".join(f"{k}: {v}" for k, v in rec.items() if k not in skip and v not in (None, ""))


def _assess_area(session: Session, spec: str, area: StudyArea) -> BaseGeometry:
    """Geometry of ``ward:NAME`` or of a stored area id."""
    from tasking.store import get_area

    if spec.lower().startswith("ward:"):
        name = spec.split(":", 1)[1].strip()
        match = area.wards.loc[area.wards["ward_name"] == name]
        if match.empty:
            msg = f"No ward is called {name!r}; wards: {', '.join(area.ward_names)}."
            raise ParameterError(msg)
        geometry: BaseGeometry = match.geometry.iloc[0]
        return geometry
    if not spec.isdigit():
        msg = f"{spec!r} is neither 'ward:NAME' nor a stored area id (see tasks list areas)."
        raise ParameterError(msg)
    return get_area(session, int(spec)).geometry


def _tasks_assess(session: Session, args: argparse.Namespace) -> dict[str, object]:
    from boundaries.select import (
        Selection,
        parse_month_range,
        require_loaded_months,
        select_points,
    )
    from tasking.assess import assess_response

    loaded = load(args)
    before, after = parse_month_range(args.before), parse_month_range(args.after)
    require_loaded_months(loaded.area, before=before, after=after)
    points = select_points(loaded.area, Selection(crime_types=loaded.selection.crime_types))
    treated = _assess_area(session, args.treated, loaded.area)
    comparison = _assess_area(session, args.comparison, loaded.area)
    try:
        result = assess_response(
            points,
            treated,
            comparison,
            before=before,
            after=after,
            displacement_buffer_m=args.buffer_m,
            per_km2=args.per_km2,
        )
    except ParameterError as err:
        raise type(err)(_with_assess_flags(str(err))) from err
    return result.to_dict()


_ASSESS_FLAGS: Final = (
    ("treated_area", "the --treated area"),
    ("comparison_area", "the --comparison area"),
    ("displacement_buffer_m", "--buffer-m"),
)
"""assess_response's parameter names as the ``tasks assess`` options that give them."""


def _with_assess_flags(message: str) -> str:
    """Say ``--treated``, ``--comparison``, ``--buffer-m`` where ``message`` names parameters."""
    for name, flag in _ASSESS_FLAGS:
        message = message.replace(name, flag)
    return message[:1].upper() + message[1:]


def _describe_assessment(rec: dict[str, Any]) -> list[str]:
    wdd = rec["wdd"]
    lines = [
        f"before {rec['before'][0]}..{rec['before'][1]}, after {rec['after'][0]}..{rec['after'][1]}"
    ]
    lines.extend(
        f"  {name:<24} {rec[name]['n_before']:>6} -> {rec[name]['n_after']:>6}"
        for name in ("treated", "comparison", "displacement", "displacement_comparison")
        if rec[name] is not None
    )
    lines.append(
        f"WDD {wdd['est_total']:+.2f} per month (95% CI {wdd['ci_low']:+.2f} to "
        f"{wdd['ci_high']:+.2f}), z {wdd['z']:.2f}, p {wdd['p_value']:.3f}"
    )
    for name in ("treated", "comparison"):
        test = rec[f"{name}_rate_ratio"]
        if test["rate_ratio"] is not None:
            lines.append(
                f"{name} rate after/before {test['rate_ratio']:.2f}, exact Poisson p "
                f"{test['p_value']:.3f}"
            )
    return lines


def _tasks_verb(session: Session, args: argparse.Namespace) -> Any:  # noqa: ANN401 - JSON
    from tasking.store import export_log

    if args.tasks_verb == "add":
        return _tasks_add(session, args)
    if args.tasks_verb == "list":
        return _tasks_list(session, args)
    if args.tasks_verb == "update":
        return _tasks_update(session, args)
    if args.tasks_verb == "propose":
        return _tasks_propose(session, args)
    if args.tasks_verb == "assess":
        return _tasks_assess(session, args)
    from layers.metadata import log_export_metadata

    log = export_log(session)
    return {"metadata": log_export_metadata(log), **log}  # marked for the police


_READING_VERBS: Final = frozenset({"list", "export"})
"""Verbs that only read the log: given a --db file that is not there, a typing mistake."""


def _require_log_to_read(args: argparse.Namespace) -> None:
    """
    Refuse a reading verb on a ``--db`` SQLite file that does not exist.

    Opening it would make a new, empty log there and answer "(none)", hiding a mistyped path.
    A log is made by the first ``tasks add`` (and the default log, when ``--db`` is not given).
    """
    from sqlalchemy.engine import make_url

    from tasking.store import resolve_database_url

    if args.tasks_verb not in _READING_VERBS or not args.db:
        return
    url = make_url(resolve_database_url(args.db))
    path = url.database
    on_disk = url.get_backend_name() == "sqlite" and path and path != ":memory:"
    if on_disk and not Path(str(path)).exists():
        msg = (
            f"--db {args.db}: there is no tasking log at {path}. Check the path; a new log "
            "is made by the first 'patchmap tasks add'."
        )
        raise ParameterError(msg)


def _tasks_result(args: argparse.Namespace) -> object:
    from sqlalchemy.orm import Session

    from tasking.store import connect

    notes = None
    if _checks_ward(args.tasks_verb, args):  # before the log is opened: a refusal writes nothing
        notes = _check_problem_ward(args)
    _require_log_to_read(args)
    engine = connect(args.db)
    try:
        with Session(engine) as session, session.begin():
            result = _tasks_verb(session, args)
            return result if notes is None else {**result, "notes": notes}
    finally:
        engine.dispose()


def _require_out_file(out: Path | None) -> None:
    """
    Refuse an ``--out`` the answer cannot be written to: a failed write never follows an add.

    The name is checked as every command checks it (``checked_json_out``, ``checked_out``),
    and its folder was checked before the command ran (``refuse_missing_out_folders``); a
    folder given as the file is refused here too, since the write that would refuse it comes
    after the log is changed.
    """
    checked_json_out(out)
    if out is not None and out.is_dir():
        msg = f"--out {out}: this is a folder. Give a .json file in a folder that exists."
        raise ParameterError(msg)
    checked_out(out, (".json",), "JSON")


def _print_export(log: dict[str, Any]) -> None:
    """Print the export's police marker and how many records each table holds."""
    print(log["metadata"]["note"])
    for name, rows in log.items():
        if name != "metadata":
            print(f"{name}: {len(rows)}")


def run_tasks(args: argparse.Namespace) -> int:
    """Run ``patchmap tasks``; return the exit code."""
    _require_out_file(getattr(args, "out", None))  # before the log is changed
    result = _tasks_result(args)
    if getattr(args, "out", None):
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        print_json(result)
    elif isinstance(result, dict) and args.tasks_verb == "assess":
        print("\n".join(_describe_assessment(result)))
    elif isinstance(result, dict) and args.tasks_verb == "export":
        _print_export(result)
    elif isinstance(result, dict):
        print(_describe_task(result))
        print("".join(f"Note: {note}\n" for note in result.get("notes", ())), end="")
    elif isinstance(result, list):
        for rec in result:
            print(_describe_task(rec))
        if not result:
            print("(none)")
    return 0
