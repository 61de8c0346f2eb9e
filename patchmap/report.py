"""``patchmap export`` and ``brief``: layers and briefing packs for an audience."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from patchmap._data import Loaded, load, near_repeat_network
from patchmap._defaults import AUDIENCES, DEFAULT_EXPORT_LAYERS, EXPORT_FORMATS, LAYER_KINDS
from patchmap._options import iso_date
from patchmap._output import print_json, walk_record
from spatial.errors import ParameterError

if TYPE_CHECKING:
    import argparse

    from boundaries.dataset import StudyArea
    from hotspots.knox import KnoxResult
    from hotspots.near_repeat import NearRepeatAlerts
    from layers.audience import AudiencePreset
    from layers.briefing import BriefingPack
    from spatial.network import StreetNetwork
    from tasking.pack import BriefingContent


__all__ = ["add_brief", "add_export", "run_brief", "run_export"]

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
        help="suppress counts below N (default 5 for partner; 10 for public, the least allowed; "
        "refused for police, whose files blank no count)",
    )
    parser.add_argument(
        "--network",
        type=Path,
        metavar="FILE",
        help="street network .graphml for routes and the map's streets (the demo's with --demo)",
    )
    parser.add_argument(
        "--sites",
        type=Path,
        metavar="FILE",
        help="co-location sites: CSV (name, kind, lon, lat) or GeoJSON (the demo's with --demo)",
    )


def _with_network_and_sites(loaded: Loaded, network: Path | None, sites: Path | None) -> StudyArea:
    """Return the loaded area with the street network and co-location sites given, if any."""
    area = loaded.area
    if network is not None:
        area = dataclasses.replace(area, network_path=network)
    if sites is not None:
        from spatial.sites import read_sites

        area = dataclasses.replace(area, sites=read_sites(sites))
    return area


def add_export(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap export`` to its parser."""
    _audience_options(parser)
    parser.add_argument(
        "--layers",
        type=_comma_list,
        metavar="LIST",
        help=f"comma-separated, from {','.join(LAYER_KINDS)} (default "
        f"{','.join(DEFAULT_EXPORT_LAYERS)}; for partners and the public a force extract's density "
        "is left out, and asking for its density or streets is refused)",
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
        "--cell-size-m",
        type=float,
        help="Gi* cell size in metres (automatic; raised to 100 for partner, 250 for public)",
    )


def _asked_layers(asked: tuple[str, ...] | None, preset: AudiencePreset) -> tuple[str, ...]:
    """Return the layers of ``--layers`` (the default set when None), checked before loading."""
    layers = DEFAULT_EXPORT_LAYERS if asked is None else asked
    unknown = [k for k in layers if k not in LAYER_KINDS]
    if unknown:
        msg = f"Unknown layer(s) {', '.join(unknown)}. Choose from: {', '.join(LAYER_KINDS)}."
        raise ParameterError(msg)
    refused = [k for k in layers if k not in preset.allowed_layers]
    if refused:  # before reading anything: the first thing to fix (a network can wait)
        msg = (
            f"The {preset.audience} preset does not allow the {', '.join(refused)} layer(s). "
            f"Allowed: {', '.join(preset.allowed_layers)}."
        )
        raise ParameterError(msg)
    return layers


def run_export(args: argparse.Namespace) -> int:
    """Run ``patchmap export``; return the exit code."""
    from layers.audience import get_preset
    from layers.export import analysis_layers, export_layers
    from tasking.products import export_analyses, sites_left_out, withheld_layers

    if args.out is None:
        msg = "Give --out FOLDER (several formats) or --out FILE (.gpkg, .geojson, .csv, .kml, "
        msg += ".gpx, .zip, .tif)."
        raise ParameterError(msg)
    preset = get_preset(args.audience, min_count=args.min_count)  # refused before loading
    layers = _asked_layers(args.layers, preset)
    loaded = load(args)
    area = _with_network_and_sites(loaded, args.network, args.sites)
    if args.layers is None:  # the default set: leave out what this audience may not have
        withheld = withheld_layers(layers, provenance=area.provenance, min_cell_m=preset.min_cell_m)
        for kind, why in withheld.items():
            print(f"patchmap: {why} The {kind} layer is left out.", file=sys.stderr)
        layers = tuple(k for k in layers if k not in withheld)
    analyses = export_analyses(  # refuses a layer asked for that the audience may not have
        area,
        loaded.selection,
        layers=layers,
        cell_size_m=args.cell_size_m,
        min_cell_m=preset.min_cell_m or None,
    )
    built = analysis_layers(analyses, audience=args.audience)
    if (no_sites := sites_left_out(layers, sites=area.sites)) is not None:
        print(f"patchmap: {no_sites}", file=sys.stderr)
    result = export_layers(
        built.layers,
        args.out,
        metadata=built.metadata,
        audience=args.audience,
        min_count=args.min_count,
        density=built.density,
        wards=analyses.selected_wards,
        formats=args.formats,
        geometry_format=args.csv_geometry,
    )
    record: dict[str, object] = {
        "files": [str(p) for p in result.paths],
        "metadata": result.metadata.to_dict(),
    }
    if analyses.route is not None:  # as the files give it: stops at the audience's cells
        record["eva_route"] = walk_record(analyses.route, cell_m=preset.min_cell_m)
    if args.json:
        print_json(record)
        return 0
    print(f"{result.metadata.title} for {result.metadata.audience}:")
    for path in result.paths:
        print(f"  {path}")
    return 0


