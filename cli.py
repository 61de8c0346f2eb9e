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
import contextlib
import dataclasses
import datetime as dt
import getpass
import json
import math
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import shapely
import shapely.errors
from sqlalchemy.orm import Session

from boundaries.dataset import StudyArea, default_cache_dir, load_demo, load_study_area
from boundaries.select import (
    Selection,
    parse_month_range,
    select_points,
    select_wards,
    summarise,
)
from hotspots import (
    DEFAULT_CELL_SIZE_M,
    DEFAULT_COVERAGE_PCT,
    DEFAULT_MIN_TRAIN_MONTHS,
    METHOD_NAMES,
    Forecast,
    cube_for_selection,
    flag_top,
    forecast_cells,
    n_flagged,
    parse_method,
)
from hotspots.backtest import (
    DEFAULT_BACKTEST_METHODS,
    DEFAULT_COVERAGES_PCT,
    area_label,
    backtest,
    crime_label,
    describe_backtest,
)
from hotspots.classify import (
    COLD_CATEGORIES,
    DEFAULT_CHANGE_ALPHA,
    EMERGING_CATEGORIES,
    HOT_CATEGORIES,
    change_by_cell,
    emerging_hotspots,
    month_range,
)
from hotspots.clusters import (
    DEFAULT_MIN_CLUSTER_CRIMES,
    DEFAULT_MIN_CRIMES,
    dbscan_clusters,
    hdbscan_clusters,
)
from hotspots.concentration import concentration, repeat_locations_flagged
from hotspots.fdr import CORRECTION_LABELS, Correction
from hotspots.gistar import DEFAULT_ALPHA, gi_star
from hotspots.kde import (
    DEFAULT_KERNEL,
    DensitySurface,
    Kernel,
    density_by_cell,
    kernel_density,
    rate_surface,
)
from hotspots.trend import DEFAULT_TREND_ALPHA
from layers.audience import AUDIENCES, LAYER_KINDS
from layers.briefing import build_briefing, read_tasking, write_briefing
from layers.export import (
    DENSITY_UNIT,
    EXPORT_FORMATS,
    LICENCE_DEMO,
    LICENCE_ONS,
    LICENCE_POLICE,
    ExportMetadata,
    RasterLayer,
    build_layers,
    export_layers,
    write_geojson,
    write_geotiff,
    write_gpkg,
)
from layers.pdf import html_to_pdf
from layers.routes import (
    hotspot_stops,
    point_from_lonlat,
    route_sheet_html,
    route_to_geojson,
    route_to_gpx,
    route_to_kml,
    write_catchments,
)
from spatial.catchments import DEFAULT_CATCHMENT_MINUTES, catchment_coverage, walking_catchments
from spatial.crs import BNG, WGS84
from spatial.errors import EmptyInputError, ParameterError, PatchmapError, PatchmapWarning
from spatial.grid import MIN_CELL_SIZE_M, Grid, GridKind, count_points, make_grid
from spatial.network import StreetNetwork, load_network
from spatial.routes import (
    DEFAULT_MAX_MINUTES,
    DEFAULT_STOP_MINUTES,
    DEFAULT_TOP_N,
    DEFAULT_WALK_KMH,
    EvaRoute,
    plan_eva_route,
    read_stops,
)
from spatial.sites import read_sites, validate_sites
from tasking.assess import assess_response
from tasking.findings import add_proposed_actions, findings_to_geodataframe, propose_actions
from tasking.problems import TIME_OF_DAY_NOTE, flag_problems
from tasking.profile import Profile, build_profile
from tasking.reports import gap_table, read_reports, reports_in
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
    from collections.abc import Callable, Iterator, Sequence

    import geopandas as gpd
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
            cache_dir=default_cache_dir(),
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
    parser.add_argument(
        "--reports",
        type=Path,
        metavar="CSV",
        help="resident and partner reports (date, reported_by, issue, lon, lat) to set beside "
        "recorded crime",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="tasking log whose EVA findings the profile counts (default: none; "
        "PATCHMAP_DATABASE_URL or the local log with --db default)",
    )


def _reports_gap(args: argparse.Namespace, loaded: _Loaded, profile: Profile) -> list[object]:
    """Compare the reports inside the profiled wards and period with recorded crime."""
    wards = loaded.area.wards[loaded.area.wards["ward_name"].isin(profile.wards)]
    inside = reports_in(read_reports(args.reports), wards=wards, months=profile.months)
    crimes = select_points(
        loaded.area,
        Selection(months=profile.months, crime_types=profile.crime_types, wards=profile.wards),
    )
    return list(gap_table(inside, crimes).to_dict("records"))


def _findings_from(db: str | None) -> gpd.GeoDataFrame | None:
    """Return the located EVA findings of the tasking log, or None when no log is named."""
    if db is None:
        return None
    engine = connect(None if db == "default" else db)
    with Session(engine) as session:
        return findings_to_geodataframe(list_findings(session))


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
        findings=_findings_from(args.db),
    )
    record = profile.to_dict()
    if args.reports is not None:
        record["reports_gap"] = _reports_gap(args, loaded, profile)
    if args.out:
        args.out.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        _print_json(record)
    else:
        _print_profile(profile)
    return 0


def _print_profile(profile: Profile) -> None:
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
    if profile.eva_findings is not None and profile.eva_findings.n_findings:
        found = profile.eva_findings
        issues = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in found.by_issue.items())
        print(f"  EVA findings: {found.n_findings} ({found.n_with_issues} with issues: {issues})")
    print("  top locations:")
    for loc in profile.top_locations:
        flag = "  [check: possible recording artefact]" if loc["artefact"] else ""
        print(f"    {loc['n_crimes']:>5}  {loc['location']} ({loc['ward']}){flag}")


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
            point=None if args.at is None else shapely.Point(*args.at),
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


# --- route and catchment (EVA walkabouts, co-location sites) ---------------------------------


def _lonlat_arg(text: str) -> tuple[float, float]:
    try:
        lon_text, lat_text = text.split(",")
        return float(lon_text), float(lat_text)
    except ValueError:
        msg = f"expected LON,LAT in degrees, e.g. 0.1192,52.2048; got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def _minutes_arg(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        msg = f"expected minutes separated by commas, e.g. 5,10,15; got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def _network_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--network",
        type=Path,
        metavar="FILE",
        help="street network: OSMnx .graphml, OSM XML .osm or .osm.pbf (the demo's with --demo)",
    )
    parser.add_argument(
        "--walk-kmh", type=float, default=DEFAULT_WALK_KMH, help="walking speed (default 4.8)"
    )


def _add_route(parser: argparse.ArgumentParser) -> None:
    _network_options(parser)
    parser.add_argument(
        "--start",
        type=_lonlat_arg,
        metavar="LON,LAT",
        help="start and finish of the loop (default with data: the first co-location site "
        "in the selected wards)",
    )
    parser.add_argument(
        "--stops",
        type=Path,
        metavar="FILE",
        help="GeoJSON points with an optional weight (default with data: the Gi* hotspots "
        "of the selected wards)",
    )
    parser.add_argument(
        "--max-minutes", type=float, default=DEFAULT_MAX_MINUTES, help="time budget (default 60)"
    )
    parser.add_argument(
        "--stop-minutes",
        type=float,
        default=DEFAULT_STOP_MINUTES,
        help="minutes spent at each stop (default 3)",
    )
    parser.add_argument(
        "--method",
        choices=["auto", "exact", "heuristic"],
        default="auto",
        help="stop choice and order: exact up to 16 stops, heuristic beyond (default auto)",
    )
    parser.add_argument(
        "--top-n", type=int, default=DEFAULT_TOP_N, help="hotspot stops when --stops is not given"
    )
    parser.add_argument(
        "--sheet",
        type=Path,
        metavar="FILE",
        help="also write the printable route sheet (.html, or .pdf with Chromium)",
    )


def _network_for(args: argparse.Namespace, area: StudyArea | None) -> StreetNetwork:
    if args.network is not None:
        return load_network(args.network)
    if area is not None and area.network_path is not None:
        return load_network(area.network_path)
    msg = "Give --network FILE (.graphml, .osm or .osm.pbf), or --demo for the demo town."
    raise ParameterError(msg)


