"""``patchmap backtest`` and ``forecast``: where to patrol next month."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

from patchmap._data import load
from patchmap._defaults import (
    DEFAULT_BACKTEST_METHOD_NAMES,
    DEFAULT_CELL_SIZE_M,
    DEFAULT_COVERAGE_PCT,
    DEFAULT_COVERAGES_PCT,
    DEFAULT_LIXEL_M,
    DEFAULT_LIXEL_SNAP_M,
    DEFAULT_MIN_TRAIN_MONTHS,
    DEFAULT_NKDE_BANDWIDTH_M,
    METHOD_NAMES,
)
from patchmap._output import checked_json_out, print_json
from spatial.errors import ParameterError

if TYPE_CHECKING:
    import argparse

    from boundaries.dataset import StudyArea
    from hotspots.backtest import Backtest
    from hotspots.forecast import Forecast
    from hotspots.street_backtest import StreetBacktest
    from patchmap._data import Loaded


__all__ = ["add_backtest", "add_forecast", "run_backtest", "run_forecast"]


def _pct_list(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError as err:
        msg = f"--coverage-pct {text!r} is not a list of numbers (for example 1,5,10)."
        raise ParameterError(msg) from err
    return values


def _forecast_grid_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cell-size-m",
        type=float,
        default=DEFAULT_CELL_SIZE_M,
        help="grid cell size in metres",
    )
    parser.add_argument("--grid", choices=("square", "hex"), default="square", help="cell shape")
    parser.add_argument(
        "--min-train-months",
        type=int,
        default=DEFAULT_MIN_TRAIN_MONTHS,
        help="months of history before the first month forecast",
    )


def add_backtest(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap backtest`` to its parser."""
    parser.add_argument(
        "--methods",
        default=",".join(DEFAULT_BACKTEST_METHOD_NAMES),
        help=f"comma-separated, from: {', '.join(METHOD_NAMES)} (default: %(default)s)",
    )
    parser.add_argument(
        "--coverage-pct",
        type=_pct_list,
        default=DEFAULT_COVERAGES_PCT,
        help="shares of the cells to flag, in per cent (default: "
        f"{','.join(f'{pct:g}' for pct in DEFAULT_COVERAGES_PCT)})",
    )
    _forecast_grid_options(parser)
    _horizon_options(parser)
    parser.add_argument(
        "--step-days",
        type=int,
        default=7,
        help="with --horizon-days: days between origins (default: %(default)s)",
    )
    _street_options(parser)


def _street_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of the street forecasts beside the cells."""
    streets = parser.add_argument_group(
        "street forecasts beside the cells (PAI on street length instead of area)"
    )
    streets.add_argument(
        "--streets",
        action="store_true",
        help="also backtest the street methods (network KDE, crimes per metre) on the street "
        "network: --network FILE, or the demo town's with --demo",
    )
    streets.add_argument(
        "--network",
        type=Path,
        metavar="FILE",
        help="street network (.graphml, .osm or .osm.pbf); implies --streets",
    )
    streets.add_argument(
        "--lixel-m",
        type=float,
        default=DEFAULT_LIXEL_M,
        help="length of a street piece (default: %(default)g)",
    )
    streets.add_argument(
        "--bandwidth-m",
        type=float,
        default=DEFAULT_NKDE_BANDWIDTH_M,
        help="network KDE bandwidth along the streets (default: %(default)g)",
    )
    streets.add_argument(
        "--max-snap-m",
        type=float,
        default=DEFAULT_LIXEL_SNAP_M,
        help="crimes further than this from every street are counted and left out "
        "(default: %(default)g)",
    )


def _horizon_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--horizon-days",
        type=int,
        metavar="N",
        help="forecast N days ahead from timed crimes (--incidents or --demo), e.g. 7",
    )
    parser.add_argument(
        "--min-train-days",
        type=int,
        help="with --horizon-days: days of history before the first origin (default 182)",
    )


def _street_backtest(args: argparse.Namespace, loaded: Loaded) -> StreetBacktest:
    """Backtest the street methods at the grid's coverages and training months."""
    from boundaries.select import select_points
    from hotspots.street_backtest import street_backtest
    from spatial.network import load_network

    path = args.network if args.network is not None else loaded.area.network_path
    if path is None:
        msg = (
            "--streets needs a street network: give --network FILE (.graphml, .osm or .osm.pbf), "
            "or use --demo for the demo town's."
        )
        raise ParameterError(msg)
    return street_backtest(
        select_points(loaded.area, loaded.selection),
        network=load_network(path),
        coverages_pct=args.coverage_pct,
        min_train_months=args.min_train_months,
        lixel_m=args.lixel_m,
        bandwidth_m=args.bandwidth_m,
        max_snap_m=args.max_snap_m,
    )


