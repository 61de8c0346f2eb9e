"""``patchmap summary`` (the rows read and where they fell) and ``patchmap ingest`` (the store)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from patchmap._data import load
from patchmap._output import checked_json_out, print_json

if TYPE_CHECKING:
    import argparse

    from spatial.store import IngestReport


__all__ = ["add_ingest", "add_summary", "run_ingest", "run_summary"]


def add_summary(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap summary`` to its parser."""
    del parser  # the common options are all it needs


def run_summary(args: argparse.Namespace) -> int:
    """Run ``patchmap summary``; return the exit code.

    The load's notes (copies and republished months set aside, overlapping wards, rows outside
    Great Britain) go to stderr in every mode, and into the JSON as ``notes``.
    """
    from boundaries.select import summarise
    from spatial.wording import count_text

    checked_json_out(args.out)
    # a summary counts by month and crime type: a store need not read Crime IDs and the rest
    # every ward's counts too: the other wards' rows are in them, not outside the wards
    loaded = load(args, read_only_chosen=True, count_all=True, columns=("month", "crime_type"))
    summary = summarise(loaded.area, loaded.selection)
    record = summary.to_dict()
    for note in summary.notes:
        print(f"patchmap: note: {note}", file=sys.stderr)
    if args.out:
        args.out.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        print_json(record)
        return 0
    rows = count_text(summary.n_rows_read, "row")
    print(f"{loaded.area.label}: {rows} read in {count_text(len(summary.months), 'month')}")
    print(f"  without location   {summary.n_without_location:>8,}")
    print(f"  outside GB         {summary.n_outside_gb:>8,}")
    if summary.n_outside_hours:
        print(f"  outside the hours  {summary.n_outside_hours:>8,}")
    print(f"  outside the wards  {summary.n_outside_wards:>8,}")
    if summary.n_in_other_wards:  # some wards chosen: the others' rows, then the chosen's
        print(f"  in other wards     {summary.n_in_other_wards:>8,}")
        print(f"  in the chosen      {summary.n_inside_wards:>8,}")
    else:
        print(f"  inside the wards   {summary.n_inside_wards:>8,}")
    if summary.n_duplicates_removed:
        print(f"  duplicates removed {summary.n_duplicates_removed:>8,}")
    if summary.n_set_aside:
        why = ", ".join(summary.set_aside_reasons)
        print(f"  set aside          {summary.n_set_aside:>8,}  ({why})")
    print("by ward:")
    for ward, count in sorted(summary.by_ward.items(), key=lambda kv: -kv[1]):
        print(f"  {ward:<30} {count:>8,}")
    print("by crime type:")
    for crime_type, count in summary.by_crime_type.items():
        print(f"  {crime_type:<30} {count:>8,}")
    return 0


def add_ingest(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap ingest`` to its parser."""
    parser.add_argument(
        "sources",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="data.police.uk CSVs, folders or .zip archives (the monthly all-forces archive too)",
    )


def _refuse_unused(args: argparse.Namespace) -> None:
    """Refuse the common options ``patchmap ingest`` does not use, naming each one given."""
    from patchmap._options import INGEST_OPTIONS, common_options
    from spatial.errors import ParameterError

    defaults = vars(common_options().parse_args([]))
    given = [
        f"--{dest.replace('_', '-')}"
        for dest, default in defaults.items()
        if dest not in INGEST_OPTIONS and getattr(args, dest, default) != default
    ]
    if given:
        msg = (
            f"patchmap ingest does not use {', '.join(given)}: it adds every row of the files "
            "given as PATH to the store (--store DIR), and a question's options (wards, "
            "months, crime types, --out) go with the query. Leave "
            f"{'it' if len(given) == 1 else 'them'} out."
        )
        raise ParameterError(msg)


def run_ingest(args: argparse.Namespace) -> int:
    """Run ``patchmap ingest``; return the exit code."""
    from spatial.errors import ParameterError
    from spatial.store import ingest

    if args.store is None:
        msg = "Give --store DIR: the folder of the store to create or add to."
        raise ParameterError(msg)
    if args.crimes or args.demo:
        msg = "patchmap ingest takes the files as PATH arguments, not --crimes or --demo."
        raise ParameterError(msg)
    _refuse_unused(args)
    report = ingest(args.sources, store_dir=args.store)
    record = report.to_dict()
    for note in report.notes:
        print(f"patchmap: note: {note}", file=sys.stderr)
    if args.json:
        print_json(record)
        return 0
    _print_ingest(report, args.store)
    return 0


def _print_ingest(report: IngestReport, store: Path) -> None:
    """Print an ingest report as text: the files, then the rows in their buckets."""
    repeated = (
        f", {report.n_files_repeated} given twice and read once" if report.n_files_repeated else ""
    )
    not_named = (
        f", {report.n_files_not_named} skipped for their names" if report.n_files_not_named else ""
    )
    stored = report.n_files_skipped - report.n_files_not_named
    print(
        f"{store}: read {report.n_files_read} files ({stored} already "
        f"in the store{not_named}{repeated}), {report.n_rows:,} crime rows"
    )
    print(f"  located            {report.n_located:>10,}")
    print(f"  without location   {report.n_without_location:>10,}")
    print(f"  outside GB         {report.n_outside_gb:>10,}")
    if report.n_rows_set_aside:
        print(f"  set aside          {report.n_rows_set_aside:>10,}  (copies, older versions)")
    if report.n_duplicates:
        print(f"  repeated Crime IDs {report.n_duplicates:>10,}")
    if report.n_outcome_rows:
        print(f"  outcome rows       {report.n_outcome_rows:>10,}")
    if report.n_stop_search_rows:
        print(f"  stop and search    {report.n_stop_search_rows:>10,}")
    if report.n_outcome_rows_set_aside or report.n_stop_search_rows_set_aside:
        print(
            f"  set aside          {report.n_outcome_rows_set_aside:>10,} outcome rows, "
            f"{report.n_stop_search_rows_set_aside:,} stop and search rows (copies, older versions)"
        )
    print(f"  partitions written {len(report.partitions_written):>10,}")
    if report.partitions_removed:
        print(
            f"  partitions removed {len(report.partitions_removed):>10,} "
            "(months held under another force name, now set aside)"
        )