def _route_start(args: argparse.Namespace, loaded: _Loaded | None) -> tuple[shapely.Point, str]:
    if args.start is not None:
        lon, lat = args.start
        return point_from_lonlat(lon, lat), f"{lon:.5f},{lat:.5f}"
    if loaded is not None and loaded.area.sites is not None and len(loaded.area.sites):
        sites = loaded.area.sites
        wards = select_wards(loaded.area, loaded.selection)
        inside = sites.loc[sites.geometry.within(shapely.union_all(wards.geometry.to_numpy()))]
        site = (inside if len(inside) else sites).iloc[0]
        return site.geometry, str(site["name"])
    msg = "Give --start LON,LAT (e.g. 0.1192,52.2048), or --demo to start from a demo site."
    raise ParameterError(msg)


def _write_route(route: EvaRoute, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".gpx":
        text = route_to_gpx(route)
    elif suffix == ".kml":
        text = route_to_kml(route)
    elif suffix in {".geojson", ".json"}:
        text = route_to_geojson(route)
    else:
        msg = f"--out {path.name}: write the route as .gpx, .kml or .geojson."
        raise ParameterError(msg)
    path.write_text(text, encoding="utf-8")


def _write_sheet(route: EvaRoute, network: StreetNetwork, path: Path) -> None:
    page = route_sheet_html(route, network=network)
    if path.suffix.lower() == ".pdf":
        path.write_bytes(html_to_pdf(page))
    elif path.suffix.lower() in {".html", ".htm"}:
        path.write_text(page, encoding="utf-8")
    else:
        msg = f"--sheet {path.name}: write the route sheet as .html or .pdf."
        raise ParameterError(msg)


def _route_record(route: EvaRoute) -> dict[str, object]:
    left = route.left_out
    return {
        "distance_m": round(route.distance_m, 1),
        "walk_time_min": round(route.walk_time_min, 2),
        "stop_time_min": round(route.stop_time_min, 2),
        "total_time_min": round(route.total_time_min, 2),
        "max_minutes": route.max_minutes,
        "walk_kmh": route.walk_kmh,
        "stop_minutes": route.stop_minutes,
        "method": route.method,
        "start": {"label": route.start_label, "node": route.start_node},
        "stops_visited": [int(i) for i in route.stops.index],
        "arrival_min": [round(float(m), 2) for m in route.stops["arrival_min"]],
        "weight_visited": route.weight_visited,
        "weight_total": route.weight_total,
        "stops_left_out": [int(i) for i in left.index],
        "left_out": [
            {"index": int(i), "label": str(lab), "reason": str(why), "detail": str(text)}
            for i, lab, why, text in zip(
                left.index, left["label"], left["reason"], left["detail"], strict=True
            )
        ],
        "node_path": list(route.node_path),
        "turns": [t.instruction for t in route.turns],
        "notes": list(route.notes),
    }


def _run_route(args: argparse.Namespace) -> int:
    loaded = _load(args) if args.demo or args.crimes else None
    network = _network_for(args, loaded.area if loaded else None)
    if args.stops is not None:
        stops = read_stops(args.stops)
    elif loaded is not None:
        stops = hotspot_stops(
            select_points(loaded.area, loaded.selection),
            select_wards(loaded.area, loaded.selection),
            top_n=args.top_n,
        )
    else:
        msg = "Give --stops FILE (GeoJSON points with an optional weight), or --demo."
        raise ParameterError(msg)
    start, label = _route_start(args, loaded)
    route = plan_eva_route(
        network,
        stops,
        start=start,
        start_label=label,
        max_minutes=args.max_minutes,
        walk_kmh=args.walk_kmh,
        stop_minutes=args.stop_minutes,
        method=args.method,
    )
    if args.out:
        _write_route(route, args.out)
    if args.sheet:
        _write_sheet(route, network, args.sheet)
    if args.json:
        _print_json(_route_record(route))
        return 0
    print(
        f"EVA loop from {route.start_label}: {route.distance_m:,.0f} m, "
        f"{route.walk_time_min:.0f} min walking + {route.stop_time_min:g} min at "
        f"{len(route.stops)} stops = {route.total_time_min:.0f} of {route.max_minutes:g} min "
        f"({route.method})"
    )
    for label_, minute in zip(route.stops["label"], route.stops["arrival_min"], strict=True):
        print(f"  minute {minute:>5.1f}  {label_}")
    for detail in route.left_out["detail"]:
        print(f"  left out: {detail}")
    for turn in route.turns:
        print(f"  {turn.step:>3}. {turn.instruction}")
    for note in route.notes:
        print(f"note: {note}")
    return 0


def _add_catchment(parser: argparse.ArgumentParser) -> None:
    _network_options(parser)
    parser.add_argument(
        "--sites",
        type=Path,
        metavar="FILE",
        help="co-location sites: CSV (name, kind, lon, lat) or GeoJSON (the demo's with --demo)",
    )
    parser.add_argument(
        "--minutes",
        type=_minutes_arg,
        default=DEFAULT_CATCHMENT_MINUTES,
        metavar="M,M,...",
        help="walking times (default 5,10,15)",
    )


def _run_catchment(args: argparse.Namespace) -> int:
    loaded = _load(args) if args.demo or args.crimes else None
    network = _network_for(args, loaded.area if loaded else None)
    if args.sites is not None:
        sites = read_sites(args.sites)
    elif loaded is not None and loaded.area.sites is not None:
        sites = validate_sites(loaded.area.sites)
    else:
        msg = "Give --sites FILE (CSV with name, kind, lon, lat, or GeoJSON), or --demo."
        raise ParameterError(msg)
    catchments = walking_catchments(network, sites, minutes=args.minutes, walk_kmh=args.walk_kmh)
    if loaded is not None:
        catchments = catchment_coverage(catchments, select_points(loaded.area, loaded.selection))
    if args.out:
        write_catchments(catchments, args.out)
    records = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
        for rec in catchments.drop(columns="geometry").to_dict("records")
    ]
    if args.json:
        _print_json({"catchments": records, "notes": list(network.notes)})
        return 0
    for rec in records:
        line = (
            f"{rec['site_name']:<36} {rec['minutes']:>4g} min  {rec['area_km2']:.2f} km2  "
            f"{rec['n_nodes_reached']:>5} street nodes"
        )
        if "share_crime" in rec and rec["share_crime"] is not None:
            line += f"  crime {rec['share_crime']:.0%}"
        if "share_asb" in rec and rec["share_asb"] is not None:
            line += f"  ASB {rec['share_asb']:.0%}"
        print(line)
    for note in network.notes:
        print(f"note: {note}")
    return 0


# --- backtest and forecast (where to patrol next month) ------------------------------------


def _pct_list(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError as err:
        msg = f"--coverage-pct {text!r} is not a list of numbers (for example 1,5,10)."
        raise ParameterError(msg) from err
    return values


def _forecast_grid_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cell-size-m", type=float, default=DEFAULT_CELL_SIZE_M, help="grid cell size in metres"
    )
    parser.add_argument("--grid", choices=("square", "hex"), default="square", help="cell shape")
    parser.add_argument(
        "--min-train-months",
        type=int,
        default=DEFAULT_MIN_TRAIN_MONTHS,
        help="months of history before the first month forecast",
    )


def _add_backtest(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--methods",
        default=",".join(m.name for m in DEFAULT_BACKTEST_METHODS),
        help=f"comma-separated, from: {', '.join(METHOD_NAMES)}",
    )
    parser.add_argument(
        "--coverage-pct",
        type=_pct_list,
        default=DEFAULT_COVERAGES_PCT,
        help="shares of the cells to flag, in per cent, e.g. 1,5,10",
    )
    _forecast_grid_options(parser)


