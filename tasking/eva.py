"""
EVA walks: which hotspots become stops, how far apart they are, where the walk starts.

One answer for every front end: the ``patchmap route``, ``export --layers routes`` and
``brief --eva-route`` commands, the EVA routes page, the Exports page and the briefing pack all
choose stops with :func:`hotspot_stops` (or :func:`kde_peak_stops`, :func:`cluster_stops` when the
user picks another method), keep them :data:`spatial.routes.DEFAULT_STOP_SPACING_M` apart (the
spacing rule of :func:`spatial.routes.stops_from_hotspots`), start from :func:`route_start` and
plan the loop with :func:`plan_hotspot_route`.

This module lives in ``tasking`` because an EVA walk is a tasking product (it is saved to the
tasking log as an ``eva_route`` area and its findings feed the profile): it needs hotspots (Gi*)
and the street network (``spatial``) but nothing from ``layers``, so every front end and every
renderer can call it without going back up the dependency chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.concentration import ARTEFACT_CHECK, artefact_checks
from hotspots.gistar import gi_star
from spatial.crs import BNG, require_bng
from spatial.errors import EmptyInputError, MissingColumnError
from spatial.grid import count_points, make_grid
from spatial.routes import (
    DEFAULT_MAX_MINUTES,
    DEFAULT_STOP_MINUTES,
    DEFAULT_STOP_SPACING_M,
    DEFAULT_TOP_N,
    DEFAULT_WALK_KMH,
    plan_eva_route,
    stops_from_hotspots,
)
from spatial.wording import count_text

if TYPE_CHECKING:
    from shapely import Point

    from hotspots.clusters import ClusterResult
    from hotspots.gistar import GiStarResult
    from hotspots.kde import DensitySurface
    from spatial.network import StreetNetwork
    from spatial.routes import EvaRoute, RouteMethod

__all__ = [
    "MIDDLE_LABEL",
    "START_NEAR_M",
    "RouteStart",
    "cluster_stops",
    "gistar_stops",
    "hotspot_stops",
    "kde_peak_stops",
    "plan_hotspot_route",
    "route_start",
    "route_start_options",
]

START_NEAR_M: Final = 500.0
"""A site within this distance of the selected wards is offered as a start before the middle."""
MIDDLE_LABEL: Final = "the middle of the selected wards"
"""The start's label when no co-location site lies in or near the wards."""


