"""
Folium map builders: ward boundaries, crime snap points, co-location sites, streets, legends.

Every builder takes frames in British National Grid (EPSG:27700), reprojects to WGS84 as its last
step and returns a fresh folium object; nothing here mutates its arguments. All text that reaches
the map (ward names, locations, site names, crime types) is HTML-escaped here, because Leaflet
popups and tooltips insert it as HTML.

Maps made by :func:`base_map` load Leaflet and every folium plugin from the copies vendored under
``static/vendor`` (served by Streamlit at ``/app/static``), so the map works without internet
access; only the background tiles (OpenStreetMap, for real data) come from the network.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import folium
import folium.raster_layers
import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely
import shapely.geometry
from affine import Affine
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from pyproj import Transformer
from rasterio.warp import Resampling, reproject
from scipy import ndimage
from shapely.geometry import box

from hotspots.classify import NO_PATTERN
from hotspots.gistar import HOTSPOT_LABELS
from hotspots.trend import DEFAULT_TREND_ALPHA, MIN_SERIES_LENGTH, mann_kendall_rows, trend_labels
from layers.styles import (
    CLUSTER_COLOUR,
    CRIME_POINT_COLOUR,
    DENSITY_COLOURS,
    EMERGING_COLOURS,
    GI_BIN_COLOURS,
    MAP_BACKGROUND_COLOUR,
    NO_DATA_COLOUR,
    SITE_COLOUR,
    STREET_COLOUR,
    WARD_COLOUR,
    point_radius_px,
)
from spatial.crs import BNG, WGS84, require_bng
from spatial.errors import CRSError, EmptyInputError, MissingColumnError, ParameterError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

    import numpy.typing as npt

    from hotspots.kde import DensitySurface

__all__ = [
    "APP_STATIC_URL",
    "CANVAS_MIN_POINTS",
    "DENSITY_FLOOR_SHARE",
    "DENSITY_N_CLASSES",
    "DROPPED_ASSETS",
    "STATIC_DIR",
    "VENDORED_ASSETS",
    "WEB_MERCATOR",
    "LegendEntry",
    "Tiles",
    "asset_links",
    "base_map",
    "category_zones",
    "cluster_layer",
    "connected_zones",
    "crime_map",
    "crime_point_layer",
    "density_breaks",
    "density_layer",
    "density_legend_entries",
    "density_zones",
    "emerging_layer",
    "emerging_legend_entries",
    "gistar_layer",
    "gistar_legend_entries",
    "hotspot_map",
    "hotspot_table",
    "legend",
    "site_layer",
    "snap_point_counts",
    "street_layer",
    "tooltip_layer",
    "ward_layer",
    "ward_type_table",
    "zone_membership",
]

Tiles = Literal["openstreetmap", "none"]
"""Background: OpenStreetMap tiles (real data) or none (the demo draws its own streets)."""

STATIC_DIR: Final = Path(__file__).resolve().parents[1] / "static"
"""The folder Streamlit serves at ``/app/static`` when ``server.enableStaticServing`` is on."""
APP_STATIC_URL: Final = "/app/static"
"""URL of :data:`STATIC_DIR` in the running app."""

VENDORED_ASSETS: Final[Mapping[str, str]] = {
    "leaflet": "vendor/leaflet/leaflet.js",
    "leaflet_css": "vendor/leaflet/leaflet.css",
    "jquery": "vendor/jquery/jquery.min.js",
}
"""folium's asset names mapped to their vendored copies, relative to :data:`STATIC_DIR`."""

DROPPED_ASSETS: Final = frozenset(
    {
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
)
"""folium defaults patchmap never uses (Bootstrap, icon fonts for ``folium.Icon``): not loaded."""

CANVAS_MIN_POINTS: Final = 5_000
"""Above this many snap points the crime map is drawn on a canvas rather than as SVG."""
DENSITY_N_CLASSES: Final = 6
"""Colour classes of a density surface."""
DENSITY_FLOOR_SHARE: Final = 0.1
"""Density below this share of the peak is left transparent."""
WEB_MERCATOR: Final = "EPSG:3857"
"""Leaflet's display projection; density rasters are warped to it before they are drawn."""

_DEFAULT_ZOOM: Final = 13
_WARD_SIMPLIFY_M: Final = 2.0
_STREET_SIMPLIFY_M: Final = 1.0
_LABEL_STYLE: Final = (
    "font: 600 11px/1.2 sans-serif; color: {colour}; white-space: nowrap; "
    "text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; transform: translate(-50%, -50%);"
)
_LEGEND_STYLE: Final = (
    "background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px; "
    "box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.5 sans-serif; color: #222;"
)


def _escape(value: object) -> str:
    """Return ``value`` as HTML-safe text (missing values become an empty string)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value))


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], *, name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        msg = (
            f"{name} lacks the column(s) {', '.join(missing)}; "
            f"found {', '.join(map(str, frame.columns))}. "
            "Load it with the patchmap readers, which add these columns."
        )
        raise MissingColumnError(msg)


class _VendoredMap(folium.Map):
    """A folium map that loads its JavaScript and CSS from the vendored copies."""

    def __init__(self, *, asset_url: str, **kwargs: Any) -> None:  # noqa: ANN401  # folium.Map's options
        super().__init__(**kwargs)
        self._asset_url = asset_url

    def render(self, **kwargs: Any) -> Any:  # noqa: ANN401  # folium's untyped render protocol
        for element in _walk(self):
            for attribute in ("default_js", "default_css"):
                assets = getattr(element, attribute, None)
                if assets:
                    setattr(element, attribute, _vendored(element, assets, self._asset_url))
        return super().render(**kwargs)  # type: ignore[no-untyped-call]  # folium is untyped here


def _walk(element: Any) -> Iterator[Any]:  # noqa: ANN401  # any branca element
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def _vendored(
    element: object, assets: Sequence[tuple[str, str]], asset_url: str
) -> list[tuple[str, str]]:
    vendored: list[tuple[str, str]] = []
    for name, url in assets:
        if url.startswith(asset_url) or name in DROPPED_ASSETS:
            if url.startswith(asset_url):
                vendored.append((name, url))
            continue
        if name not in VENDORED_ASSETS:
            msg = (
                f"{type(element).__name__} needs {name} ({url}), which patchmap does not "
                "vendor, so the map would need the internet. "
                "Add it to static/vendor/package.json and layers.map.VENDORED_ASSETS."
            )
            raise ParameterError(msg)
        vendored.append((name, f"{asset_url}/{VENDORED_ASSETS[name]}"))
    return vendored


def asset_links(m: folium.Map) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """
    Return the JavaScript and CSS URLs a map loads, as streamlit-folium collects them.

    Parameters
    ----------
    m
        A map from :func:`base_map` (or any builder here), after layers were added.

    Returns
    -------
    tuple of tuple of str
        ``(js_urls, css_urls)`` in load order, without duplicates.

    Raises
    ------
    ParameterError
        When an element needs an asset that is not vendored.
    """
    m.get_root().render()
    js: dict[str, None] = {}
    css: dict[str, None] = {}
    for element in _walk(m):
        js.update(dict.fromkeys(url for _, url in getattr(element, "default_js", ())))
        css.update(dict.fromkeys(url for _, url in getattr(element, "default_css", ())))
    return tuple(js), tuple(css)


def _geojson(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return ``frame`` as a GeoJSON dict (folium would otherwise convert it twice)."""
    return frame.to_geo_dict()


def _wgs84_bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    outline = gpd.GeoSeries([box(*frame.total_bounds)], crs=BNG).to_crs(WGS84)
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in outline.total_bounds)
    return min_lon, min_lat, max_lon, max_lat


