"""``patchmap profile``, ``problems`` and ``repeats``: scanning a ward or neighbourhood."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from patchmap._data import load
from patchmap._output import checked_json_out, checked_out, print_json
from spatial.errors import ParameterError

if TYPE_CHECKING:
    import argparse

    import geopandas as gpd
    import pandas as pd

    from patchmap._data import Loaded
    from tasking.profile import Profile


__all__ = [
    "add_problems",
    "add_profile",
    "add_repeats",
    "run_problems",
    "run_profile",
    "run_repeats",
]

# --- profile ---------------------------------------------------------------------------------

PROFILE_COLUMNS = ("month", "crime_type", "location")
"""The crimes' columns a profile reads from a store: it counts by month, type and place and
names the top locations (Crime IDs and the rest are not read)."""


def add_profile(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap profile`` to its parser."""
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


def _findings_from(db: str | None) -> gpd.GeoDataFrame | None:
    """Return the located EVA findings of the tasking log, or None when no log is named."""
    if db is None:  # before the imports: SQLAlchemy takes a quarter of a second to load
        return None
    from sqlalchemy.orm import Session

    from tasking.findings import findings_to_geodataframe
    from tasking.store import connect, list_findings

    engine = connect(None if db == "default" else db)
    with Session(engine) as session:
        return findings_to_geodataframe(list_findings(session))


def _require_both_population_files(args: argparse.Namespace) -> None:
    """Refuse --population without --lsoas, or the reverse: rates need both, one is unused."""
    from boundaries.population import require_population_pair

    require_population_pair(
        population=getattr(args, "population", None) is not None,
        lsoas=getattr(args, "lsoas", None) is not None,
    )


def run_profile(args: argparse.Namespace) -> int:
    """Run ``patchmap profile``; return the exit code."""
    from tasking.profile import build_profile

    checked_json_out(args.out)
    loaded = load(args, read_only_chosen=True, count_all=True, columns=PROFILE_COLUMNS)
    _require_both_population_files(args)  # after the files are read: their own errors first
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
        from tasking.reports import read_reports, reports_gap

        gap = reports_gap(
            read_reports(args.reports),
            loaded.area,
            wards=profile.wards,
            months=profile.months,
            crime_types=profile.crime_types,
        )
        record["reports_gap"] = list(gap.to_dict("records"))
    if args.out:
        args.out.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        print_json(record)
    else:
        _print_profile(profile)
        _print_gap(record.get("reports_gap"))
    return 0


def _print_gap(rows: object) -> None:
    """Print the reports set beside recorded crime (``--reports``), theme by theme."""
    if not isinstance(rows, list) or not rows:
        return
    from spatial.wording import count_text

    print("  reports beside recorded crime:")
    for row in rows:
        reports = count_text(row["n_reports"], "report")
        print(
            f"    {row['theme']:<28} {reports:>12}, {row['n_recorded']:>5,} recorded: "
            f"{row['reading']}"
        )


