"""
EVA route exports: GPX (phone apps), KML, GeoJSON, a printable route sheet, and catchment files.

Every export carries the EVA checklist with each stop, so the walker can record what they saw.
Coordinates leave British National Grid only here, as the last step (GPX, KML and GeoJSON are
longitude/latitude by definition). Only the fields named in :data:`ROUTE_STOP_FIELDS` and
:data:`CATCHMENT_FIELDS` are written; all text bound for HTML or XML is escaped.
"""

from __future__ import annotations

import html
import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import folium
import geopandas as gpd
import gpxpy
import gpxpy.gpx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely import Point

from layers._kml_balloon import BALLOON_STYLE_ID, balloon, balloon_style, html_text
from layers.basemap import APP_STATIC_URL, LegendEntry, Tiles, base_map, legend
from layers.map import site_layer, street_layer, ward_layer
from layers.styles import SITE_COLOUR, STREET_COLOUR, WARD_COLOUR
from spatial.crs import BNG, WGS84, require_bng
from spatial.errors import (
    EmptyInputError,
    InputDataError,
    OutsideGreatBritainError,
    ParameterError,
)
from spatial.routes import stop_labels
from spatial.validate import in_gb_lonlat

if TYPE_CHECKING:
    import numpy.typing as npt

    from spatial.network import StreetNetwork
    from spatial.routes import EvaRoute

__all__ = [
    "CATCHMENT_COLOURS",
    "CATCHMENT_FIELDS",
    "OSM_ATTRIBUTION",
    "ROUTE_STOP_FIELDS",
    "STOP_TABLE_COLUMNS",
    "catchment_layer",
    "eva_map",
    "point_from_lonlat",
    "route_layer",
    "route_map_svg",
    "route_sheet_html",
    "route_to_geojson",
    "route_to_gpx",
    "route_to_kml",
    "stop_table",
    "stops_from_table",
    "write_catchments",
]

ROUTE_STOP_FIELDS: Final = ("order", "label", "weight", "arrival_min")
"""The stop fields written to GPX, KML and GeoJSON (plus the checklist)."""
CATCHMENT_FIELDS: Final = (
    "site_name",
    "minutes",
    "reach_m",
    "area_km2",
    "n_crimes",
    "n_asb",
    "share_crime",
    "share_asb",
)
"""The catchment fields written by :func:`write_catchments` (those present)."""
OSM_ATTRIBUTION: Final = "Streets © OpenStreetMap contributors (ODbL)"
"""Credit for OpenStreetMap street data on route sheets."""
STOP_TABLE_COLUMNS: Final = ("include", "label", "weight", "lon", "lat")
"""Columns of the editable stop table (:func:`stop_table`)."""
_TO_WGS84: Final = Transformer.from_crs(BNG, WGS84, always_xy=True)
_TO_BNG: Final = Transformer.from_crs(WGS84, BNG, always_xy=True)
_KML_NS: Final = "http://www.opengis.net/kml/2.2"
_SVG_MARGIN_PX: Final = 24.0
_ROUTE_COLOUR: Final = "#00796b"
_LEFT_OUT_COLOUR: Final = "#9e9e9e"
_STREET_COLOUR: Final = "#d0d0d0"
CATCHMENT_COLOURS: Final = ("#08519c", "#3182bd", "#6baed6", "#bdd7e7")
"""Fill colours of catchment bands, shortest walk first."""


def point_from_lonlat(lon: float, lat: float) -> Point:
    """
    Convert a longitude/latitude (a map click, a CLI ``--start``) to a British National Grid point.

    Parameters
    ----------
    lon, lat
        Degrees (WGS84).

    Returns
    -------
    shapely.Point
        Easting and northing in metres.

    Raises
    ------
    OutsideGreatBritainError
        When the point is not in Great Britain (often swapped longitude and latitude).

    Examples
    --------
    >>> p = point_from_lonlat(0.119212, 52.204835)
    >>> round(p.x), round(p.y)
    (544913, 258406)
    """
    if not in_gb_lonlat(np.array([lon]), np.array([lat]))[0]:
        msg = (
            f"({lon}, {lat}) is not in Great Britain. Give longitude first, then latitude "
            "(e.g. 0.1192,52.2048 for Cambridge)."
        )
        raise OutsideGreatBritainError(msg)
    x, y = _TO_BNG.transform(lon, lat)
    return Point(float(x), float(y))