def base_map(
    extent: gpd.GeoDataFrame,
    *,
    tiles: Tiles = "openstreetmap",
    asset_url: str = APP_STATIC_URL,
    prefer_canvas: bool = False,
) -> folium.Map:
    """
    Return an empty map fitted to ``extent``, loading Leaflet from the vendored copies.

    Parameters
    ----------
    extent
        Any frame in British National Grid; the map opens on its bounds (usually the wards).
    tiles
        ``"openstreetmap"`` for real data, ``"none"`` for the demo, whose synthetic streets are
        drawn by :func:`street_layer` instead (real-world tiles would not match them).
    asset_url
        URL under which :data:`STATIC_DIR` is served (``/app/static`` in the Streamlit app).
    prefer_canvas
        Draw vector layers on one canvas instead of as SVG elements (faster with many thousands
        of features; they can then not be told apart in the page's DOM).

    Returns
    -------
    folium.Map
        A map with a scale bar and no layers.

    Raises
    ------
    CRSError
        When ``extent`` is not in British National Grid.
    EmptyInputError
        When ``extent`` has no rows.
    """
    require_bng(extent, name="extent")
    if extent.empty:
        msg = "The map extent is empty: there are no wards to show. Choose at least one ward."
        raise EmptyInputError(msg)
    min_lon, min_lat, max_lon, max_lat = _wgs84_bounds(extent)
    m = _VendoredMap(
        asset_url=asset_url,
        location=[(min_lat + max_lat) / 2, (min_lon + max_lon) / 2],
        zoom_start=_DEFAULT_ZOOM,
        tiles=None,
        control_scale=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
        prefer_canvas=prefer_canvas,
    )
    if tiles == "openstreetmap":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", control=False).add_to(m)
    else:
        style = f"<style>.leaflet-container {{ background: {MAP_BACKGROUND_COLOUR}; }}</style>"
        root = m.get_root()
        if isinstance(root, Figure):
            root.header.add_child(Element(style), name="patchmap_background")
    bounds = [[min_lat, min_lon], [max_lat, max_lon]]
    m.fit_bounds(bounds)
    _FitUntilTouched(bounds).add_to(m)
    return m


def snap_point_counts(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """
    Count crimes per snap point (identical coordinates), with their location and crime types.

    data.police.uk moves every crime to one of a fixed set of anonymous "snap points", so a
    force's 90,000 crimes fall on a few thousand points; drawing one circle per point keeps the
    map fast and shows the count.

    Parameters
    ----------
    points
        Crimes in British National Grid with ``location`` and ``crime_type``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per distinct point, busiest first, in British National Grid: ``location`` (the
        first location named there), ``n_crimes``, ``crime_types`` (e.g. ``"Burglary 3; Drugs 1"``,
        most frequent first) and ``geometry``. Empty (same columns) when ``points`` is empty.

    Raises
    ------
    CRSError
        When ``points`` is not in British National Grid.
    MissingColumnError
        When ``location`` or ``crime_type`` is missing.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> crimes = gpd.GeoDataFrame(
    ...     {"location": ["On or near A"] * 3, "crime_type": ["Drugs", "Burglary", "Drugs"]},
    ...     geometry=[Point(545000, 258000)] * 3,
    ...     crs="EPSG:27700",
    ... )
    >>> snap_point_counts(crimes)[["location", "n_crimes", "crime_types"]].to_dict("records")
    [{'location': 'On or near A', 'n_crimes': 3, 'crime_types': 'Drugs 2; Burglary 1'}]
    """
    require_bng(points, name="points")
    _require_columns(points, ("location", "crime_type"), name="points")
    columns = ["location", "n_crimes", "crime_types"]
    if points.empty:
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype="object") for c in columns}, geometry=[], crs=BNG
        )
    table = pd.DataFrame(
        {
            "x": points.geometry.x.to_numpy(),
            "y": points.geometry.y.to_numpy(),
            "location": points["location"].astype("string").fillna("").to_numpy(),
            "crime_type": points["crime_type"].astype("string").fillna("Unknown").to_numpy(),
        }
    )
    by_type = (
        table.groupby(["x", "y", "crime_type"], sort=False).size().rename("n").reset_index()
    ).sort_values(["x", "y", "n", "crime_type"], ascending=[True, True, False, True])
    by_type["label"] = by_type["crime_type"] + " " + by_type["n"].astype("string")
    per_point = by_type.groupby(["x", "y"], sort=False).agg(
        n_crimes=("n", "sum"), crime_types=("label", "; ".join)
    )
    locations = table.groupby(["x", "y"], sort=False)["location"].first()
    per_point = per_point.join(locations).reset_index()
    per_point = per_point.sort_values(
        ["n_crimes", "location", "x", "y"], ascending=[False, True, True, True]
    ).reset_index(drop=True)
    return gpd.GeoDataFrame(
        {
            "location": per_point["location"],
            "n_crimes": per_point["n_crimes"].astype("int64"),
            "crime_types": per_point["crime_types"],
        },
        geometry=gpd.points_from_xy(per_point["x"], per_point["y"]),
        crs=BNG,
    )