def _print_profile(profile: Profile) -> None:
    from hotspots.concentration import ARTEFACT_CHECK  # the profile loaded it

    print(f"{profile.area_name}, {profile.months[0]} to {profile.months[1]}")
    print(f"  crimes and ASB: {profile.n_crimes:,} (ASB {profile.n_asb:,})")
    if profile.rate_per_1000 is not None:
        from spatial.wording import period_text  # not needed at start-up

        print(
            f"  rate per 1,000 residents, {period_text(*profile.months)}: "
            f"{profile.rate_per_1000:,.1f} ({profile.population_method})"
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
        flag = f"  [{ARTEFACT_CHECK}]" if loc["artefact"] else ""
        print(f"    {loc['n_crimes']:>5}  {loc['location']} ({loc['ward']}){flag}")
    for note in profile.notes:  # as --json gives them (months without data, wards elsewhere)
        print(f"note: {note}")


# --- problems --------------------------------------------------------------------------------

_OUT_SUFFIXES = (".json", ".gpkg", ".geojson")
"""What ``problems --out`` and ``repeats --out`` write: the ``--json`` record, or the layer."""


def _add_out_help(parser: argparse.ArgumentParser, what: str) -> None:
    # the --out option is shared by every subcommand, so its help is not reworded here
    parser.epilog = (
        f"--out FILE: .json writes the --json record; .gpkg (EPSG:27700) or .geojson (WGS84) "
        f"writes {what}."
    )


def _write_out(
    args: argparse.Namespace,
    record: dict[str, object],
    rows: gpd.GeoDataFrame,
    *,
    command: Literal["problems", "repeats"],
    loaded: Loaded,
    months: tuple[str, str],
) -> str | None:
    """
    Write ``--out``: the JSON record, or ``rows`` as GeoPackage or GeoJSON; say what.

    The layer goes through :func:`layers.problems.write_problem_areas` (or
    ``write_repeat_locations``), as the Profile page's downloads do.
    """
    if args.out is None:
        return None
    suffix = args.out.suffix.lower()
    if suffix == ".json":
        text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"  # as --json prints it
        args.out.write_text(text, encoding="utf-8")
        return f"Wrote the record to {args.out}."
    from layers.problems import write_problem_areas, write_repeat_locations

    write = write_problem_areas if command == "problems" else write_repeat_locations
    write(rows, args.out, area=loaded.area, selection=loaded.selection, months=months)
    if suffix == ".gpkg":
        return f"Wrote {len(rows)} features to {args.out} (EPSG:27700, layer {command})."
    return f"Wrote {len(rows)} features to {args.out} (WGS84)."


def add_problems(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap problems`` to its parser."""
    parser.add_argument("--max-problems", type=int, default=10, help="how many to list")
    parser.add_argument("--min-crimes", type=int, default=10, help="fewest crimes per problem")
    parser.add_argument("--cell-size-m", type=float, default=150.0, help="Gi* cell size")
    _add_out_help(
        parser,
        "the patrol areas (polygons with rank, label, crime type, n_crimes) for "
        "'tasks add area --wkt'",
    )


def _problem_records(problems: gpd.GeoDataFrame) -> list[dict[str, object]]:
    """Return the problems as JSON records, each with its patrol area as WKT (EPSG:27700)."""
    import shapely

    records = [
        {str(k): v for k, v in rec.items()}
        for rec in problems.drop(columns="geometry").to_dict("records")
    ]
    for rec, area in zip(records, problems.geometry, strict=True):
        rec["patrol_area_wkt"] = shapely.to_wkt(area, rounding_precision=-1)
    return records


def run_problems(args: argparse.Namespace) -> int:
    """Run ``patchmap problems``; return the exit code."""
    from boundaries.select import select_points, select_wards
    from tasking.problems import TIME_OF_DAY_NOTE, flag_problems

    checked_out(args.out, _OUT_SUFFIXES, "the --json record or the patrol areas")
    loaded = load(args)
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
    timed = loaded.incidents is not None
    if loaded.incidents is not None:  # a force extract: each problem gets its patrol windows
        from tasking.windows import problem_patrol_windows

        problems = problem_patrol_windows(problems, loaded.incidents.events)
    records = _problem_records(problems)
    record: dict[str, object] = {"months": list(months), "problems": records}
    if not timed:
        record["note"] = TIME_OF_DAY_NOTE
    wrote = _write_out(args, record, problems, command="problems", loaded=loaded, months=months)
    if args.json:
        print_json(record)
        return 0
    _print_problems(records, min_crimes=args.min_crimes, timed=timed)
    if not timed:
        print(TIME_OF_DAY_NOTE)
    if wrote:
        print(wrote)
    return 0


def _print_problems(records: list[dict[str, object]], *, min_crimes: int, timed: bool) -> None:
    if not records:
        print(
            f"No problem found: none of the selection's crime types has a hot area holding "
            f"{min_crimes} crimes or more (--min-crimes)."
        )
    for rec in records:
        print(f"{rec['problem_id']:>4}  {rec['label']}")
        print(f"      {rec['explanation']}")
        print(f"      partners: {rec['agencies']}; busiest months: {rec['peak_months']}")
        if timed:
            print(f"      when: {rec['patrol_window_text']}")


# --- repeats ---------------------------------------------------------------------------------


def add_repeats(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap repeats`` to its parser."""
    parser.add_argument("--top-n", type=int, default=10, help="how many snap points to list")
    parser.add_argument(
        "--cell-size-m", type=float, default=100.0, help="cell size for the concentration shares"
    )
    _add_out_help(parser, "the repeat locations (points with rank, location, n_crimes)")


def _repeat_rows(top: pd.DataFrame) -> list[dict[str, object]]:
    """Return the ``repeats --json`` rows of the busiest snap points, with their BNG place."""
    return [
        {
            "rank": int(r["rank"]),
            "location": str(r["location"]),
            "ward": str(r["ward"]),
            "n_crimes": int(r["n_crimes"]),
            "share_of_crimes": float(r["share_of_crimes"]),
            "n_months": int(r["n_months"]),
            "top_crime_types": str(r["top_crime_types"]),
            "artefact": r["artefact"],
            "x_m": float(r["geometry"].x),
            "y_m": float(r["geometry"].y),
        }
        for r in top.to_dict("records")
    ]


def run_repeats(args: argparse.Namespace) -> int:
    """Run ``patchmap repeats``; return the exit code."""
    from boundaries.select import select_points, select_wards
    from hotspots.concentration import concentration, repeat_locations_flagged
    from spatial.grid import make_grid

    checked_out(args.out, _OUT_SUFFIXES, "the --json record or the repeat locations")
    loaded = load(args)
    points = select_points(loaded.area, loaded.selection)
    if points.empty:
        msg = "No crimes in the selection: widen the months, wards or crime types."
        raise ParameterError(msg)
    top = repeat_locations_flagged(points, top_n=args.top_n)
    grid = make_grid(select_wards(loaded.area, loaded.selection), cell_size_m=args.cell_size_m)
    conc = concentration(points, grid=grid)
    rows = _repeat_rows(top)
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
    months = loaded.selection.months or (loaded.area.months[0], loaded.area.months[-1])
    wrote = _write_out(args, record, top, command="repeats", loaded=loaded, months=months)
    if args.json:
        print_json(record)
        return 0
    print(f"{len(points):,} crimes; busiest snap points:")
    for row in rows:
        flag = f"  [check: {row['artefact']}]" if row["artefact"] else ""
        print(f"  {row['n_crimes']:>5}  {row['location']} ({row['ward']}){flag}")
    print(
        f"{conc.share_top_5pct:.0%} of crime in the busiest 5 % of {grid.cell_size_m:.0f} m cells; "
        f"generalised Gini {conc.gini_generalised:.2f} (random placement: {conc.gini_null:.2f})."
    )
    if wrote:
        print(wrote)
    return 0
