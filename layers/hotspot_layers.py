"""
Hotspot map layers: density rasters, Gi* cells, clusters and emerging hot spots, with legends.

Each takes the result of a :mod:`hotspots` method (British National Grid) and draws it in WGS84
as the last step; tooltip text is escaped (:func:`layers.basemap.escape_html`).
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Final

import folium
import folium.raster_layers
import geopandas as gpd
import numpy as np
from affine import Affine
from pyproj import Transformer
from rasterio.warp import Resampling, reproject

from hotspots.classify import NO_PATTERN
from hotspots.gistar import HOTSPOT_LABELS
from layers.styles import (
    CHANGE_COLOURS,
    CLUSTER_COLOUR,
    DENSITY_COLOURS,
    EMERGING_COLOURS,
    GI_BIN_COLOURS,
    NO_DATA_COLOUR,
    WARD_COLOUR,
)
from spatial.crs import BNG, WGS84, require_bng
from spatial.errors import CRSError, ParameterError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    import numpy.typing as npt

    from hotspots.kde import DensitySurface

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
from layers.map import street_layer, ward_layer

__all__ = [
    "DENSITY_FLOOR_SHARE",
    "DENSITY_N_CLASSES",
    "KDE_TOP_COLOUR",
    "WEB_MERCATOR",
    "change_layer",
    "change_legend_entries",
    "cluster_layer",
    "density_breaks",
    "density_layer",
    "density_legend_entries",
    "emerging_layer",
    "emerging_legend_entries",
    "gistar_layer",
    "gistar_legend_entries",
    "hotspot_map",
    "kde_top_layer",
    "tooltip_layer",
]


DENSITY_N_CLASSES: Final = 6
"""Colour classes of a density surface."""
DENSITY_FLOOR_SHARE: Final = 0.1
"""Density below this share of the peak is left transparent."""
WEB_MERCATOR: Final = "EPSG:3857"
"""Leaflet's display projection; density rasters are warped to it before they are drawn."""


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
        geojson_dict(frame),
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
    require_frame_columns(
        cells, ("gi_bin", "hotspot", "n_crimes", "gi_z", "gi_p_fdr"), name="Gi* cells"
    )
    shown = cells.loc[cells["gi_bin"] != 0]
    if shown.empty:
        return folium.FeatureGroup(name=layer_name)
    return tooltip_layer(
        {
            "hotspot": [escape_html(v) for v in shown["hotspot"]],
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
    require_frame_columns(clusters, needed, name="clusters")
    if clusters.empty:
        return folium.FeatureGroup(name=layer_name)
    return tooltip_layer(
        {
            "cluster": [f"Cluster {int(c) + 1}" for c in clusters["cluster_id"]],
            "n_crimes": clusters["n_crimes"].astype("int64").to_numpy(),
            "top_crime_types": [escape_html(v) for v in clusters["top_crime_types"]],
            "top_location": [escape_html(v) for v in clusters["top_location"]],
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
    require_frame_columns(cells, needed, name="emerging cells")
    shown = cells.loc[cells["category"] != NO_PATTERN]
    if shown.empty:
        return folium.FeatureGroup(name=layer_name)
    return tooltip_layer(
        {
            "category": [escape_html(v) for v in shown["category"]],
            "n_crimes": shown["n_crimes"].astype("int64").to_numpy(),
            "n_hot_months": shown["n_hot_months"].astype("int64").to_numpy(),
            "trend": [escape_html(v) for v in shown["trend"]],
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


KDE_TOP_COLOUR: Final = DENSITY_COLOURS[-1]
"""Fill of the densest cells by kernel density (the density ramp's darkest colour)."""


def _change_style(feature: Mapping[str, Any]) -> dict[str, object]:
    colour = CHANGE_COLOURS.get(str(feature["properties"]["change"]), NO_DATA_COLOUR)
    return {"color": "#555555", "weight": 0.4, "fillColor": colour, "fillOpacity": 0.75}


def change_layer(
    cells: gpd.GeoDataFrame, *, layer_name: str = "Change between periods"
) -> folium.FeatureGroup:
    """
    Return the cells whose crimes per month rose or fell significantly, red up, blue down.

    Parameters
    ----------
    cells
        Output of :func:`hotspots.classify.change_by_cell` (British National Grid).
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        One polygon per changed cell, with a tooltip of its counts, ratio and adjusted p.

    Raises
    ------
    CRSError
        When ``cells`` is not in British National Grid.
    MissingColumnError
        When ``change``, ``n_before``, ``n_after``, ``ratio`` or ``p_adjusted`` is missing.
    """
    require_bng(cells, name="change cells")
    needed = ("change", "n_before", "n_after", "ratio", "p_adjusted")
    require_frame_columns(cells, needed, name="change cells")
    shown = cells.loc[cells["change"].isin(list(CHANGE_COLOURS))]
    if shown.empty:
        return folium.FeatureGroup(name=layer_name)
    return tooltip_layer(
        {
            "change": [escape_html(v) for v in shown["change"]],
            "n_before": shown["n_before"].astype("int64").to_numpy(),
            "n_after": shown["n_after"].astype("int64").to_numpy(),
            "ratio": [f"{r:.2f}" if np.isfinite(r) else "new" for r in shown["ratio"]],
            "p_adjusted": [f"{p:.3g}" for p in shown["p_adjusted"]],
        },
        shown.geometry.to_numpy(),
        layer_name=layer_name,
        style_function=_change_style,
        tooltip={
            "change": "Change",
            "n_before": "Crimes before",
            "n_after": "Crimes after",
            "ratio": "Rate ratio",
            "p_adjusted": "Adjusted p",
        },
    )


def change_legend_entries() -> list[LegendEntry]:
    """
    Return the legend rows of :func:`change_layer`.

    Returns
    -------
    list of LegendEntry
        Rose significantly (red), fell significantly (blue).
    """
    return [
        LegendEntry("Crimes per month rose", CHANGE_COLOURS["up"], "square"),
        LegendEntry("Crimes per month fell", CHANGE_COLOURS["down"], "square"),
    ]


def _kde_top_style(_feature: object) -> dict[str, object]:
    return {"color": "#555555", "weight": 0.4, "fillColor": KDE_TOP_COLOUR, "fillOpacity": 0.75}


def kde_top_layer(
    cells: gpd.GeoDataFrame, *, layer_name: str = "Densest cells"
) -> folium.FeatureGroup:
    """
    Return the densest cells by kernel density, with their rank, crimes and density.

    Parameters
    ----------
    cells
        The kept cells of :func:`hotspots.ranking.kde_top_cells` (British National Grid).
    layer_name
        Name shown in the layer control.

    Returns
    -------
    folium.FeatureGroup
        One polygon per cell, with a tooltip of its rank, crimes and density.

    Raises
    ------
    CRSError
        When ``cells`` is not in British National Grid.
    MissingColumnError
        When ``kde_rank``, ``n_crimes`` or ``density_per_km2`` is missing.
    """
    require_bng(cells, name="densest cells")
    require_frame_columns(cells, ("kde_rank", "n_crimes", "density_per_km2"), name="densest cells")
    if cells.empty:
        return folium.FeatureGroup(name=layer_name)
    return tooltip_layer(
        {
            "kde_rank": cells["kde_rank"].astype("int64").to_numpy(),
            "n_crimes": cells["n_crimes"].astype("int64").to_numpy(),
            "density": [f"{d:,.0f}" for d in cells["density_per_km2"]],
        },
        cells.geometry.to_numpy(),
        layer_name=layer_name,
        style_function=_kde_top_style,
        tooltip={"kde_rank": "Rank", "n_crimes": "Crimes", "density": "Crimes per km²"},
    )


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
