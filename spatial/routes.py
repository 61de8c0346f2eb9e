"""
EVA (environmental visual audit) walkabout routes: a closed walking loop through hotspot stops.

The planner snaps the start and the stops to street nodes, runs Dijkstra from each of them once
(:func:`scipy.sparse.csgraph.dijkstra`) to build the metric closure of the stops (shortest walking
distances between stops only, never an all-pairs computation over the whole graph) and then solves
an orienteering problem on that small matrix: choose the stops that maximise the hotspot weight
visited while the loop, walked at ``walk_kmh`` plus ``stop_minutes`` at each stop, stays within
``max_minutes``; visit them in the shortest order.

- Up to :data:`EXACT_MAX_STOPS` candidate stops the answer is exact: a Held-Karp dynamic programme
  over every subset of stops gives the shortest loop through each subset, and the heaviest subset
  that fits (the shortest among equally heavy ones) is walked.
- Beyond that a heuristic is used: greedy insertion of the stop with the best weight per extra
  minute, each insertion followed by 2-opt and or-opt improvement of the order.

A stop of weight 0 adds nothing to the weight visited, but it is still a place to look at: both
methods visit it when it fits once the weighted stops are chosen (the exact one takes, among
equally heavy subsets, the one with the most weight-0 stops, then the shortest; the heuristic
inserts them last, as their weight per extra minute is 0).

The result says which was used (``route.method``) and why each left-out stop was left out.

References
----------
Held, M. & Karp, R. M. (1962). A dynamic programming approach to sequencing problems.
Journal of the Society for Industrial and Applied Mathematics 10(1), 196-210.

Vansteenwegen, P., Souffriau, W. & Van Oudheusden, D. (2011). The orienteering problem: a survey.
European Journal of Operational Research 209(1), 1-10.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, NamedTuple, NoReturn

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely import LineString, Point

from spatial.crs import BNG, require_bng
from spatial.errors import (
    CRSError,
    EmptyInputError,
    InputDataError,
    MissingColumnError,
    NoRouteError,
    ParameterError,
)
from spatial.network import DEFAULT_MAX_SNAP_M, NodeSnap, StreetNetwork, snap_to_nodes
from spatial.sites import PointSource, point_row, read_points

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "DEFAULT_MAX_MINUTES",
    "DEFAULT_STOP_MINUTES",
    "DEFAULT_STOP_SPACING_M",
    "DEFAULT_TOP_N",
    "DEFAULT_WALK_KMH",
    "EVA_CHECKLIST",
    "EXACT_MAX_STOPS",
    "MAX_WALK_KMH",
    "EvaRoute",
    "LeftOutReason",
    "RouteMethod",
    "Turn",
    "plan_eva_route",
    "read_stops",
    "stop_labels",
    "stops_from_hotspots",
    "walk_speed_m_per_min",
    "walk_speed_problem",
]

DEFAULT_MAX_MINUTES: Final = 60.0
"""Default time budget of a walkabout, in minutes, including the time spent at stops."""
DEFAULT_WALK_KMH: Final = 4.8
"""Default walking speed in km/h (80 m a minute)."""
DEFAULT_STOP_MINUTES: Final = 3.0
"""Default minutes spent at each stop doing the audit."""
DEFAULT_TOP_N: Final = 12
"""Default number of hotspots turned into stops by :func:`stops_from_hotspots`."""
DEFAULT_STOP_SPACING_M: Final = 100.0
"""Suggested smallest distance between hotspot stops (adjacent hot cells merge into one stop)."""
EXACT_MAX_STOPS: Final = 16
"""Largest number of candidate stops solved exactly (Held-Karp over 2**n subsets)."""
EVA_CHECKLIST: Final = (
    "Graffiti",
    "Fly-tipping",
    "Litter",
    "Street lighting",
    "Damage",
    "Abandoned vehicles",
    "Overgrown vegetation",
    "Sightlines and hiding places",
    "Signage",
    "Residents spoken to",
)
"""What to look at and record at every stop of an environmental visual audit."""
_TIME_TOLERANCE_MIN: Final = 1e-9

LeftOutReason = Literal["unreachable", "too_far", "budget"]
"""Why a stop was left out: on another island of the network, too far for even a lone visit, or
left out to keep the heavier stops within the budget."""
RouteMethod = Literal["auto", "exact", "heuristic"]
"""How stops are chosen and ordered; "auto" is exact up to :data:`EXACT_MAX_STOPS` stops."""


@dataclass(frozen=True)
class Turn:
    """
    One step of the turn list.

    Attributes
    ----------
    step
        1-based step number.
    instruction
        What to do, e.g. "Turn left onto Mill Road" or "Arrive at stop 2 (minute 14)".
    street
        The street walked in this step ("" for arrivals).
    distance_m
        Distance walked in this step.
    start_m
        Distance walked before this step starts.
    stop_order
        For arrivals, the stop's order (0 for the return to the start); otherwise None.
    """

    step: int
    instruction: str
    street: str
    distance_m: float
    start_m: float
    stop_order: int | None


@dataclass(frozen=True, eq=False)
class EvaRoute:
    """
    A closed EVA walking loop.

    Attributes
    ----------
    line
        The walked line in EPSG:27700, from the start node back to it.
    stops
        Visited stops in visiting order, indexed by their label in the input frame, with
        ``order`` (1-based), ``label``, ``weight``, ``node`` (OSM node id), ``snap_m`` (metres from
        the point to its node), ``leg_m`` (metres walked from the previous stop), ``arrival_min``
        (minutes after setting off) and the input ``geometry``.
    left_out
        Stops not visited, indexed like the input, with ``label``, ``weight``, ``reason``
        (a :data:`LeftOutReason`), ``detail`` (a sentence saying why and what would change it)
        and ``geometry``.
    node_path
        OSM node ids walked, first = last = ``start_node``.
    start
        The start point given.
    start_node
        OSM id of the node the start snapped to.
    start_label
        What the start is called on the route sheet.
    distance_m
        Length of the loop: the sum of the lengths of the edges in ``node_path``.
    walk_time_min
        ``distance_m`` at ``walk_kmh``.
    stop_time_min
        Minutes spent at stops (``stop_minutes`` times the number of stops visited).
    total_time_min
        ``walk_time_min + stop_time_min``; never more than ``max_minutes``.
    max_minutes, walk_kmh, stop_minutes
        The parameters used.
    weight_visited, weight_total
        Hotspot weight of the visited stops and of all stops given.
    method
        "exact" (Held-Karp) or "heuristic" (greedy insertion with 2-opt and or-opt).
    turns
        The turn list by street name, with an arrival step at each stop.
    checklist
        The EVA checklist (:data:`EVA_CHECKLIST`), to be filled in at every stop.
    notes
        Things the walker should know (network caveats).
    """

    line: LineString
    stops: gpd.GeoDataFrame
    left_out: gpd.GeoDataFrame
    node_path: tuple[int, ...]
    start: Point
    start_node: int
    start_label: str
    distance_m: float
    walk_time_min: float
    stop_time_min: float
    total_time_min: float
    max_minutes: float
    walk_kmh: float
    stop_minutes: float
    weight_visited: float
    weight_total: float
    method: Literal["exact", "heuristic"]
    turns: tuple[Turn, ...]
    checklist: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def crs(self) -> str:
        """Coordinate reference system of ``line`` and the stops: always EPSG:27700."""
        return BNG


MAX_WALK_KMH: Final = 12.0
"""The fastest walking speed a route or catchment accepts, in km/h (a run; a walk is 4-6)."""


def walk_speed_problem(walk_kmh: float) -> str | None:
    """
    Say what is wrong with a walking speed, or None when it is a walk.

    Examples
    --------
    >>> walk_speed_problem(4.8) is None
    True
    >>> walk_speed_problem(1000)
    'walk_kmh (1000) must be a walking speed, above 0 and at most 12 km/h; 4.8 is a steady walk'
    """
    if math.isfinite(walk_kmh) and 0 < walk_kmh <= MAX_WALK_KMH:
        return None
    return (
        f"walk_kmh ({walk_kmh:g}) must be a walking speed, above 0 and at most "
        f"{MAX_WALK_KMH:g} km/h; 4.8 is a steady walk"
    )


def walk_speed_m_per_min(walk_kmh: float) -> float:
    """
    Convert a walking speed from km/h to metres per minute.

    Parameters
    ----------
    walk_kmh
        Walking speed in km/h.

    Returns
    -------
    float
        Metres per minute.

    Examples
    --------
    >>> walk_speed_m_per_min(4.8)
    80.0
    """
    return walk_kmh * 1000.0 / 60.0


def _weights(stops: gpd.GeoDataFrame, *, name: str) -> npt.NDArray[np.float64]:
    if "weight" not in stops.columns:
        return np.ones(len(stops), dtype=np.float64)
    weight = pd.to_numeric(stops["weight"], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    bad = ~np.isfinite(weight) | (weight < 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        value = stops["weight"].iloc[first]
        shown = repr(value) if isinstance(value, str) else value
        msg = (
            f"{name}: {int(bad.sum())} stops have a missing, negative or non-numeric weight "
            f"(first: {point_row(name, first)}, {shown}). Give each stop "
            "a weight >= 0, or drop the weight column to weigh all stops equally."
        )
        raise InputDataError(msg)
    return weight


def stop_labels(stops: pd.DataFrame) -> list[str]:
    """
    Name each stop: its ``label``, else its ``name``, else "Stop N" by its place in the file.

    The one rule for a stop's name, used by route planning (the CLI) and the app's stop table,
    so a route sheet, GPX or KML names each stop the same whichever front end made it. Blank
    or whitespace-only values count as missing; names are stripped of surrounding spaces.

    Parameters
    ----------
    stops
        Stops in file order, with optional ``label`` and ``name`` columns. Not modified.

    Returns
    -------
    list of str
        One name per row, in row order.

    Examples
    --------
    >>> import pandas as pd
    >>> stops = pd.DataFrame({"label": ["Park", None, " "], "name": ["x", "Shops", None]})
    >>> stop_labels(stops)
    ['Park', 'Shops', 'Stop 3']
    """
    names = [f"Stop {i + 1}" for i in range(len(stops))]
    for column in ("name", "label"):  # label last: it wins where both are given
        if column in stops.columns:
            values = stops[column].astype("string").fillna("").str.strip()
            names = [str(v) or n for v, n in zip(values, names, strict=True)]
    return names


def _check_parameters(*, max_minutes: float, walk_kmh: float, stop_minutes: float) -> None:
    problems: list[str] = []
    if not (math.isfinite(max_minutes) and max_minutes > 0):
        problems.append(f"max_minutes ({max_minutes}) must be a positive number of minutes")
    if (speed := walk_speed_problem(walk_kmh)) is not None:
        problems.append(speed)
    if not (math.isfinite(stop_minutes) and stop_minutes >= 0):
        problems.append(f"stop_minutes ({stop_minutes}) must be 0 or more")
    if problems:
        msg = "; ".join(problems) + "."
        raise ParameterError(msg)


def _check_start(start: Point) -> None:
    if start.is_empty:
        msg = f"start must be a shapely Point in EPSG:27700 metres; got {start!r}."
        raise ParameterError(msg)
    if abs(start.x) <= 180 and abs(start.y) <= 90:  # noqa: PLR2004  # degrees' range
        msg = (
            f"start ({start.x}, {start.y}) looks like longitude/latitude; the planner needs "
            "British National Grid metres (EPSG:27700). Convert it first, e.g. with "
            "layers.routes.point_from_lonlat."
        )
        raise CRSError(msg)


# --------------------------------------------------------------------------- orienteering


def _held_karp(
    dist: npt.NDArray[np.float64],
    weight: npt.NDArray[np.float64],
    *,
    speed_m_per_min: float,
    stop_minutes: float,
    max_minutes: float,
) -> list[int]:
    """Exact orienteering: the heaviest feasible subset, in its shortest order (1-based ids)."""
    m = len(weight)
    full = 1 << m
    inner = dist[1:, 1:]
    dp = np.full((full, m), np.inf)
    parent = np.full((full, m), -1, dtype=np.int64)
    singles = 1 << np.arange(m)
    dp[singles, np.arange(m)] = dist[0, 1:]
    masks = np.arange(full, dtype=np.int64)
    count = np.bitwise_count(masks.astype(np.uint64)).astype(np.int64)
    for size in range(2, m + 1):
        layer = masks[count == size]
        for j in range(m):
            sel = layer[(layer >> j) & 1 == 1]
            cand = dp[sel ^ (1 << j)] + inner[:, j]
            best = cand.argmin(axis=1)
            dp[sel, j] = cand[np.arange(len(sel)), best]
            parent[sel, j] = best
    closing = dp + dist[1:, 0]
    last = closing.argmin(axis=1)
    tour = closing[masks, last]
    minutes = tour / speed_m_per_min + count * stop_minutes
    bits = (masks[:, None] >> np.arange(m)) & 1
    total = bits @ weight
    n_unweighted = bits @ (weight == 0).astype(np.int64)
    feasible = (minutes <= max_minutes + _TIME_TOLERANCE_MIN) & (masks > 0)
    candidates = np.flatnonzero(feasible)
    # heaviest first, then the most weight-0 stops (they fit, so they are walked), then
    # shortest, then fewest stops
    order = np.lexsort(
        (count[candidates], tour[candidates], -n_unweighted[candidates], -total[candidates])
    )
    mask = int(candidates[order[0]])
    j = int(last[mask])
    sequence: list[int] = []
    while mask:
        sequence.append(j + 1)
        k = int(parent[mask, j])
        mask ^= 1 << j
        j = k
    sequence.reverse()
    return sequence


def _tour_length(tour: list[int], dist: npt.NDArray[np.float64]) -> float:
    return float(dist[tour[:-1], tour[1:]].sum())


def _improve(tour: list[int], dist: npt.NDArray[np.float64]) -> list[int]:
    """2-opt and or-opt (move one stop) on a closed tour [0, ..., 0] until neither helps."""
    best = list(tour)
    improved = True
    eps = 1e-9
    while improved:
        improved = False
        n = len(best)
        for i in range(1, n - 2):
            for j in range(i + 1, n - 1):
                a, b, c, d = best[i - 1], best[i], best[j], best[j + 1]
                if dist[a, c] + dist[b, d] < dist[a, b] + dist[c, d] - eps:
                    best[i : j + 1] = best[i : j + 1][::-1]
                    improved = True
        for i in range(1, n - 1):
            node = best[i]
            rest = best[:i] + best[i + 1 :]
            removed = (
                dist[best[i - 1], node] + dist[node, best[i + 1]] - dist[best[i - 1], best[i + 1]]
            )
            before = np.asarray(rest[:-1])
            after = np.asarray(rest[1:])
            added = dist[before, node] + dist[node, after] - dist[before, after]
            pos = int(added.argmin())
            if added[pos] < removed - eps:
                best = [*rest[: pos + 1], node, *rest[pos + 1 :]]
                improved = True
                break
    return best


def _insertion_heuristic(
    dist: npt.NDArray[np.float64],
    weight: npt.NDArray[np.float64],
    *,
    speed_m_per_min: float,
    stop_minutes: float,
    max_minutes: float,
) -> list[int]:
    """Greedy insertion by weight per extra minute, improving the order after each insertion."""
    tour = [0, 0]
    remaining = set(range(1, len(weight) + 1))
    while remaining:
        a = np.asarray(tour[:-1])
        b = np.asarray(tour[1:])
        length = _tour_length(tour, dist)
        choice: tuple[tuple[float, float], int, int] | None = None
        for c in sorted(remaining):
            added = dist[a, c] + dist[c, b] - dist[a, b]
            pos = int(added.argmin())
            minutes = (length + added[pos]) / speed_m_per_min + (len(tour) - 1) * stop_minutes
            if minutes > max_minutes + _TIME_TOLERANCE_MIN:
                continue
            extra_min = added[pos] / speed_m_per_min + stop_minutes
            # best weight per extra minute; among weight-0 stops, the nearest
            score = (weight[c - 1] / max(extra_min, 1e-9), -extra_min)
            if choice is None or score > choice[0]:
                choice = (score, c, pos)
        if choice is None:
            break
        _, c, pos = choice
        tour.insert(pos + 1, c)
        remaining.discard(c)
        tour = _improve(tour, dist)
    return tour[1:-1]


# --------------------------------------------------------------------------- path and turns


def _oriented(network: StreetNetwork, a: int, b: int) -> npt.NDArray[np.float64]:
    e = network.edge_between(a, b)
    coords = shapely.get_coordinates(network.edge_geometry[e])
    return coords if network.edge_u[e] == a else coords[::-1]


def _bearing(p: npt.NDArray[np.float64], q: npt.NDArray[np.float64]) -> float:
    return math.degrees(math.atan2(q[0] - p[0], q[1] - p[1]))


def _turn_word(angle: float) -> str:
    size = abs(angle)
    side = "right" if angle > 0 else "left"
    if size < 25:  # noqa: PLR2004  # degrees: straight on
        return "Continue onto"
    if size < 60:  # noqa: PLR2004  # degrees: a slight bend
        return f"Bear {side} onto"
    if size < 135:  # noqa: PLR2004  # degrees: a turn
        return f"Turn {side} onto"
    if size < 165:  # noqa: PLR2004  # degrees: a sharp turn
        return f"Turn sharp {side} onto"
    return "Turn around and follow"


@dataclass
class _TurnBuilder:
    network: StreetNetwork
    start_label: str
    turns: list[Turn]
    walked_m: float = 0.0
    heading: float | None = None
    street: str = ""
    started: bool = False
    """A "Start at" line is written (a first stop at the start has it before its arrival)."""

    def walk(self, path: list[int]) -> None:
        groups: list[tuple[str, float, float, float]] = []  # street, length, bearing in, out
        for a, b in itertools.pairwise(path):
            e = self.network.edge_between(a, b)
            street = self.network.edge_name[e]
            coords = _oriented(self.network, a, b)
            length = float(self.network.edge_length_m[e])
            out = _bearing(coords[-2], coords[-1])
            if groups and groups[-1][0] == street:
                name, total, first, _ = groups[-1]
                groups[-1] = (name, total + length, first, out)
            else:
                groups.append((street, length, _bearing(coords[0], coords[1]), out))
        for street, length, bearing_in, bearing_out in groups:
            if self.heading is None:
                word = "Set off along" if self.started else f"Start at {self.start_label} along"
            else:
                word = _turn_word((bearing_in - self.heading + 180.0) % 360.0 - 180.0)
                if word == "Continue onto" and street == self.street:
                    word = "Continue along"
            self._emit(street, length, self.walked_m, word)
            self.walked_m += length
            self.heading = bearing_out
            self.street = street

    def _emit(self, street: str, length: float, start: float, word: str) -> None:
        self.started = True
        self.turns.append(
            Turn(
                step=len(self.turns) + 1,
                instruction=f"{word} {street} for {length:,.0f} m",
                street=street,
                distance_m=length,
                start_m=start,
                stop_order=None,
            )
        )

    def arrive(self, text: str, order: int) -> None:
        if not self.started:  # the first stop is at the start: say where the walk starts first
            self.started = True
            self.turns.append(
                Turn(
                    step=1,
                    instruction=f"Start at {self.start_label}",
                    street="",
                    distance_m=0.0,
                    start_m=0.0,
                    stop_order=None,
                )
            )
        self.turns.append(
            Turn(
                step=len(self.turns) + 1,
                instruction=text,
                street="",
                distance_m=0.0,
                start_m=self.walked_m,
                stop_order=order,
            )
        )


# --------------------------------------------------------------------------- public API


def _left_out_frame(
    stops: gpd.GeoDataFrame,
    rows: dict[int, tuple[str, str]],
    labels: list[str],
    weight: npt.NDArray[np.float64],
) -> gpd.GeoDataFrame:
    positions = sorted(rows)
    return gpd.GeoDataFrame(
        {
            "label": pd.array([labels[i] for i in positions], dtype="string"),
            "weight": weight[positions],
            "reason": pd.array([rows[i][0] for i in positions], dtype="string"),
            "detail": pd.array([rows[i][1] for i in positions], dtype="string"),
        },
        geometry=np.asarray(stops.geometry.iloc[positions], dtype=object),
        index=stops.index[positions],
        crs=BNG,
    )


def plan_eva_route(  # noqa: PLR0913  # keyword-only options of one planner
    network: StreetNetwork,
    stops: gpd.GeoDataFrame,
    *,
    start: Point,
    start_label: str = "the start",
    max_minutes: float = DEFAULT_MAX_MINUTES,
    walk_kmh: float = DEFAULT_WALK_KMH,
    stop_minutes: float = DEFAULT_STOP_MINUTES,
    method: RouteMethod = "auto",
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> EvaRoute:
    """
    Plan a closed EVA walking loop from ``start`` through the heaviest stops that fit the budget.

    Parameters
    ----------
    network
        The walkable street network (see :func:`spatial.network.load_network`). Not modified.
    stops
        Points in EPSG:27700, with an optional ``weight`` (>= 0, default 1: hotspot strength)
        and an optional ``label`` or ``name``. Not modified. A stop of weight 0 is visited when
        it fits once the weighted stops are chosen.
    start
        Where the loop starts and ends (a co-location site or any point), in EPSG:27700 metres.
    start_label
        What the start is called in the turn list.
    max_minutes
        Time budget for walking plus time at stops.
    walk_kmh
        Walking speed.
    stop_minutes
        Minutes spent at each stop.
    method
        "exact" (Held-Karp, at most :data:`EXACT_MAX_STOPS` candidate stops), "heuristic", or
        "auto" (exact when it can be).
    max_snap_m
        Largest distance from the start or a stop to the nearest street node.

    Returns
    -------
    EvaRoute
        The loop, its stops in order with arrival minutes, the left-out stops with reasons,
        the turn list and the EVA checklist.

    Raises
    ------
    CRSError
        When the stops are not in EPSG:27700 or ``start`` looks like longitude/latitude.
    EmptyInputError
        When there are no stops.
    InputDataError
        When the start or a stop is further than ``max_snap_m`` from a street (the message says
        how far), or a weight is negative or missing.
    ParameterError
        When a parameter is out of range, or "exact" is asked for too many stops.
    NoRouteError
        When no stop can be visited: all are on other islands of the network, or even the
        nearest one does not fit the budget. The message says what to change.
    """
    _check_parameters(max_minutes=max_minutes, walk_kmh=walk_kmh, stop_minutes=stop_minutes)
    _check_stops_and_start(stops, start)
    weight = _weights(stops, name="stops")
    labels = stop_labels(stops)
    start_snap = snap_to_nodes(
        network, gpd.GeoSeries([start], crs=BNG), max_snap_m=max_snap_m, name="start"
    )
    stop_snap = snap_to_nodes(network, stops, max_snap_m=max_snap_m, name="stops")
    speed = walk_speed_m_per_min(walk_kmh)
    closure = _Closure.build(network, np.concatenate([start_snap.position, stop_snap.position]))
    left, candidates = _classify(
        network,
        closure,
        labels,
        start_label=start_label,
        speed=speed,
        stop_minutes=stop_minutes,
        max_minutes=max_minutes,
    )
    exact = _use_exact(method, len(candidates))
    visit = _solve(closure, candidates, weight, _Budget(speed, stop_minutes, max_minutes), exact)
    sequence = [0, *[v + 1 for v in visit], 0]
    legs = [closure.path(a, b) for a, b in itertools.pairwise(sequence)]
    path = [legs[0][0], *(node for leg in legs for node in leg[1:])]
    line, distance_m = _route_line(network, path)
    builder = _TurnBuilder(network=network, start_label=start_label, turns=[])
    arrivals, leg_lengths = _walk_legs(
        builder, legs, [labels[v] for v in visit], speed=speed, stop_minutes=stop_minutes
    )
    walk_min = distance_m / speed
    route_min = walk_min + len(visit) * stop_minutes
    visited = _visited_frame(
        stops, visit, labels, weight, stop_snap, leg_m=leg_lengths, arrival_min=arrivals
    )
    for i in sorted(set(range(len(stops))) - set(left) - set(visit)):
        extra_min = closure.insertion_m(i + 1, sequence) / speed + stop_minutes
        reason = _budget_reason(labels[i], weight[i], extra_min, max_minutes, route_min)
        left[i] = ("budget", reason)
    return EvaRoute(
        line=line,
        stops=visited,
        left_out=_left_out_frame(stops, left, labels, weight),
        node_path=tuple(int(network.node_ids[p]) for p in path),
        start=start,
        start_node=int(start_snap.node_id[0]),
        start_label=start_label,
        distance_m=distance_m,
        walk_time_min=walk_min,
        stop_time_min=len(visit) * stop_minutes,
        total_time_min=route_min,
        max_minutes=max_minutes,
        walk_kmh=walk_kmh,
        stop_minutes=stop_minutes,
        weight_visited=float(weight[visit].sum()),
        weight_total=float(weight.sum()),
        method="exact" if exact else "heuristic",
        turns=tuple(builder.turns),
        checklist=EVA_CHECKLIST,
        notes=network.notes,
    )


def _check_stops_and_start(stops: gpd.GeoDataFrame, start: Point) -> None:
    """Raise unless the stops are a non-empty EPSG:27700 frame and ``start`` is in metres."""
    require_bng(stops, name="stops")
    if len(stops) == 0:
        msg = "stops: no stops given. Select wards with hotspots, or add stops on the map."
        raise EmptyInputError(msg)
    _check_start(start)


def _visited_frame(  # the columns of one frame
    stops: gpd.GeoDataFrame,
    visit: list[int],
    labels: list[str],
    weight: npt.NDArray[np.float64],
    stop_snap: NodeSnap,
    *,
    leg_m: list[float],
    arrival_min: list[float],
) -> gpd.GeoDataFrame:
    """Return the visited stops in walking order (see :attr:`EvaRoute.stops`)."""
    return gpd.GeoDataFrame(
        {
            "order": np.arange(1, len(visit) + 1, dtype=np.int64),
            "label": pd.array([labels[v] for v in visit], dtype="string"),
            "weight": weight[visit],
            "node": stop_snap.node_id[visit],
            "snap_m": stop_snap.distance_m[visit],
            "leg_m": np.asarray(leg_m[: len(visit)], dtype=np.float64),
            "arrival_min": np.asarray(arrival_min, dtype=np.float64),
        },
        geometry=np.asarray(stops.geometry.iloc[visit], dtype=object),
        index=stops.index[visit],
        crs=BNG,
    )


class _Budget(NamedTuple):
    """Walking speed, minutes at each stop and the loop's time budget."""

    speed_m_per_min: float
    stop_minutes: float
    max_minutes: float


