"""
A static map for print: wards, hotspots, patrol areas, the EVA route and co-location sites.

Rendered offline with matplotlib (no tiles, no network): streets are drawn from the street
network when one is loaded (the demo town has no real tiles), with a legend, a scale bar measured
in British National Grid metres and a north arrow (grid north; within about 2 degrees of true
north anywhere in England and Wales). The result is a PNG at print resolution for the briefing
pack.
"""

from __future__ import annotations

import io
import math
import textwrap
from typing import TYPE_CHECKING, Final

import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from hotspots.gistar import HOTSPOT_LABELS
from layers.styles import (
    CLUSTER_COLOUR,
    CRIME_POINT_COLOUR,
    GI_CLASS_COLOURS,
    MAP_BACKGROUND_COLOUR,
    SITE_COLOUR,
    STREET_COLOUR,
    WARD_COLOUR,
)
from spatial.crs import require_bng
from spatial.errors import EmptyInputError, ParameterError

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

__all__ = [
    "DEFAULT_DPI",
    "DEFAULT_SIZE_MM",
    "PATROL_COLOUR",
    "ROUTE_COLOUR",
    "nice_scale_length_m",
    "render_static_map",
]

DEFAULT_DPI: Final = 200
"""Print resolution of the map image, dots per inch."""
DEFAULT_SIZE_MM: Final = (180.0, 125.0)
"""Width and height of the map image in millimetres (fits an A4 page with margins)."""
ROUTE_COLOUR: Final = "#00796b"
"""The EVA route line (teal)."""
PATROL_COLOUR: Final = "#ff7f00"
"""Patrol area outlines (orange)."""

_MM_PER_INCH: Final = 25.4
_MARGIN_FRACTION: Final = 0.04
_ATTRIBUTION_CHARS_PER_MM: Final = 0.95
_GI_BIN_COLOURS: Final = dict(zip((3, 2, 1, 0, -1, -2, -3), GI_CLASS_COLOURS.values(), strict=True))


def nice_scale_length_m(width_m: float) -> float:
    """
    Return a round scale-bar length (1, 2 or 5 times a power of ten) near a fifth of the width.

    Parameters
    ----------
    width_m
        Width of the map extent in metres.

    Returns
    -------
    float
        The scale bar's length in metres.

    Examples
    --------
    >>> nice_scale_length_m(4_000), nice_scale_length_m(12_000), nice_scale_length_m(900)
    (500.0, 2000.0, 100.0)
    """
    target = max(width_m, 1.0) / 5.0
    power = 10.0 ** math.floor(math.log10(target))
    for step in (5.0, 2.0, 1.0):
        if step * power <= target:
            return step * power
    return power


def _scale_label(length_m: float) -> str:
    return f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"  # noqa: PLR2004


def _draw_scale_bar(ax: Axes, bounds: tuple[float, float, float, float]) -> None:
    min_x, min_y, max_x, max_y = bounds
    width, height = max_x - min_x, max_y - min_y
    length = nice_scale_length_m(width)
    x0 = min_x + 0.04 * width
    y0 = min_y + 0.04 * height
    bar_h = 0.012 * height
    half = length / 2
    ax.add_patch(Rectangle((x0, y0), half, bar_h, facecolor="#222222", edgecolor="#222222"))
    ax.add_patch(Rectangle((x0 + half, y0), half, bar_h, facecolor="white", edgecolor="#222222"))
    ax.text(x0, y0 + 2.2 * bar_h, "0", ha="center", va="bottom", fontsize=7, parse_math=False)
    ax.text(
        x0 + length,
        y0 + 2.2 * bar_h,
        _scale_label(length),
        ha="center",
        va="bottom",
        fontsize=7,
        parse_math=False,
    )


