"""Options every subcommand shares (the data, the filters, the output) and argument types."""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path
from typing import Final

__all__ = [
    "INGEST_OPTIONS",
    "common_options",
    "ingest_options",
    "iso_date",
    "iso_date_or_none",
    "name_text",
    "positive_minutes",
    "refuse_months_beside_periods",
    "whole_from_one",
]

INGEST_OPTIONS: Final = frozenset({"store", "json"})
"""The common options ``patchmap ingest`` uses (by ``dest``); it refuses the others."""


def ingest_options() -> argparse.ArgumentParser:
    """
    Return the common options as ``patchmap ingest`` takes them: ``--store`` and ``--json`` shown.

    The others still parse, so that ingest can refuse each by name (it reads no wards, months
    or crime types, and writes no ``--out``), but its help does not list them.
    """
    parser = common_options()
    for action in parser._actions:  # noqa: SLF001 - argparse lists a parser's actions nowhere else
        if action.dest not in INGEST_OPTIONS:
            action.help = argparse.SUPPRESS
        elif action.dest == "store":
            action.help = "the store's folder: a new (or empty) folder, or a store to add to"
    for group in parser._action_groups:  # noqa: SLF001 - nor its groups
        if str(group.title).startswith("data"):
            group.title = "store"
    return parser


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand takes (the data and the filters)."""
    common = argparse.ArgumentParser(add_help=False)
    data = common.add_argument_group(
        "data (one of --demo, --crimes with --wards, or --store with --wards)"
    )
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
    data.add_argument(
        "--store",
        type=Path,
        metavar="DIR",
        help="a store made by `patchmap ingest` (with --wards): reads only the wards' rows",
    )
    data.add_argument(
        "--area-name",
        metavar="NAME",
        help="the area's name in titles, briefing packs and export metadata (default: the "
        "ward file's name; the demo's 'Demo town (synthetic)')",
    )
    _extract_options(common)
    _filter_options(common)
    output = common.add_argument_group("output")
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="write the result to a file (in a folder that exists)",
    )
    return common


def _filter_options(parser: argparse.ArgumentParser) -> None:
    """Add the filters (wards, neighbourhoods, months, crime types) to ``parser``."""
    filters = parser.add_argument_group("filters")
    filters.add_argument(
        "--ward",
        action="append",
        type=name_text,
        metavar="NAME",
        help="a ward to include (repeatable)",
    )
    filters.add_argument(
        "--neighbourhood",
        action="append",
        type=name_text,
        metavar="NAME",
        help="a neighbourhood (group of wards) to include (repeatable)",
    )
    filters.add_argument(
        "--months", metavar="YYYY-MM:YYYY-MM", help="first and last month, inclusive"
    )
    filters.add_argument(
        "--crime-type", action="append", metavar="TYPE", help="a crime type (repeatable)"
    )


def _extract_options(parser: argparse.ArgumentParser) -> None:
    """Add the force-extract options (timed crimes) to ``parser``."""
    extract = parser.add_argument_group(
        "force extract (timed crimes; --wards optional: without it the extract is the area)"
    )
    extract.add_argument(
        "--incidents",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="force RMS extract: CSV or .xlsx files or folders (instead of --crimes)",
    )
    extract.add_argument(
        "--columns",
        metavar="MAP",
        help='column names, e.g. "x=Easting,y=Northing,from=Committed From,to=Committed To,'
        'type=Offence,id=Crime Ref" (found automatically when the names are common)',
    )
    extract.add_argument(
        "--crs", metavar="EPSG:N", help="the extract's coordinate system (detected: BNG or WGS84)"
    )
    extract.add_argument(
        "--midnight",
        choices=("as-recorded", "unknown"),
        default="as-recorded",
        help="a time of exactly 00:00: as recorded (default) or unknown (spread over its day)",
    )
    extract.add_argument(
        "--hours",
        metavar="BLOCKS",
        help='keep only crimes in these hours of the week, e.g. "Fri 22-03,Sat 22-03" '
        "(needs --incidents)",
    )


def name_text(text: str) -> str:
    """
    Read a ward or neighbourhood name as the readers keep names (:mod:`spatial.names`).

    A name typed in a terminal that decomposes accents (macOS) then equals the name in the
    ward file, whichever Unicode form either was written in.
    """
    from spatial.names import normal_name

    return normal_name(text)


def iso_date_or_none(text: str) -> dt.date | None:
    if text.lower() == "none":
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        msg = f"{text!r} is not a date: use YYYY-MM-DD (or 'none' to clear it)"
        raise argparse.ArgumentTypeError(msg) from err


def iso_date(text: str) -> dt.date:
    value = iso_date_or_none(text)
    if value is None:
        msg = "a date is needed here (YYYY-MM-DD)"
        raise argparse.ArgumentTypeError(msg)
    return value


def positive_minutes(text: str) -> float:
    """Read an option's number of minutes: finite and above 0 (argparse names the option)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        msg = f"must be a positive number of minutes; found {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def whole_from_one(text: str) -> int:
    """Read an option's count or number along a list: a whole number from 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"must be a whole number from 1; found {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def refuse_months_beside_periods(args: argparse.Namespace, command: str) -> None:
    """
    Refuse ``--months`` for a command whose ``--before`` and ``--after`` choose the months.

    Applied as a filter, ``--months`` cut into a period: its crimes were counted over fewer
    months than the period has and divided by all of them (a false fall or rise). The app's
    periods ignore the sidebar's months for the same reason.

    Raises
    ------
    ParameterError
        When ``--months`` is given.
    """
    from spatial.errors import ParameterError

    if getattr(args, "months", None):
        msg = (
            f"{command} compares --before with --after, which choose its months: leave "
            f"--months {args.months} out."
        )
        raise ParameterError(msg)
