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
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from shapely.geometry import box

from layers.styles import (
    CRIME_POINT_COLOUR,
    MAP_BACKGROUND_COLOUR,
    SITE_COLOUR,
    STREET_COLOUR,
    WARD_COLOUR,
    point_radius_px,
)
from spatial.crs import BNG, WGS84, require_bng
from spatial.errors import EmptyInputError, MissingColumnError, ParameterError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

__all__ = [
    "APP_STATIC_URL",
    "DROPPED_ASSETS",
    "STATIC_DIR",
    "VENDORED_ASSETS",
    "LegendEntry",
    "Tiles",
    "asset_links",
    "base_map",
    "crime_map",
    "crime_point_layer",
    "legend",
    "site_layer",
    "snap_point_counts",
    "street_layer",
    "ward_layer",
    "ward_type_table",
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
        Layers in drawing order streets, wards, crimes, sites, with a layer control and legend.

    Raises
    ------
    CRSError
        When a frame is not in British National Grid.
    EmptyInputError
        When ``wards`` is empty.
    MissingColumnError
        When ``wards`` lacks ``ward_name`` or ``counts`` lacks a count column.
    """
    m = base_map(wards, tiles=tiles, asset_url=asset_url)
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
