"""
EVA walks along hot streets: the loop walks each chosen street segment end to end.

:func:`spatial.routes.plan_eva_route` visits points. A hot *street* is walked, not touched:
:func:`plan_street_walk` asks the EVA planner which segments to visit and in what order (each
segment stands in as its midpoint, weighted by its crimes), then builds the loop so that it
enters every chosen segment at one end and leaves at the other, choosing each segment's
direction by dynamic programming over the visiting order (shortest total walk). If walking the
segments pushes the loop over the time budget, the planner is asked again with less time, until
the loop fits.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely import LineString

from spatial.crs import BNG, require_bng
from spatial.errors import EmptyInputError, NoRouteError, ParameterError
from spatial.network import snap_to_edges
from spatial.routes import (  # _TurnBuilder: the one turn-list builder of EVA routes
    DEFAULT_MAX_MINUTES,
    DEFAULT_STOP_MINUTES,
    DEFAULT_WALK_KMH,
    EvaRoute,
    _TurnBuilder,
    plan_eva_route,
    walk_speed_m_per_min,
)

if TYPE_CHECKING:
    import numpy.typing as npt
    from shapely import Point

    from spatial.network import StreetNetwork

__all__ = ["StreetWalk", "plan_street_walk", "streets_at_points"]

_MAX_REPLANS: Final = 12
"""How often the planner is asked again with less time before giving up."""


@dataclass(frozen=True, eq=False)
class StreetWalk:
    """
    A closed EVA loop that walks hot street segments end to end.

    Attributes
    ----------
    line
        The walked line (EPSG:27700), from the start back to it.
    segments
        The segments walked, in order, indexed by segment id, with ``order``, ``name``,
        ``weight``, ``from_node`` and ``to_node`` (OSM ids, the walking direction),
        ``length_m``, ``enter_m`` (metres walked when the segment is reached) and geometry.
    left_out
        Segment ids given but not walked.
    node_path
        OSM node ids walked.
    distance_m, walk_time_min, stop_time_min, total_time_min
        Length of the loop, its walking time, the time at segments, and their sum (never over
        ``max_minutes``).
    max_minutes
        The time budget.
    route
        The walk as an :class:`~spatial.routes.EvaRoute` (stops where each hot street begins,
        the turn list, left-out segments), so EVA maps, GPX, KML and route sheets take it as is.
    """

    line: LineString
    segments: gpd.GeoDataFrame
    left_out: tuple[int, ...]
    node_path: tuple[int, ...]
    distance_m: float
    walk_time_min: float
    stop_time_min: float
    total_time_min: float
    max_minutes: float
    route: EvaRoute


def _check_segments(network: StreetNetwork, segments: gpd.GeoDataFrame) -> npt.NDArray[np.int64]:
    require_bng(segments, name="street segments")
    if len(segments) == 0:
        msg = "No hot street segments to walk: widen the selection or lower the threshold."
        raise EmptyInputError(msg)
    ids = np.asarray(segments.index, dtype=np.int64)
    bad = (ids < 0) | (ids >= network.n_edges)
    if bad.any():
        msg = (
            f"street segments: {int(bad.sum())} ids are not segments of this network (first: "
            f"{ids[bad][0]}; the network has {network.n_edges}). Index the frame by the "
            "segment_id of hotspots.streets results on the same network."
        )
        raise ParameterError(msg)
    return ids


def _orient(
    dist: npt.NDArray[np.float64], ends: npt.NDArray[np.int64], lengths: npt.NDArray[np.float64]
) -> tuple[float, list[bool]]:
    """
    Choose each segment's direction (DP over the visiting order); return the length and flips.

    ``dist`` is between the rows of ``[start, a_1, b_1, a_2, b_2, ...]``; ``ends[i]`` are the rows
    of segment ``i``'s ends. ``flip[i]`` True means walked from ``b_i`` to ``a_i``.
    """
    k = len(lengths)
    cost = np.full((k, 2), np.inf)  # cost[i, x]: leaving segment i by its end x (0 = b, 1 = a)
    back = np.zeros((k, 2), dtype=np.int64)
    for x in range(2):
        enter = ends[0, x]  # x = 0: enter a, leave b
        cost[0, x] = dist[0, enter] + lengths[0]
    for i in range(1, k):
        for x in range(2):
            enter = ends[i, x]
            options = [cost[i - 1, y] + dist[ends[i - 1, 1 - y], enter] for y in range(2)]
            back[i, x] = int(np.argmin(options))
            cost[i, x] = min(options) + lengths[i]
    final = [cost[k - 1, x] + dist[ends[k - 1, 1 - x], 0] for x in range(2)]
    x = int(np.argmin(final))
    flips = [False] * k
    for i in range(k - 1, -1, -1):
        flips[i] = x == 1
        x = int(back[i, x])
    return float(min(final)), flips


def _path(predecessors: npt.NDArray[np.int32], row: int, target: int) -> list[int]:
    path = [target]
    while predecessors[row, path[-1]] >= 0:
        path.append(int(predecessors[row, path[-1]]))
    return path[::-1]


def _line(network: StreetNetwork, path: list[int]) -> LineString:
    pieces = []
    for a, b in itertools.pairwise(path):
        e = network.edge_between(a, b)
        coords = shapely.get_coordinates(network.edge_geometry[e])
        pieces.append(coords if network.edge_u[e] == a else coords[::-1])
    if not pieces:
        xy = network.node_xy_m[path[0]]
        return LineString([xy, xy])
    return LineString(np.concatenate([pieces[0], *[p[1:] for p in pieces[1:]]]))


def _build(
    network: StreetNetwork, start: int, chosen: npt.NDArray[np.int64]
) -> tuple[list[list[int]], list[bool], list[float], float]:
    """
    Legs, flips and entering distances of the loop walking ``chosen`` in order.

    The legs alternate: approach to segment 1, segment 1, approach to segment 2, ..., the way
    back to the start; joined they are the loop's node path.
    """
    a, b = network.edge_u[chosen], network.edge_v[chosen]
    rows = np.concatenate([[start], np.column_stack([a, b]).ravel()])
    dist, pred = dijkstra(network.adjacency, directed=False, indices=rows, return_predecessors=True)
    lengths = network.edge_length_m[chosen]
    ends = np.arange(1, 2 * len(chosen) + 1).reshape(-1, 2)
    total, flips = _orient(dist[:, rows], ends, lengths)
    legs: list[list[int]] = []
    entered: list[float] = []
    walked = 0.0
    here_row = 0
    for i, flip in enumerate(flips):
        enter_row, leave_row = (ends[i, 1], ends[i, 0]) if flip else (ends[i, 0], ends[i, 1])
        legs.append(_path(pred, here_row, int(rows[enter_row])))
        walked += float(dist[here_row, rows[enter_row]])
        entered.append(walked)
        legs.append([int(rows[enter_row]), int(rows[leave_row])])
        walked += float(lengths[i])
        here_row = int(leave_row)
    legs.append(_path(pred, here_row, start))
    return legs, flips, entered, total


def plan_street_walk(
    network: StreetNetwork,
    segments: gpd.GeoDataFrame,
    *,
    start: Point,
    start_label: str = "the start",
    max_minutes: float = DEFAULT_MAX_MINUTES,
    walk_kmh: float = DEFAULT_WALK_KMH,
    stop_minutes: float = DEFAULT_STOP_MINUTES,
) -> StreetWalk:
    """
    Plan a closed EVA loop that walks the heaviest hot street segments end to end.

    Parameters
    ----------
    network
        The street network the segments come from.
    segments
        Hot segments (lines, EPSG:27700) indexed by ``segment_id`` on ``network`` (as
        :func:`hotspots.streets.hot_streets` per segment), with an optional ``weight`` (default:
        ``n_crimes`` if present, else 1) and ``name``.
    start
        Where the loop starts and ends.
    start_label
        What the start is called.
    max_minutes, walk_kmh, stop_minutes
        Time budget, walking speed and minutes spent on each segment (besides walking it).

    Returns
    -------
    StreetWalk
        The loop, the segments in walking order with their direction, and those left out.

    Raises
    ------
    EmptyInputError
        When no segment is given.
    ParameterError
        When a segment id is not on the network, or a parameter is out of range.
    NoRouteError
        When not even one segment can be walked within the budget.
    """
    ids = _check_segments(network, segments)
    speed = walk_speed_m_per_min(walk_kmh)
    if "weight" in segments.columns:
        weight = segments["weight"].to_numpy(dtype=np.float64)
    elif "n_crimes" in segments.columns:
        weight = segments["n_crimes"].to_numpy(dtype=np.float64)
    else:
        weight = np.ones(len(segments))
    names = segments["name"].astype(str).tolist() if "name" in segments.columns else None
    midpoints = shapely.line_interpolate_point(network.edge_geometry[ids], 0.5, normalized=True)
    stops = gpd.GeoDataFrame(
        {"weight": weight, "label": names or [f"Segment {i}" for i in ids]},
        geometry=midpoints,
        index=np.arange(len(ids)),
        crs=BNG,
    )
    budget = max_minutes
    for _ in range(_MAX_REPLANS):
        route = plan_eva_route(
            network,
            stops,
            start=start,
            start_label=start_label,
            max_minutes=budget,
            walk_kmh=walk_kmh,
            stop_minutes=stop_minutes,
        )
        order = np.asarray(route.stops.index, dtype=np.int64)
        start_pos = network.node_position[route.start_node]
        legs, flips, entered, total_m = _build(network, start_pos, ids[order])
        total_min = total_m / speed + stop_minutes * len(order)
        if total_min <= max_minutes + 1e-9:
            return _walk(
                network,
                segments,
                ids,
                order,
                weight,
                legs,
                flips,
                entered,
                total_m,
                speed,
                stop_minutes,
                max_minutes,
                route,
            )
        budget -= total_min - max_minutes + 0.5
        if budget <= 0:
            break
    msg = (
        f"No hot street can be walked end to end within {max_minutes:g} minutes from "
        f"{start_label}. Allow more time, or start nearer the hot streets."
    )
    raise NoRouteError(msg)


def _walk(  # noqa: PLR0913, PLR0917 -- the pieces of one finished loop, private
    network: StreetNetwork,
    segments: gpd.GeoDataFrame,
    ids: npt.NDArray[np.int64],
    order: npt.NDArray[np.int64],
    weight: npt.NDArray[np.float64],
    legs: list[list[int]],
    flips: list[bool],
    entered: list[float],
    total_m: float,
    speed: float,
    stop_minutes: float,
    max_minutes: float,
    route: EvaRoute,
) -> StreetWalk:
    chosen = ids[order]
    u, v = network.edge_u[chosen], network.edge_v[chosen]
    flip = np.asarray(flips, dtype=bool)
    names = (
        segments["name"].astype(str).to_numpy()[order]
        if "name" in segments.columns
        else np.asarray([network.edge_name[i] for i in chosen], dtype=object)
    )
    walked = gpd.GeoDataFrame(
        {
            "order": np.arange(1, len(chosen) + 1),
            "name": names,
            "weight": weight[order],
            "from_node": network.node_ids[np.where(flip, v, u)],
            "to_node": network.node_ids[np.where(flip, u, v)],
            "length_m": network.edge_length_m[chosen],
            "enter_m": entered,
        },
        geometry=list(network.edge_geometry[chosen]),
        index=pd.Index(chosen, name="segment_id"),
        crs=BNG,
    )
    walk_min = total_m / speed
    left = tuple(int(i) for i in sorted(set(ids.tolist()) - set(chosen.tolist())))
    path = [legs[0][0], *[n for leg in legs for n in leg[1:]]]
    line = _line(network, path)
    eva = _as_eva_route(
        network, walked, legs, line, route, speed=speed, total_m=total_m, max_minutes=max_minutes
    )
    return StreetWalk(
        line=line,
        segments=walked,
        left_out=left,
        node_path=tuple(int(network.node_ids[p]) for p in path),
        distance_m=total_m,
        walk_time_min=walk_min,
        stop_time_min=stop_minutes * len(chosen),
        total_time_min=walk_min + stop_minutes * len(chosen),
        max_minutes=max_minutes,
        route=eva,
    )


def _stops_frame(
    network: StreetNetwork,
    walked: gpd.GeoDataFrame,
    labels: list[str],
    approach_m: list[float],
    arrivals: list[float],
) -> gpd.GeoDataFrame:
    """Build the EVA stops: where each walked street begins, as :attr:`EvaRoute.stops`."""
    enter_ids = walked["from_node"].to_numpy(dtype=np.int64)
    enter_xy = network.node_xy_m[[network.node_position[int(n)] for n in enter_ids]]
    return gpd.GeoDataFrame(
        {
            "order": walked["order"].to_numpy(dtype=np.int64),
            "label": pd.array(labels, dtype="string"),
            "weight": walked["weight"].to_numpy(dtype=np.float64),
            "node": enter_ids,
            "snap_m": np.zeros(len(labels)),
            "leg_m": np.asarray(approach_m, dtype=np.float64),
            "arrival_min": np.asarray(arrivals, dtype=np.float64),
        },
        geometry=shapely.points(enter_xy) if labels else [],
        index=walked.index,
        crs=BNG,
    )


def _as_eva_route(
    network: StreetNetwork,
    walked: gpd.GeoDataFrame,
    legs: list[list[int]],
    line: LineString,
    planned: EvaRoute,
    *,
    speed: float,
    total_m: float,
    max_minutes: float,
) -> EvaRoute:
    """Express the walk as an :class:`EvaRoute`: stops where hot streets begin, turn by turn."""
    builder = _TurnBuilder(network, planned.start_label, [])
    stop_minutes = planned.stop_minutes
    arrivals: list[float] = []
    approach_m: list[float] = []
    labels = [str(n) for n in walked["name"]]
    for k, label in enumerate(labels):
        before = builder.walked_m
        builder.walk(legs[2 * k])
        approach_m.append(builder.walked_m - before)
        minute = builder.walked_m / speed + k * stop_minutes
        arrivals.append(minute)
        length = float(walked["length_m"].iloc[k])
        builder.arrive(
            f"Arrive at stop {k + 1}, {label} (minute {minute:.0f}): walk its {length:,.0f} m "
            f"doing the EVA checklist ({stop_minutes:g} min)",
            k + 1,
        )
        builder.walk(legs[2 * k + 1])
    builder.walk(legs[-1])
    minute = builder.walked_m / speed + len(labels) * stop_minutes
    builder.arrive(f"Arrive back at {builder.start_label} (minute {minute:.0f})", 0)
    stops = _stops_frame(network, walked, labels, approach_m, arrivals)
    walk_min = total_m / speed
    left = planned.left_out.copy()
    # the planner's reasons quote the reduced budget it was given; state the user's own
    budget = left["reason"].isin(["budget", "too_far"]).to_numpy()
    left.loc[budget, "detail"] = [
        f"{label} (weight {w:g}) was left out: it does not fit the {max_minutes:g} min beside "
        "the heavier hot streets walked end to end. Raise the budget, lower the minutes per "
        "stop or start nearer."
        for label, w in zip(left.loc[budget, "label"], left.loc[budget, "weight"], strict=True)
    ]
    return dataclasses.replace(
        planned,
        line=line,
        stops=stops,
        left_out=left,
        max_minutes=max_minutes,
        node_path=tuple(
            int(network.node_ids[p]) for p in [legs[0][0], *[n for g in legs for n in g[1:]]]
        ),
        distance_m=total_m,
        walk_time_min=walk_min,
        stop_time_min=stop_minutes * len(labels),
        total_time_min=walk_min + stop_minutes * len(labels),
        weight_visited=float(walked["weight"].sum()),
        turns=tuple(builder.turns),
    )


def streets_at_points(
    network: StreetNetwork, stops: gpd.GeoDataFrame, *, max_snap_m: float = 50.0
) -> gpd.GeoDataFrame:
    """
    Return the street segment under each stop, as segments for :func:`plan_street_walk`.

    A hot street offered as a stop is its midpoint, so the point lies on the segment; a stop
    added by hand is taken to mean its nearest street.

    Parameters
    ----------
    network
        The street network.
    stops
        Points (EPSG:27700) with optional ``weight`` and ``label``.
    max_snap_m
        Largest distance from a stop to its street.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per distinct segment, indexed by ``segment_id``, with ``weight`` (summed over
        the stops on it, 1 each by default), ``name`` (the first stop's label, else the OSM name)
        and the segment's line.

    Raises
    ------
    InputDataError
        When a stop is further than ``max_snap_m`` from every street.
    """
    snap = snap_to_edges(network, stops, max_snap_m=max_snap_m, name="stops")
    weight = stops["weight"].to_numpy(dtype=np.float64) if "weight" in stops.columns else None
    labels = stops["label"].astype(str).tolist() if "label" in stops.columns else None
    frame = pd.DataFrame(
        {
            "segment_id": snap.edge,
            "weight": np.ones(len(stops)) if weight is None else weight,
            "name": labels or [network.edge_name[e] for e in snap.edge],
        }
    )
    grouped = frame.groupby("segment_id", sort=False).agg(
        weight=("weight", "sum"), name=("name", "first")
    )
    ids = grouped.index.to_numpy(dtype=np.int64)
    return gpd.GeoDataFrame(grouped, geometry=list(network.edge_geometry[ids]), crs=BNG)