def _run_backtest(args: argparse.Namespace) -> int:
    loaded = _load(args)
    methods = [parse_method(m) for m in args.methods.split(",") if m.strip()]
    cube = cube_for_selection(
        loaded.area, loaded.selection, cell_size_m=args.cell_size_m, kind=args.grid
    )
    result = backtest(
        cube,
        methods=methods,
        coverages_pct=args.coverage_pct,
        min_train_months=args.min_train_months,
    )
    record = result.to_dict()
    if args.out:
        args.out.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        _print_json(record)
        return 0
    print(
        f"{result.n_cells:,} cells of {result.cell_size_m:g} m; origins {', '.join(result.origins)}"
    )
    print(f"{'method':<14} {'cover':>6} {'PAI':>7} {'sd':>6} {'PEI':>6} {'hit rate':>9}")
    for row in result.results:
        pai = "-" if row.pai_mean is None else f"{row.pai_mean:.2f}"
        sd = "-" if row.pai_sd is None else f"{row.pai_sd:.2f}"
        pei = "-" if row.pei_mean is None else f"{row.pei_mean:.2f}"
        hit = "-" if row.hit_rate_mean is None else f"{100 * row.hit_rate_mean:.0f} %"
        print(f"{row.method.name:<14} {row.coverage_pct:>5g}% {pai:>7} {sd:>6} {pei:>6} {hit:>9}")
    print(f"default: {result.default.method.key()}. {result.default.why}")
    selection = loaded.selection
    print(
        describe_backtest(
            result,
            coverage_pct=result.default.coverage_pct,
            crime=crime_label(selection.crime_types),
            area=area_label(selection.wards),
        )
    )
    for note in result.notes:
        print(f"note: {note}")
    return 0


def _add_forecast(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--month", metavar="YYYY-MM", help="the month to patrol (default: after the data)"
    )
    parser.add_argument("--method", default="default", help=f"one of: {', '.join(METHOD_NAMES)}")
    parser.add_argument(
        "--coverage-pct",
        type=float,
        default=DEFAULT_COVERAGE_PCT,
        help="share of the cells to flag, in per cent",
    )
    _forecast_grid_options(parser)


def _write_forecast(forecast: Forecast, area: StudyArea, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in {".gpkg", ".geojson"}:
        msg = f"--out {path.name}: write the cells as .gpkg or .geojson."
        raise ParameterError(msg)
    cells = forecast.cells[["cell_id", "score", "rank", "method", "n_crimes_past", "geometry"]]
    metadata = ExportMetadata(
        title=f"patchmap forecast: cells to patrol in {forecast.month}",
        area=area.label,
        audience="police",
        min_count=None,
        period=(forecast.history_months[0], forecast.history_months[-1]),
        methods={
            "forecast": {
                "method": forecast.method.key(),
                "coverage_pct": f"{forecast.coverage_pct:g}",
                "why": forecast.default.why if forecast.default else "chosen by the user",
            }
        },
        fields={"forecast": tuple(str(c) for c in cells.columns if c != "geometry")},
        created_utc=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    if suffix == ".gpkg":
        write_gpkg({"forecast": cells}, path, metadata=metadata)
    else:
        write_geojson(cells, path, metadata=metadata)


def _run_forecast(args: argparse.Namespace) -> int:
    loaded = _load(args)
    cube = cube_for_selection(
        loaded.area, loaded.selection, cell_size_m=args.cell_size_m, kind=args.grid
    )
    forecast = forecast_cells(
        cube,
        month=args.month or cube.next_month,
        method=parse_method(args.method),
        coverage_pct=args.coverage_pct,
        min_train_months=args.min_train_months,
    )
    if args.out:
        _write_forecast(forecast, loaded.area, args.out)
    record = {
        "month": forecast.month,
        "method": forecast.method.name,
        "parameters": forecast.method.parameters(),
        "why": forecast.default.why if forecast.default else None,
        "coverage_pct": forecast.coverage_pct,
        "n_cells": cube.grid.n_cells,
        "history_months": list(forecast.history_months),
        "cells": forecast.cells.drop(columns="geometry").to_dict("records"),
        "notes": list(forecast.notes),
    }
    if args.json:
        _print_json(record)
        return 0
    print(
        f"{len(forecast.cells)} of {cube.grid.n_cells:,} cells to patrol in {forecast.month} "
        f"by {forecast.method.label}"
    )
    if forecast.default:
        print(forecast.default.why)
    for row in forecast.cells.itertuples():
        where = f"({row.x_m:.0f}, {row.y_m:.0f})"
        print(f"  #{row.rank:<4} cell {row.cell_id:<6} {where}  {row.score:.3g}")
    for note in forecast.notes:
        print(f"note: {note}")
    return 0


# --- hotspots, density, change, emerging -----------------------------------------------------

_HOTSPOT_METHODS: Final = ("gistar", "kde-top", "dbscan", "hdbscan")
DEFAULT_TOP_SHARE_PCT: Final = 5.0
"""``hotspots --method kde-top``: the share of grid cells, densest first, written (per cent)."""
KDE_TOP_SUBCELLS: Final = 4
"""``kde-top``: the density raster's cells are the grid cell size / 4 (at least 25 m), so a
grid cell's density is the mean of about 16 raster cells."""
_N_LISTED: Final = 5
"""How many cells or clusters the text output lists."""
_VECTOR_SUFFIXES: Final = (".gpkg", ".geojson")
_RASTER_SUFFIXES: Final = (".tif", ".tiff")
_METHOD_OPTIONS: Final = {
    "cell_size_m": ("gistar", "kde-top"),
    "grid": ("gistar", "kde-top"),
    "correction": ("gistar",),
    "alpha": ("gistar",),
    "bandwidth_m": ("kde-top",),
    "kernel": ("kde-top",),
    "top_share_pct": ("kde-top",),
    "eps_m": ("dbscan", "hdbscan"),
    "min_crimes": ("dbscan", "hdbscan"),
}
"""Which ``hotspots --method`` each method option applies to."""


@dataclass(frozen=True)
class _Choice:
    """One parameter of a run: its value, whether patchmap chose it, and how."""

    name: str
    value: float | str
    automatic: bool
    how: str


@dataclass(frozen=True, eq=False)
class _Outcome:
    """What one analysis produced: the layer to write, the choices made, the result."""

    layer: str
    method: str
    choices: tuple[_Choice, ...]
    result: dict[str, object]
    lines: tuple[str, ...]
    frame: gpd.GeoDataFrame | None = None
    raster: RasterLayer | None = None


@contextlib.contextmanager
def _warnings_to(notes: list[str]) -> Iterator[None]:
    """Keep the PatchmapWarnings raised inside the block as notes; pass other warnings on."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PatchmapWarning)
        yield
    for warning in caught:
        if issubclass(warning.category, PatchmapWarning):
            notes.append(str(warning.message))
        else:
            warnings.warn(warning.message, stacklevel=3)


def _given(option: str) -> str:
    return f"given with {option}"


def _plain(value: object) -> object:
    """Return a JSON-ready value: NaN becomes None, floats keep 10 significant digits."""
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.10g}")
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


def _shown(value: float | str) -> str:
    """Return a parameter as the text output shows it (floats to 4 significant digits)."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _rows(frame: gpd.GeoDataFrame, columns: Sequence[str]) -> list[dict[str, object]]:
    """Return the first rows of ``frame`` as JSON-ready records of ``columns``."""
    head = frame.loc[:, list(columns)].head(_N_LISTED)
    return [{str(k): _plain(v) for k, v in rec.items()} for rec in head.to_dict("records")]


def _add_out_help(parser: argparse.ArgumentParser, text: str) -> None:
    # the --out option is shared by every subcommand, so its help is not reworded here
    parser.epilog = f"--out FILE: {text}."


def _add_grid_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cell-size-m",
        type=float,
        metavar="M",
        help="grid cell size in metres, at least 25 (auto: the wards' shorter side / 150)",
    )
    parser.add_argument(
        "--grid", choices=["square", "hex"], help="square cells or equal-area hexagons (square)"
    )


def _add_test_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--correction",
        choices=sorted(CORRECTION_LABELS),
        help="multiple-testing correction over the cells (fdr_bh: Benjamini-Hochberg)",
    )
    parser.add_argument(
        "--alpha", type=float, help="adjusted p-value at which a cell is significant (0.05)"
    )