def _solve(
    closure: _Closure,
    candidates: list[int],
    weight: npt.NDArray[np.float64],
    budget: _Budget,
    exact: bool,  # noqa: FBT001  # private: the planner's choice of solver
) -> list[int]:
    """Return the stops (positions in the input) to visit, in walking order."""
    index = np.asarray([0, *[c + 1 for c in candidates]])
    picked = (_held_karp if exact else _insertion_heuristic)(
        closure.dist[np.ix_(index, index)],
        weight[candidates],
        speed_m_per_min=budget.speed_m_per_min,
        stop_minutes=budget.stop_minutes,
        max_minutes=budget.max_minutes,
    )
    return [candidates[p - 1] for p in picked]


def _use_exact(method: RouteMethod, n_candidates: int) -> bool:
    """Return whether Held-Karp solves the route; refuse "exact" for too many stops."""
    if method == "exact" and n_candidates > EXACT_MAX_STOPS:
        msg = (
            f"method='exact' handles at most {EXACT_MAX_STOPS} stops that fit the budget; "
            f"{n_candidates} do. Use method='auto' or 'heuristic', or fewer stops."
        )
        raise ParameterError(msg)
    return method == "exact" or (method == "auto" and n_candidates <= EXACT_MAX_STOPS)


def _walk_legs(
    builder: _TurnBuilder,
    legs: list[list[int]],
    stop_labels: list[str],
    *,
    speed: float,
    stop_minutes: float,
) -> tuple[list[float], list[float]]:
    """
    Add each leg's turns and arrival to ``builder``; return arrival minutes and leg lengths.

    ``legs`` run start -> stop 1 -> ... -> start, so there is one leg more than stops.
    """
    arrivals: list[float] = []
    leg_lengths: list[float] = []
    for k, leg in enumerate(legs):
        before = builder.walked_m
        builder.walk(leg)
        leg_lengths.append(builder.walked_m - before)
        minute = builder.walked_m / speed + k * stop_minutes
        if k < len(stop_labels):
            arrivals.append(minute)
            builder.arrive(
                f"Arrive at stop {k + 1}, {stop_labels[k]} (minute {minute:.0f}): "
                f"spend {stop_minutes:g} min on the EVA checklist",
                k + 1,
            )
        else:
            builder.arrive(f"Arrive back at {builder.start_label} (minute {minute:.0f})", 0)
    return arrivals, leg_lengths


