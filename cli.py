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
from boundaries.select import Selection, parse_month_range, summarise
from spatial.errors import ParameterError, PatchmapError

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
            args.crimes, args.wards, ward_field=args.ward_field, neighbourhoods=args.neighbourhoods
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