def _lonlat(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    lon, lat = _TO_WGS84.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


@dataclass(frozen=True)
class _StopRow:
    order: int
    label: str
    weight: float
    arrival_min: float
    lon: float
    lat: float

    def fields(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in ROUTE_STOP_FIELDS}


def _stop_rows(route: EvaRoute) -> list[_StopRow]:
    xy = shapely.get_coordinates(np.asarray(route.stops.geometry, dtype=object))
    lonlat = _lonlat(xy) if len(xy) else np.empty((0, 2))
    return [
        _StopRow(
            order=int(order),
            label=str(label),
            weight=float(weight),
            arrival_min=round(float(arrival), 1),
            lon=float(lon),
            lat=float(lat),
        )
        for order, label, weight, arrival, (lon, lat) in zip(
            route.stops["order"],
            route.stops["label"],
            route.stops["weight"],
            route.stops["arrival_min"],
            lonlat,
            strict=True,
        )
    ]


def _start_lonlat(route: EvaRoute) -> tuple[float, float]:
    lon, lat = _TO_WGS84.transform(route.start.x, route.start.y)
    return float(lon), float(lat)


def _checklist_text(route: EvaRoute) -> str:
    return "EVA checklist: " + "; ".join(f"[ ] {item}" for item in route.checklist)


def route_to_gpx(route: EvaRoute, *, name: str = "EVA walkabout") -> str:
    """
    Write a route as GPX 1.1: one track (the loop) and a waypoint per stop, start first.

    Each stop waypoint's description gives its arrival minute and the EVA checklist, so phone
    apps (OsmAnd, Organic Maps, Google My Maps) show what to check when the walker arrives.

    Parameters
    ----------
    route
        A planned route.
    name
        The track's name.

    Returns
    -------
    str
        The GPX document (WGS84).
    """
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "patchmap"
    gpx.name = name
    gpx.description = (
        f"{route.distance_m:,.0f} m, {route.walk_time_min:.0f} min walking + "
        f"{route.stop_time_min:g} min at stops; from {route.start_label}"
    )
    lon, lat = _start_lonlat(route)
    gpx.waypoints.append(
        gpxpy.gpx.GPXWaypoint(latitude=lat, longitude=lon, name=f"Start: {route.start_label}")
    )
    checklist = _checklist_text(route)
    for row in _stop_rows(route):
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                latitude=row.lat,
                longitude=row.lon,
                name=f"Stop {row.order}: {row.label}",
                description=f"Arrive about minute {row.arrival_min:.0f}. {checklist}",
            )
        )
    track = gpxpy.gpx.GPXTrack(name=name)
    segment = gpxpy.gpx.GPXTrackSegment()
    for lon_, lat_ in _lonlat(shapely.get_coordinates(route.line)):
        segment.points.append(gpxpy.gpx.GPXTrackPoint(latitude=float(lat_), longitude=float(lon_)))
    track.segments.append(segment)
    gpx.tracks.append(track)
    return str(gpx.to_xml(version="1.1"))


def _kml_balloon_html(name: str, description: str) -> str:
    """Return a placemark's balloon HTML: its name in bold, then the text, both HTML-escaped."""
    return f"<b>{html_text(name)}</b><br>{html_text(description)}"


def _kml_point(parent: ET.Element, name: str, description: str, lon: float, lat: float) -> None:
    """Add a point placemark: ``name`` is text, ``description`` text shown in an HTML balloon."""
    mark = ET.SubElement(parent, "Placemark")
    ET.SubElement(mark, "name").text = name
    ET.SubElement(mark, "description").text = _kml_balloon_html(name, description)
    ET.SubElement(mark, "styleUrl").text = f"#{BALLOON_STYLE_ID}"
    point = ET.SubElement(mark, "Point")
    ET.SubElement(point, "coordinates").text = f"{lon:.7f},{lat:.7f}"


