from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely import Point

from spatial.crs import BNG
from spatial.errors import EmptyInputError, NoRouteError, ParameterError
from spatial.network import StreetNetwork, network_from_graph
from spatial.street_walks import plan_street_walk, streets_at_points

X0, Y0 = 530_000.0, 180_000.0


def lattice(n: int = 5, block_m: float = 100.0) -> StreetNetwork:
    g = nx.MultiDiGraph(crs=BNG)
    for i in range(n):
        for j in range(n):
            g.add_node(i * n + j, x=X0 + i * block_m, y=Y0 + j * block_m)
            if i:
                g.add_edge((i - 1) * n + j, i * n + j, length=block_m, name=f"Col {j} Street")
            if j:
                g.add_edge(i * n + j - 1, i * n + j, length=block_m, name=f"Row {i} Road")
    return network_from_graph(g)


def segment(net: StreetNetwork, a: int, b: int) -> int:
    return net.edge_between(net.node_position[a], net.node_position[b])


def hot(net: StreetNetwork, pairs: list[tuple[int, int]], crimes: list[int]) -> gpd.GeoDataFrame:
    ids = [segment(net, a, b) for a, b in pairs]
    return gpd.GeoDataFrame(
        {"n_crimes": crimes, "name": [net.edge_name[i] for i in ids]},
        geometry=list(net.edge_geometry[ids]),
        index=ids,
        crs=BNG,
    )


def test_the_walk_goes_along_every_chosen_street_end_to_end() -> None:
    net = lattice()
    streets = hot(net, [(6, 7), (17, 18), (12, 13)], [30, 20, 10])
    walk = plan_street_walk(net, streets, start=Point(X0, Y0), max_minutes=90)
    assert set(walk.segments.index) == set(streets.index)
    path = list(walk.node_path)
    assert path[0] == path[-1] == 0
    for _, row in walk.segments.iterrows():
        i = path.index(int(row["from_node"]))
        assert path[i + 1] == int(row["to_node"])  # the street is walked, end to end
    steps = sum(
        net.edge_length_m[net.edge_between(net.node_position[a], net.node_position[b])]
        for a, b in itertools.pairwise(path)
    )
    assert walk.distance_m == pytest.approx(steps)
    assert walk.line.length == pytest.approx(walk.distance_m)
    assert walk.total_time_min <= 90
    # the loop must reach x = 300 m and y = 300 m and come back: 600 m across + 600 m up and
    # down is the least possible, and walking the streets in the best direction achieves it
    assert walk.distance_m == pytest.approx(1200)


def test_a_tight_budget_walks_the_heaviest_street_that_fits() -> None:
    net = lattice()
    streets = hot(net, [(1, 2), (23, 24)], [5, 50])
    walk = plan_street_walk(net, streets, start=Point(X0, Y0), max_minutes=10, stop_minutes=1)
    # (23,24) is 900 m round trip away: too far for 10 minutes at 80 m/min; (1,2) fits
    assert list(walk.segments.index) == [segment(net, 1, 2)]
    assert walk.left_out == (segment(net, 23, 24),)
    assert walk.total_time_min <= 10
    (detail,) = walk.route.left_out["detail"]
    assert "does not fit the 10 min" in detail
    assert walk.route.max_minutes == 10
    with pytest.raises(NoRouteError):
        plan_street_walk(net, streets.iloc[[1]], start=Point(X0, Y0), max_minutes=5)


def test_street_walk_errors() -> None:
    net = lattice()
    with pytest.raises(EmptyInputError):
        plan_street_walk(net, hot(net, [(1, 2)], [1]).iloc[:0], start=Point(X0, Y0))
    bad = hot(net, [(1, 2)], [1])
    bad.index = np.array([10_000])
    with pytest.raises(ParameterError, match="not segments of this network"):
        plan_street_walk(net, bad, start=Point(X0, Y0))


def test_the_walk_is_an_eva_route_with_turns_along_each_street() -> None:
    net = lattice()
    streets = hot(net, [(6, 7), (17, 18), (12, 13)], [30, 20, 10])
    walk = plan_street_walk(net, streets, start=Point(X0, Y0), max_minutes=90, stop_minutes=2)
    route = walk.route
    assert route.distance_m == pytest.approx(walk.distance_m)
    assert route.line.equals(walk.line)
    assert route.node_path == walk.node_path
    assert route.stops["order"].tolist() == [1, 2, 3]
    assert route.stops["node"].tolist() == walk.segments["from_node"].tolist()
    assert route.total_time_min == pytest.approx(1200 / 80 + 3 * 2)
    # the turns walk every metre once and arrive at each stop, then back at the start
    walked = sum(t.distance_m for t in route.turns)
    assert walked == pytest.approx(1200)
    arrivals = [t.stop_order for t in route.turns if t.stop_order is not None]
    assert arrivals == [1, 2, 3, 0]
    assert "walk its 100 m" in next(t.instruction for t in route.turns if t.stop_order == 1)


def test_stops_on_streets_become_the_segments_under_them() -> None:
    net = lattice()
    stops = gpd.GeoDataFrame(
        {"weight": [3.0, 2.0, 5.0], "label": ["a", "b", "c"]},
        geometry=gpd.points_from_xy([X0 + 100, X0 + 100, X0 + 250], [Y0 + 150, Y0 + 160, Y0 + 2]),
        crs=BNG,
    )
    segments = streets_at_points(net, stops)
    assert list(segments.index) == [segment(net, 6, 7), segment(net, 10, 15)]
    assert segments["weight"].tolist() == [5.0, 5.0]
    assert segments["name"].tolist() == ["a", "c"]