def _checked_out(path: Path | None, suffixes: tuple[str, ...], what: str) -> None:
    if path is None:
        return
    if path.suffix.lower() not in suffixes:
        msg = f"--out {path}: write {what}; the file name must end in {' or '.join(suffixes)}."
        raise ParameterError(msg)
    if not path.parent.is_dir():
        msg = (
            f"--out {path}: the folder {path.parent} does not exist. Create it or write elsewhere."
        )
        raise ParameterError(msg)


def _selected(loaded: _Loaded) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    points = select_points(loaded.area, loaded.selection)
    if points.empty:
        msg = "The selection holds no crimes: widen the months, wards or crime types."
        raise EmptyInputError(msg)
    return points, select_wards(loaded.area, loaded.selection)


def _data_period(points: gpd.GeoDataFrame, selection: Selection) -> tuple[str, str]:
    if selection.months is not None:
        return selection.months
    months = points["month"]
    return str(months.min()), str(months.max())


def _filter_texts(selection: Selection) -> dict[str, str]:
    given = {
        "wards": selection.wards,
        "neighbourhoods": selection.neighbourhoods,
        "months": selection.months and (f"{selection.months[0]} to {selection.months[1]}",),
        "crime_types": selection.crime_types,
    }
    return {name: ", ".join(values) for name, values in given.items() if values}


def _grid_for(
    args: argparse.Namespace, wards: gpd.GeoDataFrame, notes: list[str]
) -> tuple[Grid, list[_Choice]]:
    kind: GridKind = args.grid or "square"
    with _warnings_to(notes):
        grid = make_grid(wards, kind=kind, cell_size_m=args.cell_size_m)
    size_how = grid.notes[0] if grid.auto_cell_size and grid.notes else _given("--cell-size-m")
    kind_how = "default: square cells" if args.grid is None else _given("--grid")
    if kind == "hex":
        kind_how += f"; hexagons of the same area as a {grid.cell_size_m:g} m square"
    return grid, [
        _Choice("cell_size_m", grid.cell_size_m, args.cell_size_m is None, size_how),
        _Choice("grid", kind, args.grid is None, kind_how),
    ]


def _test_choices(
    args: argparse.Namespace, *, default_alpha: float, what: str
) -> tuple[Correction, float, list[_Choice]]:
    correction: Correction = args.correction or "fdr_bh"
    alpha = default_alpha if args.alpha is None else float(args.alpha)
    correction_how = (
        f"default: {CORRECTION_LABELS[correction]} over the {what}"
        if args.correction is None
        else _given("--correction")
    )
    alpha_how = f"default: a cell is significant at adjusted p <= {alpha:g}"
    return (
        correction,
        alpha,
        [
            _Choice("correction", correction, args.correction is None, correction_how),
            _Choice("alpha", alpha, args.alpha is None, alpha_how if args.alpha is None else ""),
        ],
    )


def _check_method_options(args: argparse.Namespace) -> None:
    wrong = [
        "--" + name.replace("_", "-")
        for name, methods in _METHOD_OPTIONS.items()
        if getattr(args, name) is not None and args.method not in methods
    ]
    if wrong:
        msg = (
            f"{', '.join(wrong)} do{'es' if len(wrong) == 1 else ''} not apply to --method "
            f"{args.method}. Grid options go with gistar and kde-top, --bandwidth-m, --kernel and "
            "--top-share-pct with kde-top, --eps-m and --min-crimes with dbscan and hdbscan."
        )
        raise ParameterError(msg)
    share = args.top_share_pct
    if share is not None and not (math.isfinite(share) and 0 < share <= 100):  # noqa: PLR2004
        msg = f"--top-share-pct is a per cent of the cells, above 0 and at most 100; found {share}."
        raise ParameterError(msg)


def _gistar_outcome(
    args: argparse.Namespace, points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, notes: list[str]
) -> _Outcome:
    grid, choices = _grid_for(args, wards, notes)
    correction, alpha, test = _test_choices(args, default_alpha=DEFAULT_ALPHA, what="grid cells")
    counts = count_points(points, grid)
    n_uncounted = len(points) - int(counts.sum())
    if n_uncounted:
        notes.append(f"{n_uncounted:,} crimes fall outside the grid's cells and are not counted.")
    result = gi_star(counts, grid=grid, correction=correction, alpha=alpha)
    cells = result.cells
    hot = cells.loc[cells["significant"] & (cells["gi_z"] > 0)].sort_values(
        ["n_crimes", "gi_z"], ascending=False
    )
    busiest_hot = _rows(hot, ["cell_id", "x_m", "y_m", "n_crimes", "gi_z", "gi_p_fdr", "hotspot"])
    lines = [
        (
            f"{result.n_hot:,} hot and {result.n_cold:,} cold cells of {grid.n_cells:,} "
            f"(adjusted p <= {alpha:g})."
        ),
        result.convention,
    ]
    if busiest_hot:
        lines.append("busiest hot cells (centre easting, northing in EPSG:27700):")
        lines += [
            f"  {r['x_m']:>9.0f} {r['y_m']:>9.0f}  {r['n_crimes']:>5.0f} crimes  "
            f"z {r['gi_z']:>6.2f}  {r['hotspot']}"
            for r in busiest_hot
        ]
    return _Outcome(
        layer="hotspots",
        method="Getis-Ord Gi* hot spots of crime counts per grid cell",
        choices=(*choices, *test),
        result={
            "n_cells": grid.n_cells,
            "n_crimes_in_cells": int(counts.sum()),
            "n_hot": result.n_hot,
            "n_cold": result.n_cold,
            "convention": result.convention,
            "busiest_hot_cells": busiest_hot,
        },
        lines=tuple(lines),
        frame=cells,
    )


def _kde_top_outcome(
    args: argparse.Namespace, points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, notes: list[str]
) -> _Outcome:
    grid, choices = _grid_for(args, wards, notes)
    share_pct = DEFAULT_TOP_SHARE_PCT if args.top_share_pct is None else args.top_share_pct
    n_top = n_flagged(grid.n_cells, share_pct)
    kernel: Kernel = args.kernel or DEFAULT_KERNEL
    raster_m = max(MIN_CELL_SIZE_M, grid.cell_size_m / KDE_TOP_SUBCELLS)
    with _warnings_to(notes):
        surface = kernel_density(
            points, area=wards, cell_size_m=raster_m, bandwidth_m=args.bandwidth_m, kernel=kernel
        )
    bandwidth_how = next(
        (n for n in surface.notes if n.startswith("Bandwidth")), _given("--bandwidth-m")
    )
    notes.extend(n for n in surface.notes if n != bandwidth_how)
    density = density_by_cell(surface, grid)
    top = flag_top(density, n_top)
    counts = count_points(points, grid)
    cells = grid.cells.iloc[top].copy()
    cells["n_crimes"] = counts[top]
    cells["density_per_km2"] = density[top]
    cells["kde_rank"] = np.arange(1, len(top) + 1, dtype=np.int64)
    share_of_crimes = float(counts[top].sum()) / max(float(counts.sum()), 1.0)
    densest = _rows(cells, ["kde_rank", "cell_id", "x_m", "y_m", "n_crimes", "density_per_km2"])
    choices += [
        _Choice("bandwidth_m", surface.bandwidth_m, surface.auto_bandwidth, bandwidth_how),
        _Choice(
            "kernel",
            kernel,
            args.kernel is None,
            "default: quartic (ArcGIS's kernel)" if args.kernel is None else _given("--kernel"),
        ),
        _Choice(
            "top_share_pct",
            share_pct,
            args.top_share_pct is None,
            f"default: the densest {share_pct:g} % of cells ({n_top:,} of {grid.n_cells:,})"
            if args.top_share_pct is None
            else f"{_given('--top-share-pct')}: {n_top:,} of {grid.n_cells:,} cells",
        ),
        _Choice(
            "kde_cell_size_m",
            raster_m,
            True,  # noqa: FBT003 - always derived from the grid
            f"density raster cells of {raster_m:g} m (grid cell / {KDE_TOP_SUBCELLS}, at least "
            f"{MIN_CELL_SIZE_M:g} m); a grid cell's density is the mean over the raster cells "
            "centred in it",
        ),
    ]
    lines = [
        (
            f"the densest {share_pct:g} % of cells: {n_top:,} of {grid.n_cells:,}, holding "
            f"{share_of_crimes:.1%} of the {int(counts.sum()):,} crimes counted; density at "
            f"least {float(density[top].min()):,.0f} crimes per km2."
        ),
        "densest cells (centre easting, northing in EPSG:27700):",
        *(
            f"  {r['kde_rank']:>3}. {r['x_m']:>9.0f} {r['y_m']:>9.0f}  {r['n_crimes']:>5.0f} "
            f"crimes  {r['density_per_km2']:>9,.0f} per km2"
            for r in densest
        ),
    ]
    return _Outcome(
        layer="kde_top",
        method=(
            f"Kernel density ({kernel}, {surface.bandwidth_m:,.0f} m) averaged into grid cells; "
            f"the densest {share_pct:g} % of cells"
        ),
        choices=tuple(choices),
        result={
            "n_cells": grid.n_cells,
            "n_top_cells": n_top,
            "share_of_crimes_in_top": _plain(share_of_crimes),
            "min_density_per_km2": _plain(float(density[top].min())),
            "densest_cells": densest,
        },
        lines=tuple(lines),
        frame=cells,
    )