def _budget_reason(
    label: str, weight: float, extra_min: float, max_minutes: float, route_min: float
) -> str:
    """Return why a stop that fits on its own was left out of the loop."""
    if weight == 0:
        return (
            f"{label} has weight 0, so it comes after every weighted stop, and it does not fit "
            f"with them in {max_minutes:g} min: adding it needs about {extra_min:.1f} more min "
            f"and the loop has {max_minutes - route_min:.1f} min spare. Raise the budget or "
            "lower the minutes per stop to fit it."
        )
    return (
        f"{label} (weight {weight:g}) was left out to keep heavier stops within "
        f"{max_minutes:g} min: adding it needs about {extra_min:.1f} more min and the loop "
        f"has {max_minutes - route_min:.1f} min spare. Raise the budget or lower the "
        "minutes per stop to fit it."
    )


@dataclass(frozen=True)
class _Closure:
    """The metric closure of the terminals (start first, then the stops)."""

    terminals: npt.NDArray[np.int64]
    dist_all: npt.NDArray[np.float64]
    pred: npt.NDArray[np.int32]
    row_of: dict[int, int]
    dist: npt.NDArray[np.float64]

    @classmethod
    def build(cls, network: StreetNetwork, terminals: npt.NDArray[np.int64]) -> _Closure:
        sources, inverse = np.unique(terminals, return_inverse=True)
        dist_all, pred = dijkstra(
            network.adjacency, directed=False, indices=sources, return_predecessors=True
        )
        return cls(
            terminals=terminals,
            dist_all=dist_all,
            pred=pred,
            row_of={int(t): r for r, t in enumerate(sources)},
            dist=dist_all[inverse][:, terminals],
        )

    def path(self, a: int, b: int) -> list[int]:
        """Node positions of the shortest path from terminal ``a`` to terminal ``b``."""
        source = int(self.terminals[a])
        node = int(self.terminals[b])
        pred = self.pred[self.row_of[source]]
        out = [node]
        while node != source:
            node = int(pred[node])
            out.append(node)
        out.reverse()
        return out

    def insertion_m(self, t: int, sequence: list[int]) -> float:
        """Cheapest extra distance to insert terminal ``t`` into the closed ``sequence``."""
        a = np.asarray(sequence[:-1])
        b = np.asarray(sequence[1:])
        return float((self.dist[a, t] + self.dist[t, b] - self.dist[a, b]).min())