def _draw_north_arrow(ax: Axes, bounds: tuple[float, float, float, float]) -> None:
    min_x, min_y, max_x, max_y = bounds
    width, height = max_x - min_x, max_y - min_y
    x = max_x - 0.05 * width
    y_tip = max_y - 0.05 * height
    y_tail = y_tip - 0.09 * height
    ax.annotate(
        "",
        xy=(x, y_tip),
        xytext=(x, y_tail),
        arrowprops={"facecolor": "#222222", "edgecolor": "#222222", "width": 3, "headwidth": 10},
    )
    ax.text(
        x,
        y_tip + 0.01 * height,
        "N",
        ha="center",
        va="bottom",
        fontsize=10,
        fontweight="bold",
        parse_math=False,
    )


def _extent(
    wards: gpd.GeoDataFrame, extra: list[gpd.GeoDataFrame]
) -> tuple[float, float, float, float]:
    frames = [wards, *[f for f in extra if not f.empty]]
    boxes = np.array([f.total_bounds for f in frames])
    min_x, min_y = boxes[:, 0].min(), boxes[:, 1].min()
    max_x, max_y = boxes[:, 2].max(), boxes[:, 3].max()
    pad = _MARGIN_FRACTION * max(max_x - min_x, max_y - min_y, 100.0)
    return (float(min_x - pad), float(min_y - pad), float(max_x + pad), float(max_y + pad))


def _fit_aspect(
    bounds: tuple[float, float, float, float], aspect: float
) -> tuple[float, float, float, float]:
    """Grow the extent so its width / height equals the image's (metres stay square)."""
    min_x, min_y, max_x, max_y = bounds
    width, height = max_x - min_x, max_y - min_y
    cx, cy = (min_x + max_x) / 2, (min_y + max_y) / 2
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    return (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)


def _draw_streets(
    ax: Axes, streets: gpd.GeoDataFrame, bounds: tuple[float, float, float, float]
) -> bool:
    if streets.empty:
        return False
    frame = shapely.box(*bounds)
    geoms = np.asarray(streets.geometry, dtype=object)
    keep = shapely.intersects(geoms, frame)
    if not keep.any():
        return False
    parts = shapely.get_parts(geoms[keep])
    segments = [shapely.get_coordinates(part) for part in parts]
    ax.add_collection(LineCollection(segments, colors=STREET_COLOUR, linewidths=0.5, zorder=1))
    return True


def _draw_hotspots(ax: Axes, hotspots: gpd.GeoDataFrame, handles: list[object]) -> None:
    if "gi_bin" not in hotspots.columns:
        msg = "hotspots need the gi_bin column of hotspots.gistar.gi_star's cells."
        raise ParameterError(msg)
    bins = hotspots["gi_bin"].astype("Int64").fillna(0).astype(int)
    for gi_bin in (3, 2, 1, -1, -2, -3):
        cells = hotspots.loc[(bins == gi_bin).to_numpy()]
        if cells.empty:
            continue
        colour = _GI_BIN_COLOURS[gi_bin]
        rings = [
            shapely.get_coordinates(polygon.exterior)
            for polygon in shapely.get_parts(np.asarray(cells.geometry, dtype=object))
        ]
        ax.add_collection(
            PolyCollection(rings, facecolors=colour, edgecolors="none", alpha=0.85, zorder=2)
        )
        handles.append(Patch(facecolor=colour, edgecolor="none", label=HOTSPOT_LABELS[gi_bin]))


def _draw_crimes(ax: Axes, crimes: gpd.GeoDataFrame, handles: list[object]) -> None:
    if "n_crimes" in crimes.columns:
        counts = crimes["n_crimes"].astype("Float64")
        shown = crimes.loc[counts.notna().to_numpy()]
        sizes = 4.0 + 3.0 * np.sqrt(shown["n_crimes"].astype(float).to_numpy())
    else:
        shown = crimes
        sizes = np.full(len(crimes), 4.0)
    if shown.empty:
        return
    ax.scatter(
        shown.geometry.x,
        shown.geometry.y,
        s=sizes,
        facecolor=CRIME_POINT_COLOUR,
        edgecolor="white",
        linewidth=0.3,
        alpha=0.7,
        zorder=4,
    )
    label = "Crimes (size: count)" if "n_crimes" in crimes.columns else "Crime snap points"
    handles.append(Line2D([], [], marker="o", linestyle="", color=CRIME_POINT_COLOUR, label=label))


