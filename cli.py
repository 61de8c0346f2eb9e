"""
The ``patchmap`` command: argument parsing and printing only.

Every subcommand shares the common filters (``--crimes``/``--wards`` or ``--demo``, ``--ward``,
``--months``, ``--crime-type``) and prints JSON with ``--json``. A problem the user can fix is
printed to stderr, with the same message the app shows, and the exit code is 2.

To add a subcommand: write ``_add_NAME(parser)`` and ``_run_NAME(args) -> int`` and register
them in ``_SUBCOMMANDS`` at the bottom of this file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
import shapely.errors
from sqlalchemy.orm import Session

from boundaries.dataset import StudyArea, load_demo, load_study_area
from boundaries.select import (
    Selection,
    parse_month_range,
    select_points,
    select_wards,
    summarise,
)
from spatial.errors import ParameterError, PatchmapError
from tasking.assess import assess_response
from tasking.findings import add_proposed_actions, propose_actions
from tasking.problems import TIME_OF_DAY_NOTE, flag_problems
from tasking.profile import build_profile
from tasking.store import (
    ACTION_STATUSES,
    AREA_KINDS,
    CHECKLIST_ITEMS,
    DATABASE_URL_ENV,
    EPIC_TYPES,
    PROBLEM_STATUSES,
    SARA_STAGES,
    UNCHANGED,
    ActionRecord,
    AreaRecord,
    DecisionRecord,
    MeetingRecord,
    ProblemRecord,
    add_action,
    add_area,
    add_decision,
    add_finding,
    add_meeting,
    add_problem,
    connect,
    export_log,
    get_area,
    list_actions,
    list_areas,
    list_audit,
    list_decisions,
    list_findings,
    list_meetings,
    list_problems,
    update_action,
    update_problem,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from shapely.geometry.base import BaseGeometry

__all__ = ["main"]

EXIT_USER_ERROR = 2


def _common_options() -> argparse.ArgumentParser:
    """Options every subcommand takes (the data and the filters)."""
    common = argparse.ArgumentParser(add_help=False)
    data = common.add_argument_group("data (one of --demo or --crimes with --wards)")
    data.add_argument(
        "--crimes",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="data.police.uk street-level CSV files, folders of monthly folders, or .zip archives",
    )
    data.add_argument(
        "--wards", type=Path, metavar="PATH", help="ward boundaries (GeoJSON, GPKG, zipped SHP)"
    )
    data.add_argument("--ward-field", metavar="COL", help="column with the ward names (auto)")
    data.add_argument(
        "--neighbourhoods",
        type=Path,
        metavar="CSV",
        help="ward,neighbourhood CSV grouping wards into neighbourhoods",
    )
    data.add_argument(
        "--population", type=Path, metavar="CSV", help="LSOA populations (Census 2021 or ONS MYE)"
    )
    data.add_argument("--lsoas", type=Path, metavar="PATH", help="LSOA boundaries for rates")
    data.add_argument("--demo", action="store_true", help="use the generated demo town")
    filters = common.add_argument_group("filters")
    filters.add_argument(
        "--ward", action="append", metavar="NAME", help="a ward to include (repeatable)"
    )
    filters.add_argument(
        "--neighbourhood",
        action="append",
        metavar="NAME",
        help="a neighbourhood (group of wards) to include (repeatable)",
    )
    filters.add_argument(
        "--months", metavar="YYYY-MM:YYYY-MM", help="first and last month, inclusive"
    )
    filters.add_argument(
        "--crime-type", action="append", metavar="TYPE", help="a crime type (repeatable)"
    )
    output = common.add_argument_group("output")
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument("--out", type=Path, metavar="FILE", help="write the result to a file")
    return common


@dataclass(frozen=True)
class _Loaded:
    area: StudyArea
    selection: Selection


def _load(args: argparse.Namespace) -> _Loaded:
    """Load the study area the options name and build the selection."""
    if args.demo:
        if args.crimes or args.wards:
            msg = "Use either --demo or --crimes with --wards, not both."
            raise ParameterError(msg)
        area = load_demo()
    else:
        if not args.crimes or args.wards is None:
            msg = (
                "Give --crimes (data.police.uk CSVs, folders or .zip) and --wards (boundaries), "
                "or --demo for the demo town."
            )
            raise ParameterError(msg)
        area = load_study_area(
            args.crimes,
            args.wards,
            ward_field=args.ward_field,
            neighbourhoods=args.neighbourhoods,
            population=args.population,
            lsoas=args.lsoas,
        )
    selection = Selection(
        months=parse_month_range(args.months) if args.months else None,
        crime_types=tuple(args.crime_type) if args.crime_type else None,
        wards=tuple(args.ward) if args.ward else None,
        neighbourhoods=tuple(args.neighbourhood) if args.neighbourhood else None,
    )
    return _Loaded(area=area, selection=selection)


def _print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


# --- summary ---------------------------------------------------------------------------------


def _add_summary(parser: argparse.ArgumentParser) -> None:
    del parser  # the common options are all it needs


def _run_summary(args: argparse.Namespace) -> int:
    loaded = _load(args)
    summary = summarise(loaded.area, loaded.selection)
    record = summary.to_dict()
    if args.out:
        args.out.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        _print_json(record)
        return 0
    print(f"{loaded.area.label}: {summary.n_rows:,} rows in {len(summary.months)} months")
    print(f"  without location   {summary.n_without_location:>8,}")
    print(f"  outside GB         {summary.n_outside_gb:>8,}")
    print(f"  outside the wards  {summary.n_outside_wards:>8,}")
    print(f"  inside the wards   {summary.n_inside_wards:>8,}")
    if summary.n_duplicates_removed:
        print(f"  duplicates removed {summary.n_duplicates_removed:>8,}")
    print("by ward:")
    for ward, count in sorted(summary.by_ward.items(), key=lambda kv: -kv[1]):
        print(f"  {ward:<30} {count:>8,}")
    print("by crime type:")
    for crime_type, count in summary.by_crime_type.items():
        print(f"  {crime_type:<30} {count:>8,}")
    return 0


# --- profile ---------------------------------------------------------------------------------


def _add_profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--population-method",
        choices=["best-fit", "area-weighted"],
        default="best-fit",
        help="how LSOA residents are apportioned to wards (default best-fit)",
    )


def _run_profile(args: argparse.Namespace) -> int:
    loaded = _load(args)
    selection = loaded.selection
    if selection.neighbourhoods and selection.wards:
        msg = "Profile either --ward or --neighbourhood, not both."
        raise ParameterError(msg)
    if selection.neighbourhoods and len(selection.neighbourhoods) > 1:
        msg = "Profile one --neighbourhood at a time."
        raise ParameterError(msg)
    profile = build_profile(
        loaded.area,
        wards=selection.wards,
        neighbourhood=selection.neighbourhoods[0] if selection.neighbourhoods else None,
        months=selection.months,
        crime_types=selection.crime_types,
        population_method=args.population_method,
    )
    record = profile.to_dict()
    if args.out:
        args.out.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        _print_json(record)
        return 0
    print(f"{profile.area_name}, {profile.months[0]} to {profile.months[1]}")
    print(f"  crimes and ASB: {profile.n_crimes:,} (ASB {profile.n_asb:,})")
    if profile.rate_per_1000 is not None:
        print(
            f"  rate per 1,000 residents: {profile.rate_per_1000:.1f} ({profile.population_method})"
        )
    if profile.rank is not None:
        print(f"  rank: {profile.rank} of {profile.n_ranked} by {profile.rank_basis}")
    for change in profile.changes:
        print(f"  against the {change.label}: {change.verdict}")
    print("  top locations:")
    for loc in profile.top_locations:
        flag = "  [check: possible recording artefact]" if loc["artefact"] else ""
        print(f"    {loc['n_crimes']:>5}  {loc['location']} ({loc['ward']}){flag}")
    return 0


# --- problems --------------------------------------------------------------------------------


def _add_problems(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-problems", type=int, default=10, help="how many to list")
    parser.add_argument("--min-crimes", type=int, default=10, help="fewest crimes per problem")
    parser.add_argument("--cell-size-m", type=float, default=150.0, help="Gi* cell size")


def _run_problems(args: argparse.Namespace) -> int:
    loaded = _load(args)
    area = loaded.area
    points = select_points(area, loaded.selection)
    months = loaded.selection.months or (area.months[0], area.months[-1])
    problems = flag_problems(
        points,
        wards=select_wards(area, loaded.selection),
        months=months,
        cell_size_m=args.cell_size_m,
        min_crimes=args.min_crimes,
        max_problems=args.max_problems,
    )
    records = problems.drop(columns="geometry").to_dict("records")
    if args.json:
        _print_json({"months": list(months), "problems": records, "note": TIME_OF_DAY_NOTE})
        return 0
    for rec in records:
        print(f"{rec['problem_id']:>4}  {rec['label']}")
        print(f"      {rec['explanation']}")
        print(f"      partners: {rec['agencies']}; busiest months: {rec['peak_months']}")
    print(TIME_OF_DAY_NOTE)
    return 0


# --- tasks (the tasking log) -----------------------------------------------------------------


def _date_or_none(text: str) -> dt.date | None:
    if text.lower() == "none":
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        msg = f"{text!r} is not a date: use YYYY-MM-DD (or 'none' to clear it)"
        raise argparse.ArgumentTypeError(msg) from err


def _date(text: str) -> dt.date:
    value = _date_or_none(text)
    if value is None:
        msg = "a date is needed here (YYYY-MM-DD)"
        raise argparse.ArgumentTypeError(msg)
    return value


def _tasks_options() -> argparse.ArgumentParser:
    """Options of every ``tasks`` subcommand (accepted after the record name)."""
    opts = argparse.ArgumentParser(add_help=False)
    opts.add_argument(
        "--db",
        metavar="URL",
        help=f"database URL or SQLite file (default ${DATABASE_URL_ENV}, else a SQLite file in "
        "~/.local/share/patchmap)",
    )
    opts.add_argument(
        "--user", metavar="NAME", help="who is making the change (default $PATCHMAP_USER or login)"
    )
    opts.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    opts.add_argument(
        "--out", type=Path, default=argparse.SUPPRESS, metavar="FILE", help="write JSON to FILE"
    )
    return opts


def _add_tasks(parser: argparse.ArgumentParser) -> None:  # noqa: PLR0915 - one CLI table
    opts = _tasks_options()
    verbs = parser.add_subparsers(dest="tasks_verb", required=True, metavar="VERB")

    add = verbs.add_parser("add", help="add a record").add_subparsers(
        dest="record", required=True, metavar="RECORD"
    )
    p = add.add_parser("problem", parents=[opts], help="a problem (SARA)")
    p.add_argument("--title", required=True)
    p.add_argument("--description", default="")
    p.add_argument("--stage", choices=SARA_STAGES, default="scanning")
    p.add_argument("--ward", dest="problem_ward", help="ward the problem lies in")
    a = add.add_parser("action", parents=[opts], help="an EPIC action on a problem")
    a.add_argument("--problem", type=int, required=True, metavar="ID")
    a.add_argument("--epic", choices=EPIC_TYPES, required=True)
    a.add_argument("--description", required=True)
    a.add_argument("--agency", default="", help="owner agency")
    a.add_argument("--person", default="", help="owner within the agency")
    a.add_argument("--due", type=_date_or_none, metavar="YYYY-MM-DD")
    a.add_argument("--status", choices=ACTION_STATUSES, default="open")
    a.add_argument("--notes", default="")
    m = add.add_parser("meeting", parents=[opts], help="a NAG meeting")
    m.add_argument("--name", required=True)
    m.add_argument("--held-on", type=_date, required=True, metavar="YYYY-MM-DD")
    m.add_argument("--notes", default="")
    d = add.add_parser("decision", parents=[opts], help="a decision of a NAG meeting")
    d.add_argument("--meeting", type=int, required=True, metavar="ID")
    d.add_argument("--decision", required=True)
    d.add_argument("--problem", type=int, metavar="ID")
    ar = add.add_parser("area", parents=[opts], help="a patrol area, EVA route or comparison")
    ar.add_argument("--kind", choices=AREA_KINDS, required=True)
    ar.add_argument("--name", required=True)
    ar.add_argument("--wkt", required=True, help="geometry as WKT in British National Grid metres")
    ar.add_argument("--problem", type=int, metavar="ID")
    f = add.add_parser("finding", parents=[opts], help="what was seen at one EVA stop")
    f.add_argument("--route", type=int, required=True, metavar="ID")
    f.add_argument("--stop", type=int, required=True, metavar="N")
    f.add_argument("--seen", action="append", choices=CHECKLIST_ITEMS, default=[])
    f.add_argument("--not-seen", action="append", choices=CHECKLIST_ITEMS, default=[])
    f.add_argument("--note", default="")
    f.add_argument("--photo", help="photo reference")
    f.add_argument("--spoken-to", default="")
    f.add_argument("--walked-on", type=_date, metavar="YYYY-MM-DD")

    lst = verbs.add_parser("list", help="list records").add_subparsers(
        dest="record", required=True, metavar="RECORD"
    )
    lp = lst.add_parser("problems", parents=[opts])
    lp.add_argument("--stage", choices=SARA_STAGES)
    lp.add_argument("--status", choices=PROBLEM_STATUSES)
    la = lst.add_parser("actions", parents=[opts])
    la.add_argument("--problem", type=int, metavar="ID")
    la.add_argument("--status", choices=ACTION_STATUSES)
    la.add_argument("--agency")
    lar = lst.add_parser("areas", parents=[opts])
    lar.add_argument("--problem", type=int, metavar="ID")
    lar.add_argument("--kind", choices=AREA_KINDS)
    lst.add_parser("meetings", parents=[opts])
    ld = lst.add_parser("decisions", parents=[opts])
    ld.add_argument("--meeting", type=int, metavar="ID")
    ld.add_argument("--problem", type=int, metavar="ID")
    lf = lst.add_parser("findings", parents=[opts])
    lf.add_argument("--route", type=int, metavar="ID")
    lau = lst.add_parser("audit", parents=[opts])
    lau.add_argument(
        "--entity", choices=["problem", "action", "area", "meeting", "decision", "finding"]
    )
    lau.add_argument("--id", type=int, metavar="ID")

    upd = verbs.add_parser("update", help="change a problem or action").add_subparsers(
        dest="record", required=True, metavar="RECORD"
    )
    up = upd.add_parser("problem", parents=[opts], argument_default=argparse.SUPPRESS)
    ua = upd.add_parser("action", parents=[opts], argument_default=argparse.SUPPRESS)
    for u in (up, ua):
        u.add_argument("id", type=int)
        u.add_argument(
            "--version", type=int, required=True, help="the version you loaded (from list)"
        )
        u.add_argument("--description")
    up.add_argument("--title")
    up.add_argument("--stage", choices=SARA_STAGES)
    up.add_argument("--status", choices=PROBLEM_STATUSES)
    up.add_argument("--ward", dest="problem_ward", help="'none' clears it")
    ua.add_argument("--epic", choices=EPIC_TYPES)
    ua.add_argument("--agency")
    ua.add_argument("--person")
    ua.add_argument("--due", type=_date_or_none, metavar="YYYY-MM-DD", help="'none' clears it")
    ua.add_argument("--status", choices=ACTION_STATUSES)
    ua.add_argument("--notes")

    verbs.add_parser("export", parents=[opts], help="the whole log as JSON")
    pr = verbs.add_parser(
        "propose", parents=[opts], help="propose actions from EVA findings (--add stores them)"
    )
    pr.add_argument("--route", type=int, metavar="ID", help="only this route's findings")
    pr.add_argument("--problem", type=int, metavar="ID", help="for routes with no problem")
    pr.add_argument("--due", type=_date, metavar="YYYY-MM-DD")
    pr.add_argument("--add", action="store_true", help="store them as proposed actions")

    db_only = argparse.ArgumentParser(add_help=False)
    db_only.add_argument("--db", metavar="URL", help="database URL or SQLite file")
    db_only.add_argument("--user", metavar="NAME", help=argparse.SUPPRESS)
    asr = verbs.add_parser(
        "assess",
        parents=[_common_options(), db_only],
        help="WDD and exact Poisson assessment of a response (treated vs comparison area)",
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


def _tasks_user(args: argparse.Namespace) -> str:
    user = args.user or os.environ.get("PATCHMAP_USER")
    if not user:
        try:
            user = getpass.getuser()
        except (OSError, KeyError) as err:
            msg = "Say who is making the change with --user NAME (or set PATCHMAP_USER)."
            raise ParameterError(msg) from err
    return str(user)


def _tasks_add(session: Session, args: argparse.Namespace) -> dict[str, object]:
    user = _tasks_user(args)
    record: ProblemRecord | ActionRecord | MeetingRecord | DecisionRecord | AreaRecord
    if args.record == "problem":
        record = add_problem(
            session,
            title=args.title,
            user=user,
            description=args.description,
            sara_stage=args.stage,
            ward=args.problem_ward,
        )
    elif args.record == "action":
        record = add_action(
            session,
            args.problem,
            epic=args.epic,
            description=args.description,
            user=user,
            owner_agency=args.agency,
            owner_person=args.person,
            due_date=args.due,
            status=args.status,
            notes=args.notes,
        )
    elif args.record == "meeting":
        record = add_meeting(
            session, name=args.name, held_on=args.held_on, user=user, notes=args.notes
        )
    elif args.record == "decision":
        record = add_decision(
            session, args.meeting, decision=args.decision, user=user, problem_id=args.problem
        )
    elif args.record == "area":
        try:
            geometry = shapely.from_wkt(args.wkt)
        except shapely.errors.GEOSException as err:
            msg = f"--wkt is not valid WKT ({err}); e.g. 'POLYGON ((545000 260000, ...))'."
            raise ParameterError(msg) from err
        record = add_area(
            session, geometry, kind=args.kind, name=args.name, user=user, problem_id=args.problem
        )
    else:
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
            note=args.note,
            photo_ref=args.photo,
            spoken_to=args.spoken_to,
            walked_on=args.walked_on,
        ).to_dict()
    return record.to_dict()


def _tasks_list(session: Session, args: argparse.Namespace) -> list[dict[str, object]]:
    kind = args.record
    if kind == "problems":
        rows: Sequence[Any] = list_problems(session, sara_stage=args.stage, status=args.status)
    elif kind == "actions":
        rows = list_actions(
            session, problem_id=args.problem, status=args.status, owner_agency=args.agency
        )
    elif kind == "areas":
        rows = list_areas(session, problem_id=args.problem, kind=args.kind)
    elif kind == "meetings":
        rows = list_meetings(session)
    elif kind == "decisions":
        rows = list_decisions(session, meeting_id=args.meeting, problem_id=args.problem)
    elif kind == "findings":
        rows = list_findings(session, route_id=args.route)
    else:
        rows = list_audit(session, entity=args.entity, entity_id=args.id)
    return [r.to_dict() for r in rows]


def _tasks_update(session: Session, args: argparse.Namespace) -> dict[str, object]:
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
    loaded = _load(args)
    points = select_points(loaded.area, Selection(crime_types=loaded.selection.crime_types))
    result = assess_response(
        points,
        _assess_area(session, args.treated, loaded.area),
        _assess_area(session, args.comparison, loaded.area),
        before=parse_month_range(args.before),
        after=parse_month_range(args.after),
        displacement_buffer_m=args.buffer_m,
        per_km2=args.per_km2,
    )
    return result.to_dict()


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


def _tasks_result(args: argparse.Namespace) -> object:
    engine = connect(args.db)
    try:
        with Session(engine) as session, session.begin():
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
            return export_log(session)
    finally:
        engine.dispose()


def _run_tasks(args: argparse.Namespace) -> int:
    result = _tasks_result(args)
    if getattr(args, "out", None):
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        _print_json(result)
    elif isinstance(result, dict) and args.tasks_verb == "assess":
        print("\n".join(_describe_assessment(result)))
    elif isinstance(result, dict) and args.tasks_verb == "export":
        for name, rows in result.items():
            print(f"{name}: {len(rows)}")
    elif isinstance(result, dict):
        print(_describe_task(result))
    elif isinstance(result, list):
        for rec in result:
            print(_describe_task(rec))
        if not result:
            print("(none)")
    return 0


# --- registry --------------------------------------------------------------------------------

_SUBCOMMANDS: dict[
    str,
    tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]],
] = {
    "summary": (
        "count crimes by ward and type, every row accounted for",
        _add_summary,
        _run_summary,
    ),
    "profile": ("neighbourhood profile of a ward or neighbourhood", _add_profile, _run_profile),
    "problems": ("rank problems for joint patrol tasking", _add_problems, _run_problems),
    "tasks": (
        "the tasking log: add, list, update, export problems, EPIC actions, NAG decisions",
        _add_tasks,
        _run_tasks,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """
    Build the ``patchmap`` argument parser with every subcommand.

    Returns
    -------
    argparse.ArgumentParser
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="patchmap",
        description="Crime and ASB hotspots, EVA routes and briefing packs for local teams.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common_options()
    for name, (help_text, add, run) in _SUBCOMMANDS.items():
        cmd = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        add(cmd)
        cmd.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the ``patchmap`` command.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        0 on success, 2 when the input or options need fixing.
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except PatchmapError as err:
        print(f"patchmap: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