def _classify(
    network: StreetNetwork,
    closure: _Closure,
    labels: list[str],
    *,
    start_label: str,
    speed: float,
    stop_minutes: float,
    max_minutes: float,
) -> tuple[dict[int, tuple[str, str]], list[int]]:
    """Split stops into those left out before solving (with reasons) and the candidates."""
    left: dict[int, tuple[str, str]] = {}
    candidates: list[int] = []
    start_component = network.component[closure.terminals[0]]
    for i, label in enumerate(labels):
        if network.component[closure.terminals[i + 1]] != start_component:
            detail = (
                f"{label} is on a part of the street network that is not connected to "
                f"{start_label} (an island). Move the stop onto a connected street or start "
                "from a site on its side."
            )
            left[i] = ("unreachable", detail)
            continue
        alone_min = 2 * closure.dist[0, i + 1] / speed + stop_minutes
        if alone_min > max_minutes + _TIME_TOLERANCE_MIN:
            detail = (
                f"Walking from {start_label} to {label} and back takes {alone_min:.1f} min "
                f"with {stop_minutes:g} min at the stop; the budget is {max_minutes:g} min. "
                f"Raise the budget to at least {math.ceil(alone_min)} min or start nearer."
            )
            left[i] = ("too_far", detail)
            continue
        candidates.append(i)
    if not candidates:
        _raise_no_route(left, n_stops=len(labels), max_minutes=max_minutes)
    return left, candidates


