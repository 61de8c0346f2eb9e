"""``patchmap streets``: hot streets by network KDE, counts or Gi* per street segment or lixel."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from patchmap._defaults import (
    DEFAULT_LIXEL_M,
    DEFAULT_LIXEL_SNAP_M,
    DEFAULT_MAX_MINUTES,
    DEFAULT_NKDE_BANDWIDTH_M,
    DEFAULT_TOP_N_STREETS,
    STREET_METHODS,
)
from patchmap._options import positive_minutes

if TYPE_CHECKING:
    import argparse

    import geopandas as gpd

    from hotspots.streets import HotStreets
    from layers.audience import Audience
    from patchmap._data import Loaded
    from spatial.network import StreetNetwork

__all__ = ["add_streets", "run_streets"]

_OUT_SUFFIXES = (".gpkg", ".geojson", ".kml")


def add_streets(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap streets`` to its parser (long: declares every option)."""
    parser.add_argument(
        "--network",
        type=Path,
        metavar="FILE",
        help="street network: OSMnx .graphml, OSM XML .osm or .osm.pbf (the demo's with --demo)",
    )
    parser.add_argument(
        "--method",
        choices=STREET_METHODS,
        default=STREET_METHODS[0],
        help="network KDE: nkde-discontinuous (the kernel split equally among the streets "
        "leading on at each junction, so it integrates to the crimes bar dead ends), nkde-simple "
        "(by shortest-path distance, not mass-conserving), nkde-continuous (2/n of the kernel on "
        "along every street at a junction of n, with a backward correction: continuous at "
        "junctions and conserved, dead ends included); counts: crimes per 100 m; gistar: Gi* on "
        "counts (default: %(default)s)",
    )
    parser.add_argument(
        "--per",
        choices=("segment", "lixel"),
        default="segment",
        help="one line per street segment (junction to junction) or per lixel",
    )
    parser.add_argument(
        "--bandwidth-m",
        type=float,
        default=DEFAULT_NKDE_BANDWIDTH_M,
        help="NKDE bandwidth along the streets (default: %(default)g)",
    )
    parser.add_argument(
        "--lixel-m",
        type=float,
        default=DEFAULT_LIXEL_M,
        help="length of a street piece (default: %(default)g)",
    )
    parser.add_argument(
        "--max-snap-m",
        type=float,
        default=DEFAULT_LIXEL_SNAP_M,
        help="crimes further than this from every street are counted and left out "
        "(default: %(default)g)",
    )
    parser.add_argument("--kernel", choices=("quartic", "gaussian"), default="quartic")
    parser.add_argument(
        "--distance-m",
        type=float,
        metavar="M",
        help="Gi* neighbours within this network distance (default: sharing a junction)",
    )
    parser.add_argument(
        "--top", type=int, default=DEFAULT_TOP_N_STREETS, metavar="N", help="top segments listed"
    )
    walk = parser.add_argument_group("EVA walk along the hot streets (segments only)")
    walk.add_argument(
        "--walk-start",
        metavar="LON,LAT",
        help="plan a closed EVA loop from here (degrees, e.g. -1.2238,52.3251) that walks "
        "the --top hot segments end to end",
    )
    walk.add_argument(
        "--max-minutes",
        type=positive_minutes,
        default=DEFAULT_MAX_MINUTES,
        help="time budget of the walk",
    )
    walk.add_argument(
        "--walk-out",
        type=Path,
        metavar="FILE",
        help="write the walk: the loop and its streets (.gpkg or .kml)",
    )
    parser.add_argument(
        "--beats",
        action="store_true",
        help="group the Gi* hot segments (Hot 95 %% or more, with crimes) into patrol beats",
    )
    parser.add_argument(
        "--backtest",
        action="store_true",
        help="also backtest street forecasts beside grid cells (PAI on street length vs area)",
    )
    parser.add_argument(
        "--coverage-pct",
        default="1,5,10",
        metavar="LIST",
        help="with --backtest: shares of street length (and of area) to flag, e.g. 1,5,10",
    )
    parser.add_argument(
        "--audience",
        choices=("police", "partner"),
        default="police",
        help="who the --out file is for (partner: small counts suppressed, no rates; "
        "refused for a force extract, whose street pieces are finer than 100 m cells)",
    )


def _record(hot: HotStreets, top_n: int) -> dict[str, object]:
    top = hot.top(top_n)
    return {
        "method": hot.method,
        "per": hot.per,
        "n_points": hot.n_points,
        "n_snapped": hot.n_snapped,
        "n_too_far": hot.n_too_far,
        "total_street_km": round(hot.total_street_km, 3),
        "value": hot.value_column,
        "description": hot.description,
        "top": [
            {
                "name": str(name),
                "crimes": int(crimes),
                "length_m": round(float(length), 1),
                "per_100m": round(float(rate), 3),
                hot.value_column: round(float(value), 4),
            }
            for name, crimes, length, rate, value in zip(
                top["name"],
                top["n_crimes"],
                top["length_m"],
                top["per_100m"],
                top[hot.value_column],
                strict=True,
            )
        ],
    }