def route_to_kml(route: EvaRoute, *, name: str = "EVA walkabout") -> str:
    """
    Write a route as KML: the loop as a line and a placemark per stop with its checklist.

    Parameters
    ----------
    route
        A planned route.
    name
        The document's name.

    Returns
    -------
    str
        The KML document (WGS84), UTF-8 XML, escaped once by the XML writer: names are text and
        read back as given. Google Earth renders balloons as HTML and can substitute names into
        them, so every feature uses one balloon template showing only ``$[description]``, and
        each ``<description>`` is the placemark's name in bold and its text, both HTML-escaped
        first (:mod:`layers._kml_balloon`): markup in a stop's label shows as text.
    """
    ET.register_namespace("", _KML_NS)
    root = ET.Element("kml", xmlns=_KML_NS)
    doc = ET.SubElement(root, "Document")
    ET.SubElement(doc, "name").text = name
    ET.SubElement(doc, "styleUrl").text = f"#{BALLOON_STYLE_ID}"
    doc.append(balloon_style())
    style = ET.SubElement(doc, "Style", id="route")
    line_style = ET.SubElement(style, "LineStyle")
    ET.SubElement(line_style, "color").text = "ff6b7900"  # aabbggrr of #00796b
    ET.SubElement(line_style, "width").text = "4"
    style.append(balloon())
    mark = ET.SubElement(doc, "Placemark")
    ET.SubElement(mark, "name").text = name
    ET.SubElement(mark, "description").text = _kml_balloon_html(
        name, f"{route.distance_m:,.0f} m; {route.total_time_min:.0f} min with stops"
    )
    ET.SubElement(mark, "styleUrl").text = "#route"
    line = ET.SubElement(mark, "LineString")
    ET.SubElement(line, "tessellate").text = "1"
    coords = _lonlat(shapely.get_coordinates(route.line))
    ET.SubElement(line, "coordinates").text = " ".join(f"{x:.7f},{y:.7f}" for x, y in coords)
    lon, lat = _start_lonlat(route)
    _kml_point(doc, f"Start: {route.start_label}", "Start and finish", lon, lat)
    checklist = _checklist_text(route)
    for row in _stop_rows(route):
        _kml_point(
            doc,
            f"Stop {row.order}: {row.label}",
            f"Arrive about minute {row.arrival_min:.0f}. {checklist}",
            row.lon,
            row.lat,
        )
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def route_to_geojson(route: EvaRoute) -> str:
    """
    Write a route as a GeoJSON FeatureCollection (RFC 7946, WGS84).

    Parameters
    ----------
    route
        A planned route.

    Returns
    -------
    str
        Features: the loop (``kind`` "route", ``distance_m``, ``walk_time_min``,
        ``total_time_min``, ``method``), the start (``kind`` "start") and each stop
        (``kind`` "stop", :data:`ROUTE_STOP_FIELDS`, ``checklist``).
    """
    coords = _lonlat(shapely.get_coordinates(route.line))
    features: list[dict[str, object]] = [
        {
            "type": "Feature",
            "properties": {
                "kind": "route",
                "distance_m": round(route.distance_m, 1),
                "walk_time_min": round(route.walk_time_min, 1),
                "total_time_min": round(route.total_time_min, 1),
                "method": route.method,
            },
            "geometry": {"type": "LineString", "coordinates": coords.round(7).tolist()},
        }
    ]
    lon, lat = _start_lonlat(route)
    features.append(
        {
            "type": "Feature",
            "properties": {"kind": "start", "label": route.start_label},
            "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
        }
    )
    for row in _stop_rows(route):
        props = row.fields()
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "stop", **props, "checklist": list(route.checklist)},
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(row.lon, 7), round(row.lat, 7)],
                },
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def _svg_path(coords: npt.NDArray[np.float64]) -> str:
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in coords)