def ward_type_table(
    points: pd.DataFrame,
    wards: pd.DataFrame,
    *,
    ward_column: str = "ward",
    name_column: str = "ward_name",
) -> pd.DataFrame:
    """
    Count crimes by ward and crime type, for the table beside the map.

    Parameters
    ----------
    points
        Crimes with a ward name (``ward_column``) and ``crime_type``.
    wards
        The wards to list (``name_column``), in the order shown; wards without crimes show 0.
    ward_column
        Column of ``points`` holding the ward name.
    name_column
        Column of ``wards`` holding the ward name.

    Returns
    -------
    pandas.DataFrame
        Indexed by ward name (index name ``Ward``); first column ``All crimes``, then one
        integer column per crime type, the most frequent type first.

    Raises
    ------
    MissingColumnError
        When a named column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> types = ["Drugs", "Burglary", "Drugs"]
    >>> crimes = pd.DataFrame({"ward": ["A", "A", "B"], "crime_type": types})
    >>> ward_type_table(crimes, pd.DataFrame({"ward_name": ["B", "A", "C"]})).to_dict("index")
    {'B': {'All crimes': 1, 'Drugs': 1, 'Burglary': 0}, 'A': {'All crimes': 2, 'Drugs': 1, \
'Burglary': 1}, 'C': {'All crimes': 0, 'Drugs': 0, 'Burglary': 0}}
    """
    _require_columns(points, (ward_column, "crime_type"), name="points")
    _require_columns(wards, (name_column,), name="wards")
    names = [str(n) for n in wards[name_column]]
    table = pd.crosstab(points[ward_column].astype("string"), points["crime_type"].astype("string"))
    order = table.sum(axis=0).sort_values(ascending=False, kind="stable").index
    table = table.reindex(index=names, columns=order, fill_value=0).fillna(0).astype("int64")
    table.insert(0, "All crimes", table.sum(axis=1).astype("int64"))
    table.index.name = "Ward"
    table.columns.name = None
    return table


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
    _require_columns(wards, (name_column,), name="wards")
    names = [_escape(v) for v in wards[name_column]]
    outlines = gpd.GeoDataFrame(
        {"ward": names}, geometry=wards.geometry.simplify(_WARD_SIMPLIFY_M).to_numpy(), crs=BNG
    )
    inside = gpd.GeoSeries(wards.geometry.representative_point().to_numpy(), crs=BNG).to_crs(WGS84)
    group = folium.FeatureGroup(name=layer_name)
    if outlines.empty:
        return group
    folium.GeoJson(
        _geojson(outlines.to_crs(WGS84)),
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
    _require_columns(counts, ("location", "n_crimes", "crime_types"), name="counts")
    group = folium.FeatureGroup(name=layer_name)
    if counts.empty:
        return group
    shown = gpd.GeoDataFrame(
        {
            "location": [_escape(v) for v in counts["location"]],
            "n_crimes": counts["n_crimes"].astype("int64").to_numpy(),
            "crime_types": [_escape(v) for v in counts["crime_types"]],
        },
        geometry=counts.geometry.to_numpy(),
        crs=BNG,
    ).to_crs(WGS84)
    folium.GeoJson(
        _geojson(shown),
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
    data: dict[str, list[str]] = {c: [_escape(v) for v in sites[c]] for c in fields}
    shown = gpd.GeoDataFrame(
        data, geometry=sites.geometry.representative_point().to_numpy(), crs=BNG
    ).to_crs(WGS84)
    folium.GeoJson(
        _geojson(shown),
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


class _FitUntilTouched(MacroElement):
    """Fit the bounds again whenever the map resizes, until the user pans or zooms it.

    In Streamlit the map's frame is often still being sized when Leaflet first fits the bounds,
    which leaves the map zoomed far out; refitting on resize fixes that.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, bounds) {
            var touched = false;
            var container = map.getContainer();
            ["pointerdown", "wheel", "keydown", "touchstart"].forEach(function (name) {
                container.addEventListener(name, function () { touched = true; }, {once: true});
            });
            if (typeof ResizeObserver !== "undefined") {
                new ResizeObserver(function () {
                    map.invalidateSize();
                    if (!touched) { map.fitBounds(bounds); }
                }).observe(container);
            }
        })({{ this._parent.get_name() }}, {{ this.bounds|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca's __init__ is untyped
        self._name = "FitUntilTouched"
        self.bounds = bounds


@dataclass(frozen=True)
class LegendEntry:
    """
    One row of a map legend.

    Attributes
    ----------
    label
        Plain text (escaped when drawn).
    colour
        CSS colour of the symbol.
    symbol
        ``"line"`` (boundaries, streets), ``"circle"`` (points; ``size_px`` is the radius),
        or ``"square"`` (filled areas, raster classes).
    size_px
        Circle radius or line width in pixels.
    """

    label: str
    colour: str
    symbol: Literal["line", "circle", "square"] = "square"
    size_px: float = 6.0


class _Legend(MacroElement):
    """A Leaflet control holding ready-made (already escaped) legend HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function (map) {
            var div = L.DomUtil.create("div", "patchmap-legend");
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, legend_html: str, *, position: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca's __init__ is untyped
        self._name = "PatchmapLegend"
        self.html = legend_html
        self.position = position


def _symbol_html(entry: LegendEntry) -> str:
    colour = html.escape(entry.colour, quote=True)
    if entry.symbol == "line":
        return (
            f'<span style="display:inline-block;width:18px;height:0;vertical-align:middle;'
            f'border-top:{entry.size_px:g}px solid {colour};margin-right:6px"></span>'
        )
    if entry.symbol == "circle":
        diameter = 2 * entry.size_px
        box_px = max(diameter, 18.0)
        return (
            f'<span style="display:inline-flex;width:{box_px:g}px;justify-content:center;'
            f'vertical-align:middle;margin-right:6px"><span style="display:inline-block;'
            f"width:{diameter:g}px;height:{diameter:g}px;border-radius:50%;background:{colour};"
            f'opacity:0.8"></span></span>'
        )
    return (
        f'<span style="display:inline-block;width:16px;height:12px;vertical-align:middle;'
        f'background:{colour};border:1px solid #999;margin-right:6px"></span>'
    )


def legend(
    title: str,
    entries: Sequence[LegendEntry],
    *,
    position: Literal["topright", "topleft", "bottomright", "bottomleft"] = "bottomright",
) -> MacroElement:
    """
    Return a legend drawn as a Leaflet control; add it to a map with ``.add_to(m)``.

    Parameters
    ----------
    title
        Heading (escaped).
    entries
        Rows, top to bottom.
    position
        Corner of the map.

    Returns
    -------
    branca.element.MacroElement
        The legend control.

    Raises
    ------
    ParameterError
        When ``entries`` is empty.
    """
    if not entries:
        msg = f"The legend {title!r} has no entries; pass at least one LegendEntry."
        raise ParameterError(msg)
    rows = "".join(
        f'<div class="patchmap-legend-row">{_symbol_html(e)}{html.escape(e.label)}</div>'
        for e in entries
    )
    heading = f'<div style="font-weight:600">{html.escape(title)}</div>'
    body = f'<div style="{_LEGEND_STYLE}">{heading}{rows}</div>'
    return _Legend(body, position=position)


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


# ---------------------------------------------------------------------------------------------
# Hotspot layers


def density_breaks(
    surface: DensitySurface, *, n_classes: int = DENSITY_N_CLASSES
) -> tuple[float, ...]:
    """
    Return the class edges used to colour a density surface, in crimes per km².

    The classes are equal steps from :data:`DENSITY_FLOOR_SHARE` of the peak density up to the
    peak; cells below the first edge are left transparent so the streets show through.

    Parameters
    ----------
    surface
        A kernel density surface.
    n_classes
        Number of colour classes (at most the length of
        :data:`layers.styles.DENSITY_COLOURS`).

    Returns
    -------
    tuple of float
        ``n_classes + 1`` increasing edges; the last is the peak density.

    Raises
    ------
    ParameterError
        When ``n_classes`` is out of range or the surface is zero everywhere.
    """
    if not 1 <= n_classes <= len(DENSITY_COLOURS):
        msg = f"n_classes must be 1..{len(DENSITY_COLOURS)}; found {n_classes}."
        raise ParameterError(msg)
    values = np.asarray(surface.values, dtype=np.float64)
    peak = float(np.nanmax(values)) if values.size else 0.0
    if not peak > 0:
        msg = "The density surface is zero everywhere: there is nothing to colour."
        raise ParameterError(msg)
    return tuple(float(v) for v in np.linspace(DENSITY_FLOOR_SHARE * peak, peak, n_classes + 1))


def _density_rgba(
    values: npt.NDArray[np.float64], breaks: Sequence[float]
) -> npt.NDArray[np.uint8]:
    colours = DENSITY_COLOURS[: len(breaks) - 1]
    classes = np.digitize(values, np.asarray(breaks[1:-1]), right=False)
    rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
    palette = np.array(
        [[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in colours], dtype=np.uint8
    )
    visible = np.isfinite(values) & (values >= breaks[0])
    rgba[..., :3] = palette[np.clip(classes, 0, len(colours) - 1)]
    rgba[..., 3] = np.where(visible, 255, 0).astype(np.uint8)
    return rgba


def density_layer(
    surface: DensitySurface,
    *,
    breaks: Sequence[float] | None = None,
    opacity: float = 0.8,
    layer_name: str = "Crime density",
) -> folium.FeatureGroup:
    """
    Return a density surface as a coloured image over the map.

    The raster is warped from British National Grid to Web Mercator (the map's own projection)
    with rasterio, so each cell lands where it belongs, then placed by its WGS84 corners.

    Parameters
    ----------
    surface
        A kernel density surface (British National Grid).
    breaks
        Class edges in crimes per km² (from :func:`density_breaks` when None).
    opacity
        Opacity of the image, 0-1.
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        One image overlay; cells below the first edge are transparent.

    Raises
    ------
    CRSError
        When the surface is not in British National Grid.
    ParameterError
        When ``breaks`` are not increasing or ``opacity`` is outside 0-1.
    """
    if surface.crs != BNG:
        msg = f"The density surface must be in {BNG}; found {surface.crs}."
        raise CRSError(msg)
    edges = tuple(breaks) if breaks is not None else density_breaks(surface)
    if len(edges) < 2 or any(b <= a for a, b in pairwise(edges)):  # noqa: PLR2004  # two edges
        msg = f"breaks must be at least two increasing numbers; found {edges}."
        raise ParameterError(msg)
    if not 0.0 <= opacity <= 1.0:
        msg = f"opacity must lie between 0 and 1; found {opacity}."
        raise ParameterError(msg)
    raster = np.asarray(surface.values, dtype=np.float64)
    n_rows, n_cols = raster.shape
    to_mercator = Transformer.from_crs(BNG, WEB_MERCATOR, always_xy=True)
    west, south, east, north = to_mercator.transform_bounds(*surface.bounds, densify_pts=21)
    resolution = max((east - west) / n_cols, (north - south) / n_rows)
    width = math.ceil((east - west) / resolution)
    height = math.ceil((north - south) / resolution)
    dst_transform = Affine(resolution, 0.0, west, 0.0, -resolution, north)
    warped = np.full((height, width), np.nan, dtype=np.float64)
    reproject(
        source=raster,
        destination=warped,
        src_transform=surface.transform,
        src_crs=BNG,
        dst_transform=dst_transform,
        dst_crs=WEB_MERCATOR,
        resampling=Resampling.nearest,
        src_nodata=np.nan,
        dst_nodata=np.nan,
    )
    east, south = west + width * resolution, north - height * resolution
    to_lonlat = Transformer.from_crs(WEB_MERCATOR, WGS84, always_xy=True)
    (lon_w, lon_e), (lat_s, lat_n) = to_lonlat.transform([west, east], [south, north])
    group = folium.FeatureGroup(name=layer_name)
    folium.raster_layers.ImageOverlay(
        image=_density_rgba(warped, edges),
        bounds=[[float(lat_s), float(lon_w)], [float(lat_n), float(lon_e)]],
        opacity=opacity,
        mercator_project=False,
        pixelated=False,
        interactive=False,
        name=layer_name,
    ).add_to(group)
    return group


def density_legend_entries(
    breaks: Sequence[float], *, unit: str = "crimes per km²"
) -> list[LegendEntry]:
    """
    Return legend rows for density classes, in crimes per km², highest first.

    Parameters
    ----------
    breaks
        Class edges from :func:`density_breaks`.
    unit
        The unit of the values (a rate surface is in crimes per 1,000 residents).

    Returns
    -------
    list of LegendEntry
        One square per class, labelled with its range.

    Examples
    --------
    >>> [e.label for e in density_legend_entries([10.0, 20.0, 30.0])]
    ['20 to 30 crimes per km²', '10 to 20 crimes per km²']
    """
    rows = [
        LegendEntry(f"{low:,.0f} to {high:,.0f} {unit}", colour, "square")
        for (low, high), colour in zip(pairwise(breaks), DENSITY_COLOURS, strict=False)
    ]
    return rows[::-1]


def _gi_style(feature: Mapping[str, Any]) -> dict[str, object]:
    colour = GI_BIN_COLOURS[int(feature["properties"]["gi_bin"])]
    return {"color": "#555555", "weight": 0.4, "fillColor": colour, "fillOpacity": 0.75}


def tooltip_layer(
    properties: Mapping[str, Sequence[object] | npt.NDArray[Any]],
    geometry: npt.NDArray[np.object_],
    *,
    layer_name: str,
    style_function: Callable[[Mapping[str, Any]], dict[str, object]],
    tooltip: Mapping[str, str],
) -> folium.FeatureGroup:
    """
    Return a layer of British National Grid features with a hover tooltip, drawn in WGS84.

    Parameters
    ----------
    properties
        Column name to values, one per feature; text must already be escaped.
    geometry
        The features' geometries in British National Grid.
    layer_name
        Name shown in the layer control.
    style_function
        Leaflet style of a feature (called with the GeoJSON feature).
    tooltip
        Property name to its label in the tooltip, in display order.

    Returns
    -------
    folium.FeatureGroup
        One GeoJSON layer (reprojected to WGS84 as the last step).
    """
    group = folium.FeatureGroup(name=layer_name)
    frame = gpd.GeoDataFrame(dict(properties), geometry=geometry, crs=BNG).to_crs(WGS84)
    folium.GeoJson(
        _geojson(frame),
        name=layer_name,
        style_function=style_function,
        tooltip=folium.GeoJsonTooltip(fields=list(tooltip), aliases=list(tooltip.values())),
    ).add_to(group)
    return group


def gistar_layer(
    cells: gpd.GeoDataFrame, *, layer_name: str = "Gi* hot and cold spots"
) -> folium.FeatureGroup:
    """
    Return Gi* cells coloured by class; cells that are not significant are not drawn.

    Parameters
    ----------
    cells
        ``GiStarResult.cells`` (British National Grid) with ``gi_bin``, ``hotspot``,
        ``n_crimes``, ``gi_z`` and ``gi_p_fdr``.
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        One polygon per significant cell, with a tooltip of its class, count, z and adjusted p.

    Raises
    ------
    CRSError
        When ``cells`` is not in British National Grid.
    MissingColumnError
        When a Gi* column is missing.
    """
    require_bng(cells, name="Gi* cells")
    _require_columns(cells, ("gi_bin", "hotspot", "n_crimes", "gi_z", "gi_p_fdr"), name="Gi* cells")
    shown = cells.loc[cells["gi_bin"] != 0]
    if shown.empty:
        return folium.FeatureGroup(name=layer_name)
    return tooltip_layer(
        {
            "hotspot": [_escape(v) for v in shown["hotspot"]],
            "gi_bin": shown["gi_bin"].astype("int64").to_numpy(),
            "n_crimes": shown["n_crimes"].round(1).to_numpy(),
            "gi_z": shown["gi_z"].round(2).to_numpy(),
            "gi_p_fdr": [f"{p:.2g}" for p in shown["gi_p_fdr"]],
        },
        shown.geometry.to_numpy(),
        layer_name=layer_name,
        style_function=_gi_style,
        tooltip={
            "hotspot": "Class",
            "n_crimes": "Crimes",
            "gi_z": "Gi* z",
            "gi_p_fdr": "Adjusted p",
        },
    )


def gistar_legend_entries(present: Sequence[int] | None = None) -> list[LegendEntry]:
    """
    Return legend rows for the Gi* classes, hottest first.

    Parameters
    ----------
    present
        The ``gi_bin`` values found; None lists all six significant classes.

    Returns
    -------
    list of LegendEntry
        One square per significant class present (not-significant cells are not drawn).

    Examples
    --------
    >>> [e.label for e in gistar_legend_entries([0, 3, 1, 3])]
    ['Hot 99%', 'Hot 90%']
    """
    shown = set(HOTSPOT_LABELS) if present is None else {int(b) for b in present}
    return [
        LegendEntry(label, GI_BIN_COLOURS[gi_bin], "square")
        for gi_bin, label in HOTSPOT_LABELS.items()
        if gi_bin != 0 and gi_bin in shown
    ]


def _cluster_style(_feature: object) -> dict[str, object]:
    return {
        "color": CLUSTER_COLOUR,
        "weight": 2.5,
        "fillColor": CLUSTER_COLOUR,
        "fillOpacity": 0.15,
    }


def cluster_layer(
    clusters: gpd.GeoDataFrame, *, layer_name: str = "Clusters"
) -> folium.FeatureGroup:
    """
    Return cluster polygons with a tooltip of their size, crime types and commonest location.

    Parameters
    ----------
    clusters
        ``ClusterResult.clusters`` (British National Grid).
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        One outlined polygon per cluster.

    Raises
    ------
    CRSError
        When ``clusters`` is not in British National Grid.
    MissingColumnError
        When a cluster column is missing.
    """
    require_bng(clusters, name="clusters")
    needed = ("cluster_id", "n_crimes", "top_crime_types", "top_location")
    _require_columns(clusters, needed, name="clusters")
    if clusters.empty:
        return folium.FeatureGroup(name=layer_name)
    return tooltip_layer(
        {
            "cluster": [f"Cluster {int(c) + 1}" for c in clusters["cluster_id"]],
            "n_crimes": clusters["n_crimes"].astype("int64").to_numpy(),
            "top_crime_types": [_escape(v) for v in clusters["top_crime_types"]],
            "top_location": [_escape(v) for v in clusters["top_location"]],
        },
        clusters.geometry.to_numpy(),
        layer_name=layer_name,
        style_function=_cluster_style,
        tooltip={
            "cluster": "",
            "n_crimes": "Crimes",
            "top_crime_types": "Types",
            "top_location": "Commonest location",
        },
    )


def _emerging_style(feature: Mapping[str, Any]) -> dict[str, object]:
    colour = EMERGING_COLOURS.get(str(feature["properties"]["category"]), NO_DATA_COLOUR)
    return {"color": "#555555", "weight": 0.4, "fillColor": colour, "fillOpacity": 0.8}


def emerging_layer(
    cells: gpd.GeoDataFrame, *, layer_name: str = "Emerging hot spots"
) -> folium.FeatureGroup:
    """
    Return cells coloured by their emerging hot or cold spot category (no pattern: not drawn).

    Parameters
    ----------
    cells
        Output of :func:`hotspots.classify.emerging_hotspots` (British National Grid).
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        One polygon per cell with a pattern, with a tooltip of its category and counts.

    Raises
    ------
    CRSError
        When ``cells`` is not in British National Grid.
    MissingColumnError
        When ``category``, ``n_crimes``, ``n_hot_months`` or ``trend`` is missing.
    """
    require_bng(cells, name="emerging cells")
    needed = ("category", "n_crimes", "n_hot_months", "trend")
    _require_columns(cells, needed, name="emerging cells")
    shown = cells.loc[cells["category"] != NO_PATTERN]
    if shown.empty:
        return folium.FeatureGroup(name=layer_name)
    return tooltip_layer(
        {
            "category": [_escape(v) for v in shown["category"]],
            "n_crimes": shown["n_crimes"].astype("int64").to_numpy(),
            "n_hot_months": shown["n_hot_months"].astype("int64").to_numpy(),
            "trend": [_escape(v) for v in shown["trend"]],
        },
        shown.geometry.to_numpy(),
        layer_name=layer_name,
        style_function=_emerging_style,
        tooltip={
            "category": "Pattern",
            "n_crimes": "Crimes",
            "n_hot_months": "Hot months",
            "trend": "Trend of Gi* z",
        },
    )


def emerging_legend_entries(categories: Sequence[str]) -> list[LegendEntry]:
    """
    Return legend rows for the emerging categories present, in Esri's order.

    Parameters
    ----------
    categories
        The categories found (others are left out of the legend).

    Returns
    -------
    list of LegendEntry
        One square per category present, "No Pattern Detected" excluded.
    """
    present = set(categories)
    return [
        LegendEntry(name, colour, "square")
        for name, colour in EMERGING_COLOURS.items()
        if name in present
    ]


def hotspot_map(
    wards: gpd.GeoDataFrame,
    layer: folium.FeatureGroup,
    *,
    legend_title: str,
    legend_entries: Sequence[LegendEntry],
    streets: gpd.GeoDataFrame | None = None,
    tiles: Tiles = "openstreetmap",
    asset_url: str = APP_STATIC_URL,
    overlays: Sequence[folium.FeatureGroup] = (),
) -> folium.Map:
    """
    Return the Hotspots page's map: streets, one analysis layer, ward boundaries and a legend.

    Parameters
    ----------
    wards
        The selected wards (British National Grid); the map opens on them.
    layer
        The analysis layer (:func:`density_layer`, :func:`gistar_layer`, :func:`cluster_layer`
        or :func:`emerging_layer`).
    legend_title
        Legend heading, with the unit (e.g. "Density (crimes per km²)").
    legend_entries
        Legend rows of the analysis layer; the ward boundary row is added.
    streets
        Street lines drawn underneath (the demo), or None.
    tiles
        Background tiles, see :func:`base_map`.
    asset_url
        URL of the static folder, see :func:`base_map`.
    overlays
        More layers drawn over the analysis layer (e.g. patrol beats); added here, before the
        layer control, whose script refers to every layer already defined.

    Returns
    -------
    folium.Map
        Layers in drawing order streets, analysis layer, overlays, wards, with a layer control
        and legend.

    Raises
    ------
    CRSError
        When a frame is not in British National Grid.
    EmptyInputError
        When ``wards`` is empty.
    """
    m = base_map(wards, tiles=tiles, asset_url=asset_url)
    if streets is not None:
        street_layer(streets).add_to(m)
    layer.add_to(m)
    for overlay in overlays:
        overlay.add_to(m)
    ward_layer(wards).add_to(m)
    entries = [*legend_entries, LegendEntry("Ward boundary", WARD_COLOUR, "line", 2)]
    legend(legend_title, entries).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def density_zones(surface: DensitySurface, *, threshold_per_km2: float) -> gpd.GeoDataFrame:
    """
    Return the areas where a density surface reaches a threshold, densest first.

    Parameters
    ----------
    surface
        A kernel density surface (British National Grid).
    threshold_per_km2
        Crimes per km² a cell must reach to belong to a zone.

    Returns
    -------
    geopandas.GeoDataFrame
        One polygon per connected area of raster cells at or above the threshold, in British
        National Grid, with ``peak_per_km2`` (its highest cell), sorted by it, highest first.
        Empty (same columns) when no cell reaches the threshold.

    Raises
    ------
    CRSError
        When the surface is not in British National Grid.
    """
    if surface.crs != BNG:
        msg = f"The density surface must be in {BNG}; found {surface.crs}."
        raise CRSError(msg)
    values = np.asarray(surface.values, dtype=np.float64)
    mask = np.isfinite(values) & (values >= threshold_per_km2)
    labels, n_zones = ndimage.label(mask)
    if n_zones == 0:
        return gpd.GeoDataFrame({"peak_per_km2": pd.Series(dtype="float64")}, geometry=[], crs=BNG)
    peaks = ndimage.maximum(values, labels, index=np.arange(1, n_zones + 1))
    shapes = [
        (int(value), shapely.geometry.shape(geom))
        for geom, value in rasterio.features.shapes(
            labels.astype(np.int32), mask=mask, transform=surface.transform
        )
    ]
    frame = gpd.GeoDataFrame(
        {"zone": [z for z, _ in shapes]}, geometry=[g for _, g in shapes], crs=BNG
    ).dissolve(by="zone")
    frame["peak_per_km2"] = np.asarray(peaks, dtype=np.float64)[frame.index.to_numpy() - 1]
    return frame.sort_values("peak_per_km2", ascending=False, kind="stable").reset_index(drop=True)[
        ["peak_per_km2", "geometry"]
    ]


def zone_membership(points: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> npt.NDArray[np.int64]:
    """
    Return, for each point, the position of the first zone containing it (-1 for none).

    Parameters
    ----------
    points
        Points in British National Grid.
    zones
        Polygons in British National Grid; a point on a shared edge goes to the first.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of length ``len(points)``.

    Raises
    ------
    CRSError
        When ``points`` or ``zones`` is not in British National Grid.

    Examples
    --------
    >>> from shapely import Point, box
    >>> zones = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=27700)
    >>> pts = gpd.GeoDataFrame(geometry=[Point(5, 5), Point(10, 5), Point(50, 5)], crs=27700)
    >>> zone_membership(pts, zones).tolist()
    [0, 0, -1]
    """
    require_bng(points, name="points")
    require_bng(zones, name="zones")
    membership = np.full(len(points), -1, dtype=np.int64)
    if zones.empty or points.empty:
        return membership
    tree = shapely.STRtree(zones.geometry.to_numpy())
    point_pos, zone_pos = tree.query(points.geometry.to_numpy(), predicate="intersects")
    order = np.lexsort((zone_pos, point_pos))
    point_pos, zone_pos = point_pos[order], zone_pos[order]
    first = np.ones(len(point_pos), dtype=bool)
    first[1:] = point_pos[1:] != point_pos[:-1]
    membership[point_pos[first]] = zone_pos[first]
    return membership


def _month_span(points: pd.DataFrame, months: tuple[str, str] | None) -> pd.PeriodIndex:
    if months is not None:
        return pd.period_range(months[0], months[1], freq="M")
    observed = points["month"]
    return pd.period_range(observed.min(), observed.max(), freq="M")


def hotspot_table(
    points: pd.DataFrame,
    membership: npt.ArrayLike,
    *,
    labels: Sequence[str],
    months: tuple[str, str] | None = None,
    trend_alpha: float = DEFAULT_TREND_ALPHA,
) -> pd.DataFrame:
    """
    Describe hotspots: their crimes, the commonest crime types and the monthly trend.

    Parameters
    ----------
    points
        Crimes with ``crime_type`` and ``month`` (``Period[M]``).
    membership
        For each crime, the hotspot it belongs to: ``0 .. len(labels) - 1``; any other value
        (e.g. -1, or a hotspot not listed) leaves the crime out. From :func:`zone_membership`
        for polygons, or a cluster result's labels.
    labels
        One label per hotspot, in the order to list them.
    months
        ``(first, last)`` months of the trend, both included; the crimes' own span when None.
        Months without crime count as zero.
    trend_alpha
        Two-sided level of the Mann-Kendall test on the monthly counts.

    Returns
    -------
    pandas.DataFrame
        One row per hotspot: ``Hotspot``, ``Crimes``, ``Top crime types`` (three commonest with
        counts), ``Trend`` ("increasing", "decreasing", "no trend", or "too few months" when
        fewer than three months) and ``Trend p`` (two-sided Mann-Kendall p, NaN when untested).

    Raises
    ------
    MissingColumnError
        When ``crime_type`` or ``month`` is missing.
    ParameterError
        When ``membership`` does not have one entry per crime.

    References
    ----------
    Mann, H. B. (1945). Nonparametric tests against trend. Econometrica 13(3), 245-259.
    """
    _require_columns(points, ("crime_type", "month"), name="points")
    zone = np.asarray(membership, dtype=np.int64)
    if zone.shape != (len(points),):
        msg = f"membership has shape {zone.shape} for {len(points)} crimes; give one per crime."
        raise ParameterError(msg)
    columns = ["Hotspot", "Crimes", "Top crime types", "Trend", "Trend p"]
    n_zones = len(labels)
    if n_zones == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    listed = (zone >= 0) & (zone < n_zones)
    zone = zone[listed]
    month = points["month"].to_numpy()[listed]
    types = points["crime_type"].astype("string").to_numpy()[listed]
    span = _month_span(points, months)
    n_months = len(span)
    step = np.array(
        [(m.year - span[0].year) * 12 + (m.month - span[0].month) for m in month], dtype=np.int64
    )
    inside = (step >= 0) & (step < n_months)
    monthly = np.zeros((n_zones, n_months), dtype=np.float64)
    np.add.at(monthly, (zone[inside], step[inside]), 1.0)
    n_crimes = np.bincount(zone, minlength=n_zones)
    table = pd.DataFrame({"zone": zone, "crime_type": types})
    counts = table.groupby(["zone", "crime_type"]).size().rename("n").reset_index()
    counts = counts.sort_values(["zone", "n", "crime_type"], ascending=[True, False, True])
    top = counts.groupby("zone").head(3)
    top_text = (
        (top["crime_type"] + " " + top["n"].astype("string")).groupby(top["zone"]).agg("; ".join)
    )
    if n_months >= MIN_SERIES_LENGTH:
        _, _, trend_z, trend_p, _ = mann_kendall_rows(monthly)
        trends = [str(t) for t in trend_labels(trend_z, trend_p, alpha=trend_alpha)]
        p_values = [float(p) for p in trend_p]
    else:
        trends = ["too few months"] * n_zones
        p_values = [float("nan")] * n_zones
    return pd.DataFrame(
        {
            "Hotspot": list(labels),
            "Crimes": n_crimes.astype("int64"),
            "Top crime types": [str(top_text.get(z, "")) for z in range(n_zones)],
            "Trend": trends,
            "Trend p": p_values,
        }
    )


def connected_zones(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """
    Merge touching cells into hotspot areas, the area with the most crimes first.

    Parameters
    ----------
    cells
        Grid cells (British National Grid) with ``n_crimes``, e.g. the significant hot cells
        of a Gi* result.

    Returns
    -------
    geopandas.GeoDataFrame
        One polygon per group of cells sharing an edge or a corner, with ``n_cells`` and
        ``n_crimes`` (the sum over its cells), sorted by ``n_crimes`` then ``n_cells``, highest
        first. Empty (same columns) when ``cells`` is empty.

    Raises
    ------
    CRSError
        When ``cells`` is not in British National Grid.
    MissingColumnError
        When ``n_crimes`` is missing.

    Examples
    --------
    >>> from shapely import box
    >>> cells = gpd.GeoDataFrame(
    ...     {"n_crimes": [1, 2, 5]},
    ...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10), box(50, 50, 60, 60)],
    ...     crs="EPSG:27700",
    ... )
    >>> connected_zones(cells)[["n_cells", "n_crimes"]].to_dict("records")
    [{'n_cells': 1, 'n_crimes': 5.0}, {'n_cells': 2, 'n_crimes': 3.0}]
    """
    require_bng(cells, name="cells")
    _require_columns(cells, ("n_crimes",), name="cells")
    if cells.empty:
        return gpd.GeoDataFrame(
            {"n_cells": pd.Series(dtype="int64"), "n_crimes": pd.Series(dtype="float64")},
            geometry=[],
            crs=BNG,
        )
    merged = gpd.GeoDataFrame(
        geometry=[shapely.union_all(cells.geometry.to_numpy())], crs=BNG
    ).explode(ignore_index=True)
    outlines = gpd.GeoDataFrame(
        {"zone": np.arange(len(merged))}, geometry=merged.geometry.to_numpy(), crs=BNG
    )
    inner = gpd.GeoDataFrame(
        {"n_crimes": cells["n_crimes"].to_numpy(dtype=np.float64)},
        geometry=cells.geometry.representative_point().to_numpy(),
        crs=BNG,
    )
    joined = gpd.sjoin(inner, outlines, predicate="within", how="inner")
    totals = joined.groupby("zone")["n_crimes"].agg(["size", "sum"])
    result = gpd.GeoDataFrame(
        {
            "n_cells": totals["size"].reindex(outlines["zone"], fill_value=0).to_numpy("int64"),
            "n_crimes": totals["sum"].reindex(outlines["zone"], fill_value=0.0).to_numpy("float64"),
        },
        geometry=outlines.geometry.to_numpy(),
        crs=BNG,
    )
    return result.sort_values(
        ["n_crimes", "n_cells"], ascending=[False, False], kind="stable"
    ).reset_index(drop=True)


def category_zones(
    cells: gpd.GeoDataFrame, *, column: str, categories: Sequence[str]
) -> gpd.GeoDataFrame:
    """
    Merge touching cells of the same category into areas, listed category by category.

    Parameters
    ----------
    cells
        Grid cells (British National Grid) with ``n_crimes`` and ``column``.
    column
        The category column (e.g. ``"category"`` of emerging hot spots).
    categories
        The categories to keep, in the order to list them; within one category the area
        with the most crimes comes first.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`connected_zones` plus ``category``.

    Raises
    ------
    CRSError
        When ``cells`` is not in British National Grid.
    MissingColumnError
        When ``column`` or ``n_crimes`` is missing.
    """
    require_bng(cells, name="cells")
    _require_columns(cells, (column, "n_crimes"), name="cells")
    parts = []
    for category in categories:
        zones = connected_zones(cells.loc[cells[column] == category])
        zones.insert(0, "category", pd.Series([category] * len(zones), dtype="object"))
        parts.append(zones)
    if not parts:
        empty = connected_zones(cells.iloc[0:0])
        empty.insert(0, "category", pd.Series(dtype="object"))
        return empty
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=BNG)