def _cluster_outcome(
    args: argparse.Namespace, points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, notes: list[str]
) -> _Outcome:
    area_m2 = float(wards.geometry.area.sum())
    if args.method == "dbscan":
        min_crimes = DEFAULT_MIN_CRIMES if args.min_crimes is None else args.min_crimes
        result = dbscan_clusters(points, eps_m=args.eps_m, min_crimes=min_crimes, area_m2=area_m2)
        eps_name, min_how = "eps_m", "default: crimes within eps_m that make a cluster core"
        method = "DBSCAN on snap points weighted by their crime counts"
    else:
        min_crimes = DEFAULT_MIN_CLUSTER_CRIMES if args.min_crimes is None else args.min_crimes
        result = hdbscan_clusters(
            points, min_cluster_crimes=min_crimes, selection_epsilon_m=args.eps_m, area_m2=area_m2
        )
        eps_name, min_how = "selection_epsilon_m", "default: the fewest crimes a cluster holds"
        method = "HDBSCAN on snap points (clusters closer than the merge distance joined)"
    eps_how = next((n for n in result.notes if "chosen automatically" in n), _given("--eps-m"))
    notes.extend(n for n in result.notes if n != eps_how)
    clusters = result.clusters
    largest = _rows(
        clusters,
        ["cluster_id", "n_crimes", "n_snap_points", "top_location", "top_crime_types"],
    )
    lines = [
        (
            f"{len(clusters):,} clusters holding {result.n_clustered:,} of "
            f"{result.n_crimes:,} crimes ({result.n_clustered / max(result.n_crimes, 1):.1%})."
        ),
    ]
    if largest:
        lines.append("largest clusters:")
        lines += [
            f"  {r['cluster_id']:>3}. {r['n_crimes']:>5} crimes at {r['n_snap_points']} snap "
            f"points, {r['top_location']} ({r['top_crime_types']})"
            for r in largest
        ]
    eps_value = float(result.eps_m) if result.eps_m is not None else 0.0
    return _Outcome(
        layer="clusters",
        method=method,
        choices=(
            _Choice(eps_name, eps_value, result.auto_eps, eps_how),
            _Choice(
                "min_crimes",
                min_crimes,
                args.min_crimes is None,
                min_how if args.min_crimes is None else _given("--min-crimes"),
            ),
        ),
        result={
            "n_clusters": len(clusters),
            "n_clustered": result.n_clustered,
            "share_clustered": _plain(result.n_clustered / max(result.n_crimes, 1)),
            "largest_clusters": largest,
        },
        lines=tuple(lines),
        frame=clusters,
    )


def _choice_text(choice: _Choice) -> str:
    who = "automatic" if choice.automatic else "chosen by the user"
    return f"{_shown(choice.value)} ({who}{': ' + choice.how if choice.how else ''})"


def _write_output(
    path: Path,
    outcome: _Outcome,
    *,
    command: str,
    loaded: _Loaded,
    wards: gpd.GeoDataFrame,
    period: tuple[str, str],
) -> dict[str, object]:
    area = loaded.area
    fields = () if outcome.frame is None else tuple(str(c) for c in outcome.frame.columns)
    metadata = ExportMetadata(
        title=f"patchmap {command}: {area.label}",
        area=f"{area.label}: {', '.join(str(w) for w in wards['ward_name'])}",
        audience="police",
        min_count=None,
        period=period,
        filters=_filter_texts(loaded.selection),
        methods={
            outcome.layer: {"method": outcome.method}
            | {c.name: _choice_text(c) for c in outcome.choices}
        },
        sources=(LICENCE_DEMO,) if area.is_demo else (LICENCE_POLICE, LICENCE_ONS),
    ).with_fields({outcome.layer: tuple(f for f in fields if f != "geometry")})
    suffix = path.suffix.lower()
    if outcome.raster is not None:
        write_geotiff(outcome.raster, path, metadata=metadata)
        rows, cols = outcome.raster.values.shape
        return {
            "path": str(path),
            "format": "GeoTIFF",
            "crs": BNG,
            "band_1": DENSITY_UNIT,
            "n_rows": rows,
            "n_cols": cols,
        }
    if outcome.frame is None:  # pragma: no cover - every vector outcome has a frame
        msg = "Nothing to write."
        raise ParameterError(msg)
    if suffix == ".gpkg":
        write_gpkg({outcome.layer: outcome.frame}, path, metadata=metadata)
        crs, fmt = BNG, "GeoPackage"
    else:
        write_geojson(outcome.frame, path, metadata=metadata)
        crs, fmt = WGS84, "GeoJSON (RFC 7946)"
    return {
        "path": str(path),
        "format": fmt,
        "layer": outcome.layer,
        "crs": crs,
        "n_features": len(outcome.frame),
    }


def _finish(
    args: argparse.Namespace,
    outcome: _Outcome,
    *,
    command: str,
    loaded: _Loaded,
    points: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    period: tuple[str, str],
    notes: Sequence[str],
) -> int:
    """Write the output file, then print the run record (``--json``) or the text report."""
    output = None
    if args.out is not None:
        output = _write_output(
            args.out, outcome, command=command, loaded=loaded, wards=wards, period=period
        )
    record: dict[str, object] = {
        "command": command,
        "method": outcome.method,
        "dataset": loaded.area.label,
        "wards": [str(w) for w in wards["ward_name"]],
        "filters": _filter_texts(loaded.selection),
        "period": list(period),
        "n_crimes": len(points),
        "parameters": {c.name: _plain(c.value) for c in outcome.choices},
        "automatic_choices": {
            c.name: {"value": _plain(c.value), "how": c.how} for c in outcome.choices if c.automatic
        },
        "notes": list(notes),
        "result": outcome.result,
        "output": output,
    }
    if args.json:
        _print_json(record)
        return 0
    print(
        f"patchmap {command}: {loaded.area.label}, {len(points):,} crimes, "
        f"{period[0]} to {period[1]}"
    )
    print(f"method: {outcome.method}")
    automatic = [c for c in outcome.choices if c.automatic]
    if automatic:
        print("automatic choices:")
        for c in automatic:
            print(f"  {c.name} = {_shown(c.value)}: {c.how}")
    given = [c for c in outcome.choices if not c.automatic]
    if given:
        print("your choices: " + "; ".join(f"{c.name} = {_shown(c.value)}" for c in given))
    for note in notes:
        print(f"note: {note}")
    for line in outcome.lines:
        print(line)
    if output is not None:
        where = f"layer {output['layer']}, " if "layer" in output else ""
        print(f"wrote {output['path']} ({output['format']}, {where}{output['crs']})")
    return 0


