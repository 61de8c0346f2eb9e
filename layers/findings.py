"""Folium map of EVA findings: where officers and partners saw problems on their walks."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Final

import folium
import geopandas as gpd
import pandas as pd
import shapely

from layers.basemap import LegendEntry, Tiles, base_map, legend
from layers.map import ward_layer
from layers.styles import CRIME_POINT_COLOUR
from spatial.crs import BNG, WGS84, require_bng

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "FINDINGS_MARGIN_M",
    "FINDING_RADIUS_PX",
    "NOTHING_SEEN_COLOUR",
    "PROBLEM_SEEN_COLOUR",
    "findings_map",
]

PROBLEM_SEEN_COLOUR: Final = CRIME_POINT_COLOUR
"""Fill of a finding where a problem was seen."""
NOTHING_SEEN_COLOUR: Final = "#4575b4"
"""Fill of a finding where nothing was seen."""
FINDING_RADIUS_PX: Final = 7.0
"""Radius of a finding's circle, in screen pixels."""
FINDINGS_MARGIN_M: Final = 150.0
"""Margin around the findings when the map opens, in metres."""


def _finding_style(feature: Mapping[str, Mapping[str, object]]) -> dict[str, object]:
    seen = bool(feature["properties"]["problem_seen"])
    return {
        "radius": FINDING_RADIUS_PX,
        "color": "#ffffff",
        "weight": 1.5,
        "fillColor": PROBLEM_SEEN_COLOUR if seen else NOTHING_SEEN_COLOUR,
        "fillOpacity": 0.9,
    }


def findings_map(
    findings: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    route_names: Mapping[int, str],
    tiles: Tiles,
) -> folium.Map:
    """
    Map located EVA findings over the wards, coloured by whether a problem was seen.

    Parameters
    ----------
    findings
        Non-empty output of :func:`tasking.findings.findings_to_geodataframe` (EPSG:27700).
    wards
        Ward polygons (EPSG:27700) drawn for context.
    route_names
        Route id -> name, for the popups.
    tiles
        ``"none"`` for the demo (synthetic streets), ``"openstreetmap"`` for real data.

    Returns
    -------
    folium.Map
        Fitted to the findings; one circle per finding with an escaped popup, and a legend.
    """
    require_bng(findings, name="EVA findings")
    extent = gpd.GeoDataFrame(
        geometry=[shapely.box(*findings.total_bounds).buffer(FINDINGS_MARGIN_M)], crs=BNG
    )
    m = base_map(extent, tiles=tiles)
    if len(wards):
        ward_layer(wards).add_to(m)
    issues = [str(v) for v in findings["issues"]]

    def shown(values: pd.Series[str] | list[str]) -> list[str]:
        return [html.escape(str(v)) for v in values]

    walked = [
        "" if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in findings["walked_on"]
    ]
    points = gpd.GeoDataFrame(
        {
            "route": shown([route_names.get(int(r), f"route {r}") for r in findings["route_id"]]),
            "stop": [int(n) for n in findings["stop_number"]],
            "walked_on": walked,
            "issues": shown([i.replace("_", " ") if i else "none seen" for i in issues]),
            "note": shown(findings["note"]),
            "spoken_to": shown(findings["spoken_to"]),
            "photo_ref": shown(findings["photo_ref"]),
            "problem_seen": [bool(i) for i in issues],
        },
        geometry=findings.geometry.to_numpy(),
        crs=BNG,
    ).to_crs(WGS84)
    layer = folium.FeatureGroup(name="EVA findings")
    folium.GeoJson(
        points.to_geo_dict(),
        name="EVA findings",
        marker=folium.CircleMarker(radius=FINDING_RADIUS_PX, fill=True),
        style_function=_finding_style,
        popup=folium.GeoJsonPopup(
            fields=["route", "stop", "walked_on", "issues", "note", "spoken_to", "photo_ref"],
            aliases=["Route", "Stop", "Walked on", "Seen", "Note", "Spoken to", "Photo"],
        ),
    ).add_to(layer)
    layer.add_to(m)
    legend(
        "EVA findings",
        [
            LegendEntry("Problem seen", PROBLEM_SEEN_COLOUR, "circle", FINDING_RADIUS_PX),
            LegendEntry("Nothing seen", NOTHING_SEEN_COLOUR, "circle", FINDING_RADIUS_PX),
        ],
    ).add_to(m)
    return m
