"""
Benchmark: EVA route planning and walking catchments on a 20,000-node street network.

Run with ``.venv/bin/python -m benchmarks.bench_route``. The network is a seeded, jittered
142 x 141 street grid (20,022 nodes, 75 m blocks, 8 % of blocks missing so walks are not straight
lines). It times

* ``spatial.routes.plan_eva_route`` with 15 stops (exact Held-Karp orienteering, and the forced
  heuristic), budget large enough to visit every stop and a tight one (orienteering);
* networkx's own ``traveling_salesman_problem`` (Christofides) over the whole graph with the
  same 16 nodes: it runs Dijkstra from every node of the graph (all pairs), so it is timed on
  smaller grids and extrapolated to 20,022 nodes with a power law fitted in log-log space;
* ``spatial.catchments.walking_catchments`` for 10 sites at 5, 10 and 15 minutes.

Times are CPU seconds of this process (the best of a few runs; every timed call is
single-threaded), because the 2-core machine is shared with other work and wall times vary.
"""

from __future__ import annotations

import math
import platform
import time
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import networkx as nx
import numpy as np
import scipy
import shapely

from spatial.catchments import walking_catchments
from spatial.crs import BNG
from spatial.network import StreetNetwork, network_from_graph
from spatial.routes import plan_eva_route

if TYPE_CHECKING:
    from collections.abc import Callable

ROWS: Final = 142
COLS: Final = 141
BLOCK_M: Final = 75.0
MISSING_SHARE: Final = 0.08
N_STOPS: Final = 15
N_SITES: Final = 10
SMALL_SIDES: Final = (15, 20, 25, 30, 35)
"""Grid sides for the networkx whole-graph TSP timings (about 225 .. 1,225 nodes)."""
SEED: Final = 7
X0: Final = 450_000.0
Y0: Final = 250_000.0


def grid_graph(rows: int, cols: int, *, seed: int = SEED) -> nx.MultiDiGraph:
    """Return a jittered street grid as an osmnx-style graph in EPSG:27700."""
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph(crs=BNG)
    xy = np.empty((rows * cols, 2))
    for r in range(rows):
        for c in range(cols):
            n = r * cols + c
            xy[n] = (
                X0 + c * BLOCK_M + rng.uniform(-12, 12),
                Y0 + r * BLOCK_M + rng.uniform(-12, 12),
            )
            g.add_node(n, x=float(xy[n, 0]), y=float(xy[n, 1]))
    for r in range(rows):
        for c in range(cols):
            a = r * cols + c
            for b, name in ((a + 1, f"Row {r} Street"), (a + cols, f"Col {c} Road")):
                if (b == a + 1 and c == cols - 1) or b >= rows * cols:
                    continue
                if rng.random() < MISSING_SHARE:
                    continue
                length = float(np.hypot(*(xy[a] - xy[b])))
                g.add_edge(a, b, length=length, name=name, highway="residential")
                g.add_edge(b, a, length=length, name=name, highway="residential")
    largest = max(nx.weakly_connected_components(g), key=len)
    return g.subgraph(largest).copy()


def best_of(fn: Callable[[], object], repeats: int) -> float:
    """
    Return the fastest of ``repeats`` runs of ``fn``, in CPU seconds of this process.

    CPU time, not wall time: the machine is shared, and every timed call is single-threaded.
    """
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def pick_nodes(net: StreetNetwork, n: int, *, seed: int) -> list[int]:
    """Return ``n`` node positions spread over the middle of the network."""
    rng = np.random.default_rng(seed)
    centre = net.node_xy_m.mean(axis=0)
    near = np.flatnonzero(np.hypot(*(net.node_xy_m - centre).T) < 2_500)
    return [int(p) for p in rng.choice(near, n, replace=False)]


def points_at(net: StreetNetwork, positions: list[int]) -> gpd.GeoDataFrame:
    """Return points 5 m east of the given nodes, with a weight."""
    xy = net.node_xy_m[positions] + np.array([5.0, 0.0])
    weights = np.arange(len(positions), 0, -1, dtype=np.float64)
    return gpd.GeoDataFrame({"weight": weights}, geometry=shapely.points(xy), crs=BNG)