def render_static_map(  # noqa: PLR0913 - one optional argument per map layer
    wards: gpd.GeoDataFrame,
    *,
    hotspots: gpd.GeoDataFrame | None = None,
    clusters: gpd.GeoDataFrame | None = None,
    patrol_areas: gpd.GeoDataFrame | None = None,
    route: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    crimes: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    title: str = "",
    attribution: str = "",
    size_mm: tuple[float, float] = DEFAULT_SIZE_MM,
    dpi: int = DEFAULT_DPI,
) -> bytes:
    """
    Render a print map of the wards and whatever layers are given, as a PNG.

    long: draws the static map layer by layer, in drawing order.

    Parameters
    ----------
    wards
        Ward polygons (``ward_name``), EPSG:27700; the map is framed on them.
    hotspots
        Gi* cells with ``gi_bin``; significant hot and cold cells are drawn in their class colour.
    clusters
        Cluster polygons, outlined.
    patrol_areas
        Patrol area polygons, outlined.
    route
        Route lines (and stop points, numbered by their ``order`` column when present).
    sites
        Co-location site points.
    crimes
        Crime points (single snap points, or aggregated with ``n_crimes``: blank counts are
        not drawn).
    streets
        Street lines drawn as the background.
    title
        Drawn above the map.
    attribution
        Small print under the map (sources and licences).
    size_mm
        Image width and height in millimetres.
    dpi
        Dots per inch.

    Returns
    -------
    bytes
        The PNG image.

    Raises
    ------
    CRSError
        When a layer is not in EPSG:27700.
    EmptyInputError
        When ``wards`` is empty.
    ParameterError
        When the size or resolution is not positive.
    """
    _check_inputs(
        {
            "wards": wards,
            "hotspots": hotspots,
            "clusters": clusters,
            "patrol areas": patrol_areas,
            "route": route,
            "sites": sites,
            "crimes": crimes,
            "streets": streets,
        },
        size_mm=size_mm,
        dpi=dpi,
    )
    width_in, height_in = (v / _MM_PER_INCH for v in size_mm)
    figure = Figure(figsize=(width_in, height_in), dpi=dpi, facecolor="white")
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.01, 0.075, 0.98, 0.845 if title else 0.9))
    ax.set_facecolor(MAP_BACKGROUND_COLOUR)
    overlays = [f for f in (route, patrol_areas) if f is not None]
    bounds = _extent(wards, overlays)
    box_w, box_h = ax.get_position().width * width_in, ax.get_position().height * height_in
    bounds = _fit_aspect(bounds, box_w / box_h)
    handles: list[object] = []
    if streets is not None and _draw_streets(ax, streets, bounds):
        handles.append(Line2D([], [], color=STREET_COLOUR, linewidth=1, label="Streets"))
    if hotspots is not None and not hotspots.empty:
        _draw_hotspots(ax, hotspots, handles)
    wards.boundary.plot(ax=ax, color=WARD_COLOUR, linewidth=1.2, zorder=3)
    handles.append(Line2D([], [], color=WARD_COLOUR, linewidth=1.2, label="Ward boundary"))
    _draw_ward_labels(ax, wards)
    _draw_outlines(ax, clusters, patrol_areas, handles)
    if crimes is not None and not crimes.empty:
        _draw_crimes(ax, crimes, handles)
    if route is not None and not route.empty:
        _draw_route(ax, route, handles)
    if sites is not None and not sites.empty:
        _draw_sites(ax, sites, handles)
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    _draw_scale_bar(ax, bounds)
    _draw_north_arrow(ax, bounds)
    ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.92)
    if title:
        figure.text(0.01, 0.965, title, fontsize=11, fontweight="bold", va="top", parse_math=False)
    if attribution:
        figure.text(
            0.01,
            0.008,
            textwrap.fill(attribution, width=int(_ATTRIBUTION_CHARS_PER_MM * size_mm[0])),
            fontsize=5.5,
            color="#444444",
            va="bottom",
            parse_math=False,
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _draw_route(ax: Axes, route: gpd.GeoDataFrame, handles: list[object]) -> None:
    is_point = (route.geometry.geom_type == "Point").to_numpy()
    lines = route.loc[~is_point]
    stops = route.loc[is_point]
    if not lines.empty:
        lines.plot(ax=ax, color=ROUTE_COLOUR, linewidth=2.2, zorder=5)
        handles.append(Line2D([], [], color=ROUTE_COLOUR, linewidth=2.2, label="EVA route"))
    if not stops.empty:
        ax.scatter(
            stops.geometry.x,
            stops.geometry.y,
            s=60,
            facecolor="white",
            edgecolor=ROUTE_COLOUR,
            linewidth=1.5,
            zorder=6,
        )
        orders = (
            [f"{float(o):g}" for o in stops["order"]]
            if "order" in stops.columns
            else [str(i + 1) for i in range(len(stops))]
        )
        for order, x, y in zip(orders, stops.geometry.x, stops.geometry.y, strict=True):
            ax.text(
                x,
                y,
                order,
                ha="center",
                va="center",
                fontsize=5.5,
                color=ROUTE_COLOUR,
                fontweight="bold",
                zorder=7,
                parse_math=False,
            )
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor="white",
                markeredgecolor=ROUTE_COLOUR,
                label="Route stop",
            )
        )


