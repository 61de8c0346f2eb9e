"""
The base map: vendored Leaflet assets, the ward-fitted folium map, legends, escaping.

Every map patchmap draws starts from :func:`base_map`, which loads Leaflet and every folium
plugin from the copies vendored under ``static/vendor`` (served by Streamlit at
``/app/static``), so the map works without internet access; only the background tiles
(OpenStreetMap, for real data) come from the network. :func:`escape_html` is the one escaping
rule for text bound for Leaflet popups, tooltips and legends, which insert it as HTML.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import folium
import folium.raster_layers
import geopandas as gpd
import pandas as pd
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from shapely.geometry import box

from layers.styles import (
    MAP_BACKGROUND_COLOUR,
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
    "escape_html",
    "geojson_dict",
    "legend",
    "require_frame_columns",
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
_LEGEND_STYLE: Final = (
    "background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px; "
    "box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.5 sans-serif; color: #222;"
)


def escape_html(value: object) -> str:
    """Return ``value`` as HTML-safe text (missing values become an empty string)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value))


def require_frame_columns(frame: pd.DataFrame, columns: Sequence[str], *, name: str) -> None:
    """
    Raise when a frame to draw lacks a column the map shows.

    Parameters
    ----------
    frame
        The frame to draw.
    columns
        The columns it needs.
    name
        What it is called in the message.

    Raises
    ------
    MissingColumnError
        Naming the missing and the found columns.
    """
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


def geojson_dict(frame: gpd.GeoDataFrame) -> dict[str, Any]:
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