def _add_hotspots(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--method",
        choices=_HOTSPOT_METHODS,
        default="gistar",
        help="gistar: Getis-Ord Gi* cells (default); kde-top: the densest cells by kernel "
        "density; dbscan, hdbscan: density clusters of snap points",
    )
    _add_grid_options(parser)
    _add_test_options(parser)
    parser.add_argument(
        "--bandwidth-m", type=float, metavar="B", help="kde-top: kernel bandwidth (auto)"
    )
    parser.add_argument("--kernel", choices=["quartic", "gaussian"], help="kde-top (quartic)")
    parser.add_argument(
        "--top-share-pct",
        type=float,
        metavar="PCT",
        help=f"kde-top: per cent of cells written, densest first ({DEFAULT_TOP_SHARE_PCT:g})",
    )
    parser.add_argument(
        "--eps-m",
        type=float,
        metavar="M",
        help="dbscan: linking distance; hdbscan: clusters this close are merged (auto)",
    )
    parser.add_argument(
        "--min-crimes",
        type=int,
        metavar="N",
        help=f"dbscan: crimes within --eps-m making a core ({DEFAULT_MIN_CRIMES}); hdbscan: "
        f"fewest crimes per cluster ({DEFAULT_MIN_CLUSTER_CRIMES})",
    )
    _add_out_help(parser, "write the cells or clusters: .gpkg (EPSG:27700) or .geojson (WGS84)")


def _run_hotspots(args: argparse.Namespace) -> int:
    _check_method_options(args)
    _checked_out(args.out, _VECTOR_SUFFIXES, "a GeoPackage or GeoJSON")
    loaded = _load(args)
    points, wards = _selected(loaded)
    notes: list[str] = []
    if args.method == "gistar":
        outcome = _gistar_outcome(args, points, wards, notes)
    elif args.method == "kde-top":
        outcome = _kde_top_outcome(args, points, wards, notes)
    else:
        outcome = _cluster_outcome(args, points, wards, notes)
    return _finish(
        args,
        outcome,
        command=f"hotspots --method {args.method}",
        loaded=loaded,
        points=points,
        wards=wards,
        period=_data_period(points, loaded.selection),
        notes=notes,
    )


def _add_density(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bandwidth-m",
        type=float,
        metavar="B",
        help="quartic radius or Gaussian sd in metres (auto: spatial Silverman rule)",
    )
    parser.add_argument(
        "--cell-size-m",
        type=float,
        metavar="M",
        help="raster cell size in metres, at least 25 (auto: the wards' shorter side / 250)",
    )
    parser.add_argument("--kernel", choices=["quartic", "gaussian"], help="kernel (quartic)")
    parser.add_argument(
        "--per-1000-residents",
        action="store_true",
        help="write the rate surface instead: crime density / population density (dual KDE) "
        "from LSOA populations (--population and --lsoas, or --demo)",
    )
    _add_out_help(parser, "write a GeoTIFF (.tif), EPSG:27700, band 1 in crimes per km2")


def _run_density(args: argparse.Namespace) -> int:
    _checked_out(args.out, _RASTER_SUFFIXES, "a GeoTIFF")
    loaded = _load(args)
    points, wards = _selected(loaded)
    notes: list[str] = []
    kernel: Kernel = args.kernel or DEFAULT_KERNEL
    with _warnings_to(notes):
        surface = kernel_density(
            points,
            area=wards,
            cell_size_m=args.cell_size_m,
            bandwidth_m=args.bandwidth_m,
            kernel=kernel,
        )
    size_how = next((n for n in surface.notes if n.startswith("Cell size")), "")
    bandwidth_how = next((n for n in surface.notes if n.startswith("Bandwidth")), "")
    notes.extend(n for n in surface.notes if n not in (size_how, bandwidth_how))
    integral = float(surface.values.sum()) * surface.cell_area_km2
    row, col = np.unravel_index(int(np.argmax(surface.values)), surface.values.shape)
    x_m, y_m = surface.cell_centres()
    n_rows, n_cols = surface.values.shape
    result: dict[str, object] = {
        "n_points_used": surface.n_points,
        "n_outside_area": surface.n_outside_area,
        "integral": _plain(integral),
        "unit": DENSITY_UNIT,
        "n_rows": n_rows,
        "n_cols": n_cols,
        "bounds_m": [_plain(b) for b in surface.bounds],
        "max_density_per_km2": _plain(float(surface.values.max())),
        "peak_x_m": _plain(float(x_m[col])),
        "peak_y_m": _plain(float(y_m[row])),
    }
    outcome = _Outcome(
        layer="density",
        method=f"Kernel density ({kernel} kernel), linear binning and FFT, crimes per km2",
        choices=(
            _Choice(
                "cell_size_m",
                surface.cell_size_m,
                surface.auto_cell_size,
                size_how or _given("--cell-size-m"),
            ),
            _Choice(
                "bandwidth_m",
                surface.bandwidth_m,
                surface.auto_bandwidth,
                bandwidth_how or _given("--bandwidth-m"),
            ),
            _Choice(
                "kernel",
                kernel,
                args.kernel is None,
                "default: quartic (ArcGIS's kernel)" if args.kernel is None else _given("--kernel"),
            ),
        ),
        result=result,
        lines=(
            (
                f"{n_rows} x {n_cols} cells of {surface.cell_size_m:g} m from "
                f"{surface.n_points:,} crimes; the surface integrates to {integral:,.1f} crimes."
            ),
            (
                f"peak {float(surface.values.max()):,.0f} crimes per km2 at "
                f"{float(x_m[col]):.0f}, {float(y_m[row]):.0f} (EPSG:27700)."
            ),
        ),
        raster=RasterLayer(surface.values, surface.transform, surface.cell_size_m),
    )
    if args.per_1000_residents:
        outcome = _rate_outcome(loaded, points, wards, surface, outcome, notes)
    return _finish(
        args,
        outcome,
        command="density",
        loaded=loaded,
        points=points,
        wards=wards,
        period=_data_period(points, loaded.selection),
        notes=notes,
    )


def _rate_outcome(
    loaded: _Loaded,
    points: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    surface: DensitySurface,
    outcome: _Outcome,
    notes: list[str],
) -> _Outcome:
    """Swap the density for the dual-KDE rate (crimes per 1,000 residents) on the same raster."""
    area = loaded.area
    if area.population is None or area.lsoas is None:
        msg = (
            "--per-1000-residents needs LSOA populations and boundaries: give --population and "
            "--lsoas (or use --demo)."
        )
        raise ParameterError(msg)
    residents = area.lsoas.merge(area.population[["lsoa_code", "population"]], on="lsoa_code")
    with _warnings_to(notes):
        rate = rate_surface(
            points,
            residents,
            area=wards,
            cell_size_m=surface.cell_size_m,
            bandwidth_m=surface.bandwidth_m,
            kernel=surface.kernel,
        )
    notes.extend(rate.notes)
    unit = "crimes per 1,000 residents"
    peak = float(np.nanmax(rate.values)) if np.isfinite(rate.values).any() else math.nan
    result = {
        **outcome.result,
        "unit": unit,
        "max_rate_per_1000": _plain(peak),
        "min_population_per_km2": rate.min_population_per_km2,
    }
    line = (
        f"rate surface: crimes per 1,000 residents (dual KDE, same bandwidth for residents); "
        f"highest {peak:,.1f}; blank where fewer than {rate.min_population_per_km2:g} residents "
        "per km2 live."
    )
    return dataclasses.replace(
        outcome,
        method=outcome.method.replace("crimes per km2", unit) + " (crime / population density)",
        result=result,
        lines=(*outcome.lines, line),
        raster=RasterLayer(
            rate.values,
            rate.transform,
            surface.cell_size_m,
            unit=unit,
            description=f"Crime rate from a dual kernel density ({unit})",
        ),
    )


