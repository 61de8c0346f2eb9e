"""
Folium map builders: ward boundaries, crime snap points, co-location sites, streets, the crime map.

Every builder takes frames in British National Grid (EPSG:27700), reprojects to WGS84 as its last
step and returns a fresh folium object; nothing here mutates its arguments. All text that reaches
the map (ward names, locations, site names, crime types) is HTML-escaped here
(:func:`layers.basemap.escape_html`), because Leaflet popups and tooltips insert it as HTML.
Hotspot layers are in :mod:`layers.hotspot_layers`; the counts they show come from
:mod:`hotspots.tables` and :mod:`hotspots.areas`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import folium
import folium.raster_layers
import geopandas as gpd
import numpy as np
import shapely
import shapely.geometry

from layers.styles import (
    CRIME_POINT_COLOUR,
    SITE_COLOUR,
    STREET_COLOUR,
    WARD_COLOUR,
    point_radius_px,
)
from spatial.crs import BNG, WGS84, require_bng

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


from layers.basemap import (
    APP_STATIC_URL,
    LegendEntry,
    Tiles,
    base_map,
    escape_html,
    geojson_dict,
    legend,
    require_frame_columns,
)

__all__ = [
    "CANVAS_MIN_POINTS",
    "crime_map",
    "crime_point_layer",
    "site_layer",
    "street_layer",
    "ward_layer",
]


CANVAS_MIN_POINTS: Final = 5_000
"""Above this many snap points the crime map is drawn on a canvas rather than as SVG."""

_WARD_SIMPLIFY_M: Final = 2.0
_STREET_SIMPLIFY_M: Final = 1.0
_LABEL_STYLE: Final = (
    "font: 600 11px/1.2 sans-serif; color: {colour}; white-space: nowrap; "
    "text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; transform: translate(-50%, -50%);"
)


def _ward_style(_feature: object) -> dict[str, object]:
    return {"color": WARD_COLOUR, "weight": 2, "fillColor": WARD_COLOUR, "fillOpacity": 0.04}


def _ward_highlight(_feature: object) -> dict[str, object]:
    return {"weight": 4, "fillOpacity": 0.12}


def ward_layer(
    wards: gpd.GeoDataFrame,
    *,
    name_column: str = "ward_name",
    layer_name: str = "Wards",
) -> folium.FeatureGroup:
    """
    Return ward boundaries with their names as labels and hover tooltips.

    Parameters
    ----------
    wards
        Ward polygons in British National Grid.
    name_column
        The column holding the ward name.
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        One GeoJSON layer of outlines (simplified to 2 m) and one label per ward at a point
        inside it.

    Raises
    ------
    CRSError
        When ``wards`` is not in British National Grid.
    MissingColumnError
        When ``name_column`` is missing.
    """
    require_bng(wards, name="wards")
    require_frame_columns(wards, (name_column,), name="wards")
    names = [escape_html(v) for v in wards[name_column]]
    outlines = gpd.GeoDataFrame(
        {"ward": names}, geometry=wards.geometry.simplify(_WARD_SIMPLIFY_M).to_numpy(), crs=BNG
    )
    inside = gpd.GeoSeries(wards.geometry.representative_point().to_numpy(), crs=BNG).to_crs(WGS84)
    group = folium.FeatureGroup(name=layer_name)
    if outlines.empty:
        return group
    folium.GeoJson(
        geojson_dict(outlines.to_crs(WGS84)),
        name=layer_name,
        style_function=_ward_style,
        highlight_function=_ward_highlight,
        tooltip=folium.GeoJsonTooltip(fields=["ward"], aliases=["Ward"]),
    ).add_to(group)
    label_style = _LABEL_STYLE.format(colour=WARD_COLOUR)
    for name, lon, lat in zip(names, inside.x, inside.y, strict=True):
        folium.Marker(
            [float(lat), float(lon)],
            icon=folium.DivIcon(
                html=f'<div class="patchmap-ward-label" style="{label_style}">{name}</div>',
                icon_size=(0, 0),
                class_name="patchmap-label",
            ),
            interactive=False,
        ).add_to(group)
    return group


def _point_style(feature: Mapping[str, Any]) -> dict[str, object]:
    n_crimes = int(feature["properties"]["n_crimes"])
    return {
        "radius": point_radius_px(n_crimes),
        "color": "#ffffff",
        "weight": 0.6,
        "fillColor": CRIME_POINT_COLOUR,
        "fillOpacity": 0.7,
    }


def crime_point_layer(
    counts: gpd.GeoDataFrame, *, layer_name: str = "Crimes (per snap point)"
) -> folium.FeatureGroup:
    """
    Return one circle per snap point, sized by its crime count, with a popup.

    Parameters
    ----------
    counts
        Output of :func:`snap_point_counts` (British National Grid).
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        Circle markers whose radius follows :func:`layers.styles.point_radius_px`; clicking one
        shows its location, count and crime types.

    Raises
    ------
    CRSError
        When ``counts`` is not in British National Grid.
    MissingColumnError
        When a column of :func:`snap_point_counts` is missing.
    """
    require_bng(counts, name="counts")
    require_frame_columns(counts, ("location", "n_crimes", "crime_types"), name="counts")
    group = folium.FeatureGroup(name=layer_name)
    if counts.empty:
        return group
    shown = gpd.GeoDataFrame(
        {
            "location": [escape_html(v) for v in counts["location"]],
            "n_crimes": counts["n_crimes"].astype("int64").to_numpy(),
            "crime_types": [escape_html(v) for v in counts["crime_types"]],
        },
        geometry=counts.geometry.to_numpy(),
        crs=BNG,
    ).to_crs(WGS84)
    folium.GeoJson(
        geojson_dict(shown),
        name=layer_name,
        marker=folium.CircleMarker(radius=3, fill=True),
        style_function=_point_style,
        popup=folium.GeoJsonPopup(
            fields=["location", "n_crimes", "crime_types"],
            aliases=["Location", "Crimes", "Types"],
        ),
    ).add_to(group)
    return group


def _site_style(_feature: object) -> dict[str, object]:
    return {
        "radius": 7,
        "color": "#ffffff",
        "weight": 2,
        "fillColor": SITE_COLOUR,
        "fillOpacity": 1.0,
    }


def site_layer(
    sites: gpd.GeoDataFrame,
    *,
    label_columns: Sequence[str] = ("name", "kind", "opening_notes"),
    layer_name: str = "Co-location sites",
) -> folium.FeatureGroup:
    """
    Return co-location sites (police bases, council offices, partner premises) as green circles.

    Parameters
    ----------
    sites
        Site points (polygons are drawn at a point inside them) in British National Grid.
    label_columns
        Columns shown in the popup, in order; those missing from ``sites`` are skipped.
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        One circle per site with a tooltip of its labels.

    Raises
    ------
    CRSError
        When ``sites`` is not in British National Grid.
    """
    require_bng(sites, name="sites")
    group = folium.FeatureGroup(name=layer_name)
    if sites.empty:
        return group
    fields = [c for c in label_columns if c in sites.columns]
    data: dict[str, list[str]] = {c: [escape_html(v) for v in sites[c]] for c in fields}
    shown = gpd.GeoDataFrame(
        data, geometry=sites.geometry.representative_point().to_numpy(), crs=BNG
    ).to_crs(WGS84)
    folium.GeoJson(
        geojson_dict(shown),
        name=layer_name,
        marker=folium.CircleMarker(radius=7, fill=True),
        style_function=_site_style,
        tooltip=folium.GeoJsonTooltip(
            fields=fields, aliases=[f.replace("_", " ").capitalize() for f in fields]
        )
        if fields
        else None,
    ).add_to(group)
    return group


def _street_style(_feature: object) -> dict[str, object]:
    return {"color": STREET_COLOUR, "weight": 1.5, "opacity": 0.9}


def street_layer(streets: gpd.GeoDataFrame, *, layer_name: str = "Streets") -> folium.FeatureGroup:
    """
    Return street lines drawn in light grey, the demo's background in place of tiles.

    Parameters
    ----------
    streets
        Street centre lines in British National Grid (only the geometry is used).
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        One non-interactive GeoJSON feature: all lines, simplified to 1 m, as one
        MultiLineString.

    Raises
    ------
    CRSError
        When ``streets`` is not in British National Grid.
    """
    require_bng(streets, name="streets")
    group = folium.FeatureGroup(name=layer_name)
    if streets.empty:
        return group
    lines = streets.geometry.simplify(_STREET_SIMPLIFY_M).to_crs(WGS84)
    parts = [part for line in lines if not line.is_empty for part in getattr(line, "geoms", [line])]
    # One MultiLineString feature: thousands of streets become one light, non-interactive path.
    network = shapely.multilinestrings(parts)
    folium.GeoJson(
        {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(network)},
        name=layer_name,
        style_function=_street_style,
        interactive=False,
    ).add_to(group)
    return group


def crime_map(
    wards: gpd.GeoDataFrame,
    counts: gpd.GeoDataFrame,
    *,
    sites: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    tiles: Tiles = "openstreetmap",
    asset_url: str = APP_STATIC_URL,
) -> folium.Map:
    """
    Return the Map page's map: streets, ward boundaries, crime snap points, sites and a legend.

    Parameters
    ----------
    wards
        Ward polygons (British National Grid) with ``ward_name``; the map opens on them.
    counts
        Crimes per snap point from :func:`snap_point_counts`.
    sites
        Co-location sites, or None.
    streets
        Street lines drawn underneath (the demo), or None.
    tiles
        Background tiles, see :func:`base_map`.
    asset_url
        URL of the static folder, see :func:`base_map`.

    Returns
    -------
    folium.Map
        Layers in drawing order streets, wards, crimes, sites, with a layer control and legend;
        drawn on a canvas when there are more than :data:`CANVAS_MIN_POINTS` snap points.

    Raises
    ------
    CRSError
        When a frame is not in British National Grid.
    EmptyInputError
        When ``wards`` is empty.
    MissingColumnError
        When ``wards`` lacks ``ward_name`` or ``counts`` lacks a count column.
    """
    many = len(counts) > CANVAS_MIN_POINTS
    m = base_map(wards, tiles=tiles, asset_url=asset_url, prefer_canvas=many)
    if streets is not None:
        street_layer(streets).add_to(m)
    ward_layer(wards).add_to(m)
    crime_point_layer(counts).add_to(m)
    entries = [LegendEntry("Ward boundary", WARD_COLOUR, "line", 2)]
    if not counts.empty:
        biggest = int(np.max(counts["n_crimes"]))
        shown = [n for n in (1, 10, 100, 1000) if n <= max(biggest, 1)]
        entries += [
            LegendEntry(
                f"{n:,} crime{'s' if n > 1 else ''} at a point",
                CRIME_POINT_COLOUR,
                "circle",
                point_radius_px(n),
            )
            for n in shown
        ]
    if sites is not None and not sites.empty:
        site_layer(sites).add_to(m)
        entries.append(LegendEntry("Co-location site", SITE_COLOUR, "circle", 7))
    if streets is not None and not streets.empty:
        entries.append(LegendEntry("Street", STREET_COLOUR, "line", 1.5))
    legend("Legend", entries).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m