def route_map_svg(
    route: EvaRoute,
    *,
    network: StreetNetwork | None = None,
    width_px: int = 720,
    height_px: int = 480,
) -> str:
    """
    Draw the route as an SVG map: nearby streets, the loop, the start and numbered stops.

    long: draws the route sheet's map element by element, in drawing order.

    Parameters
    ----------
    route
        A planned route.
    network
        The street network, for the grey streets behind the route (none drawn when None).
    width_px, height_px
        Size of the drawing.

    Returns
    -------
    str
        An ``<svg>`` element (grid north up, with a scale bar) for embedding in HTML.

    Raises
    ------
    ParameterError
        When the size is not positive.
    """
    if width_px <= 0 or height_px <= 0:
        msg = f"width_px and height_px ({width_px}, {height_px}) must be positive."
        raise ParameterError(msg)
    pts = [shapely.get_coordinates(route.line)]
    if len(route.left_out):
        pts.append(shapely.get_coordinates(np.asarray(route.left_out.geometry, dtype=object)))
    allxy = np.concatenate(pts)
    minx, miny = allxy.min(axis=0) - 60
    maxx, maxy = allxy.max(axis=0) + 60
    inner_w = width_px - 2 * _SVG_MARGIN_PX
    inner_h = height_px - 2 * _SVG_MARGIN_PX
    scale = min(inner_w / (maxx - minx), inner_h / (maxy - miny))
    off_x = _SVG_MARGIN_PX + (inner_w - scale * (maxx - minx)) / 2
    off_y = _SVG_MARGIN_PX + (inner_h - scale * (maxy - miny)) / 2

    def to_px(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.column_stack(
            [off_x + (xy[:, 0] - minx) * scale, height_px - off_y - (xy[:, 1] - miny) * scale]
        )

    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{height_px}" '
            f'viewBox="0 0 {width_px} {height_px}" role="img" aria-label="Route map">'
        ),
        f'<rect width="{width_px}" height="{height_px}" fill="#fafafa" stroke="#888"/>',
    ]
    if network is not None:
        frame = shapely.box(minx, miny, maxx, maxy)
        near = network.edge_tree.query(frame, predicate="intersects")
        for e in near:
            coords = to_px(shapely.get_coordinates(network.edge_geometry[e]))
            parts.append(
                f'<path d="{_svg_path(coords)}" fill="none" stroke="{_STREET_COLOUR}" '
                'stroke-width="2"/>'
            )
    parts.append(
        f'<path d="{_svg_path(to_px(shapely.get_coordinates(route.line)))}" fill="none" '
        f'stroke="{_ROUTE_COLOUR}" stroke-width="4" stroke-linejoin="round" opacity="0.85"/>'
    )
    left_xy = to_px(shapely.get_coordinates(np.asarray(route.left_out.geometry, dtype=object)))
    parts.extend(
        f'<circle cx="{xy[0]:.1f}" cy="{xy[1]:.1f}" r="6" fill="white" '
        f'stroke="{_LEFT_OUT_COLOUR}" stroke-dasharray="2,2" stroke-width="2"/>'
        for xy in left_xy
    )
    sx, sy = to_px(np.array([[route.start.x, route.start.y]]))[0]
    parts.append(
        f'<rect x="{sx - 8:.1f}" y="{sy - 8:.1f}" width="16" height="16" fill="#1a237e"/>'
        f'<text x="{sx + 11:.1f}" y="{sy + 4:.1f}" font-size="12" font-family="sans-serif" '
        f'fill="#1a237e">{html.escape(route.start_label)}</text>'
    )
    stop_xy = to_px(shapely.get_coordinates(np.asarray(route.stops.geometry, dtype=object)))
    for order, xy in zip(route.stops["order"], stop_xy, strict=True):
        parts.append(
            f'<circle cx="{xy[0]:.1f}" cy="{xy[1]:.1f}" r="10" fill="white" '
            f'stroke="{_ROUTE_COLOUR}" stroke-width="3"/>'
            f'<text x="{xy[0]:.1f}" y="{xy[1] + 4:.1f}" font-size="11" font-weight="bold" '
            f'font-family="sans-serif" text-anchor="middle" fill="{_ROUTE_COLOUR}">'
            f"{int(order)}</text>"
        )
    bar_m = _nice_length((maxx - minx) / 4)
    bar_px = bar_m * scale
    y0 = height_px - 10
    parts.append(
        f'<line x1="10" y1="{y0}" x2="{10 + bar_px:.1f}" y2="{y0}" stroke="black" '
        f'stroke-width="3"/><text x="{14 + bar_px:.1f}" y="{y0 + 4}" font-size="11" '
        f'font-family="sans-serif">{bar_m:,.0f} m</text>'
        f'<text x="{width_px - 16}" y="20" font-size="14" font-family="sans-serif" '
        'text-anchor="middle">N ↑</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _nice_length(metres: float) -> float:
    power = 10 ** math.floor(math.log10(max(metres, 1.0)))
    for step in (5, 2, 1):
        if step * power <= metres:
            return float(step * power)
    return float(power)


_SHEET_CSS: Final = """
body { font-family: sans-serif; font-size: 11pt; margin: 1.5cm; color: #222; }
h1 { font-size: 16pt; margin: 0 0 4pt 0; } h2 { font-size: 13pt; margin: 14pt 0 4pt 0; }
table { border-collapse: collapse; width: 100%; margin-bottom: 8pt; }
th, td { border: 1px solid #bbb; padding: 3pt 5pt; text-align: left; vertical-align: top; }
.box { display: inline-block; width: 10pt; height: 10pt; border: 1px solid #333;
       margin-right: 4pt; vertical-align: middle; }
.stop { page-break-inside: avoid; }
.notes { height: 28pt; }
.small { font-size: 9pt; color: #555; }
@page { size: A4; margin: 1cm; }
"""


def route_sheet_html(
    route: EvaRoute,
    *,
    title: str = "EVA walkabout",
    network: StreetNetwork | None = None,
    subtitle: str = "",
) -> str:
    """
    Build a printable route sheet: summary, map, stops, turn list and a checklist per stop.

    Parameters
    ----------
    route
        A planned route.
    title
        Heading of the sheet.
    network
        The street network, for streets on the map (optional).
    subtitle
        A line under the heading (wards, date, team).

    Returns
    -------
    str
        A complete HTML document (A4 print styles); every user text is escaped.
    """
    esc = html.escape
    rows = _stop_rows(route)
    summary = (
        f"{route.distance_m:,.0f} m &middot; {route.walk_time_min:.0f} min walking + "
        f"{route.stop_time_min:g} min at {len(rows)} stops = {route.total_time_min:.0f} of "
        f"{route.max_minutes:g} min &middot; {route.walk_kmh:g} km/h &middot; start and finish: "
        f"{esc(route.start_label)} &middot; stops chosen: {esc(route.method)}"
    )
    stop_table = "".join(
        f"<tr><td>{r.order}</td><td>{esc(r.label)}</td>"
        f"<td>{r.arrival_min:.0f}</td><td>{r.weight:g}</td></tr>"
        for r in rows
    )
    turns = "".join(
        f"<tr><td>{t.step}</td><td>{esc(t.instruction)}</td><td>{t.start_m:,.0f}</td></tr>"
        for t in route.turns
    )
    checklist = "".join(
        f'<tr><td><span class="box"></span>{esc(item)}</td><td class="notes"></td></tr>'
        for item in route.checklist
    )
    cards = "".join(
        f'<div class="stop"><h2>Stop {r.order}: {esc(r.label)} '
        f'<span class="small">(about minute {r.arrival_min:.0f}; '
        f"{r.lat:.5f}, {r.lon:.5f})</span></h2>"
        f"<table><tr><th>Check</th><th>Notes</th></tr>{checklist}</table></div>"
        for r in rows
    )
    left = "".join(f"<li>{esc(str(detail))}</li>" for detail in route.left_out["detail"])
    notes = "".join(f"<li>{esc(n)}</li>" for n in route.notes)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title><style>{_SHEET_CSS}</style></head><body>"
        f"<h1>{esc(title)}</h1>"
        + (f"<p>{esc(subtitle)}</p>" if subtitle else "")
        + f"<p>{summary}</p>"
        + route_map_svg(route, network=network)
        + "<h2>Stops</h2><table><tr><th>#</th><th>Stop</th><th>Arrive (min)</th>"
        f"<th>Weight</th></tr>{stop_table}</table>"
        + (f"<h2>Left out</h2><ul>{left}</ul>" if left else "")
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + "<h2>Directions</h2><table><tr><th>Step</th><th>Instruction</th>"
        f"<th>At (m)</th></tr>{turns}</table>"
        + cards
        + f"<p class='small'>{esc(OSM_ATTRIBUTION)}. Made with patchmap.</p></body></html>"
    )


