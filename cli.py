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
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from boundaries.dataset import StudyArea, load_demo, load_study_area
from boundaries.select import (
    Selection,
    parse_month_range,
    select_points,
    select_wards,
    summarise,
)
from spatial.errors import ParameterError, PatchmapError
from tasking.problems import TIME_OF_DAY_NOTE, flag_problems
from tasking.profile import build_profile

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

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
