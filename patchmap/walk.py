"""``patchmap route`` and ``catchment``: EVA walkabouts and co-location sites."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from patchmap._data import Loaded, load
from patchmap._defaults import (
    DEFAULT_CATCHMENT_MINUTES,
    DEFAULT_MAX_MINUTES,
    DEFAULT_STOP_MINUTES,
    DEFAULT_TOP_N,
    DEFAULT_WALK_KMH,
)
from patchmap._options import positive_minutes
from patchmap._output import print_json, walk_record
from spatial.errors import ParameterError

if TYPE_CHECKING:
    from collections.abc import Hashable, Mapping, Sequence

    from boundaries.dataset import StudyArea
    from spatial.network import StreetNetwork
    from spatial.routes import EvaRoute
    from tasking.eva import RouteStart


__all__ = ["add_catchment", "add_route", "run_catchment", "run_route"]


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
        "--walk-kmh",
        type=float,
        default=DEFAULT_WALK_KMH,
        help="walking speed (default 4.8)",
    )


def add_route(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap route`` to its parser."""
    _network_options(parser)
    parser.add_argument(
        "--start",
        type=_lonlat_arg,
        metavar="LON,LAT",
        help="start and finish of the loop in degrees, e.g. -1.2238,52.3251 (default with data: "
        "the first co-location site in the selected wards)",
    )
    parser.add_argument(
        "--stops",
        type=Path,
        metavar="FILE",
        help="GeoJSON points with an optional weight (default with data: the Gi* hotspots "
        "of the selected wards)",
    )
    parser.add_argument(
        "--max-minutes",
        type=positive_minutes,
        default=DEFAULT_MAX_MINUTES,
        help="time budget (default 60)",
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
        "--top-n",
        type=int,
        default=DEFAULT_TOP_N,
        help="hotspot stops when --stops is not given",
    )
    parser.add_argument(
        "--sheet",
        type=Path,
        metavar="FILE",
        help="also write the printable route sheet (.html, or .pdf with Chromium)",
    )


def _network_for(args: argparse.Namespace, area: StudyArea | None) -> StreetNetwork:
    from spatial.network import load_network

    if args.network is not None:
        return load_network(args.network)
    if area is not None and area.network_path is not None:
        return load_network(area.network_path)
    msg = "Give --network FILE (.graphml, .osm or .osm.pbf), or --demo for the demo town."
    raise ParameterError(msg)


def _route_start(args: argparse.Namespace, loaded: Loaded | None) -> RouteStart:
    from boundaries.select import select_wards
    from layers.routes import point_from_lonlat
    from tasking.eva import RouteStart, route_start

    if args.start is not None:
        lon, lat = args.start
        return RouteStart(point_from_lonlat(lon, lat), f"{lon:.5f},{lat:.5f}")
    if loaded is not None:  # the start every front end chooses (tasking.eva)
        return route_start(select_wards(loaded.area, loaded.selection), loaded.area.sites)
    msg = "Give --start LON,LAT (e.g. 0.1192,52.2048), or --demo to start from a demo site."
    raise ParameterError(msg)


def _write_route(route: EvaRoute, path: Path) -> None:
    from layers.routes import route_to_geojson, route_to_gpx, route_to_kml

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
    from layers.pdf import html_to_pdf
    from layers.routes import route_sheet_html

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
        "eva_route": walk_record(route),
    }


def run_route(args: argparse.Namespace) -> int:
    """Run ``patchmap route``; return the exit code."""
    from boundaries.select import select_points, select_wards
    from spatial.routes import plan_eva_route, read_stops
    from tasking.eva import hotspot_stops

    loaded = load(args) if args.demo or args.crimes or args.store else None
    network = _network_for(args, loaded.area if loaded else None)
    start = _route_start(args, loaded)
    if args.stops is not None:
        stops = read_stops(args.stops)
    elif loaded is not None:  # the stops every front end chooses (tasking.eva)
        stops = hotspot_stops(
            select_points(loaded.area, loaded.selection),
            select_wards(loaded.area, loaded.selection),
            top_n=args.top_n,
        )
    else:
        msg = "Give --stops FILE (GeoJSON points with an optional weight), or --demo."
        raise ParameterError(msg)
    route = plan_eva_route(
        network,
        stops,
        start=start.point,
        start_label=start.label,
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
        print_json(_route_record(route))
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


def add_catchment(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap catchment`` to its parser."""
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


def _print_catchments(
    records: Sequence[Mapping[Hashable, Any]], notes: Sequence[str], *, max_snap_m: float
) -> None:
    """Print one line per site and time, then how crimes were counted and the network's notes."""
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
    if records and "n_off_network" in records[0]:
        print(
            "note: crime and ASB are counted in a catchment when the street point nearest to them "
            f"is reached on foot in the time; {records[0]['n_off_network']:,} lie further than "
            f"{max_snap_m:g} m from every street and are in none."
        )
    for note in notes:
        print(f"note: {note}")


def run_catchment(args: argparse.Namespace) -> int:
    """Run ``patchmap catchment``; return the exit code."""
    from boundaries.select import select_points
    from layers.routes import write_catchments
    from spatial.catchments import catchment_coverage, walking_catchments
    from spatial.network import DEFAULT_MAX_SNAP_M
    from spatial.sites import read_sites, validate_sites

    loaded = load(args) if args.demo or args.crimes or args.store else None
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
        catchments = catchment_coverage(
            catchments, select_points(loaded.area, loaded.selection), network=network
        )
    if args.out:
        write_catchments(catchments, args.out)
    records = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
        for rec in catchments.drop(columns="geometry").to_dict("records")
    ]
    if args.json:
        print_json({"catchments": records, "notes": list(network.notes)})
        return 0
    _print_catchments(records, network.notes, max_snap_m=DEFAULT_MAX_SNAP_M)
    return 0
