"""``patchmap summary``: the rows read and where they fell."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from boundaries.select import summarise
from patchmap._data import load
from patchmap._output import print_json

if TYPE_CHECKING:
    import argparse


__all__ = ["add_summary", "run_summary"]


def add_summary(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap summary`` to its parser."""
    del parser  # the common options are all it needs


def run_summary(args: argparse.Namespace) -> int:
    """Run ``patchmap summary``; return the exit code."""
    loaded = load(args)
    summary = summarise(loaded.area, loaded.selection)
    record = summary.to_dict()
    if args.out:
        args.out.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        print_json(record)
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