def _by_rate_change(cells: gpd.GeoDataFrame, *, largest_rise_first: bool) -> gpd.GeoDataFrame:
    difference = (cells["rate_after_per_month"] - cells["rate_before_per_month"]).to_numpy()
    order = np.argsort(-difference if largest_rise_first else difference, kind="stable")
    return cells.iloc[order]


def _add_change(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--before", required=True, metavar="YYYY-MM:YYYY-MM", help="the earlier period"
    )
    parser.add_argument(
        "--after", required=True, metavar="YYYY-MM:YYYY-MM", help="the later period"
    )
    _add_grid_options(parser)
    _add_test_options(parser)
    _add_out_help(parser, "write the cells: .gpkg (EPSG:27700) or .geojson (WGS84)")


def _run_change(args: argparse.Namespace) -> int:
    _checked_out(args.out, _VECTOR_SUFFIXES, "a GeoPackage or GeoJSON")
    before = parse_month_range(args.before)
    after = parse_month_range(args.after)
    loaded = _load(args)
    points, wards = _selected(loaded)
    notes: list[str] = []
    grid, choices = _grid_for(args, wards, notes)
    correction, alpha, test = _test_choices(
        args, default_alpha=DEFAULT_CHANGE_ALPHA, what="cells with any crime in either period"
    )
    cells = change_by_cell(
        points, grid=grid, before=before, after=after, correction=correction, alpha=alpha
    )
    months_before = len(month_range(*before))
    months_after = len(month_range(*after))
    columns = ["cell_id", "x_m", "y_m", "n_before", "n_after", "ratio", "p_adjusted"]
    up = _by_rate_change(cells.loc[cells["change"] == "up"], largest_rise_first=True)
    down = _by_rate_change(cells.loc[cells["change"] == "down"], largest_rise_first=False)
    increases, decreases = _rows(up, columns), _rows(down, columns)
    n_b, n_a = int(cells["n_before"].sum()), int(cells["n_after"].sum())
    lines = [
        (
            f"before {before[0]}..{before[1]}: {n_b:,} crimes in {months_before} months "
            f"({n_b / months_before:,.1f} a month); after {after[0]}..{after[1]}: {n_a:,} in "
            f"{months_after} months ({n_a / months_after:,.1f} a month)."
        ),
        (
            f"{len(up):,} cells up and {len(down):,} down significantly, of {grid.n_cells:,} "
            "(conditional binomial test of the monthly rates)."
        ),
    ]
    for label, rows in (("largest increases", increases), ("largest decreases", decreases)):
        if rows:
            lines.append(f"{label} (centre easting, northing in EPSG:27700):")
            lines += [
                f"  {r['x_m']:>9.0f} {r['y_m']:>9.0f}  {r['n_before']:>4} before, "
                f"{r['n_after']:>4} after  (adjusted p {r['p_adjusted']:.2g})"
                for r in rows
            ]
    outcome = _Outcome(
        layer="change",
        method=(
            "Change in crimes per month between two periods per grid cell: conditional binomial "
            "test of two Poisson counts, adjusted for multiple testing"
        ),
        choices=(*choices, *test),
        result={
            "before": list(before),
            "after": list(after),
            "months_before": months_before,
            "months_after": months_after,
            "n_before": n_b,
            "n_after": n_a,
            "n_cells": grid.n_cells,
            "n_up": len(up),
            "n_down": len(down),
            "largest_increases": increases,
            "largest_decreases": decreases,
        },
        lines=tuple(lines),
        frame=cells,
    )
    return _finish(
        args,
        outcome,
        command="change",
        loaded=loaded,
        points=points,
        wards=wards,
        period=(min(before[0], after[0]), max(before[1], after[1])),
        notes=notes,
    )


def _add_emerging(parser: argparse.ArgumentParser) -> None:
    _add_grid_options(parser)
    _add_test_options(parser)
    _add_out_help(parser, "write the cells: .gpkg (EPSG:27700) or .geojson (WGS84)")


def _run_emerging(args: argparse.Namespace) -> int:
    _checked_out(args.out, _VECTOR_SUFFIXES, "a GeoPackage or GeoJSON")
    loaded = _load(args)
    points, wards = _selected(loaded)
    notes: list[str] = []
    grid, choices = _grid_for(args, wards, notes)
    correction, alpha, test = _test_choices(
        args, default_alpha=DEFAULT_ALPHA, what="grid cells of each month"
    )
    period = _data_period(points, loaded.selection)
    with _warnings_to(notes):
        cells = emerging_hotspots(
            points, grid=grid, months=period, correction=correction, alpha=alpha
        )
    n_months = len(month_range(*period))
    months_how = (
        _given("--months")
        if loaded.selection.months
        else "default: every calendar month from the first to the last in the data"
    )
    counts = cells["category"].value_counts()
    categories = {c: int(counts[c]) for c in EMERGING_CATEGORIES if c in counts.index}
    busiest: dict[str, object] = {}
    for category in (*HOT_CATEGORIES, *COLD_CATEGORIES):
        members = cells.loc[cells["category"] == category]
        if not members.empty:
            top = members.sort_values("n_crimes", ascending=False)
            busiest[category] = _rows(top, ["cell_id", "x_m", "y_m", "n_crimes", "pattern"])[0]
    lines = [
        (
            f"{n_months} months, {period[0]} to {period[1]}; cells by pattern "
            "(H hot, C cold, . neither, one character a month):"
        )
    ]
    for category, n in categories.items():
        example = busiest.get(category)
        where = ""
        if isinstance(example, dict):
            where = (
                f"  busiest {example['x_m']:.0f}, {example['y_m']:.0f}: "
                f"{example['n_crimes']} crimes {example['pattern']}"
            )
        lines.append(f"  {category:<26} {n:>6,}{where}")
    outcome = _Outcome(
        layer="emerging",
        method=(
            "Emerging hot spots: Gi* per calendar month, Mann-Kendall trend of each cell's z, "
            "Esri's space-time categories"
        ),
        choices=(
            *choices,
            *test,
            _Choice("months", f"{period[0]}:{period[1]}", not loaded.selection.months, months_how),
            _Choice(
                "trend_alpha",
                DEFAULT_TREND_ALPHA,
                True,  # noqa: FBT003 - not an option
                "default: two-sided level of the Mann-Kendall trend test",
            ),
        ),
        result={
            "months": list(period),
            "n_months": n_months,
            "n_cells": grid.n_cells,
            "categories": categories,
            "busiest_by_category": busiest,
        },
        lines=tuple(lines),
        frame=cells,
    )
    return _finish(
        args,
        outcome,
        command="emerging",
        loaded=loaded,
        points=points,
        wards=wards,
        period=period,
        notes=notes,
    )


# --- export and brief (layers.export, layers.briefing) -------------------------------------


def _comma_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _audience_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--audience",
        choices=AUDIENCES,
        default="partner",
        help="police: full detail; partner: streets/cells, counts below --min-count suppressed, "
        "no crime IDs or outcomes; public: coarser still (default partner)",
    )
    parser.add_argument(
        "--min-count",
        type=int,
        metavar="N",
        help="suppress counts below N (default 5 for partner, 10 for public; police: none)",
    )
    parser.add_argument(
        "--network",
        type=Path,
        metavar="FILE",
        help="street network .graphml for routes and the map's streets (the demo's with --demo)",
    )


def _with_network(loaded: _Loaded, network: Path | None) -> StudyArea:
    if network is None:
        return loaded.area
    return dataclasses.replace(loaded.area, network_path=network)


def _add_export(parser: argparse.ArgumentParser) -> None:
    _audience_options(parser)
    parser.add_argument(
        "--layers",
        type=_comma_list,
        default=("hotspots", "density", "clusters", "sites"),
        metavar="LIST",
        help=f"comma-separated, from {','.join(LAYER_KINDS)} "
        "(default hotspots,density,clusters,sites)",
    )
    parser.add_argument(
        "--formats",
        type=_comma_list,
        metavar="LIST",
        help=f"formats written into a folder, from {','.join(EXPORT_FORMATS)} "
        "(default all but shp; a file --out picks its format from its extension)",
    )
    parser.add_argument(
        "--csv-geometry",
        choices=["wkt", "lonlat"],
        default="wkt",
        help="CSV geometry: a WKT column or lon/lat columns (points only)",
    )
    parser.add_argument(
        "--cell-size-m", type=float, help="Gi* cell size in metres (automatic; >= 250 for public)"
    )