def gistar_stops(
    result: GiStarResult,
    *,
    top_n: int = DEFAULT_TOP_N,
    min_spacing_m: float = DEFAULT_STOP_SPACING_M,
    points: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """
    Turn Gi* hot cells into EVA stops weighted by their crime count.

    Significant hot cells are used; when none is significant, the cells with a positive ``gi_z``
    (the warmest, as a fallback the route can still visit). Hot cells nearer than
    ``min_spacing_m`` to a busier one add their crimes to it instead of being a stop.

    Parameters
    ----------
    result
        From :func:`hotspots.gistar.gi_star`.
    top_n
        How many stops.
    min_spacing_m
        Smallest distance between stops.
    points
        The crimes counted in the cells. When given, a stop whose cell, or a cell whose crimes
        were added to it, holds a likely recording artefact
        (:func:`hotspots.concentration.artefact_checks`, the rule of ``patchmap repeats``) is
        kept and marked: its ``check`` is :data:`hotspots.concentration.ARTEFACT_CHECK`, also
        written after its label in brackets, so every list, map, file and sheet naming the stop
        shows it.

    Returns
    -------
    geopandas.GeoDataFrame
        Stops (``label`` "Hotspot N (C crimes)", ``weight`` = crimes of the cell and its merged
        neighbours, ``check`` = the mark or ``""``, a point inside the cell), indexed 0, 1,
        2 ... heaviest first.

    Raises
    ------
    EmptyInputError
        When no cell is warmer than expected.
    """
    cells = result.cells
    hot = cells.loc[(cells["gi_z"] > 0) & (cells["n_crimes"] > 0)]
    significant = hot.loc[hot["significant"].astype(bool)]
    chosen = significant if len(significant) else hot
    if len(chosen) == 0:
        msg = "No Gi* cell is hotter than expected in the selected wards: add stops by hand."
        raise EmptyInputError(msg)
    checks = (
        pd.Series("", index=chosen.index) if points is None else artefact_checks(chosen, points)
    )
    stops = stops_from_hotspots(
        chosen.assign(artefact=checks != ""),
        weight_column="n_crimes",
        top_n=top_n,
        min_spacing_m=min_spacing_m,
        flag_column="artefact",
    )
    flagged = stops.pop("artefact").to_numpy(dtype=bool)
    stops["check"] = pd.array(np.where(flagged, ARTEFACT_CHECK, ""), dtype="string")
    stops["label"] = [
        f"Hotspot {i + 1} ({count_text(w)})" + (f" [{ARTEFACT_CHECK}]" if f else "")
        for i, (w, f) in enumerate(zip(stops["weight"], flagged, strict=True))
    ]
    return stops.reset_index(drop=True)


def cluster_stops(result: ClusterResult, *, top_n: int = DEFAULT_TOP_N) -> gpd.GeoDataFrame:
    """
    Turn crime clusters into EVA stops at their centres, weighted by their crime count.

    Clusters are not spaced: each is a separate group of crimes already.

    Parameters
    ----------
    result
        From :func:`hotspots.clusters.dbscan_clusters` or ``hdbscan_clusters``.
    top_n
        How many stops.

    Returns
    -------
    geopandas.GeoDataFrame
        Stops labelled by the cluster's commonest location, indexed 0, 1, 2 ... heaviest first.

    Raises
    ------
    EmptyInputError
        When there are no clusters.
    """
    if len(result.clusters) == 0:
        msg = "No crime clusters were found in the selection: add stops by hand."
        raise EmptyInputError(msg)
    stops = stops_from_hotspots(
        result.clusters, weight_column="n_crimes", top_n=top_n, label_column="top_location"
    )
    return stops.reset_index(drop=True)


def kde_peak_stops(
    surface: DensitySurface,
    *,
    top_n: int = DEFAULT_TOP_N,
    min_spacing_m: float = DEFAULT_STOP_SPACING_M,
) -> gpd.GeoDataFrame:
    """
    Turn the peaks of a kernel density surface into EVA stops weighted by their density.

    A peak is a cell at least as dense as its eight neighbours (and above zero).

    Parameters
    ----------
    surface
        From :func:`hotspots.kde.kernel_density`.
    top_n
        How many stops.
    min_spacing_m
        Smallest distance between stops; a lower peak nearer than this to a higher one adds
        its density to it.

    Returns
    -------
    geopandas.GeoDataFrame
        Stops (``label`` "Density peak N", ``weight`` = crimes per km2 at the peak, the cell
        centre), indexed 0, 1, 2 ... heaviest first.

    Raises
    ------
    EmptyInputError
        When the surface is zero everywhere.
    """
    from scipy.ndimage import maximum_filter  # noqa: PLC0415  # only KDE peaks need it

    values = np.asarray(surface.values, dtype=np.float64)  # the raster array, not pandas
    peaks = (values > 0) & (values >= maximum_filter(values, size=3, mode="constant"))
    rows, cols = np.nonzero(peaks)
    if len(rows) == 0:
        msg = "The density surface is zero everywhere: there are no peaks to visit."
        raise EmptyInputError(msg)
    x_m, y_m = surface.cell_centres()
    frame = gpd.GeoDataFrame(
        {"density_per_km2": values[rows, cols]},
        geometry=shapely.points(x_m[cols], y_m[rows]),
        crs=BNG,
    )
    stops = stops_from_hotspots(
        frame, weight_column="density_per_km2", top_n=top_n, min_spacing_m=min_spacing_m
    )
    stops["label"] = [f"Density peak {i + 1}" for i in range(len(stops))]
    return stops.reset_index(drop=True)


def hotspot_stops(
    points: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    top_n: int = DEFAULT_TOP_N,
    cell_size_m: float | None = None,
    min_spacing_m: float = DEFAULT_STOP_SPACING_M,
) -> gpd.GeoDataFrame:
    """
    Find the Gi* hot cells of the selected wards' crimes and turn them into EVA stops.

    This is the stop choice of every EVA walk patchmap plans by itself (``route``, ``export``,
    ``brief``, the EVA page's default, the briefing pack): a square grid over the wards
    (automatic cell size unless given), Gi* with the default correction, then
    :func:`gistar_stops` with the crimes, which marks likely recording artefacts.

    Parameters
    ----------
    points
        The selected crimes, EPSG:27700.
    wards
        The selected wards, EPSG:27700.
    top_n
        How many stops.
    cell_size_m
        Gi* grid cell size; chosen from the wards when None.
    min_spacing_m
        Smallest distance between stops.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`gistar_stops` given the crimes: a stop holding a likely recording artefact
        (e.g. crimes recorded at a police station's front counter) is kept, with ``check``
        :data:`hotspots.concentration.ARTEFACT_CHECK` and that mark after its label.

    Raises
    ------
    EmptyInputError
        When there are no crimes or no hot cell.
    """
    if len(points) == 0:
        msg = "No crimes in the selection: widen the months, wards or crime types."
        raise EmptyInputError(msg)
    grid = make_grid(wards, kind="square", cell_size_m=cell_size_m)
    result = gi_star(count_points(points, grid), grid=grid)
    return gistar_stops(result, top_n=top_n, min_spacing_m=min_spacing_m, points=points)


@dataclass(frozen=True)
class RouteStart:
    """
    Where an EVA walk starts and finishes.

    Attributes
    ----------
    point
        The start, EPSG:27700.
    label
        Its name (the site's name, or :data:`MIDDLE_LABEL`).
    """

    point: Point
    label: str


def route_start_options(
    wards: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None
) -> tuple[RouteStart, ...]:
    """
    List the starts a walk may use, the default (:func:`route_start`) first.

    Order: co-location sites inside the wards (in the sites' order), sites within
    :data:`START_NEAR_M` of them, the middle of the wards (a point inside their union), then the
    other sites.

    Parameters
    ----------
    wards
        The selected wards, EPSG:27700.
    sites
        Co-location sites with ``name``, EPSG:27700, or None.

    Returns
    -------
    tuple of RouteStart
        At least one (the middle of the wards).

    Raises
    ------
    CRSError
        When the wards or sites are not in British National Grid.
    EmptyInputError
        When no ward is selected.
    MissingColumnError
        When the sites have no ``name``.
    """
    require_bng(wards, name="wards")
    if wards.empty:
        msg = "No ward is selected: choose at least one ward to start the walk in."
        raise EmptyInputError(msg)
    union = shapely.union_all(np.asarray(wards.geometry, dtype=object))
    middle = RouteStart(shapely.point_on_surface(union), MIDDLE_LABEL)
    if sites is None or sites.empty:
        return (middle,)
    require_bng(sites, name="sites")
    if "name" not in sites.columns:
        msg = f"sites: no column 'name'; found {', '.join(map(str, sites.columns))}."
        raise MissingColumnError(msg)
    distance = sites.geometry.distance(union).to_numpy()
    points = shapely.point_on_surface(np.asarray(sites.geometry, dtype=object))
    options = [
        RouteStart(point, str(name)) for point, name in zip(points, sites["name"], strict=True)
    ]
    inside = [o for o, d in zip(options, distance, strict=True) if d == 0]
    near = [o for o, d in zip(options, distance, strict=True) if 0 < d <= START_NEAR_M]
    far = [o for o, d in zip(options, distance, strict=True) if d > START_NEAR_M]
    return (*inside, *near, middle, *far)


def route_start(wards: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None) -> RouteStart:
    """
    Choose where an EVA walk starts: the first co-location site in or near the wards.

    The rule of every front end (see :func:`route_start_options` for the order); when no site
    lies within :data:`START_NEAR_M` of the wards, the middle of the wards.

    Parameters
    ----------
    wards
        The selected wards, EPSG:27700.
    sites
        Co-location sites with ``name``, EPSG:27700, or None.

    Returns
    -------
    RouteStart
        The start and its label.

    Raises
    ------
    CRSError
        When the wards or sites are not in British National Grid.
    EmptyInputError
        When no ward is selected.
    MissingColumnError
        When the sites have no ``name``.

    Examples
    --------
    >>> from shapely import Point, box
    >>> wards = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=27700)
    >>> sites = gpd.GeoDataFrame({"name": ["Far", "Library"]},
    ...     geometry=[Point(5000, 5000), Point(200, 300)], crs=27700)
    >>> route_start(wards, sites).label
    'Library'
    >>> route_start(wards, None).label
    'the middle of the selected wards'
    """
    return route_start_options(wards, sites)[0]


def plan_hotspot_route(  # noqa: PLR0913  # the inputs and each keyword option of the planner
    network: StreetNetwork,
    points: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    sites: gpd.GeoDataFrame | None = None,
    start: RouteStart | None = None,
    top_n: int = DEFAULT_TOP_N,
    max_minutes: float = DEFAULT_MAX_MINUTES,
    walk_kmh: float = DEFAULT_WALK_KMH,
    stop_minutes: float = DEFAULT_STOP_MINUTES,
    method: RouteMethod = "auto",
) -> EvaRoute:
    """
    Plan the EVA loop through the selected wards' Gi* hot cells, as every front end does.

    Stops: :func:`hotspot_stops` (automatic cell size, stops at least
    :data:`spatial.routes.DEFAULT_STOP_SPACING_M` apart); start: ``start`` or
    :func:`route_start`; the loop: :func:`spatial.routes.plan_eva_route`.

    Parameters
    ----------
    network
        The walkable street network. Not modified.
    points
        The selected crimes, EPSG:27700.
    wards
        The selected wards, EPSG:27700.
    sites
        Co-location sites (for the default start), or None.
    start
        Where to start (e.g. a ``--start LON,LAT`` or a site picked on the page); the default
        start when None.
    top_n
        How many hotspot stops are offered to the planner.
    max_minutes, walk_kmh, stop_minutes, method
        As :func:`spatial.routes.plan_eva_route`.

    Returns
    -------
    EvaRoute
        The planned loop.

    Raises
    ------
    EmptyInputError
        When there are no crimes or no hot cell.
    NoRouteError
        When the start is off the network or no stop can be reached.
    """
    stops = hotspot_stops(points, wards, top_n=top_n)
    chosen = start if start is not None else route_start(wards, sites)
    return plan_eva_route(
        network,
        stops,
        start=chosen.point,
        start_label=chosen.label,
        max_minutes=max_minutes,
        walk_kmh=walk_kmh,
        stop_minutes=stop_minutes,
        method=method,
    )