def _draw_ward_labels(ax: Axes, wards: gpd.GeoDataFrame) -> None:
    if "ward_name" not in wards.columns:
        return
    points = shapely.point_on_surface(np.asarray(wards.geometry, dtype=object))
    for name, x, y in zip(
        wards["ward_name"], shapely.get_x(points), shapely.get_y(points), strict=True
    ):
        ax.text(
            float(x),
            float(y),
            str(name),
            ha="center",
            va="center",
            fontsize=7,
            color=WARD_COLOUR,
            fontweight="bold",
            alpha=0.8,
            zorder=7,
            parse_math=False,
        )


def _draw_sites(ax: Axes, sites: gpd.GeoDataFrame, handles: list[object]) -> None:
    ax.scatter(
        sites.geometry.x,
        sites.geometry.y,
        marker="s",
        s=40,
        facecolor=SITE_COLOUR,
        edgecolor="white",
        zorder=6,
    )
    handles.append(
        Line2D([], [], marker="s", linestyle="", color=SITE_COLOUR, label="Co-location site")
    )


def _check_inputs(
    layers: dict[str, gpd.GeoDataFrame | None], *, size_mm: tuple[float, float], dpi: int
) -> None:
    for name, frame in layers.items():
        if frame is not None:
            require_bng(frame, name=name)
    wards = layers["wards"]
    if wards is None or wards.empty:
        msg = "The map needs at least one ward; the selection holds none."
        raise EmptyInputError(msg)
    if min(size_mm) <= 0 or dpi <= 0:
        msg = f"size_mm {size_mm} and dpi {dpi} must be positive."
        raise ParameterError(msg)


def _draw_outlines(
    ax: Axes,
    clusters: gpd.GeoDataFrame | None,
    patrol_areas: gpd.GeoDataFrame | None,
    handles: list[object],
) -> None:
    if clusters is not None and not clusters.empty:
        clusters.boundary.plot(ax=ax, color=CLUSTER_COLOUR, linewidth=1.0, zorder=4)
        handles.append(Line2D([], [], color=CLUSTER_COLOUR, linewidth=1, label="Cluster"))
    if patrol_areas is not None and not patrol_areas.empty:
        patrol_areas.boundary.plot(
            ax=ax, color=PATROL_COLOUR, linewidth=1.5, linestyle="--", zorder=4
        )
        handles.append(
            Line2D([], [], color=PATROL_COLOUR, linestyle="--", linewidth=1.5, label="Patrol area")
        )