def _run_export(args: argparse.Namespace) -> int:
    if args.out is None:
        msg = "Give --out FOLDER (several formats) or --out FILE (.gpkg, .geojson, .csv, .kml, "
        msg += ".gpx, .zip, .tif)."
        raise ParameterError(msg)
    unknown = [k for k in args.layers if k not in LAYER_KINDS]
    if unknown:
        msg = f"Unknown layer(s) {', '.join(unknown)}. Choose from: {', '.join(LAYER_KINDS)}."
        raise ParameterError(msg)
    loaded = _load(args)
    area = _with_network(loaded, args.network)
    built = build_layers(
        area,
        loaded.selection,
        layers=args.layers,
        cell_size_m=args.cell_size_m,
        audience=args.audience,
    )
    if "sites" in args.layers and area.sites is None:
        print(
            "patchmap: no co-location sites are loaded; the sites layer is left out",
            file=sys.stderr,
        )
    result = export_layers(
        built.layers,
        args.out,
        metadata=built.metadata,
        audience=args.audience,
        min_count=args.min_count,
        density=built.density,
        wards=select_wards(area, loaded.selection),
        formats=args.formats,
        geometry_format=args.csv_geometry,
    )
    record = {
        "files": [str(p) for p in result.paths],
        "metadata": result.metadata.to_dict(),
    }
    if args.json:
        _print_json(record)
        return 0
    print(f"{result.metadata.title} for {result.metadata.audience}:")
    for path in result.paths:
        print(f"  {path}")
    return 0


def _add_brief(parser: argparse.ArgumentParser) -> None:
    _audience_options(parser)
    parser.add_argument(
        "--meeting", type=_date, required=True, metavar="YYYY-MM-DD", help="the meeting date"
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="tasking log (database URL or SQLite file): adds problems, EPIC actions, "
        "assessments and the change since the last meeting",
    )
    parser.add_argument(
        "--eva-route",
        action="store_true",
        help="plan an EVA loop through the busiest hot cells and draw it on the map "
        "(needs a street network)",
    )


def _run_brief(args: argparse.Namespace) -> int:
    if args.out is None or args.out.suffix.lower() not in {".html", ".htm", ".pdf"}:
        msg = "Give --out pack.pdf or --out pack.html."
        raise ParameterError(msg)
    loaded = _load(args)
    selection = loaded.selection
    places = (selection.wards or ()) + (selection.neighbourhoods or ())
    if len(places) != 1:
        msg = "A pack covers one place: give one --ward NAME or one --neighbourhood NAME."
        raise ParameterError(msg)
    area = _with_network(loaded, args.network)
    ward = selection.wards[0] if selection.wards else None
    tasking = None
    if args.db:
        engine = connect(args.db)
        try:
            with Session(engine) as session:
                wards = select_wards(area, selection)["ward_name"].astype(str).tolist()
                tasking = read_tasking(session, area, wards=wards, meeting=args.meeting)
        finally:
            engine.dispose()
    route = None
    if args.eva_route:
        place_only = Selection(wards=selection.wards, neighbourhoods=selection.neighbourhoods)
        route = build_layers(area, place_only, layers=["routes"]).route
    pack = build_briefing(
        area,
        meeting=args.meeting,
        ward=ward,
        neighbourhood=None if ward else places[0],
        audience=args.audience,
        min_count=args.min_count,
        months=selection.months,
        tasking=tasking,
        route=route,
    )
    path = write_briefing(pack, args.out)
    record = {
        "file": str(path),
        "title": pack.title,
        "audience": pack.audience,
        "min_count": pack.min_count,
        "sections": list(pack.sections),
        "profile": pack.profile.to_dict(),
    }
    if args.json:
        _print_json(record)
        return 0
    print(f"{pack.title} ({pack.audience}): {path}")
    print(f"  sections: {', '.join(pack.sections)}")
    return 0


# --- repeats ---------------------------------------------------------------------------------


def _add_repeats(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--top-n", type=int, default=10, help="how many snap points to list")
    parser.add_argument(
        "--cell-size-m", type=float, default=100.0, help="cell size for the concentration shares"
    )


def _run_repeats(args: argparse.Namespace) -> int:
    loaded = _load(args)
    points = select_points(loaded.area, loaded.selection)
    if points.empty:
        msg = "No crimes in the selection: widen the months, wards or crime types."
        raise ParameterError(msg)
    top = repeat_locations_flagged(points, top_n=args.top_n)
    grid = make_grid(select_wards(loaded.area, loaded.selection), cell_size_m=args.cell_size_m)
    conc = concentration(points, grid=grid)
    rows = [
        {
            "rank": int(r["rank"]),
            "location": str(r["location"]),
            "ward": str(r["ward"]),
            "n_crimes": int(r["n_crimes"]),
            "share_of_crimes": float(r["share_of_crimes"]),
            "n_months": int(r["n_months"]),
            "top_crime_types": str(r["top_crime_types"]),
            "artefact": r["artefact"],
        }
        for r in top.drop(columns="geometry").to_dict("records")
    ]
    record = {
        "n_crimes": len(points),
        "top_locations": rows,
        "concentration": {
            "cell_size_m": grid.cell_size_m,
            "n_cells": conc.n_cells,
            "share_top_1pct": conc.share_top_1pct,
            "share_top_5pct": conc.share_top_5pct,
            "share_top_10pct": conc.share_top_10pct,
            "gini": conc.gini,
            "gini_generalised": conc.gini_generalised,
            "gini_null": conc.gini_null,
            "notes": list(conc.notes),
        },
    }
    if args.json:
        _print_json(record)
        return 0
    print(f"{len(points):,} crimes; busiest snap points:")
    for row in rows:
        flag = f"  [check: {row['artefact']}]" if row["artefact"] else ""
        print(f"  {row['n_crimes']:>5}  {row['location']} ({row['ward']}){flag}")
    print(
        f"{conc.share_top_5pct:.0%} of crime in the busiest 5 % of {grid.cell_size_m:.0f} m cells; "
        f"generalised Gini {conc.gini_generalised:.2f} (random placement: {conc.gini_null:.2f})."
    )
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
    "repeats": (
        "repeat locations with recording-artefact flags, and how concentrated crime is",
        _add_repeats,
        _run_repeats,
    ),
    "hotspots": (
        "hot spots: Gi* cells, the densest KDE cells, or DBSCAN/HDBSCAN clusters",
        _add_hotspots,
        _run_hotspots,
    ),
    "density": ("kernel density raster (GeoTIFF, crimes per km2)", _add_density, _run_density),
    "change": ("change per grid cell between two periods", _add_change, _run_change),
    "emerging": ("emerging hot spots: space-time patterns per cell", _add_emerging, _run_emerging),
    "tasks": (
        "the tasking log: add, list, update, export problems, EPIC actions, NAG decisions",
        _add_tasks,
        _run_tasks,
    ),
    "route": (
        "EVA walkabout: a closed walking loop through the heaviest hotspot stops that fit",
        _add_route,
        _run_route,
    ),
    "catchment": (
        "walking catchments (5/10/15 min) of co-location sites, with crime and ASB shares",
        _add_catchment,
        _run_catchment,
    ),
    "backtest": (
        "backtest hotspot methods: which would have predicted next month's crime best",
        _add_backtest,
        _run_backtest,
    ),
    "forecast": (
        "the cells to patrol in a month, from the months before it",
        _add_forecast,
        _run_forecast,
    ),
    "export": (
        "export layers (GPKG, GeoJSON, CSV, KML, GPX, GeoTIFF, zipped SHP) for an audience",
        _add_export,
        _run_export,
    ),
    "brief": (
        "briefing pack (HTML or PDF) for a ward or neighbourhood and a meeting",
        _add_brief,
        _run_brief,
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