_WALK_FILE = "the street walk (the loop and its streets)"
"""What ``--walk-out`` writes, as its refusal of another file name says."""


def run_streets(args: argparse.Namespace) -> int:
    """Run ``patchmap streets``; return the exit code."""
    from boundaries.select import select_points
    from hotspots.streets import hot_streets
    from patchmap._data import load
    from patchmap._output import checked_out, print_json
    from spatial.errors import ParameterError
    from spatial.network import load_network

    checked_out(args.out, _OUT_SUFFIXES, "hot street lines")
    if args.walk_out is not None and args.walk_start is None:
        msg = "--walk-out writes the street walk: give --walk-start LON,LAT too."
        raise ParameterError(msg)
    checked_out(args.walk_out, (".gpkg", ".kml"), _WALK_FILE, option="--walk-out")
    loaded = load(args)
    if args.out is not None:
        _refuse_shared_extract(args.audience, loaded)
    if args.network is not None:
        network = load_network(args.network)
    elif loaded.area.network_path is not None:
        network = load_network(loaded.area.network_path)
    else:
        msg = "Give --network FILE (.graphml, .osm or .osm.pbf), or --demo for the demo town."
        raise ParameterError(msg)
    points = select_points(loaded.area, loaded.selection)
    hot = hot_streets(
        points,
        network=network,
        method=args.method,
        per=args.per,
        lixel_m=args.lixel_m,
        bandwidth_m=args.bandwidth_m,
        max_snap_m=args.max_snap_m,
        kernel=args.kernel,
        distance_m=args.distance_m,
    )
    if args.out is not None:
        _write_lines(args, hot, loaded, points)
    record = _record(hot, args.top)
    if args.walk_start is not None:
        record["walk"] = _walk(args, hot, network, loaded)
    if args.beats:
        record["beats"] = _beats(args, hot, network, points)
    if args.backtest:
        record["backtest"] = _backtest_rows(args, loaded, network, points)
    if args.json:
        print_json(record)
        return 0
    _print(record, hot, args)
    return 0


def _refuse_shared_extract(audience: Audience, loaded: Loaded) -> None:
    """Refuse street counts of a force extract for partners before anything is counted."""
    from layers.audience import get_preset
    from spatial.errors import ParameterError
    from tasking.products import withheld_layers

    withheld = withheld_layers(
        ["streets"],
        provenance=loaded.area.provenance,
        min_cell_m=get_preset(audience).min_cell_m,
    )
    if withheld:
        msg = f"--out with --audience {audience}: {withheld['streets']}"
        raise ParameterError(msg)


def _label(loaded: Loaded, audience: Audience) -> str:
    from layers.metadata import data_label

    area = loaded.area
    return data_label(
        area.label, provenance=area.provenance, files=area.crimes.files, audience=audience
    )


def _write_lines(
    args: argparse.Namespace, hot: HotStreets, loaded: Loaded, points: gpd.GeoDataFrame
) -> None:
    from boundaries.select import data_period, filter_texts, select_wards
    from layers.export import export_layers
    from layers.metadata import ExportMetadata, area_sources
    from layers.streets import street_export_layer

    wards = select_wards(loaded.area, loaded.selection)
    names = ", ".join(str(w) for w in wards["ward_name"])
    label = _label(loaded, args.audience)
    export_layers(
        [street_export_layer(hot, provenance=loaded.area.provenance)],
        args.out,
        metadata=ExportMetadata(
            title=f"patchmap hot streets: {label}",
            area=f"{label}: {names}",
            audience=args.audience,
            min_count=None,
            period=data_period(points, loaded.selection),
            filters=filter_texts(loaded.selection),
            methods={"streets": {"method": hot.description}},
            sources=area_sources(loaded.area, audience=args.audience, uses_osm=True),
        ),
        audience=args.audience,
    )


def _print(record: dict[str, object], hot: HotStreets, args: argparse.Namespace) -> None:
    from spatial.wording import count_text

    print(hot.description)
    print(f"{hot.total_street_km:,.1f} km of street; top {args.top} by {hot.value_column}:")
    for row in record["top"]:  # type: ignore[attr-defined]
        print(
            f"  {row['name']}: {count_text(row['crimes'])} on {row['length_m']:,.0f} m "
            f"({row['per_100m']:.2f} per 100 m), {hot.value_column} {row[hot.value_column]:g}"
        )
    if args.walk_start is not None:
        walked = record["walk"]
        print(
            f"EVA street walk: {walked['distance_m']:,.0f} m, {walked['total_time_min']:.0f} of "  # type: ignore[index]
            f"{args.max_minutes:g} min, {len(walked['streets'])} hot streets walked end to end"  # type: ignore[index]
        )
    if args.beats:
        for beat in record["beats"]:  # type: ignore[attr-defined]
            print(
                f"  beat {beat['beat_id']}: {count_text(beat['n_crimes'])} on "
                f"{beat['length_m']:,.0f} m of street ({beat['streets']})"
            )
    if args.backtest:
        print("backtest (PAI: cells on area, streets on street length):")
        for row in record["backtest"]:  # type: ignore[attr-defined]
            print(
                f"  {row['coverage_pct']:>4g}%  {row['unit']:<7} {row['method']:<16} "
                f"PAI {row['pai_mean']:.2f}  hit rate {100 * row['hit_rate_mean']:.0f} %"
            )
    if args.out is not None:
        print(f"wrote {args.out}")