def write_catchments(catchments: gpd.GeoDataFrame, path: str | Path) -> Path:
    """
    Write walking catchments to a GeoPackage (EPSG:27700), layer ``catchments``.

    Parameters
    ----------
    catchments
        From :func:`spatial.catchments.walking_catchments` (optionally with coverage columns).
    path
        The ``.gpkg`` file to write (replaced if it exists).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    CRSError
        When the catchments are not in EPSG:27700.
    EmptyInputError
        When there are no catchments.
    ParameterError
        When ``path`` does not end in ``.gpkg``.
    """
    require_bng(catchments, name="catchments")
    out = Path(path)
    if out.suffix.lower() != ".gpkg":
        msg = f"{out.name}: catchments are written as a GeoPackage; name the file *.gpkg."
        raise ParameterError(msg)
    if len(catchments) == 0:
        msg = "catchments: nothing to write."
        raise EmptyInputError(msg)
    fields = [c for c in CATCHMENT_FIELDS if c in catchments.columns]
    frame = catchments[[*fields, "geometry"]].copy()
    frame["site_name"] = frame["site_name"].astype(str)
    frame.to_file(out, layer="catchments", driver="GPKG", mode="w")
    return out


def _to_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs(WGS84)


def route_layer(route: EvaRoute, *, layer_name: str = "EVA route") -> folium.FeatureGroup:
    """
    Return the route for a folium map: the loop, numbered stops, left-out stops dashed.

    Parameters
    ----------
    route
        A planned route.
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        The line (tooltip: length and time), a numbered marker per stop (tooltip: label and
        arrival minute, escaped) and a grey dashed circle per left-out stop (tooltip: why).
    """
    group = folium.FeatureGroup(name=layer_name)
    coords = _lonlat(shapely.get_coordinates(route.line))
    folium.PolyLine(  # type: ignore[no-untyped-call]  # folium is untyped
        [(float(lat), float(lon)) for lon, lat in coords],
        color=_ROUTE_COLOUR,
        weight=5,
        opacity=0.85,
        tooltip=html.escape(
            f"{route.distance_m:,.0f} m, {route.total_time_min:.0f} min with stops"
        ),
    ).add_to(group)
    for row in _stop_rows(route):
        folium.Marker(
            (row.lat, row.lon),
            icon=folium.DivIcon(
                html=(
                    f'<div style="background:white;border:3px solid {_ROUTE_COLOUR};'
                    "border-radius:50%;width:22px;height:22px;text-align:center;"
                    f'font:bold 12px sans-serif;line-height:17px;color:{_ROUTE_COLOUR}">'
                    f"{row.order}</div>"
                ),
                icon_size=(22, 22),
                icon_anchor=(11, 11),
            ),
            tooltip=html.escape(f"Stop {row.order}: {row.label} (minute {row.arrival_min:.0f})"),
        ).add_to(group)
    if len(route.left_out):
        left = _to_wgs84(route.left_out)
        for geom, detail in zip(left.geometry, left["detail"], strict=True):
            folium.CircleMarker(
                (float(shapely.get_y(geom)), float(shapely.get_x(geom))),
                radius=7,
                color=_LEFT_OUT_COLOUR,
                dash_array="3,3",
                fill=True,
                fill_color="white",
                fill_opacity=0.9,
                tooltip=html.escape(str(detail)),
            ).add_to(group)
    lon, lat = _start_lonlat(route)
    folium.Marker(
        (lat, lon),
        icon=folium.DivIcon(
            html='<div style="background:#1a237e;width:16px;height:16px"></div>',
            icon_size=(16, 16),
            icon_anchor=(8, 8),
        ),
        tooltip=html.escape(f"Start and finish: {route.start_label}"),
    ).add_to(group)
    return group