def add_brief(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap brief`` to its parser."""
    _audience_options(parser)
    parser.add_argument(
        "--meeting", type=iso_date, required=True, metavar="YYYY-MM-DD", help="the meeting date"
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


def _pack_near_repeat(
    args: argparse.Namespace, loaded: Loaded, area: StudyArea
) -> tuple[tuple[KnoxResult, NearRepeatAlerts | None] | None, StreetNetwork | None]:
    """
    Return the pack's near-repeat content when the crimes have dates (a force extract).

    The zones name their streets from ``--network``, or the demo town's with ``--demo``
    (:func:`patchmap._data.near_repeat_network`), as ``alerts`` names them; that network comes
    back too, to name the streets of partners' zones.
    """
    if loaded.incidents is None:
        return None, None
    from tasking.pack import extract_near_repeat

    events = loaded.incidents.events
    network = near_repeat_network(args, events)
    content = extract_near_repeat(
        events, area, loaded.selection, meeting=args.meeting, network=network
    )
    return content, network


def _brief_record(pack: BriefingPack, content: BriefingContent, path: Path) -> dict[str, object]:
    """
    Return ``brief --json``'s record of a pack.

    The police's holds the full profile; a shared pack's, the figures the pack prints (counts
    below the threshold as ``<N``).
    """
    record: dict[str, object] = {
        "file": str(path),
        "title": pack.title,
        "audience": pack.audience,
        "min_count": pack.min_count,
        "sections": list(pack.sections),
        "profile": {**pack.profile.to_dict(), "top_locations": list(pack.top_locations)},
        "changes": [dataclasses.asdict(c) for c in content.changes],
    }
    if pack.min_count is not None:  # a shared pack: the record holds what the pack prints
        full = pack.profile.to_dict()
        scope = {k: full[k] for k in ("area", "wards", "months", "crime_types", "rank_basis")}
        figures = {k: v for k, v in pack.figures.items() if k != "changes"}
        shared = list(pack.top_locations)
        record["profile"] = {**scope, **figures, "top_locations": shared}
        record["changes"] = pack.figures["changes"]
    if content.route is not None:  # as the pack shows it: stops at the audience's cells
        from layers.audience import get_preset

        cell_m = 0.0 if pack.min_count is None else get_preset(pack.audience).min_cell_m
        record["eva_route"] = walk_record(content.route, cell_m=cell_m)
    return record


def run_brief(args: argparse.Namespace) -> int:
    """Run ``patchmap brief``; return the exit code."""
    from sqlalchemy.orm import Session

    from boundaries.select import select_wards
    from layers.audience import get_preset
    from layers.briefing import render_briefing, write_briefing
    from tasking.pack import briefing_content, read_tasking
    from tasking.store import connect

    if args.out is None or args.out.suffix.lower() not in {".html", ".htm", ".pdf"}:
        msg = "Give --out pack.pdf or --out pack.html."
        raise ParameterError(msg)
    get_preset(args.audience, min_count=args.min_count)  # a threshold refused before loading
    loaded = load(args)
    selection = loaded.selection
    places = (selection.wards or ()) + (selection.neighbourhoods or ())
    if len(places) != 1:
        msg = "A pack covers one place: give one --ward NAME or one --neighbourhood NAME."
        raise ParameterError(msg)
    area = _with_network_and_sites(loaded, args.network, args.sites)
    ward = selection.wards[0] if selection.wards else None
    tasking = None
    if args.db:
        engine = connect(args.db)
        try:
            with Session(engine) as session:
                wards = select_wards(area, selection)["ward_name"].astype(str).tolist()
                tasking = read_tasking(
                    session,
                    area,
                    wards=wards,
                    meeting=args.meeting,
                    crime_types=selection.crime_types,
                )
        finally:
            engine.dispose()
    near_repeat, network = _pack_near_repeat(args, loaded, area)
    content = briefing_content(
        area,
        meeting=args.meeting,
        ward=ward,
        neighbourhood=None if ward else places[0],
        months=selection.months,
        crime_types=selection.crime_types,
        tasking=tasking,
        eva_route=args.eva_route,
        hot_cell_size_m=get_preset(args.audience).min_cell_m or None,
        near_repeat=near_repeat,
        near_repeat_network=network,
    )
    pack = render_briefing(content, area, audience=args.audience, min_count=args.min_count)
    path = write_briefing(pack, args.out)
    record = _brief_record(pack, content, path)
    if args.json:
        print_json(record)
        return 0
    print(f"{pack.title} ({pack.audience}): {path}")
    print(f"  sections: {', '.join(pack.sections)}")
    return 0