def nx_tsp_seconds(side: int) -> tuple[int, float]:
    """Time networkx's whole-graph TSP with 16 nodes on a ``side`` x ``side`` grid."""
    graph = nx.Graph(grid_graph(side, side, seed=SEED + side))
    rng = np.random.default_rng(SEED)
    nodes = [int(n) for n in rng.choice(list(graph.nodes), N_STOPS + 1, replace=False)]
    seconds = best_of(
        lambda: nx.approximation.traveling_salesman_problem(
            graph, nodes=nodes, weight="length", cycle=True
        ),
        1,
    )
    return graph.number_of_nodes(), seconds


def main() -> None:
    """Build the network, run the timings and print a Markdown table."""
    start = time.perf_counter()
    graph = grid_graph(ROWS, COLS)
    net = network_from_graph(graph, source="benchmark grid")
    build_s = time.perf_counter() - start
    positions = pick_nodes(net, N_STOPS + 1, seed=SEED)
    start_point = shapely.Point(net.node_xy_m[positions[0]] + np.array([5.0, 0.0]))
    stops = points_at(net, positions[1:])

    rows: list[tuple[str, str, str]] = []
    route = plan_eva_route(net, stops, start=start_point, max_minutes=600, stop_minutes=3)
    exact_s = best_of(
        lambda: plan_eva_route(net, stops, start=start_point, max_minutes=600, stop_minutes=3),
        3,
    )
    rows.append(
        (
            f"plan_eva_route, {N_STOPS} stops, all fit ({route.method})",
            f"{exact_s:.3f}",
            f"{route.distance_m:,.0f} m, {len(route.stops)} stops",
        )
    )
    heuristic = plan_eva_route(
        net, stops, start=start_point, max_minutes=600, stop_minutes=3, method="heuristic"
    )
    heuristic_s = best_of(
        lambda: plan_eva_route(
            net, stops, start=start_point, max_minutes=600, stop_minutes=3, method="heuristic"
        ),
        3,
    )
    gap = 100 * (heuristic.distance_m / route.distance_m - 1)
    rows.append(
        (
            f"plan_eva_route, {N_STOPS} stops, all fit (heuristic)",
            f"{heuristic_s:.3f}",
            f"{heuristic.distance_m:,.0f} m ({gap:+.1f} % vs exact)",
        )
    )
    tight = plan_eva_route(net, stops, start=start_point, max_minutes=60, stop_minutes=3)
    tight_s = best_of(
        lambda: plan_eva_route(net, stops, start=start_point, max_minutes=60, stop_minutes=3), 3
    )
    rows.append(
        (
            f"plan_eva_route, {N_STOPS} stops, 60 min budget ({tight.method})",
            f"{tight_s:.3f}",
            f"{len(tight.stops)} stops, weight {tight.weight_visited:g} of {tight.weight_total:g}",
        )
    )

    small = [nx_tsp_seconds(side) for side in SMALL_SIDES]
    for n_nodes, seconds in small:
        rows.append(
            (
                f"networkx traveling_salesman_problem, whole graph, {n_nodes:,} nodes",
                f"{seconds:.3f}",
                "measured",
            )
        )
    logs = np.log([[n, s] for n, s in small])
    slope, intercept = np.polyfit(logs[:, 0], logs[:, 1], 1)
    extrapolated = math.exp(intercept + slope * math.log(net.n_nodes))
    rows.append(
        (
            f"networkx traveling_salesman_problem, whole graph, {net.n_nodes:,} nodes",
            f"{extrapolated:,.0f}",
            (
                f"extrapolated (time ~ nodes^{slope:.2f}); "
                f"{extrapolated / exact_s:,.0f}x plan_eva_route"
            ),
        )
    )

    sites = points_at(net, pick_nodes(net, N_SITES, seed=SEED + 1))
    catchments = walking_catchments(net, sites)
    catch_s = best_of(lambda: walking_catchments(net, sites), 2)
    rows.append(
        (
            f"walking_catchments, {N_SITES} sites x 5/10/15 min",
            f"{catch_s:.3f}",
            (
                f"{len(catchments)} polygons, mean 15-min area "
                f"{catchments.loc[catchments['minutes'] == 15, 'area_km2'].mean():.2f} km2"
            ),
        )
    )

    print(
        f"Python {platform.python_version()}, networkx {nx.__version__}, scipy {scipy.__version__}"
        f", {platform.machine()}; network {net.n_nodes:,} nodes / {net.n_edges:,} edges, "
        f"built in {build_s:.1f} s (not timed below)."
    )
    print()
    print("| what | CPU seconds | result |")
    print("|---|---:|---|")
    for what, shown, note in rows:
        print(f"| {what} | {shown} | {note} |")


if __name__ == "__main__":
    main()