def _route_line(network: StreetNetwork, path: list[int]) -> tuple[LineString, float]:
    """Join the edge geometries in walking direction; return the line and its length."""
    if len(path) < 2:  # noqa: PLR2004  # a path of one node walks nowhere
        xy = network.node_xy_m[path[0]]
        return LineString([xy, xy]), 0.0
    edges = [network.edge_between(a, b) for a, b in itertools.pairwise(path)]
    pieces = [_oriented(network, a, b) for a, b in itertools.pairwise(path)]
    coords = np.concatenate([pieces[0], *[p[1:] for p in pieces[1:]]])
    return LineString(coords), float(network.edge_length_m[edges].sum())


def _raise_no_route(
    left: dict[int, tuple[str, str]], *, n_stops: int, max_minutes: float
) -> NoReturn:
    reasons = [r for r, _ in left.values()]
    if all(r == "unreachable" for r in reasons):
        which = "The stop is" if n_stops == 1 else f"None of the {n_stops} stops is"
        msg = (
            f"{which} not connected to the start on the street network (another island). "
            "Pick a start site on the same side, or other stops."
        )
        raise NoRouteError(msg)
    nearest = min(
        (detail for reason, detail in left.values() if reason == "too_far"),
        key=lambda d: float(d.split(" takes ")[1].split(" min")[0]),
    )
    msg = (
        f"No stop can be visited within {max_minutes:g} min. The nearest: {nearest} "
        "You can also lower the minutes per stop or pick a start site nearer the hotspots."
    )
    raise NoRouteError(msg)


