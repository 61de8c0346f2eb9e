"""
Walking catchments of co-location sites, what they cover, and where a joint base would serve best.

A catchment is the part of the street network reachable from a site within a walking time,
drawn as a polygon: the reachable streets (whole edges, and the reachable ends of edges at the
limit) buffered by ``buffer_m``. Times are measured along the network from the street node
nearest the site.

The polygon is a drawing. What a catchment holds is counted on the network, by the rule routes
use: a crime is in a catchment when the street point nearest to it (within ``max_snap_m``) is
reachable on foot in the time (:func:`catchment_coverage`). Counting points inside the polygon
instead missed the crimes between streets, beyond the band drawn along them: a catchment
reaching every street of Cambridge held 77 % of its crime.

References
----------
Church, R. & ReVelle, C. (1974). The maximal covering location problem. Papers of the Regional
Science Association 32, 101-118.

Nemhauser, G. L., Wolsey, L. A. & Fisher, M. L. (1978). An analysis of approximations for
maximizing submodular set functions. Mathematical Programming 14, 265-294 (the greedy choice
covers at least 1 - 1/e of the best possible weight).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from spatial.crime_types import ASB
from spatial.crs import BNG, require_bng
from spatial.errors import EmptyInputError, MissingColumnError, ParameterError
from spatial.network import DEFAULT_MAX_SNAP_M, StreetNetwork, snap_to_nodes
from spatial.routes import DEFAULT_WALK_KMH, walk_speed_m_per_min, walk_speed_problem

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "DEFAULT_CATCHMENT_BUFFER_M",
    "DEFAULT_CATCHMENT_MINUTES",
    "DEFAULT_COVER_MINUTES",
    "DEFAULT_FILL_HOLES_M2",
    "JointSitePlan",
    "best_joint_sites",
    "catchment_coverage",
    "hotspot_coverage",
    "reachable_distances",
    "walking_catchments",
]

DEFAULT_CATCHMENT_MINUTES: Final = (5.0, 10.0, 15.0)
"""Default walking times of the catchment bands, in minutes."""
DEFAULT_CATCHMENT_BUFFER_M: Final = 25.0
"""Half-width of the band drawn around reachable streets, in metres."""
DEFAULT_FILL_HOLES_M2: Final = 20_000.0
"""Holes in a catchment smaller than this (street blocks, in m2) are filled; larger ones (parks,
water, rail land without paths) are kept."""
DEFAULT_COVER_MINUTES: Final = 10.0
"""Default walking time within which a joint base covers a hotspot."""
DEFAULT_N_RANKED: Final = 20
"""How many street-node candidates :func:`best_joint_sites` lists in its ranking."""


def _site_names(sites: gpd.GeoDataFrame) -> list[str]:
    if "name" in sites.columns:
        names = sites["name"].astype("string").fillna("")
        return [str(n) or f"Site {i + 1}" for i, n in enumerate(names)]
    return [f"Site {i + 1}" for i in range(len(sites))]


def _check_minutes(minutes: Sequence[float], walk_kmh: float) -> tuple[float, ...]:
    values = tuple(float(m) for m in minutes)
    problems = []
    if not values or any(not (math.isfinite(m) and m > 0) for m in values):
        problems.append(f"minutes ({', '.join(map(str, minutes)) or 'none'}) must be positive")
    if (speed := walk_speed_problem(walk_kmh)) is not None:
        problems.append(speed)
    if problems:
        msg = "; ".join(problems) + ", e.g. minutes=(5, 10, 15) at walk_kmh=4.8."
        raise ParameterError(msg)
    return tuple(sorted(set(values)))


def reachable_distances(
    network: StreetNetwork, node_position: int, *, max_distance_m: float
) -> npt.NDArray[np.float64]:
    """
    Return the walking distance from one node to every node, up to a limit.

    Parameters
    ----------
    network
        The street network.
    node_position
        Position (not OSM id) of the source node.
    max_distance_m
        Nodes further than this are reported as ``inf``.

    Returns
    -------
    numpy.ndarray
        Metres along the network for every node position (``inf`` beyond the limit or on
        another island).
    """
    out = dijkstra(
        network.adjacency, directed=False, indices=np.asarray([node_position]), limit=max_distance_m
    )
    return np.asarray(out[0], dtype=np.float64)


def _catchment_polygon(
    network: StreetNetwork,
    dist: npt.NDArray[np.float64],
    reach_m: float,
    *,
    origin: int,
    buffer_m: float,
    fill_holes_m2: float,
) -> BaseGeometry:
    d_u = dist[network.edge_u]
    d_v = dist[network.edge_v]
    length = network.edge_length_m
    with np.errstate(invalid="ignore"):
        full = (d_u + d_v + length) / 2 <= reach_m
    lines: list[BaseGeometry] = list(network.edge_geometry[full])
    partial = np.flatnonzero(~full & ((d_u < reach_m) | (d_v < reach_m)))
    for e in partial:
        geom = network.edge_geometry[e]
        if d_u[e] < reach_m:
            lines.append(
                substring(geom, 0.0, min((reach_m - d_u[e]) / length[e], 1.0), normalized=True)
            )
        if d_v[e] < reach_m:
            lines.append(
                substring(geom, max(1 - (reach_m - d_v[e]) / length[e], 0.0), 1.0, normalized=True)
            )
    lines.append(shapely.Point(network.node_xy_m[origin]))
    area = shapely.union_all(shapely.buffer(np.asarray(lines, dtype=object), buffer_m))
    return _fill_holes(area, fill_holes_m2) if fill_holes_m2 > 0 else area


def _fill_holes(area: BaseGeometry, max_hole_m2: float) -> BaseGeometry:
    """Fill holes smaller than ``max_hole_m2`` (the insides of street blocks)."""
    parts = list(shapely.get_parts(area))
    filled = []
    for part in parts:
        if not isinstance(part, shapely.Polygon):
            filled.append(part)
            continue
        holes = [ring for ring in part.interiors if shapely.Polygon(ring).area >= max_hole_m2]
        filled.append(shapely.Polygon(part.exterior, holes))
    return shapely.union_all(np.asarray(filled, dtype=object))


def walking_catchments(
    network: StreetNetwork,
    sites: gpd.GeoDataFrame,
    *,
    minutes: Sequence[float] = DEFAULT_CATCHMENT_MINUTES,
    walk_kmh: float = DEFAULT_WALK_KMH,
    buffer_m: float = DEFAULT_CATCHMENT_BUFFER_M,
    fill_holes_m2: float = DEFAULT_FILL_HOLES_M2,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> gpd.GeoDataFrame:
    """
    Draw walking catchments of each site for each walking time.

    Parameters
    ----------
    network
        The street network.
    sites
        Points in EPSG:27700, optionally with ``name``. Not modified.
    minutes
        Walking times of the bands.
    walk_kmh
        Walking speed.
    buffer_m
        Half-width of the band drawn around the reachable streets.
    fill_holes_m2
        Holes smaller than this are filled (the insides of street blocks); 0 keeps every hole.
    max_snap_m
        Largest distance from a site to its street node.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per site and walking time (shortest first), EPSG:27700, with ``site`` (the
        site's index label), ``site_name``, ``node`` (the id of the site's street node),
        ``minutes``, ``reach_m`` (metres walkable in that time), ``n_nodes_reached``,
        ``area_km2`` and the polygon ``geometry``.

    Raises
    ------
    CRSError
        When the sites are not in EPSG:27700.
    EmptyInputError
        When there are no sites.
    InputDataError
        When a site is further than ``max_snap_m`` from a street.
    ParameterError
        When a time, the speed or ``buffer_m`` is not positive, or ``fill_holes_m2`` is
        negative.
    """
    bands = _check_minutes(minutes, walk_kmh)
    if not (math.isfinite(buffer_m) and buffer_m > 0):
        msg = f"buffer_m ({buffer_m}) must be a positive distance in metres, e.g. 25."
        raise ParameterError(msg)
    if not fill_holes_m2 >= 0:
        msg = f"fill_holes_m2 ({fill_holes_m2}) must be 0 (keep every hole) or more."
        raise ParameterError(msg)
    require_bng(sites, name="sites")
    if len(sites) == 0:
        msg = "sites: no co-location sites. Add at least one site."
        raise EmptyInputError(msg)
    snap = snap_to_nodes(network, sites, max_snap_m=max_snap_m, name="sites")
    speed = walk_speed_m_per_min(walk_kmh)
    names = _site_names(sites)
    rows: list[dict[str, object]] = []
    geoms: list[BaseGeometry] = []
    for i, position in enumerate(snap.position):
        dist = reachable_distances(network, int(position), max_distance_m=bands[-1] * speed)
        for band in bands:
            reach = band * speed
            polygon = _catchment_polygon(
                network,
                dist,
                reach,
                origin=int(position),
                buffer_m=buffer_m,
                fill_holes_m2=fill_holes_m2,
            )
            rows.append(
                {
                    "site": sites.index[i],
                    "site_name": names[i],
                    "node": int(snap.node_id[i]),
                    "minutes": band,
                    "reach_m": reach,
                    "n_nodes_reached": int((dist <= reach).sum()),
                    "area_km2": polygon.area / 1e6,
                }
            )
            geoms.append(polygon)
    frame = pd.DataFrame(rows)
    frame["site_name"] = frame["site_name"].astype("string")
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=BNG)


def catchment_coverage(
    catchments: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    *,
    network: StreetNetwork,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> gpd.GeoDataFrame:
    """
    Count the crimes and ASB within each catchment's walking time and their share of the selection.

    The rule: each point is snapped to the nearest point of a street (of any edge, not only a
    node), and it is in a catchment when that street point is reachable from the site within
    the catchment's ``reach_m``, walking along the network: from the site's node to either end
    of the edge, then along it. So a catchment that reaches every street holds every point that
    lies within ``max_snap_m`` of a street of the network, whether or not the polygon drawn for
    it covers the point (the polygon is a band along the streets; crimes between streets fall
    outside it). Points further than ``max_snap_m`` from every street are in no catchment and
    are counted in ``n_off_network``; they stay in the shares' denominators.

    Parameters
    ----------
    catchments
        From :func:`walking_catchments` (``node`` and ``reach_m`` are used), on ``network``.
        Not modified.
    points
        The selected wards' crimes in EPSG:27700 with ``crime_type``. Not modified.
    network
        The street network the catchments were drawn on.
    max_snap_m
        Largest distance from a point to its street.

    Returns
    -------
    geopandas.GeoDataFrame
        ``catchments`` with ``n_crimes`` (not ASB), ``n_asb``, ``share_crime`` and ``share_asb``
        (fractions of the selection's crimes and ASB within the walking time; NaN when the
        selection has none) and ``n_off_network`` (points further than ``max_snap_m`` from every
        street).

    Raises
    ------
    CRSError
        When either frame is not in EPSG:27700.
    MissingColumnError
        When ``points`` has no ``crime_type``, or ``catchments`` no ``node`` or ``reach_m``.
    EmptyInputError
        When there are crimes but none lies within ``max_snap_m`` of a street (the network of
        another area).
    """
    require_bng(catchments, name="catchments")
    require_bng(points, name="crimes")
    if "crime_type" not in points.columns:
        msg = "crimes: no crime_type column. Load the crimes with spatial.io.read_crimes."
        raise MissingColumnError(msg)
    missing = [c for c in ("node", "reach_m") if c not in catchments.columns]
    if missing:
        msg = (
            f"catchments: no {' or '.join(missing)} column. Draw them with "
            "spatial.catchments.walking_catchments."
        )
        raise MissingColumnError(msg)
    asb = (points["crime_type"].astype("string") == ASB).fillna(value=False)
    is_asb = asb.to_numpy(dtype=bool)
    edge, along_m, near = _snap_points_to_edges(network, points, max_snap_m=max_snap_m)
    if len(points) and not near.any():  # shares of 0 % would hide a network of another area
        msg = (
            f"None of the {len(points):,} crimes lies within {max_snap_m:g} m of a street; "
            "check that the network covers them (the network of the wards' area)."
        )
        raise EmptyInputError(msg)
    length = network.edge_length_m[edge]
    n_crimes: list[int] = []
    n_asb: list[int] = []
    for node, reach_m in zip(catchments["node"], catchments["reach_m"], strict=True):
        dist = reachable_distances(
            network, network.node_position[int(node)], max_distance_m=float(reach_m)
        )
        walk_m = np.minimum(
            dist[network.edge_u[edge]] + along_m, dist[network.edge_v[edge]] + length - along_m
        )
        inside = near & (walk_m <= float(reach_m))
        n_crimes.append(int((inside & ~is_asb).sum()))
        n_asb.append(int((inside & is_asb).sum()))
    total_crime = int((~is_asb).sum())
    total_asb = int(is_asb.sum())
    crimes = np.asarray(n_crimes, dtype=np.float64)
    asbs = np.asarray(n_asb, dtype=np.float64)
    return catchments.assign(
        n_crimes=np.asarray(n_crimes, dtype=np.int64),
        n_asb=np.asarray(n_asb, dtype=np.int64),
        share_crime=crimes / total_crime if total_crime else np.full(len(crimes), np.nan),
        share_asb=asbs / total_asb if total_asb else np.full(len(asbs), np.nan),
        n_off_network=int((~near).sum()),
    )


def _snap_points_to_edges(
    network: StreetNetwork, points: gpd.GeoDataFrame, *, max_snap_m: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """
    Return each point's nearest edge, the metres along it from ``edge_u``, and whether it is near.

    Unlike :func:`spatial.network.snap_to_edges`, a point further than ``max_snap_m`` is not an
    error: it is marked not near (a crime off the network is in no catchment).
    """
    geoms = np.asarray(points.geometry, dtype=object)
    if len(geoms) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0, dtype=np.float64), np.zeros(0, dtype=bool)
    pairs, distance = network.edge_tree.query_nearest(
        geoms, return_distance=True, all_matches=False
    )
    order = np.argsort(pairs[0], kind="stable")
    edge = np.asarray(pairs[1][order], dtype=np.int64)
    distance = np.asarray(distance[order], dtype=np.float64)
    lines = network.edge_geometry[edge]
    # the geometry runs from edge_u to edge_v; scale its length to the edge's walking length
    fraction = shapely.line_locate_point(lines, geoms, normalized=True)
    along_m = np.asarray(fraction, dtype=np.float64) * network.edge_length_m[edge]
    return edge, along_m, distance <= max_snap_m


def _hotspot_weights(hotspots: gpd.GeoDataFrame, weight_column: str | None) -> pd.Series:
    if weight_column is None:
        return pd.Series(1.0, index=hotspots.index)
    if weight_column not in hotspots.columns:
        msg = (
            f"hotspots: no column {weight_column!r}; found "
            f"{', '.join(map(str, hotspots.columns))}. Name the weight column, or pass None."
        )
        raise MissingColumnError(msg)
    return pd.to_numeric(hotspots[weight_column], errors="coerce").fillna(0.0).astype("float64")


def hotspot_coverage(
    catchments: gpd.GeoDataFrame,
    hotspots: gpd.GeoDataFrame,
    *,
    weight_column: str | None = "weight",
) -> pd.DataFrame:
    """
    Share of each hotspot inside each catchment.

    Parameters
    ----------
    catchments
        From :func:`walking_catchments`. Not modified.
    hotspots
        Hotspot polygons (Gi* cells) or points (KDE peaks, cluster centres) in EPSG:27700.
        Not modified.
    weight_column
        The hotspots' weight; every hotspot weighs 1 when None.

    Returns
    -------
    pandas.DataFrame
        One row per catchment and hotspot: ``catchment`` (row label in ``catchments``),
        ``site``, ``site_name``, ``minutes``, ``hotspot`` (the hotspot's index label),
        ``share_inside`` (fraction of the polygon's area inside, or 1/0 for a point) and
        ``weight_inside`` (weight times share).

    Raises
    ------
    CRSError
        When either frame is not in EPSG:27700.
    MissingColumnError
        When ``weight_column`` is missing.
    """
    require_bng(catchments, name="catchments")
    require_bng(hotspots, name="hotspots")
    weight = _hotspot_weights(hotspots, weight_column).to_numpy()
    geoms = np.asarray(hotspots.geometry, dtype=object)
    areas = shapely.area(geoms)
    pieces = []
    for label, row in catchments.iterrows():
        polygon = row.geometry
        shapely.prepare(polygon)
        share = np.where(
            areas > 0,
            shapely.area(shapely.intersection(geoms, polygon)) / np.where(areas > 0, areas, 1.0),
            shapely.intersects(geoms, polygon).astype(np.float64),
        )
        pieces.append(
            pd.DataFrame(
                {
                    "catchment": label,
                    "site": row["site"],
                    "site_name": row["site_name"],
                    "minutes": row["minutes"],
                    "hotspot": hotspots.index,
                    "share_inside": share,
                    "weight_inside": weight * share,
                }
            )
        )
    return pd.concat(pieces, ignore_index=True)


@dataclass(frozen=True, eq=False)
class JointSitePlan:
    """
    Where one or more joint bases would cover the most hotspot weight on foot.

    Attributes
    ----------
    chosen
        The chosen candidates in greedy order, EPSG:27700: ``rank`` (1 = first choice),
        ``candidate`` (site index label or OSM node id), ``name``, ``weight_added`` (hotspot
        weight newly covered), ``n_hotspots_added``, ``weight_covered`` and ``share_covered``
        (cumulative) and the candidate's point ``geometry``.
    ranking
        Candidates by the weight each would cover alone (heaviest first): ``candidate``,
        ``name``, ``weight_alone``, ``n_hotspots_alone``, ``geometry``. Every site, or the top
        :data:`DEFAULT_N_RANKED` street nodes.
    minutes, walk_kmh
        The walking time and speed that define "covered".
    weight_total
        Total hotspot weight.
    candidate_kind
        "sites" or "street nodes".
    """

    chosen: gpd.GeoDataFrame
    ranking: gpd.GeoDataFrame
    minutes: float
    walk_kmh: float
    weight_total: float
    candidate_kind: Literal["sites", "street nodes"]


@dataclass(frozen=True)
class _Candidates:
    """Candidate joint bases: their kind, street-node positions, labels, names and points."""

    kind: Literal["sites", "street nodes"]
    position: npt.NDArray[np.int64]
    label: list[object]
    names: list[str]
    geometry: npt.NDArray[np.object_]


def _candidates(
    network: StreetNetwork, candidates: gpd.GeoDataFrame | None, *, max_snap_m: float
) -> _Candidates:
    """Return the given sites snapped to the streets, or every street node when None."""
    if candidates is None:
        return _Candidates(
            kind="street nodes",
            position=np.arange(network.n_nodes, dtype=np.int64),
            label=[int(n) for n in network.node_ids],
            names=[f"Street node {n}" for n in network.node_ids],
            geometry=np.asarray(shapely.points(network.node_xy_m), dtype=object),
        )
    require_bng(candidates, name="candidate sites")
    if len(candidates) == 0:
        msg = "candidate sites: none given. Add sites, or leave candidates out to use streets."
        raise EmptyInputError(msg)
    c_snap = snap_to_nodes(network, candidates, max_snap_m=max_snap_m, name="candidate sites")
    return _Candidates(
        kind="sites",
        position=np.asarray(c_snap.position, dtype=np.int64),
        label=list(candidates.index),
        names=_site_names(candidates),
        geometry=np.asarray(candidates.geometry, dtype=object),
    )


def _greedy_cover(
    cover: npt.NDArray[np.bool_], weight: npt.NDArray[np.float64], *, n_sites: int
) -> tuple[list[int], list[float], list[int]]:
    """
    Pick ``n_sites`` candidates (columns of ``cover``) greedily by the weight they newly cover.

    Returns the picks in order, the weight each newly covered and how many hotspots it added.
    """
    covered = np.zeros(len(weight), dtype=bool)
    picks: list[int] = []
    added: list[float] = []
    n_added: list[int] = []
    for _ in range(n_sites):
        gain = np.where(covered, 0.0, weight) @ cover
        best = int(np.argmax(gain))
        picks.append(best)
        added.append(float(gain[best]))
        n_added.append(int((cover[:, best] & ~covered).sum()))
        covered |= cover[:, best]
    return picks, added, n_added


def best_joint_sites(
    network: StreetNetwork,
    hotspots: gpd.GeoDataFrame,
    *,
    candidates: gpd.GeoDataFrame | None = None,
    n_sites: int = 1,
    minutes: float = DEFAULT_COVER_MINUTES,
    walk_kmh: float = DEFAULT_WALK_KMH,
    weight_column: str | None = "weight",
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> JointSitePlan:
    """
    Rank candidate joint bases by the hotspot weight within a walking time (greedy max coverage).

    A hotspot is covered by a candidate when the walk between their nearest street nodes takes
    at most ``minutes``. The first site chosen covers the most weight; each next one the most
    weight not yet covered (greedy maximum coverage, within 1 - 1/e of the best possible).

    Parameters
    ----------
    network
        The street network.
    hotspots
        Hotspot points or polygons (a point inside each polygon is used) in EPSG:27700.
    candidates
        Candidate sites (points in EPSG:27700, optionally with ``name``); every street node
        when None.
    n_sites
        How many new sites to choose.
    minutes, walk_kmh
        Walking time and speed that define "covered".
    weight_column
        The hotspots' weight column; every hotspot weighs 1 when None.
    max_snap_m
        Largest distance from a hotspot or candidate to its street node.

    Returns
    -------
    JointSitePlan
        The chosen sites in order and the ranking of candidates taken alone.

    Raises
    ------
    CRSError
        When a frame is not in EPSG:27700.
    EmptyInputError
        When there are no hotspots or no candidates.
    ParameterError
        When ``n_sites`` is below 1 or ``minutes`` or ``walk_kmh`` is not positive.
    """
    (minutes,) = _check_minutes([minutes], walk_kmh)
    if n_sites < 1:
        msg = f"n_sites ({n_sites}) must be at least 1."
        raise ParameterError(msg)
    require_bng(hotspots, name="hotspots")
    if len(hotspots) == 0:
        msg = "hotspots: none given. Run a hotspot analysis on the selected wards first."
        raise EmptyInputError(msg)
    weight = _hotspot_weights(hotspots, weight_column).to_numpy()
    points = gpd.GeoSeries(
        shapely.point_on_surface(np.asarray(hotspots.geometry, dtype=object)),
        index=hotspots.index,
        crs=BNG,
    )
    h_snap = snap_to_nodes(network, points, max_snap_m=max_snap_m, name="hotspots")
    cands = _candidates(network, candidates, max_snap_m=max_snap_m)
    reach = minutes * walk_speed_m_per_min(walk_kmh)
    sources, inverse = np.unique(h_snap.position, return_inverse=True)
    dist = dijkstra(network.adjacency, directed=False, indices=sources, limit=reach)
    cover = dist[inverse][:, cands.position] <= reach  # hotspots x candidates

    alone = weight @ cover
    n_alone = cover.sum(axis=0)
    order = np.lexsort((np.arange(len(alone)), -alone))
    if cands.kind == "street nodes":
        order = order[:DEFAULT_N_RANKED]
    ranking = gpd.GeoDataFrame(
        {
            "candidate": [cands.label[i] for i in order],
            "name": pd.array([cands.names[i] for i in order], dtype="string"),
            "weight_alone": alone[order],
            "n_hotspots_alone": n_alone[order].astype(np.int64),
        },
        geometry=cands.geometry[order],
        crs=BNG,
    )
    picks, added, n_added = _greedy_cover(cover, weight, n_sites=min(n_sites, len(cands.position)))
    total = float(weight.sum())
    cumulative = np.cumsum(added)
    chosen = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, len(picks) + 1, dtype=np.int64),
            "candidate": [cands.label[i] for i in picks],
            "name": pd.array([cands.names[i] for i in picks], dtype="string"),
            "weight_added": np.asarray(added, dtype=np.float64),
            "n_hotspots_added": np.asarray(n_added, dtype=np.int64),
            "weight_covered": cumulative,
            "share_covered": cumulative / total if total > 0 else np.full(len(picks), np.nan),
        },
        geometry=cands.geometry[picks],
        crs=BNG,
    )
    return JointSitePlan(
        chosen=chosen,
        ranking=ranking,
        minutes=minutes,
        walk_kmh=walk_kmh,
        weight_total=total,
        candidate_kind=cands.kind,
    )