def catchment_layer(
    catchments: gpd.GeoDataFrame, *, layer_name: str = "Walking catchments"
) -> folium.FeatureGroup:
    """
    Return walking catchments as translucent polygons, longest walk underneath.

    Parameters
    ----------
    catchments
        From :func:`spatial.catchments.walking_catchments`.
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        One GeoJSON layer per walking time, coloured from :data:`CATCHMENT_COLOURS`.

    Raises
    ------
    CRSError
        When the catchments are not in EPSG:27700.
    """
    require_bng(catchments, name="catchments")
    group = folium.FeatureGroup(name=layer_name)
    bands = sorted(set(catchments["minutes"]))
    for k, minutes in reversed(list(enumerate(bands))):
        colour = CATCHMENT_COLOURS[min(k, len(CATCHMENT_COLOURS) - 1)]
        part = catchments.loc[catchments["minutes"] == minutes]
        shown = gpd.GeoDataFrame(
            {
                "site": [html.escape(str(n)) for n in part["site_name"]],
                "walk": [f"{minutes:g} min" for _ in range(len(part))],
            },
            geometry=part.geometry.simplify(2.0).to_numpy(),
            crs=BNG,
        ).to_crs(WGS84)
        folium.GeoJson(
            shown.to_geo_dict(),
            name=f"{minutes:g} min walk",
            style_function=lambda _f, c=colour: {
                "color": c,
                "weight": 1,
                "fillColor": c,
                "fillOpacity": 0.18,
            },
            tooltip=folium.GeoJsonTooltip(fields=["site", "walk"], aliases=["Site", "Walk"]),
        ).add_to(group)
    return group