def stops_from_hotspots(
    hotspots: gpd.GeoDataFrame,
    *,
    weight_column: str,
    top_n: int = DEFAULT_TOP_N,
    label_column: str | None = None,
    min_spacing_m: float = 0.0,
    flag_column: str | None = None,
) -> gpd.GeoDataFrame:
    """
    Turn hotspots (Gi* cells, KDE peaks, cluster centres) into weighted stops.

    Rows with a weight of 0 or less (cold spots, empty cells) are dropped, the rest sorted by
    weight and the ``top_n`` heaviest kept. With ``min_spacing_m`` a hotspot nearer than that to
    a heavier kept one is not a stop of its own: its weight is added to that stop (adjacent hot
    cells become one stop). Polygons become a point inside them
    (:func:`shapely.point_on_surface`).

    Parameters
    ----------
    hotspots
        Points or polygons in EPSG:27700. Not modified.
    weight_column
        The column whose value is the stop's weight (e.g. ``gi_z``, ``density_per_km2``,
        ``n_crimes``).
    top_n
        How many stops to keep.
    label_column
        Column to label the stops with; "Hotspot 1", "Hotspot 2" ... (by weight) when None.
    min_spacing_m
        Smallest distance between two stops; 0 keeps every hotspot.
    flag_column
        A true/false column of the hotspots (e.g. a likely recording artefact) to carry to the
        stops: a stop is flagged when its own hotspot or one whose weight was added to it is.

    Returns
    -------
    geopandas.GeoDataFrame
        ``label``, ``weight`` (and ``flag_column`` as bool, when given) and point ``geometry``
        in EPSG:27700, heaviest first, keeping the hotspots' index.

    Raises
    ------
    CRSError
        When the hotspots are not in EPSG:27700.
    MissingColumnError
        When ``weight_column``, ``label_column`` or ``flag_column`` is missing.
    ParameterError
        When ``top_n`` is less than 1.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> cells = gpd.GeoDataFrame({"gi_z": [3.1, -2.0, 1.2]},
    ...     geometry=[Point(545000, 258000), Point(545100, 258000), Point(545200, 258000)],
    ...     crs="EPSG:27700")
    >>> stops = stops_from_hotspots(cells, weight_column="gi_z", top_n=5)
    >>> stops["label"].tolist(), stops["weight"].tolist()
    (['Hotspot 1', 'Hotspot 2'], [3.1, 1.2])
    """
    require_bng(hotspots, name="hotspots")
    if top_n < 1:
        msg = f"top_n ({top_n}) must be at least 1."
        raise ParameterError(msg)
    for column in (weight_column, label_column, flag_column):
        if column is not None and column not in hotspots.columns:
            msg = f"hotspots: no column {column!r}; found {', '.join(map(str, hotspots.columns))}."
            raise MissingColumnError(msg)
    weight = pd.to_numeric(hotspots[weight_column], errors="coerce").astype("float64")
    keep = weight.fillna(0.0) > 0
    ranked = weight[keep].sort_values(ascending=False, kind="stable")
    points = shapely.point_on_surface(np.asarray(hotspots.loc[ranked.index].geometry, dtype=object))
    kept, totals, owner = _space_out(
        points, np.asarray(ranked, dtype=np.float64), top_n=top_n, min_spacing_m=min_spacing_m
    )
    order = np.argsort(-totals, kind="stable")  # merged neighbours can reorder the stops
    kept = [kept[i] for i in order]
    totals = totals[order]
    rows = hotspots.loc[ranked.index[kept]]
    labels = (
        rows[label_column].astype("string").to_numpy()
        if label_column is not None
        else [f"Hotspot {i + 1}" for i in range(len(rows))]
    )
    stops = gpd.GeoDataFrame(
        {"label": pd.array(labels, dtype="string"), "weight": totals},
        geometry=points[kept],
        index=rows.index,
        crs=BNG,
    )
    if flag_column is not None:
        raised = hotspots.loc[ranked.index, flag_column].fillna(value=False).astype(bool)
        flagged = np.zeros(len(order), dtype=bool)
        flagged[owner[raised.to_numpy() & (owner >= 0)]] = True
        stops[flag_column] = flagged[order]
    return stops