def _walk(
    args: argparse.Namespace, hot: HotStreets, network: StreetNetwork, loaded: Loaded
) -> dict[str, object]:
    from layers.export import export_layers
    from layers.metadata import ExportMetadata, area_sources
    from layers.routes import point_from_lonlat
    from layers.streets import street_walk_layers
    from spatial.errors import ParameterError
    from spatial.street_walks import plan_street_walk

    if hot.per != "segment":
        msg = "--walk-start walks street segments: use --per segment (the default)."
        raise ParameterError(msg)
    try:
        lon, lat = (float(v) for v in str(args.walk_start).split(","))
    except ValueError:
        msg = "--walk-start: expected LON,LAT in degrees, e.g. 0.1192,52.2048; "
        msg += f"got {args.walk_start}."
        raise ParameterError(msg) from None
    walk = plan_street_walk(
        network, hot.top(args.top), start=point_from_lonlat(lon, lat), max_minutes=args.max_minutes
    )
    if args.walk_out is not None:
        export_layers(
            list(street_walk_layers(walk)),
            args.walk_out,
            metadata=ExportMetadata(
                title=f"patchmap EVA street walk: {_label(loaded, args.audience)}",
                area=_label(loaded, args.audience),
                audience=args.audience,
                min_count=None,
                period=None,
                sources=area_sources(loaded.area, audience=args.audience, uses_osm=True),
            ),
            audience=args.audience,
        )
    return {
        "distance_m": round(walk.distance_m, 1),
        "total_time_min": round(walk.total_time_min, 1),
        "streets": [
            {"name": str(n), "from_node": int(a), "to_node": int(b), "length_m": round(float(m), 1)}
            for n, a, b, m in zip(
                walk.segments["name"],
                walk.segments["from_node"],
                walk.segments["to_node"],
                walk.segments["length_m"],
                strict=True,
            )
        ],
        "left_out": len(walk.left_out),
    }


def _beats(
    args: argparse.Namespace, hot: HotStreets, network: StreetNetwork, points: gpd.GeoDataFrame
) -> list[dict[str, object]]:
    from hotspots.streets import hot_streets
    from tasking.street_beats import gistar_beats

    gi = hot
    if hot.method != "gistar" or hot.per != "segment":
        gi = hot_streets(
            points,
            network=network,
            method="gistar",
            lixel_m=args.lixel_m,
            max_snap_m=args.max_snap_m,
            distance_m=args.distance_m,
        )
    beats = gistar_beats(gi.lines, network=network)
    return [
        {
            "beat_id": int(b),
            "n_segments": int(s),
            "n_crimes": int(c),
            "length_m": round(float(m), 1),
            "streets": str(n),
        }
        for b, s, c, m, n in zip(
            beats["beat_id"],
            beats["n_segments"],
            beats["n_crimes"],
            beats["length_m"],
            beats["streets"],
            strict=True,
        )
    ]


def _backtest_rows(
    args: argparse.Namespace, loaded: Loaded, network: StreetNetwork, points: gpd.GeoDataFrame
) -> list[dict[str, object]]:
    from hotspots.backtest import backtest, summary_table
    from hotspots.cube import cube_for_selection
    from hotspots.methods import DEFAULT_METHODS
    from hotspots.street_backtest import street_backtest, streets_beside_cells
    from spatial.errors import ParameterError

    try:
        coverages = [float(c) for c in str(args.coverage_pct).split(",") if c.strip()]
    except ValueError:
        msg = f"--coverage-pct: expected per cents separated by commas; got {args.coverage_pct!r}."
        raise ParameterError(msg) from None
    cube = cube_for_selection(loaded.area, loaded.selection)
    cells = backtest(
        cube,
        methods=[DEFAULT_METHODS["counts-all"], DEFAULT_METHODS["kde"]],
        coverages_pct=coverages,
    )
    streets = street_backtest(
        points,
        network=network,
        coverages_pct=coverages,
        lixel_m=args.lixel_m,
        bandwidth_m=args.bandwidth_m,
        max_snap_m=args.max_snap_m,
    )
    table = streets_beside_cells(streets, summary_table(cells))
    return [
        {str(k): (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
        for row in table.to_dict(orient="records")
    ]