def eva_map(  # one optional argument per map layer
    wards: gpd.GeoDataFrame,
    *,
    route: EvaRoute | None = None,
    catchments: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    tiles: Tiles = "openstreetmap",
    asset_url: str = APP_STATIC_URL,
) -> folium.Map:
    """
    Return the EVA page's map: streets, catchments, wards, sites, the route and a legend.

    Parameters
    ----------
    wards
        The selected wards (EPSG:27700); the map opens on them.
    route
        The planned route, or None.
    catchments
        Walking catchments, or None.
    sites
        Co-location sites, or None.
    streets
        Street lines drawn underneath (the demo), or None.
    tiles, asset_url
        See :func:`layers.map.base_map`.

    Returns
    -------
    folium.Map
        Layers in drawing order streets, catchments, wards, sites, route.

    Raises
    ------
    CRSError
        When a frame is not in EPSG:27700.
    EmptyInputError
        When ``wards`` is empty.
    """
    m = base_map(wards, tiles=tiles, asset_url=asset_url)
    entries = [LegendEntry("Ward boundary", WARD_COLOUR, "line", 2)]
    if streets is not None:
        street_layer(streets).add_to(m)
        entries.append(LegendEntry("Street", STREET_COLOUR, "line", 1.5))
    if catchments is not None and len(catchments):
        catchment_layer(catchments).add_to(m)
        bands = sorted(set(catchments["minutes"]))
        entries += [
            LegendEntry(
                f"{minutes:g} min walk", CATCHMENT_COLOURS[min(k, len(CATCHMENT_COLOURS) - 1)]
            )
            for k, minutes in enumerate(bands)
        ]
    ward_layer(wards).add_to(m)
    if sites is not None and len(sites):
        site_layer(sites).add_to(m)
        entries.append(LegendEntry("Co-location site", SITE_COLOUR, "circle", 7))
    if route is not None:
        route_layer(route).add_to(m)
        entries += [
            LegendEntry("EVA route", _ROUTE_COLOUR, "line", 4),
            LegendEntry("Stop (numbered)", _ROUTE_COLOUR, "circle", 8),
            LegendEntry("Stop left out", _LEFT_OUT_COLOUR, "circle", 6),
        ]
    folium.LayerControl(collapsed=True).add_to(m)
    legend("EVA walkabout", entries).add_to(m)
    return m