def _space_out(
    points: npt.NDArray[np.object_],
    weight: npt.NDArray[np.float64],
    *,
    top_n: int,
    min_spacing_m: float,
) -> tuple[list[int], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """
    Keep the heaviest points at least ``min_spacing_m`` apart; nearer ones add their weight.

    Returns the positions kept, their total weights, and for every point the position in the
    kept list of the stop it is or was added to (-1: dropped, the stops being full).
    """
    owner = np.full(len(points), -1, dtype=np.int64)
    if min_spacing_m <= 0:
        first = list(range(min(top_n, len(points))))
        owner[first] = np.arange(len(first))
        return first, weight[first].astype(np.float64), owner
    xy = shapely.get_coordinates(points)
    kept: list[int] = []
    totals: list[float] = []
    for i in range(len(points)):
        if kept:
            d = np.hypot(*(xy[kept] - xy[i]).T)
            nearest = int(d.argmin())
            if d[nearest] < min_spacing_m:
                totals[nearest] += float(weight[i])
                owner[i] = nearest
                continue
        if len(kept) < top_n:
            owner[i] = len(kept)
            kept.append(i)
            totals.append(float(weight[i]))
    return kept, np.asarray(totals, dtype=np.float64), owner


def read_stops(source: PointSource) -> gpd.GeoDataFrame:
    """
    Read stops from a GeoJSON (or CSV, GeoPackage) of points with an optional ``weight``.

    Parameters
    ----------
    source
        See :func:`spatial.sites.read_points`.

    Returns
    -------
    geopandas.GeoDataFrame
        The file's columns, ``weight`` (1 where a point has none) and points in EPSG:27700,
        indexed 0, 1, 2 ... in file order.

    Raises
    ------
    InputDataError
        As :func:`spatial.sites.read_points`, or when a weight is negative or missing.
    """
    points = read_points(source, what="stops")
    if "weight" in points.columns:
        missing = points["weight"].isna()
        points = points.assign(weight=points["weight"].where(~missing, 1.0))
    weight = _weights(points, name=str(source[0] if isinstance(source, tuple) else source))
    return points.assign(weight=weight)