def _print_backtest(result: Backtest, streets: StreetBacktest | None) -> None:
    """Print the cells' table, then the streets' rows under the same headings."""
    print(
        f"{result.n_cells:,} cells of {result.cell_size_m:g} m; origins {', '.join(result.origins)}"
    )
    print(
        f"{'method':<16} {'cover':>6} {'flagged':>16} {'PAI':>7} {'sd':>6} {'PEI':>6} "
        f"{'hit rate':>9}"
    )
    for row in result.results:
        pai = "-" if row.pai_mean is None else f"{row.pai_mean:.2f}"
        sd = "-" if row.pai_sd is None else f"{row.pai_sd:.2f}"
        pei = "-" if row.pei_mean is None else f"{row.pei_mean:.2f}"
        hit = "-" if row.hit_rate_mean is None else f"{100 * row.hit_rate_mean:.0f} %"
        flagged = f"{row.n_flagged:,} ({row.flagged_pct:.2g}%)"
        print(
            f"{row.method.name:<16} {row.coverage_pct:>5g}% {flagged:>16} {pai:>7} {sd:>6} "
            f"{pei:>6} {hit:>9}"
        )
    if streets is None:
        return
    for item in streets.to_dict()["results"]:  # type: ignore[attr-defined]
        pai = "-" if item["pai_mean"] is None else f"{item['pai_mean']:.2f}"
        sd = "-" if item["pai_sd"] is None else f"{item['pai_sd']:.2f}"
        hit = "-" if item["hit_rate_mean"] is None else f"{100 * item['hit_rate_mean']:.0f} %"
        print(
            f"{item['method']:<16} {item['coverage_pct']:>5g}% {'-':>16} {pai:>7} {sd:>6} "
            f"{'-':>6} {hit:>9}"
        )
    print(
        f"streets: PAI on street length ({streets.total_street_km:,.1f} km, "
        f"{streets.lixel_m:g} m pieces); cells: PAI on area. "
        f"{streets.n_too_far:,} crimes further than the snapping distance from a street left out."
    )


def run_backtest(args: argparse.Namespace) -> int:
    """Run ``patchmap backtest``; return the exit code."""
    checked_json_out(args.out)
    if args.horizon_days is not None:
        from patchmap.near_repeat import run_backtest_days

        if args.streets or args.network is not None:
            msg = "--streets backtests month by month: leave out --horizon-days."
            raise ParameterError(msg)

        return run_backtest_days(args)
    if args.min_train_days is not None:  # an option of the backtest by days alone
        msg = "--min-train-days: read only with --horizon-days N (a backtest by days)."
        raise ParameterError(msg)
    from hotspots.backtest import area_label, backtest, crime_label, describe_backtest
    from hotspots.cube import cube_for_selection
    from hotspots.methods import parse_method

    loaded = load(args)
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
    streets = _street_backtest(args, loaded) if args.streets or args.network else None
    record = result.to_dict()
    if streets is not None:
        record["streets"] = streets.to_dict()
    if args.out:
        args.out.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        print_json(record)
        return 0
    _print_backtest(result, streets)
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


def add_forecast(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap forecast`` to its parser."""
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
    _horizon_options(parser)
    parser.add_argument(
        "--start", metavar="YYYY-MM-DD", help="with --horizon-days: first day (default: after data)"
    )


def _write_forecast(forecast: Forecast, area: StudyArea, path: Path) -> None:
    from layers.metadata import ExportMetadata, area_sources
    from layers.writers import write_geojson, write_gpkg

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
        sources=area_sources(area, audience="police"),
        created_utc=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    if suffix == ".gpkg":
        write_gpkg({"forecast": cells}, path, metadata=metadata)
    else:
        write_geojson(cells, path, metadata=metadata)


def run_forecast(args: argparse.Namespace) -> int:
    """Run ``patchmap forecast``; return the exit code."""
    if args.horizon_days is not None:
        from patchmap.near_repeat import run_forecast_days

        if args.month is not None:  # the days forecast starts on --start: never a month ignored
            msg = "--month chooses a month to patrol; with --horizon-days give --start YYYY-MM-DD."
            raise ParameterError(msg)
        return run_forecast_days(args)
    by_days = (("--start", args.start), ("--min-train-days", args.min_train_days))
    given = [option for option, value in by_days if value is not None]
    if given:  # options of the days forecast alone
        msg = f"{' and '.join(given)}: read only with --horizon-days N (a forecast by days)."
        raise ParameterError(msg)
    from hotspots.cube import cube_for_selection
    from hotspots.forecast import forecast_cells
    from hotspots.methods import parse_method

    loaded = load(args)
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
        print_json(record)
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