def stop_table(stops: gpd.GeoDataFrame) -> pd.DataFrame:
    """
    Return stops as an editable table in longitude/latitude (for the app's stop editor).

    Parameters
    ----------
    stops
        Stops in EPSG:27700 with ``weight`` and optionally ``label`` or ``name``.

    Returns
    -------
    pandas.DataFrame
        :data:`STOP_TABLE_COLUMNS`: ``include`` (True), ``label`` (by
        :func:`spatial.routes.stop_labels`, as the CLI's route names them), ``weight``,
        ``lon``, ``lat`` (degrees, 6 decimals), one row per stop in order, with a fresh index.

    Raises
    ------
    CRSError
        When the stops are not in EPSG:27700.
    """
    require_bng(stops, name="stops")
    xy = shapely.get_coordinates(np.asarray(stops.geometry, dtype=object))
    lonlat = _lonlat(xy) if len(xy) else np.empty((0, 2))
    labels = stop_labels(stops)
    weight = stops["weight"] if "weight" in stops.columns else pd.Series(1.0, index=stops.index)
    return pd.DataFrame(
        {
            "include": [True] * len(stops),
            "label": labels,
            "weight": np.asarray(weight, dtype=np.float64),
            "lon": lonlat[:, 0].round(6),
            "lat": lonlat[:, 1].round(6),
        }
    )


def stops_from_table(table: pd.DataFrame) -> gpd.GeoDataFrame:
    """
    Turn an edited stop table back into stops in EPSG:27700.

    Rows not ticked in ``include`` are dropped; a blank weight counts 1, a blank label becomes
    "Stop N".

    Parameters
    ----------
    table
        With :data:`STOP_TABLE_COLUMNS` (``include`` optional).

    Returns
    -------
    geopandas.GeoDataFrame
        ``label``, ``weight`` and points in EPSG:27700, indexed 0, 1, 2 ... in table order of the
        kept rows.

    Raises
    ------
    InputDataError
        When a kept row has no longitude/latitude or a negative weight; the message names it.
    OutsideGreatBritainError
        When a kept row lies outside Great Britain.
    """
    kept = (
        table.loc[table["include"].fillna(value=False).astype(bool)]
        if "include" in table
        else table
    )
    points: list[Point] = []
    labels: list[str] = []
    weights: list[float] = []
    for n, (_, row) in enumerate(kept.iterrows(), start=1):
        lon = pd.to_numeric(pd.Series([row.get("lon")]), errors="coerce").iloc[0]
        lat = pd.to_numeric(pd.Series([row.get("lat")]), errors="coerce").iloc[0]
        label = str(row.get("label") or "").strip() or f"Stop {n}"
        if pd.isna(lon) or pd.isna(lat):
            msg = f"Stop {label!r} has no longitude/latitude: fill in lon and lat, or untick it."
            raise InputDataError(msg)
        raw = pd.to_numeric(pd.Series([row.get("weight")]), errors="coerce").iloc[0]
        weight = 1.0 if pd.isna(raw) else float(raw)
        if weight < 0:
            msg = f"Stop {label!r} has a negative weight ({weight:g}); use 0 or more."
            raise InputDataError(msg)
        points.append(point_from_lonlat(float(lon), float(lat)))
        labels.append(label)
        weights.append(weight)
    return gpd.GeoDataFrame(
        {
            "label": pd.array(labels, dtype="string"),
            "weight": np.asarray(weights, dtype=np.float64),
        },
        geometry=points,
        crs=BNG,
    )
